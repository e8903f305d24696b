//! What every resource and data source shares with the provider once `configure` ran: the
//! settings, the backends they chose, and the ids planned in this process. Resources and
//! data sources depend on this module, never on `provider.rs`.

use std::sync::{Arc, RwLock};

use tf_provider::Diagnostics;

use crate::backend::{self, Backend, Problem};
use crate::settings::Settings;

/// What every resource shares with the provider once `configure` ran: the settings and the
/// backend they chose.
#[derive(Default)]
pub struct Context {
    configured: RwLock<Option<(Settings, Arc<dyn Backend>)>>,
    alertmanager: RwLock<Option<Arc<dyn Backend>>>,
    /// The SLOs' destination: the rules backend, and the dashboards directory if any.
    slos: RwLock<Option<Arc<dyn Backend>>>,
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

    /// The SLOs' destination ([`backend::dashboards::WithDashboards`]), or an error
    /// diagnostic when the provider is not configured.
    pub fn slo_backend(&self, diags: &mut Diagnostics) -> Option<Arc<dyn Backend>> {
        self.configured(diags)?;
        match self.slos.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub(crate) fn alertmanager_if_set(&self) -> Option<Arc<dyn Backend>> {
        match self.alertmanager.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Configures the context: the backend follows from the settings ([`backend::open`]).
    pub fn set(&self, settings: Settings) -> Result<Arc<dyn Backend>, Problem> {
        let backend = backend::open(&settings)?;
        let alertmanager = backend::open_alertmanager(&settings)?;
        let slos: Arc<dyn Backend> = Arc::new(backend::dashboards::WithDashboards::new(
            backend.clone(),
            settings.dashboards_dir.clone(),
        ));
        *match self.slos.write() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        } = Some(slos);
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
