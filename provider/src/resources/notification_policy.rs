//! `reliability_notification_policy`: the Alertmanager configuration (receivers, routing
//! by severity, grouping, the SLO inhibition, maintenance windows) written to the file the
//! provider's `alertmanager { config_file }` block names, one policy per file.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tf_provider::schema::{
    AttributeConstraint, AttributeType, Block, Description, NestedBlock, Schema,
};
use tf_provider::value::{Value, ValueList, ValueMap, ValueString};
use tf_provider::{AttributePath, Diagnostics};

use super::diagnostics::FieldErr;
use super::header;
use super::rule_resource::{Outputs, RuleBacked};
use super::schema::{attr, block, known_list, known_map, known_string, named, string_map, Unknown};
use crate::backend::alertmanager::DOCUMENT;
use crate::backend::Backend;
use crate::context::Context;
use crate::rules::notification::{
    self as policy, Email, MaintenanceWindow, PagerDuty, PolicySpec, Receiver, Slack, TeamRoute,
    Webhook,
};

/// Terraform type name.
pub const TYPE_NAME: &str = "reliability_notification_policy";

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookBlock<'a> {
    #[serde(borrow = "'a")]
    pub url: ValueString<'a>,
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct PagerDutyBlock<'a> {
    #[serde(borrow = "'a")]
    pub routing_key_file: ValueString<'a>,
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlackBlock<'a> {
    #[serde(borrow = "'a")]
    pub api_url_file: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub channel: ValueString<'a>,
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmailBlock<'a> {
    #[serde(borrow = "'a")]
    pub to: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub from: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub smarthost: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub auth_username: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub auth_password_file: ValueString<'a>,
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReceiverBlock<'a> {
    #[serde(borrow = "'a")]
    pub name: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub webhook: ValueList<WebhookBlock<'a>>,
    #[serde(borrow = "'a")]
    pub pagerduty: ValueList<PagerDutyBlock<'a>>,
    #[serde(borrow = "'a")]
    pub slack: ValueList<SlackBlock<'a>>,
    #[serde(borrow = "'a")]
    pub email: ValueList<EmailBlock<'a>>,
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteBlock<'a> {
    #[serde(borrow = "'a")]
    pub matchers: ValueMap<'a, ValueString<'a>>,
    #[serde(borrow = "'a")]
    pub page_receiver: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub ticket_receiver: ValueString<'a>,
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowBlock<'a> {
    #[serde(borrow = "'a")]
    pub name: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub weekdays: ValueList<ValueString<'a>>,
    #[serde(borrow = "'a")]
    pub start_time: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub end_time: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub time_zone: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub matchers: ValueMap<'a, ValueString<'a>>,
}

/// The resource's state, attribute for attribute.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyState<'a> {
    #[serde(borrow = "'a")]
    pub id: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub receiver: ValueList<ReceiverBlock<'a>>,
    #[serde(borrow = "'a")]
    pub page_receiver: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub ticket_receiver: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub group_wait: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub group_interval: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub repeat_interval: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub route: ValueList<RouteBlock<'a>>,
    #[serde(borrow = "'a")]
    pub maintenance_window: ValueList<WindowBlock<'a>>,
    #[serde(borrow = "'a")]
    pub config_file: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub content_sha256: ValueString<'a>,
    #[serde(borrow = "'a", default)]
    pub config_yaml: ValueString<'a>,
}

/// The `reliability_notification_policy` resource.
pub struct NotificationPolicy;

