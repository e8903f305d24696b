//! VictoriaMetrics single node and vmalert (Debian package `victoria-metrics`) on 127.0.0.1,
//! started per test and killed on drop.
//!
//! vmalert loads `<rules_dir>/*.yml`, evaluates against VictoriaMetrics, writes its
//! recording rules' results back to it (`-remoteWrite.url`: vmalert refuses recording rules
//! without one) and sends alerts to a loopback port nobody listens on (`-notifier.url` is
//! required; delivery failures only show in its log).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::prometheus::{free_port, http_get as get, instant_query, rule_group_names};

/// How long either process may take to become healthy.
const READY_TIMEOUT: Duration = Duration::from_secs(20);

/// A running VictoriaMetrics and a vmalert evaluating `<rules_dir>/*.yml` against it.
pub struct VmStack {
    vm: Child,
    vmalert: Child,
    /// VictoriaMetrics' base URL (Prometheus-compatible query API under `/api/v1/query`).
    pub vm_url: String,
    /// vmalert's base URL (`POST /-/reload`, `GET /api/v1/rules`).
    pub vmalert_url: String,
    data: tempfile::TempDir,
}

fn binary(name: &str, env: &str) -> PathBuf {
    if let Some(p) = std::env::var_os(env) {
        return PathBuf::from(p);
    }
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "no {name} binary: install the Debian package `victoria-metrics` \
                 (scripts/setup.sh --with-prometheus does)"
            )
        })
}

impl VmStack {
    /// Starts both and waits (bounded) until both answer `/health`.
    pub fn start(rules_dir: &Path) -> Self {
        Self::start_full(rules_dir, None)
    }

    /// Like [`VmStack::start`], with VictoriaMetrics also scraping `target` (`host:port`)
    /// every second.
    pub fn start_scraping(rules_dir: &Path, target: &str) -> Self {
        Self::start_full(rules_dir, Some(target))
    }

    fn start_full(rules_dir: &Path, target: Option<&str>) -> Self {
        let data = tempfile::Builder::new()
            .prefix("vm-")
            .tempdir()
            .expect("temp dir");
        let scrape = data.path().join("scrape.yml");
        std::fs::write(
            &scrape,
            match target {
                Some(t) => format!(
                    "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: exporter\n    \
                     honor_labels: true\n    static_configs:\n      - targets: [{t:?}]\n"
                ),
                None => "scrape_configs: []\n".to_string(),
            },
        )
        .expect("write scrape config");
        let (vm_port, vmalert_port, dead_port) = (free_port(), free_port(), free_port());
        let log = |name: &str| std::fs::File::create(data.path().join(name)).expect("log file");
        let vm = Command::new(binary("victoria-metrics", "VICTORIA_METRICS"))
            .arg(format!("-httpListenAddr=127.0.0.1:{vm_port}"))
            .arg(format!(
                "-storageDataPath={}",
                data.path().join("data").display()
            ))
            .arg("-retentionPeriod=1d")
            // Queries see samples at once (the default hides the last 30 s).
            .arg("-search.latencyOffset=0s")
            .arg("-search.disableCache")
            .arg(format!("-promscrape.config={}", scrape.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log("victoria-metrics.log"))
            .spawn()
            .expect("start victoria-metrics");
        let vm_url = format!("http://127.0.0.1:{vm_port}");
        let vmalert = Command::new(binary("vmalert", "VMALERT"))
            .arg(format!("-rule={}", rules_dir.join("*.yml").display()))
            .arg(format!("-datasource.url={vm_url}"))
            .arg(format!("-remoteWrite.url={vm_url}"))
            .arg("-remoteWrite.flushInterval=1s")
            .arg(format!("-notifier.url=http://127.0.0.1:{dead_port}"))
            .arg(format!("-httpListenAddr=127.0.0.1:{vmalert_port}"))
            .arg("-evaluationInterval=1s")
            .stdin(Stdio::null())
            .stdout(log("vmalert.log"))
            .stderr(Stdio::null())
            .spawn()
            .expect("start vmalert");
        let mut stack = VmStack {
            vm,
            vmalert,
            vm_url,
            vmalert_url: format!("http://127.0.0.1:{vmalert_port}"),
            data,
        };
        let deadline = Instant::now() + READY_TIMEOUT;
        while Instant::now() < deadline {
            for (child, name) in [
                (&mut stack.vm, "victoria-metrics"),
                (&mut stack.vmalert, "vmalert"),
            ] {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!(
                        "{name} exited with {status}; logs:\n{}",
                        stack_logs(stack.data.path())
                    );
                }
            }
            let healthy = |url: &str| get(&format!("{url}/health")).is_ok_and(|(s, _)| s == 200);
            if healthy(&stack.vm_url) && healthy(&stack.vmalert_url) {
                return stack;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "victoria-metrics/vmalert not healthy within {READY_TIMEOUT:?}; logs:\n{}",
            stack.logs()
        );
    }

    /// Names of the rule groups vmalert has loaded.
    pub fn group_names(&self) -> Vec<String> {
        rule_group_names(&self.vmalert_url)
    }

    /// Polls VictoriaMetrics (bounded by `timeout`) until the instant query `q` returns a
    /// series.
    pub fn wait_for_series(&self, q: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if !instant_query(&self.vm_url, q).is_empty() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        false
    }

    /// Both logs so far.
    pub fn logs(&self) -> String {
        stack_logs(self.data.path())
    }
}

fn stack_logs(dir: &Path) -> String {
    ["victoria-metrics.log", "vmalert.log"]
        .iter()
        .map(|n| {
            format!(
                "--- {n}\n{}",
                std::fs::read_to_string(dir.join(n)).unwrap_or_default()
            )
        })
        .collect()
}

impl Drop for VmStack {
    fn drop(&mut self) {
        for child in [&mut self.vmalert, &mut self.vm] {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
