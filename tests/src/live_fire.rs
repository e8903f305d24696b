//! The live-fire stack: real Terraform applies a `reliability_notification_policy` and rules;
//! a real Prometheus (1 s scrape and evaluation) scrapes loopback exporters and evaluates the
//! rules; a real Alertmanager, configured only by the policy's file, notifies two loopback
//! webhook receivers ([`PAGER`], [`CHAT`]) that record what they get and when.
//!
//! Two applies, as an operator would roll it out: the policy first (Alertmanager cannot start
//! without a configuration file, and here only Terraform writes one), then Alertmanager
//! starts on that file, then the rules; the time to notification is measured from the
//! second `terraform apply` returning.

use std::cell::Cell;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::alertmanager::Alertmanager;
use crate::prometheus::{free_port, http_get, Prometheus};
use crate::webhook::{Notification, WebhookRecorder};
use crate::Terraform;

/// The path of the page receiver's webhook.
pub const PAGER: &str = "/pager";
/// The path of the ticket receiver's webhook.
pub const CHAT: &str = "/chat";
/// The most any one notification may take (the bound for a page is 60 s).
pub const NOTIFY_TIMEOUT: Duration = Duration::from_secs(60);
/// How long to keep watching for a notification that must not come, once its positive
/// counterpart has arrived: all the scenario's alerts are computed from the same scrapes, so
/// a wrong one would fire within a few 1 s evaluations of the right one; Prometheus sends a
/// firing alert every second (the stack's resend delay), so once the right one got through
/// to Alertmanager a wrong one is at most a second behind; Alertmanager flushes a new group
/// after `group_wait` (1 s) and a changed one after `group_interval` (1 s). Five seconds
/// cover those steps twice over.
pub const SETTLE: Duration = Duration::from_secs(5);

/// A Prometheus scrape job for `address` (`host:port`); `honor_labels` keeps the target's own
/// `job` label (the fake exporter serves several jobs).
pub fn static_job(job: &str, address: &str, honor_labels: bool) -> String {
    format!(
        "  - job_name: {job}\n    honor_labels: {honor_labels}\n    static_configs:\n      \
         - targets: [{address:?}]\n"
    )
}

/// A running stack.
pub struct LiveFire {
    pub tf: Terraform,
    pub hooks: WebhookRecorder,
    pub prom: Prometheus,
    alertmanager_port: u16,
    alertmanager: Option<Alertmanager>,
    policy: String,
    /// Unix seconds when the rules' apply returned.
    applied_at: Cell<Option<f64>>,
}

impl LiveFire {
    /// Starts the webhook recorder and Prometheus, which scrapes `scrape_jobs` (items of
    /// `scrape_configs`, e.g. from [`static_job`]) and sends alerts to the Alertmanager that
    /// [`LiveFire::apply_policy`] starts.
    pub fn start(scrape_jobs: &str) -> LiveFire {
        let tf = Terraform::new();
        let rules = tf.path().join("rules");
        std::fs::create_dir_all(&rules).expect("rules dir");
        let alertmanager_port = free_port();
        let prom = Prometheus::start_configured(
            &rules,
            &format!(
                "scrape_configs:\n{scrape_jobs}alerting:\n  alertmanagers:\n    - static_configs:\n        \
                 - targets: [\"127.0.0.1:{alertmanager_port}\"]\n"
            ),
            // Every `POST /-/reload` (the provider's, when rules change) empties Prometheus'
            // list of Alertmanagers until its discovery catches up, at most 5 s later
            // (prometheus/prometheus#13064); an alert that starts firing in that gap is
            // dropped and only sent again after the resend delay, 1 min by default. A rule
            // that fires as soon as it is loaded always falls into the gap, so resend every
            // second: the times measured then include the gap, not a minute's wait.
            &["--rules.alert.resend-delay=1s"],
        );
        LiveFire {
            tf,
            hooks: WebhookRecorder::start(),
            prom,
            alertmanager_port,
            alertmanager: None,
            policy: String::new(),
            applied_at: Cell::new(None),
        }
    }

    /// The webhook URL of receiver `path` ([`PAGER`], [`CHAT`]).
    pub fn receiver_url(&self, path: &str) -> String {
        self.hooks.url_for(path)
    }

