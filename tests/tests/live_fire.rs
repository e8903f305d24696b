//! Live fire: real Terraform applies a `reliability_notification_policy` and the rules, a
//! real Prometheus (1 s scrape and evaluation) evaluates them against loopback exporters
//! (our fake service exporter, the Debian blackbox_exporter probing a loopback TLS server,
//! the Debian node_exporter's textfile collector), and a real Alertmanager, configured only
//! through the policy, notifies loopback webhook receivers that record what they get.
//! Every time to notification is measured from `terraform apply` returning and printed
//! (`live-fire: …`, run with `--nocapture` to see it); the README quotes the figures.
//!
//! Absence ("stays quiet", "never reaches") is asserted only after the positive counterpart
//! of the same scenario has been notified, plus [`SETTLE`]: see there why that suffices.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reliability_e2e::blackbox::Blackbox;
use reliability_e2e::exporter::{availability_slo, Exporter};
use reliability_e2e::https::StaticHttps;
use reliability_e2e::live_fire::{static_job, LiveFire, CHAT, PAGER, SETTLE};
use reliability_e2e::node_exporter::NodeExporter;

/// The policy of the issue: pages to the pager, tickets (and the rest) to the chat, fast
/// grouping so that the tests are quick. `extra` goes inside the resource block.
fn policy(lf: &LiveFire, extra: &str) -> String {
    format!(
        r#"
resource "reliability_notification_policy" "main" {{
  receiver {{
    name = "pager"
    webhook {{
      url = "{pager}"
    }}
  }}
  receiver {{
    name = "chat"
    webhook {{
      url = "{chat}"
    }}
  }}
  page_receiver   = "pager"
  ticket_receiver = "chat"
  group_wait      = "1s"
  group_interval  = "1s"
  repeat_interval = "1h"
{extra}}}
"#,
        pager = lf.receiver_url(PAGER),
        chat = lf.receiver_url(CHAT),
    )
}

/// A plain `reliability_alert` with severity ticket that fires while the burning service
/// answers errors; it carries no SLO label.
const PLAIN_TICKET: &str = r#"
resource "reliability_alert" "burning_errors" {
  name     = "BurningServiceErrors"
  expr     = "sum(rate(http_requests_total{job=\"burning\",code=\"500\"}[1m])) > 0"
  severity = "ticket"
  summary  = "the burning service answers errors"
}
"#;

const BURNING: (&str, &str) = ("sloth_id", "burning-availability");
const HEALTHY: (&str, &str) = ("sloth_id", "healthy-availability");

#[test]
fn slo_burn_pages_inhibits_its_own_ticket_only_and_a_plain_ticket_reaches_chat() {
    let exporter = Exporter::healthy_and_burning();
    let mut lf = LiveFire::start(&static_job("exporter", &exporter.address, true));
    lf.apply_policy(&policy(&lf, ""));
    let applied = lf.apply_rules(&format!(
        "{}{}{PLAIN_TICKET}",
        availability_slo("healthy"),
        availability_slo("burning")
    ));

    // Within 60 s of the apply: expect_notification waits no longer (NOTIFY_TIMEOUT).
    lf.expect_notification("SLO burn page", PAGER, applied, |n| {
        n.fires(&[BURNING, ("severity", "page")])
    });
    lf.expect_notification("plain ticket alert", CHAT, applied, |n| {
        n.fires(&[
            ("alertname", "BurningServiceErrors"),
            ("severity", "ticket"),
        ])
    });

    // The burning SLO's ticket tier fires too (5 % errors is 50x the budget, above the
    // ticket tiers' 3x and 1x): only the inhibition keeps it from the chat receiver.
    lf.expect_firing(&[BURNING, ("severity", "ticket")]);
    let ticket = lf.alertmanager_alert(&[BURNING, ("severity", "ticket")]);
    assert_eq!(
        ticket["status"]["state"],
        "suppressed",
        "the ticket tier of a paging SLO must be inhibited: {ticket}\n{}",
        lf.diagnostics()
    );
    assert!(
        ticket["status"]["inhibitedBy"]
            .as_array()
            .is_some_and(|a| !a.is_empty()),
        "{ticket}"
    );

    std::thread::sleep(SETTLE);
    lf.assert_not_notified(
        "the burning SLO's ticket tier is inhibited by its page",
        |n| n.mentions(&[BURNING, ("severity", "ticket")]),
    );
    lf.assert_not_notified("the healthy SLO is within its budget", |n| {
        n.mentions(&[HEALTHY])
    });
    lf.assert_group_quiet("sloth-slo-alerts-healthy-availability");
}

/// A certificate watch on the loopback TLS server.
fn cert_watch(name: &str, target: &str, days: u32) -> String {
    format!(
        r#"
resource "reliability_alert" "{name}" {{
  name     = "{name}"
  severity = "ticket"
  certificate_expiry {{
    certificate = "loopback-tls"
    target      = "{target}"
    days_before = {days}
  }}
}}
"#
    )
}

