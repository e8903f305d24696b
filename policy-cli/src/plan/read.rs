//! Reading `terraform show -json` output (JSON output format 1.x): validation with errors
//! that name the file and what is wrong, and the resource instances the plan leaves in
//! place (`planned_values`, with `resource_changes[].change.after_unknown` for what is
//! unknown until apply, and the `configuration` of the module that declares each one).

use std::collections::HashMap;
use std::path::Path;

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::Value as Json;

/// A JSON plan, read and checked: the parts relcheck uses (the rest of the document —
/// `before`/`after` copies of the values, `relevant_attributes`, outputs — is skipped while
/// parsing, never held in memory).
pub struct Plan {
    planned_values: Json,
    /// `resource_changes[].change.after_unknown` by address.
    unknown: HashMap<String, Json>,
    prior_state: Json,
    /// The `configuration` section (`Null` when absent).
    pub configuration: Json,
}

/// One resource or data source instance of the plan.
pub struct PlanInstance<'p> {
    pub data: bool,
    pub rtype: &'p str,
    pub name: &'p str,
    /// Full address: `module.db[0].aws_db_instance.this["a"]`.
    pub address: &'p str,
    /// Address of the module instance (`""`, `module.db[0]`).
    pub module_address: &'p str,
    /// Names of the module calls leading to it (`["db"]`), instance keys dropped.
    pub calls: Vec<String>,
    /// Planned values (an object).
    pub values: &'p Json,
    /// `after_unknown` (`true` marks an unknown value), `false` when nothing is.
    pub unknown: &'p Json,
}

/// The top level of `terraform show -json` output, as far as relcheck reads it.
#[derive(Deserialize)]
struct Doc {
    format_version: Option<Json>,
    planned_values: Option<Json>,
    values: Option<IgnoredAny>,
    resource_changes: Option<Vec<ChangeDoc>>,
    prior_state: Option<Json>,
    configuration: Option<Json>,
}

#[derive(Deserialize)]
struct ChangeDoc {
    address: Option<Json>,
    change: Option<ChangeBody>,
}

#[derive(Deserialize)]
struct ChangeBody {
    after_unknown: Option<Json>,
}

/// Reads a plan file. Errors name the file and say what is wrong and what to do.
pub fn read(path: &Path) -> Result<Plan, String> {
    let shown = path.display();
    let bytes = std::fs::read(path).map_err(|e| format!("{shown}: cannot read the plan: {e}"))?;
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(format!(
            "{shown}: this is a binary plan file (from `terraform plan -out`); relcheck reads \
             its JSON form: run `terraform show -json {shown} > plan.json` and pass \
             `--plan plan.json`"
        ));
    }
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| format!("{shown}: not a JSON plan (the file is not UTF-8 text); run `terraform show -json PLANFILE > plan.json`"))?;
    match text.trim_start().chars().next() {
        None | Some('{') => {}
        Some(_) => {
            let v: Result<Json, _> = serde_json::from_str(text);
            return Err(match v {
                Ok(v) => format!("{shown}: a JSON plan is an object, this is {}", kind(&v)),
                Err(e) => syntax_error(&shown, &e),
            });
        }
    }
    let doc: Doc = serde_json::from_str(text).map_err(|e| {
        if e.is_syntax() || e.is_eof() {
            syntax_error(&shown, &e)
        } else {
            format!("{shown}: not a JSON plan: {e}")
        }
    })?;
    drop(bytes);
    let version = match &doc.format_version {
        Some(Json::String(v)) => v.as_str(),
        Some(other) => {
            return Err(format!(
                "{shown}: `format_version` must be a string, got {}",
                kind(other)
            ))
        }
        None => {
            return Err(format!(
                "{shown}: no `format_version`: not the output of `terraform show -json`"
            ))
        }
    };
    if version.split('.').next() != Some("1") {
        return Err(format!(
            "{shown}: JSON plan format version {version:?} is not supported (relcheck reads \
             format 1.x, Terraform 1.0 and later)"
        ));
    }
    let Some(planned_values) = doc.planned_values else {
        let what = if doc.values.is_some() {
            "this is a state (`terraform show -json` without a plan file), not a plan"
        } else {
            "it has no `planned_values`"
        };
        return Err(format!("{shown}: not a JSON plan: {what}"));
    };
    let mut unknown = HashMap::new();
    for (i, c) in doc
        .resource_changes
        .unwrap_or_default()
        .into_iter()
        .enumerate()
    {
        let Some(Json::String(address)) = c.address else {
            return Err(format!(
                "{shown}: `resource_changes[{i}]` has no string `address`"
            ));
        };
        if let Some(u) = c.change.and_then(|c| c.after_unknown) {
            unknown.insert(address, u);
        }
    }
    let plan = Plan {
        planned_values,
        unknown,
        prior_state: doc.prior_state.unwrap_or(Json::Null),
        configuration: doc.configuration.unwrap_or(Json::Null),
    };
    // Walk once to report structural problems now, not halfway through the check.
    plan.instances().map_err(|e| format!("{shown}: {e}"))?;
    Ok(plan)
}

