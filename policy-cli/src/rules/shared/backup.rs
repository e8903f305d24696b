//! Backup coverage: whether a data store is backed up (by the service, an AWS Backup
//! selection, a DLM policy or a `reliability_backup_plan`), and the report of a backup plan
//! missing a block.

use super::super::{setting, Rule, RuleCtx};
use super::selection::{dlm_selects, selection_selects, Tri};
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
    // Default tags first: a tag set on the resource overrides the default of its key.
    for tags in [default_tags, body.value("tags")].into_iter().flatten() {
        let Value::Map(m) = tags else {
            return None;
        };
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
    Some(out.into_iter().collect())
}

/// Whether an `aws_backup_selection` selects the instance, as AWS would (its tags are
/// those AWS sees, see `selection.rs`).
pub fn selection_covers(sel: &Instance, inst: &Instance, g: &Graph) -> Tri {
    let my_tags = tags(&inst.body, g.default_tags_of(inst));
    selection_selects(sel, inst, my_tags.as_deref(), g)
}

/// Whether a resource is backed up (see RC206).
pub enum Cover {
    Yes,
    No,
    Unknown,
}

/// Whether a data store is backed up: by the service itself (DynamoDB PITR, an EFS backup
/// policy naming it, FSx automatic backups), an `aws_backup_selection` or an enabled
/// `aws_dlm_lifecycle_policy` that selects it as AWS would (see `selection.rs`), or a
/// `reliability_backup_plan` that targets it.
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
            // A backup policy counts for the file system its `file_system_id` names.
            for p in g.referrers_of(inst, "aws_efs_backup_policy") {
                if !p.body.value("file_system_id").is_some_and(refers) {
                    continue;
                }
                match p
                    .body
                    .block("backup_policy")
                    .and_then(|b| b.body.value("status"))
                {
                    Some(Value::String(s)) if s == "ENABLED" && p.count_known => return Cover::Yes,
                    Some(Value::String(_)) if p.count_known => {}
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
    for plan in g.referrers_of(inst, "reliability_backup_plan") {
        if plan.body.value("targets").is_some_and(refers) {
            return Cover::Yes;
        }
    }
    // AWS Backup selections and DLM policies, as AWS selects.
    let my_tags = tags(&inst.body, g.default_tags_of(inst));
    let my_tags = my_tags.as_deref();
    let mut unknown = false;
    for sel in g.of_type("aws_backup_selection") {
        match selection_selects(sel, inst, my_tags, g) {
            Tri::Yes => return Cover::Yes,
            Tri::Maybe => unknown = true,
            Tri::No => {}
        }
    }
    if matches!(inst.rtype.as_str(), "aws_ebs_volume" | "aws_instance") {
        for p in g.of_type("aws_dlm_lifecycle_policy") {
            match dlm_selects(p, inst, my_tags, g) {
                Tri::Yes => return Cover::Yes,
                Tri::Maybe => unknown = true,
                Tri::No => {}
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
