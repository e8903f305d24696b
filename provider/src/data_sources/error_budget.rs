//! `data "reliability_error_budget"`: the live error budget of a `reliability_slo`, read from
//! Prometheus' HTTP API, so that a pipeline can refuse to deploy while the budget is spent.
//!
//! It reads the series the SLO's recording rules produce (Sloth's names, see
//! [`crate::rules::conventions`]) for `sloth_id = slo_id` in one instant query. When the SLO's
//! queries keep labels (several series per SLO), the worst series counts. An unreachable
//! Prometheus or an SLO without series is an error, never a silent 0.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::{
    Attribute, AttributeConstraint, AttributeType, Block, Description, Schema,
};
use tf_provider::value::{Value, ValueBool, ValueEmpty, ValueString};
use tf_provider::{AttributePath, DataSource, Diagnostics};

use crate::backend::prometheus;
use crate::provider::Context;
use crate::resources::num::Num;
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
    let a = |t, c, d: &str| Attribute {
        attr_type: t,
        constraint: c,
        description: Description::markdown(d),
        ..Default::default()
    };
    let attributes: HashMap<std::string::String, Attribute> = [
        ("slo_id", a(String, Required, "The SLO's id, `<service>-<name>` (e.g. `reliability_slo.checkout.id`).")),
        ("prometheus_url", a(String, Optional, "Prometheus to query; defaults to the provider's `prometheus_url`.")),
        ("objective", a(Number, Computed, "The objective as a ratio (`0.999`).")),
        ("sli", a(Number, Computed, "The SLI over the SLO period: the ratio of good events (`0.9995`). Null when there was no traffic.")),
        ("error_budget_remaining", a(Number, Computed, "Share of the period's error budget left: 1 is untouched, 0 or less is spent. Null when there was no traffic.")),
        ("current_burn_rate", a(Number, Computed, "Burn rate over the last 5 minutes (1 spends the budget exactly over the period). Null when there is no traffic.")),
        ("period_burn_rate", a(Number, Computed, "Burn rate over the whole period. Null when there was no traffic.")),
        ("exhausted", a(Bool, Computed, "`true` when no error budget is left (`error_budget_remaining <= 0`).")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
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
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Budget {
    pub objective: Option<f64>,
    pub error_budget: Option<f64>,
    pub remaining: Option<f64>,
    pub current_burn_rate: Option<f64>,
    pub period_burn_rate: Option<f64>,
}

/// The PromQL that fetches every series the data source needs in one query.
pub fn query(slo_id: &str) -> String {
    let names = [
        conv::SERIES_OBJECTIVE,
        conv::SERIES_ERROR_BUDGET,
        conv::SERIES_PERIOD_BUDGET_REMAINING,
        conv::SERIES_CURRENT_BURN_RATE,
        conv::SERIES_PERIOD_BURN_RATE,
    ];
    let escaped = slo_id.replace('\\', "\\\\").replace('"', "\\\"");
    format!(
        "{{__name__=~\"{}\",{}=\"{escaped}\"}}",
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
        let body = match tokio::task::block_in_place(|| prometheus::instant_query(&base, &q)) {
            Ok(b) => b,
            Err(e) => {
                diags.root_error("Cannot read the error budget", e);
                return None;
            }
        };
        let b = match parse_answer(&body) {
            Ok(b) => b,
            Err(e) => {
                diags.root_error("Cannot read the error budget", e);
                return None;
            }
        };
        if b.objective.is_none() && b.remaining.is_none() {
            diags.error(
                "No data for this SLO",
                format!(
                    "Prometheus at {base} has no series for SLO {id:?} ({}=\"{id}\"): check that the id is right, that \
                     Prometheus loads the provider's rules_dir and that the rules have been evaluated once",
                    conv::LABEL_ID
                ),
                AttributePath::new("slo_id"),
            );
            return None;
        }
        if b.remaining.is_none_or(f64::is_nan) {
            diags.root_warning(
                "No traffic in the SLO period",
                format!("SLO {id:?} has no events in its period, so its SLI and budget are unknown (null); exhausted is false"),
            );
        }
        s.objective = num(b.objective);
        s.error_budget_remaining = num(b.remaining);
        s.current_burn_rate = num(b.current_burn_rate);
        s.period_burn_rate = num(b.period_burn_rate);
        s.sli = match (b.period_burn_rate, b.error_budget) {
            (Some(r), Some(e)) if r.is_finite() => num(Some(1.0 - r * e)),
            _ => Value::Null,
        };
        s.exhausted = Value::Value(b.remaining.is_some_and(|r| r <= 0.0));
        Some(s)
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
}