    /// The provider block: rules in `rules/` with Prometheus reloaded, the Alertmanager
    /// configuration in `alertmanager.yml`, reloaded once Alertmanager runs.
    fn provider(&self) -> String {
        let reload = match &self.alertmanager {
            Some(am) => format!("\n    url         = {:?}", am.url),
            None => String::new(),
        };
        format!(
            "provider \"reliability\" {{\n  rules_dir      = \"rules\"\n  prometheus_url = {:?}\n  \
             alertmanager {{\n    config_file = \"alertmanager.yml\"{reload}\n  }}\n}}\n",
            self.prom.url
        )
    }

    /// First apply: the notification policy `policy` (HCL) alone; then starts Alertmanager on
    /// the configuration file the provider wrote.
    pub fn apply_policy(&mut self, policy: &str) {
        self.policy = policy.to_string();
        self.tf.config(&format!("{}{policy}", self.provider()));
        self.tf.init();
        self.tf.apply().success();
        let config = self.tf.path().join("alertmanager.yml");
        assert!(
            config.is_file(),
            "the apply of the notification policy wrote no {}",
            config.display()
        );
        self.alertmanager = Some(Alertmanager::start_on(&config, self.alertmanager_port));
    }

    /// Second apply: the policy and `rules` (HCL: SLOs, alerts, backup plans), once
    /// Prometheus scrapes every target and has found Alertmanager. Returns when `terraform
    /// apply` returned, the start of every time to notification.
    pub fn apply_rules(&self, rules: &str) -> Instant {
        assert!(self.alertmanager.is_some(), "apply_policy first");
        self.wait_until_monitoring();
        self.tf
            .config(&format!("{}{}{rules}", self.provider(), self.policy));
        self.tf.apply().success();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        self.applied_at.set(Some(now.as_secs_f64()));
        Instant::now()
    }

