//! Budget math, proven by Prometheus itself (`promtool test rules`) on traffic that varies:
//!
//! - the period error ratio is the ratio of bad to all events (within 1 % of the ratio
//!   computed here from the input), on day/night traffic with a burst and a counter reset,
//!   where Sloth's average of 5-minute ratios is off by a factor of 30;
//! - a calendar month's budget holds exactly the month's errors so far and is whole again
//!   after the 1st (promtool's clock starts at 1970-01-01T00:00Z, a Thursday);
//! - a maintenance window leaves its errors out of the budget and pages nobody, while the
//!   same errors outside it page; `exclude_query` does the same for declared maintenance.
//!
//! Needs `promtool` (`PROMTOOL`, else on PATH), as the other promtool tests.

use std::collections::BTreeMap;

use reliability_provider::rules::burn_rate::Severity;
use reliability_provider::rules::calendar::Calendar;
use reliability_provider::rules::slo::{Budgeting, MaintenanceWindow, Sli, SloSpec};
use serde_json::{json, Value};

mod support;
use support::slo::{alert_name, checked_generate, expected_alert_with, promtool_test};

const MINUTES_PER_DAY: u64 = 24 * 60;

fn spec(objective: f64, budgeting: Budgeting) -> SloSpec {
    SloSpec {
        service: "checkout".into(),
        name: "availability".into(),
        objective,
        window: "7d".into(),
        description: None,
        labels: BTreeMap::new(),
        sli: Sli::Events {
            error_query: r#"sum(rate(http_requests_total{code="500"}[{{.window}}]))"#.into(),
            total_query: r#"sum(rate(http_requests_total[{{.window}}]))"#.into(),
        },
        alerting: Default::default(),
        budgeting,
    }
}

/// Traffic as `(good per minute, bad per minute, minutes)` phases; a phase with
/// `reset = true` restarts both counters from zero first, as a restarted process does.
struct Phase {
    good: f64,
    bad: f64,
    minutes: u64,
    reset: bool,
}

fn phase(good: f64, bad: f64, minutes: u64) -> Phase {
    Phase {
        good,
        bad,
        minutes,
        reset: false,
    }
}

