use super::{quote, Rule, RuleCtx};
use crate::eval::Instance;

declare_rule! {
    /// ## What it does
    /// Checks that `aws_db_instance` and `aws_rds_cluster` keep automated backups:
    /// `backup_retention_period = 0` disables them. Unset is fine (AWS keeps 1 day by
    /// default). Read replicas are skipped: they are backed up through their source.
    ///
    /// ## Why is this bad?
    /// With retention 0 there are no automated backups and no point-in-time restore: a bad
    /// migration or an accidental `DELETE` cannot be undone.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_db_instance" "orders" {
    ///   backup_retention_period = 0
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_db_instance" "orders" {
    ///   backup_retention_period = 7
    /// }
    /// ```
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithAutomatedBackups.html
    pub struct DbBackupRetentionZero {
        id: "RC201",
        name: "db-backup-retention-zero",
        category: Backup,
        severity: Error,
        types: ["aws_db_instance", "aws_rds_cluster"],
    }
}

impl Rule for DbBackupRetentionZero {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        for key in ["replicate_source_db", "replication_source_identifier"] {
            if inst.body.attr(key).is_some_and(|a| !a.value.is_null()) {
                return;
            }
        }
        let Some(a) = inst.body.attr("backup_retention_period") else {
            return;
        };
        if a.value.as_number() == Some(0.0) {
            cx.report(
                self,
                inst,
                Some(a),
                format!(
                    "backup_retention_period is {}: automated backups are disabled",
                    quote(a)
                ),
                "set `backup_retention_period` to at least 7 (days)",
            );
        }
    }
}
