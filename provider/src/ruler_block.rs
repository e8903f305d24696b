//! The provider block's `ruler { … }` block: its schema, and how it becomes the ruler
//! client's configuration (credentials from the block or the environment).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use tf_provider::schema::{Attribute, AttributeConstraint, AttributeType, Block, Description};
use tf_provider::value::ValueString;

use crate::backend::ruler::{
    resolve_auth, CredentialSettings, RulerConfig, Secret, CORTEX_API_PATH, DEFAULT_NAMESPACE,
    ENV_PASSWORD, ENV_TOKEN, ENV_USERNAME, MIMIR_API_PATH,
};

/// The `ruler` block as Terraform sends it.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct RulerBlock<'a> {
    #[serde(borrow = "'a")]
    pub url: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub tenant: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub namespace: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub api_path: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub username: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub password: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub token: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub ca_file: ValueString<'a>,
}

fn attr(doc: &str, constraint: AttributeConstraint, sensitive: bool) -> Attribute {
    Attribute {
        attr_type: AttributeType::String,
        description: Description::markdown(doc),
        constraint,
        sensitive,
        ..Default::default()
    }
}

/// The block's schema.
pub fn schema() -> Block {
    use AttributeConstraint::{Optional, Required};
    let attributes = [
        (
            "url",
            attr(
                "Base URL of the ruler (Mimir, Cortex, Grafana Cloud's Prometheus endpoint), \
                 e.g. `https://mimir.example.com`; no credentials in it.",
                Required,
                false,
            ),
        ),
        (
            "tenant",
            attr(
                "Tenant sent as `X-Scope-OrgID` (Mimir/Cortex with multi-tenancy; Grafana \
                 Cloud needs none).",
                Optional,
                false,
            ),
        ),
        (
            "namespace",
            attr(
                &format!(
                    "Namespace of the ruler that receives the rule groups (the API's \
                     stand-in for a rule file). Default: `{DEFAULT_NAMESPACE}`."
                ),
                Optional,
                false,
            ),
        ),
        (
            "api_path",
            attr(
                &format!(
                    "Path of the ruler configuration API. Default: Mimir's \
                     `{MIMIR_API_PATH}`; Cortex and Loki: `{CORTEX_API_PATH}`."
                ),
                Optional,
                false,
            ),
        ),
        (
            "username",
            attr(
                &format!(
                    "Basic-auth user (Grafana Cloud: the stack's numeric user id). Default: \
                     `{ENV_USERNAME}`."
                ),
                Optional,
                false,
            ),
        ),
        (
            "password",
            attr(
                &format!(
                    "Basic-auth password (Grafana Cloud: an access-policy token). Default: \
                     `{ENV_PASSWORD}`. Prefer the environment variable: a value set here is \
                     never stored in the state, but it is in the configuration."
                ),
                Optional,
                true,
            ),
        ),
        (
            "token",
            attr(
                &format!("Bearer token (instead of username/password). Default: `{ENV_TOKEN}`."),
                Optional,
                true,
            ),
        ),
        (
            "ca_file",
            attr(
                "PEM file of CA certificates to trust instead of the bundled roots (a \
                 private PKI).",
                Optional,
                false,
            ),
        ),
    ];
    Block {
        description: Description::markdown(
            "Send the rules to a Grafana Mimir / Cortex ruler through its HTTP configuration \
             API instead of a rules directory: each rule group of a resource becomes one \
             group in `namespace`. Excludes `rules_dir`, `render_only` and `prometheus_url`. \
             Import reads the configuration back from the ruler (it travels in one \
             never-firing `ReliabilityTerraformMetadata` rule per resource).",
        ),
        attributes: attributes
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        ..Default::default()
    }
}

fn known(v: &ValueString<'_>) -> Option<String> {
    v.as_ref_option()
        .map(|s| s.to_string())
        .filter(|s| !s.is_empty())
}

impl RulerBlock<'_> {
    /// Whether an attribute is still unknown (the block must be known at configure time).
    pub fn has_unknown(&self) -> bool {
        [
            &self.url,
            &self.tenant,
            &self.namespace,
            &self.api_path,
            &self.username,
            &self.password,
            &self.token,
            &self.ca_file,
        ]
        .iter()
        .any(|v| v.is_unknown())
    }

    /// The client's configuration; credentials not set here come from `env`.
    pub fn config(&self, env: &dyn Fn(&str) -> Option<String>) -> Result<RulerConfig, String> {
        let url = known(&self.url).ok_or("the ruler block's url is empty: set it to the base URL of the ruler, e.g. \"https://mimir.example.com\"")?;
        let credentials = CredentialSettings {
            username: known(&self.username),
            password: known(&self.password).map(Secret::new),
            token: known(&self.token).map(Secret::new),
        };
        let auth = resolve_auth(&credentials, env).map_err(|e| e.to_string())?;
        let mut config = RulerConfig::new(url);
        config.tenant = known(&self.tenant);
        if let Some(ns) = known(&self.namespace) {
            config.namespace = ns;
        }
        if let Some(path) = known(&self.api_path) {
            config.api_path = path;
        }
        config.auth = auth;
        config.ca_file = known(&self.ca_file).map(PathBuf::from);
        config.base_url().map_err(|e| e.to_string())?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::ruler::Auth;
    use std::borrow::Cow;
    use tf_provider::value::Value;

    fn s(v: &str) -> ValueString<'static> {
        Value::Value(Cow::Owned(v.to_string()))
    }

    #[test]
    fn defaults_and_credentials_from_env() {
        let block = RulerBlock {
            url: s("http://127.0.0.1:9009"),
            ..Default::default()
        };
        let env = |k: &str| (k == ENV_TOKEN).then(|| "t0k".to_string());
        let cfg = block.config(&env).unwrap();
        assert_eq!(cfg.namespace, DEFAULT_NAMESPACE);
        assert_eq!(cfg.api_path, MIMIR_API_PATH);
        assert_eq!(cfg.auth, Auth::Bearer(Secret::new("t0k")));
        assert!(!format!("{cfg:?}").contains("t0k"));
        let bad = RulerBlock {
            url: s("ftp://x"),
            ..Default::default()
        };
        assert!(bad.config(&|_| None).is_err());
        let both = RulerBlock {
            url: s("http://h"),
            username: s("u"),
            token: s("t"),
            ..Default::default()
        };
        assert!(both.config(&|_| None).unwrap_err().contains("token"));
    }
}