/// The resource schema.
pub fn schema() -> Schema {
    use AttributeConstraint::{Computed, Optional, Required};
    use AttributeType::String;
    let list = |b: Block| NestedBlock::List(b);
    let receiver = block(
        "A receiver: where notifications go. Name it in `page_receiver`, `ticket_receiver` or a `route`. Secrets stay in files Alertmanager reads (`*_file`), never in Terraform state. A receiver without integrations drops what it gets.",
        vec![("name", attr(String, Required, "Unique name: letters, digits, `-`, `_`, `.`."))],
        vec![
            ("webhook", list(block("POSTs Alertmanager's webhook JSON to `url`. Alertmanager 0.25 reads webhook URLs from its configuration only, so `url` is in the state: put no credentials in it.", vec![("url", attr(String, Required, "The http(s) endpoint."))], vec![]))),
            ("pagerduty", list(block("PagerDuty Events API v2.", vec![("routing_key_file", attr(String, Required, "File holding the integration's routing key, read by Alertmanager."))], vec![]))),
            ("slack", list(block("A Slack incoming webhook.", vec![
                ("api_url_file", attr(String, Required, "File holding the incoming-webhook URL, read by Alertmanager.")),
                ("channel", attr(String, Optional, "Channel to post to (`#payments-alerts`); default: the webhook's.")),
            ], vec![]))),
            ("email", list(block("Email through an SMTP server.", vec![
                ("to", attr(String, Required, "Recipient address.")),
                ("from", attr(String, Required, "Sender address.")),
                ("smarthost", attr(String, Required, "SMTP server as `host:port`.")),
                ("auth_username", attr(String, Optional, "SMTP user name.")),
                ("auth_password_file", attr(String, Optional, "File holding the SMTP password, read by Alertmanager.")),
            ], vec![]))),
        ],
    );
    let route = block(
        "A team route, ahead of the defaults and in order: alerts whose labels equal every matcher go to these receivers (each defaults to the policy's).",
        vec![
            ("matchers", attr(string_map(), Required, "Label equality matchers, e.g. `{ team = \"payments\" }`.")),
            ("page_receiver", attr(String, Optional, "Receiver of this team's `severity=\"page\"` alerts.")),
            ("ticket_receiver", attr(String, Optional, "Receiver of this team's other alerts.")),
        ],
        vec![],
    );
    let window = block(
        "Planned maintenance: an Alertmanager time interval during which notifications of matching alerts (every alert without `matchers`) are muted. Outside it they are routed as usual. An alert matching several windows with matchers is muted by the first one's times.",
        vec![
            ("name", attr(String, Required, "Unique name of the time interval: letters, digits, `-`, `_`, `.`.")),
            ("weekdays", attr(AttributeType::List(Box::new(String)), Optional, "Days: `monday` … `sunday` or ranges such as `monday:friday`; default every day.")),
            ("start_time", attr(String, Optional, "Start, `HH:MM`; with `end_time` (neither: whole days).")),
            ("end_time", attr(String, Optional, "End, `HH:MM` (up to `24:00`), after `start_time`.")),
            ("time_zone", attr(String, Optional, "IANA time zone of the times and days (`Europe/Berlin`); default `UTC`.")),
            ("matchers", attr(string_map(), Optional, "Label equality matchers of the alerts muted; default all alerts.")),
        ],
        vec![],
    );
    Schema {
        version: 1,
        block: Block {
            description: Description::markdown(
                "The Alertmanager configuration, as code: receivers, routing by the `severity` label every alert of this provider carries (`page` → `page_receiver`, `ticket` and everything else → `ticket_receiver`), notifications grouped per alert name and SLO, a firing page of an SLO inhibiting that same SLO's ticket alert, and maintenance windows. Written to the provider's `alertmanager { config_file }` (one policy per file) and reloaded through its `url`.",
            ),
            attributes: named(vec![
                ("id", attr(String, Computed, "Always `alertmanager`; also the import ID.")),
                ("page_receiver", attr(String, Optional, "Receiver of `severity=\"page\"` alerts. Unset: pages fall to `ticket_receiver` and nobody is paged (relcheck's `page-without-receiver` flags it).")),
                ("ticket_receiver", attr(String, Required, "Receiver of `severity=\"ticket\"` alerts and of every alert no other route takes (the default route).")),
                ("group_wait", attr(String, Optional, "How long a new group waits for more alerts before its first notification (Alertmanager's default `30s`).")),
                ("group_interval", attr(String, Optional, "How long before notifying about alerts added to a group (default `5m`).")),
                ("repeat_interval", attr(String, Optional, "How long before a notification is sent again (default `4h`).")),
                ("config_file", attr(String, Computed, "Absolute path of the Alertmanager configuration written.")),
                ("config_yaml", attr(String, Computed, "Null while the stored configuration is what this provider writes (the file or the Mimir tenant holds it; the state stays small); when it drifted, what is stored, so that the next plan shows the difference.")),
                ("content_sha256", attr(String, Computed, "SHA-256 of the configuration file; a change means it drifted from the configuration.")),
            ]),
            blocks: named(vec![
                ("receiver", list(receiver)),
                ("route", list(route)),
                ("maintenance_window", list(window)),
            ]),
            ..Default::default()
        },
    }
}

