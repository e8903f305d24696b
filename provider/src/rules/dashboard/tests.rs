use serde_json::Value;

use super::*;
use crate::rules::slo::tests::snapshot_specs;
use crate::rules::snapshot::assert_snapshot;

fn dashboards() -> Vec<(&'static str, Value)> {
    snapshot_specs()
        .into_iter()
        .map(|(name, spec)| (name, slo_dashboard(&spec).unwrap()))
        .collect()
}

/// Grafana's `$__…` variables as Grafana substitutes them (for parsing only).
pub(crate) fn substitute(expr: &str) -> String {
    expr.replace("$__rate_interval", "1m")
        .replace("$__range", "1h")
        .replace("$__interval", "15s")
}

#[test]
fn snapshots() {
    for (name, dashboard) in dashboards() {
        assert_snapshot(
            "dashboard",
            &format!("dashboard_{name}"),
            &to_text(&dashboard),
        );
    }
    let slos =
        ["checkout-availability", "search-latency"].map(|id| OverviewSlo { id: id.to_string() });
    assert_snapshot(
        "dashboard",
        "dashboard_overview",
        &to_text(&overview("Payments SLOs", &slos).unwrap()),
    );
}

#[test]
fn every_query_parses() {
    let mut all: Vec<(String, Value)> = dashboards()
        .into_iter()
        .map(|(n, d)| (n.to_string(), d))
        .collect();
    let slos = [OverviewSlo {
        id: "a.b-c".to_string(),
    }];
    all.push(("overview".to_string(), overview("x", &slos).unwrap()));
    for (name, dashboard) in all {
        let qs = queries(&dashboard);
        assert!(!qs.is_empty(), "{name}: no queries");
        for q in qs {
            if let Err(e) = promql_parser::parser::parse(&substitute(&q)) {
                panic!("{name}: {e}\n{q}");
            }
        }
    }
}

#[test]
fn panels_read_recorded_series_except_traffic() {
    for (name, dashboard) in dashboards() {
        for panel in dashboard["panels"].as_array().unwrap() {
            let title = panel["title"].as_str().unwrap();
            for t in panel["targets"].as_array().unwrap() {
                let expr = t["expr"].as_str().unwrap();
                if title == "Events per second" {
                    assert!(expr.contains("$__rate_interval"), "{name}: {expr}");
                } else {
                    assert!(
                        expr.contains("slo:") || expr.starts_with("ALERTS{"),
                        "{name}/{title}: reads a raw metric: {expr}"
                    );
                    // Every recorded-series read carries the SLO's three identity labels.
                    assert!(expr.contains("sloth_slo=\""), "{name}/{title}: {expr}");
                }
            }
        }
    }
}

#[test]
fn raw_slis_have_no_traffic_panel_and_others_do() {
    for (name, spec) in snapshot_specs() {
        let d = slo_dashboard(&spec).unwrap();
        let has = d["panels"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["title"] == "Events per second");
        assert_eq!(has, !matches!(spec.sli, Sli::Raw { .. }), "{name}");
    }
}

#[test]
fn uids_are_stable_short_and_distinct() {
    assert_eq!(slo_uid("foo-bar", "baz"), slo_uid("foo-bar", "baz"));
    // The same id, two SLOs: two uids.
    assert_ne!(slo_uid("foo-bar", "baz"), slo_uid("foo", "bar-baz"));
    let long = "x".repeat(100);
    let uid = slo_uid(&long, &long);
    assert!(uid.len() <= MAX_UID_LEN, "{uid}");
    assert!(slo_uid("a.b", "c")
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    assert_ne!(
        slo_uid(&long, &format!("{long}1")),
        slo_uid(&long, &format!("{long}2"))
    );
}

#[test]
fn burn_panel_follows_the_enabled_tiers() {
    let specs = snapshot_specs();
    let windows = |name: &str| {
        let spec = &specs.iter().find(|(n, _)| *n == name).unwrap().1;
        alert_windows(spec).unwrap()
    };
    let secs = |w: Vec<(u64, f64)>| w.into_iter().map(|(s, _)| s).collect::<Vec<_>>();
    // Both tiers: the seven windows; page off: the ticket tier's 2h 6h 1d 3d.
    assert_eq!(secs(windows("events_30d")).len(), 7);
    assert_eq!(
        secs(windows("page_disabled")),
        vec![7200, 21600, 86400, 259200]
    );
    // The 6h window is read by the page tier (6×) and the ticket tier (1×): the higher.
    let w = windows("events_30d");
    assert_eq!(w.iter().find(|(s, _)| *s == 21600).unwrap().1, 6.0);
}

#[test]
fn description_names_objective_period_and_runbook() {
    for (name, spec) in snapshot_specs() {
        let d = slo_dashboard(&spec).unwrap();
        let text = d["description"].as_str().unwrap();
        assert!(
            text.contains(&format!("Objective {}%", spec.objective)),
            "{name}: {text}"
        );
        assert!(text.contains(&spec.period_text()), "{name}: {text}");
        if let Some(url) = &spec.alerting.runbook_url {
            assert!(text.contains(url.as_str()), "{name}: {text}");
        }
    }
}

#[test]
fn overview_escapes_ids_and_refuses_an_empty_list() {
    assert!(overview("x", &[]).is_err());
    let d = overview(
        "x",
        &[OverviewSlo {
            id: "a.b".to_string(),
        }],
    )
    .unwrap();
    let q = queries(&d).join("\n");
    assert!(q.contains(r#"sloth_id=~"^(?:a\\.b)$""#), "{q}");
}
