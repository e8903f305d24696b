//! Plain alerting rules and certificate-expiry alerts (pure, no I/O).
//!
//! One [`AlertSpec`] becomes one rule file with one group, `reliability-alert-<name>`
//! ([`group_name`]), holding one alerting rule named after the spec (`alert: <name>`).
//! The alert name also names the rule file, so it must match `^[A-Za-z_][A-Za-z0-9_]*$`.
//!
//! Exactly one of `expr` (any PromQL, parsed with `promql-parser`) and
//! `certificate_expiry` is set.
//!
//! # Labels and annotations
//!
//! - Labels: `severity` (`page`, `ticket` or `info`) plus the user's labels. Users cannot
//!   set `severity` or `alertname`, nor `certificate` on certificate alerts, nor names
//!   starting with `__`. User label values and `runbook_url` are escaped for Prometheus'
//!   alert templating, so they show up verbatim.
//! - Annotations: `summary`, `description`, `runbook_url` (from their attributes), plus the
//!   user's annotations (not those three keys: use the attributes). Summary, description
//!   and user annotations are templates, as usual in Prometheus (`{{ $value }}`,
//!   `{{ $labels.instance }}`); they must close every `{{` they open.
//!
//! # Certificate expiry
//!
//! `certificate_expiry { certificate, target, days_before, source }` generates the
//! expression, a `certificate="<certificate>"` label naming what is watched, and (unless
//! given) a summary and description that say how long is left
//! (`{{ $value | humanizeDuration }}`, the expression's value being the seconds left):
//!
//! | source | expression | identity matcher |
//! |---|---|---|
//! | `blackbox` | `probe_ssl_earliest_cert_expiry{instance="<target>"} - time() < <days_before × 86400>` | `instance`, the probed endpoint as blackbox_exporter's usual relabelling sets it |
//! | `x509` | `x509_cert_not_after{subject_CN="<target>"} - time() < <days_before × 86400>` | `subject_CN`, the certificate's subject common name |
//!
//! For x509-certificate-exporter (enix), `subject_CN` was chosen because it is the one
//! identity label populated for every source kind (files, kubeconfigs, Secrets,
//! ConfigMaps); `filepath` exists only for files and `secret_name` only for Secrets.
//! Every series with that common name alerts separately, keeping its `filepath` /
//! `secret_namespace` / `secret_name` labels, which tell the on-call where it lives.
//! Label values are escaped as PromQL string literals (backslash, double quote, newline).
//!
//! ## A missing metric
//!
//! A comparison on a missing series returns nothing, so **a missing metric means no
//! alert**. For certificates that silence is dangerous: blackbox_exporter stops exporting
//! `probe_ssl_earliest_cert_expiry` as soon as the TLS handshake fails, which is exactly
//! what happens once the certificate has *expired* (the expiry alert then resolves), and a
//! typo in `target` would watch nothing forever. So certificate alerts get a companion
//! rule `<name>MetricAbsent`: `absent(<metric>{<matcher>})` with `for: 10m` (two
//! missed 5-minute lookbacks, so one failed probe or a Prometheus restart does not fire),
//! same labels, severity `ticket` (or `info` when the main alert is `info`): it is a
//! monitoring gap, and an expired certificate is an outage other alerts should page on.
//! Alerts with a user `expr` get no companion: the provider cannot know which series
//! the expression needs.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::model::{AlertingRule, Rule, RuleFile, RuleGroup};
pub use super::slo::FieldError;
use super::window::{format_duration, parse_duration};

