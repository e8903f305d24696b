//! `reliability_alert`: one Prometheus alerting rule (a PromQL expression, or a certificate
//! expiry watch), one rule file per alert.

use serde::{Deserialize, Serialize};
use tf_provider::schema::{
    AttributeConstraint, AttributeType, Block, Description, NestedBlock, Schema,
};
use tf_provider::value::{Value, ValueList, ValueMap, ValueString};
use tf_provider::AttributePath;

use super::diagnostics::{field_errors, FieldErr};
use super::header;
use super::num::Num;
use super::rule_resource::{Outputs, RuleBacked};
use super::schema::{attr, known_map, known_string, named, replaced_when_renamed, Unknown};
use super::slo::RULES_YAML_DOC;
use crate::rules::alert::{self as alert_rules, AlertSpec, CertificateExpiry};
use crate::rules::conventions as conv;
use crate::rules::model::render_yaml;

/// Terraform type name.
pub const TYPE_NAME: &str = "reliability_alert";
/// Default days before expiry for certificate alerts.
pub const DEFAULT_DAYS_BEFORE: f64 = 21.0;
/// Default metric source for certificate alerts.
pub const DEFAULT_SOURCE: &str = "blackbox";
const LIST_BLOCKS: &[&str] = &["certificate_expiry"];

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct CertificateExpiryBlock<'a> {
    #[serde(borrow = "'a")]
    pub certificate: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub target: ValueString<'a>,
    pub days_before: Value<Num>,
    #[serde(borrow = "'a")]
    pub source: ValueString<'a>,
}

/// The resource's state, attribute for attribute.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertState<'a> {
    #[serde(borrow = "'a")]
    pub id: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub name: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub expr: ValueString<'a>,
    #[serde(borrow = "'a", rename = "for")]
    pub for_: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub severity: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub summary: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub description: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub runbook_url: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub labels: ValueMap<'a, ValueString<'a>>,
    #[serde(borrow = "'a")]
    pub annotations: ValueMap<'a, ValueString<'a>>,
    #[serde(borrow = "'a")]
    pub certificate_expiry: ValueList<CertificateExpiryBlock<'a>>,
    #[serde(borrow = "'a")]
    pub rule_file: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub content_sha256: ValueString<'a>,
    #[serde(borrow = "'a", default)]
    pub rules_yaml: ValueString<'a>,
}

/// The `reliability_alert` resource.
pub struct Alert;

/// The resource schema.
pub fn schema() -> Schema {
    use AttributeConstraint::{Computed, Optional, Required};
    use AttributeType::{Number, String};
    let map = || AttributeType::Map(Box::new(String));
    let cert = Block {
        description: Description::markdown(
            "Alert when a certificate expires soon, instead of `expr`. Also counts as the \
             certificate's expiry monitoring for relcheck's `certificate-monitoring` rules.",
        ),
        attributes: named(vec![
            ("certificate", attr(String, Required, "What is watched: ideally a reference such as `aws_acm_certificate.api.arn`, or any identity string. Becomes the `certificate` label.")),
            ("target", attr(String, Required, "The probed endpoint (`instance` of blackbox_exporter's probe, e.g. `api.example.com:443`), or the certificate's subject common name for `x509`.")),
            ("days_before", attr(Number, Optional, "Alert this many days before expiry. Default `21`.")),
            ("source", attr(String, Optional, "`blackbox` (`probe_ssl_earliest_cert_expiry`) or `x509` (x509-certificate-exporter's `x509_cert_not_after`). Default `blackbox`.")),
        ]),
        ..Default::default()
    };
    Schema {
        version: 1,
        block: Block {
            description: Description::markdown(
                "A Prometheus alerting rule, written to its own rule file in the provider's `rules_dir`.",
            ),
            attributes: named(vec![
                ("id", attr(String, Computed, "The alert name; also the import ID.")),
                ("name", attr(String, Required, "The alert name (`alertname`): letters, digits and `_`, not starting with a digit. Changing it replaces the alert.")),
                ("expr", attr(String, Optional, "PromQL expression; the alert fires for every series it returns. Exactly one of `expr` and `certificate_expiry`.")),
                ("for", attr(String, Optional, "How long the expression must hold before the alert fires, a Prometheus duration such as `10m`.")),
                ("severity", attr(String, Required, "`page`, `ticket` or `info`; set as the `severity` label.")),
                ("summary", attr(String, Optional, "The `summary` annotation (a Prometheus template).")),
                ("description", attr(String, Optional, "The `description` annotation (a Prometheus template).")),
                ("runbook_url", attr(String, Optional, "The `runbook_url` annotation; an http(s) URL.")),
                ("labels", attr(map(), Optional, "Extra labels on the alert.")),
                ("annotations", attr(map(), Optional, "Extra annotations on the alert.")),
                ("rule_file", attr(String, Computed, "Absolute path of the rule file written; null with `render_only`.")),
                ("rules_yaml", attr(String, Computed, RULES_YAML_DOC)),
                ("content_sha256", attr(String, Computed, "SHA-256 of the rule file; a change means the stored rules drifted from the configuration.")),
            ]),
            blocks: named(vec![("certificate_expiry", NestedBlock::Optional(cert))]),
            ..Default::default()
        },
    }
}

