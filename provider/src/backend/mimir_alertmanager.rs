//! The notification policy in a Mimir tenant's Alertmanager (`alertmanager { mimir = true }`
//! beside the provider's `ruler` block): the configuration goes through the ruler client
//! (same URL, tenant and credentials) to Mimir's Alertmanager configuration API
//! ([`RulerClient::set_alertmanager_config`] and its siblings). Mimir keeps the
//! configuration string as sent, header comment included, so drift and import work as with
//! a file. Mimir loads what it accepts by itself: there is nothing to reload.

use super::alertmanager::{PolicyClaims, DOCUMENT};
use super::ruler::{RulerClient, RulerError};
use super::{Backend, Doc, Found, Outcome, Owner, Planned, Problem};

/// What every address of a tenant's Alertmanager configuration starts with.
pub const SCHEME: &str = "mimir-alertmanager:";

/// A Mimir tenant's Alertmanager configuration.
pub struct MimirAlertmanagerBackend {
    client: RulerClient,
    claims: PolicyClaims,
}

impl MimirAlertmanagerBackend {
    pub fn new(client: RulerClient) -> Self {
        MimirAlertmanagerBackend {
            client,
            claims: PolicyClaims::default(),
        }
    }

    fn tenant(&self) -> &str {
        self.client
            .config()
            .tenant
            .as_deref()
            .unwrap_or("anonymous")
    }

    fn problem(&self, summary: &str, e: RulerError) -> Problem {
        Problem::new(summary, e.message().to_string())
    }

    fn read(&self) -> Result<Option<String>, Problem> {
        tokio::task::block_in_place(|| self.client.get_alertmanager_config())
            .map_err(|e| self.problem("Cannot read the Mimir Alertmanager configuration", e))
    }

    fn foreign(&self, owner: Owner<'_>) -> Problem {
        Problem::new(
            "Alertmanager configuration already exists",
            format!(
                "{} already has another configuration, so another configuration (or a hand \
                 -made setup) owns it. If it was sent by this provider, bring it under this \
                 resource with `terraform import {}.<name> {}`; otherwise delete it (e.g. \
                 `mimirtool alertmanager delete`) and apply again",
                self.describe(),
                owner.type_name,
                owner.id
            ),
        )
    }
}

/// The first setting of `config` that reads a secret from a file (`routing_key_file`,
/// `api_url_file`, `auth_password_file`, …): Mimir refuses them all in a tenant's
/// configuration, since the file would be on Mimir's servers.
pub fn file_setting(config: &str) -> Option<String> {
    fn walk(v: &serde_yaml_ng::Value) -> Option<String> {
        match v {
            serde_yaml_ng::Value::Mapping(m) => m.iter().find_map(|(k, v)| match k.as_str() {
                Some(k) if k.ends_with("_file") => Some(k.to_string()),
                _ => walk(v),
            }),
            serde_yaml_ng::Value::Sequence(s) => s.iter().find_map(walk),
            _ => None,
        }
    }
    walk(&serde_yaml_ng::from_str(config).ok()?)
}

fn file_secret(key: &str) -> Problem {
    Problem::new(
        "Mimir refuses secrets read from files",
        format!(
            "the policy sets {key}, but a Mimir tenant's Alertmanager refuses every secret \
             read from a file (the file would have to be on Mimir's servers), and inline \
             secrets would go through Terraform state, which this provider never does. With \
             alertmanager {{ mimir = true }} use webhook receivers (e.g. to a relay that holds \
             the keys) and email without auth_password_file; or write the configuration for \
             an Alertmanager you run with alertmanager {{ config_file = ... }}"
        ),
    )
}

impl Backend for MimirAlertmanagerBackend {
    fn describe(&self) -> String {
        format!(
            "the Alertmanager of Mimir tenant {:?} at {}",
            self.tenant(),
            self.client.config().url
        )
    }

    fn location(&self, _name: &str, _content: Option<&str>) -> Option<String> {
        Some(format!("{SCHEME}{}", self.tenant()))
    }

    fn get(&self, locations: &[String]) -> Result<Vec<Option<String>>, Problem> {
        if locations.is_empty() {
            return Ok(Vec::new());
        }
        let current = self.read()?;
        Ok(locations
            .iter()
            .map(|l| {
                if *l == format!("{SCHEME}{}", self.tenant()) {
                    current.clone()
                } else {
                    // Another tenant or destination (an earlier configuration): not here.
                    None
                }
            })
            .collect())
    }

    fn claim_at_plan(&self, plan: &Planned<'_>) -> Result<(), Problem> {
        self.claims.claim(&self.describe())?;
        if let Some(key) = plan
            .contents
            .and_then(|c| c.first())
            .and_then(|c| file_setting(c))
        {
            return Err(file_secret(&key));
        }
        if plan.creating && plan.takes_over(self.read()?.as_deref()) {
            return Err(self.foreign(plan.owner));
        }
        Ok(())
    }

    fn put(&self, docs: &[Doc], creating: Option<Owner<'_>>) -> Outcome {
        let Some(doc) = docs.first() else {
            return Outcome::ok();
        };
        if let Some(owner) = creating {
            match self.read() {
                Ok(Some(existing)) if existing == doc.content => return Outcome::ok(),
                Ok(Some(_)) => return Outcome::failed(self.foreign(owner)),
                Ok(None) => {}
                Err(p) => return Outcome::failed(p),
            }
        }
        match tokio::task::block_in_place(|| self.client.set_alertmanager_config(&doc.content)) {
            Ok(()) => Outcome::ok(),
            Err(e) => {
                Outcome::failed(self.problem("Cannot set the Mimir Alertmanager configuration", e))
            }
        }
    }

    fn delete(&self, locations: &[String]) -> Outcome {
        if !locations
            .iter()
            .any(|l| *l == format!("{SCHEME}{}", self.tenant()))
        {
            return Outcome::ok();
        }
        match tokio::task::block_in_place(|| self.client.delete_alertmanager_config()) {
            Ok(()) => Outcome::ok(),
            Err(e) => Outcome::failed(
                self.problem("Cannot delete the Mimir Alertmanager configuration", e),
            ),
        }
    }

    fn lookup(&self, matches: &dyn Fn(&str) -> bool) -> Result<Vec<Found>, Problem> {
        Ok(match (self.read()?, self.location(DOCUMENT, None)) {
            (Some(_), Some(location)) if matches(DOCUMENT) => vec![Found {
                name: DOCUMENT.to_string(),
                location,
            }],
            _ => Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_settings_are_found_anywhere() {
        let config = "route:\n  receiver: a\nreceivers:\n- name: a\n  pagerduty_configs:\n  - routing_key_file: /k\n";
        assert_eq!(file_setting(config).as_deref(), Some("routing_key_file"));
        let config = "route:\n  receiver: a\nreceivers:\n- name: a\n  webhook_configs:\n  - url: http://h/x\n";
        assert_eq!(file_setting(config), None);
        let p = file_secret("api_url_file");
        assert!(
            p.detail.contains("api_url_file") && p.detail.contains("webhook"),
            "{p:?}"
        );
    }
}
