use super::shared::{autoscaled_min, cluster_members, is_replica_of, report_few_members};
use super::{Rule, RuleCtx};
use crate::eval::Instance;

declare_rule! {
    /// ## What it does
    /// Checks that an Aurora `aws_rds_cluster` has at least two `aws_rds_cluster_instance`s
    /// (counting `count` and `for_each`, plus the `min_capacity` of an Aurora Auto Scaling
    /// `aws_appautoscaling_target`). Instances are found by their `cluster_identifier`
    /// referring to the cluster. Non-Aurora (Multi-AZ DB cluster) and Serverless v1 clusters
    /// are skipped; so is a cluster whose instance count cannot be known.
    ///
    /// ## Why is this bad?
    /// Aurora storage spans three zones, but compute does not: with a single instance a zone
    /// failure or an instance crash means the cluster has no writer until a new instance is
    /// created (often 10 minutes or more). A reader in another zone is promoted in ~30 s.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_rds_cluster" "main" {
    ///   engine = "aurora-postgresql"
    /// }
    /// resource "aws_rds_cluster_instance" "main" {
    ///   count              = 1
    ///   cluster_identifier = aws_rds_cluster.main.id
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_rds_cluster_instance" "main" {
    ///   count              = 2
    ///   cluster_identifier = aws_rds_cluster.main.id
    /// }
    /// ```
    ///
    /// ## References
    /// - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/rds_cluster_instance
    /// - https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.AuroraHighAvailability.html
    pub struct RdsClusterSingleInstance {
        id: "RC102",
        name: "rds-cluster-single-instance",
        category: MultiAz,
        severity: Warning,
        types: ["aws_rds_cluster"],
    }
}

impl Rule for RdsClusterSingleInstance {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        let body = &inst.body;
        let engine = match body.value("engine") {
            None => "aurora".to_string(),
            Some(v) => match v.as_str() {
                Some(s) => s.to_string(),
                None => return,
            },
        };
        if !engine.starts_with("aurora") {
            return;
        }
        match body.value("engine_mode").map(|v| v.as_str()) {
            None | Some(Some("provisioned")) => {}
            _ => return,
        }
        // a secondary (replica) cluster is often headless on purpose
        if is_replica_of(body, "replication_source_identifier") {
            return;
        }
        let member = "aws_rds_cluster_instance";
        let Some(count) = cluster_members(cx.graph, inst, member) else {
            return;
        };
        // Aurora Auto Scaling adds readers: its minimum capacity counts.
        let Some(readers) = autoscaled_min(cx.graph, inst, "rds:cluster:ReadReplicaCount") else {
            return;
        };
        report_few_members(self, inst, cx, "Aurora cluster", count + readers, member);
    }
}
