//! The overview dashboard: one table row per SLO with its objective, SLI and budget left
//! this period, its current burn rate and its status (a firing page, a firing ticket, or
//! OK), sortable by any column.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::panel::{target, thresholds, Grid, Panel};
use crate::rules::conventions as conv;

/// One SLO of the overview, by its identity labels.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct OverviewSlo {
    pub id: String,
}

/// A regex alternative that matches `s` literally (RE2 metacharacters escaped).
fn regex_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The overview's uid: `slo-overview-` and a hash of its title, stable while the title is.
pub fn overview_uid(title: &str) -> String {
    let hash = Sha256::digest(title.as_bytes());
    let hex: String = hash[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("slo-overview-{hex}")
}

/// The overview dashboard of `slos` (ids as `reliability_slo.id` gives them), titled
/// `title`. An error when the list is empty.
pub fn overview(title: &str, slos: &[OverviewSlo]) -> Result<Value, String> {
    if slos.is_empty() {
        return Err("slo_ids is empty: list the ids of the SLOs to show".to_string());
    }
    let mut ids: Vec<&str> = slos.iter().map(|s| s.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let alternatives = ids
        .iter()
        .map(|id| regex_literal(id))
        .collect::<Vec<_>>()
        .join("|");
    // A PromQL string literal of the regex (backslashes doubled).
    let matcher = format!(
        "{}=~{}",
        conv::LABEL_ID,
        crate::rules::promql::promql_string(&format!("^(?:{alternatives})$"))
    );
    let on = "on(sloth_id, sloth_slo, sloth_service)";
    let by = "by (sloth_id, sloth_service, sloth_slo)";
    // Every value aggregated to the three identity labels, so the table's rows merge.
    let sel = |series: &str| format!("max {by} ({series}{{{matcher}}})");
    let firing = |severity: &str| {
        format!(
            "max {by} ({}{{{matcher}, alertstate=\"firing\", {}=\"{severity}\"}})",
            conv::SERIES_ALERTS,
            conv::LABEL_SLOTH_SEVERITY
        )
    };
    let targets = vec![
        target("A", &sel(conv::SERIES_OBJECTIVE), "", true),
        target(
            "B",
            &format!(
                "1 - ({} * {on} group_left {})",
                sel(conv::SERIES_PERIOD_BURN_RATE),
                sel(conv::SERIES_ERROR_BUDGET)
            ),
            "",
            true,
        ),
        target("C", &sel(conv::SERIES_PERIOD_BUDGET_REMAINING), "", true),
        target("D", &sel(conv::SERIES_CURRENT_BURN_RATE), "", true),
        target(
            "E",
            &format!(
                "{} * 2\nor {on}\n{}\nor {on}\n{} * 0",
                firing("page"),
                firing("ticket"),
                sel(conv::SERIES_OBJECTIVE)
            ),
            "",
            true,
        ),
    ];
    let mut table = Panel {
        id: 1,
        kind: "table",
        title: "SLOs".to_string(),
        description: "One row per SLO: objective, SLI and error budget left over its own \
                      period, the burn rate over the last 5 minutes, and its status. Click a \
                      column to sort."
            .to_string(),
        grid: Grid {
            x: 0,
            y: 0,
            w: 24,
            h: (3 + ids.len() as u32).clamp(8, 40),
        },
        targets,
        unit: "none",
        decimals: None,
        thresholds: thresholds("green", &[]),
    }
    .json();
    table["transformations"] = json!([
        {"id": "merge", "options": {}},
        {"id": "organize", "options": {
            "excludeByName": {"Time": true, "sloth_id": true},
            "indexByName": {
                "sloth_service": 0, "sloth_slo": 1, "Value #A": 2, "Value #B": 3,
                "Value #C": 4, "Value #D": 5, "Value #E": 6,
            },
            "renameByName": {
                "sloth_service": "Service", "sloth_slo": "SLO", "Value #A": "Objective",
                "Value #B": "SLI this period", "Value #C": "Budget left",
                "Value #D": "Burn rate now", "Value #E": "Status",
            },
        }},
    ]);
    table["options"]["sortBy"] = json!([{"displayName": "Budget left", "desc": false}]);
    let column = |name: &str, props: Value| json!({"matcher": {"id": "byName", "options": name}, "properties": props});
    table["fieldConfig"]["overrides"] = json!([
        column(
            "Objective",
            json!([{"id": "unit", "value": "percentunit"}, {"id": "decimals", "value": 3}])
        ),
        column(
            "SLI this period",
            json!([{"id": "unit", "value": "percentunit"}, {"id": "decimals", "value": 3}])
        ),
        column(
            "Budget left",
            json!([
                {"id": "unit", "value": "percentunit"},
                {"id": "decimals", "value": 1},
                {"id": "thresholds", "value": thresholds("red", &[(0.0, "orange"), (0.25, "green")])},
                {"id": "custom.cellOptions", "value": {"type": "color-background"}},
            ])
        ),
        column(
            "Burn rate now",
            json!([
                {"id": "decimals", "value": 2},
                {"id": "thresholds", "value": thresholds("green", &[(1.0, "orange"), (6.0, "red")])},
                {"id": "custom.cellOptions", "value": {"type": "color-text"}},
            ])
        ),
        column(
            "Status",
            json!([
                {"id": "mappings", "value": [{"type": "value", "options": {
                    "0": {"text": "OK", "color": "green", "index": 0},
                    "1": {"text": "ticket firing", "color": "orange", "index": 1},
                    "2": {"text": "page firing", "color": "red", "index": 2},
                }}]},
                {"id": "custom.cellOptions", "value": {"type": "color-background"}},
            ])
        ),
    ]);
    Ok(super::panel::dashboard(
        &overview_uid(title),
        title,
        &format!("Error budgets of {} SLOs.", ids.len()),
        &["slo", "reliability", "overview"],
        "now-1h",
        Vec::new(),
        vec![table],
    ))
}
