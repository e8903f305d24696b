use super::shared::report_missing_plan_block;
use super::{Rule, RuleCtx};
use crate::eval::Instance;

declare_rule! {
    /// ## What it does
    /// Checks that a `reliability_backup_plan` has a `restore_test` block. A `dynamic
    /// "restore_test"` whose `for_each` is unknown counts as present; one over a known empty
    /// collection does not. `aws-backup-plan-no-restore-test` (RC215) asks the same of the
    /// resources an `aws_backup_plan` backs up, with AWS Backup restore testing.
    ///
    /// ## Why is this bad?
    /// A backup that was never restored is a hope, not a backup: missing files, a wrong
    /// encryption key, a broken dump format or a restore that takes three days are only found
    /// out during the incident. A scheduled restore test (with `max_age` alerting when it
    /// stops succeeding) turns the hope into a measured fact.
    ///
    /// ## Example
    /// ```hcl
    /// resource "reliability_backup_plan" "orders" {
    ///   name           = "orders"
    ///   schedule       = "0 2 * * *"
    ///   retention_days = 30
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "reliability_backup_plan" "orders" {
    ///   name           = "orders"
    ///   schedule       = "0 2 * * *"
    ///   retention_days = 30
    ///   restore_test {
    ///     schedule = "0 6 * * 1"
    ///     max_age  = "8d"
    ///   }
    /// }
    /// ```
    ///
    /// ## References
    /// - https://sre.google/sre-book/data-integrity/
    pub struct BackupPlanNoRestoreTest {
        id: "RC601",
        name: "backup-plan-no-restore-test",
        category: BackupPlan,
        severity: Warning,
        types: ["reliability_backup_plan"],
    }
}

const WHY: &str = "nobody knows whether its backups restore";
const HELP: &str = "add `restore_test { schedule = \"…\", max_age = \"…\" }`";

impl Rule for BackupPlanNoRestoreTest {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        report_missing_plan_block(self, inst, cx, "restore_test", WHY, HELP);
    }
}
