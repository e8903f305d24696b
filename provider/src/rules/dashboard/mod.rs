//! Grafana dashboards from SLO models (pure; no I/O): one dashboard per SLO
//! ([`slo_dashboard`]) and an overview of several SLOs ([`overview`]).
//!
//! Panels read the SLO's recorded series (`slo:*`, cheap), never the raw metrics, except
//! the traffic panel of an `events` or `latency` SLI, which shows the requests behind the
//! ratio. Every query carries the SLO's three identity labels, so two SLOs whose ids look
//! alike never share a panel.

mod overview;
mod panel;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::burn_rate::{self, Severity};
use super::conventions as conv;
use super::slo::{render_query, slo_id, slo_selector, Sli, SloSpec};
use super::window::format_duration;
use panel::{target, thresholds, Grid, Panel};

pub use overview::{overview, overview_uid, OverviewSlo};
pub use panel::to_text;

/// The dashboard JSON model version written: that of Grafana 11.6 and 12 (and of
/// grafana-foundation-sdk 11.6, which the schema test reads the dashboards with).
pub const SCHEMA_VERSION: u32 = 41;
/// Grafana's limit on a dashboard uid.
pub const MAX_UID_LEN: usize = 40;

/// The dashboard uid of an SLO: `slo-`, its id (cut to fit, `.` as `_`) and 8 hex digits of
/// a hash of `<service>@<name>`, which no other SLO shares (`@` is not allowed in either).
/// Stable across updates of everything but the service and the name.
pub fn slo_uid(service: &str, name: &str) -> String {
    let hash = Sha256::digest(format!("{service}@{name}").as_bytes());
    let hex: String = hash[..4].iter().map(|b| format!("{b:02x}")).collect();
    let id: String = slo_id(service, name)
        .chars()
        .map(|c| if c == '.' { '_' } else { c })
        .take(MAX_UID_LEN - "slo-".len() - 1 - hex.len())
        .collect();
    format!("slo-{id}-{hex}")
}

/// The alert windows the SLO's enabled tiers read (all of them when both are off), as
/// `(window, burn-rate threshold)` per window, shortest first, each window once with its
/// highest threshold.
fn alert_windows(spec: &SloSpec) -> Result<Vec<(u64, f64)>, String> {
    let period = spec.period()?;
    let enabled = |s: Severity| match s {
        Severity::Page => !spec.alerting.page.disabled,
        Severity::Ticket => !spec.alerting.ticket.disabled,
    };
    let any = Severity::ALL.into_iter().any(enabled);
    let mut windows: Vec<(u64, f64)> = Vec::new();
    for row in burn_rate::WINDOWS
        .iter()
        .filter(|w| !any || enabled(w.severity))
    {
        for secs in [row.short_secs, row.long_secs] {
            let factor = row.factor(&period);
            match windows.iter_mut().find(|(s, _)| *s == secs) {
                Some((_, f)) => *f = f.max(factor),
                None => windows.push((secs, factor)),
            }
        }
    }
    windows.sort_by_key(|(s, _)| *s);
    Ok(windows)
}

/// The traffic panel's queries (all events, bad events per second), reading the raw
/// metrics with Grafana's `$__rate_interval`; `None` for a `raw` SLI.
fn traffic_queries(spec: &SloSpec) -> Result<Option<(String, String)>, String> {
    const RANGE: &str = "$__rate_interval";
    Ok(match &spec.sli {
        Sli::Events {
            error_query,
            total_query,
        } => Some((
            render_query(total_query.trim(), RANGE)?,
            render_query(error_query.trim(), RANGE)?,
        )),
        Sli::Latency {
            histogram,
            selector,
            threshold,
        } => {
            let selector = selector.trim().trim_end_matches(',').trim();
            let le = super::promql::le_matcher(*threshold);
            let bucket = if selector.is_empty() {
                le
            } else {
                format!("{selector}, {le}")
            };
            let all = format!("sum(rate({histogram}_count{{{selector}}}[{RANGE}]))");
            let bad = format!("{all} - sum(rate({histogram}_bucket{{{bucket}}}[{RANGE}]))");
            Some((all, bad))
        }
        Sli::Raw { .. } => None,
    })
}

/// Grafana's start of the time range that shows the SLO's period.
fn time_from(spec: &SloSpec) -> String {
    use super::calendar::Calendar;
    match spec.budgeting.calendar {
        Some(Calendar::Week) => "now/w".to_string(),
        Some(Calendar::Month) => "now/M".to_string(),
        Some(Calendar::Quarter) => "now-90d".to_string(),
        None => format!("now-{}", spec.window),
    }
}

