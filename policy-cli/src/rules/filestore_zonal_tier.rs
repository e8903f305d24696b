use super::{quote, Rule, RuleCtx};
use crate::eval::Instance;

declare_rule! {
    /// ## What it does
    /// Checks that a `google_filestore_instance` uses a regional service tier. `REGIONAL`
    /// and `ENTERPRISE` instances replicate synchronously across zones; `BASIC_HDD`,
    /// `BASIC_SSD`, `HIGH_SCALE_SSD`, `ZONAL` and the legacy `STANDARD` / `PREMIUM` tiers
    /// live in one zone.
    ///
    /// ## Why is this bad?
    /// A zonal file share is unavailable for as long as its zone is, and every workload
    /// that mounts it stops with it, even when the workloads themselves run in several
    /// zones. The tier cannot be changed in place: moving to a regional tier means a new
    /// instance and copying the data.
    ///
    /// ## Example
    /// ```hcl
    /// resource "google_filestore_instance" "shared" {
    ///   name     = "shared"
    ///   location = "europe-west1-b"
    ///   tier     = "BASIC_SSD"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "google_filestore_instance" "shared" {
    ///   name     = "shared"
    ///   location = "europe-west1"
    ///   tier     = "REGIONAL"
    /// }
    /// ```
    ///
    /// ## References
    /// - https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/filestore_instance#tier
    /// - https://cloud.google.com/filestore/docs/service-tiers
    pub struct FilestoreZonalTier {
        id: "RC129",
        name: "filestore-zonal-tier",
        category: MultiAz,
        severity: Warning,
        types: ["google_filestore_instance"],
    }
}

const ZONAL_TIERS: [&str; 6] = [
    "BASIC_HDD",
    "BASIC_SSD",
    "HIGH_SCALE_SSD",
    "ZONAL",
    "STANDARD",
    "PREMIUM",
];

impl Rule for FilestoreZonalTier {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        let Some(a) = inst.body.attr("tier") else {
            return; // required: the provider rejects the configuration
        };
        if super::is_one_of(&a.value, &ZONAL_TIERS) {
            let region = inst
                .body
                .value("location")
                .or_else(|| inst.body.value("zone"))
                .and_then(|v| v.as_str())
                .and_then(|z| z.rsplit_once('-').filter(|(_, s)| s.len() == 1))
                .map(|(r, _)| format!(" and `location = \"{r}\"`"))
                .unwrap_or_else(|| " with a region as `location`".to_string());
            cx.report(
                self,
                inst,
                Some(a),
                format!(
                    "tier is {}: a zonal Filestore instance, unavailable when its zone is",
                    quote(a)
                ),
                format!("set `tier = \"REGIONAL\"` (or `\"ENTERPRISE\"`){region}; the tier cannot change in place, so create a new instance and copy the data"),
            );
        }
    }
}
