//! Asking a running Prometheus to reload its rule files (`POST /-/reload`).

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// How long one reload may take before it is reported as failed.
pub const RELOAD_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a `POST /-/reload` did not succeed.
#[derive(Debug)]
pub enum ReloadFailure {
    /// The server answered with a status other than 2xx (and this body).
    Refused { status: u16, body: String },
    /// The server could not be reached (or did not answer in [`RELOAD_TIMEOUT`]).
    Unreachable(String),
}

/// POSTs `<base_url>/-/reload` (Prometheus, vmalert and Alertmanager all answer it); on
/// failure, the URL and what went wrong, for the caller's message.
pub fn post_reload(base_url: &str) -> Result<(), (String, ReloadFailure)> {
    let url = format!("{}/-/reload", base_url.trim_end_matches('/'));
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(RELOAD_TIMEOUT))
        .http_status_as_error(false)
        .build()
        .into();
    match agent.post(&url).send_empty() {
        Ok(resp) if resp.status().is_success() => Ok(()),
        Ok(mut resp) => {
            let status = resp.status().as_u16();
            let body = resp.body_mut().read_to_string().unwrap_or_default();
            let body = body.trim().to_string();
            Err((url, ReloadFailure::Refused { status, body }))
        }
        Err(e) => Err((url, ReloadFailure::Unreachable(e.to_string()))),
    }
}

/// How every "the server is not up" reload error starts (Prometheus' and Alertmanager's).
pub const UNREACHABLE: &str = "could not reach ";

/// Whether a reload error says the server could not be reached (rather than that it
/// refused the new files): the files are written, and the reload is retried later.
pub fn is_unreachable(message: &str) -> bool {
    message.starts_with(UNREACHABLE)
}

/// Reloads Prometheus. The error names the URL and quotes Prometheus' answer.
pub fn reload(base_url: &str) -> Result<(), String> {
    post_reload(base_url).map_err(|(url, failure)| match failure {
        ReloadFailure::Refused { status, body } => {
            let hint = if status == 403 || status == 405 {
                "start Prometheus with --web.enable-lifecycle so that it accepts reloads"
            } else {
                "Prometheus kept its previous rules; its log says which rule file it rejected"
            };
            format!("Prometheus at {url} refused the reload with HTTP {status}: {body}; {hint}")
        }
        ReloadFailure::Unreachable(e) => format!(
            "{UNREACHABLE}Prometheus at {url}: {e}; check that it runs and that the \
             provider's prometheus_url is right, or remove prometheus_url to only write files"
        ),
    })
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

/// Time as a [`Reloader`] sees it: the real clock, or one a test drives.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Instant;
    /// Waits on `cv` until notified or until `timeout` has passed on this clock (spurious
    /// wake-ups allowed: callers re-check the time).
    fn wait_timeout<'a, T>(
        &self,
        cv: &Condvar,
        guard: MutexGuard<'a, T>,
        timeout: Duration,
    ) -> MutexGuard<'a, T>;
}

/// The system's monotonic clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct RealClock;

impl Clock for RealClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn wait_timeout<'a, T>(
        &self,
        cv: &Condvar,
        guard: MutexGuard<'a, T>,
        timeout: Duration,
    ) -> MutexGuard<'a, T> {
        cv.wait_timeout(guard, timeout)
            .map(|(g, _)| g)
            .unwrap_or_else(|e| e.into_inner().0)
    }
}

/// Reloads one Prometheus for the changes this process makes, following [`Policy`].
pub struct Reloader<F, C: Clock = RealClock> {
    reload: F,
    policy: Policy,
    clock: C,
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

impl State {
    fn new() -> State {
        State {
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
        }
    }

    /// Whether a change made now waits for its reload (within the budget, or after a
    /// failure) rather than deferring it.
    fn waits(&self, policy: &Policy) -> bool {
        self.spent < policy.wait_budget || self.last.is_err()
    }

    /// How long the background reloader waits, at `now`, before reloading the pending
    /// changes ([`Duration::ZERO`]: reload now); `None` when nothing is pending or a reload
    /// runs. This is the whole deferred policy, as a function of the state and the time.
    fn background_wait(&self, policy: &Policy, now: Instant) -> Option<Duration> {
        if self.covered >= self.changes || self.running {
            return None;
        }
        let since =
            |t: Option<Instant>| t.map_or(Duration::MAX, |t| now.saturating_duration_since(t));
        let gap = self.last_duration * policy.period_factor;
        let period = policy.min_period.max(gap);
        // Time left until writes have paused long enough *and* the last reload is far
        // enough behind; and until the oldest pending change has waited a full period.
        let after_pause = (policy.quiet.saturating_sub(since(self.newest)))
            .max(gap.saturating_sub(since(self.last_end)));
        let after_period = period.saturating_sub(since(self.oldest_pending));
        Some(after_pause.min(after_period))
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl<F: Fn() -> Result<(), String> + Send + Sync + 'static> Reloader<F> {
    pub fn new(reload: F, policy: Policy) -> Self {
        Reloader::with_clock(reload, policy, RealClock)
    }
}

impl<F: Fn() -> Result<(), String> + Send + Sync + 'static, C: Clock> Reloader<F, C> {
    /// A reloader on `clock` (tests drive time with a manual clock).
    pub fn with_clock(reload: F, policy: Policy, clock: C) -> Self {
        Reloader {
            reload,
            policy,
            clock,
            state: Mutex::new(State::new()),
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
        let now = self.clock.now();
        st.oldest_pending.get_or_insert(now);
        st.newest = Some(now);
        if st.waits(&self.policy) {
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

    /// How many changes were recorded.
    #[cfg(test)]
    fn changes(&self) -> u64 {
        lock(&self.state).changes
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
        let started = self.clock.now();
        let result = (self.reload)();
        let ended = self.clock.now();
        let took = ended.saturating_duration_since(started);
        let mut st = lock(&self.state);
        st.running = false;
        st.covered = cover;
        st.spent += took;
        st.last_duration = took;
        st.last_end = Some(ended);
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

    /// The background reloader: waits for deferred changes, then for a pause (or the period),
    /// as [`State::background_wait`] says.
    fn background(&self) {
        let mut st = lock(&self.state);
        loop {
            match st.background_wait(&self.policy, self.clock.now()) {
                None => st = self.changed.wait(st).unwrap_or_else(|e| e.into_inner()),
                Some(wait) if wait.is_zero() => st = self.run(st),
                Some(wait) => st = self.clock.wait_timeout(&self.changed, st, wait),
            }
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
#[path = "reload_tests.rs"]
mod tests;