/// The dashboard of one valid SLO (see the module doc for what its panels read).
pub fn slo_dashboard(spec: &SloSpec) -> Result<Value, String> {
    let sel = slo_selector(&spec.service, &spec.name);
    let period = spec.period_name()?;
    let period_text = spec.period_text();
    // The ratio without float noise (99.9 → 0.999, not 0.9990000000000001): objectives have
    // at most 10 decimals in percent.
    let objective = (spec.objective * 1e10).round() / 1e12;
    let with_sel = |series: &str| format!("{series}{sel}");
    let budget = with_sel(conv::SERIES_ERROR_BUDGET);
    let burn = |window: &str| {
        format!(
            "{}\n/ on(sloth_id, sloth_slo, sloth_service) group_left\n{budget}",
            with_sel(&conv::sli_error_series(window))
        )
    };
    let pct_thresholds = thresholds("red", &[(objective, "green")]);
    let mut id = 0;
    let mut next_id = || {
        id += 1;
        id
    };
    let stat = |id: u32, title: &str, description: String, x: u32, w: u32, expr: String| Panel {
        id,
        kind: "stat",
        title: title.to_string(),
        description,
        grid: Grid { x, y: 0, w, h: 5 },
        targets: vec![target("A", &expr, title, false)],
        unit: "percentunit",
        decimals: Some(3),
        thresholds: thresholds("green", &[]),
    };
    let mut panels = Vec::new();
    let mut sli_stat = stat(
        next_id(),
        "SLI this period",
        format!("Share of good events over the SLO period ({period_text})."),
        0,
        6,
        format!("1 - {}", with_sel(&conv::sli_error_series(&period))),
    );
    sli_stat.thresholds = pct_thresholds.clone();
    panels.push(sli_stat.json());
    let mut objective_stat = stat(
        next_id(),
        "Objective",
        "The SLO's objective.".to_string(),
        6,
        4,
        with_sel(conv::SERIES_OBJECTIVE),
    );
    objective_stat.thresholds = thresholds("blue", &[]);
    panels.push(objective_stat.json());
    let mut remaining = stat(
        next_id(),
        "Error budget remaining",
        format!(
            "Share of the period's error budget not yet spent ({period_text}); below 0 the \
             SLO is missed."
        ),
        10,
        7,
        with_sel(conv::SERIES_PERIOD_BUDGET_REMAINING),
    );
    remaining.thresholds = thresholds("red", &[(0.0, "orange"), (0.25, "green")]);
    panels.push(remaining.json());
    let mut current = stat(
        next_id(),
        "Current burn rate",
        "Error ratio over the last 5 minutes divided by the error budget: 1 spends the \
         budget exactly over the period."
            .to_string(),
        17,
        7,
        with_sel(conv::SERIES_CURRENT_BURN_RATE),
    );
    current.unit = "none";
    current.decimals = Some(2);
    current.thresholds = thresholds("green", &[(1.0, "orange"), (6.0, "red")]);
    panels.push(current.json());

    panels.push(
        Panel {
            id: next_id(),
            kind: "timeseries",
            title: "SLI vs objective".to_string(),
            description: "Share of good events over the last hour, against the objective."
                .to_string(),
            grid: Grid {
                x: 0,
                y: 5,
                w: 12,
                h: 8,
            },
            targets: vec![
                target(
                    "A",
                    &format!("1 - {}", with_sel(&conv::sli_error_series("1h"))),
                    "SLI (1h)",
                    false,
                ),
                target("B", &with_sel(conv::SERIES_OBJECTIVE), "objective", false),
            ],
            unit: "percentunit",
            decimals: Some(3),
            thresholds: pct_thresholds,
        }
        .json(),
    );
    panels.push(
        Panel {
            id: next_id(),
            kind: "timeseries",
            title: format!("Error budget remaining ({period_text})"),
            description: format!(
                "Share of the error budget left, over the SLO period ({period_text}){}.",
                if spec.budgeting.calendar.is_some() {
                    "; it starts again at 100% when the period starts"
                } else {
                    ""
                }
            ),
            grid: Grid {
                x: 12,
                y: 5,
                w: 12,
                h: 8,
            },
            targets: vec![target(
                "A",
                &with_sel(conv::SERIES_PERIOD_BUDGET_REMAINING),
                "budget remaining",
                false,
            )],
            unit: "percentunit",
            decimals: Some(1),
            thresholds: thresholds("red", &[(0.0, "green")]),
        }
        .json(),
    );
    let windows = alert_windows(spec)?;
    let mut factors: Vec<f64> = windows.iter().map(|(_, f)| *f).collect();
    factors.sort_by(f64::total_cmp);
    factors.dedup();
    let colours = ["yellow", "orange", "red", "purple"];
    let steps: Vec<(f64, &str)> = factors
        .iter()
        .enumerate()
        .map(|(i, f)| (*f, colours[i.min(colours.len() - 1)]))
        .collect();
    let refs = ["A", "B", "C", "D", "E", "F", "G", "H"];
    panels.push(
        Panel {
            id: next_id(),
            kind: "timeseries",
            title: "Burn rate per alert window".to_string(),
            description: format!(
                "Error ratio over each window the burn-rate alerts read, divided by the error \
                 budget; the lines are the alert thresholds ({}).",
                factors
                    .iter()
                    .map(|f| format!("{f}×"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            grid: Grid {
                x: 0,
                y: 13,
                w: 12,
                h: 8,
            },
            targets: windows
                .iter()
                .zip(refs)
                .map(|((secs, _), r)| {
                    let w = format_duration(std::time::Duration::from_secs(*secs));
                    target(r, &burn(&w), &w, false)
                })
                .collect(),
            unit: "none",
            decimals: Some(2),
            thresholds: thresholds("green", &steps),
        }
        .json(),
    );
    let mut alerts = Panel {
        id: next_id(),
        kind: "table",
        title: "Alerts".to_string(),
        description: "The SLO's burn-rate alerts now pending or firing.".to_string(),
        grid: Grid {
            x: 12,
            y: 13,
            w: 12,
            h: 8,
        },
        targets: vec![target(
            "A",
            &with_sel(conv::SERIES_ALERTS),
            "{{alertname}} {{sloth_severity}}",
            true,
        )],
        unit: "none",
        decimals: None,
        thresholds: thresholds("green", &[]),
    }
    .json();
    alerts["transformations"] = json!([{
        "id": "organize",
        "options": {
            "excludeByName": {"Time": true, "Value": true, "__name__": true},
            "indexByName": {"alertname": 0, "sloth_severity": 1, "alertstate": 2},
            "renameByName": {},
        },
    }]);
    panels.push(alerts);
    if let Some((all, bad)) = traffic_queries(spec)? {
        panels.push(
            Panel {
                id: next_id(),
                kind: "timeseries",
                title: "Events per second".to_string(),
                description: "All and bad events per second, from the SLI's own queries."
                    .to_string(),
                grid: Grid {
                    x: 0,
                    y: 21,
                    w: 24,
                    h: 8,
                },
                targets: vec![
                    target("A", &all, "all", false),
                    target("B", &bad, "bad", false),
                ],
                unit: "reqps",
                decimals: None,
                thresholds: thresholds("green", &[]),
            }
            .json(),
        );
    }
    let mut description = match &spec.description {
        Some(d) if !d.trim().is_empty() => format!("{}\n", d.trim()),
        _ => String::new(),
    };
    description.push_str(&format!(
        "Objective {}% over {period_text}.",
        spec.objective
    ));
    let mut links = Vec::new();
    if let Some(url) = &spec.alerting.runbook_url {
        description.push_str(&format!(" Runbook: {url}"));
        links.push(json!({
            "title": "Runbook",
            "type": "link",
            "url": url,
            "icon": "doc",
            "targetBlank": true,
            "asDropdown": false,
            "includeVars": false,
            "keepTime": false,
            "tags": [],
            "tooltip": "",
        }));
    }
    Ok(panel::dashboard(
        &slo_uid(&spec.service, &spec.name),
        &format!("SLO: {} / {}", spec.service, spec.name),
        &description,
        &["slo", "reliability", &spec.service],
        &time_from(spec),
        links,
        panels,
    ))
}

/// Every PromQL query of a dashboard, for tests and tools: each panel's targets' `expr`.
pub fn queries(dashboard: &Value) -> Vec<String> {
    dashboard["panels"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|p| p["targets"].as_array().into_iter().flatten())
        .filter_map(|t| t["expr"].as_str().map(str::to_string))
        .collect()
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
