use super::shared::zoneless_region_help;
use super::{quote, Rule, RuleCtx};
use crate::eval::Instance;

declare_rule! {
    /// ## What it does
    /// Checks that the `default_node_pool` of an `azurerm_kubernetes_cluster` is spread over
    /// availability zones (`zones`, or `availability_zones` in provider v2).
    ///
    /// In a known Azure region without availability zones (`westus`, `northcentralus`,
    /// `ukwest`, ... as Microsoft's region list has them), zones cannot be set: the finding
    /// stays (the risk is real) and its help line says to move the resource to a region
    /// with zones or to accept one datacenter with a suppression that says why.
    ///
    /// ## Why is this bad?
    /// Without zones every system node may be placed in one datacenter; losing it takes
    /// down the cluster's system pods (CoreDNS, metrics, ingress) and the workloads on it.
    ///
    /// ## Example
    /// ```hcl
    /// resource "azurerm_kubernetes_cluster" "main" {
    ///   default_node_pool {
    ///     name       = "system"
    ///     node_count = 3
    ///   }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "azurerm_kubernetes_cluster" "main" {
    ///   default_node_pool {
    ///     name       = "system"
    ///     node_count = 3
    ///     zones      = ["1", "2", "3"]
    ///   }
    /// }
    /// ```
    ///
    /// ## References
    /// - https://learn.microsoft.com/azure/aks/availability-zones
    pub struct AksDefaultPoolZones {
        id: "RC109",
        name: "aks-default-pool-zones",
        category: MultiAz,
        severity: Warning,
        types: ["azurerm_kubernetes_cluster"],
    }
}

impl Rule for AksDefaultPoolZones {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        let Some(pool) = inst.body.block("default_node_pool") else {
            return;
        };
        let help = zoneless_region_help(self, inst, cx.graph)
            .unwrap_or_else(|| "set `zones = [\"1\", \"2\", \"3\"]` in `default_node_pool`".into());
        let help = help.as_str();
        let attr = pool
            .body
            .attr("zones")
            .or_else(|| pool.body.attr("availability_zones"));
        match attr {
            None => cx.report_at(
                self,
                inst,
                pool.span.clone(),
                "default_node_pool has no zones: nodes may all run in one datacenter".into(),
                help,
            ),
            Some(a) if a.value.is_null() || a.value.as_list().is_some_and(|l| l.len() < 2) => cx
                .report(
                    self,
                    inst,
                    Some(a),
                    format!(
                        "{} is {}: the default node pool is not spread over zones",
                        a.name,
                        quote(a)
                    ),
                    help,
                ),
            Some(_) => {}
        }
    }
}
