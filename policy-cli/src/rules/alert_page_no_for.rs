use super::{Rule, RuleCtx};
use crate::eval::Instance;
use crate::value::Value;

declare_rule! {
    /// ## What it does
    /// Checks that a paging `reliability_alert` on a raw PromQL `expr` waits before it
    /// fires: it reports `severity = "page"` with `expr` and a `for` that is absent, null or
    /// a zero Prometheus duration (`"0"`, `"0s"`, `"0m"`, …). Certificate-expiry alerts and
    /// SLO burn-rate alerts (which have their own windows) are not checked; neither are
    /// unknown severities or durations.
    ///
    /// ## Why is this bad?
    /// Without `for`, the alert fires on the first evaluation where the expression holds:
    /// one slow scrape, one spike, one restart pages someone, and the alert resolves before
    /// they open the laptop. Flapping pages teach people to ignore pages.
    ///
    /// ## Example
    /// ```hcl
    /// resource "reliability_alert" "errors" {
    ///   name     = "HighErrorRate"
    ///   expr     = "job:http_errors:ratio_rate5m > 0.05"
    ///   severity = "page"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "reliability_alert" "errors" {
    ///   name     = "HighErrorRate"
    ///   expr     = "job:http_errors:ratio_rate5m > 0.05"
    ///   for      = "10m"
    ///   severity = "page"
    /// }
    /// ```
    ///
    /// ## References
    /// - https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/
    /// - https://prometheus.io/docs/practices/alerting/
    pub struct AlertPageNoFor {
        id: "RC502",
        name: "alert-page-no-for",
        category: Alerting,
        severity: Warning,
        types: ["reliability_alert"],
    }
}

impl Rule for AlertPageNoFor {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        let body = &inst.body;
        if super::shared::is_page(body) != Some(true) {
            return;
        }
        // Only raw expressions: a known or unknown `expr`, but not null/absent.
        if body.value("expr").is_none_or(Value::is_null) {
            return;
        }
        let attr = body.attr("for");
        let zero = match attr.map(|a| &a.value) {
            None | Some(Value::Null) => true,
            Some(v) => match v
                .as_str()
                .and_then(super::shared::duration_secs)
            {
                Some(secs) => secs == 0.0,
                None => return, // unknown or not a duration
            },
        };
        if !zero {
            return;
        }
        let what = match attr {
            Some(a) => format!("`for` is {}", super::quote(a)),
            None => "`for` is not set".to_string(),
        };
        cx.report(
            self,
            inst,
            attr.or_else(|| body.attr("expr")),
            format!("{what} on page alert `{}`: it pages on the first evaluation where the expression holds", inst.address),
            "set `for` to how long the condition must hold before paging, e.g. `for = \"5m\"`",
        );
    }
}
