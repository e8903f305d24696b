//! A tiny metrics endpoint on 127.0.0.1 for Prometheus to scrape in tests: request counters
//! that grow at a fixed rate with a fixed share of errors per job.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One job's traffic: requests per second and the share that fail (0–1); with `night`,
/// the traffic alternates every `half_cycle_secs` between that (day) and the night's.
#[derive(Debug, Clone)]
pub struct Job {
    pub name: String,
    pub rps: f64,
    pub error_ratio: f64,
    pub night: Option<Night>,
}

/// The night half of a diurnal job.
#[derive(Debug, Clone, Copy)]
pub struct Night {
    pub rps: f64,
    pub error_ratio: f64,
    pub half_cycle_secs: f64,
}

impl Job {
    /// A job with the same traffic all the time.
    pub fn steady(name: &str, rps: f64, error_ratio: f64) -> Job {
        Job {
            name: name.into(),
            rps,
            error_ratio,
            night: None,
        }
    }

    /// (all requests, failed requests) served in the first `t` seconds.
    pub fn counts(&self, t: f64) -> (f64, f64) {
        let Some(n) = self.night else {
            return (self.rps * t, self.rps * t * self.error_ratio);
        };
        let cycle = 2.0 * n.half_cycle_secs;
        let whole = (t / cycle).floor();
        let rest = t - whole * cycle;
        let day_secs = whole * n.half_cycle_secs + rest.min(n.half_cycle_secs);
        let night_secs = whole * n.half_cycle_secs + (rest - n.half_cycle_secs).max(0.0);
        (
            self.rps * day_secs + n.rps * night_secs,
            self.rps * day_secs * self.error_ratio + n.rps * night_secs * n.error_ratio,
        )
    }
}

/// A running exporter; stops when dropped (and after at most 10 minutes in any case).
pub struct Exporter {
    pub address: String,
    stop: Arc<AtomicBool>,
}

/// A `reliability_slo` named after `job`: 99.9 % availability of the exporter's job `job`
/// (`healthy` or `burning` in [`Exporter::healthy_and_burning`]), from its request counters.
pub fn availability_slo(job: &str) -> String {
    format!(
        r#"
resource "reliability_slo" "{job}" {{
  service   = "{job}"
  name      = "availability"
  objective = 99.9
  sli {{
    events {{
      error_query = "sum(rate(http_requests_total{{job=\"{job}\",code=~\"5..\"}}[{{{{.window}}}}]))"
      total_query = "sum(rate(http_requests_total{{job=\"{job}\"}}[{{{{.window}}}}]))"
    }}
  }}
}}
"#
    )
}

impl Exporter {
    /// The error-budget scenario: job `healthy` (100 rps, 0.01 % errors, within a 99.9 %
    /// objective) and job `burning` (100 rps, 5 % errors).
    pub fn healthy_and_burning() -> Self {
        Exporter::start(vec![
            Job::steady("healthy", 100.0, 0.0001),
            Job::steady("burning", 100.0, 0.05),
        ])
    }

    /// Serves `http_requests_total{job, code}` for `jobs` on a free loopback port.
    pub fn start(jobs: Vec<Job>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind exporter");
        let address = listener.local_addr().expect("address").to_string();
        listener.set_nonblocking(true).expect("nonblocking");
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        std::thread::spawn(move || {
            let started = Instant::now();
            let deadline = started + Duration::from_secs(600);
            while !stop2.load(Ordering::Relaxed) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((mut stream, _)) => {
                        let _ = stream.set_nonblocking(false);
                        let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                        let mut buf = [0u8; 4096];
                        let _ = stream.read(&mut buf);
                        // Counters as if traffic had been flowing for an hour already.
                        let t = started.elapsed().as_secs_f64() + 3600.0;
                        let mut body = String::from("# TYPE http_requests_total counter\n");
                        for j in &jobs {
                            let (total, errors) = j.counts(t);
                            body.push_str(&format!(
                                "http_requests_total{{job=\"{}\",code=\"200\"}} {}\nhttp_requests_total{{job=\"{}\",code=\"500\"}} {}\n",
                                j.name,
                                total - errors,
                                j.name,
                                errors
                            ));
                        }
                        let _ = write!(
                            stream,
                            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                            body.len()
                        );
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        });
        Exporter { address, stop }
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
