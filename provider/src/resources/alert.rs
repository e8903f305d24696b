//! `reliability_alert`: one Prometheus alerting rule (a PromQL expression, or a certificate
//! expiry watch), one rule file per alert.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use tf_provider::schema::{
    AttributeConstraint, AttributeType, Block, Description, NestedBlock, Schema,
};
use tf_provider::value::{Value, ValueList, ValueMap, ValueString};
use tf_provider::{AttributePath, Diagnostics};

use super::common::{
    self, attr, field_errors, known_map as m, known_string as s, named, report, FieldErr, Num,
    Unknown,
};
use super::file_resource::FileBacked;
use crate::rules::alert::{self as gen, AlertSpec, CertificateExpiry};
use crate::rules::model::render_yaml;
use crate::settings::Settings;

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
                ("rule_file", attr(String, Computed, "Absolute path of the rule file written.")),
                ("content_sha256", attr(String, Computed, "SHA-256 of the rule file; a change means the file on disk drifted from the configuration.")),
            ]),
            blocks: named(vec![("certificate_expiry", NestedBlock::Optional(cert))]),
            ..Default::default()
        },
    }
}

/// `alert_<name>.yml`.
pub fn file_name(name: &str) -> String {
    format!("alert_{name}.yml")
}

/// The generator's model, `Ok(None)` while any input is unknown.
fn spec_of(st: &AlertState<'_>) -> Result<Option<AlertSpec>, Vec<FieldErr>> {
    let conv = || -> Result<AlertSpec, Unknown> {
        let cert = match &st.certificate_expiry {
            Value::Value(items) => match items.first() {
                Some(b) => Some(CertificateExpiry {
                    certificate: s(&b.certificate)?.unwrap_or_default(),
                    target: s(&b.target)?.unwrap_or_default(),
                    days_before: match &b.days_before {
                        Value::Value(n) => n.f64(),
                        Value::Null => DEFAULT_DAYS_BEFORE,
                        Value::Unknown => return Err(Unknown),
                    },
                    source: s(&b.source)?.unwrap_or_else(|| DEFAULT_SOURCE.to_string()),
                }),
                None => None,
            },
            Value::Null => None,
            Value::Unknown => return Err(Unknown),
        };
        Ok(AlertSpec {
            name: s(&st.name)?.unwrap_or_default(),
            expr: s(&st.expr)?,
            certificate_expiry: cert,
            for_: s(&st.for_)?,
            severity: s(&st.severity)?.unwrap_or_default(),
            summary: s(&st.summary)?,
            description: s(&st.description)?,
            runbook_url: s(&st.runbook_url)?,
            labels: m(&st.labels)?,
            annotations: m(&st.annotations)?,
        })
    };
    match conv() {
        Err(Unknown) => Ok(None),
        Ok(spec) => {
            let errs = field_errors(gen::validate(&spec), LIST_BLOCKS);
            if errs.is_empty() {
                Ok(Some(spec))
            } else {
                Err(errs)
            }
        }
    }
}

fn render(st: &AlertState<'_>, spec: &AlertSpec) -> Result<String, String> {
    let file = gen::generate(spec)?;
    let mut config = st.clone();
    config.id = Value::Null;
    config.rule_file = Value::Null;
    config.content_sha256 = Value::Null;
    Ok(render_yaml(
        &file,
        &common::header(TYPE_NAME, &spec.name, &common::config_json(&config)?),
    ))
}

fn compute<'a>(
    diags: &mut Diagnostics,
    mut st: AlertState<'a>,
    settings: &Settings,
) -> AlertState<'a> {
    st.id = st.name.clone();
    st.rule_file = match &st.name {
        Value::Value(n) => Value::Value(Cow::Owned(
            settings
                .rules_dir
                .join(file_name(n))
                .to_string_lossy()
                .into_owned(),
        )),
        _ => Value::Unknown,
    };
    st.content_sha256 = match spec_of(&st) {
        Ok(Some(spec)) => match render(&st, &spec) {
            Ok(c) => Value::Value(Cow::Owned(common::sha256_hex(&c))),
            Err(e) => {
                diags.root_error("Cannot generate alert rule", e);
                Value::Unknown
            }
        },
        Ok(None) => Value::Unknown,
        Err(errs) => {
            report(diags, errs);
            Value::Unknown
        }
    };
    st
}

fn apply<'a>(
    diags: &mut Diagnostics,
    settings: &Settings,
    planned: AlertState<'a>,
    creating: bool,
) -> Option<AlertState<'a>> {
    let mut st = compute(diags, planned, settings);
    let spec = common::spec_at_apply(diags, TYPE_NAME, spec_of(&st))?;
    let content = match render(&st, &spec) {
        Ok(c) => c,
        Err(e) => {
            diags.root_error("Cannot generate alert rule", e);
            return None;
        }
    };
    let name = file_name(&spec.name);
    if creating {
        super::claim_new_file(diags, settings, &name, &content, TYPE_NAME, &spec.name)?;
    }
    let written = common::write_and_reload(diags, settings, &name, &content)?;
    st.rule_file = Value::Value(Cow::Owned(written));
    st.content_sha256 = Value::Value(Cow::Owned(common::sha256_hex(&content)));
    Some(st)
}

impl FileBacked for Alert {
    const WHAT: &'static str = "alert";
    type State<'a> = AlertState<'a>;

    fn schema() -> Schema {
        schema()
    }

    fn validate(diags: &mut Diagnostics, config: &AlertState<'_>) {
        if let Err(errs) = spec_of(config) {
            report(diags, errs);
        }
    }

    fn compute<'a>(
        diags: &mut Diagnostics,
        state: Self::State<'a>,
        settings: &Settings,
    ) -> Self::State<'a> {
        compute(diags, state, settings)
    }

    fn apply<'a>(
        diags: &mut Diagnostics,
        settings: &Settings,
        planned: Self::State<'a>,
        creating: bool,
    ) -> Option<Self::State<'a>> {
        apply(diags, settings, planned, creating)
    }

    fn replace_paths(prior: &AlertState<'_>, proposed: &AlertState<'_>) -> Vec<AttributePath> {
        if proposed.name != prior.name {
            vec![AttributePath::new("name")]
        } else {
            vec![]
        }
    }

    fn hash_mut<'s, 'a>(state: &'s mut Self::State<'a>) -> &'s mut ValueString<'a> {
        &mut state.content_sha256
    }

    fn files(state: &AlertState<'_>) -> Vec<String> {
        state
            .rule_file
            .as_ref_option()
            .map(|p| p.to_string())
            .into_iter()
            .collect()
    }

    fn import_file_name(_settings: &Settings, id: &str) -> Result<String, String> {
        Ok(file_name(id))
    }
}
