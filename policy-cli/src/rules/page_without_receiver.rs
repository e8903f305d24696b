use super::shared::{is_page, slo_alert_name, tier_disabled};
use super::{Rule, RuleCtx};
use crate::eval::{EvalBody, Instance};
use crate::value::Value;

declare_rule! {
    /// ## What it does
    /// Checks that pages reach someone: when the configuration has a
    /// `reliability_notification_policy`, every page — a `reliability_alert` with
    /// `severity = "page"`, or a `reliability_slo` whose page tier is on (the default) — is
    /// routed the way Alertmanager routes the policy's configuration, and must reach a
    /// receiver with an integration.
    ///
    /// Routing: the first team `route` whose `matchers` all hold the page's labels takes
    /// it, to its `page_receiver` or else the policy's; when no route holds, the policy's
    /// `page_receiver`. Without one the page falls to a ticket receiver and pages nobody. A
    /// receiver with no `pagerduty`, `webhook`, `slack` or `email` block drops it: reported
    /// too.
    ///
    /// The page's labels: for a `reliability_alert`, its `labels`, `severity` and
    /// `alertname` (its `name`), and, for labels it does not set, whatever its expression's
    /// series carry (not known: a matcher on such a label gives no finding); for an SLO's
    /// page tier, the SLO's `labels` with `alerting { page { labels } }` over them, the
    /// identity labels (`sloth_service`, `sloth_slo`, `sloth_id`), `alertname`
    /// (`SLO<Service><Name>ErrorBudgetBurn`) and `severity = "page"`.
    ///
    /// Without a notification policy in the configuration nothing is reported (the
    /// Alertmanager configuration may live elsewhere). Unknown severities, receivers,
    /// matchers and labels give no finding; with several policies (provider aliases), one
    /// that may page is enough.
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

/// A label of a page as Alertmanager sees it.
#[derive(Clone, PartialEq)]
enum LabelValue {
    Known(String),
    /// Set, but not known before the alert fires (a template, an unknown value).
    Unknown,
}

/// The labels a page carries: those the configuration sets, and whether labels it does not
/// set may still come from the alert's series (a `reliability_alert`'s expression).
struct PageLabels {
    labels: std::collections::BTreeMap<String, LabelValue>,
    open: bool,
    /// Labels set whose values relcheck does not compute (`sloth_window` of an SLO's
    /// alerts).
    computed: &'static [&'static str],
}

impl PageLabels {
    fn add(&mut self, body: Option<&EvalBody>) {
        let Some(body) = body else { return };
        match body.value("labels") {
            None => {}
            Some(Value::Map(m)) => {
                for (k, v) in m {
                    let lv = match v.to_str() {
                        Some(s) if !s.contains("{{") => LabelValue::Known(s),
                        _ if v.is_null() => continue,
                        _ => LabelValue::Unknown,
                    };
                    self.labels.insert(k.clone(), lv);
                }
            }
            // Labels that cannot be known: any matcher may hold.
            Some(_) => self.open = true,
        }
    }

    fn set(&mut self, key: &str, v: Option<&Value>) {
        let lv = match v.and_then(Value::to_str) {
            Some(s) => LabelValue::Known(s),
            None => LabelValue::Unknown,
        };
        self.labels.insert(key.to_string(), lv);
    }

    /// The labels of a `reliability_alert` page (its `labels`, `severity`, `alertname`; the
    /// series of its expression may add more) or of an SLO's page tier (the SLO's `labels`,
    /// the page tier's `labels` over them, the identity labels and `severity`).
    fn of(inst: &Instance) -> PageLabels {
        let mut out = PageLabels {
            labels: Default::default(),
            open: inst.rtype == "reliability_alert",
            computed: &[],
        };
        out.add(Some(&inst.body));
        if inst.rtype == "reliability_alert" {
            out.set("alertname", inst.body.value("name"));
        } else {
            let page = inst
                .body
                .block("alerting")
                .and_then(|a| a.body.block("page"))
                .map(|p| &p.body);
            out.add(page);
            let service = inst.body.value("service").and_then(Value::as_str);
            let name = inst.body.value("name").and_then(Value::as_str);
            out.set("sloth_service", inst.body.value("service"));
            out.set("sloth_slo", inst.body.value("name"));
            let (alertname, id) = match (service, name) {
                (Some(s), Some(n)) => (
                    Some(Value::String(slo_alert_name(s, n))),
                    Some(Value::String(format!("{s}-{n}"))),
                ),
                _ => (None, None),
            };
            out.set("alertname", alertname.as_ref());
            out.set("sloth_id", id.as_ref());
            out.set("sloth_severity", Some(&Value::String("page".into())));
            out.computed = &["sloth_window"];
        }
        out.set("severity", Some(&Value::String("page".into())));
        out
    }

    /// Whether Alertmanager's equality matcher `key="want"` holds: `None` when unknown.
    fn matches(&self, key: &str, want: &str) -> Option<bool> {
        if self.computed.contains(&key) {
            return None;
        }
        match self.labels.get(key) {
            Some(LabelValue::Known(have)) => Some(have == want),
            Some(LabelValue::Unknown) => None,
            // An absent label is the empty string to a matcher, unless the series may set it.
            None if self.open => None,
            None => Some(want.is_empty()),
        }
    }
}

/// Where a policy sends a page.
enum Destination {
    /// The receiver (by name) that gets it.
    Receiver(String),
    /// Nobody: it falls to a ticket receiver: that of the team route (index) that took
    /// it, else the policy's.
    Ticket(Option<usize>),
    Unknown,
}

