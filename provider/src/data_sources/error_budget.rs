//! `data "reliability_error_budget"`: the live error budget of a `reliability_slo`, read from
//! Prometheus' HTTP API, so that a pipeline can refuse to deploy while the budget is spent.
//!
//! It reads the series the SLO's recording rules produce (Sloth's names, see
//! [`crate::rules::conventions`]) for `sloth_id = slo_id` in one instant query. When the SLO's
//! queries keep labels (several series per SLO), the worst series counts. An unreachable
//! Prometheus or an SLO whose rules are not loaded is an error, never a silent 0.
//!
//! An SLO whose rules are loaded but were never evaluated (created in the same apply) is
//! waited for, within a bound ([`first_evaluation`](super::first_evaluation)). An SLO with
//! no events in its period has `has_data = false`: its budget is whole
//! (`error_budget_remaining = 1`, `exhausted = false`), with a warning, so that a gate lets
//! a new service deploy and its message still renders.

use std::borrow::Cow;
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::{AttributeConstraint, AttributeType, Block, Description, Schema};
use tf_provider::value::{Value, ValueBool, ValueEmpty, ValueString};
use tf_provider::{AttributePath, DataSource, Diagnostics};

use super::first_evaluation::{self, Outcome};
use crate::backend::prometheus;
use crate::context::Context;
use crate::resources::num::Num;
use crate::resources::schema::{attr, named};
use crate::rules::calendar::{self, format_rfc3339, Calendar};
use crate::rules::conventions as conv;
use crate::settings::validate_prometheus_url;

/// State of the data source.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct ErrorBudgetState<'a> {
    #[serde(borrow = "'a")]
    pub slo_id: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub prometheus_url: ValueString<'a>,
    pub objective: Value<Num>,
    pub sli: Value<Num>,
    pub error_budget_remaining: Value<Num>,
    pub current_burn_rate: Value<Num>,
    pub period_burn_rate: Value<Num>,
    pub exhausted: ValueBool,
    #[serde(default)]
    pub has_data: ValueBool,
    #[serde(borrow = "'a", default)]
    pub period: ValueString<'a>,
    #[serde(borrow = "'a", default)]
    pub calendar_period: ValueString<'a>,
    #[serde(borrow = "'a", default)]
    pub period_start: ValueString<'a>,
    #[serde(borrow = "'a", default)]
    pub period_end: ValueString<'a>,
    #[serde(default)]
    pub error_budget_minutes: Value<Num>,
    #[serde(default)]
    pub maintenance_excluded: ValueBool,
}

/// The data source.
pub struct ErrorBudgetDataSource {
    context: Arc<Context>,
}

impl ErrorBudgetDataSource {
    pub fn new(context: Arc<Context>) -> Self {
        ErrorBudgetDataSource { context }
    }
}

