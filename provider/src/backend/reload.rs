//! Asking a running Prometheus to reload its rule files (`POST /-/reload`).

use std::time::Duration;

/// How long one reload may take before it is reported as failed.
pub const RELOAD_TIMEOUT: Duration = Duration::from_secs(30);

/// POSTs `<base_url>/-/reload`. The error names the URL and quotes Prometheus' answer.
pub fn reload(base_url: &str) -> Result<(), String> {
    let url = format!("{}/-/reload", base_url.trim_end_matches('/'));
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(RELOAD_TIMEOUT))
        .http_status_as_error(false)
        .build()
        .into();
    match agent.post(&url).send_empty() {
        Ok(mut resp) => {
            let status = resp.status();
            if status.is_success() {
                return Ok(());
            }
            let body = resp.body_mut().read_to_string().unwrap_or_default();
            let hint = if status.as_u16() == 403 || status.as_u16() == 405 {
                "start Prometheus with --web.enable-lifecycle so that it accepts reloads"
            } else {
                "Prometheus kept its previous rules; its log says which rule file it rejected"
            };
            Err(format!(
                "Prometheus at {url} refused the reload with HTTP {status}: {}; {hint}",
                body.trim()
            ))
        }
        Err(e) => Err(format!(
            "could not reach Prometheus at {url}: {e}; check that it runs and that the \
             provider's prometheus_url is right, or remove prometheus_url to only write files"
        )),
    }
}

/// Coalesces reloads: Terraform applies up to `-parallelism` resources at once, and each
/// asks for a reload after writing its file. A request waits for a reload that *started
/// after* its file was written; requests that queue up while one reload runs are all served
/// by the next single reload. N parallel writes cost ~N/parallelism reloads instead of N.
pub struct Coalescer<F> {
    state: std::sync::Mutex<CoalescerState>,
    done: std::sync::Condvar,
    reload: F,
}

struct CoalescerState {
    /// Requests received so far (ticket numbers).
    requested: u64,
    /// Highest ticket covered by a finished reload, and that reload's result.
    completed: u64,
    last: Result<(), String>,
    running: bool,
    /// Reloads actually performed (for tests and benchmarks).
    performed: u64,
}

impl<F: Fn() -> Result<(), String>> Coalescer<F> {
    pub fn new(reload: F) -> Self {
        Coalescer {
            state: std::sync::Mutex::new(CoalescerState {
                requested: 0,
                completed: 0,
                last: Ok(()),
                running: false,
                performed: 0,
            }),
            done: std::sync::Condvar::new(),
            reload,
        }
    }

    /// Requests a reload that reflects every write made before this call; returns the result
    /// of the reload that covered it.
    pub fn request(&self) -> Result<(), String> {
        fn lock(m: &std::sync::Mutex<CoalescerState>) -> std::sync::MutexGuard<'_, CoalescerState> {
            m.lock().unwrap_or_else(|e| e.into_inner())
        }
        let mut st = lock(&self.state);
        st.requested += 1;
        let ticket = st.requested;
        loop {
            if st.completed >= ticket {
                return st.last.clone();
            }
            if !st.running {
                st.running = true;
                let cover = st.requested;
                drop(st);
                let result = (self.reload)();
                st = lock(&self.state);
                st.running = false;
                st.completed = cover;
                st.last = result;
                st.performed += 1;
                self.done.notify_all();
                continue;
            }
            st = self.done.wait(st).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// How many reloads were performed.
    pub fn performed(&self) -> u64 {
        self.state.lock().map(|s| s.performed).unwrap_or(0)
    }
}

/// Reloads `base_url`, coalescing concurrent requests of this process per URL.
pub fn reload_coalesced(base_url: &str) -> Result<(), String> {
    type Reloaders = std::collections::HashMap<
        String,
        std::sync::Arc<Coalescer<Box<dyn Fn() -> Result<(), String> + Send + Sync>>>,
    >;
    static RELOADERS: std::sync::OnceLock<std::sync::Mutex<Reloaders>> = std::sync::OnceLock::new();
    let coalescer = {
        let mut map = RELOADERS
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        map.entry(base_url.to_string())
            .or_insert_with(|| {
                let url = base_url.to_string();
                std::sync::Arc::new(Coalescer::new(Box::new(move || reload(&url))
                    as Box<dyn Fn() -> Result<(), String> + Send + Sync>))
            })
            .clone()
    };
    coalescer.request()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;

    #[test]
    fn concurrent_requests_share_reloads_and_each_sees_a_later_reload() {
        let calls = Arc::new(AtomicU64::new(0));
        let c = {
            let calls = calls.clone();
            Arc::new(Coalescer::new(move || {
                calls.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(20));
                Ok(())
            }))
        };
        let threads: Vec<_> = (0..40)
            .map(|_| {
                let c = c.clone();
                std::thread::spawn(move || c.request())
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap(), Ok(()));
        }
        let n = calls.load(Ordering::SeqCst);
        assert!(
            (1..40).contains(&n),
            "40 concurrent requests took {n} reloads"
        );
        assert_eq!(c.performed(), n);
        // A request made after everything finished triggers a fresh reload.
        c.request().unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), n + 1);
    }

    #[test]
    fn errors_reach_every_request_they_cover() {
        let c = Coalescer::new(|| Err("HTTP 500".to_string()));
        assert_eq!(c.request(), Err("HTTP 500".to_string()));
        assert_eq!(c.request(), Err("HTTP 500".to_string()));
    }

    #[test]
    fn unreachable_prometheus_is_a_clear_error() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let err = reload(&format!("http://127.0.0.1:{port}")).unwrap_err();
        assert!(err.contains("could not reach Prometheus"), "{err}");
        assert!(err.contains("prometheus_url"), "{err}");
    }
}
