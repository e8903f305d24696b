use super::shared::report_few_zones;
use super::{Rule, RuleCtx};
use crate::eval::Instance;

declare_rule! {
    /// ## What it does
    /// Checks that an Azure virtual machine scale set (`azurerm_linux_virtual_machine_scale_set`,
    /// `azurerm_windows_virtual_machine_scale_set`, `azurerm_orchestrated_virtual_machine_scale_set`
    /// and the legacy `azurerm_virtual_machine_scale_set`) spreads its instances over two or
    /// more availability zones (`zones`). The provider sets no zones by default: the scale set
    /// is then regional, with no zone guarantee.
    ///
    /// In a known Azure region without availability zones (`westus`, `northcentralus`,
    /// `ukwest`, ... as Microsoft's region list has them), zones cannot be set: the finding
    /// stays (the risk is real) and its help line says to move the resource to a region
    /// with zones or to accept one datacenter with a suppression that says why.
    ///
    /// ## Why is this bad?
    /// Without zones, or with a single zone, all instances can be placed in one datacenter;
    /// a zone outage takes the whole scale set down, however many instances it has.
    ///
    /// ## Example
    /// ```hcl
    /// resource "azurerm_linux_virtual_machine_scale_set" "web" {
    ///   name      = "web"
    ///   sku       = "Standard_D2s_v5"
    ///   instances = 3
    ///   zones     = ["1"]
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "azurerm_linux_virtual_machine_scale_set" "web" {
    ///   name         = "web"
    ///   sku          = "Standard_D2s_v5"
    ///   instances    = 3
    ///   zones        = ["1", "2", "3"]
    ///   zone_balance = true
    /// }
    /// ```
    ///
    /// ## References
    /// - https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/linux_virtual_machine_scale_set#zones
    /// - https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/windows_virtual_machine_scale_set#zones
    /// - https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/orchestrated_virtual_machine_scale_set#zones
    /// - https://learn.microsoft.com/azure/reliability/reliability-virtual-machine-scale-sets
    pub struct AzureVmssNoZones {
        id: "RC124",
        name: "azure-vmss-no-zones",
        category: MultiAz,
        severity: Warning,
        types: [
            "azurerm_linux_virtual_machine_scale_set",
            "azurerm_windows_virtual_machine_scale_set",
            "azurerm_orchestrated_virtual_machine_scale_set",
            "azurerm_virtual_machine_scale_set",
        ],
    }
}

impl Rule for AzureVmssNoZones {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        let help = if inst.rtype == "azurerm_virtual_machine_scale_set" {
            "set `zones = [\"1\", \"2\", \"3\"]` (this recreates the scale set)"
        } else {
            "set `zones = [\"1\", \"2\", \"3\"]` (and `zone_balance = true` to keep the zones even)"
        };
        report_few_zones(
            self,
            inst,
            cx,
            inst.body.attr("zones"),
            "all instances may run in one datacenter",
            "the scale set",
            help,
        );
    }
}
