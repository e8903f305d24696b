use super::{describe, setting, Rule, RuleCtx};
use crate::eval::Instance;
use crate::value::Value;

declare_rule! {
    /// ## What it does
    /// Checks that a `google_redis_cluster` (Memorystore for Redis Cluster) has at least
    /// one replica per shard: `replica_count` of 1 or 2. The provider sends no replica count
    /// when it is unset, and the service then creates none.
    ///
    /// ## Why is this bad?
    /// Without replicas each shard is a single node: when it fails, or its zone does, that
    /// shard's slice of the keyspace is unavailable and its data lost until the node is
    /// rebuilt. With replicas (spread over zones by the default `MULTI_ZONE` distribution)
    /// the cluster fails over automatically.
    ///
    /// ## Example
    /// ```hcl
    /// resource "google_redis_cluster" "cache" {
    ///   name        = "cache"
    ///   shard_count = 3
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "google_redis_cluster" "cache" {
    ///   name          = "cache"
    ///   shard_count   = 3
    ///   replica_count = 1
    /// }
    /// ```
    ///
    /// ## References
    /// - https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/redis_cluster#replica_count
    /// - https://cloud.google.com/memorystore/docs/cluster/cluster-node-specification
    /// - https://cloud.google.com/memorystore/docs/cluster/high-availability-and-replicas
    pub struct GoogleRedisClusterNoReplicas {
        id: "RC131",
        name: "google-redis-cluster-no-replicas",
        category: MultiAz,
        severity: Warning,
        types: ["google_redis_cluster"],
    }
}

impl Rule for GoogleRedisClusterNoReplicas {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        let Some((v, a)) = setting(&inst.body, "replica_count", Value::Number(0.0)) else {
            return;
        };
        if v.as_number() == Some(0.0) {
            cx.report(
                self,
                inst,
                a,
                format!(
                    "replica_count is {}: every shard is a single node with no failover",
                    describe(&v, a)
                ),
                "set `replica_count = 1` (or 2)",
            );
        }
    }
}