/// The data source's schema.
pub fn schema() -> Schema {
    use AttributeConstraint::{Computed, Optional, Required};
    use AttributeType::{Bool, Number, String};
    let attributes = named(vec![
        ("slo_id", attr(String, Required, "The SLO's id, `<service>-<name>` (e.g. `reliability_slo.checkout.id`).")),
        ("prometheus_url", attr(String, Optional, "Prometheus to query; defaults to the provider's `prometheus_url`.")),
        ("objective", attr(Number, Computed, "The objective as a ratio (`0.999`).")),
        ("sli", attr(Number, Computed, "The SLI over the SLO period: good events / all events for `events` and `latency` SLIs (`0.9995`), the time average for `raw` ones. Null when the period has no events (`has_data = false`).")),
        ("error_budget_remaining", attr(Number, Computed, "Share of the period's error budget left: 1 is untouched, 0 or less is spent. 1 when the period has no events yet (`has_data = false`).")),
        ("current_burn_rate", attr(Number, Computed, "Burn rate over the last 5 minutes (1 spends the budget exactly over the period). Null when there is no traffic.")),
        ("period_burn_rate", attr(Number, Computed, "Burn rate over the whole period; 0 when the period has no events yet.")),
        ("exhausted", attr(Bool, Computed, "`true` when no error budget is left (`error_budget_remaining <= 0`); `false` without data.")),
        ("has_data", attr(Bool, Computed, "`false` when the SLO's period has no events yet (a new service, or rules that have not been evaluated within the wait): the budget then reads as whole and a warning says so.")),
        ("period", attr(String, Computed, "The period the budget covers, as the SLO's series name it: `30d`, `4w` (rolling) or `1W`, `1M`, `1Q` (calendar).")),
        ("calendar_period", attr(String, Computed, "`week`, `month` or `quarter` for a calendar SLO; null for a rolling one.")),
        ("period_start", attr(String, Computed, "Start of the period the budget covers (RFC 3339, UTC): the calendar period's first instant, or `period` before the query's evaluation time for a rolling one.")),
        ("period_end", attr(String, Computed, "End of that period: the next calendar period's start, or the evaluation time for a rolling one.")),
        ("error_budget_minutes", attr(Number, Computed, "The error budget of this period in minutes, over its actual length (28–31 days for a month).")),
        ("maintenance_excluded", attr(Bool, Computed, "`true` when the SLO leaves maintenance windows or `exclude_query` time out of its budget.")),
    ]);
    Schema {
        version: 1,
        block: Block {
            description: Description::markdown(
                "Reads the live error budget of a `reliability_slo` from Prometheus (the \
                 recording rules must be loaded and evaluated). Use it in a `check` block or a \
                 `lifecycle { precondition { … } }` to stop deployments while the budget is spent.",
            ),
            attributes,
            ..Default::default()
        },
    }
}

/// The numbers read for one SLO.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Budget {
    pub objective: Option<f64>,
    pub error_budget: Option<f64>,
    pub remaining: Option<f64>,
    pub current_burn_rate: Option<f64>,
    pub period_burn_rate: Option<f64>,
    /// The period's actual length in days (`slo:time_period:days`).
    pub period_days: Option<f64>,
    /// `sloth_period` of `sloth_slo_info`: `30d`, `1M`, …
    pub period: Option<String>,
    /// `sloth_calendar` of `sloth_slo_info`.
    pub calendar: Option<String>,
    pub excludes_maintenance: bool,
    /// The evaluation time of the answer, unix seconds.
    pub at: Option<f64>,
}

/// The PromQL that fetches every series the data source needs in one query, and the
/// evaluation time.
pub fn query(slo_id: &str) -> String {
    let names = [
        conv::SERIES_OBJECTIVE,
        conv::SERIES_ERROR_BUDGET,
        conv::SERIES_PERIOD_BUDGET_REMAINING,
        conv::SERIES_CURRENT_BURN_RATE,
        conv::SERIES_PERIOD_BURN_RATE,
        conv::SERIES_TIME_PERIOD_DAYS,
        conv::SERIES_INFO,
    ];
    let escaped = slo_id.replace('\\', "\\\\").replace('"', "\\\"");
    // `or vector(time())`: the evaluation time, even when the SLO has no series yet (the
    // period's bounds are computed from it, never from this machine's clock).
    format!(
        "{{__name__=~\"{}\",{}=\"{escaped}\"}} or vector(time())",
        names
            .iter()
            .map(|n| n.replace('.', "\\\\."))
            .collect::<Vec<_>>()
            .join("|"),
        conv::LABEL_ID
    )
}

