//! A plan's JSON values as [`Value`]s: known values as they are, what `after_unknown`
//! marks as unknown. Used by the configuration reader (`config.rs`: variable defaults) and
//! the planned values (`values.rs`), which otherwise do not know each other's JSON.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::value::Value;

/// A JSON value without unknowns.
pub fn json_value(v: &Json) -> Value {
    with_unknown(v, &Json::Bool(false), &Value::unknown(), false)
}

/// A planned value with its `after_unknown` marks; `identity` turns known strings into
/// `unknown` (see `config::Refs::is_identity`).
pub fn with_unknown(v: &Json, unk: &Json, unknown: &Value, identity: bool) -> Value {
    if unk == &Json::Bool(true) {
        return unknown.clone();
    }
    match v {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => Value::Number(n.as_f64().unwrap_or(0.0)),
        Json::String(_) if identity => unknown.clone(),
        Json::String(s) => Value::String(s.clone()),
        Json::Array(items) => Value::List(
            items
                .iter()
                .enumerate()
                .map(|(i, x)| {
                    let u = unk.get(i).unwrap_or(&Json::Bool(false));
                    with_unknown(x, u, unknown, identity)
                })
                .collect(),
        ),
        Json::Object(m) => {
            let mut out: BTreeMap<String, Value> = m
                .iter()
                .map(|(k, x)| {
                    let u = unk.get(k).unwrap_or(&Json::Bool(false));
                    (k.clone(), with_unknown(x, u, unknown, identity))
                })
                .collect();
            // A map's unknown elements are absent from its planned value.
            if let Json::Object(u) = unk {
                for (k, x) in u {
                    if x == &Json::Bool(true) {
                        out.insert(k.clone(), unknown.clone());
                    }
                }
            }
            Value::Map(out)
        }
    }
}
