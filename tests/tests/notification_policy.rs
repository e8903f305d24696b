//! `reliability_notification_policy` through the real Terraform CLI, and a real
//! Alertmanager (Debian's 0.25) loading what it writes.

use reliability_e2e::alertmanager::{check_config, Alertmanager};
use reliability_e2e::lifecycle::{self, Case};
use reliability_e2e::prometheus::unreachable_url;
use reliability_e2e::webhook::WebhookRecorder;
use reliability_e2e::Terraform;

const ADDRESS: &str = "reliability_notification_policy.main";
const FILE: &str = "am/alertmanager.yml";

fn provider(url: Option<&str>) -> String {
    let url = url
        .map(|u| format!("\n    url         = {u:?}"))
        .unwrap_or_default();
    format!(
        r#"
provider "reliability" {{
  rules_dir = "rules"
  alertmanager {{
    config_file = "{FILE}"{url}
  }}
}}
"#
    )
}

/// The issue's policy, with a team route and a maintenance window.
fn policy(group_wait: &str) -> String {
    format!(
        r##"
resource "reliability_notification_policy" "main" {{
  receiver {{
    name = "pager"
    pagerduty {{ routing_key_file = "/etc/alertmanager/pagerduty.key" }}
  }}
  receiver {{
    name = "chat"
    slack {{
      api_url_file = "/etc/alertmanager/slack.url"
      channel      = "#payments-alerts"
    }}
  }}
  receiver {{
    name = "payments"
    webhook {{ url = "http://127.0.0.1:9/payments" }}
  }}
  page_receiver   = "pager"
  ticket_receiver = "chat"
  group_wait      = "{group_wait}"

  route {{
    matchers      = {{ team = "payments" }}
    page_receiver = "payments"
  }}

  maintenance_window {{
    name       = "db-upgrade"
    weekdays   = ["saturday"]
    start_time = "02:00"
    end_time   = "04:00"
    time_zone  = "Europe/Berlin"
    matchers   = {{ service = "db" }}
  }}
}}
"##
    )
}

fn config(url: Option<&str>, group_wait: &str) -> String {
    format!("{}{}", provider(url), policy(group_wait))
}

#[test]
fn lifecycle_of_a_notification_policy() {
    let tf = lifecycle::run(&Case {
        address: ADDRESS,
        import_id: "alertmanager",
        config: config(None, "30s"),
        updated: config(None, "1m"),
        updated_marker: "group_wait: 1m",
        files: vec![FILE],
    });
    drop(tf);
}

#[test]
fn the_written_file_passes_amtool_and_keeps_secrets_in_files() {
    let tf = Terraform::new();
    tf.config(&config(None, "30s"));
    tf.init();
    tf.apply().success();
    let file = tf.path().join(FILE);
    check_config(&file);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.starts_with("# Managed by Terraform (reliability_notification_policy"),
        "{text}"
    );
    assert!(
        text.contains("routing_key_file: /etc/alertmanager/pagerduty.key"),
        "{text}"
    );
    let values = tf.resource_values(ADDRESS).expect("in state");
    assert_eq!(values["config_file"].as_str(), Some(file.to_str().unwrap()));
    assert!(
        values["config_yaml"].is_null(),
        "the file is the product: its text stays out of the state: {values}"
    );
}

#[test]
fn the_documented_example_applies_and_passes_amtool() {
    let example = reliability_e2e::workspace_root()
        .join("examples/resources/reliability_notification_policy/resource.tf");
    let tf = Terraform::new();
    tf.config(&format!(
        "{}{}",
        provider(None),
        std::fs::read_to_string(example).unwrap()
    ));
    tf.init();
    tf.apply().success();
    check_config(&tf.path().join(FILE));
}

#[test]
fn bad_inputs_are_rejected_at_plan() {
    let good = config(None, "30s");
    lifecycle::rejects_at_plan(
        ADDRESS,
        &[
            (
                "unknown receiver",
                good.replace("page_receiver   = \"pager\"", "page_receiver   = \"pagr\""),
                vec!["page_receiver", "\"pagr\" names no receiver"],
            ),
            (
                "unknown team receiver",
                good.replace("page_receiver = \"payments\"", "page_receiver = \"nobody\""),
                vec!["Unknown receiver", "\"nobody\""],
            ),
            (
                "bad duration",
                good.replace("\"30s\"", "\"30 seconds\""),
                vec!["group_wait", "30 seconds"],
            ),
            (
                "bad matcher",
                good.replace(
                    "{ team = \"payments\" }",
                    "{ \"team-name\" = \"payments\" }",
                ),
                vec!["Invalid matcher", "team-name"],
            ),
            (
                "bad weekday",
                good.replace("[\"saturday\"]", "[\"Sat\"]"),
                vec!["weekdays", "\"Sat\""],
            ),
            (
                "bad window time",
                good.replace("\"04:00\"", "\"01:00\""),
                vec!["end_time", "not after"],
            ),
            (
                "no alertmanager block",
                good.replace(
                    &format!("  alertmanager {{\n    config_file = \"{FILE}\"\n  }}\n"),
                    "",
                ),
                vec!["No Alertmanager configured", "alertmanager block"],
            ),
        ],
    );
}

