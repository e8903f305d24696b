use super::shared::tier_disabled;
use super::{Rule, RuleCtx};
use crate::eval::Instance;

declare_rule! {
    /// ## What it does
    /// Checks that a `reliability_slo` keeps at least one alert tier: it reports an SLO
    /// whose `alerting` block has both `page { disabled = true }` and
    /// `ticket { disabled = true }`. Both tiers are on by default (no `alerting`, `page` or
    /// `ticket` block, or `disabled = false`). An unknown `disabled` gives no finding.
    ///
    /// ## Why is this bad?
    /// An SLO nobody is alerted on is a dashboard: the error budget can be spent to zero and
    /// nobody finds out until users complain. If the objective matters, someone must hear
    /// when it is at risk; if it does not, the SLO and its recording rules are noise.
    ///
    /// ## Example
    /// ```hcl
    /// resource "reliability_slo" "checkout" {
    ///   service   = "checkout"
    ///   name      = "availability"
    ///   objective = 99.9
    ///   alerting {
    ///     page   { disabled = true }
    ///     ticket { disabled = true }
    ///   }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "reliability_slo" "checkout" {
    ///   service   = "checkout"
    ///   name      = "availability"
    ///   objective = 99.9
    ///   alerting {
    ///     page { disabled = true }
    ///     runbook_url = "https://runbooks.example.com/checkout"
    ///   }
    /// }
    /// ```
    ///
    /// ## References
    /// - https://sre.google/workbook/alerting-on-slos/
    pub struct SloAlertingDisabled {
        id: "RC402",
        name: "slo-alerting-disabled",
        category: Slo,
        severity: Warning,
        types: ["reliability_slo"],
    }
}

impl Rule for SloAlertingDisabled {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        let Some(alerting) = inst.body.block("alerting") else {
            return;
        };
        let a = Some(&alerting.body);
        if tier_disabled(a, "page") != Some(true) || tier_disabled(a, "ticket") != Some(true) {
            return;
        }
        let attr = alerting
            .body
            .block("page")
            .and_then(|p| p.body.attr("disabled"));
        let from = |which: &str| {
            alerting
                .body
                .block(which)
                .and_then(|p| p.body.attr("disabled"))
                .map(|a| format!("{which}.disabled is {}", super::quote(a)))
                .unwrap_or_default()
        };
        cx.report(
            self,
            inst,
            attr,
            format!(
                "both alert tiers are disabled, {} and {}: nobody hears when the error budget burns",
                from("page"),
                from("ticket")
            ),
            "enable at least one tier (remove `disabled = true` from `ticket` or `page`), or remove the SLO",
        );
    }
}
