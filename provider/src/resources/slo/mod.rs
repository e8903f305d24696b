//! `reliability_slo`: a service level objective compiled to Prometheus recording rules and
//! multi-window multi-burn-rate alerts, one rule file per SLO.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use tf_provider::schema::Schema;
use tf_provider::value::{Value, ValueBool, ValueList, ValueMap, ValueString};
use tf_provider::AttributePath;

mod schema;

pub use schema::{schema, RULES_YAML_DOC};

use super::diagnostics::{field_errors, FieldErr};
use super::header;
use super::num::Num;
use super::rule_resource::{Outputs, RuleBacked};
use super::schema::{known_first, known_list, known_map, known_num, known_str, Unknown};
use std::sync::Arc;

use tf_provider::Diagnostics;

use crate::backend::Backend;
use crate::context::Context;
use crate::rules::calendar::Calendar;
use crate::rules::conventions as conv;
use crate::rules::dashboard;
use crate::rules::model::render_yaml;
use crate::rules::openslo;
use crate::rules::slo::{
    self as slo_rules, Alerting, Budgeting, MaintenanceWindow, Sli, SloSpec, Tier,
};
use crate::rules::window::parse_period;

/// Terraform type name.
pub const TYPE_NAME: &str = "reliability_slo";
/// Default SLO period.
pub const DEFAULT_WINDOW: &str = "30d";
/// Blocks that are lists of at most one element (their paths need an index step).
const LIST_BLOCKS: &[&str] = &["events", "raw", "latency", "alerting", "page", "ticket"];

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventsBlock<'a> {
    #[serde(borrow = "'a")]
    pub error_query: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub total_query: ValueString<'a>,
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawBlock<'a> {
    #[serde(borrow = "'a")]
    pub error_ratio_query: ValueString<'a>,
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct LatencyBlock<'a> {
    #[serde(borrow = "'a")]
    pub histogram: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub selector: ValueString<'a>,
    pub threshold: Value<Num>,
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct SliBlock<'a> {
    #[serde(borrow = "'a")]
    pub events: ValueList<EventsBlock<'a>>,
    #[serde(borrow = "'a")]
    pub raw: ValueList<RawBlock<'a>>,
    #[serde(borrow = "'a")]
    pub latency: ValueList<LatencyBlock<'a>>,
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct TierBlock<'a> {
    pub disabled: ValueBool,
    #[serde(borrow = "'a")]
    pub labels: ValueMap<'a, ValueString<'a>>,
    #[serde(borrow = "'a")]
    pub annotations: ValueMap<'a, ValueString<'a>>,
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertingBlock<'a> {
    #[serde(borrow = "'a")]
    pub page: ValueList<TierBlock<'a>>,
    #[serde(borrow = "'a")]
    pub ticket: ValueList<TierBlock<'a>>,
    #[serde(borrow = "'a")]
    pub runbook_url: ValueString<'a>,
    pub min_events: Value<Num>,
}

/// A `maintenance_window` block.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct SloWindowBlock<'a> {
    #[serde(borrow = "'a")]
    pub weekdays: ValueList<ValueString<'a>>,
    #[serde(borrow = "'a")]
    pub start_time: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub end_time: ValueString<'a>,
}

/// The resource's state, attribute for attribute.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct SloState<'a> {
    #[serde(borrow = "'a")]
    pub id: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub service: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub name: ValueString<'a>,
    pub objective: Value<Num>,
    #[serde(borrow = "'a")]
    pub window: ValueString<'a>,
    #[serde(borrow = "'a", default)]
    pub calendar_period: ValueString<'a>,
    #[serde(borrow = "'a", default)]
    pub exclude_query: ValueString<'a>,
    #[serde(borrow = "'a", default)]
    pub maintenance_window: ValueList<SloWindowBlock<'a>>,
    #[serde(borrow = "'a")]
    pub description: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub labels: ValueMap<'a, ValueString<'a>>,
    #[serde(borrow = "'a")]
    pub sli: Value<SliBlock<'a>>,
    #[serde(borrow = "'a")]
    pub alerting: ValueList<AlertingBlock<'a>>,
    #[serde(borrow = "'a")]
    pub rule_file: ValueString<'a>,
    pub error_budget_minutes: Value<Num>,
    #[serde(borrow = "'a")]
    pub content_sha256: ValueString<'a>,
    #[serde(borrow = "'a", default)]
    pub rules_yaml: ValueString<'a>,
    #[serde(borrow = "'a", default)]
    pub openslo_yaml: ValueString<'a>,
    #[serde(default)]
    pub dashboard: ValueBool,
    #[serde(borrow = "'a", default)]
    pub dashboard_file: ValueString<'a>,
    #[serde(borrow = "'a", default)]
    pub dashboard_json: ValueString<'a>,
    #[serde(default)]
    pub openslo: ValueBool,
}

