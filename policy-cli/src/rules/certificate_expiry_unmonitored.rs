use super::{Rule, RuleCtx};
use crate::eval::{EvalBody, Instance};
use crate::value::Value;

declare_rule! {
    /// ## What it does
    /// Checks that every certificate has its expiry watched: an
    /// `aws_cloudwatch_metric_alarm` on `AWS/CertificateManager` `DaysToExpiry` whose
    /// `CertificateArn` dimension refers to it (ACM only), or a `reliability_alert` whose
    /// `certificate_expiry { certificate = ... }` refers to it. The alarm may be anywhere in
    /// the configuration, also in another module (references through module outputs count).
    /// Monitoring is per instance: an alarm on `aws_acm_certificate.x[0]` does not watch
    /// `x[1]`, and an alarm with `for_each = aws_acm_certificate.x` and
    /// `CertificateArn = each.value.arn` watches each certificate of `x` and no other. An
    /// ARN that passes through another resource's attribute set to it
    /// (`aws_acm_certificate_validation.x[0].certificate_arn`) names the certificate.
    ///
    /// Certificates checked:
    /// - AWS: `aws_acm_certificate` (issued or imported) and `aws_iam_server_certificate`;
    /// - Google Cloud: self-managed certificates, which never renew:
    ///   `google_compute_ssl_certificate`, `google_compute_region_ssl_certificate`, and a
    ///   `google_certificate_manager_certificate` with a `self_managed` block. Google-managed
    ///   ones (`google_compute_managed_ssl_certificate`, Certificate Manager `managed`)
    ///   renew themselves and are not checked;
    /// - Azure: an `azurerm_app_service_certificate` uploaded as `pfx_blob` (one read from
    ///   Key Vault through `key_vault_secret_id` is synced by App Service when the Key Vault
    ///   certificate is renewed, so it is not checked), and an `azurerm_key_vault_certificate`
    ///   that Key Vault does not renew: imported (a `certificate` block), issued by an
    ///   external CA (`issuer_parameters { name = "Unknown" }`), or whose `lifetime_action`s
    ///   only e-mail the contacts (`EmailContacts`).
    ///
    /// ## Why is this bad?
    /// Expired certificates cause full outages that no health check predicts. Imported
    /// certificates never renew, and ACM renewal silently fails when DNS validation
    /// records are gone. Nobody notices until clients start failing.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_acm_certificate" "api" {
    ///   domain_name       = "api.example.com"
    ///   validation_method = "DNS"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_cloudwatch_metric_alarm" "api_cert_expiry" {
    ///   alarm_name          = "api-certificate-expiry"
    ///   namespace           = "AWS/CertificateManager"
    ///   metric_name         = "DaysToExpiry"
    ///   dimensions          = { CertificateArn = aws_acm_certificate.api.arn }
    ///   statistic           = "Minimum"
    ///   period              = 86400
    ///   evaluation_periods  = 1
    ///   comparison_operator = "LessThanThreshold"
    ///   threshold           = 30
    ///   treat_missing_data  = "breaching"
    /// }
    /// ```
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/acm/latest/userguide/acm-metrics.html
    /// - https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/compute_ssl_certificate
    /// - https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/compute_managed_ssl_certificate
    /// - https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/certificate_manager_certificate
    /// - https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/app_service_certificate
    /// - https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/key_vault_certificate
    /// - https://learn.microsoft.com/azure/app-service/configure-ssl-certificate#renew-an-expiring-certificate
    pub struct CertificateExpiryUnmonitored {
        id: "RC301",
        name: "certificate-expiry-unmonitored",
        category: CertificateMonitoring,
        severity: Warning,
        types: [
            "aws_acm_certificate",
            "aws_iam_server_certificate",
            "google_compute_ssl_certificate",
            "google_compute_region_ssl_certificate",
            "google_certificate_manager_certificate",
            "azurerm_app_service_certificate",
            "azurerm_key_vault_certificate",
        ],
    }
}

/// Whether an alarm body watches `DaysToExpiry` for the certificate instance `cert`:
/// `Some(true)`, `Some(false)`, or `None` when its dimension cannot be known (it could be
/// any certificate). A dimension naming a sibling instance (`this["b"]`) does not watch
/// `this["a"]`.
fn alarm_watches(body: &EvalBody, cert: Option<&Instance>) -> Option<bool> {
    let metric_ok = |b: &EvalBody| {
        let ns = b.value("namespace");
        let name = b.value("metric_name");
        let ok = |v: Option<&Value>, want: &str| {
            v.is_none_or(|v| v.is_unknown() || v.as_str() == Some(want))
        };
        ok(ns, "AWS/CertificateManager")
            && ok(name, "DaysToExpiry")
            && (ns.is_some() || name.is_some())
    };
    let dims_ok = |b: &EvalBody| -> Option<bool> {
        let dims = b.value("dimensions")?;
        let arn = match dims {
            Value::Map(m) => m.get("CertificateArn")?,
            other => other,
        };
        if cert.is_some_and(|c| arn.refers_to_instance(&c.base, &c.address)) {
            Some(true)
        } else if arn.contains_opaque_unknown() {
            None
        } else {
            Some(false)
        }
    };
    let mut unknown = false;
    let mut bodies = vec![body];
    for q in body.blocks("metric_query") {
        for m in q.body.blocks("metric") {
            bodies.push(&m.body);
        }
    }
    for b in bodies {
        if !metric_ok(b) {
            continue;
        }
        match dims_ok(b) {
            Some(true) => return Some(true),
            None => unknown = true,
            Some(false) => {}
        }
    }
    if unknown {
        None
    } else {
        Some(false)
    }
}

