use super::shared::is_page;
use super::{Rule, RuleCtx};
use crate::eval::{EvalBody, Instance};
use crate::value::Value;

declare_rule! {
    /// ## What it does
    /// Checks that every page has a runbook:
    ///
    /// - a `reliability_alert` with `severity = "page"` needs a `runbook_url` (or a
    ///   `runbook_url` key in `annotations`);
    /// - a `reliability_slo` whose page tier is on (the default: no `alerting` or `page`
    ///   block, or `page { disabled = false }`) needs `alerting { runbook_url = ... }` (or
    ///   `runbook_url` in `page { annotations }`), since its page alerts take their
    ///   `runbook_url` annotation from there.
    ///
    /// An empty string counts as missing. Unknown severities, `disabled` flags and URLs
    /// give no finding.
    ///
    /// ## Why is this bad?
    /// A page wakes someone up, often someone who did not write the alert. Without a
    /// runbook they start from zero at 3 a.m.: what does the alert mean, how bad is it,
    /// what do I try first. Tickets and info alerts can wait for office hours; pages cannot.
    ///
    /// ## Example
    /// ```hcl
    /// resource "reliability_alert" "queue_stuck" {
    ///   name     = "QueueStuck"
    ///   expr     = "queue_oldest_message_age_seconds > 600"
    ///   for      = "10m"
    ///   severity = "page"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "reliability_alert" "queue_stuck" {
    ///   name        = "QueueStuck"
    ///   expr        = "queue_oldest_message_age_seconds > 600"
    ///   for         = "10m"
    ///   severity    = "page"
    ///   runbook_url = "https://runbooks.example.com/queue-stuck"
    /// }
    /// ```
    ///
    /// ## References
    /// - https://sre.google/sre-book/monitoring-distributed-systems/
    /// - https://prometheus.io/docs/practices/alerting/
    pub struct AlertPageNoRunbook {
        id: "RC501",
        name: "alert-page-no-runbook",
        category: Alerting,
        severity: Warning,
        types: ["reliability_alert", "reliability_slo"],
    }
}

/// Whether `runbook_url` (or `annotations.runbook_url`) is set in `body`: `None` when
/// unknown.
fn has_runbook(body: &EvalBody) -> Option<bool> {
    let set = |v: &Value| match v {
        Value::Null => Some(false),
        v => v.to_str().map(|s| !s.trim().is_empty()),
    };
    let direct = body.value("runbook_url").map_or(Some(false), set);
    if direct == Some(true) {
        return Some(true);
    }
    let annotated = match body.value("annotations") {
        None | Some(Value::Null) => Some(false),
        Some(Value::Map(m)) => m.get("runbook_url").map_or(Some(false), set),
        Some(_) => None,
    };
    match (direct, annotated) {
        (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

impl Rule for AlertPageNoRunbook {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        if inst.rtype == "reliability_alert" {
            if is_page(&inst.body) != Some(true) || has_runbook(&inst.body) != Some(false) {
                return;
            }
            let attr = inst
                .body
                .attr("runbook_url")
                .or_else(|| inst.body.attr("severity"));
            cx.report(
                self,
                inst,
                attr,
                format!(
                    "page alert `{}` has no runbook_url{}",
                    inst.address,
                    match inst.body.attr("runbook_url") {
                        Some(a) => format!(" ({})", super::quote(a)),
                        None => String::new(),
                    }
                ),
                "set `runbook_url = \"https://…\"` to a page that says what the alert means and what to do",
            );
            return;
        }
        // reliability_slo: the page tier's alerts take alerting.runbook_url.
        let alerting = inst.body.block("alerting");
        let a = alerting.map(|b| &b.body);
        if super::shared::tier_disabled(a, "page") != Some(false) {
            return;
        }
        let Some(url) = a.map_or(Some(false), has_runbook) else {
            return;
        };
        if url {
            return;
        }
        let page = a.and_then(|a| a.block("page"));
        if let Some(annotated) = page.map(|p| has_runbook(&p.body)) {
            if annotated != Some(false) {
                return;
            }
        }
        let message = format!(
            "the page tier of SLO `{}` is on, but {}: its page alerts carry no runbook_url",
            inst.address,
            match a.and_then(|a| a.attr("runbook_url")) {
                Some(attr) => format!("alerting.runbook_url is {}", super::quote(attr)),
                None if alerting.is_some() => "alerting.runbook_url is not set".to_string(),
                None => "there is no `alerting` block (both tiers on by default)".to_string(),
            }
        );
        let help = "set `alerting { runbook_url = \"https://…\" }`, or turn the page tier off with `page { disabled = true }`";
        match (a.and_then(|a| a.attr("runbook_url")), alerting) {
            (Some(attr), _) => cx.report(self, inst, Some(attr), message, help),
            (None, Some(b)) => cx.report_at(self, inst, b.span.clone(), message, help),
            (None, None) => cx.report(self, inst, None, message, help),
        }
    }
}
