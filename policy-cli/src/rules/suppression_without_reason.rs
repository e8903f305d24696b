use super::{Rule, RuleCtx, RuleMeta};
use crate::eval::Instance;

declare_rule! {
    /// ## What it does
    /// Reports a `relcheck:ignore` comment without `-- reason`; it suppresses nothing.
    ///
    /// ## Why is this bad?
    /// Reviewers cannot tell an accepted risk from a silenced warning.
    ///
    /// ## Example
    /// ```hcl
    /// # relcheck:ignore RC101
    /// resource "aws_db_instance" "replica" {
    ///   multi_az = false
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// # relcheck:ignore RC101 -- replica of a multi-AZ primary
    /// resource "aws_db_instance" "replica" {
    ///   multi_az = false
    /// }
    /// ```
    ///
    /// ## References
    /// - The "On pull requests" section of relcheck's README.
    pub struct SuppressionWithoutReason {
        id: "RC002",
        name: "suppression-without-reason",
        category: Suppression,
        severity: Warning,
        types: [],
    }
}

/// Reported by [`crate::suppress::apply`] after every per-instance rule ran; no resource
/// types, so the per-instance pass never calls `check`.
impl Rule for SuppressionWithoutReason {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, _: &Instance, _: &mut RuleCtx) {}
}
