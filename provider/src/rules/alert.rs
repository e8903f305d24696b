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

use serde::{Deserialize, Serialize};

use super::conventions as conv;
use super::field_error::FieldError;
use super::labels::{check_labels, is_label_name, Reserved};
use super::model::{AlertingRule, Rule, RuleFile, RuleGroup};
use super::promql::{promql_string, template_literal, templates_closed};
use super::window::{format_duration, parse_duration};

/// Allowed values of `severity`.
pub const SEVERITIES: [&str; 3] = ["page", "ticket", "info"];
/// `certificate_expiry.source` for blackbox_exporter.
pub const SOURCE_BLACKBOX: &str = "blackbox";
/// `certificate_expiry.source` for x509-certificate-exporter.
pub const SOURCE_X509: &str = "x509";
/// `for` of the metric-absent companion of certificate alerts.
pub const ABSENT_FOR: &str = "10m";
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

/// Checks everything [`generate`] relies on. Empty means valid.
pub fn validate(spec: &AlertSpec) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if !is_alert_name(&spec.name) {
        errors.push(FieldError::new(
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
            errors.push(FieldError::new(
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
                errors.push(FieldError::new(
                    &["expr"],
                    "Invalid expr",
                    "expr is empty: set a PromQL expression, such as \"up == 0\"".into(),
                ));
            } else if let Err(e) = super::promql::check(expr) {
                errors.push(FieldError::new(
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
            errors.push(FieldError::new(&["for"], "Invalid for", e));
        }
    }
    if !SEVERITIES.contains(&spec.severity.as_str()) {
        errors.push(FieldError::new(
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
            errors.push(FieldError::new(
                &["runbook_url"],
                "Invalid runbook_url",
                detail,
            ));
        }
    }
    let mut reserved = vec![conv::LABEL_SEVERITY, conv::LABEL_ALERTNAME];
    if spec.certificate_expiry.is_some() {
        reserved.push(conv::LABEL_CERTIFICATE);
    }
    let reason = format!("reserved: {}", reserved.join(", "));
    let contains = |name: &str| reserved.contains(&name);
    check_labels(
        &mut errors,
        &["labels"],
        &spec.labels,
        &Reserved {
            contains: &contains,
            reason: &reason,
        },
    );
    for (key, value) in &spec.annotations {
        let path = ["annotations", key.as_str()];
        if !is_label_name(key) {
            errors.push(FieldError::new(
                &path,
                "Invalid annotation",
                format!(
                    "annotation name {key:?} is not valid: use letters, digits and \
                     underscores, not starting with a digit, such as \"dashboard\""
                ),
            ));
        } else if matches!(
            key.as_str(),
            conv::ANNOTATION_SUMMARY | conv::ANNOTATION_DESCRIPTION | conv::ANNOTATION_RUNBOOK_URL
        ) {
            errors.push(FieldError::new(
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
            errors.push(FieldError::new(
                &["certificate_expiry", attr],
                &format!("Invalid {attr}"),
                format!("certificate_expiry.{attr} {value:?} is empty: set {example}"),
            ));
        }
    }
    let d = cert.days_before;
    if !d.is_finite() || d <= 0.0 || d > MAX_DAYS_BEFORE {
        errors.push(FieldError::new(
            &["certificate_expiry", "days_before"],
            "Invalid days_before",
            format!(
                "certificate_expiry.days_before {d} is out of range: set a number of days \
                 greater than 0 and at most {MAX_DAYS_BEFORE}, such as 14"
            ),
        ));
    }
    if cert.source != SOURCE_BLACKBOX && cert.source != SOURCE_X509 {
        errors.push(FieldError::new(
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
    labels.insert(conv::LABEL_SEVERITY.into(), spec.severity.clone());

    let mut annotations = spec.annotations.clone();
    let mut rules = Vec::new();
    let expr = match (&spec.expr, &spec.certificate_expiry) {
        (Some(expr), None) => expr.clone(),
        (None, Some(cert)) => {
            let cert_rules = CertRules::new(cert);
            labels.insert(
                conv::LABEL_CERTIFICATE.into(),
                template_literal(&cert.certificate),
            );
            annotations.insert(conv::ANNOTATION_SUMMARY.into(), cert_rules.summary());
            annotations.insert(
                conv::ANNOTATION_DESCRIPTION.into(),
                cert_rules.description(),
            );
            rules.push(cert_rules.absent_rule(spec, &labels)?);
            cert_rules.expr()
        }
        _ => return Err("set exactly one of expr and certificate_expiry".into()),
    };
    if let Some(s) = &spec.summary {
        annotations.insert(conv::ANNOTATION_SUMMARY.into(), s.clone());
    }
    if let Some(d) = &spec.description {
        annotations.insert(conv::ANNOTATION_DESCRIPTION.into(), d.clone());
    }
    if let Some(u) = &spec.runbook_url {
        annotations.insert(conv::ANNOTATION_RUNBOOK_URL.into(), template_literal(u));
    }
    super::promql::check(&expr).map_err(|e| format!("generated expression {expr:?}: {e}"))?;
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
            name: conv::alert_group_name(&spec.name),
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
            (conv::METRIC_X509, conv::LABEL_X509_TARGET)
        } else {
            (conv::METRIC_BLACKBOX, conv::LABEL_BLACKBOX_TARGET)
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
            conv::LABEL_X509_TARGET
        } else {
            conv::LABEL_BLACKBOX_TARGET
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
        labels.insert(conv::LABEL_SEVERITY.into(), severity.into());
        let expr = format!("absent({})", self.selector);
        super::promql::check(&expr).map_err(|e| format!("generated expression {expr:?}: {e}"))?;
        let certificate = template_literal(&self.cert.certificate);
        let annotations = BTreeMap::from([
            (
                conv::ANNOTATION_SUMMARY.to_string(),
                format!("No expiry data for certificate {certificate}"),
            ),
            (
                conv::ANNOTATION_DESCRIPTION.to_string(),
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
            alert: conv::cert_absent_alert_name(&spec.name),
            expr,
            for_: Some(ABSENT_FOR.into()),
            labels,
            annotations,
        }))
    }
}

fn is_alert_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= MAX_NAME_LEN && is_label_name(name)
}

fn check_template(errors: &mut Vec<FieldError>, path: &[&str], what: &str, value: &str) {
    if !templates_closed(value) {
        errors.push(FieldError::new(
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
    if super::labels::is_http_url(url) {
        Ok(())
    } else {
        Err(format!(
            "runbook_url {url:?} is not an http(s) URL: set an address starting with \
             https:// or http:// and a host, without spaces, such as \
             \"https://runbooks.example.com/disk-full\""
        ))
    }
}

#[cfg(test)]
#[path = "alert_tests.rs"]
mod tests;
