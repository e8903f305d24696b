use super::shared::{label, tier};
use super::{Rule, RuleCtx};
use crate::eval::{EvalBody, Instance};

declare_rule! {
    /// ## What it does
    /// Checks that a `reliability_slo` with an `objective` of 99.99 or more belongs to a
    /// service its `labels` mark as critical: `criticality = "critical"`, or a `tier` of `0`
    /// or `1` (also written `tier0`, `tier-1`, …, case-insensitive). Other labels, such as
    /// those of the alert tiers, do not count. An unknown objective or unknown labels give no
    /// finding; a variable's literal default decides. The message gives the budget over the
    /// SLO's own period: its rolling `window` (default `30d`) or its `calendar_period`
    /// (a week; a month of 28–31 days; a quarter of 90–92).
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

/// The SLO's period as the provider reads it: `(shortest, longest)` days and how to name
/// it; `None` when it cannot be known (an unknown or invalid value).
fn period(body: &EvalBody) -> Option<((f64, f64), String)> {
    if let Some(attr) = body.attr("calendar_period") {
        if !attr.value.is_null() {
            return match attr.value.as_str()? {
                "week" => Some(((7.0, 7.0), "a calendar week".into())),
                "month" => Some(((28.0, 31.0), "a calendar month".into())),
                "quarter" => Some(((90.0, 92.0), "a calendar quarter".into())),
                _ => None,
            };
        }
    }
    let window = match body.attr("window") {
        None => "30d".to_string(),
        Some(a) if a.value.is_null() => "30d".to_string(),
        Some(a) => a.value.as_str()?.to_string(),
    };
    let (digits, unit) = window.split_at(window.len().checked_sub(1)?);
    let n: f64 = digits.parse::<u32>().ok()?.into();
    let days = match unit {
        "d" => n,
        "w" => n * 7.0,
        _ => return None,
    };
    Some(((days, days), format!("{} days", days)))
}

/// "about 4.3 minutes of error budget in 30 days", for `objective` over the SLO's period.
fn budget_text(objective: f64, body: &EvalBody) -> String {
    let minutes = |days: f64| (100.0 - objective) / 100.0 * days * 1440.0;
    match period(body) {
        Some(((lo, hi), name)) if lo == hi => {
            format!("about {:.1} minutes of error budget in {name}", minutes(lo))
        }
        Some(((lo, hi), name)) => format!(
            "{:.1}–{:.1} minutes of error budget in {name}",
            minutes(lo),
            minutes(hi)
        ),
        None => "only minutes of error budget per period".to_string(),
    }
}

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
        let text = format!(
            ", but the labels do not mark the service critical: {objective}% leaves {}",
            budget_text(objective, &inst.body)
        );
        cx.report_attr(
            self,
            inst,
            attr,
            &text,
            "lower the objective (e.g. `objective = 99.9`), or label a critical service `criticality = \"critical\"` or `tier = \"1\"`",
        );
    }
}
