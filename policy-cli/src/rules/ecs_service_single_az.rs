use super::shared::report_subnets_in_one_zone;
use super::{Rule, RuleCtx};
use crate::eval::Instance;

declare_rule! {
    /// ## What it does
    /// Checks that an `aws_ecs_service` with `awsvpc` networking can place tasks in more
    /// than one Availability Zone: its `network_configuration { subnets }` are flagged when
    /// they all lie in one zone (a single subnet, or `aws_subnet` resources or data sources
    /// of the configuration with the same `availability_zone`; see RC107 for how subnets
    /// are followed). Services without a `network_configuration` (tasks are placed on the
    /// container instances' zones), ECS Anywhere services (`launch_type = "EXTERNAL"`) and
    /// subnets whose zones cannot be known are not reported.
    ///
    /// ## Why is this bad?
    /// The service's tasks get their network interfaces in those subnets only, so they all
    /// run in one zone: when it fails, the service is down and ECS has nowhere else to
    /// start replacements.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_ecs_service" "api" {
    ///   launch_type   = "FARGATE"
    ///   desired_count = 3
    ///   network_configuration {
    ///     subnets = [aws_subnet.private_a.id]
    ///   }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_ecs_service" "api" {
    ///   launch_type   = "FARGATE"
    ///   desired_count = 3
    ///   network_configuration {
    ///     subnets = [aws_subnet.private_a.id, aws_subnet.private_b.id]
    ///   }
    /// }
    /// ```
    ///
    /// ## References
    /// - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/ecs_service#network_configuration
    /// - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-options.html
    pub struct EcsServiceSingleAz {
        id: "RC122",
        name: "ecs-service-single-az",
        category: MultiAz,
        severity: Warning,
        types: ["aws_ecs_service"],
    }
}

impl Rule for EcsServiceSingleAz {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        match inst.body.value("launch_type").map(|v| v.as_str()) {
            Some(Some("EXTERNAL")) => return,
            Some(None) => return, // unknown
            _ => {}
        }
        let Some(nc) = inst.body.block("network_configuration") else {
            return;
        };
        let Some(a) = nc.body.attr("subnets") else {
            return;
        };
        report_subnets_in_one_zone(
            self,
            inst,
            cx,
            a,
            "network_configuration.subnets",
            "every task",
            "list subnets in at least two Availability Zones in `network_configuration.subnets`",
        );
    }
}
