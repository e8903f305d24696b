//! A Mimir tenant's Alertmanager configuration through the same client (tenant header,
//! credentials, retries): Mimir's "Get Alertmanager configuration" (`GET /api/v1/alerts`),
//! "Set Alertmanager configuration" (`POST /api/v1/alerts` with the YAML body
//! `{alertmanager_config: <the configuration as a string>, template_files: {}}`) and
//! "Delete Alertmanager configuration" (`DELETE /api/v1/alerts`). The path is under the
//! ruler `url`'s root, not under `api_path`.

use serde::Serialize;
use serde_yaml_ng::Value;

use super::client::{is_success, Method};
use super::{ErrorKind, RulerClient, RulerError};

/// The path of the configuration API, under `url`.
pub const ALERTMANAGER_CONFIG_PATH: &str = "/api/v1/alerts";

#[derive(Serialize)]
struct Body<'a> {
    alertmanager_config: &'a str,
    template_files: std::collections::BTreeMap<String, String>,
}

impl RulerClient {
    fn alertmanager_url(&self) -> String {
        format!(
            "{}{ALERTMANAGER_CONFIG_PATH}",
            self.config().url.trim().trim_end_matches('/')
        )
    }

    /// The tenant's Alertmanager configuration (`alertmanager_config`); `None` when the
    /// tenant has none (Mimir's 404 `alertmanager storage object not found`).
    pub fn get_alertmanager_config(&self) -> Result<Option<String>, RulerError> {
        let url = self.alertmanager_url();
        let answer = self.execute(Method::Get, &url, None)?;
        if answer.status == 404 && answer.body.to_ascii_lowercase().contains("not found") {
            return Ok(None);
        }
        if !is_success(answer.status) {
            return Err(self.status_error(Method::Get, &url, &answer));
        }
        match self.parse_yaml(&url, &answer.body)? {
            Value::Mapping(m) => match m.get("alertmanager_config") {
                Some(Value::String(c)) => Ok(Some(c.clone())),
                None | Some(Value::Null) => Ok(None),
                Some(_) => Err(RulerError::new(
                    ErrorKind::Protocol,
                    None,
                    format!("unexpected answer from {url}: alertmanager_config is not a string"),
                )),
            },
            _ => Err(RulerError::new(
                ErrorKind::Protocol,
                None,
                format!(
                    "unexpected answer from {url}: not a mapping with alertmanager_config; \
                     check that url points at Mimir (its Alertmanager API is {ALERTMANAGER_CONFIG_PATH})"
                ),
            )),
        }
    }

    /// Replaces the tenant's Alertmanager configuration with `config` (no templates).
    pub fn set_alertmanager_config(&self, config: &str) -> Result<(), RulerError> {
        let url = self.alertmanager_url();
        let body = serde_yaml_ng::to_string(&Body {
            alertmanager_config: config,
            template_files: Default::default(),
        })
        .map_err(|e| {
            RulerError::new(
                ErrorKind::Config,
                None,
                format!("cannot encode the Alertmanager configuration: {e}"),
            )
        })?;
        let answer = self.execute(Method::Post, &url, Some(&body))?;
        if is_success(answer.status) {
            return Ok(());
        }
        if answer.status == 400 {
            return Err(RulerError::new(
                ErrorKind::Rejected,
                Some(400),
                format!(
                    "Mimir rejected the Alertmanager configuration at {url}: {}",
                    self.quote(&answer.body)
                ),
            ));
        }
        Err(self.status_error(Method::Post, &url, &answer))
    }

    /// Deletes the tenant's Alertmanager configuration (one already gone is fine).
    pub fn delete_alertmanager_config(&self) -> Result<(), RulerError> {
        let url = self.alertmanager_url();
        let answer = self.execute(Method::Delete, &url, None)?;
        if is_success(answer.status) || answer.status == 404 {
            return Ok(());
        }
        Err(self.status_error(Method::Delete, &url, &answer))
    }
}
