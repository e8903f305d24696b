use super::shared::{is_page, label, tier_disabled};
use super::{Rule, RuleCtx};
use crate::eval::{EvalBody, Instance};
use crate::value::Value;

declare_rule! {
    /// ## What it does
    /// Checks that pages reach someone: when the configuration has a
    /// `reliability_notification_policy`, every page — a `reliability_alert` with
    /// `severity = "page"`, or a `reliability_slo` whose page tier is on (the default) —
    /// needs a `page_receiver` to go to: the policy's own, or that of a `route` block whose
    /// `matchers` all equal the alert's `labels`.
    ///
    /// Without a notification policy in the configuration nothing is reported (the
    /// Alertmanager configuration may live elsewhere). Unknown severities, receivers,
    /// matchers and labels give no finding; with several policies (provider aliases), one
    /// that routes the page is enough.
    ///
    /// ## Why is this bad?
    /// A policy without `page_receiver` sends `severity="page"` alerts down the default
    /// route to the ticket receiver: the alert fires, a chat message or ticket appears,
    /// and nobody is woken up while the error budget burns. The alert's author believes
    /// it pages; the routing says otherwise.
    ///
    /// ## Example
    /// ```hcl
    /// resource "reliability_notification_policy" "main" {
    ///   receiver {
    ///     name = "chat"
    ///     slack { api_url_file = "/etc/alertmanager/slack.url" }
    ///   }
    ///   ticket_receiver = "chat"
    /// }
    ///
    /// resource "reliability_slo" "checkout" {
    ///   service   = "checkout"
    ///   name      = "availability"
    ///   objective = 99.9
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "reliability_notification_policy" "main" {
    ///   receiver {
    ///     name = "pager"
    ///     pagerduty { routing_key_file = "/etc/alertmanager/pagerduty.key" }
    ///   }
    ///   receiver {
    ///     name = "chat"
    ///     slack { api_url_file = "/etc/alertmanager/slack.url" }
    ///   }
    ///   page_receiver   = "pager"
    ///   ticket_receiver = "chat"
    /// }
    /// ```
    ///
    /// ## References
    /// - https://prometheus.io/docs/alerting/latest/configuration/#route
    /// - https://sre.google/workbook/alerting-on-slos/
    pub struct PageWithoutReceiver {
        id: "RC503",
        name: "page-without-receiver",
        category: Alerting,
        severity: Warning,
        types: ["reliability_alert", "reliability_slo"],
    }
}

/// Whether a `receiver` attribute value names a receiver: `None` when unknown.
fn names_receiver(v: Option<&Value>) -> Option<bool> {
    match v {
        None | Some(Value::Null) => Some(false),
        Some(v) => v.as_str().map(|s| !s.trim().is_empty()),
    }
}

/// Whether `policy` routes the pages of an alert with `labels`: `None` when unknown.
fn routes_pages(policy: &EvalBody, labels: &EvalBody) -> Option<bool> {
    if names_receiver(policy.value("page_receiver"))? {
        return Some(true);
    }
    let mut unknown = false;
    for route in policy.blocks("route") {
        match names_receiver(route.body.value("page_receiver")) {
            Some(false) => continue,
            None => {
                unknown = true;
                continue;
            }
            Some(true) => {}
        }
        let Some(Value::Map(matchers)) = route.body.value("matchers") else {
            unknown = true;
            continue;
        };
        let mut matched = Some(true);
        for (key, want) in matchers {
            let have = label(labels, key);
            match (have, want.as_str()) {
                (Some(Some(have)), Some(want)) if have == want => {}
                (Some(_), Some(_)) => {
                    matched = Some(false);
                    break;
                }
                _ => matched = None,
            }
        }
        match matched {
            Some(true) => return Some(true),
            None => unknown = true,
            Some(false) => {}
        }
    }
    if unknown {
        None
    } else {
        Some(false)
    }
}

impl Rule for PageWithoutReceiver {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        let alerting = inst.body.block("alerting");
        let pages = if inst.rtype == "reliability_alert" {
            is_page(&inst.body)
        } else {
            tier_disabled(alerting.map(|b| &b.body), "page").map(|d| !d)
        };
        if pages != Some(true) {
            return;
        }
        let policies = cx.graph.of_type("reliability_notification_policy");
        let Some(first) = policies.first() else {
            return;
        };
        for p in &policies {
            if routes_pages(&p.body, &inst.body) != Some(false) {
                return;
            }
        }
        let what = if inst.rtype == "reliability_alert" {
            format!("page alert `{}`", inst.address)
        } else {
            format!("the page tier of SLO `{}`", inst.address)
        };
        let message = format!(
            "{what} pages nobody: the notification policy `{}` has no page_receiver{}, so \
             severity=\"page\" alerts fall to its ticket receiver",
            first.address,
            if first.body.blocks("route").next().is_some() {
                " and no route with one matches the alert's labels"
            } else {
                ""
            }
        );
        let help = format!(
            "set `page_receiver = \"<receiver>\"` on `{}` to a receiver that pages your on-call \
             (e.g. one with a `pagerduty` block), or make the alert a ticket",
            first.address
        );
        let attr = inst.body.attr("severity");
        match (attr, alerting) {
            (Some(a), _) => cx.report(self, inst, Some(a), message, help),
            (None, Some(b)) => cx.report_at(self, inst, b.span.clone(), message, help),
            (None, None) => cx.report(self, inst, None, message, help),
        }
    }
}
