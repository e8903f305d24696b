//! The `reliability` provider: its configuration block and its resources.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::{
    Attribute, AttributeConstraint, AttributeType, Block, Description, NestedBlock, Schema,
};
use tf_provider::value::{Value, ValueBool, ValueEmpty, ValueList, ValueString};
use tf_provider::{AttributePath, Diagnostics, DynamicResource, Provider};

use crate::backend::{self, Backend, Problem};
use crate::ruler_block::{self, RulerBlock};
use crate::settings::{self, Settings};

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

/// What every resource shares with the provider once `configure` ran: the settings and the
/// backend they chose.
#[derive(Default)]
pub struct Context {
    configured: RwLock<Option<(Settings, Arc<dyn Backend>)>>,
    alertmanager: RwLock<Option<Arc<dyn Backend>>>,
    /// The ids planned in this process ([`crate::resources::identity`]).
    pub identities: crate::resources::identity::Identities,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("settings", &self.get().map(|(s, _)| s))
            .finish()
    }
}

impl Context {
    fn get(&self) -> Option<(Settings, Arc<dyn Backend>)> {
        let guard = match self.configured.read() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        guard.clone()
    }

    fn configured(&self, diags: &mut Diagnostics) -> Option<(Settings, Arc<dyn Backend>)> {
        let got = self.get();
        if got.is_none() {
            diags.root_error(
                "Provider not configured",
                "the reliability provider was used before Terraform configured it; this is a bug \
                 in the provider, please report it with the command you ran",
            );
        }
        got
    }

    /// The configured settings, or an error diagnostic when the provider is not configured.
    pub fn settings(&self, diags: &mut Diagnostics) -> Option<Settings> {
        self.configured(diags).map(|(s, _)| s)
    }

    /// The configured backend, or an error diagnostic when the provider is not configured.
    pub fn backend(&self, diags: &mut Diagnostics) -> Option<Arc<dyn Backend>> {
        self.configured(diags).map(|(_, b)| b)
    }

    /// The backend of the `alertmanager` block, or an error diagnostic naming the block
    /// when the provider configuration has none.
    pub fn alertmanager(&self, diags: &mut Diagnostics) -> Option<Arc<dyn Backend>> {
        self.configured(diags)?;
        let guard = match self.alertmanager.read() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        let got = guard.clone();
        if got.is_none() {
            diags.root_error(
                "No Alertmanager configured",
                "reliability_notification_policy writes an Alertmanager configuration, but the \
                 provider \"reliability\" block has no alertmanager block: add \
                 `alertmanager { config_file = \"/etc/alertmanager/alertmanager.yml\" }` (and \
                 optionally `url = \"http://127.0.0.1:9093\"` to reload it) to the provider \
                 block this resource uses",
            );
        }
        got
    }

    fn alertmanager_if_set(&self) -> Option<Arc<dyn Backend>> {
        match self.alertmanager.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Configures the context: the backend follows from the settings ([`backend::open`]).
    pub fn set(&self, settings: Settings) -> Result<Arc<dyn Backend>, Problem> {
        let backend = backend::open(&settings)?;
        let alertmanager = backend::open_alertmanager(&settings)?;
        *match self.alertmanager.write() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        } = alertmanager;
        let mut guard = match self.configured.write() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        *guard = Some((settings, backend.clone()));
        Ok(backend)
    }
}

/// The provider itself.
#[derive(Debug, Default, Clone)]
pub struct ReliabilityProvider {
    pub context: Arc<Context>,
}

/// The provider block's schema.
pub fn config_schema() -> Schema {
    let attributes = HashMap::from([
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

#[async_trait]
impl Provider for ReliabilityProvider {
    type Config<'a> = ProviderConfig<'a>;
    type MetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(config_schema())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::Config<'a>) -> Option<()> {
        validate_config(diags, &config);
        Some(())
    }

    async fn configure<'a>(
        &self,
        diags: &mut Diagnostics,
        _terraform_version: String,
        config: Self::Config<'a>,
    ) -> Option<()> {
        validate_config(diags, &config);
        if !diags.errors.is_empty() {
            return None;
        }
        if config.rules_dir.is_unknown()
            || config.prometheus_url.is_unknown()
            || config.render_only.is_unknown()
            || config.ruler.is_unknown()
        {
            diags.root_error(
                "Provider configuration depends on unknown values",
                "rules_dir, prometheus_url and render_only must be known at plan time: use \
                 literals, variables or locals rather than attributes of resources that are \
                 not created yet",
            );
            return None;
        }
        let ruler = match &config.ruler {
            Value::Value(blocks) => blocks.first(),
            _ => None,
        };
        if ruler.is_some_and(RulerBlock::has_unknown) {
            diags.root_error(
                "Provider configuration depends on unknown values",
                "the ruler block's attributes must be known at plan time: use literals, \
                 variables or locals rather than attributes of resources that are not \
                 created yet",
            );
            return None;
        }
        let alertmanager = match &config.alertmanager {
            Value::Value(blocks) => blocks.first(),
            _ => None,
        };
        if config.alertmanager.is_unknown()
            || alertmanager.is_some_and(|b| {
                b.config_file.is_unknown() || b.url.is_unknown() || b.mimir.is_unknown()
            })
        {
            diags.root_error(
                "Provider configuration depends on unknown values",
                "the alertmanager block's config_file, url and mimir must be known at plan time: use \
                 literals, variables or locals rather than attributes of resources that are \
                 not created yet",
            );
            return None;
        }
        let cwd = match std::env::current_dir() {
            Ok(cwd) => cwd,
            Err(e) => {
                diags.root_error(
                    "Cannot resolve relative paths",
                    format!("the provider could not read Terraform's working directory: {e}"),
                );
                return None;
            }
        };
        let alertmanager = alertmanager.and_then(|b| {
            if b.mimir == Value::Value(true) {
                return Some(settings::AlertmanagerTarget::Mimir);
            }
            b.config_file.as_ref_option().map(|f| {
                settings::AlertmanagerTarget::File(settings::AlertmanagerSettings::resolve(
                    f,
                    b.url.as_ref_option().map(|u| u.as_ref()),
                    &cwd,
                ))
            })
        });
        let s = if let Some(block) = ruler {
            match block.config(&|k| std::env::var(k).ok()) {
                Ok(config) => Settings::ruler(config),
                Err(msg) => {
                    diags.error(
                        "Invalid ruler configuration",
                        msg,
                        AttributePath::new("ruler"),
                    );
                    return None;
                }
            }
        } else if config.render_only == Value::Value(true) {
            Settings::render_only()
        } else {
            Settings::resolve(
                config.rules_dir.as_ref_option().map(|s| s.as_ref()),
                config.prometheus_url.as_ref_option().map(|s| s.as_ref()),
                &cwd,
            )
        };
        let s = s.with_alertmanager(alertmanager);
        let backend = match self.context.set(s) {
            Ok(b) => b,
            Err(p) => {
                diags.root_error(p.summary, p.detail);
                return None;
            }
        };
        if let Err(p) = backend.reload_pending() {
            diags.root_warning(p.summary, p.detail);
        }
        if let Some(am) = self.context.alertmanager_if_set() {
            if let Err(p) = am.reload_pending() {
                diags.root_warning(p.summary, p.detail);
            }
        }
        Some(())
    }

    fn get_resources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicResource>>> {
        Some(crate::resources::all(&self.context))
    }

    fn get_data_sources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn tf_provider::DynamicDataSource>>> {
        Some(crate::data_sources::all(&self.context))
    }
}