impl SloState<'_> {
    /// Whether the SLO has a Grafana dashboard (`dashboard = true`).
    fn wants_dashboard(&self) -> bool {
        self.dashboard == Value::Value(true)
    }
}

/// The `reliability_slo` resource.
pub struct Slo;

fn tier(b: Option<&TierBlock<'_>>) -> Result<Tier, Unknown> {
    let Some(b) = b else {
        return Ok(Tier::default());
    };
    Ok(Tier {
        disabled: match b.disabled {
            Value::Value(d) => d,
            Value::Null => false,
            Value::Unknown => return Err(Unknown),
        },
        labels: known_map(&b.labels)?,
        annotations: known_map(&b.annotations)?,
    })
}

/// Builds the generator's model from the state; `Unknown` while any input is unknown.
fn spec_of(s: &SloState<'_>) -> Result<Option<SloSpec>, Vec<FieldErr>> {
    let conv = || -> Result<Result<SloSpec, Vec<FieldErr>>, Unknown> {
        let sli_block = match &s.sli {
            Value::Value(b) => b,
            Value::Null => {
                return Ok(Err(vec![FieldErr::new(
                    AttributePath::new("sli"),
                    "Missing sli block",
                    "add an `sli { events { … } }`, `sli { raw { … } }` or `sli { latency { … } }` block",
                )]))
            }
            Value::Unknown => return Err(Unknown),
        };
        let events = known_first(&sli_block.events)?;
        let raw = known_first(&sli_block.raw)?;
        let latency = known_first(&sli_block.latency)?;
        let kinds: Vec<&str> = [
            ("events", events.is_some()),
            ("raw", raw.is_some()),
            ("latency", latency.is_some()),
        ]
        .iter()
        .filter(|(_, on)| *on)
        .map(|(k, _)| *k)
        .collect();
        let sli = match (events, raw, latency) {
            (Some(e), None, None) => Sli::Events {
                error_query: known_str(&e.error_query)?.unwrap_or_default().to_string(),
                total_query: known_str(&e.total_query)?.unwrap_or_default().to_string(),
            },
            (None, Some(r), None) => Sli::Raw {
                error_ratio_query: known_str(&r.error_ratio_query)?
                    .unwrap_or_default()
                    .to_string(),
            },
            (None, None, Some(l)) => Sli::Latency {
                histogram: known_str(&l.histogram)?.unwrap_or_default().to_string(),
                selector: known_str(&l.selector)?.unwrap_or_default().to_string(),
                threshold: known_num(&l.threshold)?.unwrap_or(f64::NAN),
            },
            _ => {
                let detail = if kinds.is_empty() {
                    "the sli block is empty: add exactly one of `events`, `raw` or `latency`"
                        .to_string()
                } else {
                    format!(
                        "the sli block has {} SLI kinds ({}): keep exactly one of `events`, `raw` or `latency`",
                        kinds.len(),
                        kinds.join(", ")
                    )
                };
                return Ok(Err(vec![FieldErr::new(
                    AttributePath::new("sli"),
                    "Invalid sli block",
                    detail,
                )]));
            }
        };
        let alerting = match known_first(&s.alerting)? {
            None => Alerting::default(),
            Some(a) => Alerting {
                page: tier(known_first(&a.page)?)?,
                ticket: tier(known_first(&a.ticket)?)?,
                runbook_url: known_str(&a.runbook_url)?.map(str::to_string),
                min_events: known_num(&a.min_events)?,
            },
        };
        let calendar = match known_str(&s.calendar_period)? {
            None => None,
            Some(c) => match Calendar::parse(c) {
                Ok(c) => Some(c),
                Err(e) => {
                    return Ok(Err(vec![FieldErr::new(
                        AttributePath::new("calendar_period"),
                        "Invalid calendar_period",
                        e,
                    )]))
                }
            },
        };
        let maintenance = known_list(&s.maintenance_window)?
            .iter()
            .map(|w| {
                Ok(MaintenanceWindow {
                    weekdays: known_list(&w.weekdays)?
                        .iter()
                        .map(|d| Ok(known_str(d)?.unwrap_or_default().to_string()))
                        .collect::<Result<_, Unknown>>()?,
                    start_time: known_str(&w.start_time)?.map(str::to_string),
                    end_time: known_str(&w.end_time)?.map(str::to_string),
                })
            })
            .collect::<Result<Vec<_>, Unknown>>()?;
        let budgeting = Budgeting {
            calendar,
            maintenance,
            exclude_query: known_str(&s.exclude_query)?.map(str::to_string),
        };
        Ok(Ok(SloSpec {
            service: known_str(&s.service)?.unwrap_or_default().to_string(),
            name: known_str(&s.name)?.unwrap_or_default().to_string(),
            objective: known_num(&s.objective)?.unwrap_or(f64::NAN),
            window: known_str(&s.window)?.unwrap_or(DEFAULT_WINDOW).to_string(),
            description: known_str(&s.description)?.map(str::to_string),
            labels: known_map(&s.labels)?,
            sli,
            alerting,
            budgeting,
        }))
    };
    match conv() {
        Err(Unknown) => Ok(None),
        Ok(Err(errs)) => Err(errs),
        Ok(Ok(spec)) => {
            let errs = field_errors(slo_rules::validate(&spec), LIST_BLOCKS);
            if errs.is_empty() {
                Ok(Some(spec))
            } else {
                Err(errs)
            }
        }
    }
}