#[test]
fn a_second_policy_on_the_same_file_is_rejected_at_plan() {
    let tf = Terraform::new();
    tf.config(&format!(
        "{}{}",
        config(None, "30s"),
        policy("1m").replace("\"main\"", "\"second\"")
    ));
    tf.init();
    let out = tf.plan();
    assert_eq!(out.code, 1, "{out}");
    let text = out.flat();
    // Terraform plans both at once: whichever comes second is refused.
    assert!(
        text.contains("with reliability_notification_policy.second")
            || text.contains("with reliability_notification_policy.main"),
        "{out}"
    );
    assert!(text.contains("one policy per file"), "{out}");
    assert!(!tf.path().join(FILE).exists());
}

#[test]
fn bad_provider_blocks_are_rejected() {
    let tf = Terraform::new();
    tf.config(&config(Some("localhost:9093"), "30s"));
    tf.init();
    let out = tf.plan();
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.flat().contains("alertmanager url \"localhost:9093\""),
        "{out}"
    );
    tf.config(&config(None, "30s").replace(FILE, "am/"));
    let out = tf.plan();
    assert_eq!(out.code, 1, "{out}");
    assert!(out.flat().contains("config_file \"am/\""), "{out}");
    let both = format!("config_file = \"{FILE}\"\n    mimir = true");
    tf.config(&config(None, "30s").replace(&format!("config_file = \"{FILE}\""), &both));
    let out = tf.plan();
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.flat()
            .contains("config_file and mimir = true are both set"),
        "{out}"
    );
    tf.config(&config(None, "30s").replace(&format!("config_file = \"{FILE}\""), ""));
    let out = tf.plan();
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.flat()
            .contains("the alertmanager block needs config_file"),
        "{out}"
    );
}

#[test]
fn a_file_this_provider_did_not_write_is_not_taken_over() {
    let tf = Terraform::new();
    tf.config(&config(None, "30s"));
    tf.write(FILE, "route:\n  receiver: ops\nreceivers:\n  - name: ops\n");
    tf.init();
    let out = tf.plan();
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.flat().contains("already exists with other content"),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(tf.path().join(FILE)).unwrap(),
        "route:\n  receiver: ops\nreceivers:\n  - name: ops\n"
    );
}

