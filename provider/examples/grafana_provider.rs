//! A stand-in for `grafana/grafana`, for the dashboard examples' tests only.
//!
//! No Grafana server nor the Grafana Terraform provider can be installed on our machines,
//! yet the README's `grafana_dashboard { config_json = reliability_slo.x.dashboard_json }`
//! must run as written. This plugin serves `grafana_dashboard` with the real provider's
//! attribute names and flags (`config_json`, `folder`, `overwrite`, `message`, `org_id`;
//! computed `id`, `uid`, `dashboard_id`, `url`, `version`) and does on apply what Grafana's
//! dashboard API checks before it saves a model: `config_json` is a JSON object with a
//! non-empty `title` and, if set, a `uid` of at most 40 letters, digits, `-` and `_`. It
//! "saves" the model as `<uid>.json` in the directory `GRAFANA_STANDIN_DIR` (when set), so
//! a test can read what Grafana would have received.
//!
//! Built with `cargo build -p terraform-provider-reliability --example grafana_provider`
//! and installed by the tests through a filesystem mirror as
//! `registry.terraform.io/grafana/grafana`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use tf_provider::schema::{
    Attribute, AttributeConstraint, AttributeType, Block, Description, Schema,
};
use tf_provider::value::{ValueAny, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics, DynamicResource, Provider, Resource};

use AttributeConstraint::{Computed as C, Optional as O, OptionalComputed as OC, Required as R};

const DASHBOARD: &[(&str, AttributeType, AttributeConstraint)] = &[
    ("config_json", AttributeType::String, R),
    ("folder", AttributeType::String, O),
    ("overwrite", AttributeType::Bool, O),
    ("message", AttributeType::String, O),
    ("org_id", AttributeType::String, OC),
    ("id", AttributeType::String, C),
    ("uid", AttributeType::String, C),
    ("dashboard_id", AttributeType::Number, C),
    ("url", AttributeType::String, C),
    ("version", AttributeType::Number, C),
];

fn schema(attrs: &[(&str, AttributeType, AttributeConstraint)]) -> Schema {
    Schema {
        version: 1,
        block: Block {
            attributes: attrs
                .iter()
                .map(|(n, t, c)| {
                    (
                        n.to_string(),
                        Attribute {
                            attr_type: t.clone(),
                            constraint: c.clone(),
                            description: Description::plain(*n),
                            ..Default::default()
                        },
                    )
                })
                .collect(),
            ..Default::default()
        },
    }
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Grafana's checks of a dashboard model before it saves one; its uid.
fn check_model(config_json: &str) -> Result<String, String> {
    let model: serde_json::Value =
        serde_json::from_str(config_json).map_err(|e| format!("config_json is not JSON: {e}"))?;
    let obj = model
        .as_object()
        .ok_or("config_json must be a JSON object")?;
    if obj
        .get("title")
        .and_then(|t| t.as_str())
        .is_none_or(|t| t.trim().is_empty())
    {
        return Err("Dashboard title cannot be empty".to_string());
    }
    let uid = obj
        .get("uid")
        .and_then(|u| u.as_str())
        .unwrap_or("generated");
    if uid.len() > 40
        || !uid
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(format!(
            "uid {uid:?}: too long or contains invalid characters"
        ));
    }
    Ok(uid.to_string())
}

