use super::{describe, setting, Rule, RuleCtx};
use crate::eval::Instance;
use crate::value::Value;

declare_rule! {
    /// ## What it does
    /// Checks that Azure database servers (PostgreSQL/MySQL flexible and single servers,
    /// MariaDB) store their backups geo-redundantly (`geo_redundant_backup_enabled`,
    /// default `false`). Azure always keeps local backups, so this is a note.
    ///
    /// Single servers (`azurerm_postgresql_server`, `azurerm_mysql_server`,
    /// `azurerm_mariadb_server`) on the Basic tier (`sku_name = "B_..."`) cannot have
    /// geo-redundant backups: the help then says to move to a General Purpose (`GP_...`) or
    /// Memory Optimized (`MO_...`) SKU. The setting is fixed at creation: changing it
    /// recreates the server.
    ///
    /// ## Why is this bad?
    /// Locally redundant backups live in the server's region: a regional disaster loses the
    /// database and its backups together.
    ///
    /// ## Example
    /// ```hcl
    /// resource "azurerm_postgresql_flexible_server" "db" {
    ///   backup_retention_days = 7
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "azurerm_postgresql_flexible_server" "db" {
    ///   backup_retention_days        = 7
    ///   geo_redundant_backup_enabled = true
    /// }
    /// ```
    ///
    /// ## References
    /// - https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/postgresql_flexible_server#geo_redundant_backup_enabled
    /// - https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/mysql_flexible_server#geo_redundant_backup_enabled
    /// - https://registry.terraform.io/providers/hashicorp/azurerm/3.117.0/docs/resources/postgresql_server#geo_redundant_backup_enabled
    /// - https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-backup-restore
    pub struct AzureDbNoGeoBackup {
        id: "RC205",
        name: "azure-db-no-geo-backup",
        category: Backup,
        severity: Note,
        types: [
            "azurerm_postgresql_flexible_server",
            "azurerm_mysql_flexible_server",
            "azurerm_postgresql_server",
            "azurerm_mysql_server",
            "azurerm_mariadb_server",
        ],
    }
}

/// Single servers (retired; provider v3): Basic tier SKUs cannot geo-replicate backups.
const SINGLE_SERVERS: [&str; 3] = [
    "azurerm_postgresql_server",
    "azurerm_mysql_server",
    "azurerm_mariadb_server",
];

impl Rule for AzureDbNoGeoBackup {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        if inst
            .body
            .value("create_mode")
            .and_then(|v| v.as_str())
            .is_some_and(|m| m == "Replica")
        {
            return;
        }
        let Some((v, a)) = setting(
            &inst.body,
            "geo_redundant_backup_enabled",
            Value::Bool(false),
        ) else {
            return;
        };
        if v.as_bool() != Some(false) {
            return;
        }
        let basic_sku = inst
            .body
            .value("sku_name")
            .and_then(|v| v.as_str())
            .filter(|s| SINGLE_SERVERS.contains(&inst.rtype.as_str()) && s.starts_with("B_"));
        let (message, help) = match basic_sku {
            Some(sku) => (
                format!(
                    "geo_redundant_backup_enabled is {} and sku_name \"{sku}\" is Basic tier, which cannot have geo-redundant backups: backups stay in one region",
                    describe(&v, a)
                ),
                "move to a General Purpose (`GP_...`) or Memory Optimized (`MO_...`) `sku_name` and set `geo_redundant_backup_enabled = true` (fixed at creation: changing it replaces the server)".to_string(),
            ),
            None => (
                format!(
                    "geo_redundant_backup_enabled is {}: backups stay in one region",
                    describe(&v, a)
                ),
                "set `geo_redundant_backup_enabled = true` (fixed at creation: changing it replaces the server)".to_string(),
            ),
        };
        cx.report(self, inst, a, message, help);
    }
}
