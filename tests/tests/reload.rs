//! How the provider reloads Prometheus, through the real Terraform CLI.
//!
//! Within a 2 s reload budget a write waits for its reload (so a small apply reports a
//! Prometheus that is down — see robustness.rs); past it, writes defer to one reload after
//! writes pause and to a final one when Terraform closes the provider. These tests set the
//! budget to 0 (`RELIABILITY_RELOAD_WAIT_BUDGET_MS`) to exercise the deferred path with a
//! handful of resources. Timing bounds here are generous (real time on a busy machine); the
//! policy itself is unit-tested deterministically on a manual clock
//! (provider/src/backend/reload.rs).

use std::path::Path;
use std::sync::atomic::Ordering;

use reliability_e2e::prometheus::{fake_prometheus, unreachable_url, Prometheus};
use reliability_e2e::Terraform;

const DEFER: &[(&str, &str)] = &[("RELIABILITY_RELOAD_WAIT_BUDGET_MS", "0")];
const APPLY: &[&str] = &["apply", "-no-color", "-input=false", "-auto-approve"];
const PLAN: &[&str] = &["plan", "-no-color", "-input=false", "-detailed-exitcode"];
const DESTROY: &[&str] = &["destroy", "-no-color", "-input=false", "-auto-approve"];

fn alerts(count: usize, url: &str) -> String {
    format!(
        r#"
provider "reliability" {{
  rules_dir      = "rules"
  prometheus_url = "{url}"
}}

resource "reliability_alert" "a" {{
  count    = {count}
  name     = "Deferred${{count.index}}"
  expr     = "node_load1{{instance=\"host${{count.index}}\"}} > 4"
  for      = "5m"
  severity = "ticket"
}}
"#
    )
}

fn markers(rules: &Path) -> Vec<String> {
    std::fs::read_dir(rules)
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| e.file_name().to_str().map(str::to_string))
                .filter(|n| n.starts_with(".reliability-reload-pending-"))
                .collect()
        })
        .unwrap_or_default()
}

fn reload_count(prom: &Prometheus) -> usize {
    prom.log_text()
        .matches("Completed loading of configuration file")
        .count()
}

#[test]
fn deferred_reloads_are_loaded_when_apply_and_destroy_return() {
    let tf = Terraform::new();
    let rules = tf.path().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    let prom = Prometheus::start(&rules);
    tf.config(&alerts(30, &prom.url));
    tf.init();

    let before = reload_count(&prom);
    let out = tf.run_with_env(APPLY, DEFER).success();
    assert!(out.stdout.contains("30 added"), "{out}");
    // No waiting anywhere: yet every group is loaded the moment apply returns, because the
    // provider reloads once writes pause and again before it exits.
    let groups = prom.group_names();
    assert_eq!(groups.len(), 30, "{groups:?}");
    // Real time, so generous: batching is what is checked here (fewer reloads than writes);
    // the exact policy is unit-tested on a manual clock in provider/src/backend/reload.rs.
    let reloads = reload_count(&prom) - before;
    eprintln!("30 deferred writes took {reloads} reloads");
    assert!(
        (1..30).contains(&reloads),
        "30 writes took {reloads} reloads"
    );
    assert!(
        markers(&rules).is_empty(),
        "covered changes leave no marker"
    );

    let out = tf.run_with_env(PLAN, DEFER);
    assert_eq!(out.code, 0, "{out}");
    assert!(!out.all().contains("Warning"), "{out}");

    let out = tf.run_with_env(DESTROY, DEFER).success();
    assert!(out.stdout.contains("30 destroyed"), "{out}");
    assert!(prom.group_names().is_empty(), "rules dropped on destroy");
    assert!(markers(&rules).is_empty());
}

#[test]
fn a_reload_lost_at_exit_is_retried_and_reported_by_the_next_run() {
    let tf = Terraform::new();
    let rules = tf.path().join("rules");
    let down = unreachable_url();
    tf.config(&alerts(1, &down));
    tf.init();

    // Deferred, the failed reload at exit cannot reach this run's output: the file is written
    // and a marker records that Prometheus has not loaded it.
    let out = tf.run_with_env(APPLY, DEFER).success();
    assert!(out.stdout.contains("1 added"), "{out}");
    assert!(rules.join("alert_Deferred0.yml").exists());
    assert_eq!(markers(&rules).len(), 1, "{:?}", markers(&rules));

    // The next run retries, and says so while Prometheus stays down.
    let out = tf.run(PLAN);
    assert_eq!(out.code, 0, "no resource change: {out}");
    let all = out.flat();
    assert!(
        all.contains("Prometheus has not loaded the latest rule files"),
        "{out}"
    );
    assert!(
        all.contains(down.trim_start_matches("http://")),
        "names the URL: {out}"
    );
    assert_eq!(markers(&rules).len(), 1, "kept for the next run");

    // Prometheus back (here: at another URL): the next run reloads it and drops the marker.
    let (up, reloads) = fake_prometheus("200 OK", "", 100);
    tf.config(&alerts(1, &up));
    let out = tf.run(PLAN);
    assert_eq!(out.code, 0, "{out}");
    assert!(!out.all().contains("has not loaded"), "{out}");
    assert_eq!(reloads.load(Ordering::SeqCst), 1);
    assert!(markers(&rules).is_empty());
}

/// The first apply before Prometheus starts (it needs the rule files first): with
/// `prometheus_url` set, the create succeeds with a warning, nothing is tainted, and once
/// Prometheus runs the next run reloads it and plans nothing. `rules_dir` written as
/// `${path.module}/rules` gives a clean `rule_file` path (no `/./`).
#[test]
fn first_apply_before_prometheus_starts_never_taints() {
    let tf = Terraform::new();
    let down = unreachable_url();
    tf.config(&alerts(1, &down).replace(
        "rules_dir      = \"rules\"",
        "rules_dir      = \"${path.module}/rules\"",
    ));
    tf.init();
    let out = tf.run(APPLY);
    assert_eq!(
        out.code, 0,
        "a first apply before Prometheus starts succeeds: {out}"
    );
    assert!(out.flat().contains("Prometheus not reloaded yet"), "{out}");
    let state = tf.state_json();
    let resources = state["values"]["root_module"]["resources"]
        .as_array()
        .unwrap();
    assert!(
        resources.iter().all(|r| r["tainted"] != true),
        "nothing tainted: {state}"
    );
    let rule_file = resources[0]["values"]["rule_file"].as_str().unwrap();
    assert!(!rule_file.contains("/./"), "{rule_file}");
    assert!(
        rule_file.ends_with("/rules/alert_Deferred0.yml"),
        "{rule_file}"
    );

    let rules = tf.path().join("rules");
    let prom = Prometheus::start(&rules);
    tf.config(&alerts(1, &prom.url).replace(
        "rules_dir      = \"rules\"",
        "rules_dir      = \"${path.module}/rules\"",
    ));
    let out = tf.run(PLAN);
    assert_eq!(out.code, 0, "no change, no replacement: {out}");
    assert!(
        prom.group_names().iter().any(|g| g.contains("Deferred0")),
        "the pending reload was made: {:?}",
        prom.group_names()
    );
}
