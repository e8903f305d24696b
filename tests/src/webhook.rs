//! A loopback webhook receiver that records every notification Alertmanager POSTs to it
//! (its webhook JSON: `status`, `receiver`, `groupLabels`, `alerts[]` with `labels`), with the
//! time it arrived. One server serves any number of receivers, told apart by the URL path
//! (`/pager`, `/chat`). Stops when dropped (and after at most 10 minutes in any case).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One POST received.
#[derive(Debug, Clone)]
pub struct Notification {
    /// The request path, e.g. `/pager`.
    pub path: String,
    /// When the request was read completely.
    pub at: Instant,
    /// The body as JSON (`null` if it was not JSON).
    pub body: serde_json::Value,
}

impl Notification {
    /// The notification's alerts.
    pub fn alerts(&self) -> Vec<serde_json::Value> {
        self.body["alerts"].as_array().cloned().unwrap_or_default()
    }

    /// Whether one of its alerts has `status` "firing" and all of `labels`.
    pub fn fires(&self, labels: &[(&str, &str)]) -> bool {
        self.alerts()
            .iter()
            .any(|a| a["status"] == "firing" && labels.iter().all(|(k, v)| a["labels"][*k] == *v))
    }

    /// The earliest `startsAt` of its firing alerts (when Prometheus found the alert
    /// active), in Unix seconds.
    pub fn first_starts_at(&self) -> Option<f64> {
        self.alerts()
            .iter()
            .filter(|a| a["status"] == "firing")
            .filter_map(|a| a["startsAt"].as_str().and_then(unix_seconds))
            .reduce(f64::min)
    }

    /// Whether one of its alerts (firing or resolved) has all of `labels`.
    pub fn mentions(&self, labels: &[(&str, &str)]) -> bool {
        self.alerts()
            .iter()
            .any(|a| labels.iter().all(|(k, v)| a["labels"][*k] == *v))
    }
}

/// A running recorder.
pub struct WebhookRecorder {
    /// `http://127.0.0.1:<port>`; a receiver's URL is this plus its path.
    pub url: String,
    received: Arc<Mutex<Vec<Notification>>>,
    stop: Arc<AtomicBool>,
}

impl Default for WebhookRecorder {
    fn default() -> Self {
        Self::start()
    }
}

impl WebhookRecorder {
    /// Listens on a free loopback port.
    pub fn start() -> WebhookRecorder {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind webhook recorder");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        listener.set_nonblocking(true).expect("nonblocking");
        let received = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (received2, stop2) = (received.clone(), stop.clone());
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(600);
            while !stop2.load(Ordering::Relaxed) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => {
                        if let Some(n) = serve(stream) {
                            received2.lock().unwrap_or_else(|e| e.into_inner()).push(n);
                        }
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        WebhookRecorder {
            url,
            received,
            stop,
        }
    }

    /// The URL of the receiver at `path` (`/pager`).
    pub fn url_for(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// Everything received so far, in order of arrival.
    pub fn received(&self) -> Vec<Notification> {
        self.received
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Everything received at `path` so far.
    pub fn received_at(&self, path: &str) -> Vec<Notification> {
        self.received()
            .into_iter()
            .filter(|n| n.path == path)
            .collect()
    }

    /// Waits (at most `timeout`) for the first notification at `path` that satisfies `ok`.
    pub fn wait_for(
        &self,
        path: &str,
        timeout: Duration,
        ok: impl Fn(&Notification) -> bool,
    ) -> Option<Notification> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(n) = self.received_at(path).into_iter().find(|n| ok(n)) {
                return Some(n);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Everything received, one line per notification, for failure messages.
    pub fn summary(&self) -> String {
        self.received()
            .iter()
            .map(|n| format!("{} {}", n.path, n.body))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Drop for WebhookRecorder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Unix seconds of an RFC 3339 time as Alertmanager writes it
/// (`2026-12-01T20:12:43.336845043Z`, or with an offset such as `+01:00`).
pub fn unix_seconds(t: &str) -> Option<f64> {
    let num = |s: &str| s.parse::<i64>().ok();
    let (date, time) = t.split_once('T')?;
    let mut d = date.splitn(3, '-');
    let (y, m, day) = (num(d.next()?)?, num(d.next()?)?, num(d.next()?)?);
    let (clock, offset) = match time.strip_suffix('Z') {
        Some(c) => (c, 0),
        None => {
            let at = time.rfind(['+', '-'])?;
            let (h, mm) = time[at + 1..].split_once(':')?;
            let sign = if time.as_bytes()[at] == b'-' { -1 } else { 1 };
            (&time[..at], sign * (num(h)? * 3600 + num(mm)? * 60))
        }
    };
    let mut c = clock.splitn(3, ':');
    let (h, min) = (num(c.next()?)?, num(c.next()?)?);
    let sec: f64 = c.next()?.parse().ok()?;
    // Days since 1970-01-01 of a proleptic Gregorian date (the usual era computation).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days * 86_400 + h * 3600 + min * 60 - offset) as f64 + sec)
}

/// Reads one HTTP request, answers `200 OK` and returns what it carried.
fn serve(stream: TcpStream) -> Option<Notification> {
    stream.set_nonblocking(false).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line).ok()?;
    let path = request_line.split_whitespace().nth(1)?.to_string();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok()?;
            }
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).ok()?;
    let at = Instant::now();
    let mut stream = stream;
    let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    Some(Notification {
        path,
        at,
        body: serde_json::from_slice(&body).unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::unix_seconds;

    #[test]
    fn rfc3339_times() {
        assert_eq!(unix_seconds("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(unix_seconds("2000-03-01T00:00:00Z"), Some(951_868_800.0));
        assert_eq!(
            unix_seconds("2026-12-01T20:12:43.5Z"),
            Some(1_796_155_963.5)
        );
        assert_eq!(
            unix_seconds("2026-12-01T21:12:43.5+01:00"),
            Some(1_796_155_963.5)
        );
        assert_eq!(unix_seconds("yesterday"), None);
    }
}
