use super::{Rule, RuleCtx};
use crate::eval::Instance;

declare_rule! {
    /// ## What it does
    /// Flags `google_compute_instance_group_manager`, which is always zonal, and suggests
    /// `google_compute_region_instance_group_manager`.
    ///
    /// ## Why is this bad?
    /// A zonal managed instance group creates all its VMs in one zone; it cannot recreate
    /// them elsewhere when the zone fails.
    ///
    /// ## Example
    /// ```hcl
    /// resource "google_compute_instance_group_manager" "web" {
    ///   zone = "europe-west1-b"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "google_compute_region_instance_group_manager" "web" {
    ///   region = "europe-west1"
    /// }
    /// ```
    ///
    /// ## References
    /// - https://cloud.google.com/compute/docs/instance-groups/regional-migs
    pub struct ZonalInstanceGroupManager {
        id: "RC116",
        name: "zonal-instance-group-manager",
        category: MultiAz,
        severity: Warning,
        types: ["google_compute_instance_group_manager"],
    }
}

impl Rule for ZonalInstanceGroupManager {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        let zone = inst.body.attr("zone");
        let msg = match zone {
            Some(z) if !z.value.contains_unknown() && !z.value.is_null() => {
                format!(
                    "zonal managed instance group in zone {}: all VMs run in one zone",
                    super::quote(z)
                )
            }
            _ => "zonal managed instance group: all VMs run in one zone".to_string(),
        };
        cx.report(
            self,
            inst,
            zone,
            msg,
            "use `google_compute_region_instance_group_manager` with a `region`",
        );
    }
}