fn syntax_error(shown: &std::path::Display<'_>, e: &serde_json::Error) -> String {
    if e.is_eof() {
        format!(
            "{shown}: the JSON plan ends early at line {} column {}: the file is truncated; \
             write it again with `terraform show -json PLANFILE > plan.json`",
            e.line(),
            e.column()
        )
    } else {
        format!("{shown}: not valid JSON: {e}")
    }
}

/// A JSON value's kind, for messages.
fn kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

const FALSE: Json = Json::Bool(false);

fn field<'p>(v: &'p Json, key: &str, at: &str) -> Result<&'p str, String> {
    v.get(key)
        .and_then(Json::as_str)
        .ok_or_else(|| format!("`{at}` has no string `{key}`"))
}

impl Plan {
    /// The instances of `planned_values` (what the plan leaves in place: deleted resources
    /// are absent), with their `after_unknown`.
    pub fn instances(&self) -> Result<Vec<PlanInstance<'_>>, String> {
        let unknown = &self.unknown;
        let mut out = Vec::new();
        let root = self.planned_values.get("root_module");
        if let Some(root) = root {
            walk(root, "planned_values.root_module", unknown, &mut out, 0)?;
        }
        // Data sources read while planning are in the prior state, not in planned_values.
        let prior = self
            .prior_state
            .get("values")
            .and_then(|p| p.get("root_module"));
        if let Some(prior) = prior {
            let mut data = Vec::new();
            walk(
                prior,
                "prior_state.values.root_module",
                unknown,
                &mut data,
                0,
            )?;
            data.retain(|d| d.data && !out.iter().any(|o| o.address == d.address));
            out.extend(data);
        }
        Ok(out)
    }
}

fn walk<'p>(
    module: &'p Json,
    at: &str,
    unknown: &'p HashMap<String, Json>,
    out: &mut Vec<PlanInstance<'p>>,
    depth: usize,
) -> Result<(), String> {
    if depth > 64 {
        return Err(format!("`{at}`: modules nested deeper than 64 levels"));
    }
    if !module.is_object() {
        return Err(format!("`{at}` must be an object, got {}", kind(module)));
    }
    let module_address = module.get("address").and_then(Json::as_str).unwrap_or("");
    let calls: Vec<String> = super::config::module_segments(module_address)
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    match module.get("resources") {
        None | Some(Json::Null) => {}
        Some(Json::Array(resources)) => {
            for (i, r) in resources.iter().enumerate() {
                let at = format!("{at}.resources[{i}]");
                let address = field(r, "address", &at)?;
                let mode = field(r, "mode", &at)?;
                let rtype = field(r, "type", &at)?;
                let name = field(r, "name", &at)?;
                let values = match r.get("values") {
                    Some(v @ Json::Object(_)) => v,
                    Some(Json::Null) | None => &Json::Null,
                    Some(other) => {
                        return Err(format!(
                            "`{at}.values` must be an object, got {}",
                            kind(other)
                        ))
                    }
                };
                out.push(PlanInstance {
                    data: mode == "data",
                    rtype,
                    name,
                    address,
                    module_address,
                    calls: calls.clone(),
                    values,
                    unknown: unknown.get(address).unwrap_or(&FALSE),
                });
            }
        }
        Some(other) => {
            return Err(format!(
                "`{at}.resources` must be an array, got {}",
                kind(other)
            ))
        }
    }
    match module.get("child_modules") {
        None | Some(Json::Null) => Ok(()),
        Some(Json::Array(children)) => {
            for (i, c) in children.iter().enumerate() {
                walk(
                    c,
                    &format!("{at}.child_modules[{i}]"),
                    unknown,
                    out,
                    depth + 1,
                )?;
            }
            Ok(())
        }
        Some(other) => Err(format!(
            "`{at}.child_modules` must be an array, got {}",
            kind(other)
        )),
    }
}
