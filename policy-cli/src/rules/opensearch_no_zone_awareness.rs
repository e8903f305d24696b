use super::{describe, setting, Rule, RuleCtx};
use crate::eval::Instance;
use crate::value::Value;

declare_rule! {
    /// ## What it does
    /// Checks that an `aws_opensearch_domain` or `aws_elasticsearch_domain` enables zone
    /// awareness (`cluster_config { zone_awareness_enabled = true }`, default `false`).
    ///
    /// ## Why is this bad?
    /// Without zone awareness all data nodes and shards may sit in one Availability Zone;
    /// losing it makes the domain red and unavailable.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_opensearch_domain" "logs" {
    ///   cluster_config {
    ///     instance_count = 3
    ///   }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_opensearch_domain" "logs" {
    ///   cluster_config {
    ///     instance_count         = 3
    ///     zone_awareness_enabled = true
    ///     zone_awareness_config {
    ///       availability_zone_count = 3
    ///     }
    ///   }
    /// }
    /// ```
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/opensearch-service/latest/developerguide/managedomains-multiaz.html
    pub struct OpensearchNoZoneAwareness {
        id: "RC106",
        name: "opensearch-no-zone-awareness",
        category: MultiAz,
        severity: Warning,
        types: ["aws_opensearch_domain", "aws_elasticsearch_domain"],
    }
}

impl Rule for OpensearchNoZoneAwareness {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        let help = "set `zone_awareness_enabled = true` in `cluster_config` (with at least two data nodes)";
        let Some(cc) = inst.body.block("cluster_config") else {
            cx.report(
                self,
                inst,
                None,
                "no cluster_config block: zone awareness is off (provider default false)".into(),
                help,
            );
            return;
        };
        let Some((v, a)) = setting(&cc.body, "zone_awareness_enabled", Value::Bool(false)) else {
            return;
        };
        if v.as_bool() == Some(false) {
            if a.is_none() {
                cx.report_at(
                    self,
                    inst,
                    cc.span.clone(),
                    format!(
                        "zone_awareness_enabled is {}: all nodes may run in one zone",
                        describe(&v, a)
                    ),
                    help,
                );
            } else {
                cx.report(
                    self,
                    inst,
                    a,
                    format!(
                        "zone_awareness_enabled is {}: all nodes may run in one zone",
                        describe(&v, a)
                    ),
                    help,
                );
            }
        }
    }
}
