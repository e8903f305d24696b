//! A real Prometheus (Debian package) on 127.0.0.1, started per test and killed on drop.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A running Prometheus loading `<rules_dir>/*.yml`.
pub struct Prometheus {
    child: Child,
    pub url: String,
    _data: tempfile::TempDir,
    pub log: PathBuf,
}

/// The `prometheus` binary (`PROMETHEUS` env var, else PATH).
pub fn prometheus_binary() -> PathBuf {
    std::env::var_os("PROMETHEUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            find_on_path("prometheus").expect(
            "no prometheus binary: install the Debian package `prometheus` (scripts/setup.sh does)",
        )
        })
}

/// The `promtool` binary (`PROMTOOL` env var, else PATH).
pub fn promtool_binary() -> PathBuf {
    std::env::var_os("PROMTOOL")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            find_on_path("promtool").expect(
            "no promtool binary: install the Debian package `prometheus` (scripts/setup.sh does)",
        )
        })
}

/// The first `name` file on PATH.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// An HTTP agent for the test's loopback servers: bounded, statuses as answers.
fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(10)))
        .http_status_as_error(false)
        .build()
        .into()
}

/// Waits (at most 20 s) until `GET ready_url` answers 200 from the process `child` started
/// as `name`; panics with its log (`log`) if it exits first or never gets ready.
pub fn wait_ready(name: &str, child: &mut Child, ready_url: &str, log: &Path) {
    let log_text = || std::fs::read_to_string(log).unwrap_or_default();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{name} exited with {status}; its log:\n{}", log_text());
        }
        if http_get(ready_url).is_ok_and(|(s, _)| s == 200) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!(
        "{name} did not answer {ready_url} within 20 s; its log:\n{}",
        log_text()
    );
}

/// GET `url`; returns (status, body).
pub fn http_get(url: &str) -> Result<(u16, String), String> {
    let mut resp = agent().get(url).call().map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let body = resp
        .body_mut()
        .read_to_string()
        .map_err(|e| e.to_string())?;
    Ok((status, body))
}

/// The parsed `/api/v1/rules` answer of a Prometheus-compatible rule evaluator at `base`
/// (Prometheus, vmalert).
pub fn rules_api(base: &str) -> serde_json::Value {
    let (status, body) = http_get(&format!("{base}/api/v1/rules")).expect("GET /api/v1/rules");
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).expect("rules API returns JSON")
}

