//! An upgrade from 0.1.0's state (`tests/fixtures/upgrade-0.1.0`: what 0.1.0's apply left,
//! state and rule files) through the real Terraform CLI: the current provider reads that
//! state without error (the rule text 0.1.0 kept in the state leaves it), plans the two
//! SLOs' new rules (exact budgets) as in-place updates and nothing else (no replacement, no
//! id change), applies them, re-plans empty, and imports an SLO by its unchanged id.

use reliability_e2e::{workspace_root, Terraform};

const RECORDED_DIR: &str = "/tmp/upgrade-fixture/work";

#[test]
fn state_and_rule_files_of_0_1_0_upgrade_in_place() {
    let fixture = workspace_root().join("tests/fixtures/upgrade-0.1.0");
    let read = |p: &str| std::fs::read_to_string(fixture.join(p)).expect(p);
    let tf = Terraform::new();
    let here = tf.path().to_string_lossy().into_owned();
    tf.write("main.tf", &read("main.tf"));
    tf.write(
        "terraform.tfstate",
        &read("state-0.1.0.json").replace(RECORDED_DIR, &here),
    );
    for entry in std::fs::read_dir(fixture.join("rules")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        tf.write(
            &format!("rules/{name}"),
            &std::fs::read_to_string(&path).unwrap(),
        );
    }
    tf.init();

    let out = tf.plan();
    assert_eq!(out.code, 2, "the SLOs' rules change: {out}");
    assert!(
        out.stdout
            .contains("Plan: 0 to add, 2 to change, 0 to destroy"),
        "only the two SLOs, in place: {out}"
    );
    assert!(
        out.stdout
            .contains("reliability_slo.checkout will be updated in-place"),
        "{out}"
    );
    // The stored files are what 0.1.0 wrote (no drift): the state keeps their text out and
    // the plan shows the new documents' hash.
    assert!(out.stdout.contains("content_sha256"), "{out}");
    assert!(!out.stdout.contains("must be replaced"), "{out}");

    tf.apply().success();
    assert_eq!(tf.plan().code, 0, "re-plan after the upgrade is empty");
    let rules =
        std::fs::read_to_string(tf.path().join("rules/slo_checkout@availability.yml")).unwrap();
    assert!(rules.contains("slo:sli_all_events:rate5m"), "{rules}");
    let v = tf.resource_values("reliability_slo.checkout").unwrap();
    assert_eq!(v["id"], "checkout-availability");
    assert_eq!(v["window"], "30d");

    tf.run(&["state", "rm", "reliability_slo.checkout"])
        .success();
    tf.run(&[
        "import",
        "-no-color",
        "-input=false",
        "reliability_slo.checkout",
        "checkout-availability",
    ])
    .success();
    assert_eq!(tf.plan().code, 0, "plan after import is empty");
}
