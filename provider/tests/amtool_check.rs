//! `amtool check-config` over every Alertmanager configuration snapshot
//! (`src/rules/snapshots/notification/alertmanager_*.snap`), and `amtool config routes
//! test` over the fullest one: Alertmanager's own loader accepts what the generator writes,
//! and routes alerts the way the policy says.
//!
//! Needs `amtool` (`AMTOOL`, else on PATH; Debian/Ubuntu: `apt-get install
//! prometheus-alertmanager`, as scripts/setup.sh --with-prometheus does); the test fails
//! without it.

use std::path::{Path, PathBuf};

use reliability_e2e::alertmanager::{amtool, check_config, routed_to};

mod support;
use support::snapshot_files;

/// How many snapshots there are (a lost snapshot cannot make the check pass on fewer).
const EXPECTED: usize = 3;

fn snapshots(dir: &Path) -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules/snapshots/notification");
    snapshot_files(&root, "alertmanager_", dir)
}

#[test]
fn amtool_accepts_every_snapshot() {
    let dir = tempfile::tempdir().expect("temp dir");
    let files = snapshots(dir.path());
    assert_eq!(files.len(), EXPECTED, "{files:?}");
    for (_, file) in &files {
        check_config(file);
    }
}

#[test]
fn amtool_rejects_a_broken_configuration() {
    // The check can fail: a receiver that does not exist is refused.
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("bad.yml");
    std::fs::write(
        &file,
        "route:\n  receiver: nobody\nreceivers:\n  - name: chat\n",
    )
    .unwrap();
    let (ok, out) = amtool(&["check-config", &file.to_string_lossy()]);
    assert!(!ok, "{out}");
}

#[test]
fn routes_follow_severity_teams_and_windows() {
    let dir = tempfile::tempdir().expect("temp dir");
    let files = snapshots(dir.path());
    let full = &files
        .iter()
        .find(|(s, _)| s == "alertmanager_notification_full")
        .expect("full snapshot")
        .1;
    let to = |labels: &[&str]| routed_to(full, labels);
    assert_eq!(
        to(&["severity=page", "sloth_id=checkout-availability"]),
        ["pager"]
    );
    assert_eq!(
        to(&["severity=ticket", "sloth_id=checkout-availability"]),
        ["chat"]
    );
    assert_eq!(to(&["alertname=Other"]), ["chat"]);
    // The payments team's pages go to its own receiver; its tickets to the default.
    assert_eq!(to(&["severity=page", "team=payments"]), ["payments-pager"]);
    assert_eq!(to(&["severity=ticket", "team=payments"]), ["chat"]);
    // Alerts in a scoped window's matchers are still routed to the same receivers.
    assert_eq!(
        to(&["severity=page", r#"service="db \"primary\"""#]),
        ["pager"]
    );
}
