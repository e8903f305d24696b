//! `promtool check rules` over every rule snapshot: `rules_*.snap` under
//! `src/rules/snapshots/<topic>/` (the naming scheme of `src/rules/snapshot.rs`), so every
//! generated rule file the unit tests pin is also one Prometheus' own loader accepts.
//!
//! Needs `promtool` (`PROMTOOL`, else on PATH; Debian/Ubuntu: `apt-get install prometheus`,
//! as scripts/setup.sh does); the test fails without it.

use std::path::Path;

mod support;
use support::run_promtool;

/// Topics with rule snapshots, and how many each has (so that a renamed or lost snapshot
/// directory cannot make the check pass on fewer files).
const TOPICS: [(&str, usize); 3] = [("slo", 6), ("alert", 4), ("backup", 2)];

#[test]
fn promtool_checks_every_rule_snapshot() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules/snapshots");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut files = Vec::new();
    for (topic, expected) in TOPICS {
        let mut found = 0;
        let entries = std::fs::read_dir(root.join(topic)).expect("snapshot dir");
        for entry in entries {
            let path = entry.expect("dir entry").path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let Some(stem) = name.strip_suffix(".snap") else {
                continue;
            };
            if !stem.starts_with(&format!("rules_{topic}_")) {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("read snapshot");
            // insta header: "---\n<metadata>\n---\n<content>"
            let body = text
                .strip_prefix("---\n")
                .and_then(|t| t.split_once("\n---\n"))
                .map(|(_, body)| body)
                .unwrap_or_else(|| panic!("{name}: not an insta snapshot"));
            let file = format!("{stem}.yml");
            std::fs::write(dir.path().join(&file), body).expect("write");
            files.push(file);
            found += 1;
        }
        assert_eq!(found, expected, "rule snapshots of {topic}");
    }
    let mut args = vec!["check".to_string(), "rules".to_string()];
    args.extend(files.iter().cloned());
    let out = run_promtool(&args, dir.path());
    assert_eq!(out.matches("SUCCESS").count(), files.len(), "{out}");
}
