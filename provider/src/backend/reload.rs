//! Asking a running Prometheus to reload its rule files (`POST /-/reload`).

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

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

/// When reloads happen. Terraform applies up to `-parallelism` resources at once and each
/// write needs Prometheus to reload, but every reload re-reads *all* rule files (~0.2 ms per
/// file with Prometheus 2.42), so one reload per write — or per batch of `-parallelism`
/// writes — makes an apply of N resources cost O(N²). The policy:
///
/// - While the reloads of this provider process have taken less than `wait_budget` in total
///   (and after any failed reload), a write waits for a reload that started after it and
///   reports that reload's result: small applies fail on a Prometheus that is down or
///   rejects the rules, as before. Writes that queue while a reload runs share the next one.
/// - Past the budget, a write returns at once and a background reload follows once writes
///   pause for `quiet`, or when changes have waited for `max(min_period, period_factor ×
///   the last reload's duration)`. Either way a background reload starts no sooner than
///   `period_factor ×` the last reload's duration after that reload ended, so reloading
///   keeps Prometheus busy at most ~1/(`period_factor` + 1) of a long apply, however often
///   Terraform pauses, and the reload work grows with the apply's duration, not with N².
/// - When the provider exits (Terraform closes it at the end of every command), pending
///   changes are reloaded before the process ends ([`flush_all`]); a marker file in the
///   rules directory records pending changes until a reload covers them, so a provider that
///   was killed first has its reload retried by the next `terraform plan`/`apply`
///   (see [`retry_pending`]).
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub wait_budget: Duration,
    pub quiet: Duration,
    pub min_period: Duration,
    pub period_factor: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            wait_budget: Duration::from_secs(2),
            quiet: Duration::from_millis(200),
            min_period: Duration::from_secs(10),
            period_factor: 20,
        }
    }
}

impl Policy {
    /// The default policy; tests and benchmarks may set the wait budget in milliseconds with
    /// `RELIABILITY_RELOAD_WAIT_BUDGET_MS` (0: never wait, always defer).
    pub fn from_env() -> Self {
        let mut policy = Policy::default();
        if let Some(ms) = std::env::var("RELIABILITY_RELOAD_WAIT_BUDGET_MS")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
        {
            policy.wait_budget = Duration::from_millis(ms);
        }
        policy
    }
}

/// What a change's caller learns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The caller waited for a reload covering its change; this is its result.
    Reloaded(Result<(), String>),
    /// The reload was left to the background (and, at the latest, to the provider's exit).
    Deferred,
}

/// Prefix of the marker files that record changes no reload has covered yet.
pub const MARKER_PREFIX: &str = ".reliability-reload-pending-";

/// Reloads one Prometheus for the changes this process makes, following [`Policy`].
pub struct Reloader<F> {
    reload: F,
    policy: Policy,
    state: Mutex<State>,
    changed: Condvar,
}

struct State {
    /// Changes made so far (ticket numbers).
    changes: u64,
    /// Highest ticket covered by a finished reload, and that reload's result.
    covered: u64,
    last: Result<(), String>,
    running: bool,
    /// Total time spent in reloads, the last one's duration and when it ended.
    spent: Duration,
    last_duration: Duration,
    last_end: Option<Instant>,
    /// When the oldest uncovered change, and the newest change, were made.
    oldest_pending: Option<Instant>,
    newest: Option<Instant>,
    /// Marker files that stand for the uncovered changes.
    markers: BTreeSet<PathBuf>,
    worker: bool,
    /// Reloads actually performed (for tests and benchmarks).
    performed: u64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl<F: Fn() -> Result<(), String> + Send + Sync + 'static> Reloader<F> {
    pub fn new(reload: F, policy: Policy) -> Self {
        Reloader {
            reload,
            policy,
            state: Mutex::new(State {
                changes: 0,
                covered: 0,
                last: Ok(()),
                running: false,
                spent: Duration::ZERO,
                last_duration: Duration::ZERO,
                last_end: None,
                oldest_pending: None,
                newest: None,
                markers: BTreeSet::new(),
                worker: false,
                performed: 0,
            }),
            changed: Condvar::new(),
        }
    }

    /// Called *before* changing files in `rules_dir`: leaves a marker there that stays until
    /// a reload covers the change, so that a later run can retry if this process dies first.
    pub fn expect_change(&self, rules_dir: &Path) {
        let mut st = lock(&self.state);
        let marker = rules_dir.join(format!("{MARKER_PREFIX}{}", std::process::id()));
        if !st.markers.contains(&marker) {
            // Best effort: the marker only helps a later run retry a lost reload.
            let _ = std::fs::OpenOptions::new()
                .create(true)
                .truncate(true)
                .write(true)
                .open(&marker);
            st.markers.insert(marker);
        }
    }

