//! The provider block: its schema (`rules_dir`, `prometheus_url`, `render_only`, the `ruler`
//! and `alertmanager` blocks), its state type and its validation. Pure: `provider.rs` turns
//! a valid block into settings and a backend.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use tf_provider::schema::{
    Attribute, AttributeConstraint, AttributeType, Block, Description, NestedBlock, Schema,
};
use tf_provider::value::{Value, ValueBool, ValueList, ValueString};
use tf_provider::{AttributePath, Diagnostics};

use crate::ruler_block::{self, RulerBlock};
use crate::settings;

/// The provider block as Terraform sends it.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct ProviderConfig<'a> {
    #[serde(borrow = "'a")]
    pub rules_dir: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub prometheus_url: ValueString<'a>,
    pub render_only: ValueBool,
    #[serde(borrow = "'a")]
    pub ruler: ValueList<RulerBlock<'a>>,
    #[serde(borrow = "'a", default)]
    pub alertmanager: ValueList<AlertmanagerBlock<'a>>,
    #[serde(borrow = "'a", default)]
    pub grafana_dashboards_dir: ValueString<'a>,
}

/// The provider's `alertmanager { … }` block as Terraform sends it.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct AlertmanagerBlock<'a> {
    #[serde(borrow = "'a")]
    pub config_file: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub url: ValueString<'a>,
    #[serde(default)]
    pub mimir: ValueBool,
}

/// The `alertmanager` block's schema.
fn alertmanager_schema() -> Block {
    let attr = |doc: &str, constraint| Attribute {
        attr_type: AttributeType::String,
        description: Description::markdown(doc),
        constraint,
        ..Default::default()
    };
    Block {
        description: Description::markdown(
            "The Alertmanager configuration file a `reliability_notification_policy` owns \
             (one policy per file). Independent of where the rules go: combine it with \
             `rules_dir`, a `ruler` block or `render_only`.",
        ),
        attributes: HashMap::from([
            (
                "config_file".to_string(),
                attr(
                    "Path of the file Alertmanager loads (`--config.file`); relative paths are \
                     resolved against Terraform's working directory. Written atomically; a \
                     create refuses a file that exists with other content. Exactly one of \
                     `config_file` and `mimir = true`.",
                    AttributeConstraint::Optional,
                ),
            ),
            (
                "url".to_string(),
                attr(
                    "Base URL of that Alertmanager (e.g. `http://127.0.0.1:9093`). When set, \
                     the provider POSTs `/-/reload` after each change and a rejected reload \
                     fails the apply (the file stays written, and every later run retries the \
                     reload until it succeeds). Removing the policy does not reload: \
                     Alertmanager keeps its last configuration.",
                    AttributeConstraint::Optional,
                ),
            ),
            (
                "mimir".to_string(),
                Attribute {
                    attr_type: AttributeType::Bool,
                    description: Description::markdown(
                        "When `true`, the policy goes to the Alertmanager of the `ruler` \
                         block's Mimir tenant instead of a file: `POST /api/v1/alerts` under \
                         the ruler's `url`, with its tenant (`X-Scope-OrgID`) and credentials. \
                         Needs a `ruler` block; excludes `config_file` and `url`. Default \
                         `false`.",
                    ),
                    constraint: AttributeConstraint::Optional,
                    ..Default::default()
                },
            ),
        ]),
        ..Default::default()
    }
}

/// The provider block's schema.
pub fn config_schema() -> Schema {
    let attributes = HashMap::from([
        (
            "grafana_dashboards_dir".to_string(),
            Attribute {
                attr_type: AttributeType::String,
                description: Description::markdown(
                    "Directory Grafana's file provisioning loads dashboards from (the `path` \
                     of a `type: file` dashboard provider). Each `reliability_slo` with \
                     `dashboard = true` writes its dashboard there as \
                     `slo_<service>@<name>.json`, atomically; a file changed by hand is drift \
                     that the next plan shows and the next apply repairs. Relative paths are \
                     resolved against Terraform's working directory. Without it, the \
                     dashboard is in the SLO's `dashboard_json`, for the Grafana provider's \
                     `grafana_dashboard`.",
                ),
                constraint: AttributeConstraint::Optional,
                ..Default::default()
            },
        ),
        (
            "rules_dir".to_string(),
            Attribute {
                attr_type: AttributeType::String,
                description: Description::markdown(format!(
                    "Directory that receives one Prometheus rule file per resource. Relative \
                     paths are resolved against Terraform's working directory. Point \
                     Prometheus' `rule_files` at `<rules_dir>/*.yml`. Default: `{}`.",
                    settings::DEFAULT_RULES_DIR
                )),
                constraint: AttributeConstraint::Optional,
                ..Default::default()
            },
        ),
        (
            "prometheus_url".to_string(),
            Attribute {
                attr_type: AttributeType::String,
                description: Description::markdown(
                    "Base URL of a Prometheus started with `--web.enable-lifecycle` (e.g. \
                     `http://127.0.0.1:9090`). When set, the provider POSTs `/-/reload` after \
                     changes, and every rule is loaded when `terraform apply` returns. Each \
                     reload re-reads all rule files, so reloads are batched: while the \
                     reloads of one run have taken under 2 s in total (the usual small \
                     apply), each change waits for its reload and a rejected reload fails \
                     the apply; past that, changes share one reload once writes pause and a \
                     last one when Terraform closes the provider. A reload that could not be \
                     done before the provider exited is retried by the next run, which warns \
                     while it keeps failing. When unset, files are written and Prometheus \
                     picks them up on its next reload.",
                ),
                constraint: AttributeConstraint::Optional,
                ..Default::default()
            },
        ),
        (
            "render_only".to_string(),
            Attribute {
                attr_type: AttributeType::Bool,
                description: Description::markdown(
                    "When `true`, nothing is written anywhere: every resource only computes \
                     its `rules_yaml` (and a backup plan its `plan_json`) for another \
                     provider to ship — a `kubernetes_manifest` PrometheusRule, a ConfigMap, \
                     a file committed to a GitOps repository. Excludes `rules_dir` and \
                     `prometheus_url`. Default `false`.",
                ),
                constraint: AttributeConstraint::Optional,
                ..Default::default()
            },
        ),
    ]);
    Schema {
        version: 1,
        block: Block {
            description: Description::markdown(
                "Reliability as code: SLOs, alerts and backup plans materialised as Prometheus \
                 rules. The rules go to exactly one destination: `rules_dir` (the default, \
                 optionally with `prometheus_url`), a Mimir/Cortex ruler with a `ruler` \
                 block, or nowhere with `render_only = true`. Independently, an \
                 `alertmanager` block names the Alertmanager configuration a \
                 `reliability_notification_policy` owns.",
            ),
            attributes,
            blocks: HashMap::from([
                (
                    "ruler".to_string(),
                    NestedBlock::Optional(ruler_block::schema()),
                ),
                (
                    "alertmanager".to_string(),
                    NestedBlock::Optional(alertmanager_schema()),
                ),
            ]),
            ..Default::default()
        },
    }
}

