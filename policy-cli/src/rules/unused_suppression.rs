use super::{Rule, RuleCtx, RuleMeta};
use crate::eval::Instance;

declare_rule! {
    /// ## What it does
    /// Reports a `relcheck:ignore` comment that suppresses nothing: it names no rule, an
    /// unknown rule, or a rule that reports nothing in the statement below it.
    ///
    /// ## Why is this bad?
    /// A stale suppression hides the next real problem at that place.
    ///
    /// ## Example
    /// ```hcl
    /// # relcheck:ignore RC101 -- replica of a multi-AZ primary
    /// resource "aws_db_instance" "main" {
    ///   multi_az = true
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_db_instance" "main" {
    ///   multi_az = true
    /// }
    /// ```
    ///
    /// ## References
    /// - `relcheck rules` lists the rule ids and names a suppression can name.
    pub struct UnusedSuppression {
        id: "RC001",
        name: "unused-suppression",
        category: Suppression,
        severity: Warning,
        types: [],
    }
}

/// Reported by [`crate::suppress::apply`] after every per-instance rule ran; no resource
/// types, so the per-instance pass never calls `check`.
impl Rule for UnusedSuppression {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, _: &Instance, _: &mut RuleCtx) {}
}
