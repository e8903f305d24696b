//! Backup coverage: whether a data store is backed up (by the service, an AWS Backup
//! selection, a DLM policy or a `reliability_backup_plan`), and the report of a backup plan
//! missing a block.

use super::super::{setting, Rule, RuleCtx};
use crate::eval::{EvalBody, Instance};
use crate::graph::Graph;
use crate::value::Value;

/// PITR state of a table: `Some(true/false)` or unknown.
pub fn pitr_enabled(inst: &Instance) -> Option<bool> {
    match inst.body.block("point_in_time_recovery") {
        None => Some(false),
        Some(b) => setting(&b.body, "enabled", Value::Bool(false)).and_then(|(v, _)| v.as_bool()),
    }
}

/// Reports a `reliability_backup_plan` without a `block` block:
/// ``backup plan `x` has no <block>: <consequence>``.
pub fn report_missing_plan_block(
    rule: &dyn Rule,
    inst: &Instance,
    cx: &mut RuleCtx,
    block: &str,
    consequence: &str,
    help: &str,
) {
    if inst.body.block(block).is_none() {
        let message = format!(
            "backup plan `{}` has no {block}: {consequence}",
            inst.address
        );
        cx.report(rule, inst, None, message, help);
    }
}

/// Tags of a resource as AWS sees them (`tags_all`): the `default_tags` of the provider
/// configuration it uses, overridden key by key by its own `tags`. `Some(pairs)`,
/// `Some(empty)` when untagged, `None` when unknown.
fn tags(body: &EvalBody, default_tags: Option<&Value>) -> Option<Vec<(String, String)>> {
    let mut out: std::collections::BTreeMap<String, String> = Default::default();
    match default_tags {
        None => {}
        Some(Value::Map(m)) => {
            for (k, v) in m {
                match v.to_str() {
                    Some(s) => {
                        out.insert(k.clone(), s);
                    }
                    None if v.is_null() => {}
                    None => return None,
                }
            }
        }
        Some(_) => return None,
    }
    match body.value("tags") {
        None => {}
        Some(Value::Map(m)) => {
            for (k, v) in m {
                match v.to_str() {
                    Some(s) => {
                        out.insert(k.clone(), s);
                    }
                    None if v.is_null() => {}
                    None => return None,
                }
            }
        }
        Some(_) => return None,
    }
    Some(out.into_iter().collect())
}

/// The tag conditions of a selection: `(key, value)` pairs (any one may match), or `None`
/// when one of them is unknown.
fn selection_tags(sel: &EvalBody) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    for t in sel.blocks("selection_tag") {
        let (Some(k), Some(v)) = (t.body.value("key"), t.body.value("value")) else {
            return None;
        };
        match (k.to_str(), v.to_str()) {
            (Some(k), Some(v)) => out.push((k, v)),
            _ => return None,
        }
    }
    for c in sel.blocks("condition") {
        for se in c.body.blocks("string_equals") {
            let (Some(k), Some(v)) = (se.body.value("key"), se.body.value("value")) else {
                return None;
            };
            match (k.to_str(), v.to_str()) {
                (Some(k), Some(v)) => {
                    let k = k.strip_prefix("aws:ResourceTag/").unwrap_or(&k).to_string();
                    out.push((k, v));
                }
                _ => return None,
            }
        }
    }
    Some(out)
}

/// Whether a resource is backed up (see RC206).
pub enum Cover {
    Yes,
    No,
    Unknown,
}

/// Whether a data store is backed up: by the service itself (DynamoDB PITR, EFS backup
/// policy, FSx automatic backups), an `aws_backup_selection` (by reference or tags), an
/// `aws_dlm_lifecycle_policy` or a `reliability_backup_plan`.
pub fn backup_cover(inst: &Instance, g: &Graph) -> Cover {
    let refers = |v: &Value| v.refers_to_instance(&inst.base, &inst.address);
    // Built-in backups.
    match inst.rtype.as_str() {
        "aws_dynamodb_table" => match pitr_enabled(inst) {
            Some(true) => return Cover::Yes,
            None => return Cover::Unknown,
            Some(false) => {}
        },
        "aws_efs_file_system" => {
            for p in g.referrers_of(inst, "aws_efs_backup_policy") {
                match p
                    .body
                    .block("backup_policy")
                    .and_then(|b| b.body.value("status"))
                {
                    Some(Value::String(s)) if s == "ENABLED" => return Cover::Yes,
                    Some(Value::String(_)) => {}
                    _ => return Cover::Unknown,
                }
            }
        }
        t if t.starts_with("aws_fsx_") => {
            let default = if t == "aws_fsx_windows_file_system" {
                7.0
            } else {
                0.0
            };
            match setting(
                &inst.body,
                "automatic_backup_retention_days",
                Value::Number(default),
            ) {
                None => return Cover::Unknown,
                Some((v, _)) if v.as_number().unwrap_or(0.0) > 0.0 => return Cover::Yes,
                _ => {}
            }
        }
        _ => {}
    }
    // By reference.
    for sel in g.referrers_of(inst, "aws_backup_selection") {
        if sel.body.value("resources").is_some_and(refers) {
            return Cover::Yes;
        }
    }
    for plan in g.referrers_of(inst, "reliability_backup_plan") {
        if plan.body.value("targets").is_some_and(refers) {
            return Cover::Yes;
        }
    }
    // By tags.
    let my_tags = tags(&inst.body, g.default_tags_of(inst));
    let mut unknown = false;
    for sel in g.of_type("aws_backup_selection") {
        if !sel.count_known {
            unknown = true;
        }
        if sel
            .body
            .value("resources")
            .is_some_and(|v| v.contains_opaque_unknown())
        {
            unknown = true;
        }
        match selection_tags(&sel.body) {
            None => unknown = true,
            Some(conds) if !conds.is_empty() => match &my_tags {
                None => unknown = true,
                Some(t) => {
                    if conds.iter().any(|c| t.contains(c)) {
                        return Cover::Yes;
                    }
                }
            },
            Some(_) => {}
        }
    }
    if matches!(inst.rtype.as_str(), "aws_ebs_volume" | "aws_instance") {
        for p in g.of_type("aws_dlm_lifecycle_policy") {
            let Some(pd) = p.body.block("policy_details") else {
                continue;
            };
            match pd.body.value("target_tags") {
                Some(Value::Map(m)) => {
                    let conds: Option<Vec<(String, String)>> = m
                        .iter()
                        .map(|(k, v)| v.to_str().map(|v| (k.clone(), v)))
                        .collect();
                    match (conds, &my_tags) {
                        (Some(c), Some(t)) if c.iter().all(|x| t.contains(x)) && !c.is_empty() => {
                            return Cover::Yes
                        }
                        (Some(_), Some(_)) => {}
                        _ => unknown = true,
                    }
                }
                None => {}
                Some(_) => unknown = true,
            }
        }
    }
    for plan in g.of_type("reliability_backup_plan") {
        if plan
            .body
            .value("targets")
            .is_some_and(|v| v.contains_opaque_unknown())
        {
            unknown = true;
        }
    }
    if unknown {
        Cover::Unknown
    } else {
        Cover::No
    }
}
