use super::shared::{backup_cover, Cover};
use super::{Rule, RuleCtx};
use crate::eval::Instance;

declare_rule! {
    /// ## What it does
    /// Checks that data stores without built-in backups are covered by one: an
    /// `aws_ebs_volume`, `aws_efs_file_system`, `aws_dynamodb_table`, FSx file system or an
    /// `aws_instance` with extra EBS data volumes counts as backed up when
    ///
    /// - an `aws_backup_selection` selects it the way AWS Backup does: an ARN in
    ///   `resources` (a reference to it, also through module outputs, or a pattern such as
    ///   `arn:aws:elasticfilesystem:*:*:file-system/*` or `*`) or one of its `selection_tag`s
    ///   (ORed) matches, every key of the `condition` blocks holds (`string_equals`,
    ///   `string_like`, `string_not_equals`, `string_not_like` on `aws:ResourceTag/<key>`,
    ///   ANDed), and `not_resources` does not name it. With neither `resources` nor
    ///   `selection_tag` the conditions alone select. Tags are the resource's as AWS sees
    ///   them: the `default_tags` of the provider configuration the resource uses (its
    ///   `provider` argument, or what module calls pass in `providers`; a configuration
    ///   without `default_tags` adds none), overridden key by key by its own `tags`;
    ///   A selection (and a DLM policy) selects in its own region and account only: one
    ///   whose provider configuration is provably in another `region` or account
    ///   (`allowed_account_ids`, the `assume_role` role's ARN) does not cover the resource;
    /// - an `aws_dlm_lifecycle_policy` whose `state` is `ENABLED` (the default) and whose
    ///   `resource_types` include the resource's kind targets it: it carries all of the
    ///   `target_tags` (with some of them only, nothing is reported);
    /// - a `reliability_backup_plan` lists it in `targets`;
    /// - or the service backs it up itself: an `aws_efs_backup_policy` with status
    ///   `ENABLED` whose `file_system_id` names this file system, DynamoDB point-in-time
    ///   recovery, FSx `automatic_backup_retention_days`.
    ///
    /// A selection or policy that might select it (a region or account in an ARN, an ID
    /// of an existing resource, a tag or `count` that cannot be known, a selection with
    /// nothing set, which selects the account's opted-in resources) keeps it silent.
    ///
    /// Coverage is per instance: a reference to one instance (`aws_efs_file_system.x["a"]`,
    /// `x[0]`, `x[each.key]`, `each.value` of `for_each = <the resource>`) covers that
    /// instance only; a reference whose instance cannot be told (`x[var.unknown]`, a
    /// resource with unknown `count`) may cover any of them. References are followed
    /// through `concat`, `flatten`, `setunion`, `merge`, splats and `for` expressions, and
    /// through an attribute another resource's configuration sets to this resource's value.
    ///
    /// When a selection's resources or tags cannot be known, nothing is reported. A DynamoDB
    /// table without point-in-time recovery and without a backup is reported here only, not
    /// also by RC202 (`dynamodb-pitr-disabled`).
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
    /// - https://docs.aws.amazon.com/aws-backup/latest/devguide/API_BackupSelection.html
    /// - https://docs.aws.amazon.com/aws-backup/latest/devguide/assigning-resources.html#assigning-resources-json
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
        if let Cover::No = backup_cover(inst, cx.graph) {
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
                if inst.rtype == "aws_dynamodb_table" {
                    "add `point_in_time_recovery { enabled = true }`, or reference it in an `aws_backup_selection` `resources` list (or give it tags a `selection_tag` matches)"
                } else {
                    "reference it in an `aws_backup_selection` `resources` list (or give it tags a `selection_tag` matches), or list it in a `reliability_backup_plan` `targets`"
                },
            );
        }
    }
}