    /// Records a change (already on disk) and gets it reloaded.
    pub fn change(self: &Arc<Self>) -> Outcome {
        let mut st = lock(&self.state);
        st.changes += 1;
        let ticket = st.changes;
        let now = Instant::now();
        st.oldest_pending.get_or_insert(now);
        st.newest = Some(now);
        if st.spent < self.policy.wait_budget || st.last.is_err() {
            return Outcome::Reloaded(self.wait_for(st, ticket));
        }
        if !st.worker {
            st.worker = true;
            let me = Arc::clone(self);
            let spawned = std::thread::Builder::new()
                .name("prometheus-reload".into())
                .spawn(move || me.background());
            if spawned.is_err() {
                st.worker = false;
                return Outcome::Reloaded(self.wait_for(st, ticket));
            }
        }
        self.changed.notify_all();
        Outcome::Deferred
    }

    /// Reloads whatever is pending and returns the result of the reload that covered the
    /// last change (`Ok` when there was nothing to reload).
    pub fn flush(&self) -> Result<(), String> {
        let st = lock(&self.state);
        let ticket = st.changes;
        self.wait_for(st, ticket)
    }

    /// How many reloads were performed.
    pub fn performed(&self) -> u64 {
        lock(&self.state).performed
    }

    /// Waits until a reload covers `ticket`, running it if none is running.
    fn wait_for<'a>(&'a self, mut st: MutexGuard<'a, State>, ticket: u64) -> Result<(), String> {
        loop {
            if st.covered >= ticket {
                return st.last.clone();
            }
            if !st.running {
                st = self.run(st);
                continue;
            }
            st = self.changed.wait(st).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Runs one reload covering every change made so far; the lock is released meanwhile.
    fn run<'a>(&'a self, mut st: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        st.running = true;
        let cover = st.changes;
        drop(st);
        let started = Instant::now();
        let result = (self.reload)();
        let took = started.elapsed();
        let mut st = lock(&self.state);
        st.running = false;
        st.covered = cover;
        st.spent += took;
        st.last_duration = took;
        st.last_end = Some(Instant::now());
        st.performed += 1;
        if st.changes > cover {
            // Changes made during the reload are not covered: they count from its start.
            st.oldest_pending = Some(started);
        } else {
            st.oldest_pending = None;
            if result.is_ok() {
                for marker in std::mem::take(&mut st.markers) {
                    let _ = std::fs::remove_file(marker);
                }
            }
        }
        st.last = result;
        self.changed.notify_all();
        st
    }

    /// The background reloader: waits for deferred changes, then for a pause (or the period).
    fn background(&self) {
        let mut st = lock(&self.state);
        loop {
            if st.covered >= st.changes || st.running {
                st = self.changed.wait(st).unwrap_or_else(|e| e.into_inner());
                continue;
            }
            let now = Instant::now();
            let since = |t: Option<Instant>| t.map_or(Duration::MAX, |t| now - t);
            let gap = st.last_duration * self.policy.period_factor;
            let period = self.policy.min_period.max(gap);
            // Time left until writes have paused long enough *and* the last reload is far
            // enough behind; and until the oldest pending change has waited a full period.
            let after_pause = (self.policy.quiet.saturating_sub(since(st.newest)))
                .max(gap.saturating_sub(since(st.last_end)));
            let after_period = period.saturating_sub(since(st.oldest_pending));
            let wait = after_pause.min(after_period);
            if wait.is_zero() {
                st = self.run(st);
                continue;
            }
            st = self
                .changed
                .wait_timeout(st, wait)
                .map(|(g, _)| g)
                .unwrap_or_else(|e| e.into_inner().0);
        }
    }
}

/// A reload function.
pub type Dyn = Box<dyn Fn() -> Result<(), String> + Send + Sync>;

fn registry() -> &'static Mutex<HashMap<String, Arc<Reloader<Dyn>>>> {
    static RELOADERS: OnceLock<Mutex<HashMap<String, Arc<Reloader<Dyn>>>>> = OnceLock::new();
    RELOADERS.get_or_init(Default::default)
}

/// The reloader of the Prometheus at `base_url` (one per URL and process), following
/// [`Policy::from_env`]: call [`Reloader::expect_change`] before changing files and
/// [`Reloader::change`] after.
pub fn reloader(base_url: &str) -> Arc<Reloader<Dyn>> {
    lock(registry())
        .entry(base_url.to_string())
        .or_insert_with(|| {
            let url = base_url.to_string();
            Arc::new(Reloader::new(
                Box::new(move || reload(&url)) as Dyn,
                Policy::from_env(),
            ))
        })
        .clone()
}

