//! The plan's `configuration` section: which attributes a resource sets (set from unset),
//! and which resources an attribute's expression refers to, followed through module
//! variables and outputs, as the evaluator's [`Value::Unknown`] refs are.

use std::collections::HashMap;

use serde_json::Value as Json;

use crate::eval::{agreed_default_tags, ProviderPlace};
use crate::value::Value;

/// One module instance on the way from the root to a resource: its configuration, the
/// module call that made it (`None` for the root) and its address prefix (`module.db[0].`).
#[derive(Clone)]
pub struct Level<'p> {
    pub module: &'p Json,
    pub call: Option<&'p Json>,
    pub prefix: String,
}

/// The module segments of a module address: `module.a[0].module.b` →
/// `[("a", "module.a[0]"), ("b", "module.b")]`.
pub fn module_segments(module_address: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = module_address;
    while let Some(r) = rest.strip_prefix("module.") {
        let name_end = r.find(['.', '[']).unwrap_or(r.len());
        let mut end = name_end;
        if r[end..].starts_with('[') {
            let mut in_str = false;
            end = r.len();
            for (i, c) in r[name_end..].char_indices() {
                match c {
                    '"' => in_str = !in_str,
                    ']' if !in_str => {
                        end = name_end + i + 1;
                        break;
                    }
                    _ => {}
                }
            }
        }
        out.push((r[..name_end].to_string(), format!("module.{}", &r[..end])));
        rest = r[end..].strip_prefix('.').unwrap_or(&r[end..]);
    }
    out
}

/// The chain of module configurations (in the plan's `configuration` section) from the
/// root to the module at `module_address`; `None` when the section does not hold it.
pub fn levels<'p>(configuration: &'p Json, module_address: &str) -> Option<Vec<Level<'p>>> {
    let mut module = configuration.get("root_module")?;
    let mut out = vec![Level {
        module,
        call: None,
        prefix: String::new(),
    }];
    let mut prefix = String::new();
    for (name, segment) in module_segments(module_address) {
        let call = module.get("module_calls")?.get(&name)?;
        module = call.get("module")?;
        prefix.push_str(&segment);
        prefix.push('.');
        out.push(Level {
            module,
            call: Some(call),
            prefix: prefix.clone(),
        });
    }
    Some(out)
}

/// The configuration of a resource in its module (`expressions` and the rest).
pub fn resource<'p>(module: &'p Json, data: bool, rtype: &str, name: &str) -> Option<&'p Json> {
    let mode = if data { "data" } else { "managed" };
    module.get("resources")?.as_array()?.iter().find(|r| {
        r.get("mode").and_then(Json::as_str) == Some(mode)
            && r.get("type").and_then(Json::as_str) == Some(rtype)
            && r.get("name").and_then(Json::as_str) == Some(name)
    })
}

/// Whether a configuration entry is an expression (else a nested block or a list of them).
pub fn is_expression(v: &Json) -> bool {
    match v {
        Json::Object(m) => m.keys().all(|k| k == "constant_value" || k == "references"),
        _ => false,
    }
}

/// What an expression refers to, as base addresses of resources and data sources.
#[derive(Default)]
pub struct Refs {
    pub bases: Vec<String>,
    /// Some reference could not be followed (a local value, a module with instances):
    /// the value may depend on anything.
    pub opaque: bool,
    /// Every attribute referred to is an identifier (`id`, `arn`, `*_id`, `*_arn`, ...)
    /// or none is named (`[for s in aws_subnet.a : s.id]` refers to `aws_subnet.a`).
    pub identity: bool,
}

impl Refs {
    /// The unknown value an unknown part of the attribute stands for.
    pub fn unknown(&self) -> Value {
        let known = Value::Unknown(self.bases.clone());
        if self.opaque || self.bases.is_empty() {
            Value::unknown_from([&known, &Value::unknown()])
        } else {
            known
        }
    }

    /// Whether known strings of the attribute are identities of other resources: the
    /// evaluator never knows them (they are known after apply), and rules match them by
    /// reference, so plan input gives them as references too.
    pub fn is_identity(&self) -> bool {
        self.identity && !self.opaque && !self.bases.is_empty()
    }
}

fn is_identifier(attr: &str) -> bool {
    let attr = attr.split('[').next().unwrap_or(attr);
    matches!(attr, "id" | "arn" | "ids" | "arns" | "self_link")
        || attr.ends_with("_id")
        || attr.ends_with("_arn")
        || attr.ends_with("_ids")
        || attr.ends_with("_arns")
}

