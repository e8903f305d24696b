use super::{Rule, RuleCtx};
use crate::eval::Instance;

declare_rule! {
    /// ## What it does
    /// Checks that every `rule` of an `aws_backup_plan` copies its recovery points
    /// elsewhere with a `copy_action` (a `destination_vault_arn` in another region or
    /// account). A `dynamic "copy_action"` whose `for_each` is unknown counts as present;
    /// one over a known empty collection does not. The destination itself is not judged:
    /// a vault's region and account can rarely be known before apply. A rule backing up to
    /// a logically air-gapped vault (`target_logically_air_gapped_backup_vault_arn`) is
    /// reported too: that vault is in the plan's region.
    ///
    /// ## Why is this bad?
    /// A plan's target vault is always in the plan's own region and account. Without a
    /// copy, the backups share the fate of the data: a region outage, a compromised or
    /// closed account, or a mistaken `terraform destroy` of the vault takes them along
    /// with what they were meant to restore.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_backup_plan" "daily" {
    ///   name = "daily"
    ///   rule {
    ///     rule_name         = "daily"
    ///     target_vault_name = aws_backup_vault.main.name
    ///     schedule          = "cron(0 3 * * ? *)"
    ///   }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_backup_plan" "daily" {
    ///   name = "daily"
    ///   rule {
    ///     rule_name         = "daily"
    ///     target_vault_name = aws_backup_vault.main.name
    ///     schedule          = "cron(0 3 * * ? *)"
    ///     copy_action {
    ///       destination_vault_arn = aws_backup_vault.dr_region.arn
    ///     }
    ///   }
    /// }
    /// ```
    ///
    /// ## References
    /// - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/backup_plan#copy_action
    /// - https://docs.aws.amazon.com/aws-backup/latest/devguide/cross-region-backup.html
    /// - https://docs.aws.amazon.com/aws-backup/latest/devguide/create-cross-account-backup.html
    pub struct AwsBackupPlanNoOffsiteCopy {
        id: "RC208",
        name: "aws-backup-plan-no-offsite-copy",
        category: Backup,
        severity: Warning,
        types: ["aws_backup_plan"],
    }
}

impl Rule for AwsBackupPlanNoOffsiteCopy {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        for rule in inst.body.blocks("rule") {
            if rule.body.block("copy_action").is_some() {
                continue;
            }
            let name = match rule.body.attr("rule_name") {
                Some(a) => match a.value.as_str() {
                    Some(n) => format!("rule \"{n}\""),
                    None => "a rule".to_string(),
                },
                None => "a rule".to_string(),
            };
            // A logically air-gapped vault keeps its backups out of the account's reach,
            // but in the same region.
            let air_gapped = rule
                .body
                .attr("target_logically_air_gapped_backup_vault_arn")
                .is_some_and(|a| !a.value.is_null());
            let stay = if air_gapped {
                "its recovery points stay in the plan's region (the logically air-gapped vault guards against a compromised account, not a region outage)"
            } else {
                "its recovery points stay in the plan's own region and account"
            };
            cx.report_at(
                self,
                inst,
                rule.span.clone(),
                format!("{name} of `{}` has no copy_action: {stay}", inst.address),
                "add `copy_action { destination_vault_arn = ... }` with a vault in another region or account",
            );
        }
    }
}
