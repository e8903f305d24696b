use super::shared::is_zone;
use super::{quote, Rule, RuleCtx};
use crate::eval::Instance;

declare_rule! {
    /// ## What it does
    /// Checks that a `google_container_cluster` is regional: a `location` that is a zone
    /// (`europe-west1-b`) makes a zonal cluster.
    ///
    /// ## Why is this bad?
    /// A zonal cluster has a single control plane replica and, unless node locations say
    /// otherwise, nodes in one zone: zone outages and control plane upgrades make the
    /// Kubernetes API unavailable.
    ///
    /// ## Example
    /// ```hcl
    /// resource "google_container_cluster" "main" {
    ///   location = "europe-west1-b"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "google_container_cluster" "main" {
    ///   location = "europe-west1"
    /// }
    /// ```
    ///
    /// ## References
    /// - https://cloud.google.com/kubernetes-engine/docs/concepts/regional-clusters
    pub struct GkeZonalCluster {
        id: "RC114",
        name: "gke-zonal-cluster",
        category: MultiAz,
        severity: Warning,
        types: ["google_container_cluster"],
    }
}

impl Rule for GkeZonalCluster {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        let Some(a) = inst
            .body
            .attr("location")
            .or_else(|| inst.body.attr("zone"))
        else {
            return;
        };
        if a.value.as_str().is_some_and(is_zone) {
            let region = a
                .value
                .as_str()
                .unwrap_or("")
                .rsplit_once('-')
                .map(|(r, _)| r)
                .unwrap_or("");
            cx.report(
                self,
                inst,
                Some(a),
                format!(
                    "{} is {}: a zonal cluster with a single control plane",
                    a.name,
                    quote(a)
                ),
                format!("set `location = \"{region}\"` for a regional cluster"),
            );
        }
    }
}
