use super::{quote, Rule, RuleCtx};
use crate::eval::Instance;

declare_rule! {
    /// ## What it does
    /// Checks that a `google_container_node_pool` whose `node_locations` is set lists more
    /// than one zone. A pool without `node_locations` runs in its cluster's zones, which
    /// RC114 (`gke-zonal-cluster`) judges; it is not reported here.
    ///
    /// ## Why is this bad?
    /// Pinning a node pool to one zone, even in a regional cluster, puts all of its nodes
    /// in one datacenter: a zone outage or a zonal stockout takes every workload scheduled
    /// on that pool down at once, while the regional control plane keeps running with no
    /// node to schedule them on.
    ///
    /// ## Example
    /// ```hcl
    /// resource "google_container_node_pool" "workers" {
    ///   cluster        = google_container_cluster.main.id
    ///   node_locations = ["europe-west1-b"]
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "google_container_node_pool" "workers" {
    ///   cluster        = google_container_cluster.main.id
    ///   node_locations = ["europe-west1-b", "europe-west1-c", "europe-west1-d"]
    /// }
    /// ```
    ///
    /// ## References
    /// - https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/container_node_pool#node_locations
    /// - https://cloud.google.com/kubernetes-engine/docs/concepts/regional-clusters
    pub struct GkeNodePoolSingleZone {
        id: "RC128",
        name: "gke-node-pool-single-zone",
        category: MultiAz,
        severity: Warning,
        types: ["google_container_node_pool"],
    }
}

impl Rule for GkeNodePoolSingleZone {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        // Unset or null: the pool follows the cluster's locations (RC114's business).
        let Some(a) = inst.body.attr("node_locations") else {
            return;
        };
        let Some(zones) = a.value.as_list() else {
            return; // null or unknown
        };
        // An empty set is no setting: the provider then uses the cluster's locations.
        if zones.len() != 1 {
            return;
        }
        let message = format!(
            "node_locations is {}: every node of the pool runs in one zone",
            quote(a)
        );
        let region = zones
            .first()
            .and_then(|z| z.as_str())
            .and_then(|z| z.rsplit_once('-'))
            .map(|(region, _)| format!("zones of {region}"))
            .unwrap_or_else(|| "zones of the cluster's region".to_string());
        cx.report(
            self,
            inst,
            Some(a),
            message,
            format!(
                "list two or more {region} in `node_locations`, or remove `node_locations` to use the cluster's zones"
            ),
        );
    }
}
