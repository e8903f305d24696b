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

/// Backups after the bad day on plan input (issue 25): a known destroy-everything database
/// is reported, the same with `delete_automated_backups` set to a value unknown until apply
/// or to false is not; a vault is judged by the names the plan knows, a lock on it counts.
#[test]
fn backup_rules_on_planned_values() {
    // `None`: unknown until apply (absent from the planned values, as Terraform writes it).
    let db = |name: &str, delete_automated: Option<&str>| {
        let delete_automated = delete_automated
            .map(|v| format!(r#", "delete_automated_backups": {v}"#))
            .unwrap_or_default();
        format!(
            r#"{{"address": "aws_db_instance.{name}", "mode": "managed", "type": "aws_db_instance",
                "name": "{name}", "values": {{"multi_az": true, "skip_final_snapshot": true,
                "deletion_protection": false{delete_automated}}}}}"#
        )
    };
    let plan = format!(
        r#"{{"format_version": "1.2",
        "planned_values": {{"root_module": {{"resources": [
            {}, {}, {},
            {{"address": "aws_backup_vault.main", "mode": "managed", "type": "aws_backup_vault",
              "name": "main", "values": {{"name": "main"}}}},
            {{"address": "aws_backup_vault.locked", "mode": "managed", "type": "aws_backup_vault",
              "name": "locked", "values": {{"name": "locked"}}}},
            {{"address": "aws_backup_vault_lock_configuration.locked", "mode": "managed",
              "type": "aws_backup_vault_lock_configuration", "name": "locked",
              "values": {{"backup_vault_name": "locked", "min_retention_days": 7}}}},
            {{"address": "aws_backup_plan.p", "mode": "managed", "type": "aws_backup_plan",
              "name": "p", "values": {{"name": "p", "rule": [
                {{"rule_name": "main", "target_vault_name": "main", "schedule": "cron(0 3 * * ? *)", "copy_action": []}},
                {{"rule_name": "locked", "target_vault_name": "locked", "schedule": "cron(0 3 * * ? *)", "copy_action": []}}]}}}}]}}}},
        "configuration": {{"root_module": {{"resources": [{{"address": "aws_db_instance.b",
            "mode": "managed", "type": "aws_db_instance", "name": "b", "expressions": {{
            "multi_az": {{"constant_value": true}},
            "skip_final_snapshot": {{"constant_value": true}},
            "deletion_protection": {{"constant_value": false}},
            "delete_automated_backups": {{"references": ["var.keep_backups"]}}}}}}]}}}},
        "resource_changes": [{{"address": "aws_db_instance.b", "mode": "managed",
            "type": "aws_db_instance", "name": "b",
            "change": {{"actions": ["create"], "after_unknown": {{"delete_automated_backups": true}}}}}}]}}"#,
        db("a", Some("true")),
        db("b", None),
        db("c", Some("false")),
    );
    let report = check(&plan).expect("a plan");
    let of = |rule: &str| -> Vec<String> {
        report
            .findings
            .iter()
            .filter(|f| f.rule.id == rule)
            .map(|f| f.resource.clone())
            .collect()
    };
    assert_eq!(of("RC213"), ["aws_db_instance.a"]);
    assert_eq!(of("RC214"), ["aws_backup_vault.main"]);
}