/// The rule file's name for an SLO: `slo_<service>@<name>.yml`. `@` cannot occur in a valid
/// service or name, so two different SLOs never share a file.
pub fn file_name(service: &str, name: &str) -> String {
    conv::slo_file_name(service, name)
}

/// The documents: the rule file (header with owner and embedded configuration, then the
/// rule groups) and, with `dashboard = true`, the dashboard.
fn render(state: &SloState<'_>, spec: &SloSpec) -> Result<Vec<String>, String> {
    let file = slo_rules::generate(spec)?;
    let mut config = state.clone();
    config.id = Value::Null;
    config.rule_file = Value::Null;
    config.error_budget_minutes = Value::Null;
    config.content_sha256 = Value::Null;
    config.rules_yaml = Value::Null;
    config.openslo_yaml = Value::Null;
    config.dashboard_file = Value::Null;
    config.dashboard_json = Value::Null;
    let mut outputs = vec![
        "rules_yaml",
        "openslo_yaml",
        "dashboard_file",
        "dashboard_json",
    ];
    // Rule files of SLOs that set neither stay as they were before these attributes.
    if config.dashboard.is_null() {
        outputs.push("dashboard");
    }
    if config.openslo.is_null() {
        outputs.push("openslo");
    }
    let json = header::config_json_without(&config, &outputs)?;
    let id = slo_rules::slo_id(&spec.service, &spec.name);
    let mut docs = vec![render_yaml(&file, &header::header(TYPE_NAME, &id, &json))];
    if state.wants_dashboard() {
        docs.push(dashboard::to_text(&dashboard::slo_dashboard(spec)?));
    }
    Ok(docs)
}

impl RuleBacked for Slo {
    const TYPE_NAME: &'static str = TYPE_NAME;
    const WHAT: &'static str = "SLO";
    const ID_HINT: &'static str = "the id is `<service>-<name>` (in a rules directory its file is \
         `slo_<service>@<name>.yml`; on a ruler, its groups `sloth-slo-*-<service>-<name>`)";
    type State<'a> = SloState<'a>;
    type Spec = SloSpec;

    fn schema() -> Schema {
        schema()
    }

    fn check_config(config: &SloState<'_>) -> Vec<FieldErr> {
        match (&config.window, &config.calendar_period) {
            (Value::Value(w), Value::Value(c)) => vec![FieldErr::new(
                AttributePath::new("calendar_period"),
                "Conflicting periods",
                format!(
                    "window = {w:?} and calendar_period = {c:?} both set the SLO period: keep \
                     window for a rolling period or calendar_period for a calendar one"
                ),
            )],
            _ => vec![],
        }
    }

    /// Removing `window` from the configuration brings back the default (`30d`), or no
    /// window with `calendar_period`.
    fn unset_removed(proposed: &mut SloState<'_>, config: &SloState<'_>) {
        if config.window.is_null() {
            proposed.window = Value::Null;
        }
    }