/// Allowed values of `severity`.
pub const SEVERITIES: [&str; 3] = ["page", "ticket", "info"];
/// `certificate_expiry.source` for blackbox_exporter.
pub const SOURCE_BLACKBOX: &str = "blackbox";
/// `certificate_expiry.source` for x509-certificate-exporter.
pub const SOURCE_X509: &str = "x509";
/// blackbox_exporter: seconds since epoch when the earliest certificate of the chain expires.
pub const METRIC_BLACKBOX: &str = "probe_ssl_earliest_cert_expiry";
/// x509-certificate-exporter: the certificate's NotAfter, seconds since epoch.
pub const METRIC_X509: &str = "x509_cert_not_after";
/// Identity label matched against `target` for blackbox_exporter.
pub const LABEL_BLACKBOX_TARGET: &str = "instance";
/// Identity label matched against `target` for x509-certificate-exporter.
pub const LABEL_X509_TARGET: &str = "subject_CN";
/// Label naming the watched certificate.
pub const LABEL_CERTIFICATE: &str = "certificate";
/// `for` of the metric-absent companion of certificate alerts.
pub const ABSENT_FOR: &str = "10m";
/// Suffix of the metric-absent companion's alert name.
pub const ABSENT_SUFFIX: &str = "MetricAbsent";
/// Largest `days_before` (ten years).
pub const MAX_DAYS_BEFORE: f64 = 3650.0;
/// Longest alert name.
pub const MAX_NAME_LEN: usize = 128;

/// One alert, as the `reliability_alert` resource describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertSpec {
    /// The alert name (`alertname`); also names the group and the file.
    pub name: String,
    #[serde(default)]
    pub expr: Option<String>,
    #[serde(default)]
    pub certificate_expiry: Option<CertificateExpiry>,
    /// Prometheus duration (`"10m"`); `None` fires at the first matching evaluation.
    #[serde(default)]
    pub for_: Option<String>,
    /// `page`, `ticket` or `info`.
    pub severity: String,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub runbook_url: Option<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

/// Alert when a certificate expires in less than `days_before` days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CertificateExpiry {
    /// What is watched (an ARN or any identity string); becomes the `certificate` label.
    pub certificate: String,
    /// `instance` of the blackbox probe, or `subject_CN` of the x509 certificate.
    pub target: String,
    /// Days before expiry to alert, > 0.
    pub days_before: f64,
    /// `blackbox` or `x509`.
    pub source: String,
}

/// Group name of an alert: `reliability-alert-<name>`.
pub fn group_name(name: &str) -> String {
    format!("reliability-alert-{name}")
}

fn err(path: &[&str], summary: &str, detail: String) -> FieldError {
    FieldError {
        path: path.iter().map(|s| s.to_string()).collect(),
        summary: summary.to_string(),
        detail,
    }
}

/// Checks everything [`generate`] relies on. Empty means valid.
pub fn validate(spec: &AlertSpec) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if !is_alert_name(&spec.name) {
        errors.push(err(
            &["name"],
            "Invalid alert name",
            format!(
                "name {:?} is not a valid alert name: use 1 to {MAX_NAME_LEN} letters, \
                 digits and underscores, not starting with a digit (it is the alertname \
                 and names the rule file), such as \"DiskAlmostFull\"",
                spec.name
            ),
        ));
    }
    match (&spec.expr, &spec.certificate_expiry) {
        (Some(_), Some(_)) | (None, None) => {
            let which = if spec.expr.is_some() {
                "both are"
            } else {
                "neither is"
            };
            errors.push(err(
                &["expr"],
                "Exactly one of expr and certificate_expiry",
                format!(
                    "{which} set: set either expr (a PromQL expression) or a \
                     certificate_expiry block, not both"
                ),
            ));
        }
        (Some(expr), None) => {
            if expr.trim().is_empty() {
                errors.push(err(
                    &["expr"],
                    "Invalid expr",
                    "expr is empty: set a PromQL expression, such as \"up == 0\"".into(),
                ));
            } else if let Err(e) = promql_parser::parser::parse(expr) {
                errors.push(err(
                    &["expr"],
                    "Invalid expr",
                    format!(
                        "expr {expr:?} is not valid PromQL: {}; fix the expression",
                        e.trim()
                    ),
                ));
            }
        }
        (None, Some(cert)) => check_certificate(&mut errors, cert),
    }
    if let Some(f) = &spec.for_ {
        if let Err(e) = parse_duration(f) {
            errors.push(err(&["for"], "Invalid for", e));
        }
    }
    if !SEVERITIES.contains(&spec.severity.as_str()) {
        errors.push(err(
            &["severity"],
            "Invalid severity",
            format!(
                "severity {:?} is not allowed: set one of \"page\", \"ticket\" or \"info\"",
                spec.severity
            ),
        ));
    }
    for (attr, value) in [
        ("summary", &spec.summary),
        ("description", &spec.description),
    ] {
        if let Some(v) = value {
            check_template(&mut errors, &[attr], attr, v);
        }
    }
    if let Some(url) = &spec.runbook_url {
        if let Err(detail) = check_url(url) {
            errors.push(err(&["runbook_url"], "Invalid runbook_url", detail));
        }
    }
    let mut reserved = vec!["severity", "alertname"];
    if spec.certificate_expiry.is_some() {
        reserved.push(LABEL_CERTIFICATE);
    }
    check_labels(&mut errors, "labels", &spec.labels, &reserved);
    for (key, value) in &spec.annotations {
        let path = ["annotations", key.as_str()];
        if !is_label_name(key) {
            errors.push(err(
                &path,
                "Invalid annotation",
                format!(
                    "annotation name {key:?} is not valid: use letters, digits and \
                     underscores, not starting with a digit, such as \"dashboard\""
                ),
            ));
        } else if matches!(key.as_str(), "summary" | "description" | "runbook_url") {
            errors.push(err(
                &path,
                "Invalid annotation",
                format!(
                    "annotation {key:?} has its own attribute: set {key} = ... instead of \
                     annotations[{key:?}]"
                ),
            ));
        } else {
            check_template(&mut errors, &path, &format!("annotation {key:?}"), value);
        }
    }
    errors
}

