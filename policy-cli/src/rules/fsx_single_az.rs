use super::{describe, setting, Rule, RuleCtx};
use crate::eval::Instance;
use crate::value::Value;

declare_rule! {
    /// ## What it does
    /// Checks that FSx for Windows File Server, NetApp ONTAP and OpenZFS file systems use a
    /// multi-AZ `deployment_type` (`MULTI_AZ_1`, `MULTI_AZ_2`). FSx for Windows defaults to
    /// `SINGLE_AZ_1`.
    ///
    /// ## Why is this bad?
    /// A single-AZ file system has its file servers in one zone: a zone outage makes the
    /// share unavailable until the zone recovers.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_fsx_windows_file_system" "share" {
    ///   deployment_type = "SINGLE_AZ_2"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_fsx_windows_file_system" "share" {
    ///   deployment_type     = "MULTI_AZ_1"
    ///   preferred_subnet_id = aws_subnet.a.id
    ///   subnet_ids          = [aws_subnet.a.id, aws_subnet.b.id]
    /// }
    /// ```
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/fsx/latest/WindowsGuide/high-availability-multiAZ.html
    pub struct FsxSingleAz {
        id: "RC108",
        name: "fsx-single-az",
        category: MultiAz,
        severity: Warning,
        types: ["aws_fsx_windows_file_system", "aws_fsx_ontap_file_system", "aws_fsx_openzfs_file_system"],
    }
}

impl Rule for FsxSingleAz {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        let default = if inst.rtype == "aws_fsx_windows_file_system" {
            Value::String("SINGLE_AZ_1".into())
        } else {
            Value::Null // required attribute: nothing to judge when missing
        };
        let Some((v, a)) = setting(&inst.body, "deployment_type", default) else {
            return;
        };
        if v.as_str()
            .is_some_and(|s| s.to_ascii_uppercase().starts_with("SINGLE_AZ"))
        {
            cx.report(
                self,
                inst,
                a,
                format!(
                    "deployment_type is {}: the file servers run in one zone",
                    describe(&v, a)
                ),
                "set `deployment_type = \"MULTI_AZ_1\"` with subnets in two zones",
            );
        }
    }
}
