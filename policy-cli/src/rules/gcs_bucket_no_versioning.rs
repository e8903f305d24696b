use super::{quote, Remedy, Rule, RuleCtx};
use crate::eval::Instance;

declare_rule! {
    /// ## What it does
    /// Checks that a `google_storage_bucket` keeps old object versions:
    /// `versioning { enabled = true }`. Versioning is off by default. Buckets with a
    /// `retention_policy` are not reported: their objects cannot be deleted or overwritten
    /// before the retention period ends, and Cloud Storage does not allow versioning on
    /// them.
    ///
    /// ## Why is this bad?
    /// Without versioning, an object that is overwritten or deleted (by a bug, a bad
    /// deploy, a `gsutil rm -r`, ransomware) is only recoverable while the bucket's soft
    /// delete window lasts (7 days by default, none when `retention_duration_seconds = 0`),
    /// and only by restoring the whole object by hand.
    ///
    /// ## Example
    /// ```hcl
    /// resource "google_storage_bucket" "uploads" {
    ///   name     = "example-uploads"
    ///   location = "EU"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "google_storage_bucket" "uploads" {
    ///   name     = "example-uploads"
    ///   location = "EU"
    ///   versioning {
    ///     enabled = true
    ///   }
    ///   lifecycle_rule {
    ///     condition {
    ///       num_newer_versions = 5
    ///     }
    ///     action {
    ///       type = "Delete"
    ///     }
    ///   }
    /// }
    /// ```
    ///
    /// ## References
    /// - https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/storage_bucket#versioning
    /// - https://cloud.google.com/storage/docs/object-versioning
    /// - https://cloud.google.com/storage/docs/soft-delete
    pub struct GcsBucketNoVersioning {
        id: "RC210",
        name: "gcs-bucket-no-versioning",
        category: Backup,
        severity: Warning,
        types: ["google_storage_bucket"],
        fix: "adds `versioning { enabled = true }`, or sets `enabled = true` in the block (replaces a literal value); the `lifecycle_rule` that bounds the cost is yours to choose",
    }
}

impl Rule for GcsBucketNoVersioning {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        if inst.body.block("retention_policy").is_some() {
            return;
        }
        // Soft delete: 7 days unless the policy says otherwise.
        let soft_delete_off = inst
            .body
            .block("soft_delete_policy")
            .and_then(|p| p.body.value("retention_duration_seconds"))
            .and_then(|v| v.as_number())
            == Some(0.0);
        let window = if soft_delete_off {
            " and soft delete is off: deleted or overwritten objects are gone at once"
        } else {
            ": deleted or overwritten objects are kept only for the soft delete window (7 days by default)"
        };
        let bound = "(with a `lifecycle_rule` on `num_newer_versions` or `days_since_noncurrent_time` to bound the cost)";
        let versioning: Vec<_> = inst.body.blocks("versioning").collect();
        if versioning.is_empty() {
            cx.report(
                self,
                inst,
                None,
                format!("versioning is not set (provider default: off){window}"),
                format!("add `versioning {{ enabled = true }}` {bound}"),
            );
            let remedy = Remedy::Append {
                within: None,
                what: "`versioning { enabled = true }`",
                text: "versioning {\n  enabled = true\n}",
            };
            cx.offer_fix(inst, None, remedy);
            return;
        }
        for v in versioning {
            match v.body.attr("enabled") {
                Some(a) if a.value.as_bool() == Some(false) => {
                    cx.report(
                        self,
                        inst,
                        Some(a),
                        format!("versioning.enabled is {}{window}", quote(a)),
                        format!("set `enabled = true` in `versioning` {bound}"),
                    );
                    let remedy = Remedy::Set {
                        name: "enabled",
                        value: "true",
                        within: Some(v.span.clone()),
                    };
                    cx.offer_fix(inst, Some(a), remedy);
                    return;
                }
                _ => {}
            }
        }
    }
}
