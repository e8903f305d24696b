use super::{Rule, RuleCtx};
use crate::eval::Instance;
use crate::graph::Graph;
use crate::value::Value;

declare_rule! {
    /// ## What it does
    /// Checks that every Azure virtual machine (`azurerm_linux_virtual_machine`,
    /// `azurerm_windows_virtual_machine`, the legacy `azurerm_virtual_machine`) is backed
    /// up: an `azurerm_backup_protected_vm` whose `source_vm_id` refers to it (by
    /// reference, also through module outputs, or as a literal resource ID ending in
    /// `/virtualMachines/<its name>`), or a `reliability_backup_plan` that lists it in
    /// `targets`. Azure does not back up virtual machines unless asked to.
    ///
    /// When a protected VM's `source_vm_id` cannot be known (a variable, a data source,
    /// a `count` that cannot be evaluated), it could be any VM and nothing is reported.
    /// Backups enabled outside Terraform (an Azure Policy that configures backup) are not
    /// visible: suppress the finding with the reason.
    ///
    /// Coverage is per instance: a protected VM whose `source_vm_id` names one instance of
    /// a VM with `count`/`for_each` (`azurerm_linux_virtual_machine.app[0].id`) covers that
    /// instance only.
    ///
    /// ## Why is this bad?
    /// A VM's managed disks are replicated, not backed up: a deleted disk, a broken
    /// upgrade, corruption or ransomware is replicated too. Without a Recovery Services
    /// vault protecting the VM there is no restore point to go back to.
    ///
    /// ## Example
    /// ```hcl
    /// resource "azurerm_linux_virtual_machine" "app" {
    ///   name = "app"
    ///   size = "Standard_D2s_v5"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "azurerm_backup_protected_vm" "app" {
    ///   resource_group_name = azurerm_recovery_services_vault.main.resource_group_name
    ///   recovery_vault_name = azurerm_recovery_services_vault.main.name
    ///   source_vm_id        = azurerm_linux_virtual_machine.app.id
    ///   backup_policy_id    = azurerm_backup_policy_vm.daily.id
    /// }
    /// ```
    ///
    /// ## References
    /// - https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/backup_protected_vm
    /// - https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/backup_policy_vm
    /// - https://learn.microsoft.com/azure/backup/backup-azure-vms-introduction
    pub struct AzureVmBackupCoverage {
        id: "RC211",
        name: "azure-vm-backup-coverage",
        category: Backup,
        severity: Warning,
        types: [
            "azurerm_linux_virtual_machine",
            "azurerm_windows_virtual_machine",
            "azurerm_virtual_machine",
        ],
    }
}

fn is_data_ref(r: &str) -> bool {
    r.starts_with("data.") || r.contains(".data.")
}

/// Whether `source_vm_id` might name any VM: unknown without a resource behind it, or
/// derived from data sources only.
fn opaque(v: &Value) -> bool {
    if v.contains_opaque_unknown() {
        return true;
    }
    let mut refs = Vec::new();
    v.collect_refs(&mut refs);
    v.contains_unknown() && refs.iter().all(|r| is_data_ref(r))
}

/// A protected VM, a count that cannot be known, or a plan target that could be anything.
fn any_opaque(g: &Graph) -> bool {
    g.of_type("azurerm_backup_protected_vm")
        .iter()
        .any(|p| !p.count_known || p.body.value("source_vm_id").is_some_and(opaque))
        || g.of_type("reliability_backup_plan").iter().any(|p| {
            !p.count_known
                || p.body
                    .value("targets")
                    .is_some_and(|v| v.contains_opaque_unknown())
        })
}

impl Rule for AzureVmBackupCoverage {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        let by_ref = |rtype: &str, attr: &str| {
            cx.graph.referrers_of(inst, rtype).iter().any(|p| {
                p.body
                    .value(attr)
                    .is_some_and(|v| v.refers_to_instance(&inst.base, &inst.address))
            })
        };
        if by_ref("azurerm_backup_protected_vm", "source_vm_id")
            || by_ref("reliability_backup_plan", "targets")
        {
            return;
        }
        if cx.fact("azure-vm-backup-coverage/opaque", any_opaque) {
            return;
        }
        // A literal resource ID: `.../virtualMachines/<name>`.
        let name = inst.body.value("name").and_then(|v| v.as_str());
        for p in cx.graph.of_type("azurerm_backup_protected_vm") {
            let Some(id) = p.body.value("source_vm_id").and_then(|v| v.as_str()) else {
                continue;
            };
            let Some(name) = name else {
                return; // our name is unknown: the ID may be ours
            };
            let suffix = format!("/virtualmachines/{}", name.to_ascii_lowercase());
            if id.to_ascii_lowercase().ends_with(&suffix) {
                return;
            }
        }
        let address = &inst.address;
        let message = format!("`{address}` has no backup: no azurerm_backup_protected_vm `source_vm_id` or reliability_backup_plan `targets` refers to it");
        let help = "add an `azurerm_backup_protected_vm` with `source_vm_id = <this VM>.id` and a `backup_policy_id` (an `azurerm_backup_policy_vm` in a Recovery Services vault), or list it in a `reliability_backup_plan` `targets`";
        cx.report(self, inst, None, message, help);
    }
}
