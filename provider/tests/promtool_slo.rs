//! Alert math, proven by Prometheus itself: generates SLO rules, feeds `promtool test rules`
//! synthetic request counters and checks which burn-rate alerts fire.
//!
//! Every scenario is a `case` label value on the input series; the SLI queries keep it
//! (`sum by (case)`), so one promtool run checks all cases of a period at once. Expected
//! alerts list labels and annotations exactly; they are taken from the generated rule (the
//! generator's own text), plus the `case` label.
//!
//! Needs `promtool` (`PROMTOOL`, else on PATH; Debian/Ubuntu: `apt-get install prometheus`,
//! as scripts/setup.sh does).

use std::collections::BTreeMap;

use reliability_provider::rules::burn_rate::Severity;
use reliability_provider::rules::slo::{Alerting, Sli, SloSpec};
use reliability_provider::rules::RuleFile;
use serde_json::{json, Value};

mod support;
use support::slo::{alert_name, checked_generate, counter, expected_alert_with, promtool_test};

/// Requests per minute in every scenario unless stated otherwise.
const TRAFFIC: f64 = 1000.0;

fn spec(name: &str, objective: f64, window: &str) -> SloSpec {
    SloSpec {
        service: "checkout".into(),
        name: name.into(),
        objective,
        window: window.into(),
        budgeting: Default::default(),
        description: None,
        labels: BTreeMap::from([("team".to_string(), "payments".to_string())]),
        sli: Sli::Events {
            error_query: r#"sum by (case) (rate(http_requests_total{job="checkout",code="500"}[{{.window}}]))"#.into(),
            total_query: r#"sum by (case) (rate(http_requests_total{job="checkout"}[{{.window}}]))"#.into(),
        },
        alerting: Alerting::default(),
    }
}

/// The alert promtool must report for `case` at `severity`: the rule's labels over the
/// SLI series labels, and the rule's annotations.
fn expected_alert(file: &RuleFile, spec: &SloSpec, severity: Severity, case: &str) -> Value {
    expected_alert_with(file, spec, severity, Some(case))
}

