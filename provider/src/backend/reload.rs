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
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// A clock that moves only when the test (or a fake reload) advances it; clones share
    /// the time.
    #[derive(Clone)]
    struct ManualClock {
        start: Instant,
        offset: Arc<Mutex<Duration>>,
    }

    impl ManualClock {
        fn new() -> ManualClock {
            ManualClock {
                start: Instant::now(),
                offset: Arc::new(Mutex::new(Duration::ZERO)),
            }
        }

        fn advance(&self, by: Duration) {
            *lock(&self.offset) += by;
        }
    }

    impl Clock for ManualClock {
        fn now(&self) -> Instant {
            self.start + *lock(&self.offset)
        }

        /// Wakes up every real millisecond so that the caller re-reads the manual time.
        fn wait_timeout<'a, T>(
            &self,
            cv: &Condvar,
            guard: MutexGuard<'a, T>,
            _timeout: Duration,
        ) -> MutexGuard<'a, T> {
            RealClock.wait_timeout(cv, guard, Duration::from_millis(1))
        }
    }

    type Manual = Reloader<Dyn, ManualClock>;

    /// A reloader on a manual clock whose reloads count themselves, take `takes` of manual
    /// time and return `result`.
    fn manual(
        policy: Policy,
        takes: Duration,
        result: Result<(), String>,
    ) -> (Arc<AtomicU64>, ManualClock, Arc<Manual>) {
        let calls = Arc::new(AtomicU64::new(0));
        let clock = ManualClock::new();
        let (c, k) = (calls.clone(), clock.clone());
        let reload: Dyn = Box::new(move || {
            c.fetch_add(1, Ordering::SeqCst);
            k.advance(takes);
            result.clone()
        });
        let r = Arc::new(Reloader::with_clock(reload, policy, clock.clone()));
        (calls, clock, r)
    }

    fn deferring(quiet: Duration) -> Policy {
        Policy {
            wait_budget: Duration::ZERO,
            quiet,
            min_period: Duration::from_secs(60),
            period_factor: 10,
        }
    }

    const MS: Duration = Duration::from_millis(1);

    /// A Prometheus URL nothing answers: a loopback port nobody listens on.
    fn unreachable() -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    }

    /// Polls `cond` for up to 20 s of real time (the background thread may be slow to be
    /// scheduled on a busy machine; the outcome does not depend on how slow).
    fn eventually(cond: impl Fn() -> bool) -> bool {
        for _ in 0..2000 {
            if cond() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }

    /// 1,000 changes from 4 threads at once, all deferred.
    fn burst_of_deferred_changes<C: Clock>(r: &Arc<Reloader<Dyn, C>>) {
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let r = r.clone();
                std::thread::spawn(move || (0..250).map(|_| r.change()).collect::<Vec<_>>())
            })
            .collect();
        for t in threads {
            assert!(t.join().unwrap().iter().all(|o| *o == Outcome::Deferred));
        }
    }

    /// Gives the background thread real time to act on the current manual time, so that a
    /// reload it should not start would show up.
    fn settle() {
        std::thread::sleep(Duration::from_millis(50));
    }

    // ---- the deferred policy, as a pure function of the state and the time ----

    fn pending(t0: Instant) -> State {
        let mut st = State::new();
        st.changes = 10;
        st.oldest_pending = Some(t0);
        st.newest = Some(t0);
        st
    }

    #[test]
    fn nothing_pending_or_a_reload_running_means_no_background_reload() {
        let policy = deferring(100 * MS);
        let t0 = Instant::now();
        let idle = State::new();
        assert_eq!(idle.background_wait(&policy, t0), None);
        let mut covered = pending(t0);
        covered.covered = 10;
        assert_eq!(
            covered.background_wait(&policy, t0 + 3600 * 1000 * MS),
            None
        );
        let mut running = pending(t0);
        running.running = true;
        assert_eq!(
            running.background_wait(&policy, t0 + 3600 * 1000 * MS),
            None
        );
    }

    #[test]
    fn a_background_reload_follows_a_pause_of_quiet() {
        let policy = deferring(100 * MS);
        let t0 = Instant::now();
        let mut st = pending(t0);
        st.newest = Some(t0 + 40 * MS);
        assert_eq!(st.background_wait(&policy, t0 + 40 * MS), Some(100 * MS));
        assert_eq!(st.background_wait(&policy, t0 + 139 * MS), Some(MS));
        assert_eq!(
            st.background_wait(&policy, t0 + 140 * MS),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn without_a_pause_changes_wait_at_most_a_period() {
        let policy = Policy {
            wait_budget: Duration::ZERO,
            quiet: Duration::from_secs(60),
            min_period: 100 * MS,
            period_factor: 10,
        };
        let t0 = Instant::now();
        let mut st = pending(t0);
        for step in 0..20u32 {
            let now = t0 + step * 5 * MS;
            st.newest = Some(now);
            assert_eq!(
                st.background_wait(&policy, now),
                Some(100 * MS - step * 5 * MS)
            );
        }
        st.newest = Some(t0 + 100 * MS);
        assert_eq!(
            st.background_wait(&policy, t0 + 100 * MS),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn reloads_are_spaced_by_period_factor_times_the_last_duration() {
        // The last reload took 30 ms and ended at t0: the next starts no sooner than
        // 300 ms later, however long writes have paused.
        let policy = deferring(5 * MS);
        let t0 = Instant::now();
        let mut st = pending(t0);
        st.last_duration = 30 * MS;
        st.last_end = Some(t0);
        st.newest = Some(t0 + 10 * MS);
        assert_eq!(st.background_wait(&policy, t0 + 20 * MS), Some(280 * MS));
        assert_eq!(st.background_wait(&policy, t0 + 299 * MS), Some(MS));
        assert_eq!(
            st.background_wait(&policy, t0 + 300 * MS),
            Some(Duration::ZERO)
        );
        // The period grows with the gap: 1 s reloads, period 10 s (not min_period's 60 s
        // here, which is larger) ...
        let mut slow = pending(t0);
        slow.last_duration = Duration::from_secs(1);
        slow.last_end = Some(t0);
        let quiet_forever = Policy {
            quiet: Duration::from_secs(3600),
            min_period: Duration::from_secs(1),
            ..policy
        };
        // ... so without a pause the oldest change waits max(1 s, 10 × 1 s) = 10 s.
        slow.newest = Some(t0 + Duration::from_secs(9));
        assert_eq!(
            slow.background_wait(&quiet_forever, t0 + Duration::from_secs(9)),
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            slow.background_wait(&quiet_forever, t0 + Duration::from_secs(10)),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn changes_wait_within_the_budget_and_after_a_failure() {
        let policy = Policy::default();
        let mut st = State::new();
        assert!(st.waits(&policy));
        st.spent = policy.wait_budget;
        assert!(!st.waits(&policy), "past the budget: deferred");
        st.last = Err("HTTP 500".into());
        assert!(st.waits(&policy), "after a failure: waits again");
    }

    // ---- the reloader's threads, on a manual clock ----

    #[test]
    fn within_the_budget_concurrent_changes_wait_and_share_reloads() {
        // The first reload blocks until all 40 changes are recorded: the other 39 share
        // at most one more.
        let gate = Arc::new((Mutex::new(false), Condvar::new()));
        let calls = Arc::new(AtomicU64::new(0));
        let (g, c) = (gate.clone(), calls.clone());
        let reload: Dyn = Box::new(move || {
            c.fetch_add(1, Ordering::SeqCst);
            let mut open = lock(&g.0);
            while !*open {
                open = g.1.wait(open).unwrap_or_else(|e| e.into_inner());
            }
            Ok(())
        });
        let r = Arc::new(Reloader::with_clock(
            reload,
            Policy::default(),
            ManualClock::new(),
        ));
        let threads: Vec<_> = (0..40)
            .map(|_| {
                let r = r.clone();
                std::thread::spawn(move || r.change())
            })
            .collect();
        assert!(eventually(|| r.changes() == 40));
        assert_eq!(calls.load(Ordering::SeqCst), 1, "one reload runs, blocked");
        *lock(&gate.0) = true;
        gate.1.notify_all();
        for t in threads {
            assert_eq!(t.join().unwrap(), Outcome::Reloaded(Ok(())));
        }
        let n = calls.load(Ordering::SeqCst);
        assert!(
            (1..=2).contains(&n),
            "40 concurrent changes took {n} reloads"
        );
        assert_eq!(r.performed(), n);
        // A change made after everything finished gets a fresh reload.
        assert_eq!(r.change(), Outcome::Reloaded(Ok(())));
        assert_eq!(calls.load(Ordering::SeqCst), n + 1);
    }

    #[test]
    fn errors_reach_every_change_they_cover() {
        let (_, _, r) = manual(Policy::default(), Duration::ZERO, Err("HTTP 500".into()));
        assert_eq!(r.change(), Outcome::Reloaded(Err("HTTP 500".into())));
        assert_eq!(r.change(), Outcome::Reloaded(Err("HTTP 500".into())));
    }

    #[test]
    fn past_the_budget_a_burst_of_changes_costs_one_reload_after_the_pause() {
        let (calls, clock, r) = manual(deferring(100 * MS), Duration::ZERO, Ok(()));
        burst_of_deferred_changes(&r);
        settle();
        assert_eq!(calls.load(Ordering::SeqCst), 0, "no pause yet");
        clock.advance(99 * MS);
        settle();
        assert_eq!(
            calls.load(Ordering::SeqCst),
            0,
            "99 ms is not a pause of 100 ms"
        );
        clock.advance(MS);
        assert!(eventually(|| calls.load(Ordering::SeqCst) == 1));
        clock.advance(Duration::from_secs(3600));
        settle();
        assert_eq!(calls.load(Ordering::SeqCst), 1, "1000 changes, one reload");
        assert_eq!(r.flush(), Ok(()));
        assert_eq!(calls.load(Ordering::SeqCst), 1, "nothing left to flush");
    }

    #[test]
    fn a_long_stream_of_changes_is_reloaded_periodically_not_per_change() {
        let policy = Policy {
            wait_budget: Duration::ZERO,
            quiet: Duration::from_secs(60),
            min_period: 100 * MS,
            period_factor: 10,
        };
        let (calls, clock, r) = manual(policy, Duration::ZERO, Ok(()));
        for _ in 0..100 {
            assert_eq!(r.change(), Outcome::Deferred);
            clock.advance(5 * MS);
        }
        // 500 ms of changes without a pause: the oldest waits 100 ms at most, so there is
        // at least one reload and at most one per 100 ms.
        assert!(eventually(|| calls.load(Ordering::SeqCst) >= 1));
        settle();
        let n = calls.load(Ordering::SeqCst);
        assert!(
            (1..=5).contains(&n),
            "{n} reloads for 100 changes over 500 ms"
        );
        assert_eq!(r.flush(), Ok(()));
    }

    #[test]
    fn frequent_pauses_do_not_make_reloads_take_more_than_their_share() {
        // Each reload takes 30 ms, so background reloads start at least 300 ms after the
        // last one ended, though writes pause for longer than `quiet` after every change.
        let (calls, clock, r) = manual(deferring(5 * MS), 30 * MS, Ok(()));
        for _ in 0..60 {
            assert_eq!(r.change(), Outcome::Deferred);
            clock.advance(20 * MS);
            // Let the background thread act on the pause (it may also act later: the count
            // is bounded either way).
            std::thread::sleep(MS);
        }
        assert!(eventually(|| calls.load(Ordering::SeqCst) >= 1));
        settle();
        let n = calls.load(Ordering::SeqCst);
        // Reloading after every pause would be 60 reloads; spaced, starts at 5 ms, ≥ 335,
        // ≥ 665, ≥ 995 ms within the 1.2 s (+ 30 ms per reload) of changes.
        assert!((1..=5).contains(&n), "{n} reloads in 1.2 s of changes");
        assert_eq!(r.flush(), Ok(()));
    }

    #[test]
    fn flush_reloads_pending_changes_at_once() {
        let (calls, _, r) = manual(deferring(Duration::from_secs(60)), Duration::ZERO, Ok(()));
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
        let (_, _, r) = manual(
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

    // ---- real time ----

    #[test]
    fn on_the_real_clock_a_burst_is_batched() {
        // Generous bounds: only a machine that stalls the writing threads for more than
        // `quiet` (100 ms) again and again mid-burst could make more reloads.
        let calls = Arc::new(AtomicU64::new(0));
        let c = calls.clone();
        let reload: Dyn = Box::new(move || {
            c.fetch_add(1, Ordering::SeqCst);
            Ok(())
        });
        let r = Arc::new(Reloader::new(reload, deferring(100 * MS)));
        burst_of_deferred_changes(&r);
        assert!(
            eventually(|| calls.load(Ordering::SeqCst) >= 1),
            "reloaded after the pause"
        );
        assert_eq!(r.flush(), Ok(()));
        let n = calls.load(Ordering::SeqCst);
        assert!((1..=10).contains(&n), "1000 changes took {n} reloads");
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
