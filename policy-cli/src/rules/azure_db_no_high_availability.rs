use super::{quote, Rule, RuleCtx};
use crate::eval::Instance;

declare_rule! {
    /// ## What it does
    /// Checks that an `azurerm_postgresql_flexible_server` or `azurerm_mysql_flexible_server`
    /// has a zone-redundant `high_availability` block.
    ///
    /// ## Why is this bad?
    /// Without high availability the server runs in one zone with no standby: a zone or
    /// host failure means downtime until Azure recreates it. `SameZone` keeps the standby in
    /// the same zone, which does not survive a zone outage.
    ///
    /// ## Example
    /// ```hcl
    /// resource "azurerm_postgresql_flexible_server" "db" {
    ///   sku_name = "GP_Standard_D2s_v3"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "azurerm_postgresql_flexible_server" "db" {
    ///   sku_name = "GP_Standard_D2s_v3"
    ///   high_availability {
    ///     mode = "ZoneRedundant"
    ///   }
    /// }
    /// ```
    ///
    /// ## References
    /// - https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-high-availability
    pub struct AzureDbNoHighAvailability {
        id: "RC110",
        name: "azure-db-no-high-availability",
        category: MultiAz,
        severity: Warning,
        types: ["azurerm_postgresql_flexible_server", "azurerm_mysql_flexible_server"],
    }
}

impl Rule for AzureDbNoHighAvailability {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        let body = &inst.body;
        if body
            .value("create_mode")
            .and_then(|v| v.as_str())
            .is_some_and(|m| m == "Replica")
        {
            return;
        }
        let help = "add `high_availability { mode = \"ZoneRedundant\" }`";
        match body.block("high_availability") {
            None => cx.report(
                self,
                inst,
                None,
                "no high_availability block: the server has no standby in another zone".into(),
                help,
            ),
            Some(ha) => {
                if let Some(a) = ha.body.attr("mode") {
                    if super::is_one_of(&a.value, &["SameZone"]) {
                        cx.report(
                            self,
                            inst,
                            Some(a),
                            format!("high_availability mode is {}: the standby shares the primary's zone", quote(a)),
                            "set `mode = \"ZoneRedundant\"`",
                        );
                    }
                }
            }
        }
    }
}
