use super::{quote, Rule, RuleCtx};
use crate::eval::Instance;
use crate::value::Value;

declare_rule! {
    /// ## What it does
    /// Checks that a primary or secondary `google_alloydb_instance` is regional: it reports
    /// `availability_type = "ZONAL"`. Unset means `REGIONAL` (a standby in another zone).
    /// Read pool instances are not judged: a zonal read pool degrades reads only, and a
    /// pool of one node can only be zonal.
    ///
    /// ## Why is this bad?
    /// A zonal primary has no standby: a zone outage or a node failure makes the database
    /// unavailable for writes (and reads, without a read pool) until Google recreates it.
    ///
    /// ## Example
    /// ```hcl
    /// resource "google_alloydb_instance" "primary" {
    ///   cluster           = google_alloydb_cluster.main.name
    ///   instance_id       = "primary"
    ///   instance_type     = "PRIMARY"
    ///   availability_type = "ZONAL"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "google_alloydb_instance" "primary" {
    ///   cluster           = google_alloydb_cluster.main.name
    ///   instance_id       = "primary"
    ///   instance_type     = "PRIMARY"
    ///   availability_type = "REGIONAL"
    /// }
    /// ```
    ///
    /// ## References
    /// - https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/alloydb_instance#availability_type
    /// - https://cloud.google.com/alloydb/docs/instance-primary-create
    pub struct AlloydbZonalInstance {
        id: "RC130",
        name: "alloydb-zonal-instance",
        category: MultiAz,
        severity: Warning,
        types: ["google_alloydb_instance"],
    }
}

impl Rule for AlloydbZonalInstance {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        // instance_type is required. The docs have secondaries set it to the secondary
        // cluster's `cluster_type`: unknown, but derived from a cluster, so not a read pool.
        match inst.body.value("instance_type") {
            Some(Value::String(t)) if t.eq_ignore_ascii_case("READ_POOL") => return,
            Some(v @ Value::Unknown(_)) => {
                let mut refs = Vec::new();
                v.collect_refs(&mut refs);
                if !refs.iter().any(|r| r.contains("google_alloydb_cluster.")) {
                    return;
                }
            }
            _ => {}
        }
        let Some(a) = inst.body.attr("availability_type") else {
            return;
        };
        if super::is_one_of(&a.value, &["ZONAL"]) {
            cx.report(
                self,
                inst,
                Some(a),
                format!(
                    "availability_type is {}: the instance has no standby in another zone",
                    quote(a)
                ),
                "set `availability_type = \"REGIONAL\"` (or remove it: REGIONAL is the default)",
            );
        }
    }
}
