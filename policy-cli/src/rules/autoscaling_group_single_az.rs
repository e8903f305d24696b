use super::shared::{report_single_zone_list, report_subnets_in_one_zone};
use super::{Rule, RuleCtx};
use crate::eval::Instance;

declare_rule! {
    /// ## What it does
    /// Checks that an `aws_autoscaling_group` spans more than one Availability Zone: a
    /// single zone in `availability_zones` is flagged, and so are `vpc_zone_identifier`
    /// subnets that all lie in one zone: a single subnet (a subnet lives in exactly one
    /// zone), or `aws_subnet` resources or data sources of the configuration whose
    /// `availability_zone` (or `availability_zone_id`) is the same. `count`/`for_each`
    /// subnets (`aws_subnet.private[*].id`, `[for s in aws_subnet.private : s.id]`,
    /// `values(aws_subnet.private)[*].id`) count with the zones of all their instances.
    /// Subnets whose zone cannot be known (ids from variables, other modules' outputs,
    /// zones from `data.aws_availability_zones`) are not reported.
    ///
    /// ## Why is this bad?
    /// All instances of the group run in one zone; when it fails, the group cannot launch
    /// replacements anywhere else.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_subnet" "private" {
    ///   for_each          = { a = "10.0.1.0/24", b = "10.0.2.0/24" }
    ///   cidr_block        = each.value
    ///   availability_zone = "eu-west-1a"
    /// }
    /// resource "aws_autoscaling_group" "web" {
    ///   vpc_zone_identifier = values(aws_subnet.private)[*].id
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_subnet" "private" {
    ///   for_each          = { "eu-west-1a" = "10.0.1.0/24", "eu-west-1b" = "10.0.2.0/24" }
    ///   cidr_block        = each.value
    ///   availability_zone = each.key
    /// }
    /// resource "aws_autoscaling_group" "web" {
    ///   vpc_zone_identifier = values(aws_subnet.private)[*].id
    /// }
    /// ```
    ///
    /// ## References
    /// - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/autoscaling_group#vpc_zone_identifier
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
        report_single_zone_list(
            self,
            inst,
            cx,
            "a single zone, so every instance runs in one Availability Zone",
        );
        if let Some(a) = inst.body.attr("vpc_zone_identifier") {
            report_subnets_in_one_zone(
                self,
                inst,
                cx,
                a,
                "vpc_zone_identifier",
                "every instance",
                "list subnets in at least two Availability Zones in `vpc_zone_identifier`",
            );
        }
    }
}
