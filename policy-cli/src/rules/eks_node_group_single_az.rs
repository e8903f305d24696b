use super::shared::subnets_in_one_zone;
use super::{quote, Rule, RuleCtx};
use crate::eval::Instance;

declare_rule! {
    /// ## What it does
    /// Checks that an `aws_eks_node_group` can place nodes in more than one Availability
    /// Zone: its `subnet_ids` are flagged when they all lie in one zone (a single subnet,
    /// or `aws_subnet` resources or data sources of the configuration with the same
    /// `availability_zone`; see RC107 for how subnets are followed). A node group of a
    /// cluster that has other node groups possibly in other zones (the "one node group per
    /// zone" pattern for EBS-backed workloads) is not reported, nor are subnets whose zones
    /// cannot be known.
    ///
    /// ## Why is this bad?
    /// Every node of the group runs in one zone: when the zone fails, all pods scheduled
    /// on the group go down at once and the group cannot launch replacement nodes
    /// anywhere else.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_eks_node_group" "workers" {
    ///   cluster_name = aws_eks_cluster.main.name
    ///   subnet_ids   = [aws_subnet.private_a.id]
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_eks_node_group" "workers" {
    ///   cluster_name = aws_eks_cluster.main.name
    ///   subnet_ids   = [aws_subnet.private_a.id, aws_subnet.private_b.id]
    /// }
    /// ```
    ///
    /// ## References
    /// - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/eks_node_group#subnet_ids
    /// - https://docs.aws.amazon.com/eks/latest/best-practices/data-plane.html
    pub struct EksNodeGroupSingleAz {
        id: "RC121",
        name: "eks-node-group-single-az",
        category: MultiAz,
        severity: Warning,
        types: ["aws_eks_node_group"],
    }
}

impl Rule for EksNodeGroupSingleAz {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        let Some(a) = inst.body.attr("subnet_ids") else {
            return;
        };
        let Some(one) = subnets_in_one_zone(&a.value, cx.graph) else {
            return;
        };
        // Other node groups of the same cluster that may run in another zone.
        let cluster = inst.body.value("cluster_name");
        for other in cx.graph.of_type("aws_eks_node_group") {
            if other.address == inst.address || other.body.value("cluster_name") != cluster {
                continue;
            }
            let other_zone = other
                .body
                .value("subnet_ids")
                .and_then(|v| subnets_in_one_zone(v, cx.graph))
                .and_then(|o| o.zone);
            if one.zone.is_none() || other_zone != one.zone {
                return;
            }
        }
        cx.report(
            self,
            inst,
            Some(a),
            format!(
                "subnet_ids is {}: {}, so every node runs in one Availability Zone",
                quote(a),
                one.describe()
            ),
            "list subnets in at least two Availability Zones in `subnet_ids`",
        );
    }
}