fn req(v: &ValueString<'_>) -> Result<String, Unknown> {
    known_string(v).map(Option::unwrap_or_default)
}

fn receiver_of(r: &ReceiverBlock<'_>) -> Result<Receiver, Unknown> {
    Ok(Receiver {
        name: req(&r.name)?,
        webhook: known_list(&r.webhook)?
            .iter()
            .map(|w| Ok(Webhook { url: req(&w.url)? }))
            .collect::<Result<_, Unknown>>()?,
        pagerduty: known_list(&r.pagerduty)?
            .iter()
            .map(|p| {
                Ok(PagerDuty {
                    routing_key_file: req(&p.routing_key_file)?,
                })
            })
            .collect::<Result<_, Unknown>>()?,
        slack: known_list(&r.slack)?
            .iter()
            .map(|s| {
                Ok(Slack {
                    api_url_file: req(&s.api_url_file)?,
                    channel: known_string(&s.channel)?,
                })
            })
            .collect::<Result<_, Unknown>>()?,
        email: known_list(&r.email)?
            .iter()
            .map(|e| {
                Ok(Email {
                    to: req(&e.to)?,
                    from: req(&e.from)?,
                    smarthost: req(&e.smarthost)?,
                    auth_username: known_string(&e.auth_username)?,
                    auth_password_file: known_string(&e.auth_password_file)?,
                })
            })
            .collect::<Result<_, Unknown>>()?,
    })
}

fn window_of(w: &WindowBlock<'_>) -> Result<MaintenanceWindow, Unknown> {
    Ok(MaintenanceWindow {
        name: req(&w.name)?,
        weekdays: known_list(&w.weekdays)?
            .iter()
            .map(req)
            .collect::<Result<_, Unknown>>()?,
        start_time: known_string(&w.start_time)?,
        end_time: known_string(&w.end_time)?,
        time_zone: known_string(&w.time_zone)?,
        matchers: known_map(&w.matchers)?,
    })
}

fn model(st: &PolicyState<'_>) -> Result<PolicySpec, Unknown> {
    Ok(PolicySpec {
        receivers: known_list(&st.receiver)?
            .iter()
            .map(receiver_of)
            .collect::<Result<_, Unknown>>()?,
        page_receiver: known_string(&st.page_receiver)?,
        ticket_receiver: req(&st.ticket_receiver)?,
        group_wait: known_string(&st.group_wait)?,
        group_interval: known_string(&st.group_interval)?,
        repeat_interval: known_string(&st.repeat_interval)?,
        routes: known_list(&st.route)?
            .iter()
            .map(|r| {
                Ok(TeamRoute {
                    matchers: known_map(&r.matchers)?,
                    page_receiver: known_string(&r.page_receiver)?,
                    ticket_receiver: known_string(&r.ticket_receiver)?,
                })
            })
            .collect::<Result<_, Unknown>>()?,
        maintenance_windows: known_list(&st.maintenance_window)?
            .iter()
            .map(window_of)
            .collect::<Result<_, Unknown>>()?,
    })
}

