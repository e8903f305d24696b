use super::shared::duration_secs;
use super::{Rule, RuleCtx};
use crate::eval::Instance;

declare_rule! {
    /// ## What it does
    /// Checks that a `reliability_backup_plan` whose `labels` mark a tier 1 service
    /// (`tier = "1"`, also `1`, `"tier1"`, `"tier-1"`, case-insensitive; tier 0 counts too)
    /// has an `rto` of at most 4 hours. `rto` is a Prometheus duration (`"4h"`, `"240m"`,
    /// `"1d"`, `"1h30m"`). A plan without `rto`, with unknown labels or an unknown or
    /// unparsable `rto` gives no finding.
    ///
    /// ## Why is this bad?
    /// A tier 1 service is one the business cannot be without for long. An RTO beyond a few
    /// hours means a restore that outlasts any reasonable incident: either the service is
    /// not really tier 1, or the recovery plan (restore size, parallelism, warm standby)
    /// needs work before the day it is needed.
    ///
    /// ## Example
    /// ```hcl
    /// resource "reliability_backup_plan" "payments" {
    ///   name   = "payments"
    ///   rto    = "1d"
    ///   labels = { tier = "1" }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "reliability_backup_plan" "payments" {
    ///   name   = "payments"
    ///   rto    = "2h"
    ///   labels = { tier = "1" }
    /// }
    /// ```
    ///
    /// ## References
    /// - https://prometheus.io/docs/prometheus/latest/configuration/configuration/#duration
    /// - https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/disaster-recovery-dr-objectives.html
    pub struct BackupPlanRtoTooLong {
        id: "RC603",
        name: "backup-plan-rto-too-long",
        category: BackupPlan,
        severity: Warning,
        types: ["reliability_backup_plan"],
    }
}

/// The longest RTO for a tier 0/1 service, in seconds.
const MAX_RTO: f64 = 4.0 * 3600.0;

impl Rule for BackupPlanRtoTooLong {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        let Some(Some(tier)) = super::shared::tier(&inst.body) else {
            return;
        };
        if tier > 1 {
            return;
        }
        let Some(attr) = inst.body.attr("rto") else {
            return;
        };
        let Some(secs) = attr.value.as_str().and_then(duration_secs) else {
            return;
        };
        if secs <= MAX_RTO {
            return;
        }
        cx.report_attr(
            self,
            inst,
            attr,
            &format!(" for a tier {tier} service: more than 4h to restore it"),
            "set `rto` to 4h or less (e.g. `rto = \"4h\"`) and make the restore that fast, or label the service with its real tier",
        );
    }
}
