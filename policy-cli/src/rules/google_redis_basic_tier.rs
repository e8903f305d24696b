use super::{describe, setting, Rule, RuleCtx};
use crate::eval::Instance;
use crate::value::Value;

declare_rule! {
    /// ## What it does
    /// Checks that a `google_redis_instance` (Memorystore) uses the `STANDARD_HA` tier. The
    /// default tier is `BASIC`.
    ///
    /// ## Why is this bad?
    /// A Basic tier instance is a single node in one zone with no replica: any failure
    /// flushes the cache and makes it unavailable while it is recreated.
    ///
    /// ## Example
    /// ```hcl
    /// resource "google_redis_instance" "cache" {
    ///   memory_size_gb = 1
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "google_redis_instance" "cache" {
    ///   memory_size_gb = 1
    ///   tier           = "STANDARD_HA"
    /// }
    /// ```
    ///
    /// ## References
    /// - https://cloud.google.com/memorystore/docs/redis/redis-tiers
    pub struct GoogleRedisBasicTier {
        id: "RC115",
        name: "google-redis-basic-tier",
        category: MultiAz,
        severity: Warning,
        types: ["google_redis_instance"],
    }
}

impl Rule for GoogleRedisBasicTier {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        let Some((v, a)) = setting(&inst.body, "tier", Value::String("BASIC".into())) else {
            return;
        };
        if super::is_one_of(&v, &["BASIC"]) {
            cx.report(
                self,
                inst,
                a,
                format!("tier is {}: a single node with no replica", describe(&v, a)),
                "set `tier = \"STANDARD_HA\"`",
            );
        }
    }
}
