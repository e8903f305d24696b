//! OpenSLO imports proven by Prometheus' own tools:
//!
//! - every SLO of the spec-like fixture (`src/rules/openslo/fixtures/web_shop.yaml`:
//!   DataSource, Service, SLI by reference, good/total and bad/total counters, a latency
//!   histogram, a calendar month, two objectives) generates rules `promtool check rules`
//!   accepts;
//! - good/total counters (`counter: true`) give the exact error ratio on uneven traffic,
//!   including a counter reset and a time with no good series at all (all bad).
//!
//! Needs `promtool` (`PROMTOOL`, else on PATH), as the other promtool tests.

use reliability_provider::rules::openslo;
use reliability_provider::rules::render_yaml;
use serde_json::json;

mod support;
use support::run_promtool;
use support::slo::{checked_generate, promtool_test};

const WEB_SHOP: &str = include_str!("../src/rules/openslo/fixtures/web_shop.yaml");

#[test]
fn spec_like_examples_pass_promtool_check() {
    let imported = openslo::import(WEB_SHOP).unwrap_or_else(|p| panic!("{p:#?}"));
    assert_eq!(imported.slos.len(), 4);
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["check".to_string(), "rules".to_string()];
    for spec in &imported.slos {
        let file = format!("{}.yml", spec.name);
        let rules = render_yaml(&checked_generate(spec), "openslo import");
        std::fs::write(dir.path().join(&file), rules).unwrap();
        args.push(file);
    }
    let out = run_promtool(&args, dir.path());
    assert_eq!(out.matches("SUCCESS").count(), 4, "{out}");
}

/// One sample a minute for minutes 0..=180 from `value(minute)`; `None` is no sample.
fn samples(value: impl Fn(u64) -> Option<u64>) -> String {
    (0..=180)
        .map(|t| value(t).map_or("_".to_string(), |v| v.to_string()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Good/total counters, as the spec's ratioMetric example writes them (a `sum` of the good
/// counter, the total counter as a selector). Two instances with uneven loads, one sample a
/// minute:
///
/// - minutes 0–60: only errors, 5 a minute on each instance; the code-200 series do not
///   exist yet, so every window's error ratio is 1 (no good series is no good events);
/// - from minute 60: instance a 300 good + 3 bad a minute, instance b 20 good + 7 bad;
/// - instance a restarts at minute 119–120 (its counters start again from the minute's
///   increase, as a restarted process's do).
///
/// The 1h error ratio at minute 180 is exactly 10 / 330.
#[test]
fn good_total_counters_give_the_exact_error_ratio() {
    let yaml = r#"apiVersion: openslo/v1
kind: SLO
metadata: {name: api}
spec:
  service: shop
  indicator:
    metadata: {name: api}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: Prometheus, spec: {query: 'sum(requests_total{code="200"})'}}}
        total: {metricSource: {type: Prometheus, spec: {query: 'requests_total'}}}
  timeWindow: [{duration: 7d, isRolling: true}]
  objectives: [{target: 0.99}]
"#;
    let spec = openslo::import(yaml).unwrap().slos.remove(0);
    let file = checked_generate(&spec);
    // Instance a: counters restart at minute 120 with that minute's increase.
    let restarted = |per_min: u64, t: u64, before: u64| {
        if t < 120 {
            before
        } else {
            per_min * (t - 119)
        }
    };
    let good_a = samples(|t| (t >= 60).then(|| restarted(300, t, 300 * (t - 60))));
    let good_b = samples(|t| (t >= 60).then(|| 20 * (t - 60)));
    let bad_a = samples(|t| {
        Some(if t <= 60 {
            5 * t
        } else {
            restarted(3, t, 300 + 3 * (t - 60))
        })
    });
    let bad_b = samples(|t| Some(if t <= 60 { 5 * t } else { 300 + 7 * (t - 60) }));
    let series = |code: &str, inst: &str, values: String| {
        json!({
            "series": format!(r#"requests_total{{code="{code}",instance="{inst}"}}"#),
            "values": values,
        })
    };
    let identity = r#"sloth_id="shop-api", sloth_service="shop", sloth_slo="api""#;
    let labels = format!(r#"{{{identity}, sloth_window="1h"}}"#);
    let exact = 10.0 / 330.0;
    let tests = json!({
        "tests": [{
            "interval": "1m",
            "input_series": [
                series("200", "a", good_a),
                series("200", "b", good_b),
                series("500", "a", bad_a),
                series("500", "b", bad_b),
            ],
            "promql_expr_test": [
                {
                    "expr": format!("slo:sli_error:ratio_rate1h{{{identity}}}"),
                    "eval_time": "60m",
                    "exp_samples": [{ "labels": format!("slo:sli_error:ratio_rate1h{labels}"), "value": 1 }],
                },
                {
                    "expr": format!("abs(slo:sli_error:ratio_rate1h{{{identity}}} / {exact} - 1) < bool 1e-9"),
                    "eval_time": "180m",
                    "exp_samples": [{ "labels": labels, "value": 1 }],
                },
            ],
        }]
    });
    promtool_test(&file, "1m", tests);
}
