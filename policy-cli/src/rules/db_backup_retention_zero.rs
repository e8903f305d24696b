use super::{describe, setting, Remedy, Rule, RuleCtx};
use super::shared::is_replica_of;
use crate::eval::Instance;
use crate::value::Value;

declare_rule! {
    /// ## What it does
    /// Checks that `aws_db_instance` and `aws_rds_cluster` keep automated backups:
    /// `backup_retention_period = 0` disables them. Unset is fine (AWS keeps 1 day by
    /// default). Read replicas are skipped: they are backed up through their source.
    ///
    /// ## Configuration
    /// `min-backup-retention-days` in `[thresholds]` of `.relcheck.toml` (default 1) raises
    /// the bar: with `min-backup-retention-days = 7`, a retention of 3 days, or an unset one
    /// (1 day), is flagged too.
    ///
    /// ## Why is this bad?
    /// With retention 0 there are no automated backups and no point-in-time restore: a bad
    /// migration or an accidental `DELETE` cannot be undone. A retention shorter than your
    /// policy's minimum loses the restore points you need to recover from a slowly noticed
    /// corruption.
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
        fix: "sets `backup_retention_period` to 7 days, or to `min-backup-retention-days` when that is higher (replaces a literal value, or adds the attribute)",
    }
}

impl Rule for DbBackupRetentionZero {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        for key in ["replicate_source_db", "replication_source_identifier"] {
            if is_replica_of(&inst.body, key) {
                return;
            }
        }
        let min = cx.thresholds.min_backup_retention_days;
        // AWS keeps 1 day of automated backups when the attribute is unset or null.
        let Some((v, a)) = setting(&inst.body, "backup_retention_period", Value::Number(1.0))
        else {
            return;
        };
        let Some(days) = v.as_number() else {
            return;
        };
        // Without a configured minimum the advice stays the usual week.
        let days_fixed = min.max(7).to_string();
        let help = format!(
            "set `backup_retention_period` to at least {} (days)",
            if min > 1 { min } else { 7 }
        );
        let remedy = Remedy::Set {
            name: "backup_retention_period",
            value: &days_fixed,
            within: None,
        };
        if days == 0.0 {
            let message = format!(
                "backup_retention_period is {}: automated backups are disabled",
                describe(&v, a)
            );
            cx.report(self, inst, a, message, help);
            cx.offer_fix(inst, a, remedy);
        } else if days < f64::from(min) {
            let message = format!(
                "backup_retention_period is {}: below the minimum of {min} days \
                 (min-backup-retention-days)",
                describe(&v, a)
            );
            cx.report(self, inst, a, message, help);
            cx.offer_fix(inst, a, remedy);
        }
    }
}
