use super::shared::zoneless_region_help;
use super::{describe, setting, Rule, RuleCtx};
use crate::eval::{EvalBody, Instance};
use crate::value::Value;

declare_rule! {
    /// ## What it does
    /// Checks that an App Service plan whose SKU supports availability zones spreads its
    /// workers over them: `azurerm_service_plan` needs `zone_balancing_enabled = true`, the
    /// legacy `azurerm_app_service_plan` `zone_redundant = true` (both default `false`).
    /// SKUs with zone support: Premium v2, v3 and v4 (`P1v2`, `P0v3`, `P1mv3`, `P1v4`,
    /// `P1mv4`, ...), Isolated v2 (`I1v2`, `I1mv2`, ...), Elastic Premium (`EP1`-`EP3`) and
    /// Workflow Standard (`WS1`-`WS3`). Other SKUs (Free, Shared, Basic, Standard,
    /// Consumption) cannot be zone redundant and are not reported.
    ///
    /// In a known Azure region without availability zones (`westus`, `northcentralus`,
    /// `ukwest`, ... as Microsoft's region list has them), zones cannot be set: the finding
    /// stays (the risk is real) and its help line says to move the resource to a region
    /// with zones or to accept one datacenter with a suppression that says why.
    ///
    /// ## Why is this bad?
    /// Without zone balancing every worker of the plan may run in one datacenter: a zone
    /// outage stops every app on the plan, however many workers it has.
    ///
    /// ## Example
    /// ```hcl
    /// resource "azurerm_service_plan" "web" {
    ///   name         = "web"
    ///   os_type      = "Linux"
    ///   sku_name     = "P1v3"
    ///   worker_count = 3
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "azurerm_service_plan" "web" {
    ///   name                   = "web"
    ///   os_type                = "Linux"
    ///   sku_name               = "P1v3"
    ///   worker_count           = 3
    ///   zone_balancing_enabled = true
    /// }
    /// ```
    ///
    /// ## References
    /// - https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/service_plan#zone_balancing_enabled
    /// - https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/app_service_plan#zone_redundant
    /// - https://learn.microsoft.com/azure/reliability/reliability-app-service
    pub struct AppServicePlanNoZones {
        id: "RC126",
        name: "app-service-plan-no-zones",
        category: MultiAz,
        severity: Warning,
        types: ["azurerm_service_plan", "azurerm_app_service_plan"],
    }
}

/// Whether a SKU name (`P1v3`, `EP1`, `I2mv2`) supports zone redundancy.
fn zone_capable(sku: &str) -> bool {
    let s = sku.to_ascii_lowercase();
    let digits_then = |prefix: &str, suffixes: &[&str]| {
        s.strip_prefix(prefix).is_some_and(|rest| {
            let n = rest.chars().take_while(|c| c.is_ascii_digit()).count();
            n > 0 && suffixes.contains(&&rest[n..])
        })
    };
    digits_then("p", &["v2", "v3", "mv3", "v4", "mv4"])
        || digits_then("i", &["v2", "mv2"])
        || digits_then("ep", &[""])
        || digits_then("ws", &[""])
}

/// The plan's SKU name: `sku_name`, or the legacy `sku { size }`.
fn sku(body: &EvalBody) -> Option<&str> {
    body.value("sku_name")
        .or_else(|| body.block("sku").and_then(|b| b.body.value("size")))
        .and_then(|v| v.as_str())
}

impl Rule for AppServicePlanNoZones {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        let Some(sku) = sku(&inst.body).filter(|s| zone_capable(s)) else {
            return;
        };
        let attr = if inst.rtype == "azurerm_app_service_plan" {
            "zone_redundant"
        } else {
            "zone_balancing_enabled"
        };
        let Some((v, a)) = setting(&inst.body, attr, Value::Bool(false)) else {
            return;
        };
        if v.as_bool() != Some(false) {
            return;
        }
        let workers = if inst.rtype == "azurerm_app_service_plan" {
            inst.body
                .block("sku")
                .and_then(|b| b.body.value("capacity"))
        } else {
            inst.body.value("worker_count")
        }
        .and_then(|v| v.as_number());
        let count_attr = if inst.rtype == "azurerm_app_service_plan" {
            "sku.capacity"
        } else {
            "worker_count"
        };
        let help = match workers {
            Some(n) if n < 2.0 => format!(
                "set `{attr} = true` and `{count_attr}` to 2 or more (a multiple of the region's zones, usually 3)"
            ),
            _ => format!(
                "set `{attr} = true` (with `{count_attr}` a multiple of the region's zones, usually 3)"
            ),
        };
        let help = zoneless_region_help(self, inst, cx.graph).unwrap_or(help);
        cx.report(
            self,
            inst,
            a,
            format!(
                "{attr} is {} on SKU \"{sku}\", which supports zones: the plan's workers may all run in one zone",
                describe(&v, a)
            ),
            help,
        );
    }
}
