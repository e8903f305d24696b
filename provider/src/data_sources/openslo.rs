//! `data "reliability_openslo"`: OpenSLO v1 documents read into what `reliability_slo`
//! takes, one object per SLO, so that `for_each` over `slos` creates the SLOs.
//!
//! Pure: no Prometheus, no files; it reads `content` at plan time. What maps and what is
//! refused is in [`crate::rules::openslo`]; a refusal is an error on `content` that names the
//! document (kind and `metadata.name`, and its position in `content`), the field and why.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::{AttributeConstraint, AttributeType, Schema};
use tf_provider::value::{Value, ValueEmpty, ValueString};
use tf_provider::{AttributePath, DataSource, Diagnostics};

use crate::resources::num::Num;
use crate::resources::schema::{attr, block};
use crate::rules::openslo::{self, Problem};
use crate::rules::slo::{Sli, SloSpec, Tier};

/// `events` of an imported SLO's `sli`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventsObject {
    pub error_query: String,
    pub total_query: String,
}

/// `latency` of an imported SLO's `sli`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LatencyObject {
    pub histogram: String,
    pub selector: Value<String>,
    pub threshold: Num,
}

/// `raw` of an imported SLO's `sli`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawObject {
    pub error_ratio_query: String,
}

/// An imported SLO's `sli`: exactly one of the three is not null.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SliObject {
    pub events: Value<EventsObject>,
    pub latency: Value<LatencyObject>,
    pub raw: Value<RawObject>,
}

/// `page` or `ticket` of an imported SLO's `alerting`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TierObject {
    pub disabled: bool,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

/// An imported SLO's `alerting` (null unless the document carries this provider's
/// alerting annotation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertingObject {
    pub runbook_url: Value<String>,
    pub min_events: Value<Num>,
    pub page: TierObject,
    pub ticket: TierObject,
}

/// One of an imported SLO's `maintenance_window`s.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowObject {
    pub weekdays: Vec<String>,
    pub start_time: Value<String>,
    pub end_time: Value<String>,
}

/// One element of `slos`: the arguments of a `reliability_slo`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SloObject {
    pub service: String,
    pub name: String,
    pub objective: Num,
    pub window: Value<String>,
    pub calendar_period: Value<String>,
    pub description: Value<String>,
    pub labels: Value<BTreeMap<String, String>>,
    pub sli: SliObject,
    pub exclude_query: Value<String>,
    pub maintenance_window: Vec<WindowObject>,
    pub alerting: Value<AlertingObject>,
}

/// State of the data source.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct OpensloState<'a> {
    #[serde(borrow = "'a")]
    pub content: ValueString<'a>,
    pub slos: Value<BTreeMap<String, SloObject>>,
}

/// The data source.
pub struct OpensloDataSource;

fn object(fields: &[(&str, AttributeType)]) -> AttributeType {
    AttributeType::Object(
        fields
            .iter()
            .map(|(k, t)| (k.to_string(), t.clone()))
            .collect::<HashMap<_, _>>(),
    )
}

/// The type of one element of `slos`.
pub fn slo_type() -> AttributeType {
    use AttributeType::{Bool, List, Map, Number, String};
    let strings = Map(Box::new(String));
    let tier = object(&[
        ("disabled", Bool),
        ("labels", strings.clone()),
        ("annotations", strings.clone()),
    ]);
    object(&[
        ("service", String),
        ("name", String),
        ("objective", Number),
        ("window", String),
        ("calendar_period", String),
        ("description", String),
        ("labels", strings.clone()),
        (
            "sli",
            object(&[
                (
                    "events",
                    object(&[("error_query", String), ("total_query", String)]),
                ),
                (
                    "latency",
                    object(&[
                        ("histogram", String),
                        ("selector", String),
                        ("threshold", Number),
                    ]),
                ),
                ("raw", object(&[("error_ratio_query", String)])),
            ]),
        ),
        ("exclude_query", String),
        (
            "maintenance_window",
            List(Box::new(object(&[
                ("weekdays", List(Box::new(String))),
                ("start_time", String),
                ("end_time", String),
            ]))),
        ),
        (
            "alerting",
            object(&[
                ("runbook_url", String),
                ("min_events", Number),
                ("page", tier.clone()),
                ("ticket", tier),
            ]),
        ),
    ])
}

