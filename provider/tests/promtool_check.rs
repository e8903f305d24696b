//! `promtool check rules` over every rule snapshot: `rules_*.snap` under
//! `src/rules/snapshots/<topic>/` (the naming scheme of `src/rules/snapshot.rs`), so every
//! generated rule file the unit tests pin is also one Prometheus' own loader accepts.
//!
//! Needs `promtool` (`PROMTOOL`, else on PATH; Debian/Ubuntu: `apt-get install prometheus`,
//! as scripts/setup.sh does); the test fails without it.

use std::path::Path;

mod support;
use support::{run_promtool, snapshot_files};

/// Topics with rule snapshots, and how many each has (so that a renamed or lost snapshot
/// directory cannot make the check pass on fewer files).
const TOPICS: [(&str, usize); 3] = [("slo", 9), ("alert", 4), ("backup", 2)];

#[test]
fn promtool_checks_every_rule_snapshot() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules/snapshots");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut files = Vec::new();
    for (topic, expected) in TOPICS {
        let found = snapshot_files(&root.join(topic), &format!("rules_{topic}_"), dir.path());
        assert_eq!(found.len(), expected, "rule snapshots of {topic}");
        files.extend(found.into_iter().map(|(stem, _)| format!("{stem}.yml")));
    }
    let mut args = vec!["check".to_string(), "rules".to_string()];
    args.extend(files.iter().cloned());
    let out = run_promtool(&args, dir.path());
    assert_eq!(out.matches("SUCCESS").count(), files.len(), "{out}");
}
