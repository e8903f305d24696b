use super::{quote, Rule, RuleCtx};
use crate::eval::Instance;

declare_rule! {
    /// ## What it does
    /// Checks that an `aws_efs_file_system` is not a One Zone file system
    /// (`availability_zone_name` set).
    ///
    /// ## Why is this bad?
    /// One Zone storage keeps data in a single Availability Zone: when that zone is lost,
    /// the file system is unavailable and its data may be lost.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_efs_file_system" "shared" {
    ///   availability_zone_name = "eu-west-1a"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_efs_file_system" "shared" {
    ///   # Regional (multi-AZ) storage: leave availability_zone_name unset
    /// }
    /// ```
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/efs/latest/ug/availability-durability.html
    pub struct EfsOneZone {
        id: "RC104",
        name: "efs-one-zone",
        category: MultiAz,
        severity: Warning,
        types: ["aws_efs_file_system"],
    }
}

impl Rule for EfsOneZone {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        let Some(a) = inst.body.attr("availability_zone_name") else {
            return;
        };
        if a.value.as_str().is_some_and(|s| !s.is_empty()) {
            cx.report(
                self,
                inst,
                Some(a),
                format!(
                    "availability_zone_name is {}: One Zone storage lives in a single zone",
                    quote(a)
                ),
                "remove `availability_zone_name` to use Regional (multi-AZ) storage",
            );
        }
    }
}
