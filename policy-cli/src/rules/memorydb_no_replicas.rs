use super::{setting, Rule, RuleCtx};
use crate::eval::Instance;
use crate::value::Value;

declare_rule! {
    /// ## What it does
    /// Checks that an `aws_memorydb_cluster` keeps replicas: `num_replicas_per_shard = 0`
    /// is flagged. The provider default is `1` (two nodes per shard), so a cluster that
    /// does not set it is fine.
    ///
    /// ## Why is this bad?
    /// MemoryDB's durability comes from its multi-zone transaction log, but availability
    /// comes from replicas: with none, a node or zone failure leaves the shard without a
    /// primary until a new node is created and has replayed the log, and reads have nowhere
    /// else to go meanwhile. A replica in another zone is promoted within seconds.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_memorydb_cluster" "orders" {
    ///   name                   = "orders"
    ///   node_type              = "db.r7g.large"
    ///   num_replicas_per_shard = 0
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_memorydb_cluster" "orders" {
    ///   name                   = "orders"
    ///   node_type              = "db.r7g.large"
    ///   num_replicas_per_shard = 1
    /// }
    /// ```
    ///
    /// ## References
    /// - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/memorydb_cluster#num_replicas_per_shard
    /// - https://docs.aws.amazon.com/memorydb/latest/devguide/autofailover.html
    pub struct MemorydbNoReplicas {
        id: "RC120",
        name: "memorydb-no-replicas",
        category: MultiAz,
        severity: Warning,
        types: ["aws_memorydb_cluster"],
    }
}

impl Rule for MemorydbNoReplicas {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        let Some((n, attr)) = setting(&inst.body, "num_replicas_per_shard", Value::Number(1.0))
        else {
            return;
        };
        if n.as_number() == Some(0.0) {
            cx.report_setting(
                self,
                inst,
                "num_replicas_per_shard",
                (&n, attr),
                ": each shard is a single node, with no replica to fail over to",
                "set `num_replicas_per_shard = 1` or more (the provider default is 1)",
            );
        }
    }
}
