//! Validation of an [`SloSpec`]: everything [`generate`](super::generate) relies on.

use promql_parser::parser::value::ValueType;

use super::super::conventions as conv;
use super::super::field_error::FieldError;
use super::super::labels::{check_labels, is_label_name, is_metric_name, Reserved};
use super::super::promql::templates_closed;
use super::super::window::parse_period;
use super::{
    render_query, Objective, Sli, SloSpec, MAX_NAME_LEN, MAX_OBJECTIVE_DECIMALS,
    MAX_SERVICE_AND_NAME_LEN, WINDOW_PLACEHOLDER,
};

/// The sloth_* identity labels and `severity`.
fn is_reserved(name: &str) -> bool {
    conv::is_reserved_label(name) || name == conv::LABEL_SEVERITY
}

const RESERVED: Reserved<'static> = Reserved {
    contains: &is_reserved,
    reason: "the sloth_* identity labels and \"severity\" identify the SLO and its alert tier",
};

/// Checks everything [`generate`] relies on. Empty means valid.
pub fn validate(spec: &SloSpec) -> Vec<FieldError> {
    let mut errors = Vec::new();
    check_name(&mut errors, "service", &spec.service);
    check_name(&mut errors, "name", &spec.name);
    let joint = spec.service.len() + spec.name.len();
    if joint > MAX_SERVICE_AND_NAME_LEN && errors.is_empty() {
        errors.push(FieldError::new(
            &["name"],
            "Invalid name",
            format!(
                "service and name are {joint} characters together: use at most \
                 {MAX_SERVICE_AND_NAME_LEN} (they name the rule file \
                 slo_<service>@<name>.yml, and file systems limit a file name to 255 bytes)"
            ),
        ));
    }
    check_objective(&mut errors, spec.objective);
    if spec.budgeting.calendar.is_none() {
        if let Err(e) = parse_period(&spec.window) {
            errors.push(FieldError::new(&["window"], "Invalid window", e));
        }
    }
    super::maintenance::validate(&mut errors, &spec.budgeting);
    check_labels(&mut errors, &["labels"], &spec.labels, &RESERVED);
    check_sli(&mut errors, &spec.sli);
    check_alerting(&mut errors, spec);
    errors
}

fn check_name(errors: &mut Vec<FieldError>, attr: &'static str, value: &str) {
    let ok_len = !value.is_empty() && value.len() <= MAX_NAME_LEN;
    let bytes = value.as_bytes();
    let edge_ok = |b: &u8| b.is_ascii_alphanumeric();
    let inner_ok = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.');
    let ok_chars = bytes.len() >= 2
        && bytes.first().is_some_and(edge_ok)
        && bytes.last().is_some_and(edge_ok)
        && bytes.iter().all(inner_ok);
    if !(ok_len && ok_chars) {
        errors.push(FieldError::new(
            &[attr],
            &format!("Invalid {attr}"),
            format!(
                "{attr} {value:?} is not allowed: use 2 to {MAX_NAME_LEN} characters from \
                 A-Z a-z 0-9 - _ . starting and ending with a letter or digit (it is used in \
                 label values, rule group and file names), such as \"checkout\""
            ),
        ));
    }
}

fn check_objective(errors: &mut Vec<FieldError>, objective: f64) {
    let detail = if !objective.is_finite() || objective <= 0.0 || objective >= 100.0 {
        Some(format!(
            "objective {objective} is out of range: set a percentage greater than 0 and \
             less than 100, such as 99.9 (100 would leave no error budget, and every \
             burn rate would be infinite)"
        ))
    } else if Objective::parse(objective).is_none() {
        Some(format!(
            "objective {objective} has too many decimal places: use at most \
             {MAX_OBJECTIVE_DECIMALS}, such as 99.95"
        ))
    } else {
        None
    };
    if let Some(detail) = detail {
        errors.push(FieldError::new(&["objective"], "Invalid objective", detail));
    }
}

fn check_sli(errors: &mut Vec<FieldError>, sli: &Sli) {
    match sli {
        Sli::Events {
            error_query,
            total_query,
        } => {
            let e = check_query(errors, &["sli", "events", "error_query"], error_query);
            let t = check_query(errors, &["sli", "events", "total_query"], total_query);
            if e && t && error_query.trim() == total_query.trim() {
                errors.push(FieldError::new(
                    &["sli", "events", "total_query"],
                    "Invalid total_query",
                    format!(
                        "total_query {total_query:?} is the same as error_query, which would \
                         make every request an error: count all requests in total_query and \
                         only the failed ones in error_query"
                    ),
                ));
            }
        }
        Sli::Raw { error_ratio_query } => {
            check_query(
                errors,
                &["sli", "raw", "error_ratio_query"],
                error_ratio_query,
            );
        }
        Sli::Latency {
            histogram,
            selector,
            threshold,
        } => check_latency(errors, histogram, selector, *threshold),
    }
}

/// Checks one windowed query; true when it is valid.
fn check_query(errors: &mut Vec<FieldError>, path: &[&str], query: &str) -> bool {
    let attr = path.last().copied().unwrap_or("query");
    let summary = format!("Invalid {attr}");
    let rendered = match render_query(query, "5m") {
        Ok(q) => q,
        Err(e) => {
            errors.push(FieldError::new(path, &summary, format!("{attr} {e}")));
            return false;
        }
    };
    match super::super::promql::check(&rendered) {
        Err(e) => {
            errors.push(FieldError::new(
                path,
                &summary,
                format!(
                    "{attr} {query:?} is not valid PromQL (with {WINDOW_PLACEHOLDER} = 5m): \
                     {}",
                    e.trim()
                ),
            ));
            false
        }
        Ok(vt) => {
            if matches!(vt, ValueType::Vector | ValueType::Scalar) {
                true
            } else {
                errors.push(FieldError::new(
                    path,
                    &summary,
                    format!(
                        "{attr} {query:?} returns a {vt}: it must return an instant vector, \
                         such as sum(rate(http_requests_total[{WINDOW_PLACEHOLDER}]))"
                    ),
                ));
                false
            }
        }
    }
}

