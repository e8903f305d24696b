//! A real Alertmanager (Debian `prometheus-alertmanager`) on 127.0.0.1, without clustering,
//! reading the configuration file the test names; killed on drop.

use std::path::Path;

use crate::daemon::{binary, Daemon};

/// A running Alertmanager.
pub struct Alertmanager {
    pub daemon: Daemon,
}

impl Alertmanager {
    /// Starts Alertmanager on `config_file` (which must exist and be valid: Alertmanager
    /// refuses to start otherwise), listening on 127.0.0.1:`port`, and waits until it is
    /// ready.
    pub fn start(config_file: &Path, port: u16) -> Alertmanager {
        let dir = Daemon::scratch("alertmanager-");
        let args = vec![
            format!("--config.file={}", config_file.display()),
            format!("--storage.path={}", dir.path().join("data").display()),
            // No gossip port: one instance, nothing else listening.
            "--cluster.listen-address=".to_string(),
            "--log.level=debug".to_string(),
        ];
        let daemon = Daemon::start(
            "alertmanager",
            &binary("prometheus-alertmanager", "prometheus-alertmanager"),
            &args,
            ("--web.listen-address", port),
            "/-/ready",
            dir,
        );
        Alertmanager { daemon }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> &str {
        &self.daemon.url
    }

    /// `127.0.0.1:<port>`, for Prometheus' `alerting.alertmanagers`.
    pub fn address(&self) -> &str {
        &self.daemon.address
    }

    /// The alerts Alertmanager holds (`GET /api/v2/alerts`), empty on any error.
    pub fn alerts(&self) -> Vec<serde_json::Value> {
        self.daemon
            .get("/api/v2/alerts")
            .ok()
            .and_then(|(_, body)| serde_json::from_str::<serde_json::Value>(&body).ok())
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default()
    }

    /// The configuration Alertmanager runs (`GET /api/v2/status`, `config.original`).
    pub fn running_config(&self) -> String {
        self.daemon
            .get("/api/v2/status")
            .ok()
            .and_then(|(_, body)| serde_json::from_str::<serde_json::Value>(&body).ok())
            .and_then(|v| v["config"]["original"].as_str().map(String::from))
            .unwrap_or_default()
    }

    /// Alertmanager's log so far (debug level: every notification and inhibition).
    pub fn log_text(&self) -> String {
        self.daemon.log_text()
    }
}
