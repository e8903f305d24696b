//! An [`SloSpec`] as one OpenSLO v1 `SLO` document (see the module doc of
//! [`openslo`](super)).

use serde_yaml_ng::{Mapping, Value};

use super::super::slo::{Alerting, Sli, SloSpec};
use super::metric::{latency_good, latency_total};
use super::{ANNOTATION_ALERTING, ANNOTATION_EXCLUDE, ANNOTATION_MAINTENANCE};

fn map<const N: usize>(entries: [(&str, Value); N]) -> Value {
    let mut m = Mapping::new();
    for (k, v) in entries {
        m.insert(Value::String(k.to_string()), v);
    }
    Value::Mapping(m)
}

fn s(text: &str) -> Value {
    Value::String(text.to_string())
}

/// `{metricSource: {type: Prometheus, spec: {query}}}`
fn source(query: &str) -> Value {
    map([(
        "metricSource",
        map([
            ("type", s("Prometheus")),
            ("spec", map([("query", s(query))])),
        ]),
    )])
}

/// The SLO as an OpenSLO v1 document (YAML, one document). Events queries are exported as
/// `counter: false` rates over `{{.window}}` (this provider's convention, see
/// [`import`](super::import)); a latency SLI as good/total histogram counters.
pub fn export(spec: &SloSpec) -> String {
    let ratio = match &spec.sli {
        Sli::Events {
            error_query,
            total_query,
        } => map([
            ("counter", Value::Bool(false)),
            ("bad", source(error_query.trim())),
            ("total", source(total_query.trim())),
        ]),
        Sli::Latency {
            histogram,
            selector,
            threshold,
        } => map([
            ("counter", Value::Bool(true)),
            (
                "good",
                source(&latency_good(histogram, selector, *threshold)),
            ),
            ("total", source(&latency_total(histogram, selector))),
        ]),
        Sli::Raw { error_ratio_query } => map([
            ("rawType", s("failure")),
            ("raw", source(error_ratio_query.trim())),
        ]),
    };
    let time_window = match spec.budgeting.calendar {
        Some(c) => map([
            (
                "duration",
                s(match c.as_str() {
                    "week" => "1w",
                    "month" => "1M",
                    _ => "1Q",
                }),
            ),
            ("isRolling", Value::Bool(false)),
            (
                "calendar",
                // A Monday, the first of a month and of a quarter: every period's start.
                map([
                    ("startTime", s("2024-01-01 00:00:00")),
                    ("timeZone", s("UTC")),
                ]),
            ),
        ]),
        None => map([
            ("duration", s(&spec.window)),
            ("isRolling", Value::Bool(true)),
        ]),
    };
    let mut metadata = Mapping::new();
    metadata.insert(s("name"), s(&spec.name));
    if !spec.labels.is_empty() {
        let labels = spec
            .labels
            .iter()
            .map(|(k, v)| (s(k), s(v)))
            .collect::<Mapping>();
        metadata.insert(s("labels"), Value::Mapping(labels));
    }
    let mut annotations = Mapping::new();
    if spec.alerting != Alerting::default() {
        let json = serde_json::to_string(&spec.alerting).unwrap_or_default();
        annotations.insert(s(ANNOTATION_ALERTING), s(&json));
    }
    if !spec.budgeting.maintenance.is_empty() {
        let json = serde_json::to_string(&spec.budgeting.maintenance).unwrap_or_default();
        annotations.insert(s(ANNOTATION_MAINTENANCE), s(&json));
    }
    if let Some(q) = &spec.budgeting.exclude_query {
        annotations.insert(s(ANNOTATION_EXCLUDE), s(q));
    }
    if !annotations.is_empty() {
        metadata.insert(s("annotations"), Value::Mapping(annotations));
    }
    let mut body = Mapping::new();
    if let Some(d) = &spec.description {
        body.insert(s("description"), s(d));
    }
    body.insert(s("service"), s(&spec.service));
    body.insert(
        s("indicator"),
        map([
            ("metadata", map([("name", s(&spec.name))])),
            ("spec", map([("ratioMetric", ratio)])),
        ]),
    );
    body.insert(s("timeWindow"), Value::Sequence(vec![time_window]));
    body.insert(s("budgetingMethod"), s("Occurrences"));
    body.insert(
        s("objectives"),
        Value::Sequence(vec![map([(
            "targetPercent",
            Value::Number(spec.objective.into()),
        )])]),
    );
    let doc = map([
        ("apiVersion", s("openslo/v1")),
        ("kind", s("SLO")),
        ("metadata", Value::Mapping(metadata)),
        ("spec", Value::Mapping(body)),
    ]);
    serde_yaml_ng::to_string(&doc).unwrap_or_default()
}