/// The data source's schema (also the source of the generated docs).
pub fn schema() -> Schema {
    use AttributeConstraint::{Computed, Required};
    Schema {
        version: 1,
        block: block(
            "Reads OpenSLO v1 documents (`apiVersion: openslo/v1`) into the arguments of \
             `reliability_slo`, one object per SLO objective, for `for_each`. Kinds `SLO`, \
             `SLI` (inline `indicator` or `indicatorRef`), `DataSource` (must be Prometheus), \
             `Service`; `AlertPolicy`, `AlertCondition` and `AlertNotificationTarget` are \
             read but not used (a warning says so). What cannot be expressed exactly is an \
             error naming the document, the field and why (see **Refused input** below).\n\n\
             **How OpenSLO maps.** `metadata.name` → `name`; `spec.service` → `service`; \
             `spec.description`; `metadata.labels` → `labels`; `target` (0–1) or \
             `targetPercent` → `objective` (exact: the decimal point moves in the number's \
             text). Several `objectives` become several SLOs named `<name>-<displayName>`. \
             A rolling `timeWindow` in whole days or weeks → `window`; a calendar one of \
             `1w`, `1M`, `1Q` in UTC → `calendar_period`; none → `30d`. `ratioMetric` with \
             `counter: true`: each query is a counter selector (or `sum(…)` of one) and the \
             SLI takes `sum(rate(<selector>[{{.window}}]))`; `bad` + `total` → `events`; \
             `good` + `total` → `events` with `error_query = (total) - ((good) or (total) * \
             0)` (no good series counts as no good events); `good = <h>_bucket{…, le=\"T\"}` \
             with `total = <h>_count{…}` → `latency`. `counter: false` queries must already \
             be per-second rates over `{{.window}}` (what `openslo_yaml` writes). `raw` with \
             `rawType: failure` (`success`: `1 - (…)`) → `raw`, a stored ratio averaged over \
             each window.\n\n\
             **Refused input** (an error on `content`): an `apiVersion` other than \
             `openslo/v1`; `budgetingMethod: Timeslices` or `RatioTimeslices` (this provider \
             counts events, not good time slices); `thresholdMetric` and objectives with \
             `op`/`value`/`timeSliceTarget` (no threshold SLI: write latency as a histogram \
             ratio); a metric source whose type (or `DataSource`'s) is not Prometheus; \
             `counter: false` queries without `{{.window}}` (gauges cannot be turned into \
             event counts exactly); counter queries that are not a selector or an ungrouped \
             `sum` of one (the rate of other expressions of counters is not exact); \
             composite objectives (`indicator` per objective); rolling windows in minutes, \
             hours, months, quarters or years; calendar windows other than `1w`/`1M`/`1Q`, \
             in a time zone other than UTC, or starting elsewhere than 00:00 on a Monday, a \
             month's or a quarter's first day; label values that are lists; two SLOs with \
             one name (`slos` is keyed by name); and whatever `reliability_slo` itself would \
             refuse (a name over 128 characters, invalid PromQL, ...), named by document \
             and argument.",
            vec![
                ("content", attr(AttributeType::String, Required, "OpenSLO v1 YAML: one or more documents separated by `---`, e.g. `file(\"slos.yaml\")`.")),
                ("slos", attr(AttributeType::Map(Box::new(slo_type())), Computed, "The SLOs by name, each with exactly the argument names of `reliability_slo`: `service`, `name`, `objective` (percent), `window` or `calendar_period` (the other null), `description`, `labels` (null when none), `sli` with `events`, `latency`, `raw` (each null or an object of that block's fields), and `exclude_query`, `maintenance_window` (a list), `alerting` (null unless the document carries this provider's `terraform-provider-reliability/*` annotations, as `openslo_yaml` writes them). An SLO with several objectives gives one SLO per objective, named `<name>-<displayName>` (or `<name>-<target>` without a display name).")),
            ],
            vec![],
        ),
    }
}

fn opt(v: Option<&str>) -> Value<String> {
    v.map_or(Value::Null, |s| Value::Value(s.to_string()))
}

fn tier(t: &Tier) -> TierObject {
    TierObject {
        disabled: t.disabled,
        labels: t.labels.clone(),
        annotations: t.annotations.clone(),
    }
}

