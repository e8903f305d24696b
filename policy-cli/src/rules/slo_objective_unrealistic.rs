use super::shared::{label, tier};
use super::{Rule, RuleCtx};
use crate::eval::{EvalBody, Instance};

declare_rule! {
    /// ## What it does
    /// Checks that a `reliability_slo` with an `objective` of 99.99 or more belongs to a
    /// service its `labels` mark as critical: `criticality = "critical"`, or a `tier` of `0`
    /// or `1` (also written `tier0`, `tier-1`, …, case-insensitive). Other labels, such as
    /// those of the alert tiers, do not count. An unknown objective or unknown labels give no
    /// finding; a variable's literal default decides.
    ///
    /// ## Why is this bad?
    /// 99.99% leaves 4.3 minutes of error budget in 30 days: every deploy, every dependency
    /// blip pages someone, and the budget is gone before anyone can react. Such targets only
    /// make sense for the few services that justify the cost; on any other service they burn
    /// the team out and teach it to ignore the SLO. A warning: the objective may be right,
    /// but then the label should say so.
    ///
    /// ## Example
    /// ```hcl
    /// resource "reliability_slo" "search" {
    ///   service   = "search"
    ///   name      = "availability"
    ///   objective = 99.99
    ///   labels    = { team = "search" }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "reliability_slo" "search" {
    ///   service   = "search"
    ///   name      = "availability"
    ///   objective = 99.9
    ///   labels    = { team = "search" }
    /// }
    /// ```
    /// or, for a service that really is critical, `labels = { tier = "1" }`.
    ///
    /// ## References
    /// - https://sre.google/workbook/implementing-slos/
    /// - https://sre.google/sre-book/embracing-risk/
    pub struct SloObjectiveUnrealistic {
        id: "RC401",
        name: "slo-objective-unrealistic",
        category: Slo,
        severity: Warning,
        types: ["reliability_slo"],
    }
}

/// Objectives at or above this many percent need a critical service.
const THRESHOLD: f64 = 99.99;

/// Whether the labels mark the service critical; `None` when that cannot be known.
fn critical(body: &EvalBody) -> Option<bool> {
    let crit = label(body, "criticality");
    if crit.as_ref().is_some_and(|c| {
        c.as_deref()
            .is_some_and(|c| c.eq_ignore_ascii_case("critical"))
    }) {
        return Some(true);
    }
    let tier = tier(body);
    if tier.is_some_and(|t| t.is_some_and(|t| t <= 1)) {
        return Some(true);
    }
    if crit.is_none() || tier.is_none() {
        return None;
    }
    Some(false)
}

impl Rule for SloObjectiveUnrealistic {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        let Some(attr) = inst.body.attr("objective") else {
            return;
        };
        let Some(objective) = attr.value.as_number() else {
            return;
        };
        if objective < THRESHOLD - 1e-9 || critical(&inst.body) != Some(false) {
            return;
        }
        cx.report_attr(
            self,
            inst,
            attr,
            ", but the labels do not mark the service critical: 99.99% or more leaves about 4 minutes of error budget in 30 days",
            "lower the objective (e.g. `objective = 99.9`), or label a critical service `criticality = \"critical\"` or `tier = \"1\"`",
        );
    }
}
