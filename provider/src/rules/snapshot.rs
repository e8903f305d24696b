//! Snapshot tests of generated files, one naming scheme for all (test builds only).
//!
//! A snapshot lives in `snapshots/<topic>/<kind>_<topic>_<case>.snap` — `rules_slo_raw_28d`,
//! `rules_alert_plain`, `rules_backup_full` — or, for other generated files,
//! `snapshots/<topic>/<kind>_<case>.snap` (`plan_document_full`). promtool checks every
//! `rules_*` snapshot (`provider/tests/promtool_check.rs`).
//!
//! New or changed snapshots are accepted with insta's own tools only: `cargo insta review`
//! / `cargo insta accept`, or `INSTA_UPDATE=always cargo test …` and then a review of the
//! `.snap` diff. Never commit `.snap.new` files.

/// Asserts `text` against `snapshots/<topic>/<name>.snap`.
pub fn assert_snapshot(topic: &str, name: &str, text: &str) {
    insta::with_settings!({
        snapshot_path => format!("snapshots/{topic}"),
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, text);
    });
}

/// Asserts the rule file `yaml` against `snapshots/<topic>/rules_<topic>_<case>.snap`.
pub fn assert_rules_snapshot(topic: &str, case: &str, yaml: &str) {
    assert_snapshot(topic, &format!("rules_{topic}_{case}"), yaml);
}