/// Folds an instant-query answer (Prometheus' JSON) into a [`Budget`]; `Err` says what is wrong.
pub fn parse_answer(body: &str) -> Result<Budget, String> {
    let v: serde_json::Value = serde_json::from_str(body)
        .map_err(|e| format!("Prometheus answered with something that is not JSON ({e})"))?;
    if v["status"] != "success" {
        return Err(format!(
            "Prometheus answered with an error: {}",
            v["error"].as_str().unwrap_or("(no message)")
        ));
    }
    let results = v["data"]["result"].as_array().cloned().unwrap_or_default();
    let mut b = Budget::default();
    for r in results {
        let name = r["metric"]["__name__"].as_str().unwrap_or_default();
        let value: f64 = match r["value"][1].as_str().map(str::parse::<f64>) {
            Some(Ok(v)) => v,
            _ => continue,
        };
        b.at = r["value"][0].as_f64().or(b.at);
        let label = |k: &str| r["metric"][k].as_str().map(str::to_string);
        let worse_low = |cur: Option<f64>| {
            Some(cur.map_or(
                value,
                |c: f64| if value.is_nan() { c } else { c.min(value) },
            ))
        };
        let worse_high = |cur: Option<f64>| {
            Some(cur.map_or(
                value,
                |c: f64| if value.is_nan() { c } else { c.max(value) },
            ))
        };
        match name {
            n if n == conv::SERIES_OBJECTIVE => b.objective = Some(value),
            n if n == conv::SERIES_ERROR_BUDGET => b.error_budget = Some(value),
            n if n == conv::SERIES_PERIOD_BUDGET_REMAINING => b.remaining = worse_low(b.remaining),
            n if n == conv::SERIES_CURRENT_BURN_RATE => {
                b.current_burn_rate = worse_high(b.current_burn_rate)
            }
            n if n == conv::SERIES_PERIOD_BURN_RATE => {
                b.period_burn_rate = worse_high(b.period_burn_rate)
            }
            n if n == conv::SERIES_TIME_PERIOD_DAYS => b.period_days = Some(value),
            n if n == conv::SERIES_INFO => {
                b.period = label(conv::LABEL_PERIOD);
                b.calendar = label(conv::LABEL_CALENDAR);
                b.excludes_maintenance =
                    label(conv::LABEL_EXCLUDES_MAINTENANCE).as_deref() == Some("true");
            }
            _ => {}
        }
    }
    Ok(b)
}

fn num(v: Option<f64>) -> Value<Num> {
    match v {
        Some(x) if x.is_finite() => Value::Value(Num::from_f64_rounded(x)),
        _ => Value::Null,
    }
}

#[async_trait]
impl DataSource for ErrorBudgetDataSource {
    type State<'a> = ErrorBudgetState<'a>;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(schema())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        if let Value::Value(url) = &config.prometheus_url {
            if let Err(e) = validate_prometheus_url(url) {
                diags.error(
                    "Invalid prometheus_url",
                    e,
                    AttributePath::new("prometheus_url"),
                );
            }
        }
        if let Value::Value(id) = &config.slo_id {
            if id.trim().is_empty() {
                diags.error(
                    "Invalid slo_id",
                    "slo_id is empty: set it to the SLO's id, e.g. reliability_slo.checkout.id",
                    AttributePath::new("slo_id"),
                );
            }
        }
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        config: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<Self::State<'a>> {
        let settings = self.context.settings(diags)?;
        let mut s = config;
        let Some(id) = s.slo_id.as_ref_option().map(|c| c.to_string()) else {
            diags.error_short("slo_id must be known", AttributePath::new("slo_id"));
            return None;
        };
        let Some(base) = s
            .prometheus_url
            .as_ref_option()
            .map(|c| c.to_string())
            .or(settings.prometheus_url.clone())
        else {
            diags.error(
                "No Prometheus to query",
                "set prometheus_url on this data source or on the reliability provider",
                AttributePath::new("prometheus_url"),
            );
            return None;
        };
        let q = query(&id);
        let read_budget = || -> Result<Budget, String> {
            let body = tokio::task::block_in_place(|| prometheus::instant_query(&base, &q))?;
            parse_answer(&body)
        };
        let mut b = match read_budget() {
            Ok(b) => b,
            Err(e) => {
                diags.root_error("Cannot read the error budget", e);
                return None;
            }
        };
        let mut loaded = b.objective.is_some();
        if b.remaining.is_none() {
            // Rules loaded but not evaluated yet (created in this apply): wait for them.
            let outcome = tokio::task::block_in_place(|| {
                first_evaluation::wait(&id, &|| prometheus::rules(&base), &std::thread::sleep)
            });
            match outcome {
                Outcome::Evaluated { waited } => {
                    loaded = true;
                    if !waited.is_zero() {
                        match read_budget() {
                            Ok(again) => b = again,
                            Err(e) => {
                                diags.root_error("Cannot read the error budget", e);
                                return None;
                            }
                        }
                    }
                }
                Outcome::TimedOut { waited } => {
                    loaded = true;
                    diags.root_warning(
                        "SLO rules not evaluated yet",
                        format!(
                            "Prometheus at {base} has loaded the rules of SLO {id:?} but had not \
                             evaluated them after {}s; the budget below is read as whole. Re-run \
                             after one evaluation interval.",
                            waited.as_secs()
                        ),
                    );
                }
                Outcome::NotLoaded | Outcome::Unavailable(_) => {}
            }
        }
        if !loaded && b.objective.is_none() {
            diags.error(
                "No data for this SLO",
                format!(
                    "Prometheus at {base} has no series for SLO {id:?} ({}=\"{id}\") and no rule \
                     group {:?}: check that the id is right, that Prometheus loads the \
                     provider's rules_dir and that the rules have been evaluated once",
                    conv::LABEL_ID,
                    conv::slo_sli_group_name(&id)
                ),
                AttributePath::new("slo_id"),
            );
            return None;
        }
        let has_data = b.remaining.is_some_and(f64::is_finite);
        if !has_data {
            diags.root_warning(
                "No events in the SLO period yet",
                format!(
                    "SLO {id:?} has no events in its current period (no traffic yet, or a \
                     period that just started), so its budget is whole: \
                     error_budget_remaining = 1, exhausted = false, has_data = false, sli = null"
                ),
            );
        }
        fill_state(&mut s, &b, has_data);
        Some(s)
    }
}

