//! Unit tests of the reload policy, on a manual clock (see [`super::Clock`]).

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
