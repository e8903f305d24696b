use super::{describe, setting, Remedy, Rule, RuleCtx};
use crate::eval::Instance;
use crate::value::Value;

declare_rule! {
    /// ## What it does
    /// Checks that an `aws_s3_bucket` keeps object versions: an `aws_s3_bucket_versioning`
    /// whose `bucket` refers to it (`aws_s3_bucket.x.id` or `.bucket`, the same literal
    /// name, or a `data "aws_s3_bucket"` looked up by that name) sets `versioning_configuration { status = "Enabled" }`, or the bucket has the
    /// AWS provider v3 inline `versioning { enabled = true }`. Versioning is off by default;
    /// `Suspended` keeps no new versions. Buckets with S3 Object Lock are skipped (Object
    /// Lock turns versioning on). When a versioning resource's `count`, `bucket` or
    /// `status` cannot be known, nothing is reported; a versioning resource with
    /// `count = 0` does not count. Coverage is per instance: versioning for
    /// `aws_s3_bucket.x["raw"]` (or `x[0]`) does not cover its siblings; `for_each =
    /// aws_s3_bucket.x` with `bucket = each.value.id` covers each of them. A `status` that
    /// comes from `try(...)` over failing conversions (`tobool("suspended")`) is judged
    /// by the argument Terraform would take.
    ///
    /// ## Why is this bad?
    /// Without versioning an overwrite or a delete (a bad deploy, a script with the wrong
    /// prefix, ransomware using stolen keys) destroys the only copy of the object. With
    /// versioning the previous version stays restorable, and S3 replication and AWS Backup
    /// for S3 both require it.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_s3_bucket" "uploads" {
    ///   bucket = "acme-uploads"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_s3_bucket" "uploads" {
    ///   bucket = "acme-uploads"
    /// }
    /// resource "aws_s3_bucket_versioning" "uploads" {
    ///   bucket = aws_s3_bucket.uploads.id
    ///   versioning_configuration {
    ///     status = "Enabled"
    ///   }
    /// }
    /// ```
    ///
    /// ## References
    /// - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/s3_bucket_versioning
    /// - https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html
    pub struct S3BucketVersioningDisabled {
        id: "RC207",
        name: "s3-bucket-versioning-disabled",
        category: Backup,
        severity: Warning,
        types: ["aws_s3_bucket"],
        fix: "only the provider v3 inline block: sets `enabled = true` in `versioning` (a missing or disabled `aws_s3_bucket_versioning` is another resource: not fixed)",
    }
}

const HELP: &str = "add an `aws_s3_bucket_versioning` with `bucket` set to this bucket and `versioning_configuration { status = \"Enabled\" }`";

/// What a versioning resource says: `Some((status, quoted))` or unknown.
fn status(v: &Instance) -> Option<(String, String)> {
    if !v.count_known {
        return None;
    }
    let cfg = v.body.block("versioning_configuration")?;
    let a = cfg.body.attr("status")?;
    a.value.as_str().map(|s| (s.to_string(), super::quote(a)))
}

impl Rule for S3BucketVersioningDisabled {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        let body = &inst.body;
        // Object Lock turns versioning on (and it cannot be suspended).
        match body.value("object_lock_enabled") {
            Some(v) if v.as_bool() == Some(false) => {}
            None => {}
            Some(_) => return, // true or unknown
        }
        if body.block("object_lock_configuration").is_some() {
            return;
        }
        // Versioning resources for this bucket: by reference or by literal name.
        let name = body.value("bucket").and_then(|v| v.as_str());
        let mut statuses: Vec<(String, Option<(String, String)>)> = Vec::new();
        for v in cx.graph.of_type("aws_s3_bucket_versioning") {
            let Some(b) = v.body.attr("bucket") else {
                continue;
            };
            if b.value.contains_opaque_unknown() {
                return; // may be this bucket's
            }
            // A `data "aws_s3_bucket"` looked up by this bucket's name (or an unknown one).
            let mut refs = Vec::new();
            b.value.collect_refs(&mut refs);
            let mut via_data = false;
            for r in refs {
                for d in cx.graph.resolve(r) {
                    if !d.data || d.rtype != "aws_s3_bucket" {
                        continue;
                    }
                    match d.body.value("bucket").map(|v| v.as_str()) {
                        Some(Some(n)) if Some(n) == name => via_data = true,
                        Some(Some(_)) => {}
                        _ => return, // unknown: may be this bucket
                    }
                }
            }
            if via_data
                || b.value.refers_to_instance(&inst.base, &inst.address)
                || (name.is_some() && b.value.as_str() == name)
            {
                statuses.push((v.address.clone(), status(v)));
            }
        }
        if !statuses.is_empty() {
            if statuses.iter().any(|(_, s)| s.is_none()) {
                return; // unknown
            }
            if statuses
                .iter()
                .any(|(_, s)| s.as_ref().is_some_and(|(s, _)| s == "Enabled"))
            {
                return;
            }
            let (addr, s) = &statuses[0];
            let quoted = s.as_ref().map(|(_, q)| q.as_str()).unwrap_or_default();
            cx.report(
                self,
                inst,
                None,
                format!(
                    "versioning_configuration.status is {quoted} in `{addr}`: overwritten or deleted objects cannot be recovered"
                ),
                "set `status = \"Enabled\"` in its `versioning_configuration`",
            );
            return;
        }
        // The provider v3 inline block.
        if let Some(vb) = body.block("versioning") {
            let Some((v, a)) = setting(&vb.body, "enabled", Value::Bool(false)) else {
                return;
            };
            if v.as_bool() != Some(false) {
                return;
            }
            let msg = format!(
                "versioning.enabled is {}: overwritten or deleted objects cannot be recovered",
                describe(&v, a)
            );
            let help = "set `enabled = true` in the `versioning` block (or move to an `aws_s3_bucket_versioning` with `status = \"Enabled\"`)";
            match a {
                Some(_) => cx.report(self, inst, a, msg, help),
                None => cx.report_at(self, inst, vb.span.clone(), msg, help),
            }
            let remedy = Remedy::Set {
                name: "enabled",
                value: "true",
                within: Some(vb.span.clone()),
            };
            cx.offer_fix(inst, a, remedy);
            return;
        }
        let address = &inst.address;
        let message = format!("no aws_s3_bucket_versioning enables versioning on `{address}` (off by default): overwritten or deleted objects cannot be recovered");
        cx.report(self, inst, None, message, HELP);
    }
}