/// Strips an instance key: `name[0]` → `name`.
fn strip_key(s: &str) -> &str {
    s.split('[').next().unwrap_or(s)
}

/// Resolves the `references` of an expression in the module at the end of `levels`.
pub fn resolve(expr: &Json, levels: &[Level<'_>]) -> Refs {
    let mut refs = Refs {
        identity: true,
        ..Refs::default()
    };
    resolve_into(expr, levels, &mut refs, 0);
    // Terraform lists the containing resource after a reference to one of its instances
    // (`x["raw"].id`, `x["raw"]`, `x`): the instance is what the expression names.
    let bases = refs.bases.clone();
    refs.bases.retain(|b| {
        b.contains('[')
            || !bases.iter().any(|o| {
                o.strip_prefix(b.as_str())
                    .is_some_and(|k| k.starts_with('['))
            })
    });
    refs
}

/// Splits `name[key].attr…` into the instance (`name[key]`, or `name`) and the first
/// attribute after it; a key may hold dots (`lake["a.b"]`).
fn instance_and_attr(s: &str) -> (String, Option<&str>) {
    let name_end = s.find(['.', '[']).unwrap_or(s.len());
    let mut end = name_end;
    if s[end..].starts_with('[') {
        let mut in_str = false;
        end = s.len();
        for (i, c) in s[name_end..].char_indices() {
            match c {
                '"' => in_str = !in_str,
                ']' if !in_str => {
                    end = name_end + i + 1;
                    break;
                }
                _ => {}
            }
        }
    }
    let attr = s[end..]
        .strip_prefix('.')
        .map(|a| a.split('.').next().unwrap_or(a));
    (s[..end].to_string(), attr)
}

fn resolve_into(expr: &Json, levels: &[Level<'_>], out: &mut Refs, depth: usize) {
    let Some(list) = expr.get("references").and_then(Json::as_array) else {
        return;
    };
    let Some(here) = levels.last() else { return };
    if depth > 32 {
        out.opaque = true;
        return;
    }
    for r in list.iter().filter_map(Json::as_str) {
        let parts: Vec<&str> = r.split('.').collect();
        match parts[0] {
            "count" | "each" | "path" | "terraform" | "self" => {}
            "local" => out.opaque = true,
            "var" => {
                let Some(name) = parts.get(1).map(|n| strip_key(n)) else {
                    continue;
                };
                // A root variable's value is in the plan; a module's comes from its call.
                if let Some(call) = here.call {
                    if let Some(e) = call.get("expressions").and_then(|e| e.get(name)) {
                        resolve_into(e, &levels[..levels.len() - 1], out, depth + 1);
                    }
                }
            }
            "module" => {
                let (Some(name), Some(output)) = (parts.get(1), parts.get(2)) else {
                    // the whole module object: anything it outputs
                    out.opaque = true;
                    continue;
                };
                let name = strip_key(name);
                let Some(call) = here.module.get("module_calls").and_then(|c| c.get(name)) else {
                    out.opaque = true;
                    continue;
                };
                if call.get("count_expression").is_some()
                    || call.get("for_each_expression").is_some()
                    || parts[1].contains('[')
                {
                    out.opaque = true;
                    continue;
                }
                let Some(module) = call.get("module") else {
                    out.opaque = true;
                    continue;
                };
                let Some(e) = module
                    .get("outputs")
                    .and_then(|o| o.get(strip_key(output)))
                    .and_then(|o| o.get("expression"))
                else {
                    continue;
                };
                let mut inner = levels.to_vec();
                inner.push(Level {
                    module,
                    call: Some(call),
                    prefix: format!("{}module.{name}.", here.prefix),
                });
                resolve_into(e, &inner, out, depth + 1);
            }
            "data" => {
                if let Some(t) = parts.get(1) {
                    let rest = &r["data.".len() + t.len()..];
                    if let Some((n, attr)) = rest.strip_prefix('.').map(instance_and_attr) {
                        add(out, format!("{}data.{t}.{n}", here.prefix));
                        note_attr(out, attr.as_ref());
                    }
                }
            }
            t => {
                if let Some((n, attr)) = r[t.len()..].strip_prefix('.').map(instance_and_attr) {
                    add(out, format!("{}{t}.{n}", here.prefix));
                    note_attr(out, attr.as_ref());
                }
            }
        }
    }
}

fn add(out: &mut Refs, base: String) {
    if !out.bases.contains(&base) {
        out.bases.push(base);
    }
}

fn note_attr(out: &mut Refs, attr: Option<&&str>) {
    if let Some(a) = attr {
        if !is_identifier(a) {
            out.identity = false;
        }
    }
}

/// The AWS provider's `default_tags` in the root module's configuration (the plan's
/// `configuration` section), as [`crate::eval::RootResult::default_tags`] gives them for
/// HCL input.
pub fn aws_default_tags(configuration: &Json) -> Option<Value> {
    let providers = configuration.get("provider_config")?.as_object()?;
    let mut found: Vec<Value> = Vec::new();
    for (key, p) in providers {
        if p.get("name").and_then(Json::as_str) != Some("aws") || key.contains(':') {
            continue;
        }
        if p.get("module_address")
            .is_some_and(|m| m.as_str() != Some(""))
        {
            continue;
        }
        let tags = p
            .get("expressions")
            .and_then(|e| e.get("default_tags"))
            .and_then(|d| d.get(0))
            .and_then(|d| d.get("tags"));
        found.push(match tags {
            None => Value::Null,
            Some(t) => match t.get("constant_value") {
                Some(v) => super::json::json_value(v),
                None => Value::unknown(),
            },
        });
    }
    agreed_default_tags(&found)
}

/// The AWS provider configurations of the plan's `configuration` section, by
/// `provider_config_key`: where each one
/// is (its `region`; its account from `assume_role`'s role ARN or a single
/// `allowed_account_ids`, literals only) and its `default_tags`, as the evaluator reads
/// them from HCL for [`crate::graph::Graph::provider_places`] and `provider_tags`.
pub fn aws_providers(
    configuration: &Json,
) -> (HashMap<String, ProviderPlace>, HashMap<String, Value>) {
    let mut places = HashMap::new();
    let mut tags = HashMap::new();
    let Some(providers) = configuration
        .get("provider_config")
        .and_then(Json::as_object)
    else {
        return (places, tags);
    };
    let constant = |e: Option<&Json>| e.and_then(|e| e.get("constant_value")).cloned();
    for (key, p) in providers {
        if p.get("name").and_then(Json::as_str) != Some("aws") {
            continue;
        }
        let e = p.get("expressions");
        let get = |name: &str| e.and_then(|e| e.get(name));
        let region = constant(get("region")).and_then(|v| v.as_str().map(str::to_string));
        let from_role = constant(get("assume_role").and_then(|r| r.get(0)?.get("role_arn")))
            .and_then(|v| v.as_str()?.split(':').nth(4).map(str::to_string))
            .filter(|a| !a.is_empty());
        let allowed = match constant(get("allowed_account_ids")) {
            Some(Json::Array(l)) if l.len() == 1 => l[0].as_str().map(str::to_string),
            _ => None,
        };
        places.insert(
            key.clone(),
            ProviderPlace {
                region,
                account: from_role.or(allowed),
            },
        );
        let t = get("default_tags")
            .and_then(|d| d.get(0))
            .and_then(|d| d.get("tags"));
        let t = match t {
            None => Value::Null,
            Some(t) => match t.get("constant_value") {
                Some(v) => super::json::json_value(v),
                None => Value::unknown(),
            },
        };
        tags.insert(key.clone(), t);
    }
    (places, tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_keep_instance_keys() {
        assert_eq!(
            module_segments("module.a[0].module.b[\"x.y\"]"),
            [
                ("a".to_string(), "module.a[0]".to_string()),
                ("b".to_string(), "module.b[\"x.y\"]".to_string())
            ]
        );
        assert!(module_segments("").is_empty());
    }

    #[test]
    fn references_keep_instance_keys() {
        assert_eq!(
            instance_and_attr("lake[\"a.b\"].id"),
            ("lake[\"a.b\"]".to_string(), Some("id"))
        );
        assert_eq!(instance_and_attr("web[0]"), ("web[0]".to_string(), None));
        assert_eq!(
            instance_and_attr("web.arn"),
            ("web".to_string(), Some("arn"))
        );
    }

    #[test]
    fn identifiers() {
        assert!(is_identifier("arn"));
        assert!(is_identifier("kms_key_id"));
        assert!(!is_identifier("availability_zone"));
    }
}
