use super::shared::is_replica_of;
use super::{quote, Rule, RuleCtx};
use crate::eval::Instance;

declare_rule! {
    /// ## What it does
    /// Checks for a standalone Redis or Valkey `aws_elasticache_cluster`: `engine` is
    /// `redis` or `valkey` and there is no `replication_group_id`. Such a cluster always
    /// has exactly one node (the provider requires `num_cache_nodes = 1` for Redis). An
    /// `aws_elasticache_cluster` that joins a replication group as a replica
    /// (`replication_group_id` set) is skipped, and so is one whose engine is unknown.
    ///
    /// ## Why is this bad?
    /// A single node has no replica to fail over to: a node failure, a zone failure or a
    /// host replacement during maintenance means the cache is down until ElastiCache
    /// replaces the node, and its data is gone (at best restored from the last snapshot).
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_elasticache_cluster" "sessions" {
    ///   cluster_id      = "sessions"
    ///   engine          = "redis"
    ///   node_type       = "cache.t4g.small"
    ///   num_cache_nodes = 1
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_elasticache_replication_group" "sessions" {
    ///   replication_group_id       = "sessions"
    ///   description                = "sessions"
    ///   engine                     = "redis"
    ///   node_type                  = "cache.t4g.small"
    ///   num_cache_clusters         = 2
    ///   automatic_failover_enabled = true
    ///   multi_az_enabled           = true
    /// }
    /// ```
    ///
    /// ## References
    /// - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/elasticache_cluster#replication_group_id
    /// - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/elasticache_replication_group
    /// - https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/AutoFailover.html
    pub struct ElasticacheRedisSingleNode {
        id: "RC118",
        name: "elasticache-redis-single-node",
        category: MultiAz,
        severity: Warning,
        types: ["aws_elasticache_cluster"],
    }
}

impl Rule for ElasticacheRedisSingleNode {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        let body = &inst.body;
        if is_replica_of(body, "replication_group_id") {
            return;
        }
        let Some(engine) = body.attr("engine").filter(|a| !a.value.is_null()) else {
            return;
        };
        let Some(e) = engine.value.as_str() else {
            return;
        };
        if !e.eq_ignore_ascii_case("redis") && !e.eq_ignore_ascii_case("valkey") {
            return;
        }
        cx.report(
            self,
            inst,
            Some(engine),
            format!(
                "engine is {} without replication_group_id: a standalone cluster of a single node, with no replica to fail over to",
                quote(engine)
            ),
            "use an `aws_elasticache_replication_group` with `num_cache_clusters = 2` (or more), `automatic_failover_enabled = true` and `multi_az_enabled = true`",
        );
    }
}
