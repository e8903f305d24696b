//! Pure generation of an Alertmanager configuration (Alertmanager 0.25's YAML) from a
//! notification policy: receivers whose secrets stay in files Alertmanager reads, routing
//! by the `severity` label our alerts carry, grouping per SLO/alert, an inhibition of an
//! SLO's ticket tier by that same SLO's page, and maintenance windows as time intervals.
//! No I/O: a model in, text out ([`generate`]); [`validate`] says what is wrong first.
//!
//! The routing tree, for a policy with team routes and maintenance windows:
//!
//! ```text
//! route (receiver: ticket_receiver, group_by: [alertname, sloth_id])
//! ├── team route (its matchers; receiver: its ticket receiver)   one per `route` block
//! │   └── … the same children as the root's below, with the team's receivers
//! ├── scoped window (its matchers; muted during the window)        one per window with matchers
//! │   ├── severity="page"   → page_receiver   (muted during the window)
//! │   └── severity="ticket" → ticket_receiver (muted during the window)
//! ├── severity="page"   → page_receiver
//! ├── severity="ticket" → ticket_receiver
//! └── anything else     → ticket_receiver     (only with windows without matchers)
//! ```
//!
//! Windows without matchers mute every route (the root route itself may not be muted, so a
//! catch-all child takes what no other route takes). Alerts outside a window's time are
//! routed exactly as without it. An alert matching several scoped windows is muted by the
//! first one's times (Alertmanager picks the first matching route).

mod validate;

use std::collections::BTreeMap;

use serde::Serialize;

use super::conventions::{LABEL_ALERTNAME, LABEL_ID, LABEL_SEVERITY};
pub use validate::validate;

/// Severity label value that routes to the page receiver.
pub const SEVERITY_PAGE: &str = "page";
/// Severity label value that routes to the ticket receiver.
pub const SEVERITY_TICKET: &str = "ticket";

/// A notification policy: who gets what.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PolicySpec {
    pub receivers: Vec<Receiver>,
    /// Receives `severity="page"`; `None`: pages fall to the default route (nobody is paged).
    pub page_receiver: Option<String>,
    /// Receives `severity="ticket"` and everything no other route takes.
    pub ticket_receiver: String,
    pub group_wait: Option<String>,
    pub group_interval: Option<String>,
    pub repeat_interval: Option<String>,
    /// Per-team routes, ahead of the defaults, in order.
    pub routes: Vec<TeamRoute>,
    pub maintenance_windows: Vec<MaintenanceWindow>,
}