fn check_certificate(errors: &mut Vec<FieldError>, cert: &CertificateExpiry) {
    for (attr, value) in [("certificate", &cert.certificate), ("target", &cert.target)] {
        if value.trim().is_empty() {
            let example = if attr == "certificate" {
                "an ARN or a name such as \"api.example.com\""
            } else {
                "the probed endpoint (blackbox `instance` label) or the certificate's \
                 subject common name (x509 `subject_CN` label)"
            };
            errors.push(err(
                &["certificate_expiry", attr],
                &format!("Invalid {attr}"),
                format!("certificate_expiry.{attr} {value:?} is empty: set {example}"),
            ));
        }
    }
    let d = cert.days_before;
    if !d.is_finite() || d <= 0.0 || d > MAX_DAYS_BEFORE {
        errors.push(err(
            &["certificate_expiry", "days_before"],
            "Invalid days_before",
            format!(
                "certificate_expiry.days_before {d} is out of range: set a number of days \
                 greater than 0 and at most {MAX_DAYS_BEFORE}, such as 14"
            ),
        ));
    }
    if cert.source != SOURCE_BLACKBOX && cert.source != SOURCE_X509 {
        errors.push(err(
            &["certificate_expiry", "source"],
            "Invalid source",
            format!(
                "certificate_expiry.source {:?} is not supported: set \"blackbox\" \
                 (blackbox_exporter's probe_ssl_earliest_cert_expiry) or \"x509\" \
                 (x509-certificate-exporter's x509_cert_not_after)",
                cert.source
            ),
        ));
    }
}