    fn fill(s: &mut SloState<'_>) {
        match (&s.calendar_period, &s.window) {
            // A calendar period: no rolling window (also when the prior state had one).
            (Value::Value(_), _) => s.window = Value::Null,
            (Value::Null, Value::Null) => {
                s.window = Value::Value(Cow::Borrowed(DEFAULT_WINDOW));
            }
            _ => {}
        }
        s.id = match (&s.service, &s.name) {
            (Value::Value(svc), Value::Value(n)) => {
                Value::Value(Cow::Owned(slo_rules::slo_id(svc, n)))
            }
            _ => Value::Unknown,
        };
        let period = match (&s.calendar_period, &s.window) {
            (Value::Value(c), _) => Value::Value(
                Calendar::parse(c)
                    .map(|c| c.nominal())
                    .map_err(|e| e.to_string()),
            ),
            (Value::Null, Value::Value(w)) => Value::Value(parse_period(w)),
            _ => Value::Unknown,
        };
        s.error_budget_minutes = match (&s.objective, period) {
            (Value::Value(o), Value::Value(p)) => match p {
                Ok(p) => Value::Value(Num::from_f64_rounded(slo_rules::error_budget_minutes(
                    o.f64(),
                    &p,
                ))),
                Err(_) => Value::Unknown,
            },
            _ => Value::Unknown,
        };
        // Opt-in: about 1 KB of state per SLO, which large configurations pay on every plan
        // and apply (docs/benchmarks.md).
        s.openslo_yaml = match &s.openslo {
            Value::Null | Value::Value(false) => Value::Null,
            Value::Unknown => Value::Unknown,
            Value::Value(true) => match spec_of(s) {
                Ok(Some(spec)) => Value::Value(Cow::Owned(openslo::export(&spec))),
                // Unknown inputs, or invalid ones (reported by validation).
                _ => Value::Unknown,
            },
        };
    }

    fn spec(state: &SloState<'_>) -> Result<Option<SloSpec>, Vec<FieldErr>> {
        spec_of(state)
    }

    fn doc_names(s: &SloState<'_>) -> Option<Vec<String>> {
        match (&s.service, &s.name) {
            (Value::Value(svc), Value::Value(n)) => {
                let mut names = vec![file_name(svc, n)];
                match s.dashboard {
                    Value::Value(true) => names.push(conv::slo_dashboard_file_name(svc, n)),
                    Value::Unknown => return None,
                    _ => {}
                }
                Some(names)
            }
            _ => None,
        }
    }

    fn render(state: &SloState<'_>, spec: &SloSpec) -> Result<Vec<String>, String> {
        render(state, spec)
    }

    fn outputs<'s, 'a: 's>(s: &'s mut SloState<'a>) -> Outputs<'s, 'a> {
        let dashboard = s.wants_dashboard();
        let mut docs = vec![(&mut s.rule_file, &mut s.rules_yaml)];
        if dashboard {
            docs.push((&mut s.dashboard_file, &mut s.dashboard_json));
        } else {
            s.dashboard_file = Value::Null;
            s.dashboard_json = Value::Null;
        }
        Outputs {
            id: &mut s.id,
            hash: &mut s.content_sha256,
            docs,
        }
    }

    /// The rules destination, and the provider's `grafana_dashboards_dir` for dashboards.
    fn backend(context: &Context, diags: &mut Diagnostics) -> Option<Arc<dyn Backend>> {
        context.slo_backend(diags)
    }

    fn replace_paths(prior: &SloState<'_>, proposed: &SloState<'_>) -> Vec<AttributePath> {
        let mut replace = Vec::new();
        if proposed.service != prior.service {
            replace.push(AttributePath::new("service"));
        }
        if proposed.name != prior.name {
            replace.push(AttributePath::new("name"));
        }
        replace
    }

    const SHARED_IDS: bool = true;

    fn describe_doc(document: &str) -> String {
        match document
            .strip_prefix("slo_")
            .and_then(|n| n.strip_suffix(".yml"))
            .and_then(|stem| stem.split_once('@'))
        {
            Some((service, name)) => format!("service = {service:?}, name = {name:?}"),
            None => document.to_string(),
        }
    }

    /// Ids are ambiguous when names contain `-`, so every SLO rule document is compared.
    fn is_rule_doc_of(name: &str, id: &str) -> bool {
        name.strip_prefix("slo_")
            .and_then(|n| n.strip_suffix(".yml"))
            .and_then(|stem| stem.split_once('@'))
            .is_some_and(|(service, slo)| slo_rules::slo_id(service, slo) == id)
    }
}