/// The two input series (code 200 and 500), one sample a minute from t = 0, and the exact
/// bad and total event counts they hold.
fn traffic(phases: &[Phase]) -> (Vec<Value>, f64, f64) {
    let mut text = [vec!["0".to_string()], vec!["0".to_string()]];
    let mut value = [0.0, 0.0];
    let (mut bad, mut total) = (0.0, 0.0);
    for p in phases {
        for (i, inc) in [p.good, p.bad].into_iter().enumerate() {
            if p.reset {
                value[i] = 0.0;
            }
            let first = value[i] + inc;
            text[i].push(format!("{first}+{inc}x{}", p.minutes - 1));
            value[i] += inc * p.minutes as f64;
        }
        bad += p.bad * p.minutes as f64;
        total += (p.good + p.bad) * p.minutes as f64;
    }
    let series = ["200", "500"]
        .iter()
        .zip(text)
        .map(|(code, values)| {
            json!({
                "series": format!(r#"http_requests_total{{code="{code}"}}"#),
                "values": values.join(" "),
            })
        })
        .collect();
    (series, bad, total)
}

/// A promql test that `expr` is within 1 % of `expected` at `eval_time`.
fn within_one_percent(expr: &str, expected: f64, eval_time: &str) -> Value {
    json!({
        "expr": format!("min(abs(({expr}) / {expected} - 1) < bool 0.01)"),
        "eval_time": eval_time,
        "exp_samples": [{ "labels": "{}", "value": 1 }],
    })
}

const IDENTITY: &str =
    r#"sloth_id="checkout-availability", sloth_service="checkout", sloth_slo="availability""#;

/// Two days of 100 req/s by day, all good, and 1 req/s by night, half failing; a 10-minute
/// burst of 50 % errors on the second afternoon; the process restarts (counters back to
/// zero) on the second morning. The period ratio is the events' ratio; Sloth's formula
/// (the mean of the 5m ratios) reads 30× more.
#[test]
fn period_ratio_is_event_weighted_on_diurnal_traffic() {
    let spec = spec(99.9, Budgeting::default());
    let file = checked_generate(&spec);
    let (day, night) = (6000.0, 60.0);
    let half = 12 * 60;
    let phases = [
        phase(night / 2.0, night / 2.0, half),
        phase(day, 0.0, half),
        phase(night / 2.0, night / 2.0, half),
        Phase {
            reset: true,
            ..phase(day, 0.0, 3 * 60)
        },
        phase(day / 2.0, day / 2.0, 10),
        phase(day, 0.0, half - 3 * 60 - 10),
    ];
    let (series, bad, total) = traffic(&phases);
    let exact = bad / total;
    let end = format!("{}m", 2 * MINUTES_PER_DAY);
    let sloth = format!(
        "sum_over_time(slo:sli_error:ratio_rate5m{{{IDENTITY}}}[6d23h55m]) / \
         count_over_time(slo:sli_error:ratio_rate5m{{{IDENTITY}}}[6d23h55m])"
    );
    let tests = json!({
        "tests": [{
            "interval": "1m",
            "input_series": series,
            "promql_expr_test": [
                within_one_percent("slo:sli_error:ratio_rate1w", exact, &end),
                within_one_percent("1 - slo:period_error_budget_remaining:ratio", exact / 0.001, &end),
                // The 1d window (the second day, burst and reset included) is exact too.
                within_one_percent(
                    "slo:sli_error:ratio_rate1d",
                    (night / 2.0 * half as f64 + day / 2.0 * 10.0)
                        / ((night + day) * half as f64),
                    &end,
                ),
                {
                    // What Sloth's average of 5-minute ratios says: about 0.25.
                    "expr": format!("min(({sloth}) > 0.24 < 0.27 > bool 0)"),
                    "eval_time": end,
                    "exp_samples": [{ "labels": "{}", "value": 1 }],
                },
            ],
        }]
    });
    assert!(
        exact > 0.008 && exact < 0.0085,
        "hand-computed ratio {exact}"
    );
    promtool_test(&file, "1m", tests);
}

/// A calendar month: errors on January 10 only (1970, promtool's clock). On January 25 the
/// month's budget holds exactly those errors; on February 4 it is whole again, while a
/// rolling 30d SLO still holds them. January has 31 days, February 1970 28.
#[test]
fn calendar_month_budget_resets_on_the_first() {
    let monthly = spec(
        99.9,
        Budgeting {
            calendar: Some(Calendar::Month),
            ..Budgeting::default()
        },
    );
    let file = checked_generate(&monthly);
    let per_min = 100.0;
    let (burst_start, burst) = (9 * MINUTES_PER_DAY + 12 * 60, 60);
    let days = 35;
    let phases = [
        phase(per_min, 0.0, burst_start),
        phase(per_min * 0.9, per_min * 0.1, burst),
        phase(per_min, 0.0, days * MINUTES_PER_DAY - burst_start - burst),
    ];
    let (series, bad, _) = traffic(&phases);
    let jan25 = 24 * MINUTES_PER_DAY;
    let ratio_jan25 = bad / (per_min * jan25 as f64);
    let feb4 = 34 * MINUTES_PER_DAY;
    let labels = format!("{{{IDENTITY}, sloth_window=\"1M\"}}");
    let tests = json!({
        "tests": [{
            "interval": "1m",
            "input_series": series,
            "promql_expr_test": [
                within_one_percent("slo:sli_error:ratio_rate1M", ratio_jan25, &format!("{jan25}m")),
                within_one_percent(
                    "1 - slo:period_error_budget_remaining:ratio",
                    ratio_jan25 / 0.001,
                    &format!("{jan25}m"),
                ),
                {
                    "expr": "slo:sli_error:ratio_rate1M",
                    "eval_time": format!("{feb4}m"),
                    "exp_samples": [{ "labels": format!("slo:sli_error:ratio_rate1M{labels}"), "value": 0 }],
                },
                {
                    "expr": "slo:period_error_budget_remaining:ratio",
                    "eval_time": format!("{feb4}m"),
                    "exp_samples": [{ "labels": format!("slo:period_error_budget_remaining:ratio{labels}"), "value": 1 }],
                },
                {
                    "expr": "slo:time_period:days",
                    "eval_time": format!("{jan25}m"),
                    "exp_samples": [{ "labels": format!("slo:time_period:days{{{IDENTITY}}}"), "value": 31 }],
                },
                {
                    "expr": "slo:time_period:days",
                    "eval_time": format!("{feb4}m"),
                    "exp_samples": [{ "labels": format!("slo:time_period:days{{{IDENTITY}}}"), "value": 28 }],
                },
                {
                    // The rolling view over the same samples still holds January 10.
                    "expr": format!(
                        "sum_over_time(slo:sli_bad_events:rate5m{{{IDENTITY}}}[29d23h55m]) > bool 0"
                    ),
                    "eval_time": format!("{feb4}m"),
                    "exp_samples": [{ "labels": format!("{{{IDENTITY}}}"), "value": 1 }],
                },
            ],
        }]
    });
    // Rules every 5 minutes over 35 days of 1m samples: the same math, a fifth of the work.
    promtool_test(&file, "5m", tests);
}

/// Sunday 02:00–04:00 is maintenance. 100 % errors inside it (Sunday January 4, 1970):
/// the budget stays whole and nothing fires at 03:00 or after the window; the same errors
/// on Saturday, outside it, page. `exclude_query`: errors while `maintenance_mode` is 1
/// leave the budget whole too.
#[test]
fn maintenance_is_left_out_of_budget_and_alerts() {
    let spec = spec(
        99.9,
        Budgeting {
            maintenance: vec![MaintenanceWindow {
                weekdays: vec!["sunday".into()],
                start_time: Some("02:00".into()),
                end_time: Some("04:00".into()),
            }],
            exclude_query: Some("max(maintenance_mode)".into()),
            ..Budgeting::default()
        },
    );
    let file = checked_generate(&spec);
    let name = alert_name(&file);
    let per_min = 100.0;
    // Errors from `start` (minutes) for two hours, within three and a half days.
    let outage = |start: u64| {
        traffic(&[
            phase(per_min, 0.0, start),
            phase(0.0, per_min, 120),
            phase(per_min, 0.0, 3 * MINUTES_PER_DAY + 12 * 60 - start - 120),
        ])
        .0
    };
    let sunday_2am = 3 * MINUTES_PER_DAY + 120;
    let saturday_2am = 2 * MINUTES_PER_DAY + 120;
    let friday_10am = MINUTES_PER_DAY + 600;
    let remaining_is_whole = |at: u64| {
        json!({
            "expr": "slo:period_error_budget_remaining:ratio",
            "eval_time": format!("{at}m"),
            "exp_samples": [{ "labels": format!("slo:period_error_budget_remaining:ratio{{{IDENTITY}, sloth_window=\"1w\"}}"), "value": 1 }],
        })
    };
    // Two hours of 100 % errors trip both tiers.
    let both: Vec<Value> = Severity::ALL
        .iter()
        .map(|s| expected_alert_with(&file, &spec, *s, None))
        .collect();
    let mut declared = outage(friday_10am);
    declared.push(json!({
        "series": "maintenance_mode",
        "values": format!("0x{} 1x130 0x{}", friday_10am - 6, 3 * MINUTES_PER_DAY),
    }));
    let tests = json!({
        "tests": [
            {
                "interval": "1m",
                "input_series": outage(sunday_2am),
                "alert_rule_test": [
                    { "eval_time": format!("{}m", sunday_2am + 60), "alertname": name, "exp_alerts": [] },
                    { "eval_time": format!("{}m", sunday_2am + 150), "alertname": name, "exp_alerts": [] },
                ],
                "promql_expr_test": [
                    remaining_is_whole(sunday_2am + 60),
                    remaining_is_whole(sunday_2am + 240),
                    {
                        "expr": "slo:maintenance:active",
                        "eval_time": format!("{}m", sunday_2am + 60),
                        "exp_samples": [{ "labels": format!("slo:maintenance:active{{{IDENTITY}}}"), "value": 1 }],
                    },
                ],
            },
            {
                "interval": "1m",
                "input_series": outage(saturday_2am),
                "alert_rule_test": [
                    { "eval_time": format!("{}m", saturday_2am + 60), "alertname": name, "exp_alerts": both },
                ],
                "promql_expr_test": [{
                    "expr": "slo:period_error_budget_remaining:ratio < bool 0",
                    "eval_time": format!("{}m", saturday_2am + 60),
                    "exp_samples": [{ "labels": format!("{{{IDENTITY}, sloth_window=\"1w\"}}"), "value": 1 }],
                }],
            },
            {
                "interval": "1m",
                "input_series": declared,
                "alert_rule_test": [
                    { "eval_time": format!("{}m", friday_10am + 60), "alertname": name, "exp_alerts": [] },
                ],
                "promql_expr_test": [remaining_is_whole(friday_10am + 240)],
            },
        ]
    });
    promtool_test(&file, "1m", tests);
}