/// Generates the rule file of a valid spec (see [`validate`]).
pub fn generate(spec: &AlertSpec) -> Result<RuleFile, String> {
    let invalid: Vec<String> = validate(spec).into_iter().map(|e| e.detail).collect();
    if !invalid.is_empty() {
        return Err(invalid.join("; "));
    }
    let for_ = match &spec.for_ {
        Some(f) => Some(parse_duration(f)?).filter(|d| !d.is_zero()),
        None => None,
    }
    .map(format_duration);

    let mut labels: BTreeMap<String, String> = spec
        .labels
        .iter()
        .map(|(k, v)| (k.clone(), template_literal(v)))
        .collect();
    labels.insert("severity".into(), spec.severity.clone());

    let mut annotations = spec.annotations.clone();
    let mut rules = Vec::new();
    let expr = match (&spec.expr, &spec.certificate_expiry) {
        (Some(expr), None) => expr.clone(),
        (None, Some(cert)) => {
            let cert_rules = CertRules::new(cert);
            labels.insert(
                LABEL_CERTIFICATE.into(),
                template_literal(&cert.certificate),
            );
            annotations.insert("summary".into(), cert_rules.summary());
            annotations.insert("description".into(), cert_rules.description());
            rules.push(cert_rules.absent_rule(spec, &labels)?);
            cert_rules.expr()
        }
        _ => return Err("set exactly one of expr and certificate_expiry".into()),
    };
    if let Some(s) = &spec.summary {
        annotations.insert("summary".into(), s.clone());
    }
    if let Some(d) = &spec.description {
        annotations.insert("description".into(), d.clone());
    }
    if let Some(u) = &spec.runbook_url {
        annotations.insert("runbook_url".into(), template_literal(u));
    }
    promql_parser::parser::parse(&expr)
        .map_err(|e| format!("generated expression {expr:?}: {e}"))?;
    let main = Rule::Alerting(AlertingRule {
        alert: spec.name.clone(),
        expr,
        for_,
        labels,
        annotations,
    });
    rules.insert(0, main);
    Ok(RuleFile {
        groups: vec![RuleGroup {
            name: group_name(&spec.name),
            interval: None,
            rules,
        }],
    })
}

struct CertRules<'a> {
    cert: &'a CertificateExpiry,
    /// `metric{label="target"}`
    selector: String,
    threshold_secs: f64,
}

impl<'a> CertRules<'a> {
    fn new(cert: &'a CertificateExpiry) -> CertRules<'a> {
        let (metric, label) = if cert.source == SOURCE_X509 {
            (METRIC_X509, LABEL_X509_TARGET)
        } else {
            (METRIC_BLACKBOX, LABEL_BLACKBOX_TARGET)
        };
        // Whole milliseconds, so that 1.1 days prints as 95040 and not 95040.00000000001.
        let threshold_secs = (cert.days_before * 86_400_000.0).round() / 1000.0;
        CertRules {
            cert,
            selector: format!("{metric}{{{label}={}}}", promql_string(&cert.target)),
            threshold_secs,
        }
    }

    fn expr(&self) -> String {
        format!("{} - time() < {}", self.selector, self.threshold_secs)
    }

    fn days_text(&self) -> String {
        let d = self.cert.days_before;
        if d == 1.0 {
            "1 day".into()
        } else {
            format!("{d} days")
        }
    }

    fn summary(&self) -> String {
        format!(
            "Certificate {} expires in {{{{ $value | humanizeDuration }}}}",
            template_literal(&self.cert.certificate)
        )
    }

    fn description(&self) -> String {
        format!(
            "Certificate {} ({} {} {:?}) expires in {{{{ $value | humanizeDuration }}}}, \
             less than the {} this alert allows. Renew or replace it before it expires.",
            template_literal(&self.cert.certificate),
            self.source_text(),
            self.target_label(),
            template_literal(&self.cert.target),
            self.days_text(),
        )
    }

    fn source_text(&self) -> &'static str {
        if self.cert.source == SOURCE_X509 {
            "x509-certificate-exporter"
        } else {
            "blackbox_exporter"
        }
    }

    fn target_label(&self) -> &'static str {
        if self.cert.source == SOURCE_X509 {
            LABEL_X509_TARGET
        } else {
            LABEL_BLACKBOX_TARGET
        }
    }

    /// Why the metric may be missing, by source.
    fn absent_causes(&self) -> &'static str {
        if self.cert.source == SOURCE_X509 {
            "The certificate may have been removed or reissued under another common name, \
             x509-certificate-exporter may not be scraped, or certificate_expiry.target may \
             not match its subject_CN label."
        } else {
            "The certificate may already have expired (blackbox_exporter drops the metric \
             when the TLS handshake fails), the endpoint may be down or not probed, or \
             certificate_expiry.target may not match the probe's instance label."
        }
    }

    fn absent_rule(
        &self,
        spec: &AlertSpec,
        labels: &BTreeMap<String, String>,
    ) -> Result<Rule, String> {
        let mut labels = labels.clone();
        let severity = if spec.severity == "info" {
            "info"
        } else {
            "ticket"
        };
        labels.insert("severity".into(), severity.into());
        let expr = format!("absent({})", self.selector);
        promql_parser::parser::parse(&expr)
            .map_err(|e| format!("generated expression {expr:?}: {e}"))?;
        let certificate = template_literal(&self.cert.certificate);
        let annotations = BTreeMap::from([
            (
                "summary".to_string(),
                format!("No expiry data for certificate {certificate}"),
            ),
            (
                "description".to_string(),
                format!(
                    "Prometheus has had no series {} for {ABSENT_FOR}, so alert {} cannot \
                     fire for certificate {}. {}",
                    template_literal(&self.selector),
                    spec.name,
                    certificate,
                    self.absent_causes(),
                ),
            ),
        ]);
        Ok(Rule::Alerting(AlertingRule {
            alert: format!("{}{ABSENT_SUFFIX}", spec.name),
            expr,
            for_: Some(ABSENT_FOR.into()),
            labels,
            annotations,
        }))
    }
}