/// Reloads every Prometheus with pending changes; called when the provider is about to exit.
/// Returns the failures (URL and message).
pub fn flush_all() -> Vec<(String, String)> {
    let reloaders: Vec<_> = lock(registry())
        .iter()
        .map(|(u, r)| (u.clone(), r.clone()))
        .collect();
    reloaders
        .into_iter()
        .filter_map(|(url, r)| r.flush().err().map(|e| (url, e)))
        .collect()
}

/// Marker files in `rules_dir` left by provider processes that are no longer running: their
/// changes may never have been reloaded.
pub fn orphaned_markers(rules_dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(rules_dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name();
            let pid = name.to_str()?.strip_prefix(MARKER_PREFIX)?.to_string();
            let alive = pid
                .parse::<u32>()
                .is_ok_and(|p| p == std::process::id() || Path::new("/proc").join(&pid).exists());
            (!alive).then(|| e.path())
        })
        .collect()
}

/// If an earlier provider process exited before its changes were reloaded, reloads now.
/// Returns `Err` with the reason when Prometheus still does not take them (the markers stay,
/// so the next run tries again); without a Prometheus to reload the markers are dropped.
pub fn retry_pending(rules_dir: &Path, base_url: Option<&str>) -> Result<(), String> {
    let markers = orphaned_markers(rules_dir);
    if markers.is_empty() {
        return Ok(());
    }
    if let Some(url) = base_url {
        reload(url)?;
    }
    for m in markers {
        let _ = std::fs::remove_file(m);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    fn counting(
        policy: Policy,
        pause: Duration,
        result: Result<(), String>,
    ) -> (Arc<AtomicU64>, Arc<Reloader<Dyn>>) {
        let calls = Arc::new(AtomicU64::new(0));
        let c = calls.clone();
        let reload: Dyn = Box::new(move || {
            c.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(pause);
            result.clone()
        });
        (calls, Arc::new(Reloader::new(reload, policy)))
    }

    fn deferring(quiet: Duration) -> Policy {
        Policy {
            wait_budget: Duration::ZERO,
            quiet,
            min_period: Duration::from_secs(60),
            period_factor: 10,
        }
    }

    /// A Prometheus URL nothing answers: a loopback port nobody listens on.
    fn unreachable() -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    }

    /// Polls `cond` for up to 5 s.
    fn eventually(cond: impl Fn() -> bool) -> bool {
        for _ in 0..500 {
            if cond() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }

    #[test]
    fn within_the_budget_concurrent_changes_wait_and_share_reloads() {
        let (calls, r) = counting(Policy::default(), Duration::from_millis(20), Ok(()));
        let threads: Vec<_> = (0..40)
            .map(|_| {
                let r = r.clone();
                std::thread::spawn(move || r.change())
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap(), Outcome::Reloaded(Ok(())));
        }
        let n = calls.load(Ordering::SeqCst);
        assert!(
            (1..40).contains(&n),
            "40 concurrent changes took {n} reloads"
        );
        assert_eq!(r.performed(), n);
        // A change made after everything finished gets a fresh reload.
        assert_eq!(r.change(), Outcome::Reloaded(Ok(())));
        assert_eq!(calls.load(Ordering::SeqCst), n + 1);
    }

    #[test]
    fn errors_reach_every_change_they_cover() {
        let (_, r) = counting(Policy::default(), Duration::ZERO, Err("HTTP 500".into()));
        assert_eq!(r.change(), Outcome::Reloaded(Err("HTTP 500".into())));
        assert_eq!(r.change(), Outcome::Reloaded(Err("HTTP 500".into())));
    }

    #[test]
    fn past_the_budget_a_burst_of_changes_costs_one_reload_after_the_pause() {
        let (calls, r) = counting(
            deferring(Duration::from_millis(100)),
            Duration::ZERO,
            Ok(()),
        );
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let r = r.clone();
                std::thread::spawn(move || (0..250).map(|_| r.change()).collect::<Vec<_>>())
            })
            .collect();
        for t in threads {
            assert!(t.join().unwrap().iter().all(|o| *o == Outcome::Deferred));
        }
        assert!(eventually(|| calls.load(Ordering::SeqCst) == 1));
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(calls.load(Ordering::SeqCst), 1, "1000 changes, one reload");
        assert_eq!(r.flush(), Ok(()));
        assert_eq!(calls.load(Ordering::SeqCst), 1, "nothing left to flush");
    }

    #[test]
    fn a_long_stream_of_changes_is_reloaded_periodically_not_per_change() {
        let policy = Policy {
            wait_budget: Duration::ZERO,
            quiet: Duration::from_secs(60),
            min_period: Duration::from_millis(100),
            period_factor: 10,
        };
        let (calls, r) = counting(policy, Duration::ZERO, Ok(()));
        for _ in 0..100 {
            assert_eq!(r.change(), Outcome::Deferred);
            std::thread::sleep(Duration::from_millis(5));
        }
        let n = calls.load(Ordering::SeqCst);
        assert!(
            (1..=10).contains(&n),
            "{n} reloads for 100 changes over ~0.5 s"
        );
    }

    #[test]
    fn frequent_pauses_do_not_make_reloads_take_more_than_their_share() {
        // Each reload takes 30 ms, so background reloads are at least 300 ms apart even
        // though writes pause for longer than `quiet` between every change.
        let policy = Policy {
            wait_budget: Duration::ZERO,
            quiet: Duration::from_millis(5),
            min_period: Duration::from_secs(60),
            period_factor: 10,
        };
        let (calls, r) = counting(policy, Duration::from_millis(30), Ok(()));
        let start = Instant::now();
        while start.elapsed() < Duration::from_millis(1200) {
            assert_eq!(r.change(), Outcome::Deferred);
            std::thread::sleep(Duration::from_millis(20));
        }
        let n = calls.load(Ordering::SeqCst);
        // Reloading after every pause would be ~24 reloads; spaced, at most ~1.2 s / 330 ms.
        assert!((1..=5).contains(&n), "{n} reloads in 1.2 s of changes");
        assert_eq!(r.flush(), Ok(()));
    }

    #[test]
    fn flush_reloads_pending_changes_at_once() {
        let (calls, r) = counting(deferring(Duration::from_secs(60)), Duration::ZERO, Ok(()));
        assert_eq!(r.flush(), Ok(()));
        assert_eq!(
            calls.load(Ordering::SeqCst),
            0,
            "nothing pending, no reload"
        );
        assert_eq!(r.change(), Outcome::Deferred);
        assert_eq!(r.change(), Outcome::Deferred);
        assert_eq!(r.flush(), Ok(()));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn after_a_failed_reload_changes_wait_again_and_see_the_error() {
        let (_, r) = counting(
            deferring(Duration::from_secs(60)),
            Duration::ZERO,
            Err("could not reach Prometheus".into()),
        );
        assert_eq!(r.change(), Outcome::Deferred);
        assert_eq!(r.flush(), Err("could not reach Prometheus".into()));
        assert_eq!(
            r.change(),
            Outcome::Reloaded(Err("could not reach Prometheus".into()))
        );
    }

    #[test]
    fn markers_stay_until_a_successful_reload_covers_the_changes() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir
            .path()
            .join(format!("{MARKER_PREFIX}{}", std::process::id()));
        let failing = Arc::new(AtomicU64::new(1));
        let f = failing.clone();
        let reload: Dyn = Box::new(move || match f.load(Ordering::SeqCst) {
            0 => Ok(()),
            _ => Err("HTTP 500".to_string()),
        });
        let r = Arc::new(Reloader::new(reload, deferring(Duration::from_secs(60))));
        r.expect_change(dir.path());
        assert!(marker.exists());
        assert_eq!(r.change(), Outcome::Deferred);
        assert!(r.flush().is_err());
        assert!(marker.exists(), "a failed reload keeps the marker");
        // Our own marker is not an orphan while we run.
        assert!(orphaned_markers(dir.path()).is_empty());
        failing.store(0, Ordering::SeqCst);
        r.expect_change(dir.path());
        assert_eq!(r.change(), Outcome::Reloaded(Ok(())));
        assert!(!marker.exists(), "covered changes drop the marker");
    }

    #[test]
    fn markers_of_dead_processes_are_retried_by_the_next_run() {
        let dir = tempfile::tempdir().unwrap();
        // PIDs above the kernel's maximum (4194304) never run.
        let dead = dir.path().join(format!("{MARKER_PREFIX}4294967295"));
        std::fs::write(&dead, "").unwrap();
        let alive = dir.path().join(format!("{MARKER_PREFIX}1"));
        std::fs::write(&alive, "").unwrap();
        assert_eq!(orphaned_markers(dir.path()), vec![dead.clone()]);
        // An unreachable Prometheus: the marker stays for the next run.
        let err = retry_pending(dir.path(), Some(&unreachable())).unwrap_err();
        assert!(err.contains("could not reach Prometheus"), "{err}");
        assert!(dead.exists());
        // Without a Prometheus to reload there is nothing to retry.
        assert_eq!(retry_pending(dir.path(), None), Ok(()));
        assert!(!dead.exists());
        assert!(alive.exists(), "a live process' marker is its own business");
    }

    #[test]
    fn unreachable_prometheus_is_a_clear_error() {
        let err = reload(&unreachable()).unwrap_err();
        assert!(err.contains("could not reach Prometheus"), "{err}");
        assert!(err.contains("prometheus_url"), "{err}");
    }
}
