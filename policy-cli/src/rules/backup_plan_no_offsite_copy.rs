use super::shared::report_missing_plan_block;
use super::{Rule, RuleCtx};
use crate::eval::Instance;

declare_rule! {
    /// ## What it does
    /// Checks that a `reliability_backup_plan` has an `offsite_copy` block. A `dynamic
    /// "offsite_copy"` whose `for_each` is unknown counts as present; one over a known empty
    /// collection does not.
    ///
    /// ## Why is this bad?
    /// Backups kept next to the data share its fate: a region outage, a compromised account
    /// or a `terraform destroy` of the wrong workspace takes both. A copy in another region
    /// or account is what makes the backup survive the disaster it exists for. This is a
    /// note rather than a warning: the backup destination itself may already be off-site
    /// (another account or provider), which relcheck cannot see.
    ///
    /// ## Example
    /// ```hcl
    /// resource "reliability_backup_plan" "orders" {
    ///   name     = "orders"
    ///   schedule = "0 2 * * *"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "reliability_backup_plan" "orders" {
    ///   name     = "orders"
    ///   schedule = "0 2 * * *"
    ///   offsite_copy {
    ///     destination = "s3://backups-eu-central-1/orders"
    ///   }
    /// }
    /// ```
    ///
    /// ## References
    /// - https://www.cisa.gov/sites/default/files/publications/data_backup_options.pdf
    pub struct BackupPlanNoOffsiteCopy {
        id: "RC602",
        name: "backup-plan-no-offsite-copy",
        category: BackupPlan,
        severity: Note,
        types: ["reliability_backup_plan"],
    }
}

const WHY: &str = "its backups share the fate of the data";
const HELP: &str = "add `offsite_copy { destination = \"…\" }` in another region or account";

impl Rule for BackupPlanNoOffsiteCopy {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        report_missing_plan_block(self, inst, cx, "offsite_copy", WHY, HELP);
    }
}