/// A named receiver with its integrations (none: notifications are dropped).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Receiver {
    pub name: String,
    pub webhook: Vec<Webhook>,
    pub pagerduty: Vec<PagerDuty>,
    pub slack: Vec<Slack>,
    pub email: Vec<Email>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Webhook {
    pub url: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct PagerDuty {
    /// File holding the Events API v2 routing key.
    pub routing_key_file: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Slack {
    /// File holding the incoming-webhook URL.
    pub api_url_file: String,
    pub channel: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Email {
    pub to: String,
    pub from: String,
    /// `host:port` of the SMTP server.
    pub smarthost: String,
    pub auth_username: Option<String>,
    /// File holding the SMTP password.
    pub auth_password_file: Option<String>,
}

/// Alerts whose labels equal all `matchers` go to this team's receivers (each defaulting
/// to the policy's).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TeamRoute {
    pub matchers: BTreeMap<String, String>,
    pub page_receiver: Option<String>,
    pub ticket_receiver: Option<String>,
}

/// Planned maintenance: notifications of matching alerts (all alerts without matchers) are
/// muted during these times.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MaintenanceWindow {
    pub name: String,
    /// `monday` … `sunday` or ranges `monday:friday`; empty: every day.
    pub weekdays: Vec<String>,
    /// `HH:MM`; both or neither (neither: the whole day).
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    /// IANA time zone (`Europe/Berlin`); default UTC.
    pub time_zone: Option<String>,
    pub matchers: BTreeMap<String, String>,
}

// ---- Alertmanager's configuration file, as much of it as we write ----

#[derive(Debug, Serialize)]
struct Config {
    route: Route,
    receivers: Vec<ReceiverOut>,
    inhibit_rules: Vec<Inhibit>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    time_intervals: Vec<TimeInterval>,
}

#[derive(Debug, Default, Serialize)]
struct Route {
    #[serde(skip_serializing_if = "Option::is_none")]
    receiver: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    group_by: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_wait: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_interval: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    repeat_interval: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    matchers: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    mute_time_intervals: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    routes: Vec<Route>,
}

#[derive(Debug, Serialize)]
struct ReceiverOut {
    name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    webhook_configs: Vec<WebhookOut>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pagerduty_configs: Vec<PagerDutyOut>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    slack_configs: Vec<SlackOut>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    email_configs: Vec<EmailOut>,
}

#[derive(Debug, Serialize)]
struct WebhookOut {
    url: String,
}

#[derive(Debug, Serialize)]
struct PagerDutyOut {
    routing_key_file: String,
}

#[derive(Debug, Serialize)]
struct SlackOut {
    api_url_file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    channel: Option<String>,
}

#[derive(Debug, Serialize)]
struct EmailOut {
    to: String,
    from: String,
    smarthost: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_password_file: Option<String>,
}

#[derive(Debug, Serialize)]
struct Inhibit {
    source_matchers: Vec<String>,
    target_matchers: Vec<String>,
    equal: Vec<String>,
}

#[derive(Debug, Serialize)]
struct TimeInterval {
    name: String,
    time_intervals: Vec<TimeRange>,
}

#[derive(Debug, Serialize)]
struct TimeRange {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    weekdays: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    times: Vec<Times>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<String>,
}

#[derive(Debug, Serialize)]
struct Times {
    start_time: String,
    end_time: String,
}

/// An Alertmanager matcher `name="value"` (the value escaped as its matcher parser reads
/// it: `\\`, `\"`, `\n`).
pub fn equal_matcher(name: &str, value: &str) -> String {
    let mut out = String::with_capacity(name.len() + value.len() + 3);
    out.push_str(name);
    out.push_str("=\"");
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn matchers(m: &BTreeMap<String, String>) -> Vec<String> {
    m.iter().map(|(k, v)| equal_matcher(k, v)).collect()
}

/// The labels alerts are grouped by: one notification group per alert name and SLO.
pub fn group_by() -> Vec<String> {
    vec![LABEL_ALERTNAME.to_string(), LABEL_ID.to_string()]
}

/// The severity routes of one set of receivers, muted by `mute`.
fn severity_routes(page: Option<&str>, ticket: &str, mute: &[String]) -> Vec<Route> {
    let leaf = |severity: &str, receiver: &str| Route {
        receiver: Some(receiver.to_string()),
        matchers: vec![equal_matcher(LABEL_SEVERITY, severity)],
        mute_time_intervals: mute.to_vec(),
        ..Default::default()
    };
    page.map(|p| leaf(SEVERITY_PAGE, p))
        .into_iter()
        .chain([leaf(SEVERITY_TICKET, ticket)])
        .collect()
}

/// The children of a route whose receivers are `page`/`ticket`: a route per scoped window,
/// then the severity routes.
fn children(spec: &PolicySpec, page: Option<&str>, ticket: &str, global: &[String]) -> Vec<Route> {
    let mut out = Vec::new();
    for w in spec
        .maintenance_windows
        .iter()
        .filter(|w| !w.matchers.is_empty())
    {
        let mut mute = global.to_vec();
        mute.push(w.name.clone());
        out.push(Route {
            receiver: Some(ticket.to_string()),
            matchers: matchers(&w.matchers),
            routes: severity_routes(page, ticket, &mute),
            mute_time_intervals: mute,
            ..Default::default()
        });
    }
    out.extend(severity_routes(page, ticket, global));
    out
}

fn time_interval(w: &MaintenanceWindow) -> TimeInterval {
    let times = match (&w.start_time, &w.end_time) {
        (Some(s), Some(e)) => vec![Times {
            start_time: s.clone(),
            end_time: e.clone(),
        }],
        _ => Vec::new(),
    };
    TimeInterval {
        name: w.name.clone(),
        time_intervals: vec![TimeRange {
            weekdays: w.weekdays.clone(),
            times,
            location: w.time_zone.clone(),
        }],
    }
}

fn receiver(r: &Receiver) -> ReceiverOut {
    ReceiverOut {
        name: r.name.clone(),
        webhook_configs: r
            .webhook
            .iter()
            .map(|w| WebhookOut { url: w.url.clone() })
            .collect(),
        pagerduty_configs: r
            .pagerduty
            .iter()
            .map(|p| PagerDutyOut {
                routing_key_file: p.routing_key_file.clone(),
            })
            .collect(),
        slack_configs: r
            .slack
            .iter()
            .map(|s| SlackOut {
                api_url_file: s.api_url_file.clone(),
                channel: s.channel.clone(),
            })
            .collect(),
        email_configs: r
            .email
            .iter()
            .map(|e| EmailOut {
                to: e.to.clone(),
                from: e.from.clone(),
                smarthost: e.smarthost.clone(),
                auth_username: e.auth_username.clone(),
                auth_password_file: e.auth_password_file.clone(),
            })
            .collect(),
    }
}

/// The inhibition: a firing page of an SLO silences the ticket tier of that same SLO.
/// Both sides must carry the SLO identity label (a label missing on both sides would count
/// as equal, and a page would silence every plain ticket alert).
fn slo_inhibition() -> Inhibit {
    let has_id = format!("{LABEL_ID}=~\".+\"");
    Inhibit {
        source_matchers: vec![equal_matcher(LABEL_SEVERITY, SEVERITY_PAGE), has_id.clone()],
        target_matchers: vec![equal_matcher(LABEL_SEVERITY, SEVERITY_TICKET), has_id],
        equal: vec![LABEL_ID.to_string()],
    }
}

/// The Alertmanager configuration of a valid policy ([`validate`] first), after a comment
/// header: every line of `header_comment` becomes a `# ` comment. Deterministic.
pub fn generate(spec: &PolicySpec, header_comment: &str) -> Result<String, String> {
    let global: Vec<String> = spec
        .maintenance_windows
        .iter()
        .filter(|w| w.matchers.is_empty())
        .map(|w| w.name.clone())
        .collect();
    let page = spec.page_receiver.as_deref();
    let ticket = spec.ticket_receiver.as_str();
    let mut routes = Vec::new();
    for team in &spec.routes {
        let team_ticket = team.ticket_receiver.as_deref().unwrap_or(ticket);
        let team_page = team.page_receiver.as_deref().or(page);
        routes.push(Route {
            receiver: Some(team_ticket.to_string()),
            matchers: matchers(&team.matchers),
            mute_time_intervals: global.clone(),
            routes: children(spec, team_page, team_ticket, &global),
            ..Default::default()
        });
    }
    routes.extend(children(spec, page, ticket, &global));
    if !global.is_empty() {
        routes.push(Route {
            receiver: Some(ticket.to_string()),
            mute_time_intervals: global.clone(),
            ..Default::default()
        });
    }
    let config = Config {
        route: Route {
            receiver: Some(ticket.to_string()),
            group_by: group_by(),
            group_wait: spec.group_wait.clone(),
            group_interval: spec.group_interval.clone(),
            repeat_interval: spec.repeat_interval.clone(),
            routes,
            ..Default::default()
        },
        receivers: spec.receivers.iter().map(receiver).collect(),
        inhibit_rules: vec![slo_inhibition()],
        time_intervals: spec.maintenance_windows.iter().map(time_interval).collect(),
    };
    let body = serde_yaml_ng::to_string(&config)
        .map_err(|e| format!("cannot render the Alertmanager configuration: {e}"))?;
    let mut out = super::model::comment_lines(header_comment);
    out.push_str(&body);
    Ok(out)
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
