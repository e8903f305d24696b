//! Every dashboard snapshot (`src/rules/snapshots/dashboard/*.snap`) read by an independent
//! consumer of Grafana's dashboard schema: `grafana-foundation-sdk` (PyPI, Grafana's types
//! generated from its schemas), through `grafana_schema.py`, which fails when the SDK's typed
//! decoding drops or changes any key or value we write.
//!
//! Needs the SDK in `.local/grafana-venv` (`scripts/setup.sh --with-prometheus` installs it;
//! `GRAFANA_SDK_PYTHON` overrides the interpreter); the test fails without it.

use std::path::{Path, PathBuf};
use std::process::Command;

mod support;
use support::snapshot_files;

/// How many dashboard snapshots there are (a lost one cannot make the check pass on fewer).
const EXPECTED: usize = 10;

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("GRAFANA_SDK_PYTHON") {
        return PathBuf::from(p);
    }
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.local/grafana-venv/bin/python");
    assert!(
        p.exists(),
        "{} is missing: run scripts/setup.sh --with-prometheus (it installs \
         grafana-foundation-sdk there)",
        p.display()
    );
    p
}

fn check(files: &[PathBuf]) -> (bool, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/grafana_schema.py");
    let out = Command::new(python())
        .arg(script)
        .args(files)
        .output()
        .expect("run grafana_schema.py");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn grafana_sdk_reads_every_dashboard_without_loss() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules/snapshots/dashboard");
    let files: Vec<PathBuf> = snapshot_files(&root, "dashboard_", dir.path())
        .into_iter()
        .map(|(_, f)| f)
        .collect();
    assert_eq!(files.len(), EXPECTED, "{files:?}");
    let (ok, text) = check(&files);
    assert!(
        ok,
        "grafana-foundation-sdk does not keep our dashboards:\n{text}"
    );
}

#[test]
fn the_check_fails_on_what_grafana_does_not_know() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("bad.json");
    std::fs::write(
        &file,
        r#"{"uid": "x", "title": "x", "schemaVersion": 41, "panels": [{"type": "stat",
            "id": 1, "options": {"colourMode": "value"}, "gridPos": {"h": 1, "w": 1, "x": 0, "y": 0}}]}"#,
    )
    .unwrap();
    let (ok, text) = check(&[file]);
    assert!(!ok, "a misspelt stat option must be refused: {text}");
    assert!(text.contains("colourMode"), "{text}");
}
