//! A real blackbox_exporter (Debian `prometheus-blackbox-exporter`) on 127.0.0.1 with one
//! module, [`TLS_MODULE`]: a TCP connection with a TLS handshake, which exports
//! `probe_ssl_earliest_cert_expiry` for the served certificate chain. Killed on drop.

use crate::daemon::{binary, Daemon};
use crate::prometheus::free_port;

/// The module name to probe with (`/probe?module=tls_connect&target=host:port`).
pub const TLS_MODULE: &str = "tls_connect";

/// A running blackbox_exporter.
pub struct Blackbox {
    pub daemon: Daemon,
}

impl Blackbox {
    /// Starts blackbox_exporter and waits until it is ready.
    pub fn start() -> Blackbox {
        let dir = Daemon::scratch("blackbox-");
        let config = dir.path().join("blackbox.yml");
        // The test's certificates are self-signed: the handshake must not verify them (the
        // expiry is exported either way, which is what an expiry watch reads).
        std::fs::write(
            &config,
            format!(
                "modules:\n  {TLS_MODULE}:\n    prober: tcp\n    timeout: 5s\n    tcp:\n      \
                 tls: true\n      tls_config:\n        insecure_skip_verify: true\n"
            ),
        )
        .expect("write blackbox.yml");
        let args = vec![format!("--config.file={}", config.display())];
        let daemon = Daemon::start(
            "blackbox",
            &binary(
                "prometheus-blackbox-exporter",
                "prometheus-blackbox-exporter",
            ),
            &args,
            ("--web.listen-address", free_port()),
            "/-/healthy",
            dir,
        );
        Blackbox { daemon }
    }

    /// A Prometheus scrape job that probes `targets` (`host:port`) through this exporter, the
    /// usual relabelling: the target becomes `__param_target` and the `instance` label.
    pub fn scrape_job(&self, job: &str, targets: &[&str]) -> String {
        format!(
            "  - job_name: {job}\n    metrics_path: /probe\n    params:\n      module: [{TLS_MODULE}]\n    \
             static_configs:\n      - targets: {targets:?}\n    relabel_configs:\n      \
             - source_labels: [__address__]\n        target_label: __param_target\n      \
             - source_labels: [__param_target]\n        target_label: instance\n      \
             - target_label: __address__\n        replacement: {:?}\n",
            self.daemon.address
        )
    }
}