/// The attribute path of a generator error: numeric steps index the block list before
/// them, the step after `matchers` is a map key.
fn path_of(steps: &[String]) -> AttributePath {
    let mut path = AttributePath::root();
    let mut after_map = false;
    for s in steps {
        if after_map {
            path = path.key(s.clone());
            after_map = false;
        } else if let Ok(i) = s.parse::<i64>() {
            path = path.index(i);
        } else {
            path = path.attribute(s.clone());
            after_map = s == "matchers";
        }
    }
    path
}

fn spec_of(st: &PolicyState<'_>) -> Result<Option<PolicySpec>, Vec<FieldErr>> {
    let Ok(spec) = model(st) else {
        return Ok(None);
    };
    let errs: Vec<FieldErr> = policy::validate(&spec)
        .into_iter()
        .map(|e| FieldErr::new(path_of(&e.path), e.summary, e.detail))
        .collect();
    if errs.is_empty() {
        Ok(Some(spec))
    } else {
        Err(errs)
    }
}

fn render(st: &PolicyState<'_>, spec: &PolicySpec) -> Result<String, String> {
    let mut config = st.clone();
    config.id = Value::Null;
    config.config_file = Value::Null;
    config.content_sha256 = Value::Null;
    config.config_yaml = Value::Null;
    let json = header::config_json_without(&config, &["config_yaml"])?;
    policy::generate(spec, &header::header(TYPE_NAME, DOCUMENT, &json))
}

impl RuleBacked for NotificationPolicy {
    const TYPE_NAME: &'static str = TYPE_NAME;
    const WHAT: &'static str = "notification policy";
    const ID_HINT: &'static str =
        "the id is `alertmanager` and the policy is the provider's alertmanager config_file";
    type State<'a> = PolicyState<'a>;
    type Spec = PolicySpec;

    fn schema() -> Schema {
        schema()
    }

    fn fill(st: &mut PolicyState<'_>) {
        st.id = Value::Value(DOCUMENT.into());
    }

    fn spec(st: &PolicyState<'_>) -> Result<Option<PolicySpec>, Vec<FieldErr>> {
        spec_of(st)
    }

    fn doc_names(_st: &PolicyState<'_>) -> Option<Vec<String>> {
        Some(vec![DOCUMENT.to_string()])
    }

    fn render(st: &PolicyState<'_>, spec: &PolicySpec) -> Result<Vec<String>, String> {
        render(st, spec).map(|c| vec![c])
    }

    fn outputs<'s, 'a: 's>(st: &'s mut PolicyState<'a>) -> Outputs<'s, 'a> {
        Outputs {
            id: &mut st.id,
            hash: &mut st.content_sha256,
            docs: vec![(&mut st.config_file, &mut st.config_yaml)],
        }
    }

    fn replace_paths(_prior: &PolicyState<'_>, _proposed: &PolicyState<'_>) -> Vec<AttributePath> {
        Vec::new()
    }

    fn is_rule_doc_of(name: &str, id: &str) -> bool {
        name == DOCUMENT && id == DOCUMENT
    }

    fn backend(context: &Context, diags: &mut Diagnostics) -> Option<Arc<dyn Backend>> {
        context.alertmanager(diags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_paths_index_blocks_and_key_matchers() {
        let steps = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            path_of(&steps(&[
                "receiver",
                "1",
                "pagerduty",
                "0",
                "routing_key_file"
            ])),
            AttributePath::new("receiver")
                .index(1)
                .attribute("pagerduty")
                .index(0)
                .attribute("routing_key_file")
        );
        assert_eq!(
            path_of(&steps(&["route", "0", "matchers", "1x"])),
            AttributePath::new("route")
                .index(0)
                .attribute("matchers")
                .key("1x")
        );
    }
}
