use super::{describe, setting, Rule, RuleCtx};
use crate::eval::Instance;
use crate::value::Value;

declare_rule! {
    /// ## What it does
    /// Checks that an `aws_elasticache_replication_group` has automatic failover and
    /// Multi-AZ enabled (both default to `false`), and more than one node.
    ///
    /// ## Why is this bad?
    /// Without automatic failover a failed primary is not replaced by a replica; without
    /// Multi-AZ the replicas may sit in the primary's zone; with a single node there is
    /// nothing to fail over to. Any of these turns a node or zone failure into an outage
    /// and data loss since the last snapshot.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_elasticache_replication_group" "cache" {
    ///   num_cache_clusters = 1
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_elasticache_replication_group" "cache" {
    ///   num_cache_clusters         = 2
    ///   automatic_failover_enabled = true
    ///   multi_az_enabled           = true
    /// }
    /// ```
    ///
    /// ## References
    /// - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/elasticache_replication_group
    /// - https://docs.aws.amazon.com/AmazonElastiCache/latest/red-ug/AutoFailover.html
    pub struct ElasticacheNoFailover {
        id: "RC103",
        name: "elasticache-no-failover",
        category: MultiAz,
        severity: Warning,
        types: ["aws_elasticache_replication_group"],
    }
}

impl Rule for ElasticacheNoFailover {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        let body = &inst.body;
        if body
            .attr("global_replication_group_id")
            .is_some_and(|a| !a.value.is_null())
        {
            return;
        }
        let Some((failover, fa)) = setting(body, "automatic_failover_enabled", Value::Bool(false))
        else {
            return;
        };
        if failover.as_bool() == Some(false) {
            cx.report(
                self,
                inst,
                fa,
                format!("automatic_failover_enabled is {}: a failed primary is not replaced", describe(&failover, fa)),
                "set `automatic_failover_enabled = true` and `multi_az_enabled = true` with at least two nodes",
            );
            return;
        }
        if let Some((multi_az, ma)) = setting(body, "multi_az_enabled", Value::Bool(false)) {
            if multi_az.as_bool() == Some(false) {
                cx.report(
                    self,
                    inst,
                    ma,
                    format!(
                        "multi_az_enabled is {}: replicas may share the primary's zone",
                        describe(&multi_az, ma)
                    ),
                    "set `multi_az_enabled = true`",
                );
                return;
            }
        }
        let clustered = body.value("num_node_groups").is_some()
            || body.value("replicas_per_node_group").is_some();
        for key in ["num_cache_clusters", "number_cache_clusters"] {
            if let Some(a) = body.attr(key) {
                if !clustered && a.value.as_number() == Some(1.0) {
                    cx.report(
                        self,
                        inst,
                        Some(a),
                        format!(
                            "{key} is {}: a single node cannot fail over",
                            super::quote(a)
                        ),
                        format!("set `{key} = 2` or more"),
                    );
                }
            }
        }
    }
}
