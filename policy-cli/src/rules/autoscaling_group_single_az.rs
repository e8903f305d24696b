use super::{quote, Rule, RuleCtx};
use crate::eval::Instance;

declare_rule! {
    /// ## What it does
    /// Checks that an `aws_autoscaling_group` spans more than one Availability Zone: a
    /// single entry in `availability_zones`, or a single subnet in `vpc_zone_identifier`
    /// (a subnet lives in exactly one zone), is flagged.
    ///
    /// ## Why is this bad?
    /// All instances of the group run in one zone; when it fails, the group cannot launch
    /// replacements anywhere else.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_autoscaling_group" "web" {
    ///   vpc_zone_identifier = [aws_subnet.private_a.id]
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_autoscaling_group" "web" {
    ///   vpc_zone_identifier = [aws_subnet.private_a.id, aws_subnet.private_b.id]
    /// }
    /// ```
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-availability-zone-balanced.html
    pub struct AutoscalingGroupSingleAz {
        id: "RC107",
        name: "autoscaling-group-single-az",
        category: MultiAz,
        severity: Warning,
        types: ["aws_autoscaling_group"],
    }
}

impl Rule for AutoscalingGroupSingleAz {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        for (key, what) in [
            ("availability_zones", "zone"),
            ("vpc_zone_identifier", "subnet"),
        ] {
            let Some(a) = inst.body.attr(key) else {
                continue;
            };
            if a.value.as_list().map(|l| l.len()) == Some(1) {
                cx.report(
                    self,
                    inst,
                    Some(a),
                    format!("{key} is {}: a single {what}, so every instance runs in one Availability Zone", quote(a)),
                    format!("list {what}s in at least two Availability Zones in `{key}`"),
                );
            }
        }
    }
}