// ---- helpers shared with `backup` ----

pub(crate) fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_alert_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= MAX_NAME_LEN && is_label_name(name)
}

/// Checks a user label map (`attr` is its attribute name); `reserved` names are set by
/// the provider.
pub(crate) fn check_labels(
    errors: &mut Vec<FieldError>,
    attr: &str,
    labels: &BTreeMap<String, String>,
    reserved: &[&str],
) {
    for (name, value) in labels {
        let detail = if !is_label_name(name) || name.starts_with("__") {
            Some(format!(
                "label name {name:?} in {attr} is not valid: use letters, digits and \
                 underscores, not starting with a digit or \"__\", such as \"team\""
            ))
        } else if reserved.contains(&name.as_str()) {
            Some(format!(
                "label {name:?} in {attr} is set by the provider (reserved: {}): remove \
                 it, or use another name such as \"team\"",
                reserved.join(", ")
            ))
        } else if value.is_empty() {
            Some(format!(
                "label {name:?} in {attr} has an empty value, which Prometheus treats as no \
                 label: set a value or remove the label"
            ))
        } else {
            None
        };
        if let Some(detail) = detail {
            errors.push(err(&[attr, name], "Invalid label", detail));
        }
    }
}

fn check_template(errors: &mut Vec<FieldError>, path: &[&str], what: &str, value: &str) {
    if !templates_closed(value) {
        errors.push(err(
            path,
            "Unclosed template",
            format!(
                "{what} {value:?} opens a template with \"{{{{\" that is never closed: \
                 close it with \"}}}}\" (such as {{{{ $value }}}})"
            ),
        ));
    }
}

fn check_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or(""));
    let ok = host.is_some_and(|h| !h.is_empty())
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "runbook_url {url:?} is not an http(s) URL: set an address starting with \
             https:// or http:// and a host, without spaces, such as \
             \"https://runbooks.example.com/disk-full\""
        ))
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

/// Text that Prometheus' alert templating renders verbatim: each `{{` becomes an action
/// printing `{{`.
pub(crate) fn template_literal(s: &str) -> String {
    s.replace("{{", "{{ \"{{\" }}")
}