    /// Waits (bounded) until every scrape target is up and Prometheus sends to Alertmanager.
    /// Prometheus applies new targets and Alertmanagers at most every 5 s after it starts;
    /// without this wait a time to notification would measure that start-up, not the rules.
    fn wait_until_monitoring(&self) {
        let deadline = Instant::now() + NOTIFY_TIMEOUT;
        let ready = || {
            let targets = self
                .prom
                .get("/api/v1/targets")
                .ok()
                .and_then(|(_, b)| serde_json::from_str::<serde_json::Value>(&b).ok());
            let up = targets
                .as_ref()
                .and_then(|t| t["data"]["activeTargets"].as_array())
                .is_some_and(|ts| !ts.is_empty() && ts.iter().all(|t| t["health"] == "up"));
            let alertmanagers = self
                .prom
                .get("/api/v1/alertmanagers")
                .ok()
                .and_then(|(_, b)| serde_json::from_str::<serde_json::Value>(&b).ok())
                .and_then(|v| {
                    v["data"]["activeAlertmanagers"]
                        .as_array()
                        .map(|a| !a.is_empty())
                })
                .unwrap_or(false);
            up && alertmanagers
        };
        while !ready() {
            assert!(
                Instant::now() < deadline,
                "Prometheus never scraped all its targets or found Alertmanager\n{}\n{}",
                self.prom
                    .get("/api/v1/targets")
                    .map(|r| r.1)
                    .unwrap_or_default(),
                self.diagnostics()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The running Alertmanager.
    pub fn alertmanager(&self) -> &Alertmanager {
        self.alertmanager.as_ref().expect("apply_policy first")
    }

    /// Waits (at most [`NOTIFY_TIMEOUT`]) for a notification at `path` satisfying `ok`;
    /// prints and returns it with the time since `since`, and prints when its alert started
    /// firing in Prometheus (its `startsAt`) relative to the rules' apply. Panics with the
    /// stack's state if none comes.
    pub fn expect_notification(
        &self,
        what: &str,
        path: &str,
        since: Instant,
        ok: impl Fn(&Notification) -> bool,
    ) -> (Notification, Duration) {
        match self.hooks.wait_for(path, NOTIFY_TIMEOUT, ok) {
            Some(n) => {
                let took = n.at.saturating_duration_since(since);
                let fired = match (n.first_starts_at(), self.applied_at.get()) {
                    (Some(start), Some(applied)) => {
                        format!("; firing in Prometheus after {:.1} s", start - applied)
                    }
                    _ => String::new(),
                };
                eprintln!(
                    "live-fire: {what}: {path} notified {:.1} s after terraform apply returned{fired}",
                    took.as_secs_f64()
                );
                (n, took)
            }
            None => panic!(
                "{what}: no notification at {path} within {} s\n{}",
                NOTIFY_TIMEOUT.as_secs(),
                self.diagnostics()
            ),
        }
    }

    /// Asserts that no notification so far, at any receiver, satisfies `bad`. Call it once
    /// the positive counterpart has been notified and [`SETTLE`] has passed.
    pub fn assert_not_notified(&self, what: &str, bad: impl Fn(&Notification) -> bool) {
        let wrong: Vec<String> = self
            .hooks
            .received()
            .into_iter()
            .filter(|n| bad(n))
            .map(|n| format!("{} {}", n.path, n.body))
            .collect();
        assert!(
            wrong.is_empty(),
            "{what}, yet it was notified:\n{}\n{}",
            wrong.join("\n"),
            self.diagnostics()
        );
    }

    /// Waits (at most [`NOTIFY_TIMEOUT`]) until Prometheus has an alert firing with all of
    /// `labels` (its `ALERTS` series), so that the absence of a notification is the policy's
    /// doing and not a rule that never fired.
    pub fn expect_firing(&self, labels: &[(&str, &str)]) {
        let matchers: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
        let q = format!("ALERTS{{alertstate=\"firing\",{}}}", matchers.join(","));
        assert!(
            self.prom.wait_for(&q, NOTIFY_TIMEOUT, 1, |v| v == 1.0),
            "no firing alert {q} in Prometheus\n{}",
            self.diagnostics()
        );
    }

    /// Asserts that Prometheus has loaded rule group `group`, evaluated each of its alerting
    /// rules without error and found every one inactive: a quiet alert is a rule that ran
    /// and said no, not one that never ran.
    pub fn assert_group_quiet(&self, group: &str) {
        let rules = self.prom.rules();
        let found = rules["data"]["groups"]
            .as_array()
            .and_then(|gs| gs.iter().find(|g| g["name"] == group).cloned());
        let Some(found) = found else {
            panic!(
                "Prometheus has no rule group {group}\n{}",
                self.diagnostics()
            );
        };
        let alerting: Vec<&serde_json::Value> = found["rules"]
            .as_array()
            .map(|rs| rs.iter().filter(|r| r["type"] == "alerting").collect())
            .unwrap_or_default();
        assert!(!alerting.is_empty(), "group {group} has no alert: {found}");
        for rule in alerting {
            let evaluated = rule["lastEvaluation"]
                .as_str()
                .is_some_and(|t| !t.starts_with("0001-"));
            assert!(
                rule["state"] == "inactive" && rule["health"] == "ok" && evaluated,
                "alert {} of group {group} should have been evaluated and found inactive: {rule}",
                rule["name"]
            );
        }
    }

    /// Alertmanager's view of an alert with all of `labels` (`GET /api/v2/alerts`), waiting
    /// (at most [`NOTIFY_TIMEOUT`]) until Alertmanager has it.
    pub fn alertmanager_alert(&self, labels: &[(&str, &str)]) -> serde_json::Value {
        let deadline = Instant::now() + NOTIFY_TIMEOUT;
        loop {
            let found = self
                .alertmanager()
                .alerts()
                .into_iter()
                .find(|a| labels.iter().all(|(k, v)| a["labels"][*k] == *v));
            if let Some(a) = found {
                return a;
            }
            assert!(
                Instant::now() < deadline,
                "Alertmanager never received an alert with {labels:?}\n{}",
                self.diagnostics()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Everything a failure message needs: what was notified, Prometheus' and
    /// Alertmanager's alerts, the Alertmanager configuration written and the end of its log.
    pub fn diagnostics(&self) -> String {
        let tail = |s: String| {
            let lines: Vec<&str> = s.lines().collect();
            lines[lines.len().saturating_sub(40)..].join("\n")
        };
        let (am_alerts, am_log) = match &self.alertmanager {
            Some(am) => (
                http_get(&format!("{}/api/v2/alerts", am.url)).map_or_else(|e| e, |r| r.1),
                tail(am.log_text()),
            ),
            None => ("(not started)".into(), String::new()),
        };
        let am_config =
            std::fs::read_to_string(self.tf.path().join("alertmanager.yml")).unwrap_or_default();
        format!(
            "--- notifications\n{}\n--- Prometheus ALERTS\n{}\n--- Alertmanager alerts\n{am_alerts}\n\
             --- Alertmanager configuration\n{am_config}\n--- Alertmanager log\n{am_log}\n\
             --- Prometheus log\n{}",
            self.hooks.summary(),
            serde_json::Value::from(self.prom.query("ALERTS")),
            tail(self.prom.log_text()),
        )
    }
}