/// Input series of one case: `(error ratio, minutes)` phases at `traffic` requests/min.
fn case_series(case: &str, traffic: f64, phases: &[(f64, u64)]) -> Vec<Value> {
    let ok: Vec<(f64, u64)> = phases
        .iter()
        .map(|&(r, m)| (traffic * (1.0 - r), m))
        .collect();
    let err: Vec<(f64, u64)> = phases.iter().map(|&(r, m)| (traffic * r, m)).collect();
    vec![
        json!({
            "series": format!(r#"http_requests_total{{job="checkout",code="200",case="{case}"}}"#),
            "values": counter(&ok),
        }),
        json!({
            "series": format!(r#"http_requests_total{{job="checkout",code="500",case="{case}"}}"#),
            "values": counter(&err),
        }),
    ]
}

/// The default SLO (30d, 99.9 %): 2 % errors page within the hour, 0.05 % fires nothing.
#[test]
fn default_slo_pages_on_two_percent_and_ignores_noise() {
    let spec = spec("availability", 99.9, "30d");
    let file = checked_generate(&spec);
    let name = alert_name(&file);
    let mut series = case_series("burn", TRAFFIC, &[(0.02, 6 * 60)]);
    series.extend(case_series("noise", TRAFFIC, &[(0.0005, 6 * 60)]));
    let both: Vec<Value> = Severity::ALL
        .iter()
        .map(|s| expected_alert(&file, &spec, *s, "burn"))
        .collect();
    let alert_tests: Vec<Value> = [10, 60, 360]
        .iter()
        .map(|m| json!({ "eval_time": format!("{m}m"), "alertname": name, "exp_alerts": both }))
        .collect();
    let tests = json!({
        "tests": [{
            "interval": "1m",
            "input_series": series,
            "alert_rule_test": alert_tests,
            "promql_expr_test": [{
                // 2 % errors against a 0.1 % budget: burn rate 20, budget remaining 1 - 20.
                "expr": r#"round(slo:period_error_budget_remaining:ratio{case="burn"})"#,
                "eval_time": "1h",
                "exp_samples": [{
                    "labels": r#"{case="burn", sloth_id="checkout-availability", sloth_service="checkout", sloth_slo="availability", sloth_window="30d", team="payments"}"#,
                    "value": -19
                }]
            }]
        }]
    });
    promtool_test(&file, "1m", tests);
}

/// The burn-rate rows as the SRE Workbook states them, written out here independently of
/// the generator's table: (tier, short window, long window) in minutes.
const ROWS: [(Severity, u64, u64); 4] = [
    (Severity::Page, 5, 60),
    (Severity::Page, 30, 6 * 60),
    (Severity::Ticket, 2 * 60, 24 * 60),
    (Severity::Ticket, 6 * 60, 3 * 24 * 60),
];

/// Each burn-rate row of `window`, 10 % above and 10 % below its threshold
/// `factors[row] × (1 − objective/100)`.
///
/// Case `row<i>-above`/`row<i>-below`: clean traffic (3 days or more), then errors at
/// `threshold × 1.1` (or `× 0.9`) for the row's long window plus 5 minutes, all cases
/// ending at the same evaluation time. The clean history dilutes the longer windows, so
/// only the row under test (and, for the 1d row, the 3d row of the same tier) can fire.
/// The 3d row burns for 3 days after one clean day.
fn each_row_fires_just_above_its_threshold(window: &str, objective: f64, factors: [f64; 4]) {
    let spec = spec("availability", objective, window);
    let file = checked_generate(&spec);
    let name = alert_name(&file);
    let budget = (100.0 - objective) / 100.0;
    let end = 3 * 24 * 60 + 24 * 60 + 5; // 3d clean + 1d burst + 5m
    let mut series = Vec::new();
    let mut firing = Vec::new();
    for (row, ((severity, short, long), factor)) in ROWS.iter().zip(factors).enumerate() {
        let burst = long + 5;
        for (suffix, scale) in [("above", 1.1), ("below", 0.9)] {
            let case = format!("row{row}-{short}m-{long}m-{suffix}");
            let ratio = factor * budget * scale;
            assert!(ratio < 1.0, "{case}: ratio {ratio} is not a ratio");
            series.extend(case_series(
                &case,
                TRAFFIC,
                &[(0.0, end - burst), (ratio, burst)],
            ));
            if suffix == "above" {
                firing.push(expected_alert(&file, &spec, *severity, &case));
            }
        }
    }
    let tests = json!({
        "tests": [{
            "interval": "1m",
            "input_series": series,
            "alert_rule_test": [{
                "eval_time": format!("{end}m"),
                "alertname": name,
                "exp_alerts": firing,
            }],
        }]
    });
    // Rules run every 5 minutes (the input stays at 1m steps): the same math as at 1m, with
    // a fifth of the work over four days of samples.
    promtool_test(&file, "5m", tests);
}

#[test]
fn rows_28d_fire_above_and_stay_quiet_below_threshold() {
    each_row_fires_just_above_its_threshold("28d", 99.9, [13.44, 5.6, 2.8, 28.0 / 30.0]);
}

#[test]
fn rows_7d_fire_above_and_stay_quiet_below_threshold() {
    each_row_fires_just_above_its_threshold("7d", 99.5, [3.36, 1.4, 0.7, 7.0 / 30.0]);
}

/// `min_events`: the same 50 % error ratio alerts with 100 requests/min (6000 in the hour)
/// and stays quiet with 10 requests/min (600 < 1000). Also proves the guard's vector
/// matching keeps per-`case` SLIs apart.
#[test]
fn min_events_guard_silences_low_traffic() {
    let mut spec = spec("availability", 99.9, "30d");
    spec.alerting.min_events = Some(1000.0);
    let file = checked_generate(&spec);
    let name = alert_name(&file);
    let mut series = case_series("busy", 100.0, &[(0.5, 60)]);
    series.extend(case_series("quiet", 10.0, &[(0.5, 60)]));
    let busy: Vec<Value> = Severity::ALL
        .iter()
        .map(|s| expected_alert(&file, &spec, *s, "busy"))
        .collect();
    let tests = json!({
        "tests": [{
            "interval": "1m",
            "input_series": series,
            "alert_rule_test": [
                { "eval_time": "30m", "alertname": name, "exp_alerts": busy },
                { "eval_time": "60m", "alertname": name, "exp_alerts": busy },
            ],
        }]
    });
    promtool_test(&file, "1m", tests);
}

/// Histogram buckets as a Go client (`le="1"`) and a Python client (`le="1.0"`) expose
/// them; `le="100"` must not match the threshold 1 (the regexp dot is escaped).
fn latency_series(job: &str, whole: &str, fast_share: f64, minutes: u64) -> Vec<Value> {
    let per_min = 100.0;
    let bucket = |le: &str, inc: f64| {
        json!({
            "series": format!(r#"http_request_duration_seconds_bucket{{job="{job}",le="{le}"}}"#),
            "values": counter(&[(inc, minutes)]),
        })
    };
    vec![
        bucket(&format!("1{whole}"), per_min * fast_share),
        bucket(&format!("10{whole}"), per_min),
        bucket(&format!("100{whole}"), per_min),
        bucket("+Inf", per_min),
        json!({
            "series": format!(r#"http_request_duration_seconds_count{{job="{job}"}}"#),
            "values": counter(&[(per_min, minutes)]),
        }),
    ]
}

#[test]
fn latency_sli_matches_both_le_spellings() {
    let spec = SloSpec {
        sli: Sli::Latency {
            histogram: "http_request_duration_seconds".into(),
            selector: String::new(),
            threshold: 1.0,
        },
        alerting: Alerting {
            min_events: Some(50.0),
            ..Alerting::default()
        },
        ..spec("latency", 99.5, "7d")
    };
    let file = checked_generate(&spec);
    let name = alert_name(&file);
    // 0.1 % slow requests: below every 7d/99.5 threshold (the lowest is 0.1167 %).
    let mut fine = latency_series("go", "", 0.999, 60);
    fine.extend(latency_series("py", ".0", 0.999, 60));
    // 10 % slow requests: both tiers fire.
    let mut slow = latency_series("go", "", 0.9, 60);
    slow.extend(latency_series("py", ".0", 0.9, 60));
    let both: Vec<Value> = Severity::ALL
        .iter()
        .map(|s| expected_alert_with(&file, &spec, *s, None))
        .collect();
    let tests = json!({
        "tests": [
            {
                "interval": "1m",
                "input_series": fine,
                "alert_rule_test": [{ "eval_time": "30m", "alertname": name, "exp_alerts": [] }],
                "promql_expr_test": [{
                    "expr": "round(slo:sli_error:ratio_rate5m * 10000)",
                    "eval_time": "30m",
                    "exp_samples": [{
                        "labels": r#"{sloth_id="checkout-latency", sloth_service="checkout", sloth_slo="latency", sloth_window="5m", team="payments"}"#,
                        "value": 10
                    }]
                }]
            },
            {
                "interval": "1m",
                "input_series": slow,
                "alert_rule_test": [{ "eval_time": "30m", "alertname": name, "exp_alerts": both }],
            }
        ]
    });
    promtool_test(&file, "1m", tests);
}

/// The period ratio counts only errors inside the period: with a 2d period and errors
/// (100 %) only in the first 62 minutes, it is exactly 0 once those minutes left the
/// period (at 2d65m the period is (65m, 2d65m]), when a `[2d]` range over the 5m series
/// would still include the 5m ratio recorded at 65m, which covers (60m, 65m].
/// (pyrra-dev/pyrra#1576.) Rules run every 5 minutes, as a Prometheus could.
#[test]
fn period_ratio_ignores_errors_before_the_period() {
    let spec = spec("availability", 99.9, "2d");
    let file = checked_generate(&spec);
    let minutes = 2 * 24 * 60 + 65;
    let series = case_series("early", 100.0, &[(1.0, 62), (0.0, minutes - 62)]);
    let labels = r#"{case="early", sloth_id="checkout-availability", sloth_service="checkout", sloth_slo="availability", sloth_window="2d", team="payments"}"#;
    let tests = json!({
        "tests": [{
            "interval": "1m",
            "input_series": series,
            "promql_expr_test": [
                {
                    // The period (55m, 2d55m] still holds seven minutes of errors.
                    "expr": "slo:sli_error:ratio_rate2d > bool 0",
                    "eval_time": format!("{}m", minutes - 10),
                    "exp_samples": [{ "labels": labels, "value": 1 }]
                },
                {
                    // The period (65m, 2d65m] holds none.
                    "expr": "slo:sli_error:ratio_rate2d",
                    "eval_time": format!("{minutes}m"),
                    "exp_samples": [{ "labels": format!("slo:sli_error:ratio_rate2d{labels}"), "value": 0 }]
                }
            ]
        }]
    });
    promtool_test(&file, "5m", tests);
}
