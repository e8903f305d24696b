use super::shared::zoneless_region_help;
use super::{quote, Rule, RuleCtx};
use crate::eval::Instance;

declare_rule! {
    /// ## What it does
    /// Checks that an `azurerm_redis_cache` is replicated across zones: the `Basic` SKU (a
    /// single node) and a `Premium` cache without `zones` are flagged.
    ///
    /// In a known Azure region without availability zones (`westus`, `northcentralus`,
    /// `ukwest`, ... as Microsoft's region list has them), zones cannot be set: the finding
    /// stays (the risk is real) and its help line says to move the resource to a region
    /// with zones or to accept one datacenter with a suppression that says why.
    ///
    /// ## Why is this bad?
    /// A Basic cache is one VM with no replica and no SLA. A Premium cache without zones
    /// keeps its replica in the same datacenter; a zone outage takes both down.
    ///
    /// ## Example
    /// ```hcl
    /// resource "azurerm_redis_cache" "sessions" {
    ///   sku_name = "Premium"
    ///   family   = "P"
    ///   capacity = 1
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "azurerm_redis_cache" "sessions" {
    ///   sku_name = "Premium"
    ///   family   = "P"
    ///   capacity = 1
    ///   zones    = ["1", "2"]
    /// }
    /// ```
    ///
    /// ## References
    /// - https://learn.microsoft.com/azure/azure-cache-for-redis/cache-high-availability
    pub struct AzureRedisSingleZone {
        id: "RC111",
        name: "azure-redis-single-zone",
        category: MultiAz,
        severity: Warning,
        types: ["azurerm_redis_cache"],
    }
}

impl Rule for AzureRedisSingleZone {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        let Some(sku) = inst.body.attr("sku_name") else {
            return;
        };
        if super::is_one_of(&sku.value, &["Basic"]) {
            cx.report(
                self,
                inst,
                Some(sku),
                format!("sku_name is {}: a single node with no replica", quote(sku)),
                "use `sku_name = \"Premium\"` with `zones = [\"1\", \"2\"]` (or at least \"Standard\")",
            );
        } else if super::is_one_of(&sku.value, &["Premium"]) {
            let help = zoneless_region_help(self, inst, cx.graph)
                .unwrap_or_else(|| "set `zones = [\"1\", \"2\"]`".into());
            match inst.body.attr("zones") {
                None => cx.report(
                    self,
                    inst,
                    None,
                    "Premium cache without zones: primary and replica may share a datacenter"
                        .into(),
                    help,
                ),
                Some(z) if z.value.as_list().is_some_and(|l| l.len() < 2) => cx.report(
                    self,
                    inst,
                    Some(z),
                    format!("zones is {}: the cache is not spread over zones", quote(z)),
                    help,
                ),
                Some(_) => {}
            }
        }
    }
}
