//! Which backend a provider configuration asks for: the one place that maps settings to a
//! [`Backend`] implementation (callers never branch on which one it is). A new backend is
//! one file plus one arm here, and passes `provider/tests/backend_conformance.rs`.

use std::sync::Arc;

use super::{alertmanager, mimir_alertmanager, render_only, ruler, ruler_backend, rules_dir};
use super::{Backend, Problem};
use crate::settings::{AlertmanagerTarget, Destination, Settings};

/// The backend the provider configuration asks for; an error when it cannot be set up
/// (a ruler URL or CA file that is not usable).
pub fn open(settings: &Settings) -> Result<Arc<dyn Backend>, Problem> {
    Ok(match &settings.destination {
        Destination::RulesDir(dir) => Arc::new(rules_dir::RulesDirBackend::new(
            dir.clone(),
            settings.prometheus_url.clone(),
        )),
        Destination::RenderOnly => Arc::new(render_only::RenderOnly),
        Destination::Ruler(config) => {
            let client = ruler::RulerClient::new((**config).clone())
                .map_err(|e| Problem::new("Invalid ruler configuration", e.to_string()))?;
            Arc::new(ruler_backend::RulerBackend::new(client))
        }
    })
}

/// The backend of the notification policy's Alertmanager configuration, when the provider
/// block has an `alertmanager { … }` block; an error when it cannot be set up (`mimir =
/// true` without a usable ruler configuration).
pub fn open_alertmanager(settings: &Settings) -> Result<Option<Arc<dyn Backend>>, Problem> {
    Ok(match &settings.alertmanager {
        None => None,
        Some(AlertmanagerTarget::File(file)) => {
            Some(Arc::new(alertmanager::AlertmanagerBackend::new(file)))
        }
        Some(AlertmanagerTarget::Mimir) => {
            let Destination::Ruler(config) = &settings.destination else {
                return Err(Problem::new(
                    "Invalid alertmanager block",
                    "alertmanager { mimir = true } sends the policy to the Alertmanager of the \
                     ruler block's Mimir tenant, but the provider block has no ruler block: add \
                     one, or set config_file instead of mimir",
                ));
            };
            let client = ruler::RulerClient::new((**config).clone())
                .map_err(|e| Problem::new("Invalid ruler configuration", e.to_string()))?;
            Some(Arc::new(mimir_alertmanager::MimirAlertmanagerBackend::new(
                client,
            )))
        }
    })
}
