//! SLO model, validation and generation of its Prometheus rules (pure, no I/O).
//!
//! [`generate`] turns one [`SloSpec`] into three rule groups (names: see
//! [`conventions`](super::conventions)):
//!
//! 1. SLI recordings: the error ratio over 5m 30m 1h 2h 6h 1d 3d from the user's query,
//!    and over the period as the mean of the 5m series. The period range is the period
//!    minus 5 minutes (`[29d23h55m]` for 30d), so the oldest 5m sample used covers exactly
//!    the start of the period and nothing before it. The ratios are recorded with
//!    `>= 0`, which drops the NaN that `0/0` gives when there was no traffic: one NaN in
//!    the 5m series would otherwise make the period ratio NaN for a whole period.
//! 2. Metadata recordings: objective, error budget, period days, current (5m) and period
//!    burn rates, budget remaining, `sloth_slo_info`.
//! 3. Alerts: one page and one ticket alert (each omitted when its tier is disabled)
//!    using the multi-window multi-burn-rate table of [`burn_rate`](super::burn_rate).
//!    With `min_events > 0`, each window pair additionally needs at least that many
//!    events over its long window (events: `total_query × window seconds`; latency:
//!    `increase` of the `_count` series), matched with `and ignoring(<identity and user
//!    labels>)` so that SLIs grouped by labels keep working.
//!
//! Text from the user that lands in alert labels or annotations (labels, description,
//! runbook URL) is escaped for Prometheus' alert templating, so it shows up verbatim.
//! Tier annotations are the exception: they are templates, as usual in Prometheus
//! (`{{ $value }}`, `{{ $labels.sloth_service }}`), and override the generated ones.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::burn_rate::{self, BurnRateWindow, Severity};
use super::conventions as conv;
use super::model::{AlertingRule, RecordingRule, Rule, RuleFile, RuleGroup};
use super::window::{format_duration, parse_period, Period};

/// Longest service or SLO name.
pub const MAX_NAME_LEN: usize = 128;
/// Longest service and name together: the rule file `slo_<service>@<name>.yml` (and its
/// temporary file while it is written) must fit a file name, 255 bytes on Linux.
pub const MAX_SERVICE_AND_NAME_LEN: usize = 200;
/// Most decimal places accepted in an objective (`99.9999999999` has 10).
pub const MAX_OBJECTIVE_DECIMALS: usize = 10;
/// The placeholder SLI queries use for the window, as in Sloth.
pub const WINDOW_PLACEHOLDER: &str = "{{.window}}";

/// One SLO, as the `reliability_slo` resource describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SloSpec {
    pub service: String,
    pub name: String,
    /// Percent, e.g. `99.9`.
    pub objective: f64,
    /// Period (compliance window): `"30d"`, `"28d"`, `"4w"`, …
    pub window: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Added to every generated series and alert.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    pub sli: Sli,
    #[serde(default)]
    pub alerting: Alerting,
}

