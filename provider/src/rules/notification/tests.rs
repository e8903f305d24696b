use std::collections::BTreeMap;

use super::*;
use crate::rules::field_error::{assert_one_error, paths_and_details};
use crate::rules::snapshot::assert_snapshot;

fn receiver(name: &str) -> Receiver {
    Receiver {
        name: name.into(),
        webhook: vec![Webhook {
            url: format!("http://127.0.0.1:9095/{name}"),
        }],
        ..Default::default()
    }
}

/// The issue's example: a pager and a chat receiver, pages and tickets split.
fn example() -> PolicySpec {
    PolicySpec {
        receivers: vec![
            Receiver {
                name: "pager".into(),
                pagerduty: vec![PagerDuty {
                    routing_key_file: "/etc/alertmanager/pagerduty.key".into(),
                }],
                ..Default::default()
            },
            Receiver {
                name: "chat".into(),
                slack: vec![Slack {
                    api_url_file: "/etc/alertmanager/slack.url".into(),
                    channel: Some("#payments-alerts".into()),
                }],
                ..Default::default()
            },
        ],
        page_receiver: Some("pager".into()),
        ticket_receiver: "chat".into(),
        group_wait: Some("30s".into()),
        ..Default::default()
    }
}

fn full() -> PolicySpec {
    let mut spec = example();
    spec.receivers.push(Receiver {
        name: "payments-pager".into(),
        email: vec![Email {
            to: "payments-oncall@example.com".into(),
            from: "alertmanager@example.com".into(),
            smarthost: "smtp.example.com:587".into(),
            auth_username: Some("alertmanager".into()),
            auth_password_file: Some("/etc/alertmanager/smtp.password".into()),
        }],
        ..Default::default()
    });
    spec.receivers.push(receiver("hook"));
    spec.group_interval = Some("5m".into());
    spec.repeat_interval = Some("4h".into());
    spec.routes = vec![TeamRoute {
        matchers: BTreeMap::from([("team".into(), "payments".into())]),
        page_receiver: Some("payments-pager".into()),
        ticket_receiver: None,
    }];
    spec.maintenance_windows = vec![
        MaintenanceWindow {
            name: "db-upgrade".into(),
            weekdays: vec!["saturday".into()],
            start_time: Some("02:00".into()),
            end_time: Some("04:00".into()),
            time_zone: Some("Europe/Berlin".into()),
            matchers: BTreeMap::from([("service".into(), "db \"primary\"".into())]),
        },
        MaintenanceWindow {
            name: "weekend-freeze".into(),
            weekdays: vec!["saturday".into(), "sunday".into()],
            start_time: None,
            end_time: None,
            time_zone: None,
            matchers: BTreeMap::new(),
        },
    ];
    spec
}

fn render(spec: &PolicySpec) -> String {
    assert_eq!(paths_and_details(validate(spec)), vec![]);
    generate(spec, "Managed by Terraform\n{\"x\":1}").unwrap()
}

#[test]
fn snapshot_example() {
    assert_snapshot(
        "notification",
        "alertmanager_notification_example",
        &render(&example()),
    );
}

#[test]
fn snapshot_full() {
    assert_snapshot(
        "notification",
        "alertmanager_notification_full",
        &render(&full()),
    );
}

#[test]
fn snapshot_minimal() {
    let spec = PolicySpec {
        receivers: vec![receiver("team")],
        ticket_receiver: "team".into(),
        ..Default::default()
    };
    assert_snapshot(
        "notification",
        "alertmanager_notification_minimal",
        &render(&spec),
    );
}

#[test]
fn header_is_comments_and_output_is_deterministic() {
    let a = render(&full());
    assert!(
        a.starts_with("# Managed by Terraform\n# {\"x\":1}\nroute:\n"),
        "{a}"
    );
    assert_eq!(a, render(&full()));
}

#[test]
fn inhibition_needs_the_slo_label_on_both_sides() {
    let y = render(&example());
    let v: serde_yaml_ng::Value = serde_yaml_ng::from_str(&y).unwrap();
    let rule = &v["inhibit_rules"][0];
    let src: Vec<&str> = rule["source_matchers"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|m| m.as_str())
        .collect();
    let dst: Vec<&str> = rule["target_matchers"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|m| m.as_str())
        .collect();
    assert_eq!(src, ["severity=\"page\"", "sloth_id=~\".+\""]);
    assert_eq!(dst, ["severity=\"ticket\"", "sloth_id=~\".+\""]);
    assert_eq!(rule["equal"][0].as_str(), Some("sloth_id"));
}

