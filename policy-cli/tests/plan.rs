//! `relcheck::plan::check` on hand-written plan documents: what the reader refuses and why.
//! (The plans Terraform writes are tested end to end in tests/tests/plan.rs.)

use std::path::PathBuf;

use relcheck::rules::Thresholds;

fn check(plan: &str) -> Result<relcheck::Report, String> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        "resource \"aws_db_instance\" \"a\" {\n  multi_az = false\n}\n",
    )
    .unwrap();
    let path = dir.path().join("plan.json");
    std::fs::write(&path, plan).unwrap();
    relcheck::plan::check(&path, &[PathBuf::from(dir.path())], Thresholds::default())
}

fn error(plan: &str) -> String {
    match check(plan) {
        Ok(_) => panic!("accepted: {plan}"),
        Err(e) => e,
    }
}

#[test]
fn refuses_what_is_not_a_plan_saying_what_it_is() {
    let e = error(r#"{"format_version": "1.0", "values": {"root_module": {}}}"#);
    assert!(
        e.contains("plan.json") && e.contains("this is a state"),
        "{e}"
    );
    let e = error(r#"{"planned_values": {}}"#);
    assert!(e.contains("no `format_version`"), "{e}");
    let e = error(r#"{"format_version": 1, "planned_values": {}}"#);
    assert!(e.contains("`format_version` must be a string"), "{e}");
    let e = error("PK\u{3}\u{4}rest of a zip");
    assert!(e.contains("binary plan file"), "{e}");
    let e = error(
        r#"{"format_version": "1.2", "planned_values": {"root_module": {"resources": [{"address": "x"}]}}}"#,
    );
    assert!(
        e.contains("`planned_values.root_module.resources[0]` has no string `mode`"),
        "{e}"
    );
    let e = error(r#"{"format_version": "1.2", "planned_values": {}, "resource_changes": {}}"#);
    assert!(
        e.contains("not a JSON plan: invalid type: map, expected a sequence"),
        "{e}"
    );
    let e = error(r#"{"format_version": "1.2", "planned_values": {}, "resource_changes": [{}]}"#);
    assert!(
        e.contains("`resource_changes[0]` has no string `address`"),
        "{e}"
    );
}

#[test]
fn a_resource_without_configuration_or_source_points_at_the_plan() {
    let plan = r#"{"format_version": "1.2", "planned_values": {"root_module": {
        "child_modules": [{"address": "module.gone", "resources": [
            {"address": "module.gone.aws_db_instance.b", "mode": "managed",
             "type": "aws_db_instance", "name": "b",
             "values": {"multi_az": false, "instance_class": "db.t3.micro"}}]}]}}}"#;
    let report = check(plan).expect("a plan");
    assert_eq!(report.findings.len(), 1);
    let f = &report.findings[0];
    assert_eq!(f.resource, "module.gone.aws_db_instance.b");
    assert_eq!(Some(f.file), report.plan_file);
    assert!(f.message.starts_with("multi_az is false"), "{}", f.message);
}
