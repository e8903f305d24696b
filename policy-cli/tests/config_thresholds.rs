//! `[thresholds]` in `.relcheck.toml` through the real binary: `min-backup-retention-days`
//! for RC201 (RDS `backup_retention_period`) and RC203 (ElastiCache
//! `snapshot_retention_limit`).

mod support;

use std::path::Path;

use serde_json::Value;

const TF: &str = r#"resource "aws_db_instance" "zero" {
  multi_az                = true
  backup_retention_period = 0
}

resource "aws_db_instance" "three" {
  multi_az                = true
  backup_retention_period = 3
}

resource "aws_db_instance" "unset" {
  multi_az = true
}

resource "aws_db_instance" "week" {
  multi_az                = true
  backup_retention_period = 7
}

resource "aws_rds_cluster" "three" {
  backup_retention_period = 3
}

resource "aws_elasticache_replication_group" "none" {
  engine                     = "redis"
  automatic_failover_enabled = true
  multi_az_enabled           = true
  num_cache_clusters         = 2
}

resource "aws_elasticache_replication_group" "three" {
  engine                     = "redis"
  automatic_failover_enabled = true
  multi_az_enabled           = true
  num_cache_clusters         = 2
  snapshot_retention_limit   = 3
}
"#;

fn relcheck(dir: &Path) -> support::Output {
    support::relcheck(
        Some(dir),
        &["check", "--format", "json", "--fail-on", "never"],
    )
}

fn project(config: Option<&str>) -> tempfile::TempDir {
    let dir = support::project(&[("main.tf", TF)]);
    if let Some(c) = config {
        support::write(dir.path(), ".relcheck.toml", c);
    }
    dir
}

/// RC201/RC203 findings: (rule, resource, message, help).
fn retention_findings(dir: &Path) -> Vec<(String, String, String, String)> {
    let out = relcheck(dir);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("JSON ({e}):\n{}\n{}", out.stdout, out.stderr));
    let s = |x: &Value| x.as_str().unwrap().to_string();
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "RC201" || f["rule"] == "RC203")
        .map(|f| {
            (
                s(&f["rule"]),
                s(&f["resource"]),
                s(&f["message"]),
                s(&f["help"]),
            )
        })
        .collect()
}

fn resources(found: &[(String, String, String, String)]) -> Vec<(&str, &str)> {
    found
        .iter()
        .map(|(r, res, _, _)| (r.as_str(), res.as_str()))
        .collect()
}

#[test]
fn default_threshold_flags_only_retention_zero_as_before() {
    let expected = vec![
        (
            "RC201".to_string(),
            "aws_db_instance.zero".to_string(),
            "backup_retention_period is 0: automated backups are disabled".to_string(),
            "set `backup_retention_period` to at least 7 (days)".to_string(),
        ),
        (
            "RC203".to_string(),
            "aws_elasticache_replication_group.none".to_string(),
            "snapshot_retention_limit is not set (provider default 0): no automatic snapshots are kept"
                .to_string(),
            "set `snapshot_retention_limit` to at least 1 (days)".to_string(),
        ),
    ];
    for config in [
        None,
        Some("fail-on = \"never\"\n"),
        Some("[thresholds]\n"),
        Some("[thresholds]\nmin-backup-retention-days = 1\n"),
    ] {
        let dir = project(config);
        assert_eq!(
            retention_findings(dir.path()),
            expected,
            "config {config:?}"
        );
    }
}

#[test]
fn min_backup_retention_days_raises_the_bar() {
    let dir = project(Some("[thresholds]\nmin-backup-retention-days = 7\n"));
    let found = retention_findings(dir.path());
    assert_eq!(
        resources(&found),
        [
            ("RC201", "aws_db_instance.zero"),
            ("RC201", "aws_db_instance.three"),
            ("RC201", "aws_db_instance.unset"),
            ("RC201", "aws_rds_cluster.three"),
            ("RC203", "aws_elasticache_replication_group.none"),
            ("RC203", "aws_elasticache_replication_group.three"),
        ]
    );
    let three = &found[1];
    assert_eq!(
        three.2,
        "backup_retention_period is 3: below the minimum of 7 days (min-backup-retention-days)"
    );
    assert_eq!(
        three.3,
        "set `backup_retention_period` to at least 7 (days)"
    );
    assert_eq!(
        found[2].2,
        "backup_retention_period is not set (provider default 1): below the minimum of 7 days \
         (min-backup-retention-days)"
    );
    // retention 0 keeps its own message; the help quotes the threshold
    assert_eq!(
        found[0].2,
        "backup_retention_period is 0: automated backups are disabled"
    );
    let cache = &found[5];
    assert_eq!(
        cache.2,
        "snapshot_retention_limit is 3: below the minimum of 7 days (min-backup-retention-days)"
    );
    assert_eq!(
        cache.3,
        "set `snapshot_retention_limit` to at least 7 (days)"
    );

    // a higher bar still passes what meets it
    let dir = project(Some("[thresholds]\nmin-backup-retention-days = 3\n"));
    assert_eq!(
        resources(&retention_findings(dir.path())),
        [
            ("RC201", "aws_db_instance.zero"),
            ("RC201", "aws_db_instance.unset"),
            ("RC203", "aws_elasticache_replication_group.none"),
        ]
    );
}

#[test]
fn bad_thresholds_are_errors_with_file_and_line() {
    for (config, expected) in [
        (
            "fail-on = \"error\"\n\n[thresholds]\nmin-retention-days = 7\n",
            ".relcheck.toml:4:1: invalid configuration: unknown field `min-retention-days`",
        ),
        (
            "[thresholds]\nmin-backup-retention-days = \"7\"\n",
            ".relcheck.toml:2:29: invalid configuration: invalid type: string \"7\"",
        ),
        (
            "[thresholds]\nmin-backup-retention-days = 1.5\n",
            ".relcheck.toml:2:29: invalid configuration: invalid type: floating point",
        ),
        (
            "[thresholds]\nmin-backup-retention-days = 0\n",
            ".relcheck.toml:2:29: min-backup-retention-days must be a whole number of days >= 1, not `0`",
        ),
        (
            "[thresholds]\nmin-backup-retention-days = -3\n",
            ".relcheck.toml:2:29: min-backup-retention-days must be a whole number of days >= 1, not `-3`",
        ),
        (
            "thresholds = 7\n",
            ".relcheck.toml:1:14: invalid configuration: invalid type: integer `7`",
        ),
    ] {
        let dir = project(Some(config));
        let out = relcheck(dir.path());
        assert_eq!(out.code, 2, "{config:?}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{config:?}");
        assert!(
            out.stderr.contains(expected),
            "{config:?}: expected {expected:?} in\n{}",
            out.stderr
        );
    }
}
