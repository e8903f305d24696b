use super::shared::{report_single_zone_list, report_subnets_in_one_zone, subnets_in_one_zone};
use super::{Rule, RuleCtx};
use crate::eval::Instance;
use crate::value::Value;

declare_rule! {
    /// ## What it does
    /// Checks that a load balancer has nodes in more than one Availability Zone:
    /// `aws_lb` / `aws_alb` `subnets` or `subnet_mapping` blocks, and Classic `aws_elb`
    /// `subnets` or `availability_zones`, are flagged when they all lie in one zone (a
    /// single subnet or zone, or `aws_subnet` resources or data sources of the
    /// configuration with the same `availability_zone`; see RC107 for how subnets are
    /// followed). Subnets whose zones cannot be known are not reported. AWS itself refuses
    /// an Application Load Balancer in one zone, so for those this catches the error before
    /// `apply`.
    ///
    /// ## Why is this bad?
    /// A load balancer only has nodes in the zones of its subnets. In one zone, a zone
    /// failure takes the entry point down, however many zones the targets behind it run
    /// in; and targets in other zones are only reachable through cross-zone load balancing.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_lb" "api" {
    ///   load_balancer_type = "network"
    ///   subnets            = [aws_subnet.public_a.id]
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_lb" "api" {
    ///   load_balancer_type = "network"
    ///   subnets            = [aws_subnet.public_a.id, aws_subnet.public_b.id]
    /// }
    /// ```
    ///
    /// ## References
    /// - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/lb#subnets
    /// - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/elb#availability_zones
    /// - https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/how-elastic-load-balancing-works.html#availability-zones
    pub struct LoadBalancerSingleAz {
        id: "RC123",
        name: "load-balancer-single-az",
        category: MultiAz,
        severity: Warning,
        types: ["aws_lb", "aws_alb", "aws_elb"],
    }
}

impl Rule for LoadBalancerSingleAz {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        let body = &inst.body;
        let help = "give the load balancer subnets in at least two Availability Zones";
        if let Some(a) = body.attr("subnets").filter(|a| !a.value.is_null()) {
            report_subnets_in_one_zone(self, inst, cx, a, "subnets", "the load balancer", help);
            return;
        }
        let mappings: Vec<_> = body.blocks("subnet_mapping").collect();
        if !mappings.is_empty() {
            let ids: Option<Vec<Value>> = mappings
                .iter()
                .map(|m| m.body.value("subnet_id").cloned())
                .collect();
            let Some(ids) = ids else {
                return;
            };
            // A `dynamic "subnet_mapping"` over an unknown collection is one placeholder
            // block whose subnet could be anything.
            if ids.iter().any(Value::contains_opaque_unknown) {
                return;
            }
            if let Some(one) = subnets_in_one_zone(&Value::List(ids), cx.graph) {
                let what = if one.single_subnet {
                    "a single subnet_mapping".to_string()
                } else {
                    format!(
                        "{} subnet_mapping blocks: {}",
                        mappings.len(),
                        one.describe()
                    )
                };
                cx.report_at(
                    self,
                    inst,
                    mappings[0].span.clone(),
                    format!("{what}, so the load balancer runs in one Availability Zone"),
                    help,
                );
            }
            return;
        }
        report_single_zone_list(
            self,
            inst,
            cx,
            "the load balancer runs in one Availability Zone",
        );
    }
}
