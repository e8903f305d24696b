use super::shared::{autoscaled_min, cluster_members, is_replica_of, report_few_members};
use super::{Rule, RuleCtx};
use crate::eval::Instance;

declare_rule! {
    /// ## What it does
    /// Checks that an `aws_docdb_cluster` has at least two `aws_docdb_cluster_instance`s,
    /// and an `aws_neptune_cluster` at least two `aws_neptune_cluster_instance`s (counting
    /// `count` and `for_each`, plus the `min_capacity` of a Neptune read-replica
    /// `aws_appautoscaling_target`). Instances are found by their `cluster_identifier`
    /// referring to the cluster (or equal to its literal `cluster_identifier`). A cluster
    /// whose instance count cannot be known is skipped; so is a Neptune cluster replicating
    /// from another (`replication_source_identifier`).
    ///
    /// ## Why is this bad?
    /// Like Aurora, DocumentDB and Neptune keep the storage in three zones but run compute
    /// on the instances: with one instance, an instance or zone failure leaves the cluster
    /// without a primary until a new instance is created (often 10 minutes or more). With a
    /// replica in another zone, failover takes about 30 seconds.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_docdb_cluster" "docs" {
    ///   cluster_identifier = "docs"
    /// }
    /// resource "aws_docdb_cluster_instance" "docs" {
    ///   count              = 1
    ///   cluster_identifier = aws_docdb_cluster.docs.id
    ///   instance_class     = "db.r6g.large"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_docdb_cluster_instance" "docs" {
    ///   count              = 2
    ///   cluster_identifier = aws_docdb_cluster.docs.id
    ///   instance_class     = "db.r6g.large"
    /// }
    /// ```
    ///
    /// ## References
    /// - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/docdb_cluster_instance
    /// - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/neptune_cluster_instance
    /// - https://docs.aws.amazon.com/documentdb/latest/developerguide/replication.html#replication.high-availability
    /// - https://docs.aws.amazon.com/neptune/latest/userguide/feature-overview-availability.html
    pub struct DocdbNeptuneSingleInstance {
        id: "RC117",
        name: "docdb-neptune-single-instance",
        category: MultiAz,
        severity: Warning,
        types: ["aws_docdb_cluster", "aws_neptune_cluster"],
    }
}

impl Rule for DocdbNeptuneSingleInstance {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        let (kind, member, dimension) = if inst.rtype == "aws_docdb_cluster" {
            ("DocumentDB cluster", "aws_docdb_cluster_instance", None)
        } else {
            (
                "Neptune cluster",
                "aws_neptune_cluster_instance",
                Some("neptune:cluster:ReadReplicaCount"),
            )
        };
        if is_replica_of(&inst.body, "replication_source_identifier") {
            return;
        }
        let Some(mut count) = cluster_members(cx.graph, inst, member) else {
            return;
        };
        if let Some(dim) = dimension {
            let Some(readers) = autoscaled_min(cx.graph, inst, dim) else {
                return;
            };
            count += readers;
        }
        report_few_members(self, inst, cx, kind, count, member);
    }
}