#[test]
fn certificate_expiring_in_10_days_notifies_the_21_day_watch_not_the_5_day_one() {
    let www = tempfile::tempdir().expect("temp dir");
    let tls = StaticHttps::start_valid_for(www.path(), 10);
    let blackbox = Blackbox::start();
    let target = tls.address();
    let mut lf = LiveFire::start(&blackbox.scrape_job("blackbox", &[&target]));
    lf.apply_policy(&policy(&lf, ""));
    let applied = lf.apply_rules(&format!(
        "{}{}",
        cert_watch("CertExpiresWithin21Days", &target, 21),
        cert_watch("CertExpiresWithin5Days", &target, 5)
    ));

    lf.expect_notification("certificate expiry (21 days)", CHAT, applied, |n| {
        n.fires(&[
            ("alertname", "CertExpiresWithin21Days"),
            ("certificate", "loopback-tls"),
        ])
    });
    // What the watches read: the probed certificate expires in (just under) 10 days.
    let left = lf
        .prom
        .query(&format!(
            "probe_ssl_earliest_cert_expiry{{instance={target:?}}} - time()"
        ))
        .first()
        .and_then(|r| r["value"][1].as_str().and_then(|v| v.parse::<f64>().ok()))
        .expect("the probe's expiry series");
    assert!(
        (9.0 * 86400.0..=10.0 * 86400.0).contains(&left),
        "the certificate expires in 10 days, the probe says {left} s"
    );

    std::thread::sleep(SETTLE);
    lf.assert_not_notified("the 5-day watch of a 10-day certificate stays quiet", |n| {
        n.alerts().iter().any(|a| {
            a["labels"]["alertname"]
                .as_str()
                .unwrap_or("")
                .starts_with("CertExpiresWithin5Days")
        })
    });
    lf.assert_group_quiet("reliability-alert-CertExpiresWithin5Days");
}

/// A backup plan with a one-hour RPO.
fn backup_plan(name: &str) -> String {
    format!(
        r#"
resource "reliability_backup_plan" "{name}" {{
  name           = "{name}"
  schedule       = "0 * * * *"
  retention_days = 7
  rpo            = "1h"
  targets        = ["postgres://127.0.0.1/{name}"]
}}
"#
    )
}

/// The textfile a backup runner writes after a success `age` ago.
fn backup_textfile(plan: &str, age: Duration) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970");
    format!(
        "# HELP backup_last_success_timestamp_seconds Unix time of the last successful backup.\n\
         # TYPE backup_last_success_timestamp_seconds gauge\n\
         backup_last_success_timestamp_seconds{{plan=\"{plan}\"}} {}\n",
        (now - age).as_secs()
    )
}

#[test]
fn stale_backup_violates_its_rpo_and_a_fresh_one_does_not() {
    let node = NodeExporter::start();
    // Past the 1 h RPO, and well within it.
    node.write_textfile(
        "backup-orders-db.prom",
        &backup_textfile("orders-db", Duration::from_secs(3 * 3600)),
    );
    node.write_textfile(
        "backup-users-db.prom",
        &backup_textfile("users-db", Duration::from_secs(600)),
    );
    let mut lf = LiveFire::start(&static_job("node", &node.daemon.address, false));
    lf.apply_policy(&policy(&lf, ""));
    let applied = lf.apply_rules(&format!(
        "{}{}",
        backup_plan("orders-db"),
        backup_plan("users-db")
    ));

    lf.expect_notification("stale backup (RPO violated)", PAGER, applied, |n| {
        n.fires(&[("alertname", "BackupRPOViolated"), ("plan", "orders-db")])
    });
    // Both plans' series come from the same scrape of the same node_exporter.
    assert!(
        !lf.prom
            .query("backup_last_success_timestamp_seconds{plan=\"users-db\"}")
            .is_empty(),
        "the fresh plan's metric is scraped\n{}",
        lf.diagnostics()
    );
    std::thread::sleep(SETTLE);
    lf.assert_not_notified("the plan backed up 10 minutes ago is within its RPO", |n| {
        n.mentions(&[("plan", "users-db")])
    });
    lf.assert_group_quiet("reliability-backup-users-db");
}

#[test]
fn burn_inside_a_maintenance_window_of_the_service_notifies_nobody() {
    let exporter = Exporter::healthy_and_burning();
    let mut lf = LiveFire::start(&static_job("exporter", &exporter.address, true));
    // The whole of every day (Alertmanager's weeks start on Sunday), so that the test does
    // not depend on when it runs.
    let window = r#"
  maintenance_window {
    name       = "burning-upgrade"
    weekdays   = ["sunday:saturday"]
    start_time = "00:00"
    end_time   = "24:00"
    time_zone  = "UTC"
    matchers   = { sloth_service = "burning" }
  }
"#;
    lf.apply_policy(&policy(&lf, window));
    let applied = lf.apply_rules(&format!("{}{PLAIN_TICKET}", availability_slo("burning")));

    // Positive counterpart: an alert outside the window's matchers is notified as usual.
    lf.expect_notification(
        "plain ticket alert beside a maintenance window",
        CHAT,
        applied,
        |n| n.fires(&[("alertname", "BurningServiceErrors")]),
    );
    // The burn itself reaches Alertmanager (so silence below is the window's doing).
    lf.expect_firing(&[BURNING, ("severity", "page")]);
    lf.alertmanager_alert(&[BURNING, ("severity", "page")]);
    let reached = Instant::now();

    std::thread::sleep(SETTLE);
    lf.assert_not_notified("the burning service is in maintenance", |n| {
        n.mentions(&[BURNING])
    });
    // And it was the window: Alertmanager flushed the page's group and muted it by time
    // (its debug log's words, Alertmanager 0.25).
    assert!(
        lf.alertmanager()
            .log_text()
            .contains("Notifications not sent, route is within mute time"),
        "the page was not muted by the maintenance window\n{}",
        lf.diagnostics()
    );
    eprintln!(
        "live-fire: maintenance: nothing notified for the burning SLO {:.1} s after Alertmanager held its page",
        reached.elapsed().as_secs_f64()
    );
}
