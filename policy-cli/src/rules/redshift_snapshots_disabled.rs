use super::{setting, Remedy, Rule, RuleCtx};
use crate::eval::Instance;
use crate::value::Value;

declare_rule! {
    /// ## What it does
    /// Checks that an `aws_redshift_cluster` keeps automated snapshots:
    /// `automated_snapshot_retention_period = 0` turns them off. The provider default is
    /// `1` day, so a cluster that does not set it is fine. RA3 clusters are skipped: AWS
    /// does not allow turning their automated snapshots off.
    ///
    /// ## Why is this bad?
    /// Without automated snapshots a dropped table, a bad `DELETE` or a deleted cluster can
    /// only be recovered from manual snapshots, if someone took one; and cross-region
    /// snapshot copy (`snapshot_copy`) has nothing to copy.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_redshift_cluster" "warehouse" {
    ///   cluster_identifier                  = "warehouse"
    ///   node_type                           = "dc2.large"
    ///   automated_snapshot_retention_period = 0
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_redshift_cluster" "warehouse" {
    ///   cluster_identifier                  = "warehouse"
    ///   node_type                           = "dc2.large"
    ///   automated_snapshot_retention_period = 7
    /// }
    /// ```
    ///
    /// ## References
    /// - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/redshift_cluster#automated_snapshot_retention_period
    /// - https://docs.aws.amazon.com/redshift/latest/mgmt/working-with-snapshots.html
    pub struct RedshiftSnapshotsDisabled {
        id: "RC209",
        name: "redshift-snapshots-disabled",
        category: Backup,
        severity: Error,
        types: ["aws_redshift_cluster"],
        fix: "sets `automated_snapshot_retention_period = 7` (replaces a literal 0)",
    }
}

impl Rule for RedshiftSnapshotsDisabled {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        let body = &inst.body;
        match body.value("node_type").map(|v| v.as_str()) {
            Some(Some(t)) if t.starts_with("ra3.") => return,
            Some(None) => return, // unknown: may be RA3
            _ => {}
        }
        let Some((n, attr)) = setting(
            body,
            "automated_snapshot_retention_period",
            Value::Number(1.0),
        ) else {
            return;
        };
        if n.as_number() == Some(0.0) {
            cx.report_setting(
                self,
                inst,
                "automated_snapshot_retention_period",
                (&n, attr),
                ": automated snapshots are off",
                "set `automated_snapshot_retention_period` to 1 or more days (e.g. 7)",
            );
            let remedy = Remedy::Set {
                name: "automated_snapshot_retention_period",
                value: "7",
                within: None,
            };
            cx.offer_fix(inst, attr, remedy);
        }
    }
}
