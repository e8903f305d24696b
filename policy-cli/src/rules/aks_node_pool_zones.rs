use super::shared::report_few_zones;
use super::{Rule, RuleCtx};
use crate::eval::Instance;

declare_rule! {
    /// ## What it does
    /// Checks that an `azurerm_kubernetes_cluster_node_pool` (a user or extra system pool)
    /// is spread over availability zones: `zones` (`availability_zones` in provider v2)
    /// must list two or more zones. The provider sets no zones by default. The cluster's
    /// `default_node_pool` is RC109's (`aks-default-pool-zones`).
    ///
    /// In a known Azure region without availability zones (`westus`, `northcentralus`,
    /// `ukwest`, ... as Microsoft's region list has them), zones cannot be set: the finding
    /// stays (the risk is real) and its help line says to move the resource to a region
    /// with zones or to accept one datacenter with a suppression that says why.
    ///
    /// ## Why is this bad?
    /// Without zones, or with one, every node of the pool may sit in one datacenter: losing
    /// it stops every workload scheduled on the pool. Azure cannot change an existing pool's
    /// zones in place: the provider rotates the pool through `temporary_name_for_rotation`,
    /// so zones are cheapest to get right when the pool is created.
    ///
    /// ## Example
    /// ```hcl
    /// resource "azurerm_kubernetes_cluster_node_pool" "workers" {
    ///   name                  = "workers"
    ///   kubernetes_cluster_id = azurerm_kubernetes_cluster.main.id
    ///   vm_size               = "Standard_D4s_v5"
    ///   node_count            = 3
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "azurerm_kubernetes_cluster_node_pool" "workers" {
    ///   name                  = "workers"
    ///   kubernetes_cluster_id = azurerm_kubernetes_cluster.main.id
    ///   vm_size               = "Standard_D4s_v5"
    ///   node_count            = 3
    ///   zones                 = ["1", "2", "3"]
    /// }
    /// ```
    ///
    /// ## References
    /// - https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/kubernetes_cluster_node_pool#zones
    /// - https://learn.microsoft.com/azure/aks/availability-zones
    pub struct AksNodePoolZones {
        id: "RC125",
        name: "aks-node-pool-zones",
        category: MultiAz,
        severity: Warning,
        types: ["azurerm_kubernetes_cluster_node_pool"],
    }
}

impl Rule for AksNodePoolZones {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        let help = "set `zones = [\"1\", \"2\", \"3\"]` (on an existing pool, also set `temporary_name_for_rotation`)";
        let attr = inst
            .body
            .attr("zones")
            .or_else(|| inst.body.attr("availability_zones"));
        report_few_zones(
            self,
            inst,
            cx,
            attr,
            "the pool's nodes may all run in one datacenter",
            "the node pool",
            help,
        );
    }
}