#[test]
fn alertmanager_reloads_the_policy() {
    let tf = Terraform::new();
    // Alertmanager needs a configuration to start: the first apply writes it.
    tf.config(&config(None, "30s"));
    tf.init();
    tf.apply().success();
    let am = Alertmanager::start(&tf.path().join(FILE));
    assert!(
        am.loaded_config().contains("group_wait: 30s"),
        "{}",
        am.loaded_config()
    );

    // A change is loaded when apply returns.
    tf.config(&config(Some(&am.url), "45s"));
    tf.apply().success();
    let loaded = am.loaded_config();
    assert!(loaded.contains("group_wait: 45s"), "{loaded}");
    assert!(loaded.contains("receiver: pager"), "{loaded}");

    // A firing page of an SLO inhibits that SLO's ticket alert, and nothing else: not
    // another SLO's ticket, and a plain page (no SLO labels) never inhibits a plain ticket
    // (a label missing on both sides would count as equal).
    let slo = |id: &'static str, severity: &'static str| {
        vec![
            ("alertname", "SLOErrorBudgetBurn"),
            ("sloth_id", id),
            ("sloth_service", "checkout"),
            ("severity", severity),
        ]
    };
    let (page_a, ticket_a, ticket_b) = (
        slo("checkout-availability", "page"),
        slo("checkout-availability", "ticket"),
        slo("checkout-latency", "ticket"),
    );
    let plain = vec![("alertname", "DiskFilling"), ("severity", "ticket")];
    let plain_page = vec![("alertname", "QueueStuck"), ("severity", "page")];
    am.post_alerts(&[&page_a, &ticket_a, &ticket_b, &plain, &plain_page]);
    let state_of = |alerts: &[serde_json::Value], id: Option<&str>, severity: &str| {
        alerts
            .iter()
            .find(|a| {
                a["labels"]["sloth_id"].as_str() == id
                    && a["labels"]["severity"].as_str() == Some(severity)
            })
            .map(|a| a["status"]["state"].as_str().unwrap_or("").to_string())
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let alerts = loop {
        let alerts = am.alerts();
        let settled = state_of(&alerts, Some("checkout-availability"), "ticket")
            .is_some_and(|s| s == "suppressed");
        if settled || std::time::Instant::now() > deadline {
            break alerts;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let summary = format!("{alerts:#?}");
    assert_eq!(
        state_of(&alerts, Some("checkout-availability"), "ticket").as_deref(),
        Some("suppressed"),
        "{summary}"
    );
    assert_eq!(
        state_of(&alerts, Some("checkout-availability"), "page").as_deref(),
        Some("active"),
        "{summary}"
    );
    assert_eq!(
        state_of(&alerts, Some("checkout-latency"), "ticket").as_deref(),
        Some("active"),
        "{summary}"
    );
    assert_eq!(
        state_of(&alerts, None, "ticket").as_deref(),
        Some("active"),
        "{summary}"
    );

    // An Alertmanager that is not up: the file is written, the apply succeeds with a
    // warning, and the next run retries the reload.
    tf.config(&config(Some(&unreachable_url()), "50s"));
    let out = tf.apply();
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.flat().contains("Alertmanager not reloaded yet"),
        "{out}"
    );
    assert!(am.loaded_config().contains("group_wait: 45s"));
    tf.config(&config(Some(&am.url), "50s"));
    assert_eq!(tf.plan().code, 0, "the file is written: nothing to change");
    let loaded = am.loaded_config();
    assert!(
        loaded.contains("group_wait: 50s"),
        "retried at the next run: {loaded}"
    );

    // A configuration Alertmanager rejects fails the apply with its reason.
    tf.config(&config(Some(&am.url), "50s").replace("Europe/Berlin", "Mars/Olympus"));
    let out = tf.apply();
    assert_eq!(out.code, 1, "{out}");
    assert!(out.flat().contains("refused the reload"), "{out}");
    assert!(out.flat().contains("Mars/Olympus"), "{out}");
    assert!(am.loaded_config().contains("Europe/Berlin"));
}

/// The README's order: the first apply writes the file before Alertmanager runs (it needs
/// the file to start). With `url` set that apply succeeds with a warning, the policy is not
/// tainted, and once Alertmanager is up the next run reloads it and plans nothing.
#[test]
fn first_apply_before_alertmanager_starts_never_taints() {
    let port = reliability_e2e::prometheus::free_port();
    let url = format!("http://127.0.0.1:{port}");
    let tf = Terraform::new();
    tf.config(&config(Some(&url), "30s"));
    tf.init();
    let out = tf.apply();
    assert_eq!(
        out.code, 0,
        "a first apply before Alertmanager starts succeeds: {out}"
    );
    assert!(
        out.flat().contains("Alertmanager not reloaded yet"),
        "{out}"
    );
    let state = tf.state_json();
    let tainted = state["values"]["root_module"]["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|r| r["tainted"] == true);
    assert!(!tainted, "nothing tainted: {state}");
    let am = Alertmanager::start_on(&tf.path().join(FILE), port);
    let out = tf.plan();
    assert_eq!(out.code, 0, "no change, no replacement: {out}");
    assert!(am.loaded_config().contains("group_wait: 30s"));
}

#[test]
fn a_maintenance_window_mutes_only_its_alerts_while_it_lasts() {
    let sink = WebhookRecorder::start();
    // A window that lasts all day, every day, for service="db"; one for service="web" on a
    // day that is not today (UTC; 1970-01-01 was a Thursday).
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 86400;
    let weekdays = [
        "sunday",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
    ];
    let other_day = weekdays[((days + 4 + 3) % 7) as usize];
    let config = format!(
        r#"{}
resource "reliability_notification_policy" "main" {{
  receiver {{
    name = "hook"
    webhook {{ url = "{}" }}
  }}
  page_receiver   = "hook"
  ticket_receiver = "hook"
  group_wait      = "0s"
  group_interval  = "1s"

  maintenance_window {{
    name       = "db-all-day"
    start_time = "00:00"
    end_time   = "24:00"
    matchers   = {{ service = "db" }}
  }}

  maintenance_window {{
    name     = "web-another-day"
    weekdays = ["{other_day}"]
    matchers = {{ service = "web" }}
  }}
}}
"#,
        provider(None),
        sink.url_for("/notify")
    );
    let tf = Terraform::new();
    tf.config(&config);
    tf.init();
    tf.apply().success();
    let am = Alertmanager::start(&tf.path().join(FILE));
    am.post_alerts(&[
        &[
            ("alertname", "DbDown"),
            ("service", "db"),
            ("severity", "page"),
        ],
        &[
            ("alertname", "WebDown"),
            ("service", "web"),
            ("severity", "page"),
        ],
        &[
            ("alertname", "DbSlow"),
            ("service", "db"),
            ("severity", "ticket"),
        ],
    ]);
    let first = sink.wait_for("/notify", std::time::Duration::from_secs(20), |n| {
        !n.alerts().is_empty()
    });
    assert!(first.is_some(), "nothing notified: {}", sink.summary());
    // Give muted groups the same time to (not) notify.
    std::thread::sleep(std::time::Duration::from_secs(3));
    let mut names: Vec<String> = sink
        .received_at("/notify")
        .iter()
        .flat_map(|n| n.alerts())
        .filter_map(|a| a["labels"]["alertname"].as_str().map(str::to_string))
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(names, ["WebDown"], "{}", sink.summary());
}
