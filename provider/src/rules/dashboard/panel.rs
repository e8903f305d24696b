//! Grafana panel and target JSON, as the dashboard model (schemaVersion 41) spells it: the
//! few shapes the SLO dashboards use, each a function so every panel is built the same way.

use serde_json::{json, Value};

/// The datasource every panel reads: the dashboard's `datasource` template variable.
pub fn datasource() -> Value {
    json!({"type": "prometheus", "uid": "${datasource}"})
}

/// A range query (`instant = false`) or an instant one, with its legend.
pub fn target(ref_id: &str, expr: &str, legend: &str, instant: bool) -> Value {
    let mut t = json!({
        "datasource": datasource(),
        "expr": expr,
        "refId": ref_id,
        "legendFormat": legend,
        "range": !instant,
        "instant": instant,
    });
    if instant {
        t["format"] = json!("table");
    }
    t
}

/// Where a panel sits on the 24-column grid.
#[derive(Debug, Clone, Copy)]
pub struct Grid {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

/// Threshold steps: the base colour, then `(value, colour)` from low to high.
pub fn thresholds(base: &str, steps: &[(f64, &str)]) -> Value {
    let mut list = vec![json!({"color": base, "value": null})];
    list.extend(steps.iter().map(|(v, c)| json!({"color": c, "value": v})));
    json!({"mode": "absolute", "steps": list})
}

/// A panel of `kind` (stat, timeseries, table) with its targets, unit and thresholds.
pub struct Panel<'a> {
    pub id: u32,
    pub kind: &'a str,
    pub title: String,
    pub description: String,
    pub grid: Grid,
    pub targets: Vec<Value>,
    pub unit: &'a str,
    pub decimals: Option<u32>,
    pub thresholds: Value,
}

impl Panel<'_> {
    /// The panel's JSON, with options suited to its kind.
    pub fn json(&self) -> Value {
        let mut defaults = json!({
            "unit": self.unit,
            "thresholds": self.thresholds,
            "color": {"mode": "thresholds"},
        });
        if let Some(d) = self.decimals {
            defaults["decimals"] = json!(d);
        }
        let options = match self.kind {
            "stat" => json!({
                "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": false},
                "colorMode": "value",
                "graphMode": "area",
                "justifyMode": "auto",
                "orientation": "auto",
                "textMode": "auto",
            }),
            "timeseries" => {
                defaults["custom"] = json!({
                    "drawStyle": "line",
                    "lineWidth": 1,
                    "fillOpacity": 10,
                    "showPoints": "never",
                    "spanNulls": false,
                    "thresholdsStyle": {"mode": "line"},
                });
                defaults["color"] = json!({"mode": "palette-classic"});
                json!({
                    "legend": {"displayMode": "list", "placement": "bottom", "showLegend": true, "calcs": []},
                    "tooltip": {"mode": "multi", "sort": "none"},
                })
            }
            _ => json!({"showHeader": true, "cellHeight": "sm"}),
        };
        json!({
            "id": self.id,
            "type": self.kind,
            "title": self.title,
            "description": self.description,
            "datasource": datasource(),
            "gridPos": {"h": self.grid.h, "w": self.grid.w, "x": self.grid.x, "y": self.grid.y},
            "targets": self.targets,
            "fieldConfig": {"defaults": defaults, "overrides": []},
            "options": options,
        })
    }
}

/// The dashboard around `panels`: uid, title, tags, the `datasource` variable, the time
/// range.
pub fn dashboard(
    uid: &str,
    title: &str,
    description: &str,
    tags: &[&str],
    time_from: &str,
    links: Vec<Value>,
    panels: Vec<Value>,
) -> Value {
    json!({
        "uid": uid,
        "title": title,
        "description": description,
        "tags": tags,
        "timezone": "utc",
        "editable": true,
        "graphTooltip": 1,
        "schemaVersion": super::SCHEMA_VERSION,
        "refresh": "1m",
        "time": {"from": time_from, "to": "now"},
        "links": links,
        "templating": {"list": [{
            "name": "datasource",
            "label": "Prometheus",
            "type": "datasource",
            "query": "prometheus",
            "hide": 0,
            "multi": false,
            "includeAll": false,
            "skipUrlSync": false,
        }]},
        "annotations": {"list": []},
        "panels": panels,
    })
}

/// The text of a dashboard or panel JSON as stored: two-space indentation, one newline at
/// the end.
pub fn to_text(value: &Value) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_else(|_| "{}".to_string());
    s.push('\n');
    s
}
