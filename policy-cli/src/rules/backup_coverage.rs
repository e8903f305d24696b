use super::{Rule, RuleCtx};
use crate::eval::{EvalBody, Instance};
use crate::graph::Graph;
use crate::value::Value;

declare_rule! {
    /// ## What it does
    /// Checks that data stores without built-in backups are covered by one: an
    /// `aws_ebs_volume`, `aws_efs_file_system`, `aws_dynamodb_table`, FSx file system or an
    /// `aws_instance` with extra EBS data volumes counts as backed up when
    ///
    /// - an `aws_backup_selection` lists it in `resources` (by reference, also through
    ///   module outputs), or its `selection_tag` / `condition { string_equals }` matches the
    ///   resource's `tags` (including the AWS provider's `default_tags`);
    /// - an `aws_dlm_lifecycle_policy` targets its tags (EBS volumes, instances);
    /// - a `reliability_backup_plan` lists it in `targets`;
    /// - or the service backs it up itself: an `aws_efs_backup_policy` with status
    ///   `ENABLED`, DynamoDB point-in-time recovery, FSx `automatic_backup_retention_days`.
    ///
    /// When a selection's resources or tags cannot be known, nothing is reported.
    ///
    /// ## Why is this bad?
    /// A volume or table nobody backs up is lost for good when it is deleted, corrupted or
    /// encrypted by ransomware. Backups are easy to forget when the backup plan lives in
    /// another file or module than the data.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_ebs_volume" "data" {
    ///   availability_zone = "eu-west-1a"
    ///   size              = 100
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_backup_selection" "data" {
    ///   name         = "data"
    ///   plan_id      = aws_backup_plan.daily.id
    ///   iam_role_arn = aws_iam_role.backup.arn
    ///   resources    = [aws_ebs_volume.data.arn]
    /// }
    /// ```
    ///
    /// ## References
    /// - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/backup_selection
    /// - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/dlm_lifecycle_policy
    pub struct BackupCoverage {
        id: "RC206",
        name: "backup-coverage",
        category: Backup,
        severity: Warning,
        types: [
            "aws_ebs_volume",
            "aws_efs_file_system",
            "aws_dynamodb_table",
            "aws_fsx_windows_file_system",
            "aws_fsx_lustre_file_system",
            "aws_fsx_ontap_file_system",
            "aws_fsx_openzfs_file_system",
            "aws_instance",
        ],
    }
}

/// Tags of a resource, with the provider's `default_tags` under them: `Some(map)`,
/// `Some(empty)` when untagged, `None` when unknown.
fn tags(body: &EvalBody, default_tags: Option<&Value>) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    match default_tags {
        None => {}
        Some(Value::Map(m)) => {
            for (k, v) in m {
                out.push((k.clone(), v.to_str()?));
            }
        }
        Some(_) => return None,
    }
    match body.value("tags") {
        None => Some(out),
        Some(Value::Map(m)) => {
            for (k, v) in m {
                match v.to_str() {
                    Some(s) => out.push((k.clone(), s)),
                    None if v.is_null() => {}
                    None => return None,
                }
            }
            Some(out)
        }
        Some(_) => None,
    }
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

enum Cover {
    Yes,
    No,
    Unknown,
}

fn covered(inst: &Instance, g: &Graph) -> Cover {
    let base = inst.base.as_str();
    // Built-in backups.
    match inst.rtype.as_str() {
        "aws_dynamodb_table" => match super::shared::pitr_enabled(inst) {
            Some(true) => return Cover::Yes,
            None => return Cover::Unknown,
            Some(false) => {}
        },
        "aws_efs_file_system" => {
            for p in g.referrers(base, "aws_efs_backup_policy") {
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
            match super::setting(
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
    for sel in g.referrers(base, "aws_backup_selection") {
        if sel
            .body
            .value("resources")
            .is_some_and(|v| v.refers_to(base))
        {
            return Cover::Yes;
        }
    }
    for plan in g.referrers(base, "reliability_backup_plan") {
        if plan
            .body
            .value("targets")
            .is_some_and(|v| v.refers_to(base))
        {
            return Cover::Yes;
        }
    }
    // By tags.
    let my_tags = tags(&inst.body, g.default_tags.as_ref());
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

impl Rule for BackupCoverage {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        if inst.rtype == "aws_instance" && inst.body.block("ebs_block_device").is_none() {
            return; // no data volumes
        }
        if inst.rtype == "aws_fsx_lustre_file_system"
            && inst
                .body
                .value("deployment_type")
                .and_then(|v| v.as_str())
                .is_none_or(|d| d.starts_with("SCRATCH"))
        {
            return; // scratch file systems cannot be backed up
        }
        if let Cover::No = covered(inst, cx.graph) {
            let what = if inst.rtype == "aws_instance" {
                "its EBS data volumes are"
            } else if inst.rtype.starts_with("aws_fsx_") {
                "automatic_backup_retention_days is 0 and it is"
            } else if inst.rtype == "aws_dynamodb_table" {
                "point-in-time recovery is off and it is"
            } else {
                "it is"
            };
            cx.report(
                self,
                inst,
                None,
                format!(
                    "`{}` has no backup: {what} not in any aws_backup_selection, aws_dlm_lifecycle_policy or reliability_backup_plan",
                    inst.address
                ),
                "reference it in an `aws_backup_selection` `resources` list (or give it tags a `selection_tag` matches), or list it in a `reliability_backup_plan` `targets`",
            );
        }
    }
}