#[test]
fn matcher_values_are_escaped() {
    assert_eq!(equal_matcher("a", "x\"y\\z\n"), r#"a="x\"y\\z\n""#);
}

#[test]
fn unknown_receivers_are_named() {
    let mut spec = example();
    spec.page_receiver = Some("pagr".into());
    assert_one_error(
        validate(&spec),
        "page_receiver",
        "\"pagr\" names no receiver",
    );
    let mut spec = full();
    spec.routes[0].ticket_receiver = Some("nobody".into());
    assert_one_error(validate(&spec), "route.0.ticket_receiver", "\"nobody\"");
}

#[test]
fn bad_values_are_rejected() {
    let mut spec = example();
    spec.group_wait = Some("30 seconds".into());
    assert_one_error(validate(&spec), "group_wait", "30 seconds");
    let mut spec = example();
    spec.repeat_interval = Some("0".into());
    assert_one_error(validate(&spec), "repeat_interval", "longer than zero");
    let mut spec = full();
    spec.routes[0].matchers = BTreeMap::from([("team-name".into(), "x".into())]);
    assert_one_error(
        validate(&spec),
        "route.0.matchers.team-name",
        "not a label name",
    );
    let mut spec = full();
    spec.routes[0].matchers.clear();
    assert_one_error(validate(&spec), "route.0.matchers", "needs matchers");
    let mut spec = example();
    spec.receivers[1].name = "pager".into();
    spec.ticket_receiver = "pager".into();
    assert_one_error(validate(&spec), "receiver.1.name", "two receiver blocks");
    let mut spec = example();
    spec.receivers[0].pagerduty[0].routing_key_file = " ".into();
    assert_one_error(
        validate(&spec),
        "receiver.0.pagerduty.0.routing_key_file",
        "file",
    );
    let mut spec = example();
    spec.receivers[1].webhook = vec![Webhook {
        url: "hooks/x".into(),
    }];
    assert_one_error(validate(&spec), "receiver.1.webhook.0.url", "hooks/x");
    let mut spec = full();
    spec.receivers[2].email[0].smarthost = "smtp.example.com".into();
    assert_one_error(validate(&spec), "receiver.2.email.0.smarthost", "host:port");
}

#[test]
fn bad_windows_are_rejected() {
    let mut spec = full();
    spec.maintenance_windows[0].weekdays = vec!["Sat".into()];
    assert_one_error(validate(&spec), "maintenance_window.0.weekdays", "\"Sat\"");
    let mut spec = full();
    spec.maintenance_windows[0].end_time = Some("01:00".into());
    assert_one_error(
        validate(&spec),
        "maintenance_window.0.end_time",
        "not after",
    );
    let mut spec = full();
    spec.maintenance_windows[0].start_time = Some("25:00".into());
    assert_one_error(validate(&spec), "maintenance_window.0.start_time", "HH:MM");
    let mut spec = full();
    spec.maintenance_windows[0].time_zone = Some("../etc".into());
    assert_one_error(validate(&spec), "maintenance_window.0.time_zone", "IANA");
    let mut spec = full();
    spec.maintenance_windows[1].name = "db-upgrade".into();
    assert_one_error(
        validate(&spec),
        "maintenance_window.1.name",
        "two maintenance_window",
    );
    let mut spec = full();
    spec.maintenance_windows[1].weekdays.clear();
    assert_one_error(
        validate(&spec),
        "maintenance_window.1.weekdays",
        "all the time",
    );
    let mut spec = full();
    spec.maintenance_windows[0].end_time = None;
    assert_one_error(validate(&spec), "maintenance_window.0.end_time", "both");
}

#[test]
fn without_a_page_receiver_pages_fall_to_the_default() {
    let mut spec = example();
    spec.page_receiver = None;
    let y = render(&spec);
    assert!(!y.contains("severity=\\\"page\\\"\n    receiver"), "{y}");
    let v: serde_yaml_ng::Value = serde_yaml_ng::from_str(&y).unwrap();
    let routes = v["route"]["routes"].as_sequence().unwrap();
    assert_eq!(routes.len(), 1, "{y}");
    assert_eq!(v["route"]["receiver"].as_str(), Some("chat"));
}