/// Names of all rule groups loaded by the evaluator at `base`.
pub fn rule_group_names(base: &str) -> Vec<String> {
    rules_api(base)["data"]["groups"]
        .as_array()
        .map(|gs| {
            gs.iter()
                .filter_map(|g| g["name"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Runs an instant query against the Prometheus query API at `base` (Prometheus,
/// VictoriaMetrics) and returns the `data.result` array (empty on any error).
pub fn instant_query(base: &str, q: &str) -> Vec<serde_json::Value> {
    let body = agent()
        .get(&format!("{base}/api/v1/query"))
        .query("query", q)
        .call()
        .and_then(|mut r| r.body_mut().read_to_string())
        .unwrap_or_default();
    let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    v["data"]["result"].as_array().cloned().unwrap_or_default()
}

/// A port on 127.0.0.1 that nothing listens on (right after the call).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

/// The URL of a Prometheus that is down: a loopback port nobody listens on.
pub fn unreachable_url() -> String {
    format!("http://127.0.0.1:{}", free_port())
}

/// A loopback HTTP server standing in for Prometheus: answers each of at most `max`
/// requests with `status` (e.g. `"200 OK"`) and `body`. Returns its URL and how many
/// `POST /-/reload` requests it has received.
pub fn fake_prometheus(status: &str, body: &'static str, max: usize) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let url = format!("http://{}", listener.local_addr().expect("bound address"));
    let status = status.to_string();
    let reloads = Arc::new(AtomicUsize::new(0));
    let count = reloads.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(max) {
            let Ok(mut s) = stream else { continue };
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let mut buf = [0u8; 4096];
            let n = s.read(&mut buf).unwrap_or(0);
            if buf[..n].starts_with(b"POST /-/reload") {
                count.fetch_add(1, Ordering::SeqCst);
            }
            let _ = write!(
                s,
                "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (url, reloads)
}

impl Prometheus {
    /// Starts Prometheus with lifecycle API enabled, loading `rules_dir/*.yml`, and waits
    /// (bounded) until it is ready.
    pub fn start(rules_dir: &Path) -> Self {
        Self::start_with(rules_dir, None)
    }

    /// Like [`Prometheus::start`], with an existing TSDB directory (e.g. backfilled blocks).
    pub fn start_with(rules_dir: &Path, tsdb: Option<&Path>) -> Self {
        Self::start_full(rules_dir, tsdb, None)
    }

    /// Like [`Prometheus::start`], also scraping `target` (`host:port`) every second.
    pub fn start_scraping(rules_dir: &Path, target: &str) -> Self {
        Self::start_full(rules_dir, None, Some(target))
    }

    fn start_full(rules_dir: &Path, tsdb: Option<&Path>, target: Option<&str>) -> Self {
        let scrape = target
            .map(|t| format!("scrape_configs:\n  - job_name: exporter\n    honor_labels: true\n    static_configs:\n      - targets: [{t:?}]\n"))
            .unwrap_or_default();
        Self::start_config(rules_dir, tsdb, &scrape, &[])
    }

    /// Like [`Prometheus::start`], with more configuration after `global` and `rule_files`
    /// (top-level `scrape_configs:`, `alerting:` sections as YAML text) and more command-line
    /// `flags`. Scrape and rule evaluation intervals are 1 s.
    pub fn start_configured(rules_dir: &Path, extra: &str, flags: &[&str]) -> Self {
        Self::start_config(rules_dir, None, extra, flags)
    }

    fn start_config(rules_dir: &Path, tsdb: Option<&Path>, extra: &str, flags: &[&str]) -> Self {
        let data = tempfile::Builder::new()
            .prefix("prom-")
            .tempdir()
            .expect("temp dir");
        let config = data.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  evaluation_interval: 1s\n  scrape_interval: 1s\nrule_files:\n  - {:?}\n{extra}",
                rules_dir.join("*.yml"),
            ),
        )
        .expect("write prometheus.yml");
        let log = data.path().join("prometheus.log");
        let port = free_port();
        let tsdb_path = tsdb
            .map(Path::to_path_buf)
            .unwrap_or_else(|| data.path().join("tsdb"));
        let log_file = std::fs::File::create(&log).expect("log file");
        let child = Command::new(prometheus_binary())
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--web.enable-lifecycle")
            .arg(format!("--storage.tsdb.path={}", tsdb_path.display()))
            .arg("--storage.tsdb.retention.time=3650d")
            .args(flags)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .expect("start prometheus");
        let mut p = Prometheus {
            child,
            url: format!("http://127.0.0.1:{port}"),
            _data: data,
            log,
        };
        wait_ready(
            "prometheus",
            &mut p.child,
            &format!("{}/-/ready", p.url),
            &p.log,
        );
        p
    }

    /// GET a path; returns (status, body).
    pub fn get(&self, path: &str) -> Result<(u16, String), String> {
        http_get(&format!("{}{path}", self.url))
    }

    /// The parsed `/api/v1/rules` answer.
    pub fn rules(&self) -> serde_json::Value {
        rules_api(&self.url)
    }

    /// Names of all loaded rule groups.
    pub fn group_names(&self) -> Vec<String> {
        rule_group_names(&self.url)
    }

    /// Runs an instant query and returns the `data.result` array.
    pub fn query(&self, q: &str) -> Vec<serde_json::Value> {
        instant_query(&self.url, q)
    }

    /// Polls `q` (bounded by `timeout`) until it returns at least `min_series` samples, all of
    /// which satisfy `ok`.
    pub fn wait_for(
        &self,
        q: &str,
        timeout: Duration,
        min_series: usize,
        ok: impl Fn(f64) -> bool,
    ) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            let values: Vec<f64> = self
                .query(q)
                .iter()
                .filter_map(|r| r["value"][1].as_str().and_then(|v| v.parse().ok()))
                .collect();
            if values.len() >= min_series.max(1) && values.iter().all(|v| ok(*v)) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        false
    }

    /// Prometheus' log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