/// The data source's computed attributes from what was read.
fn fill_state(s: &mut ErrorBudgetState<'_>, b: &Budget, has_data: bool) {
    s.objective = num(b.objective);
    s.has_data = Value::Value(has_data);
    if has_data {
        s.error_budget_remaining = num(b.remaining);
        s.period_burn_rate = num(b.period_burn_rate);
        s.sli = match (b.period_burn_rate, b.error_budget) {
            (Some(r), Some(e)) if r.is_finite() => num(Some(1.0 - r * e)),
            _ => Value::Null,
        };
    } else {
        s.error_budget_remaining = num(Some(1.0));
        s.period_burn_rate = num(Some(0.0));
        s.sli = Value::Null;
    }
    s.current_burn_rate = num(b.current_burn_rate);
    s.exhausted = Value::Value(has_data && b.remaining.is_some_and(|r| r <= 0.0));
    s.period = opt_string(b.period.clone());
    s.calendar_period = opt_string(b.calendar.clone());
    s.maintenance_excluded = Value::Value(b.excludes_maintenance);
    s.error_budget_minutes = match (b.error_budget, b.period_days) {
        (Some(e), Some(d)) => num(Some(e * d * 1440.0)),
        _ => Value::Null,
    };
    let (start, end) = match period_bounds(b) {
        Some((a, z)) => (
            opt_string(Some(format_rfc3339(a))),
            opt_string(Some(format_rfc3339(z))),
        ),
        None => (Value::Null, Value::Null),
    };
    s.period_start = start;
    s.period_end = end;
}

fn opt_string(v: Option<String>) -> ValueString<'static> {
    v.map_or(Value::Null, |s| Value::Value(Cow::Owned(s)))
}