/// `alert_<name>.yml`.
pub fn file_name(name: &str) -> String {
    conv::alert_file_name(name)
}

/// The generator's model, `Ok(None)` while any input is unknown.
fn spec_of(st: &AlertState<'_>) -> Result<Option<AlertSpec>, Vec<FieldErr>> {
    let conv = || -> Result<AlertSpec, Unknown> {
        let cert = match &st.certificate_expiry {
            Value::Value(items) => match items.first() {
                Some(b) => Some(CertificateExpiry {
                    certificate: known_string(&b.certificate)?.unwrap_or_default(),
                    target: known_string(&b.target)?.unwrap_or_default(),
                    days_before: match &b.days_before {
                        Value::Value(n) => n.f64(),
                        Value::Null => DEFAULT_DAYS_BEFORE,
                        Value::Unknown => return Err(Unknown),
                    },
                    source: known_string(&b.source)?.unwrap_or_else(|| DEFAULT_SOURCE.to_string()),
                }),
                None => None,
            },
            Value::Null => None,
            Value::Unknown => return Err(Unknown),
        };
        Ok(AlertSpec {
            name: known_string(&st.name)?.unwrap_or_default(),
            expr: known_string(&st.expr)?,
            certificate_expiry: cert,
            for_: known_string(&st.for_)?,
            severity: known_string(&st.severity)?.unwrap_or_default(),
            summary: known_string(&st.summary)?,
            description: known_string(&st.description)?,
            runbook_url: known_string(&st.runbook_url)?,
            labels: known_map(&st.labels)?,
            annotations: known_map(&st.annotations)?,
        })
    };
    match conv() {
        Err(Unknown) => Ok(None),
        Ok(spec) => {
            let errs = field_errors(alert_rules::validate(&spec), LIST_BLOCKS);
            if errs.is_empty() {
                Ok(Some(spec))
            } else {
                Err(errs)
            }
        }
    }
}

fn render(st: &AlertState<'_>, spec: &AlertSpec) -> Result<String, String> {
    let file = alert_rules::generate(spec)?;
    let mut config = st.clone();
    config.id = Value::Null;
    config.rule_file = Value::Null;
    config.content_sha256 = Value::Null;
    config.rules_yaml = Value::Null;
    let json = header::config_json_without(&config, &["rules_yaml"])?;
    Ok(render_yaml(
        &file,
        &header::header(TYPE_NAME, &spec.name, &json),
    ))
}

impl RuleBacked for Alert {
    const TYPE_NAME: &'static str = TYPE_NAME;
    const WHAT: &'static str = "alert";
    const ID_HINT: &'static str =
        "the id is the alert name (in a rules directory its file is `alert_<name>.yml`; \
         on a ruler, its group `reliability-alert-<name>`)";
    type State<'a> = AlertState<'a>;
    type Spec = AlertSpec;

    fn schema() -> Schema {
        schema()
    }

    fn fill(st: &mut AlertState<'_>) {
        st.id = st.name.clone();
    }

    fn spec(st: &AlertState<'_>) -> Result<Option<AlertSpec>, Vec<FieldErr>> {
        spec_of(st)
    }

    fn doc_names(st: &AlertState<'_>) -> Option<Vec<String>> {
        st.name.as_ref_option().map(|n| vec![file_name(n)])
    }

    fn render(st: &AlertState<'_>, spec: &AlertSpec) -> Result<Vec<String>, String> {
        render(st, spec).map(|c| vec![c])
    }

    fn outputs<'s, 'a: 's>(st: &'s mut AlertState<'a>) -> Outputs<'s, 'a> {
        Outputs {
            id: &mut st.id,
            hash: &mut st.content_sha256,
            docs: vec![(&mut st.rule_file, &mut st.rules_yaml)],
        }
    }

    fn replace_paths(prior: &AlertState<'_>, proposed: &AlertState<'_>) -> Vec<AttributePath> {
        replaced_when_renamed(&prior.name, &proposed.name)
    }

    fn is_rule_doc_of(name: &str, id: &str) -> bool {
        name == file_name(id)
    }
}