fn check_latency(errors: &mut Vec<FieldError>, histogram: &str, selector: &str, threshold: f64) {
    const AT: [&str; 2] = ["sli", "latency"];
    let path = |attr: &'static str| [AT[0], AT[1], attr];
    if !is_metric_name(histogram) {
        errors.push(FieldError::new(
            &path("histogram"),
            "Invalid histogram",
            format!(
                "histogram {histogram:?} is not a metric name: use letters, digits, \
                 underscores and colons, such as \"http_request_duration_seconds\""
            ),
        ));
    } else if let Some(suffix) = ["_bucket", "_count", "_sum"]
        .into_iter()
        .find(|s| histogram.ends_with(s))
    {
        errors.push(FieldError::new(
            &path("histogram"),
            "Invalid histogram",
            format!(
                "histogram {histogram:?} ends with {suffix:?}: set the base name without \
                 the _bucket/_count/_sum suffix, such as {:?}",
                histogram.trim_end_matches(suffix)
            ),
        ));
    }
    let probe = format!("m{{{selector}}}");
    let selector_problem = match promql_parser::parser::parse(&probe) {
        Err(e) => Some(format!(
            "selector {selector:?} is not a list of PromQL label matchers: {}; write them \
             without braces, such as job=\"checkout\", code!~\"5..\"",
            e.trim()
        )),
        Ok(promql_parser::parser::Expr::VectorSelector(vs)) => {
            let matchers = vs
                .matchers
                .matchers
                .iter()
                .chain(vs.matchers.or_matchers.iter().flatten());
            let mut bad = None;
            for m in matchers {
                if m.name == conv::LABEL_LE || m.name == conv::LABEL_NAME {
                    bad = Some(format!(
                        "selector {selector:?} matches on {:?}, which the provider sets \
                         itself: remove that matcher",
                        m.name
                    ));
                    break;
                }
            }
            if bad.is_none() && !vs.matchers.or_matchers.is_empty() {
                bad = Some(format!(
                    "selector {selector:?} uses \"or\" between matchers: use a plain \
                     comma-separated list, such as job=\"checkout\", handler=\"/pay\""
                ));
            }
            bad
        }
        Ok(_) => Some(format!(
            "selector {selector:?} is not a list of label matchers: write them without \
             braces, such as job=\"checkout\""
        )),
    };
    if let Some(detail) = selector_problem {
        errors.push(FieldError::new(
            &path("selector"),
            "Invalid selector",
            detail,
        ));
    }
    if !threshold.is_finite() || threshold <= 0.0 {
        errors.push(FieldError::new(
            &path("threshold"),
            "Invalid threshold",
            format!(
                "threshold {threshold} is not a positive number of seconds: set the upper \
                 bound (le) of a histogram bucket, such as 0.3"
            ),
        ));
    }
}

fn check_alerting(errors: &mut Vec<FieldError>, spec: &SloSpec) {
    let alerting = &spec.alerting;
    if let Some(min) = alerting.min_events {
        if !min.is_finite() || min < 0.0 {
            errors.push(FieldError::new(
                &["alerting", "min_events"],
                "Invalid min_events",
                format!(
                    "min_events {min} is not allowed: set a number of events of 0 or more, \
                     such as 100"
                ),
            ));
        } else if min > 0.0 && matches!(spec.sli, Sli::Raw { .. }) {
            errors.push(FieldError::new(
                &["alerting", "min_events"],
                "Invalid min_events",
                format!(
                    "min_events {min} needs an event count, which a raw SLI does not have: \
                     remove min_events, or use an events or latency SLI"
                ),
            ));
        }
    }
    if let Some(url) = &alerting.runbook_url {
        if !crate::rules::labels::is_http_url(url) {
            errors.push(FieldError::new(
                &["alerting", "runbook_url"],
                "Invalid runbook_url",
                format!(
                    "runbook_url {url:?} is not an http(s) URL: set an absolute URL such as \
                     \"https://runbooks.example.com/checkout\""
                ),
            ));
        }
    }
    for (tier_name, tier) in [("page", &alerting.page), ("ticket", &alerting.ticket)] {
        check_labels(
            errors,
            &["alerting", tier_name, "labels"],
            &tier.labels,
            &RESERVED,
        );
        for (name, value) in &tier.annotations {
            let path = ["alerting", tier_name, "annotations", name.as_str()];
            let attr = format!("alerting.{tier_name}.annotations");
            let detail = if !is_label_name(name) {
                Some(format!(
                    "annotation name {name:?} in {attr} is not valid: use letters, digits \
                     and underscores, not starting with a digit, such as \"dashboard\""
                ))
            } else if !templates_closed(value) {
                Some(format!(
                    "annotation {name:?} in {attr} has a \"{{{{\" without a matching \
                     \"}}}}\" in {value:?}: annotations are Prometheus templates; close the \
                     action, or write a literal {{{{ as {{{{ \"{{{{\" }}}}"
                ))
            } else {
                None
            };
            if let Some(detail) = detail {
                errors.push(FieldError::new(&path, "Invalid annotation", detail));
            }
        }
    }
}