/// Adds an attribute error for each invalid, known provider attribute.
pub fn validate_config(diags: &mut Diagnostics, config: &ProviderConfig<'_>) {
    if let ValueString::Value(dir) = &config.grafana_dashboards_dir {
        if let Err(msg) = settings::validate_dashboards_dir(dir) {
            diags.error(
                "Invalid grafana_dashboards_dir",
                msg,
                AttributePath::new("grafana_dashboards_dir"),
            );
        }
    }
    if let ValueString::Value(dir) = &config.rules_dir {
        if let Err(msg) = settings::validate_rules_dir(dir) {
            diags.error("Invalid rules_dir", msg, AttributePath::new("rules_dir"));
        }
    }
    if let ValueString::Value(url) = &config.prometheus_url {
        if let Err(msg) = settings::validate_prometheus_url(url) {
            diags.error(
                "Invalid prometheus_url",
                msg,
                AttributePath::new("prometheus_url"),
            );
        }
    }
    if let Value::Value(blocks) = &config.alertmanager {
        for b in blocks.iter() {
            let at = || AttributePath::new("alertmanager").index(0);
            if let ValueString::Value(f) = &b.config_file {
                if let Err(msg) = settings::validate_alertmanager_config_file(f) {
                    diags.error(
                        "Invalid alertmanager config_file",
                        msg,
                        at().attribute("config_file"),
                    );
                }
            }
            if let ValueString::Value(u) = &b.url {
                if let Err(msg) = settings::validate_alertmanager_url(u) {
                    diags.error("Invalid alertmanager url", msg, at().attribute("url"));
                }
            }
            let mimir = !matches!(b.mimir, Value::Null | Value::Value(false));
            let has_ruler = !matches!(&config.ruler, Value::Null)
                && !matches!(&config.ruler, Value::Value(v) if v.is_empty());
            let problem = match (mimir, b.config_file.is_null()) {
                (true, false) => Some((
                    "config_file",
                    "alertmanager config_file and mimir = true are both set: the policy goes \
                     either to a file or to the Mimir tenant's Alertmanager; keep one",
                )),
                (false, true) => Some((
                    "config_file",
                    "the alertmanager block needs config_file (the file Alertmanager loads, \
                     e.g. \"/etc/alertmanager/alertmanager.yml\") or mimir = true (with a ruler \
                     block)",
                )),
                (true, true) if !b.url.is_null() => Some((
                    "url",
                    "alertmanager url reloads the Alertmanager that loads config_file; with \
                     mimir = true Mimir loads the configuration itself: remove url",
                )),
                (true, true) if !has_ruler => Some((
                    "mimir",
                    "alertmanager mimir = true sends the policy to the Alertmanager of the \
                     ruler block's Mimir tenant, but there is no ruler block: add one (url, \
                     tenant), or set config_file instead",
                )),
                _ => None,
            };
            if let Some((attr, msg)) = problem {
                diags.error("Invalid alertmanager block", msg, at().attribute(attr));
            }
        }
    }
    let mut set = Vec::new();
    if !config.rules_dir.is_null() {
        set.push("rules_dir");
    }
    if !matches!(config.render_only, Value::Null | Value::Value(false)) {
        set.push("render_only");
        if !config.prometheus_url.is_null() {
            diags.error(
                "Conflicting provider configuration",
                "prometheus_url is set with render_only = true: prometheus_url reloads the \
                 Prometheus that loads rules_dir, and render_only writes nothing to reload. \
                 Remove prometheus_url (set it on the reliability_error_budget data source \
                 instead), or remove render_only",
                AttributePath::new("prometheus_url"),
            );
        }
    }
    let ruler_set = match &config.ruler {
        Value::Value(blocks) => !blocks.is_empty(),
        Value::Unknown => true,
        Value::Null => false,
    };
    if ruler_set {
        set.push("ruler");
        if !config.prometheus_url.is_null() {
            diags.error(
                "Conflicting provider configuration",
                "prometheus_url is set with a ruler block: prometheus_url reloads the \
                 Prometheus that loads rules_dir, and a ruler loads its groups itself. \
                 Remove prometheus_url (set it on the reliability_error_budget data source \
                 instead), or remove the ruler block",
                AttributePath::new("prometheus_url"),
            );
        }
    }
    if let Err(msg) = settings::one_destination(&set) {
        diags.error(
            "Conflicting provider configuration",
            msg,
            AttributePath::new(set[set.len() - 1]),
        );
    }
}