/// Certificates their provider renews: Google-managed Certificate Manager certificates, and
/// App Service certificates synced from Key Vault.
fn renews_itself(inst: &Instance) -> bool {
    match inst.rtype.as_str() {
        "google_certificate_manager_certificate" => inst.body.block("self_managed").is_none(),
        "azurerm_app_service_certificate" => inst.body.value("key_vault_secret_id").is_some(),
        "azurerm_key_vault_certificate" => key_vault_renews(inst),
        _ => false,
    }
}

/// A Key Vault certificate renews itself unless it was imported (`certificate` block), is
/// issued by an external CA Key Vault does not talk to (issuer `Unknown`), or its
/// lifetime actions only e-mail the contacts. Unknown values count as renewing.
fn key_vault_renews(inst: &Instance) -> bool {
    if inst.body.block("certificate").is_some() {
        return false;
    }
    let Some(policy) = inst.body.block("certificate_policy") else {
        return true;
    };
    let issuer = policy
        .body
        .block("issuer_parameters")
        .and_then(|b| b.body.value("name"))
        .and_then(|v| v.as_str());
    if issuer.is_some_and(|i| i.eq_ignore_ascii_case("Unknown")) {
        return false;
    }
    let actions: Vec<Option<&str>> = policy
        .body
        .blocks("lifetime_action")
        .map(|la| {
            la.body
                .block("action")
                .and_then(|a| a.body.value("action_type"))
                .and_then(|v| v.as_str())
        })
        .collect();
    actions.is_empty() || !actions.iter().all(|a| *a == Some("EmailContacts"))
}

impl Rule for CertificateExpiryUnmonitored {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        if renews_itself(inst) {
            return;
        }
        for alarm in cx.graph.referrers_of(inst, "aws_cloudwatch_metric_alarm") {
            if alarm_watches(&alarm.body, Some(inst)) == Some(true) {
                return;
            }
        }
        for alert in cx.graph.referrers_of(inst, "reliability_alert") {
            if alert.body.blocks("certificate_expiry").any(|b| {
                b.body
                    .value("certificate")
                    .is_some_and(|c| c.refers_to_instance(&inst.base, &inst.address))
            }) {
                return;
            }
        }
        // An alarm or alert whose certificate cannot be known might watch this one.
        let opaque = cx.fact("certificate-expiry-unmonitored/opaque-watcher", |g| {
            g.of_type("aws_cloudwatch_metric_alarm")
                .iter()
                .any(|a| alarm_watches(&a.body, None).is_none())
                || g.of_type("reliability_alert").iter().any(|a| {
                    a.body.blocks("certificate_expiry").any(|b| {
                        b.body
                            .value("certificate")
                            .is_some_and(|c| c.contains_opaque_unknown())
                    })
                })
        });
        if opaque {
            return;
        }
        let alert = "a `reliability_alert` with `certificate_expiry { certificate = <this certificate>.id }`";
        let help = match inst.rtype.as_str() {
            "aws_acm_certificate" => "add an `aws_cloudwatch_metric_alarm` on `AWS/CertificateManager` `DaysToExpiry` with `dimensions = { CertificateArn = <this certificate>.arn }`, or a `reliability_alert` with `certificate_expiry { certificate = <this certificate>.arn }`".to_string(),
            "aws_iam_server_certificate" => "add a `reliability_alert` with `certificate_expiry { certificate = <this certificate>.arn }` (CloudWatch has no expiry metric for IAM server certificates)".to_string(),
            "azurerm_app_service_certificate" => format!("add {alert}, or keep the certificate in Key Vault with auto-renewal and read it through `key_vault_secret_id`"),
            "azurerm_key_vault_certificate" => format!("add {alert}, or let Key Vault issue it with a `lifetime_action` whose `action_type = \"AutoRenew\"`"),
            "google_certificate_manager_certificate" => format!("add {alert}, or use a Google-managed certificate (a `managed` block) that renews itself"),
            _ => format!("add {alert}, or use a `google_compute_managed_ssl_certificate` (or Certificate Manager) that renews itself"),
        };
        cx.report(
            self,
            inst,
            None,
            if inst.rtype == "aws_acm_certificate" {
                format!("certificate `{}` has no expiry monitoring: no DaysToExpiry alarm or reliability_alert refers to it", inst.address)
            } else {
                format!("certificate `{}` has no expiry monitoring and does not renew itself: no reliability_alert `certificate_expiry` refers to it", inst.address)
            },
            help,
        );
    }
}
