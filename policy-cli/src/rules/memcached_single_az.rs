use super::{describe, setting, Rule, RuleCtx};
use crate::eval::Instance;
use crate::value::Value;

declare_rule! {
    /// ## What it does
    /// Checks that a Memcached `aws_elasticache_cluster` with several nodes
    /// (`num_cache_nodes` > 1) spreads them over zones: `az_mode = "cross-az"`. The
    /// provider default is `single-az`. A cluster whose `preferred_availability_zones`
    /// already name two or more zones, and one whose values cannot be known, is skipped.
    ///
    /// ## Why is this bad?
    /// Memcached does not replicate; spreading nodes is what limits a failure to a part of
    /// the cache. With every node in one zone, a zone failure empties the whole cache at
    /// once and every request falls through to the database behind it.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_elasticache_cluster" "pages" {
    ///   cluster_id      = "pages"
    ///   engine          = "memcached"
    ///   node_type       = "cache.m7g.large"
    ///   num_cache_nodes = 3
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_elasticache_cluster" "pages" {
    ///   cluster_id      = "pages"
    ///   engine          = "memcached"
    ///   node_type       = "cache.m7g.large"
    ///   num_cache_nodes = 3
    ///   az_mode         = "cross-az"
    /// }
    /// ```
    ///
    /// ## References
    /// - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/elasticache_cluster#az_mode
    /// - https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/FaultTolerance.html
    pub struct MemcachedSingleAz {
        id: "RC119",
        name: "memcached-single-az",
        category: MultiAz,
        severity: Warning,
        types: ["aws_elasticache_cluster"],
    }
}

impl Rule for MemcachedSingleAz {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        let body = &inst.body;
        if body.value("engine").and_then(|v| v.as_str()) != Some("memcached") {
            return;
        }
        let Some(nodes) = body.value("num_cache_nodes").and_then(|v| v.as_number()) else {
            return;
        };
        if nodes <= 1.0 {
            return;
        }
        if let Some(zones) = body.value("preferred_availability_zones") {
            let Some(l) = zones.as_list() else {
                return;
            };
            let mut names: Vec<&str> = Vec::new();
            for z in l {
                match z.as_str() {
                    Some(z) if !names.contains(&z) => names.push(z),
                    Some(_) => {}
                    None => return,
                }
            }
            if names.len() > 1 {
                return;
            }
        }
        let Some((mode, attr)) = setting(body, "az_mode", Value::String("single-az".into())) else {
            return;
        };
        if mode.as_str() == Some("single-az") {
            cx.report(
                self,
                inst,
                attr,
                format!(
                    "az_mode is {} with num_cache_nodes = {}: every node is in one Availability Zone",
                    describe(&mode, attr),
                    crate::value::fmt_number(nodes)
                ),
                "set `az_mode = \"cross-az\"`",
            );
        }
    }
}
