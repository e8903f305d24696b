//! A real Alertmanager (Debian's `prometheus-alertmanager` 0.25) on 127.0.0.1, started per
//! test and killed on drop, and `amtool` (`amtool check-config`, `amtool config routes
//! test`).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::prometheus::{find_on_path, free_port, http_get, wait_ready};

/// The `amtool` binary (`AMTOOL` env var, else PATH).
pub fn amtool_binary() -> PathBuf {
    binary("AMTOOL", "amtool")
}

/// The Alertmanager binary (`ALERTMANAGER` env var, else `prometheus-alertmanager` on PATH).
pub fn alertmanager_binary() -> PathBuf {
    binary("ALERTMANAGER", "prometheus-alertmanager")
}

fn binary(var: &str, name: &str) -> PathBuf {
    std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| {
        find_on_path(name).unwrap_or_else(|| {
            panic!(
                "no {name} binary: install the Debian package `prometheus-alertmanager` \
                 (scripts/setup.sh --with-prometheus does), or set {var}"
            )
        })
    })
}

/// Runs amtool with `args`: whether it succeeded, and its stdout and stderr.
pub fn amtool(args: &[&str]) -> (bool, String) {
    let bin = amtool_binary();
    let out = Command::new(&bin)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("could not run {}: {e}", bin.display()));
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// `amtool check-config <file>`; panics with amtool's output unless it accepts the file.
pub fn check_config(file: &Path) {
    let (ok, out) = amtool(&["check-config", &file.to_string_lossy()]);
    assert!(ok, "amtool check-config {} failed:\n{out}", file.display());
}

/// The receivers `amtool config routes test` picks for an alert with `labels`
/// (`name=value` each) under the configuration `file`.
pub fn routed_to(file: &Path, labels: &[&str]) -> Vec<String> {
    let config = format!("--config.file={}", file.display());
    let mut args = vec!["config", "routes", "test", config.as_str()];
    args.extend(labels);
    let (ok, out) = amtool(&args);
    assert!(ok, "amtool config routes test {labels:?} failed:\n{out}");
    // The receivers are the first line; amtool warns about flags on the next ones.
    out.lines()
        .next()
        .unwrap_or("")
        .split(',')
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty())
        .collect()
}

/// A running Alertmanager loading `config_file`.
pub struct Alertmanager {
    child: Child,
    pub url: String,
    _data: tempfile::TempDir,
    pub log: PathBuf,
}

impl Alertmanager {
    /// Starts Alertmanager on `config_file` (which must exist) without gossip, and waits
    /// (bounded) until it is ready.
    pub fn start(config_file: &Path) -> Self {
        Self::start_on(config_file, free_port())
    }

    /// Like [`Alertmanager::start`], on 127.0.0.1:`port` (for a Prometheus configured before
    /// Alertmanager starts). Logs at debug level: every alert received, group flushed and
    /// notification sent.
    pub fn start_on(config_file: &Path, port: u16) -> Self {
        let data = tempfile::Builder::new()
            .prefix("am-")
            .tempdir()
            .expect("temp dir");
        let log = data.path().join("alertmanager.log");
        let log_file = std::fs::File::create(&log).expect("log file");
        let child = Command::new(alertmanager_binary())
            .arg(format!("--config.file={}", config_file.display()))
            .arg(format!(
                "--storage.path={}",
                data.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--cluster.listen-address=")
            .arg("--log.level=debug")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .expect("start alertmanager");
        let mut am = Alertmanager {
            child,
            url: format!("http://127.0.0.1:{port}"),
            _data: data,
            log,
        };
        wait_ready(
            "alertmanager",
            &mut am.child,
            &format!("{}/-/ready", am.url),
            &am.log,
        );
        am
    }

    /// The configuration Alertmanager runs with (`config.original` of `/api/v2/status`).
    pub fn loaded_config(&self) -> String {
        let (status, body) =
            http_get(&format!("{}/api/v2/status", self.url)).expect("GET /api/v2/status");
        assert_eq!(status, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).expect("status JSON");
        v["config"]["original"]
            .as_str()
            .expect("config.original")
            .to_string()
    }

    /// POSTs firing alerts (each a label set) to `/api/v2/alerts`, as Prometheus does.
    pub fn post_alerts(&self, alerts: &[&[(&str, &str)]]) {
        let body: Vec<serde_json::Value> = alerts
            .iter()
            .map(|labels| {
                let labels: serde_json::Map<String, serde_json::Value> = labels
                    .iter()
                    .map(|(k, v)| (k.to_string(), serde_json::Value::from(*v)))
                    .collect();
                serde_json::json!({ "labels": labels })
            })
            .collect();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(10)))
            .http_status_as_error(false)
            .build()
            .into();
        let mut resp = agent
            .post(&format!("{}/api/v2/alerts", self.url))
            .header("Content-Type", "application/json")
            .send(serde_json::to_string(&body).expect("JSON").as_bytes())
            .expect("POST /api/v2/alerts");
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        assert_eq!(status, 200, "POST /api/v2/alerts: {text}");
    }

    /// The alerts Alertmanager holds (`GET /api/v2/alerts`), parsed; an inhibited one has
    /// `status.state` `suppressed` and its inhibitors in `status.inhibitedBy`.
    pub fn alerts(&self) -> Vec<serde_json::Value> {
        let (status, body) =
            http_get(&format!("{}/api/v2/alerts", self.url)).expect("GET /api/v2/alerts");
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).expect("alerts JSON")
    }

    /// Alertmanager's log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