/// How the error ratio is measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sli {
    /// `error_query / total_query`; both contain `{{.window}}` and return per-second rates.
    Events {
        error_query: String,
        total_query: String,
    },
    /// A query returning the error ratio itself; contains `{{.window}}`.
    Raw { error_ratio_query: String },
    /// Requests slower than `threshold` seconds are errors, from a classic histogram.
    Latency {
        /// Base metric name, e.g. `http_request_duration_seconds`.
        histogram: String,
        /// Label matchers without braces, may be empty, e.g. `job="checkout"`.
        selector: String,
        /// Seconds; must be a bucket boundary (`le`) of the histogram.
        threshold: f64,
    },
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Alerting {
    #[serde(default)]
    pub page: Tier,
    #[serde(default)]
    pub ticket: Tier,
    #[serde(default)]
    pub runbook_url: Option<String>,
    /// Low-traffic guard: a window pair alerts only when its long window saw at least this
    /// many events: events SLI, `total_query` over the long window × its seconds (so
    /// `total_query` must be a per-second rate, as with Sloth); latency SLI, `increase()`
    /// of the `_count` series. `None` or `0` disables it. Not available for raw SLIs
    /// (they have no event count).
    #[serde(default)]
    pub min_events: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tier {
    #[serde(default)]
    pub disabled: bool,
    /// Added to this tier's alert; override the SLO labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Added to this tier's alert; templates; override the generated annotations.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

/// A validation error attached to an attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Attribute path from the resource root, e.g. `["sli", "events", "error_query"]`.
    /// After a map attribute (`labels`, `annotations`) comes the offending map key.
    pub path: Vec<String>,
    /// Short, e.g. `Invalid objective`.
    pub summary: String,
    /// Quotes the offending value and says what to set.
    pub detail: String,
}

impl FieldError {
    fn new(path: &[&str], summary: &str, detail: String) -> FieldError {
        FieldError {
            path: path.iter().map(|s| s.to_string()).collect(),
            summary: summary.to_string(),
            detail,
        }
    }
}

/// `<service>-<name>`, the `sloth_id` label.
pub fn slo_id(service: &str, name: &str) -> String {
    format!("{service}-{name}")
}

/// Minutes of full outage the period's error budget allows: `(1 − objective/100) ×
/// period`. 99.9 % over 30d gives 43.2.
pub fn error_budget_minutes(objective: f64, period: &Period) -> f64 {
    let minutes = u128::from(period.seconds() / 60);
    match Objective::parse(objective) {
        Some(o) => (o.budget_units * minutes) as f64 / o.denominator() as f64,
        None => (1.0 - objective / 100.0) * minutes as f64,
    }
}

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
    if let Err(e) = parse_period(&spec.window) {
        errors.push(FieldError::new(&["window"], "Invalid window", e));
    }
    check_labels(&mut errors, &["labels"], &spec.labels);
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

fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn check_labels(errors: &mut Vec<FieldError>, at: &[&str], labels: &BTreeMap<String, String>) {
    let attr = at.join(".");
    for (name, value) in labels {
        let mut path: Vec<&str> = at.to_vec();
        path.push(name);
        let problem = if !is_label_name(name) || name.starts_with("__") {
            Some(format!(
                "label name {name:?} in {attr} is not valid: use letters, digits and \
                 underscores, not starting with a digit or \"__\", such as \"team\""
            ))
        } else if conv::is_reserved_label(name) || name == conv::LABEL_SEVERITY {
            Some(format!(
                "label {name:?} in {attr} is set by the provider (the sloth_* identity labels \
                 and \"severity\" identify the SLO and its alert tier): remove it, or use \
                 another name such as \"team\""
            ))
        } else if value.is_empty() {
            Some(format!(
                "label {name:?} in {attr} has an empty value, which Prometheus treats as \
                 no label: set a value or remove the label"
            ))
        } else {
            None
        };
        if let Some(detail) = problem {
            errors.push(FieldError {
                path: path.iter().map(|s| s.to_string()).collect(),
                summary: "Invalid label".to_string(),
                detail,
            });
        }
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
    match promql_parser::parser::parse(&rendered) {
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
        Ok(expr) => {
            use promql_parser::parser::value::ValueType;
            let vt = expr.value_type();
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

/// Replaces every `{{.window}}` (spaces inside the braces allowed) with `window`. Errors
/// (phrased to follow the attribute name) when there is none, or another placeholder.
fn render_query(query: &str, window: &str) -> Result<String, String> {
    let mut out = String::with_capacity(query.len());
    let mut rest = query;
    let mut found = false;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            return Err(format!(
                "{query:?} has an unclosed \"{{{{\": write the window as {WINDOW_PLACEHOLDER}"
            ));
        };
        let inner = after[..end].trim();
        if inner != ".window" {
            return Err(format!(
                "{query:?} has the placeholder \"{{{{{}}}}}\": the only placeholder is \
                 {WINDOW_PLACEHOLDER}",
                &after[..end]
            ));
        }
        out.push_str(window);
        found = true;
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    if !found {
        return Err(format!(
            "{query:?} has no {WINDOW_PLACEHOLDER} placeholder: write the range of its \
             rate() as [{WINDOW_PLACEHOLDER}], such as \
             sum(rate(http_requests_total[{WINDOW_PLACEHOLDER}]))"
        ));
    }
    Ok(out)
}

fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
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
                if m.name == "le" || m.name == "__name__" {
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
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"));
        let ok = rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'))
            && !url.chars().any(|c| c.is_whitespace() || c.is_control());
        if !ok {
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
        check_labels(errors, &["alerting", tier_name, "labels"], &tier.labels);
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
                errors.push(FieldError {
                    path: path.iter().map(|s| s.to_string()).collect(),
                    summary: "Invalid annotation".to_string(),
                    detail,
                });
            }
        }
    }
}

/// Every `{{` has a later `}}`.
fn templates_closed(s: &str) -> bool {
    let mut rest = s;
    while let Some(i) = rest.find("{{") {
        match rest[i + 2..].find("}}") {
            Some(j) => rest = &rest[i + 2 + j + 2..],
            None => return false,
        }
    }
    true
}

/// Escapes text for Prometheus alert templating so that it renders verbatim.
fn template_literal(s: &str) -> String {
    s.replace("{{", "{{ \"{{\" }}")
}

/// An objective as an exact decimal: `objective / 100 = units / 10^scale`.
#[derive(Debug, Clone, Copy)]
struct Objective {
    /// Objective ratio × 10^scale.
    units: u128,
    /// Error budget ratio × 10^scale.
    budget_units: u128,
    scale: u32,
}

impl Objective {
    /// `None` when not in (0, 100) or with more than [`MAX_OBJECTIVE_DECIMALS`] decimals.
    fn parse(objective: f64) -> Option<Objective> {
        if !objective.is_finite() || objective <= 0.0 || objective >= 100.0 {
            return None;
        }
        // Display prints the shortest text that reads back as the same f64, never in
        // exponent notation: 99.9 -> "99.9".
        let text = objective.to_string();
        let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
        if frac.len() > MAX_OBJECTIVE_DECIMALS {
            return None;
        }
        let units: u128 = format!("{int}{frac}").parse().ok()?;
        let scale = frac.len() as u32 + 2;
        let whole = 10u128.pow(scale);
        Some(Objective {
            units,
            budget_units: whole.checked_sub(units)?,
            scale,
        })
    }

    fn denominator(&self) -> u128 {
        10u128.pow(self.scale)
    }

    /// `0.999`
    fn ratio_text(&self) -> String {
        decimal_text(self.units, self.scale)
    }

    /// `0.001`
    fn budget_text(&self) -> String {
        decimal_text(self.budget_units, self.scale)
    }

    fn budget(&self) -> f64 {
        self.budget_units as f64 / self.denominator() as f64
    }
}

/// `units / 10^scale` as exact decimal text without trailing zeros.
fn decimal_text(units: u128, scale: u32) -> String {
    let div = 10u128.pow(scale);
    let int = units / div;
    let frac = units % div;
    if frac == 0 {
        return int.to_string();
    }
    let frac = format!("{frac:0width$}", width = scale as usize);
    format!("{int}.{}", frac.trim_end_matches('0'))
}

/// A number for humans: at most 6 decimals, trailing zeros trimmed.
fn human_number(x: f64) -> String {
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// The `le` label values a bucket boundary can have: Go's shortest `%g` text (what
/// client_golang exposes and Prometheus 2.x stores: `0.3`, `1`, `1e+06`), plus `<n>.0`
/// for whole numbers (what other clients expose and what Prometheus 3.x normalises to).
fn le_values(threshold: f64) -> Vec<String> {
    let sci = format!("{threshold:e}"); // "3e-1", "1.5e0", "1e6"
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let go = if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else {
        threshold.to_string()
    };
    let mut values = vec![go.clone()];
    if threshold.fract() == 0.0 && !go.contains('e') {
        values.push(format!("{go}.0"));
    }
    values
}

/// `le="0.3"` or `le=~"1|1\\.0"` (the dot escaped in the regexp, and the backslash in the
/// PromQL string).
fn le_matcher(threshold: f64) -> String {
    let values = le_values(threshold);
    if values.len() == 1 {
        return format!("le=\"{}\"", values[0]);
    }
    let alternatives: Vec<String> = values
        .iter()
        .map(|v| v.replace('.', "\\\\.").replace('+', "\\\\+"))
        .collect();
    format!("le=~\"{}\"", alternatives.join("|"))
}

/// A PromQL string literal.
fn promql_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The parts of a spec generation needs, computed once.
struct Plan<'a> {
    spec: &'a SloSpec,
    period: Period,
    objective: Objective,
    id: String,
    /// sloth_id, sloth_service, sloth_slo
    identity: BTreeMap<String, String>,
    /// `{sloth_id="…", sloth_service="…", sloth_slo="…"}`
    selector: String,
}

/// Generates the rule groups of a valid spec (see [`validate`]).
pub fn generate(spec: &SloSpec) -> Result<RuleFile, String> {
    let id = slo_id(&spec.service, &spec.name);
    let context = |e: String| format!("could not create {id:?} SLO rules: {e}");
    let period = parse_period(&spec.window).map_err(context)?;
    let objective = Objective::parse(spec.objective).ok_or_else(|| {
        context(format!(
            "objective {} is not a percentage in (0, 100) with at most \
             {MAX_OBJECTIVE_DECIMALS} decimals",
            spec.objective
        ))
    })?;
    let identity = BTreeMap::from([
        (conv::LABEL_ID.to_string(), id.clone()),
        (conv::LABEL_SERVICE.to_string(), spec.service.clone()),
        (conv::LABEL_SLO.to_string(), spec.name.clone()),
    ]);
    let selector = format!(
        "{{{}}}",
        identity
            .iter()
            .map(|(k, v)| format!("{k}={}", promql_string(v)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let plan = Plan {
        spec,
        period,
        objective,
        id: id.clone(),
        identity,
        selector,
    };
    let mut groups = vec![plan.sli_group().map_err(context)?, plan.meta_group()];
    if let Some(alerts) = plan.alert_group().map_err(context)? {
        groups.push(alerts);
    }
    Ok(RuleFile { groups })
}

impl Plan<'_> {
    /// User labels + identity labels (identity wins; validation forbids the overlap).
    fn series_labels(&self) -> BTreeMap<String, String> {
        let mut labels = self.spec.labels.clone();
        labels.extend(self.identity.clone());
        labels
    }

    fn period_name(&self) -> String {
        self.period.to_string()
    }

    /// The error ratio over `window`, NaN (no traffic) dropped.
    fn sli_expr(&self, window: &str) -> Result<String, String> {
        let ratio = match &self.spec.sli {
            Sli::Events {
                error_query,
                total_query,
            } => format!(
                "({})\n/\n({})",
                render_query(error_query.trim(), window).map_err(|e| format!("error_query {e}"))?,
                render_query(total_query.trim(), window).map_err(|e| format!("total_query {e}"))?,
            ),
            Sli::Raw { error_ratio_query } => render_query(error_ratio_query.trim(), window)
                .map_err(|e| format!("error_ratio_query {e}"))?,
            Sli::Latency {
                histogram,
                selector,
                threshold,
            } => {
                let selector = selector.trim().trim_end_matches(',').trim();
                let bucket_sel = if selector.is_empty() {
                    le_matcher(*threshold)
                } else {
                    format!("{selector}, {}", le_matcher(*threshold))
                };
                format!(
                    "1 - (\n  sum(rate({histogram}_bucket{{{bucket_sel}}}[{window}]))\n  /\n  \
                     sum(rate({histogram}_count{{{selector}}}[{window}]))\n)"
                )
            }
        };
        Ok(format!("(\n{}\n) >= 0", indent(&ratio, "  ")))
    }

    /// How many events the SLI saw over `window`, for the low-traffic guard.
    fn events_expr(&self, window_secs: u64) -> Result<Option<String>, String> {
        let window = format_duration(Duration::from_secs(window_secs));
        Ok(match &self.spec.sli {
            Sli::Events { total_query, .. } => Some(format!(
                "({}) * {window_secs}",
                render_query(total_query.trim(), &window)
                    .map_err(|e| format!("total_query {e}"))?
            )),
            Sli::Latency {
                histogram,
                selector,
                ..
            } => {
                let selector = selector.trim().trim_end_matches(',').trim();
                Some(format!(
                    "sum(increase({histogram}_count{{{selector}}}[{window}]))"
                ))
            }
            Sli::Raw { .. } => None,
        })
    }

    fn sli_group(&self) -> Result<RuleGroup, String> {
        let mut rules = Vec::new();
        let windows = burn_rate::sli_windows_secs();
        for &secs in &windows {
            let window = format_duration(Duration::from_secs(secs));
            let mut labels = self.series_labels();
            labels.insert(conv::LABEL_WINDOW.to_string(), window.clone());
            rules.push(Rule::Recording(RecordingRule {
                record: conv::sli_error_series(&window),
                expr: self.sli_expr(&window)?,
                labels,
            }));
        }
        // Mean of the 5m ratios whose 5 minutes lie inside the period. A period equal to
        // one of the windows above (1d, 3d) already has its series; recording it twice
        // would give Prometheus two different values for one series.
        if !windows.contains(&self.period.seconds()) {
            let range = format_duration(self.period.duration() - Duration::from_secs(5 * 60));
            let five = format!("{}{}", conv::sli_error_series("5m"), self.selector);
            let mut labels = self.series_labels();
            labels.insert(conv::LABEL_WINDOW.to_string(), self.period_name());
            rules.push(Rule::Recording(RecordingRule {
                record: conv::sli_error_series(&self.period_name()),
                expr: format!(
                    "sum_over_time({five}[{range}])\n/ ignoring ({w})\ncount_over_time({five}[{range}])",
                    w = conv::LABEL_WINDOW
                ),
                labels,
            }));
        }
        Ok(RuleGroup {
            name: conv::sli_group_name(&self.id),
            interval: None,
            rules,
        })
    }

    fn meta_group(&self) -> RuleGroup {
        let labels = self.series_labels();
        let sel = &self.selector;
        let on = format!(
            "on({}, {}, {}) group_left",
            conv::LABEL_ID,
            conv::LABEL_SLO,
            conv::LABEL_SERVICE
        );
        let record = |name: &str, expr: String| {
            Rule::Recording(RecordingRule {
                record: name.to_string(),
                expr,
                labels: labels.clone(),
            })
        };
        let mut info_labels = labels.clone();
        info_labels.insert(
            conv::LABEL_OBJECTIVE.to_string(),
            self.spec.objective.to_string(),
        );
        RuleGroup {
            name: conv::meta_group_name(&self.id),
            interval: None,
            rules: vec![
                record(
                    conv::SERIES_OBJECTIVE,
                    format!("vector({})", self.objective.ratio_text()),
                ),
                record(
                    conv::SERIES_ERROR_BUDGET,
                    format!("vector({})", self.objective.budget_text()),
                ),
                record(
                    conv::SERIES_TIME_PERIOD_DAYS,
                    format!("vector({})", self.period.days()),
                ),
                record(
                    conv::SERIES_CURRENT_BURN_RATE,
                    format!(
                        "{}{sel}\n/ {on}\n{}{sel}",
                        conv::sli_error_series("5m"),
                        conv::SERIES_ERROR_BUDGET
                    ),
                ),
                record(
                    conv::SERIES_PERIOD_BURN_RATE,
                    format!(
                        "{}{sel}\n/ {on}\n{}{sel}",
                        conv::sli_error_series(&self.period_name()),
                        conv::SERIES_ERROR_BUDGET
                    ),
                ),
                record(
                    conv::SERIES_PERIOD_BUDGET_REMAINING,
                    format!("1 - {}{sel}", conv::SERIES_PERIOD_BURN_RATE),
                ),
                Rule::Recording(RecordingRule {
                    record: conv::SERIES_INFO.to_string(),
                    expr: "vector(1)".to_string(),
                    labels: info_labels,
                }),
            ],
        }
    }

    fn alert_group(&self) -> Result<Option<RuleGroup>, String> {
        let mut rules = Vec::new();
        for severity in Severity::ALL {
            let tier = match severity {
                Severity::Page => &self.spec.alerting.page,
                Severity::Ticket => &self.spec.alerting.ticket,
            };
            if !tier.disabled {
                rules.push(Rule::Alerting(self.alert(severity, tier)?));
            }
        }
        Ok((!rules.is_empty()).then(|| RuleGroup {
            name: conv::alert_group_name(&self.id),
            interval: None,
            rules,
        }))
    }

    fn min_events(&self) -> Option<f64> {
        self.spec.alerting.min_events.filter(|m| *m > 0.0)
    }

    fn alert_expr(&self, severity: Severity) -> Result<String, String> {
        let budget = self.objective.budget_text();
        let mut ignoring: Vec<String> = self.series_labels().into_keys().collect();
        ignoring.sort();
        let mut pairs = Vec::new();
        for w in burn_rate::tier_windows(severity) {
            let factor = w.factor(&self.period);
            let cond = |window: String| {
                format!(
                    "max({}{} > ({factor} * {budget})) without ({})",
                    conv::sli_error_series(&window),
                    self.selector,
                    conv::LABEL_WINDOW
                )
            };
            let mut parts = vec![cond(w.short()), cond(w.long())];
            if let Some(min) = self.min_events() {
                if let Some(events) = self.events_expr(w.long_secs)? {
                    parts.push(format!(
                        "ignoring ({}) ({events} >= {min})",
                        ignoring.join(", ")
                    ));
                }
            }
            let body = parts.join("\nand ");
            pairs.push(format!("(\n{}\n)", indent(&body, "  ")));
        }
        Ok(pairs.join("\nor\n"))
    }

    fn alert(&self, severity: Severity, tier: &Tier) -> Result<AlertingRule, String> {
        let spec = self.spec;
        let mut labels: BTreeMap<String, String> = spec
            .labels
            .iter()
            .chain(&tier.labels)
            .map(|(k, v)| (k.clone(), template_literal(v)))
            .collect();
        labels.extend(self.identity.clone());
        labels.insert(conv::LABEL_SEVERITY.into(), severity.as_str().into());
        labels.insert(conv::LABEL_SLOTH_SEVERITY.into(), severity.as_str().into());

        let who = format!("{} {}", spec.service, spec.name);
        let period = self.period_name();
        let budget = self.objective.budget();
        let rows: Vec<String> = burn_rate::tier_windows(severity)
            .map(|w: &BurnRateWindow| {
                let factor = w.factor(&self.period);
                format!(
                    "above {}x the error budget ({}% errors) over {} and {} ({}% of the \
                     budget in {})",
                    human_number(factor),
                    human_number(factor * budget * 100.0),
                    w.short(),
                    w.long(),
                    w.budget_percent,
                    w.long()
                )
            })
            .collect();
        let mut detail = format!(
            "The error ratio of SLO {who} (objective {}% over {period}) is {}.",
            spec.objective,
            rows.join(", or ")
        );
        if let Some(min) = self.min_events() {
            detail.push_str(&format!(
                " Only alerts when the long window saw at least {min} events."
            ));
        }
        let description = match &spec.description {
            Some(d) if !d.trim().is_empty() => format!("{}\n{detail}", template_literal(d)),
            _ => detail,
        };
        let mut annotations = BTreeMap::from([
            (
                "title".to_string(),
                format!(
                    "({}) {who} SLO error budget burn rate is too fast.",
                    severity.as_str()
                ),
            ),
            (
                "summary".to_string(),
                format!(
                    "{who} SLO is burning its {period} error budget too fast (objective {}%).",
                    spec.objective
                ),
            ),
            ("description".to_string(), description),
        ]);
        if let Some(url) = &spec.alerting.runbook_url {
            annotations.insert("runbook_url".into(), template_literal(url));
        }
        annotations.extend(tier.annotations.clone());

        Ok(AlertingRule {
            alert: conv::alert_name(&spec.service, &spec.name),
            expr: self.alert_expr(severity)?,
            for_: None,
            labels,
            annotations,
        })
    }
}

fn indent(text: &str, prefix: &str) -> String {
    text.lines()
        .map(|l| format!("{prefix}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
#[path = "slo_tests.rs"]
mod tests;