fn get_str(v: &ValueAny, key: &str) -> Option<String> {
    match v {
        ValueAny::Map(m) => match m.get(key) {
            Some(ValueAny::String(s)) => Some(s.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// Plans the computed attributes: unknown until Grafana answers, `org_id` "1" by default.
fn plan_fill(v: &mut ValueAny) {
    if let ValueAny::Map(m) = v {
        for (name, _, c) in DASHBOARD {
            if *c == C || (*c == OC && matches!(m.get(*name), None | Some(ValueAny::Null))) {
                m.insert(
                    name.to_string(),
                    if *name == "org_id" {
                        ValueAny::String("1".into())
                    } else {
                        ValueAny::Unknown
                    },
                );
            }
        }
    }
}

/// Saves the model as Grafana would; fills what Grafana answers.
fn save(diags: &mut Diagnostics, v: &mut ValueAny) -> Option<()> {
    let config = get_str(v, "config_json").unwrap_or_default();
    let uid = match check_model(&config) {
        Ok(uid) => uid,
        Err(e) => {
            diags.error(
                "Grafana refused the dashboard",
                e,
                AttributePath::new("config_json"),
            );
            return None;
        }
    };
    if let Some(dir) = std::env::var_os("GRAFANA_STANDIN_DIR") {
        if let Err(e) = std::fs::write(
            std::path::Path::new(&dir).join(format!("{uid}.json")),
            &config,
        ) {
            diags.root_error_short(format!("cannot save: {e}"));
            return None;
        }
    }
    let n = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    if let ValueAny::Map(m) = v {
        m.insert("id".into(), ValueAny::String(format!("1:{uid}")));
        m.insert("uid".into(), ValueAny::String(uid.clone()));
        m.insert("dashboard_id".into(), ValueAny::Number(n as i64));
        m.insert(
            "url".into(),
            ValueAny::String(format!("http://grafana.invalid/d/{uid}")),
        );
        m.insert("version".into(), ValueAny::Number(1));
        if matches!(
            m.get("org_id"),
            None | Some(ValueAny::Null) | Some(ValueAny::Unknown)
        ) {
            m.insert("org_id".into(), ValueAny::String("1".into()));
        }
    }
    Some(())
}

struct Dashboard;

#[async_trait]
impl Resource for Dashboard {
    type State<'a> = ValueAny;
    type PrivateState<'a> = ValueEmpty;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(schema(DASHBOARD))
    }

    async fn read<'a>(
        &self,
        _diags: &mut Diagnostics,
        state: ValueAny,
        private: ValueEmpty,
        _meta: ValueEmpty,
    ) -> Option<(ValueAny, ValueEmpty)> {
        Some((state, private))
    }

    async fn plan_create<'a>(
        &self,
        _diags: &mut Diagnostics,
        mut proposed: ValueAny,
        _config: ValueAny,
        _meta: ValueEmpty,
    ) -> Option<(ValueAny, ValueEmpty)> {
        plan_fill(&mut proposed);
        Some((proposed, ValueEmpty::default()))
    }

    async fn plan_update<'a>(
        &self,
        _diags: &mut Diagnostics,
        prior: ValueAny,
        mut proposed: ValueAny,
        _config: ValueAny,
        private: ValueEmpty,
        _meta: ValueEmpty,
    ) -> Option<(ValueAny, ValueEmpty, Vec<AttributePath>)> {
        // Unchanged model: Grafana's answer stays; a changed one is saved again.
        if get_str(&prior, "config_json") == get_str(&proposed, "config_json") {
            return Some((prior, private, vec![]));
        }
        plan_fill(&mut proposed);
        Some((proposed, private, vec![]))
    }

    async fn plan_destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior: ValueAny,
        private: ValueEmpty,
        _meta: ValueEmpty,
    ) -> Option<ValueEmpty> {
        Some(private)
    }

    async fn create<'a>(
        &self,
        diags: &mut Diagnostics,
        mut planned: ValueAny,
        _config: ValueAny,
        private: ValueEmpty,
        _meta: ValueEmpty,
    ) -> Option<(ValueAny, ValueEmpty)> {
        save(diags, &mut planned)?;
        Some((planned, private))
    }

    async fn update<'a>(
        &self,
        diags: &mut Diagnostics,
        _prior: ValueAny,
        mut planned: ValueAny,
        _config: ValueAny,
        private: ValueEmpty,
        _meta: ValueEmpty,
    ) -> Option<(ValueAny, ValueEmpty)> {
        save(diags, &mut planned)?;
        Some((planned, private))
    }

    async fn destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        prior: ValueAny,
        _private: ValueEmpty,
        _meta: ValueEmpty,
    ) -> Option<()> {
        if let (Some(dir), Some(uid)) = (
            std::env::var_os("GRAFANA_STANDIN_DIR"),
            get_str(&prior, "uid"),
        ) {
            let _ = std::fs::remove_file(std::path::Path::new(&dir).join(format!("{uid}.json")));
        }
        Some(())
    }
}

struct GrafanaProvider;

#[async_trait]
impl Provider for GrafanaProvider {
    type Config<'a> = ValueAny;
    type MetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        let mut s = schema(&[
            ("url", AttributeType::String, O),
            ("auth", AttributeType::String, O),
        ]);
        if let Some(auth) = s.block.attributes.get_mut("auth") {
            auth.sensitive = true;
        }
        Some(s)
    }

    fn get_resources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicResource>>> {
        // tf-provider prefixes the names with the provider's (`grafana_`).
        Some(HashMap::from([(
            "dashboard".to_string(),
            Box::new(Dashboard) as Box<dyn DynamicResource>,
        )]))
    }
}

fn main() -> anyhow::Result<()> {
    reliability_provider::nodelay::serve_plugin("grafana", GrafanaProvider)
}
