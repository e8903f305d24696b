use super::*;
use crate::rules::conventions as conv;
use crate::rules::field_error::{assert_one_error, paths_and_details};
use crate::rules::model::render_yaml;
use crate::rules::snapshot::{assert_rules_snapshot, assert_snapshot};

fn minimal() -> BackupPlanSpec {
    BackupPlanSpec {
        name: "postgres-main".into(),
        schedule: "0 2 * * *".into(),
        retention_days: 30,
        rpo: "24h".into(),
        rto: None,
        targets: vec!["postgres://db.internal/main".into()],
        offsite_copy: None,
        restore_test: None,
        labels: BTreeMap::new(),
    }
}

fn full() -> BackupPlanSpec {
    BackupPlanSpec {
        name: "files.home".into(),
        schedule: "30 */6 * * *".into(),
        retention_days: 90,
        rpo: "8h".into(),
        rto: Some("4h".into()),
        targets: vec!["/home".into(), "/etc/{{odd}}".into()],
        offsite_copy: Some(OffsiteCopy {
            destination: "s3:https://s3.example.com/backups".into(),
        }),
        restore_test: Some(RestoreTest {
            schedule: "0 4 1 * *".into(),
            max_age: "35d".into(),
        }),
        labels: BTreeMap::from([("team".into(), "storage".into())]),
    }
}

#[test]
fn snapshots() {
    for (name, spec) in [("minimal", minimal()), ("full", full())] {
        assert_eq!(validate(&spec), vec![], "{name}");
        let file = generate(&spec).unwrap();
        assert_rules_snapshot("backup", name, &render_yaml(&file, ""));
        assert_snapshot(
            "backup",
            &format!("plan_document_{name}"),
            &plan_document(&spec),
        );
    }
}

#[test]
fn rules_are_labelled_and_named() {
    let file = generate(&full()).unwrap();
    assert_eq!(file.groups.len(), 1);
    assert_eq!(file.groups[0].name, "reliability-backup-files.home");
    let alerts: Vec<(&str, &str, Option<&str>)> = file.groups[0]
        .rules
        .iter()
        .map(|r| match r {
            Rule::Alerting(a) => {
                assert_eq!(a.labels["plan"], "files.home");
                assert_eq!(a.labels["team"], "storage");
                assert!(a.annotations.contains_key("summary"));
                assert!(a.annotations.contains_key("description"));
                (
                    a.alert.as_str(),
                    a.labels["severity"].as_str(),
                    a.for_.as_deref(),
                )
            }
            Rule::Recording(r) => panic!("unexpected recording rule {}", r.record),
        })
        .collect();
    assert_eq!(
        alerts,
        vec![
            ("BackupRPOViolated", "page", None),
            ("BackupMetricAbsent", "ticket", Some("1h")),
            ("BackupRestoreTestOverdue", "ticket", None),
            ("BackupRestoreTestMetricAbsent", "ticket", Some("35d")),
        ]
    );
    assert_eq!(generate(&minimal()).unwrap().groups[0].rules.len(), 2);
}

#[test]
fn plan_document_is_versioned_json() {
    let doc: serde_json::Value = serde_json::from_str(&plan_document(&full())).unwrap();
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["rpo"]["seconds"], 8 * 3600);
    assert_eq!(doc["rto"]["seconds"], 4 * 3600);
    assert_eq!(doc["restore_test"]["max_age"]["seconds"], 35 * 86400);
    assert_eq!(doc["metrics"][0]["name"], conv::METRIC_BACKUP_LAST_SUCCESS);
    assert_eq!(
        doc["metrics"][1]["name"],
        conv::METRIC_RESTORE_TEST_LAST_SUCCESS
    );
    assert_eq!(doc["metrics"][0]["labels"]["plan"], "files.home");
    let doc: serde_json::Value = serde_json::from_str(&plan_document(&minimal())).unwrap();
    assert_eq!(doc["rto"], serde_json::Value::Null);
    assert_eq!(doc["metrics"].as_array().map(Vec::len), Some(1));
    // Stable: the same spec gives the same bytes.
    assert_eq!(plan_document(&full()), plan_document(&full()));
}

#[track_caller]
fn assert_error(spec: &BackupPlanSpec, path: &str, needle: &str) {
    assert_one_error(validate(spec), path, needle);
}

#[test]
fn validation_names_the_path() {
    for bad in ["a", "-a", "a-", "a b", "a/b", "", &"x".repeat(129)] {
        let mut s = minimal();
        s.name = bad.to_string();
        assert_error(&s, "name", "is not allowed");
    }
    let mut s = minimal();
    s.schedule = "0 25 * * *".into();
    assert_error(&s, "schedule", "field 2 (hour)");
    let mut s = minimal();
    s.retention_days = 0;
    assert_error(&s, "retention_days", "at least 1");
    for (bad, needle) in [
        ("0", "zero"),
        ("1d2", "invalid duration"),
        ("1500ms", "whole seconds"),
    ] {
        let mut s = minimal();
        s.rpo = bad.into();
        assert_error(&s, "rpo", needle);
        let mut s = minimal();
        s.rto = Some(bad.into());
        assert_error(&s, "rto", needle);
        let mut s = full();
        if let Some(rt) = s.restore_test.as_mut() {
            rt.max_age = bad.into();
        }
        assert_error(&s, "restore_test.max_age", needle);
    }
    let mut s = full();
    if let Some(rt) = s.restore_test.as_mut() {
        rt.schedule = "0 4 1 * * *".into();
    }
    assert_error(&s, "restore_test.schedule", "restore_test.schedule");
    let mut s = minimal();
    s.targets.clear();
    assert_error(&s, "targets", "is empty");
    s.targets = vec!["a".into(), " ".into()];
    assert_error(&s, "targets", "targets[1]");
    s.targets = vec!["a".into(), "a".into()];
    assert_error(&s, "targets", "twice");
    let mut s = minimal();
    s.offsite_copy = Some(OffsiteCopy {
        destination: "".into(),
    });
    assert_error(&s, "offsite_copy.destination", "empty");
    for label in ["plan", "severity", "alertname", "__x", "1x"] {
        let mut s = minimal();
        s.labels.insert(label.into(), "v".into());
        assert_error(&s, &format!("labels.{label}"), label);
    }
    assert!(generate(&s).is_err());
}

#[test]
fn rpo_and_max_age_must_cover_the_schedule() {
    let mut spec = BackupPlanSpec {
        name: "db".into(),
        schedule: "0 2 * * SUN".into(),
        retention_days: 30,
        rpo: "24h".into(),
        rto: None,
        targets: vec!["/srv".into()],
        offsite_copy: None,
        restore_test: Some(RestoreTest {
            schedule: "@monthly".into(),
            max_age: "30d".into(),
        }),
        labels: BTreeMap::new(),
    };
    let errs = paths_and_details(validate(&spec));
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert_eq!(errs[0].0, "rpo");
    assert!(
        errs[0].1.contains("(1w with schedule \"0 2 * * SUN\")"),
        "{errs:?}"
    );
    assert_eq!(errs[1].0, "restore_test.max_age");
    assert!(errs[1].1.contains("31d"), "{errs:?}");
    spec.rpo = "8d".into();
    if let Some(rt) = spec.restore_test.as_mut() {
        rt.max_age = "35d".into();
    }
    assert_eq!(validate(&spec), vec![]);
    // Equal to the gap is accepted (the runner's duration is the user's margin).
    spec.rpo = "7d".into();
    assert_eq!(validate(&spec), vec![]);
}