/// Start and end (unix seconds) of the period the answer covers: the calendar period
/// holding the evaluation time, or the rolling period ending at it.
pub fn period_bounds(b: &Budget) -> Option<(i64, i64)> {
    let at = b.at? as i64;
    match b.calendar.as_deref().map(Calendar::parse) {
        Some(Ok(c)) => Some(calendar::bounds(c, at)),
        Some(Err(_)) => None,
        None => {
            let days = b.period_days?;
            Some((at - (days * 86_400.0) as i64, at))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_selects_the_slo_series() {
        let q = query("checkout-availability");
        assert!(q.contains("sloth_id=\"checkout-availability\""), "{q}");
        promql_parser::parser::parse(&q).expect("valid PromQL");
    }

    #[test]
    fn parses_answers_and_takes_the_worst_series() {
        let body = r#"{"status":"success","data":{"resultType":"vector","result":[
          {"metric":{"__name__":"slo:objective:ratio"},"value":[1,"0.999"]},
          {"metric":{"__name__":"slo:error_budget:ratio"},"value":[1,"0.001"]},
          {"metric":{"__name__":"slo:period_error_budget_remaining:ratio","region":"a"},"value":[1,"0.5"]},
          {"metric":{"__name__":"slo:period_error_budget_remaining:ratio","region":"b"},"value":[1,"-0.2"]},
          {"metric":{"__name__":"slo:period_burn_rate:ratio"},"value":[1,"1.2"]},
          {"metric":{"__name__":"slo:current_burn_rate:ratio"},"value":[1,"NaN"]}]}}"#;
        let b = parse_answer(body).unwrap();
        assert_eq!(b.remaining, Some(-0.2));
        assert_eq!(b.objective, Some(0.999));
        assert!(b.current_burn_rate.unwrap().is_nan());
        assert!(parse_answer(r#"{"status":"error","error":"bad"}"#)
            .unwrap_err()
            .contains("bad"));
        assert!(parse_answer("<html>").is_err());
    }

    /// A calendar month read on 2026-12-05: the period is December, its budget 44.64
    /// minutes at 99.9 % (31 days); maintenance excluded.
    #[test]
    fn calendar_answer_gives_the_month_and_its_minutes() {
        let body = r#"{"status":"success","data":{"resultType":"vector","result":[
          {"metric":{"__name__":"slo:objective:ratio"},"value":[1796472001,"0.999"]},
          {"metric":{"__name__":"slo:error_budget:ratio"},"value":[1796472001,"0.001"]},
          {"metric":{"__name__":"slo:time_period:days"},"value":[1796472001,"31"]},
          {"metric":{"__name__":"slo:period_error_budget_remaining:ratio"},"value":[1796472001,"0.75"]},
          {"metric":{"__name__":"slo:period_burn_rate:ratio"},"value":[1796472001,"0.25"]},
          {"metric":{"__name__":"sloth_slo_info","sloth_period":"1M","sloth_calendar":"month","sloth_excludes_maintenance":"true"},"value":[1796472001,"1"]}]}}"#;
        let b = parse_answer(body).unwrap();
        let mut s = ErrorBudgetState::default();
        fill_state(&mut s, &b, true);
        assert_eq!(
            s.period_start,
            Value::Value(Cow::Borrowed("2026-12-01T00:00:00Z"))
        );
        assert_eq!(
            s.period_end,
            Value::Value(Cow::Borrowed("2027-01-01T00:00:00Z"))
        );
        assert_eq!(s.calendar_period, Value::Value(Cow::Borrowed("month")));
        assert_eq!(s.period, Value::Value(Cow::Borrowed("1M")));
        assert_eq!(s.maintenance_excluded, Value::Value(true));
        let minutes = match &s.error_budget_minutes {
            Value::Value(n) => n.f64(),
            _ => panic!("minutes"),
        };
        assert!((minutes - 44.64).abs() < 1e-9, "{minutes}");
        assert_eq!(s.exhausted, Value::Value(false));
    }

    /// No events in the period: the budget reads as whole, so a gate passes and its
    /// message (which interpolates the remaining budget) still renders.
    #[test]
    fn no_events_reads_as_a_whole_budget() {
        let body = r#"{"status":"success","data":{"resultType":"vector","result":[
          {"metric":{"__name__":"slo:objective:ratio"},"value":[86400,"0.999"]},
          {"metric":{"__name__":"slo:error_budget:ratio"},"value":[86400,"0.001"]},
          {"metric":{"__name__":"slo:time_period:days"},"value":[86400,"30"]},
          {"metric":{"__name__":"sloth_slo_info","sloth_period":"30d"},"value":[86400,"1"]}]}}"#;
        let b = parse_answer(body).unwrap();
        let mut s = ErrorBudgetState::default();
        fill_state(&mut s, &b, false);
        assert_eq!(s.has_data, Value::Value(false));
        assert_eq!(s.exhausted, Value::Value(false));
        assert_eq!(s.sli, Value::Null);
        assert!(matches!(&s.error_budget_remaining, Value::Value(n) if n.f64() == 1.0));
        assert_eq!(s.calendar_period, Value::Null);
        assert_eq!(
            s.period_start,
            Value::Value(Cow::Borrowed("1969-12-03T00:00:00Z"))
        );
        assert_eq!(
            s.period_end,
            Value::Value(Cow::Borrowed("1970-01-02T00:00:00Z"))
        );
    }
}