/// A PromQL double-quoted string literal.
pub(crate) fn promql_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Seconds of a duration, for PromQL.
pub(crate) fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        d.as_secs().to_string()
    } else {
        format!("{}", d.as_millis() as f64 / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::model::render_yaml;

    fn plain() -> AlertSpec {
        AlertSpec {
            name: "HostDown".into(),
            expr: Some("up{job=\"node\"} == 0".into()),
            certificate_expiry: None,
            for_: None,
            severity: "page".into(),
            summary: None,
            description: None,
            runbook_url: None,
            labels: BTreeMap::new(),
            annotations: BTreeMap::new(),
        }
    }

    fn full() -> AlertSpec {
        AlertSpec {
            for_: Some("10m".into()),
            severity: "ticket".into(),
            summary: Some("{{ $labels.instance }} is down".into()),
            description: Some("Scrape of {{ $labels.instance }} failed for 10m.".into()),
            runbook_url: Some("https://runbooks.example.com/host-down".into()),
            labels: BTreeMap::from([
                ("team".into(), "infra".into()),
                ("tricky".into(), "{{ not a template }}".into()),
            ]),
            annotations: BTreeMap::from([(
                "dashboard".into(),
                "https://grafana.example.com/d/node".into(),
            )]),
            ..plain()
        }
    }

    fn cert(source: &str, target: &str) -> AlertSpec {
        AlertSpec {
            name: "ApiCertExpiring".into(),
            expr: None,
            certificate_expiry: Some(CertificateExpiry {
                certificate: "arn:aws:acm:eu-west-1:123456789012:certificate/abc".into(),
                target: target.into(),
                days_before: 14.0,
                source: source.into(),
            }),
            ..plain()
        }
    }

    fn yaml(spec: &AlertSpec) -> String {
        assert_eq!(validate(spec), vec![]);
        render_yaml(&generate(spec).unwrap(), "")
    }

    fn snapshot(name: &str, spec: &AlertSpec) {
        let y = yaml(spec);
        insta::with_settings!({snapshot_path => "snapshots/alert", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(name, y);
        });
    }

    #[test]
    fn snapshots() {
        snapshot("rules_alert_plain", &plain());
        snapshot("rules_alert_full", &full());
        snapshot(
            "rules_alert_cert_blackbox",
            &cert("blackbox", "https://api.example.com"),
        );
        snapshot("rules_alert_cert_x509", &cert("x509", "api.example.com"));
    }

    fn errors(spec: &AlertSpec) -> Vec<(String, String)> {
        validate(spec)
            .into_iter()
            .map(|e| (e.path.join("."), e.detail))
            .collect()
    }

    /// Exactly one error, at `path`, whose detail contains `needle`.
    fn assert_error(spec: &AlertSpec, path: &str, needle: &str) {
        let errs = errors(spec);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].0, path, "{errs:?}");
        assert!(errs[0].1.contains(needle), "{errs:?}");
    }

    #[test]
    fn valid_specs_have_no_errors() {
        for spec in [plain(), full(), cert("blackbox", "x"), cert("x509", "y")] {
            assert_eq!(validate(&spec), vec![], "{spec:?}");
        }
    }

    #[test]
    fn validation_names_the_path() {
        let mut s = plain();
        s.name = "1bad-name".into();
        assert_error(&s, "name", "\"1bad-name\"");

        let mut s = plain();
        s.expr = None;
        assert_error(&s, "expr", "certificate_expiry");
        let mut s = cert("x509", "a");
        s.expr = Some("up".into());
        assert_error(&s, "expr", "not both");

        let mut s = plain();
        s.expr = Some("sum(rate(x[5m])".into());
        assert_error(&s, "expr", "not valid PromQL");

        let mut s = plain();
        s.for_ = Some("10 minutes".into());
        assert_error(&s, "for", "\"10 minutes\"");

        let mut s = plain();
        s.severity = "critical".into();
        assert_error(&s, "severity", "\"page\", \"ticket\" or \"info\"");

        let mut s = plain();
        s.runbook_url = Some("ftp://x/y".into());
        assert_error(&s, "runbook_url", "https://");
        s.runbook_url = Some("https://".into());
        assert_error(&s, "runbook_url", "host");

        let mut s = plain();
        s.summary = Some("{{ $value".into());
        assert_error(&s, "summary", "never closed");

        for (label, needle) in [
            ("severity", "set by the provider"),
            ("alertname", "set by the provider"),
            ("__name__", "not valid"),
            ("bad-label", "not valid"),
        ] {
            let mut s = plain();
            s.labels.insert(label.into(), "x".into());
            assert_error(&s, &format!("labels.{label}"), needle);
        }
        let mut s = plain();
        s.labels.insert("team".into(), String::new());
        assert_error(&s, "labels.team", "empty value");
        // `certificate` is reserved only on certificate alerts.
        let mut s = plain();
        s.labels.insert("certificate".into(), "x".into());
        assert_eq!(errors(&s), vec![]);
        let mut s = cert("blackbox", "t");
        s.labels.insert("certificate".into(), "x".into());
        assert_error(&s, "labels.certificate", "set by the provider");

        let mut s = plain();
        s.annotations.insert("summary".into(), "x".into());
        assert_error(&s, "annotations.summary", "summary = ...");
        let mut s = plain();
        s.annotations.insert("a-b".into(), "x".into());
        assert_error(&s, "annotations.a-b", "not valid");
    }

    #[test]
    fn certificate_validation_names_the_path() {
        for (days, ok) in [
            (14.0, true),
            (0.5, true),
            (0.0, false),
            (-1.0, false),
            (f64::NAN, false),
            (f64::INFINITY, false),
            (4000.0, false),
        ] {
            let mut s = cert("blackbox", "t");
            if let Some(c) = s.certificate_expiry.as_mut() {
                c.days_before = days;
            }
            if ok {
                assert_eq!(errors(&s), vec![], "{days}");
            } else {
                assert_error(&s, "certificate_expiry.days_before", "greater than 0");
            }
        }
        let mut s = cert("acm", "t");
        assert_error(&s, "certificate_expiry.source", "\"acm\"");
        s = cert("x509", " ");
        assert_error(&s, "certificate_expiry.target", "empty");
        if let Some(c) = s.certificate_expiry.as_mut() {
            c.target = "t".into();
            c.certificate = String::new();
        }
        assert_error(&s, "certificate_expiry.certificate", "empty");
    }

    #[test]
    fn generate_refuses_invalid_specs() {
        let mut s = plain();
        s.severity = "urgent".into();
        assert!(generate(&s).unwrap_err().contains("\"urgent\""));
    }

    #[test]
    fn certificate_values_are_escaped() {
        let mut s = cert("blackbox", "https://a\"b\\c\n");
        if let Some(c) = s.certificate_expiry.as_mut() {
            c.certificate = "cert {{ evil }}".into();
            c.days_before = 1.1;
        }
        let file = generate(&s).unwrap();
        let rules = &file.groups[0].rules;
        assert_eq!(rules.len(), 2);
        let Rule::Alerting(main) = &rules[0] else {
            panic!("not an alert")
        };
        assert_eq!(
            main.expr,
            r#"probe_ssl_earliest_cert_expiry{instance="https://a\"b\\c\n"} - time() < 95040"#
        );
        // The parser reads the label value back unchanged.
        let parsed = promql_parser::parser::parse(&main.expr).unwrap();
        assert!(
            format!("{parsed:?}").contains(r#"https://a\"b\\c\n"#),
            "{parsed:?}"
        );
        assert_eq!(main.labels["certificate"], "cert {{ \"{{\" }} evil }}");
        assert_eq!(main.labels["severity"], "page");
        let Rule::Alerting(absent) = &rules[1] else {
            panic!("not an alert")
        };
        assert_eq!(absent.alert, "ApiCertExpiringMetricAbsent");
        assert_eq!(absent.labels["severity"], "ticket");
        assert_eq!(absent.for_.as_deref(), Some("10m"));
        assert!(absent
            .expr
            .starts_with("absent(probe_ssl_earliest_cert_expiry{"));
    }

    #[test]
    fn for_and_user_summary() {
        let mut s = cert("x509", "t");
        s.for_ = Some("60m".into());
        s.severity = "info".into();
        s.summary = Some("mine".into());
        let file = generate(&s).unwrap();
        let Rule::Alerting(main) = &file.groups[0].rules[0] else {
            panic!("not an alert")
        };
        assert_eq!(main.for_.as_deref(), Some("1h"));
        assert_eq!(main.annotations["summary"], "mine");
        assert!(main.annotations["description"].contains("14 days"));
        let Rule::Alerting(absent) = &file.groups[0].rules[1] else {
            panic!("not an alert")
        };
        assert_eq!(absent.labels["severity"], "info");
        s.for_ = Some("0s".into());
        let file = generate(&s).unwrap();
        let Rule::Alerting(main) = &file.groups[0].rules[0] else {
            panic!("not an alert")
        };
        assert_eq!(main.for_, None);
        assert_eq!(file.groups[0].name, "reliability-alert-ApiCertExpiring");
    }
}
