use super::{quote, Rule, RuleCtx};
use crate::eval::Instance;

declare_rule! {
    /// ## What it does
    /// Checks that an `azurerm_storage_account` does not use locally redundant storage
    /// (`account_replication_type = "LRS"`).
    ///
    /// ## Why is this bad?
    /// LRS keeps all three copies in one datacenter: a zone outage makes the data
    /// unavailable, and a datacenter disaster can lose it.
    ///
    /// ## Example
    /// ```hcl
    /// resource "azurerm_storage_account" "data" {
    ///   account_tier             = "Standard"
    ///   account_replication_type = "LRS"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "azurerm_storage_account" "data" {
    ///   account_tier             = "Standard"
    ///   account_replication_type = "ZRS" # or GZRS
    /// }
    /// ```
    ///
    /// ## References
    /// - https://learn.microsoft.com/azure/storage/common/storage-redundancy
    pub struct AzureStorageLrs {
        id: "RC112",
        name: "azure-storage-lrs",
        category: MultiAz,
        severity: Warning,
        types: ["azurerm_storage_account"],
    }
}

impl Rule for AzureStorageLrs {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        let Some(a) = inst.body.attr("account_replication_type") else {
            return;
        };
        if super::is_one_of(&a.value, &["LRS"]) {
            cx.report(
                self,
                inst,
                Some(a),
                format!(
                    "account_replication_type is {}: all copies live in one datacenter",
                    quote(a)
                ),
                "set `account_replication_type = \"ZRS\"` (or \"GZRS\")",
            );
        }
    }
}