/// A receiver attribute: `Some(Some(name))`, `Some(None)` when unset or null, `None` when
/// unknown.
fn receiver_name(v: Option<&Value>) -> Option<Option<String>> {
    match v {
        None | Some(Value::Null) => Some(None),
        Some(v) => v
            .as_str()
            .map(|s| Some(s.trim().to_string()).filter(|s| !s.is_empty())),
    }
}

/// Routes a page through a policy's tree as Alertmanager would (see the provider's
/// `rules/notification`): the first team `route` whose `matchers` all hold takes it, to its
/// `page_receiver` (or the policy's); otherwise the policy's `page_receiver`; without one
/// the page falls to a ticket receiver.
fn route_page(policy: &EvalBody, labels: &PageLabels) -> Destination {
    let Some(policy_page) = receiver_name(policy.value("page_receiver")) else {
        return Destination::Unknown;
    };
    for (index, route) in policy.blocks("route").enumerate() {
        let Some(Value::Map(matchers)) = route.body.value("matchers") else {
            return Destination::Unknown;
        };
        let mut all = Some(true);
        for (key, want) in matchers {
            match want.as_str().map(|w| labels.matches(key, w)) {
                Some(Some(true)) => {}
                Some(Some(false)) => {
                    all = Some(false);
                    break;
                }
                _ => all = None,
            }
        }
        match all {
            Some(false) => continue,
            None => return Destination::Unknown,
            Some(true) => {}
        }
        return match receiver_name(route.body.value("page_receiver")) {
            None => Destination::Unknown,
            Some(Some(r)) => Destination::Receiver(r),
            Some(None) => match policy_page {
                Some(r) => Destination::Receiver(r),
                None => Destination::Ticket(Some(index)),
            },
        };
    }
    match policy_page {
        Some(r) => Destination::Receiver(r),
        None => Destination::Ticket(None),
    }
}

/// Whether the policy's receiver `name` notifies anyone: `Some(false)` when it has no
/// integration (Alertmanager drops its notifications), `None` when not known.
fn receiver_notifies(policy: &EvalBody, name: &str) -> Option<bool> {
    let mut found = None;
    for r in policy.blocks("receiver") {
        match r.body.value("name").and_then(Value::as_str) {
            Some(n) if n == name => {
                found = Some(
                    ["webhook", "pagerduty", "slack", "email"]
                        .iter()
                        .any(|k| r.body.block(k).is_some()),
                );
            }
            Some(_) => {}
            None => return None,
        }
    }
    found
}

/// What happens to a page in one policy.
enum Outcome {
    Paged,
    Unknown,
    /// Falls to a ticket receiver (see [`Destination::Ticket`]).
    Ticket(Option<usize>),
    /// Reaches a receiver without integrations.
    Dropped(String),
}

fn outcome(policy: &EvalBody, labels: &PageLabels) -> Outcome {
    match route_page(policy, labels) {
        Destination::Unknown => Outcome::Unknown,
        Destination::Ticket(t) => Outcome::Ticket(t),
        Destination::Receiver(r) => match receiver_notifies(policy, &r) {
            Some(true) => Outcome::Paged,
            Some(false) => Outcome::Dropped(r),
            None => Outcome::Unknown,
        },
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
        let labels = PageLabels::of(inst);
        let mut first_outcome = None;
        for p in &policies {
            match outcome(&p.body, &labels) {
                Outcome::Paged | Outcome::Unknown => return,
                o => {
                    first_outcome.get_or_insert(o);
                }
            }
        }
        let what = if inst.rtype == "reliability_alert" {
            format!("page alert `{}`", inst.address)
        } else {
            format!("the page tier of SLO `{}`", inst.address)
        };
        let (message, help) = match first_outcome {
            Some(Outcome::Dropped(r)) => (
                format!(
                    "{what} pages nobody: the notification policy `{}` routes it to receiver \
                     \"{r}\", which has no integration (no pagerduty, webhook, slack or email \
                     block), so Alertmanager drops the notification",
                    first.address
                ),
                format!(
                    "give receiver \"{r}\" of `{}` an integration that pages your on-call \
                     (e.g. a `pagerduty` block), or route pages to one that has one",
                    first.address
                ),
            ),
            Some(Outcome::Ticket(route)) => (
                format!(
                    "{what} pages nobody: the notification policy `{}` has no page_receiver{}, \
                     so severity=\"page\" alerts fall to {}",
                    first.address,
                    match route {
                        Some(i) => format!(
                            " and its route {} (the first whose matchers hold the alert's labels) has none either",
                            i + 1
                        ),
                        None if first.body.blocks("route").next().is_some() => {
                            " and no route's matchers hold the alert's labels".to_string()
                        }
                        None => String::new(),
                    },
                    if route.is_some() {
                        "the route's ticket receiver"
                    } else {
                        "its ticket receiver"
                    }
                ),
                format!(
                    "set `page_receiver = \"<receiver>\"` on `{}` (or on the route that takes \
                     the alert) to a receiver that pages your on-call (e.g. one with a \
                     `pagerduty` block), or make the alert a ticket",
                    first.address
                ),
            ),
            _ => return,
        };
        let attr = inst.body.attr("severity");
        match (attr, alerting) {
            (Some(a), _) => cx.report(self, inst, Some(a), message, help),
            (None, Some(b)) => cx.report_at(self, inst, b.span.clone(), message, help),
            (None, None) => cx.report(self, inst, None, message, help),
        }
    }
}
