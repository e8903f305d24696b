//! The `reliability` provider: `configure` turns the provider block
//! ([`provider_config`](crate::provider_config)) into settings and backends held by the
//! [`Context`]; the resources and data sources come from their modules.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use tf_provider::schema::Schema;
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics, DynamicResource, Provider};

pub use crate::context::Context;
use crate::provider_config::{config_schema, validate_config, ProviderConfig};
use crate::ruler_block::RulerBlock;
use crate::settings::{self, Settings};

/// The provider itself.
#[derive(Debug, Default, Clone)]
pub struct ReliabilityProvider {
    pub context: Arc<Context>,
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
            || config.grafana_dashboards_dir.is_unknown()
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
        let s = s.with_alertmanager(alertmanager).with_dashboards_dir(
            config
                .grafana_dashboards_dir
                .as_ref_option()
                .map(|s| s.as_ref()),
            &cwd,
        );
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
