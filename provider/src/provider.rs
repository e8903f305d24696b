//! The `reliability` provider: its configuration block and its resources.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::{
    Attribute, AttributeConstraint, AttributeType, Block, Description, Schema,
};
use tf_provider::value::{ValueEmpty, ValueString};
use tf_provider::{AttributePath, Diagnostics, DynamicResource, Provider};

use crate::backend::reload;
use crate::settings::{self, Settings};

/// The provider block as Terraform sends it.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct ProviderConfig<'a> {
    #[serde(borrow = "'a")]
    pub rules_dir: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub prometheus_url: ValueString<'a>,
}

/// What every resource shares with the provider: the settings once `configure` ran.
#[derive(Debug, Default)]
pub struct Context {
    settings: RwLock<Option<Settings>>,
}

impl Context {
    /// The configured settings, or an error diagnostic when the provider is not configured.
    pub fn settings(&self, diags: &mut Diagnostics) -> Option<Settings> {
        let guard = match self.settings.read() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        if guard.is_none() {
            diags.root_error(
                "Provider not configured",
                "the reliability provider was used before Terraform configured it; this is a bug \
                 in the provider, please report it with the command you ran",
            );
        }
        guard.clone()
    }

    /// Settings as seen by tests and by code that runs without Terraform.
    pub fn set(&self, settings: Settings) {
        let mut guard = match self.settings.write() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        *guard = Some(settings);
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
    ]);
    Schema {
        version: 1,
        block: Block {
            description: Description::markdown(
                "Reliability as code: SLOs, alerts and backup plans materialised as Prometheus \
                 rule files.",
            ),
            attributes,
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
        if config.rules_dir.is_unknown() || config.prometheus_url.is_unknown() {
            diags.root_error(
                "Provider configuration depends on unknown values",
                "rules_dir and prometheus_url must be known at plan time: use literals, \
                 variables or locals rather than attributes of resources that are not created yet",
            );
            return None;
        }
        let cwd = match std::env::current_dir() {
            Ok(cwd) => cwd,
            Err(e) => {
                diags.root_error(
                    "Cannot resolve rules_dir",
                    format!("the provider could not read Terraform's working directory: {e}"),
                );
                return None;
            }
        };
        let s = Settings::resolve(
            config.rules_dir.as_ref_option().map(|s| s.as_ref()),
            config.prometheus_url.as_ref_option().map(|s| s.as_ref()),
            &cwd,
        );
        let retried = tokio::task::block_in_place(|| {
            reload::retry_pending(&s.rules_dir, s.prometheus_url.as_deref())
        });
        if let Err(msg) = retried {
            diags.root_warning(
                "Prometheus has not loaded the latest rule files",
                format!(
                    "an earlier run changed rule files in {} and exited before Prometheus \
                     reloaded them; retrying failed: {msg}. The files are in place; every run \
                     retries until a reload succeeds.",
                    s.rules_dir.display()
                ),
            );
        }
        self.context.set(s);
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