/// An imported spec as the object `for_each` hands to a `reliability_slo`.
pub fn slo_object(spec: &SloSpec) -> SloObject {
    let sli = match &spec.sli {
        Sli::Events {
            error_query,
            total_query,
        } => SliObject {
            events: Value::Value(EventsObject {
                error_query: error_query.clone(),
                total_query: total_query.clone(),
            }),
            latency: Value::Null,
            raw: Value::Null,
        },
        Sli::Latency {
            histogram,
            selector,
            threshold,
        } => SliObject {
            events: Value::Null,
            latency: Value::Value(LatencyObject {
                histogram: histogram.clone(),
                selector: opt(Some(selector.as_str()).filter(|s| !s.is_empty())),
                threshold: Num::from_f64_shortest(*threshold),
            }),
            raw: Value::Null,
        },
        Sli::Raw { error_ratio_query } => SliObject {
            events: Value::Null,
            latency: Value::Null,
            raw: Value::Value(RawObject {
                error_ratio_query: error_ratio_query.clone(),
            }),
        },
    };
    let a = &spec.alerting;
    let alerting = if *a == Default::default() {
        Value::Null
    } else {
        Value::Value(AlertingObject {
            runbook_url: opt(a.runbook_url.as_deref()),
            min_events: a
                .min_events
                .map_or(Value::Null, |m| Value::Value(Num::from_f64_shortest(m))),
            page: tier(&a.page),
            ticket: tier(&a.ticket),
        })
    };
    let calendar = spec.budgeting.calendar;
    SloObject {
        service: spec.service.clone(),
        name: spec.name.clone(),
        objective: Num::from_f64_shortest(spec.objective),
        window: opt(calendar.is_none().then_some(spec.window.as_str())),
        calendar_period: opt(calendar.map(|c| c.as_str())),
        description: opt(spec.description.as_deref()),
        labels: if spec.labels.is_empty() {
            Value::Null
        } else {
            Value::Value(spec.labels.clone())
        },
        sli,
        exclude_query: opt(spec.budgeting.exclude_query.as_deref()),
        maintenance_window: spec
            .budgeting
            .maintenance
            .iter()
            .map(|w| WindowObject {
                weekdays: w.weekdays.clone(),
                start_time: opt(w.start_time.as_deref()),
                end_time: opt(w.end_time.as_deref()),
            })
            .collect(),
        alerting,
    }
}

fn report(diags: &mut Diagnostics, p: &Problem, error: bool) {
    let (summary, detail) = if error {
        ("OpenSLO input cannot be imported", p.to_string())
    } else {
        ("OpenSLO input partly ignored", p.to_string())
    };
    if error {
        diags.error(summary, detail, AttributePath::new("content"));
    } else {
        diags.warning(summary, detail, AttributePath::new("content"));
    }
}

#[async_trait]
impl DataSource for OpensloDataSource {
    type State<'a> = OpensloState<'a>;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(schema())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        if let Value::Value(content) = &config.content {
            if let Err(problems) = openslo::import(content) {
                for p in &problems {
                    report(diags, p, true);
                }
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
        let mut s = config;
        let Value::Value(content) = &s.content else {
            diags.error_short("content must be known", AttributePath::new("content"));
            return None;
        };
        match openslo::import(content) {
            Ok(imported) => {
                for w in &imported.warnings {
                    report(diags, w, false);
                }
                s.slos = Value::Value(
                    imported
                        .slos
                        .iter()
                        .map(|spec| (spec.name.clone(), slo_object(spec)))
                        .collect(),
                );
                Some(s)
            }
            Err(problems) => {
                for p in &problems {
                    report(diags, p, true);
                }
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::calendar::Calendar;
    use crate::rules::slo::{Alerting, Budgeting};

    fn spec(sli: Sli) -> SloSpec {
        SloSpec {
            service: "shop".into(),
            name: "search".into(),
            objective: 99.95,
            window: "30d".into(),
            description: None,
            labels: BTreeMap::new(),
            sli,
            alerting: Alerting::default(),
            budgeting: Budgeting::default(),
        }
    }

    /// Exactly one SLI kind is an object; what is unused is null, so `[*]` gives `[]`.
    #[test]
    fn objects_carry_the_resource_arguments() {
        let latency = Sli::Latency {
            histogram: "h".into(),
            selector: String::new(),
            threshold: 0.3,
        };
        let mut s = spec(latency);
        s.budgeting.calendar = Some(Calendar::Quarter);
        let o = slo_object(&s);
        assert_eq!(o.objective.text(), "99.95");
        assert_eq!(o.window, Value::Null);
        assert_eq!(o.calendar_period, Value::Value("quarter".to_string()));
        assert_eq!(o.labels, Value::Null);
        assert_eq!(o.alerting, Value::Null);
        assert_eq!(o.sli.events, Value::Null);
        assert_eq!(o.sli.raw, Value::Null);
        match &o.sli.latency {
            Value::Value(l) => {
                assert_eq!(l.threshold.text(), "0.3");
                assert_eq!(l.selector, Value::Null);
            }
            other => panic!("{other:?}"),
        }
        let mut r = spec(Sli::Raw {
            error_ratio_query: "q[{{.window}}]".into(),
        });
        r.alerting.runbook_url = Some("https://runbooks.example.com".into());
        let o = slo_object(&r);
        assert_eq!(o.window, Value::Value("30d".to_string()));
        assert_eq!(o.calendar_period, Value::Null);
        match &o.alerting {
            Value::Value(a) => {
                assert_eq!(
                    a.runbook_url,
                    Value::Value("https://runbooks.example.com".to_string())
                );
                assert!(!a.page.disabled);
            }
            other => panic!("{other:?}"),
        }
    }
}
