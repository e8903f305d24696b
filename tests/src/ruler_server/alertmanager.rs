//! The stand-in's Alertmanager configuration API, written from Mimir's HTTP API reference
//! ("Alertmanager": Get, Set and Delete Alertmanager configuration, `/api/v1/alerts` under
//! the server's root, per tenant) and from what Mimir refuses in a tenant's configuration
//! (its `ValidateAlertmanagerConfig`: secrets read from files on the Mimir server, such as
//! `routing_key_file`, `api_url_file`, `auth_password_file` and any other `*_file`).
//!
//! - `GET`: 200 with the YAML `{template_files: {}, alertmanager_config: <string>}`; 404
//!   `alertmanager storage object not found` when the tenant has none;
//! - `POST`: a YAML mapping with only `alertmanager_config` (a non-empty string holding a
//!   mapping with `route.receiver` naming one of its `receivers`) and `template_files` (a
//!   map); 400 with the reason otherwise; 201 when stored (the string as sent);
//! - `DELETE`: 200 (also when there is none).

use std::collections::BTreeMap;

use serde_yaml_ng::Value;

use super::http::{Request, Response};

/// The path of the API.
pub const PATH: &str = "/api/v1/alerts";

/// Answers one request for `tenant`; `configs` maps tenants to their configuration.
pub fn handle(configs: &mut BTreeMap<String, String>, tenant: &str, req: &Request) -> Response {
    match req.method.as_str() {
        "GET" => match configs.get(tenant) {
            Some(c) => {
                let mut m = serde_yaml_ng::Mapping::new();
                m.insert("template_files".into(), Value::Mapping(Default::default()));
                m.insert("alertmanager_config".into(), Value::String(c.clone()));
                Response::yaml(200, serde_yaml_ng::to_string(&m).unwrap_or_default())
            }
            None => Response::text(404, "alertmanager storage object not found"),
        },
        "POST" => match parse(&req.body) {
            Ok(config) => {
                configs.insert(tenant.to_string(), config);
                let mut resp = Response::text(201, "");
                resp.body.clear();
                resp
            }
            Err(reason) => Response::text(400, &reason),
        },
        "DELETE" => {
            configs.remove(tenant);
            Response::text(200, "")
        }
        _ => Response::text(405, "method not allowed"),
    }
}

/// The `alertmanager_config` of a valid body, or why it is refused.
pub fn parse(body: &[u8]) -> Result<String, String> {
    let text = std::str::from_utf8(body).map_err(|_| "body is not UTF-8".to_string())?;
    let value: Value =
        serde_yaml_ng::from_str(text).map_err(|e| format!("error unmarshalling YAML: {e}"))?;
    let Value::Mapping(map) = value else {
        return Err("the body must be a YAML mapping".into());
    };
    for key in map.keys() {
        match key.as_str() {
            Some("alertmanager_config" | "template_files") => {}
            other => return Err(format!("field {other:?} not found in type UserConfig")),
        }
    }
    if let Some(t) = map.get("template_files") {
        if !matches!(t, Value::Mapping(_) | Value::Null) {
            return Err("template_files must be a map of file names to templates".into());
        }
    }
    let config = match map.get("alertmanager_config") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        _ => return Err("error validating Alertmanager config: configuration provided is empty, if you'd like to remove your configuration please use the delete configuration endpoint".into()),
    };
    let parsed: Value = serde_yaml_ng::from_str(&config)
        .map_err(|e| format!("error validating Alertmanager config: {e}"))?;
    if let Some(key) = file_setting(&parsed) {
        return Err(format!(
            "error validating Alertmanager config: setting {key} is not allowed"
        ));
    }
    let receiver = parsed
        .get("route")
        .and_then(|r| r.get("receiver"))
        .and_then(Value::as_str)
        .ok_or("error validating Alertmanager config: no route provided in config")?;
    let names: Vec<&str> = parsed
        .get("receivers")
        .and_then(Value::as_sequence)
        .map(|rs| rs.iter().filter_map(|r| r.get("name")?.as_str()).collect())
        .unwrap_or_default();
    if !names.contains(&receiver) {
        return Err(format!(
            "error validating Alertmanager config: undefined receiver {receiver:?} used in route"
        ));
    }
    Ok(config)
}

/// The first key ending in `_file` anywhere in `v` (secrets read from the server's disk).
fn file_setting(v: &Value) -> Option<String> {
    match v {
        Value::Mapping(m) => m.iter().find_map(|(k, v)| match k.as_str() {
            Some(k) if k.ends_with("_file") => Some(k.to_string()),
            _ => file_setting(v),
        }),
        Value::Sequence(s) => s.iter().find_map(file_setting),
        _ => None,
    }
}
