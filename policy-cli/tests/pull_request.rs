//! Pull-request features through the real binary: inline suppressions, `.relcheck.toml`,
//! baselines, `--changed-since` on a temporary git repository, `--output`.

mod support;

use std::path::Path;
use std::process::Command;

use serde_json::Value;

const DBS: &str = r#"resource "aws_db_instance" "main" {
  engine                  = "postgres"
  multi_az                = false
  backup_retention_period = 7
}

resource "aws_db_instance" "other" {
  engine                  = "postgres"
  multi_az                = false
  backup_retention_period = 0
}
"#;

use support::{project, Output as Out};

fn relcheck(dir: &Path, args: &[&str]) -> Out {
    let all: Vec<&str> = ["check"].into_iter().chain(args.iter().copied()).collect();
    support::relcheck(Some(dir), &all)
}

/// (rule, resource, line) of every finding.
fn findings(v: &Value) -> Vec<(String, String, u64)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["resource"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn rules_of(v: &Value) -> Vec<String> {
    findings(v).into_iter().map(|f| f.0).collect()
}

fn f(rule: &str, resource: &str, line: u64) -> (String, String, u64) {
    (rule.into(), resource.into(), line)
}

// ---- suppressions ----

#[test]
fn suppression_with_reason_hides_the_finding_and_shows_in_json_and_sarif() {
    let src = DBS.replace(
        "resource \"aws_db_instance\" \"main\" {",
        "# relcheck:ignore RC101 -- read replica of a multi-AZ primary\nresource \"aws_db_instance\" \"main\" {",
    );
    let dir = project(&[("main.tf", &src)]);
    let out = relcheck(dir.path(), &["--format", "json"]);
    let v = out.json();
    assert_eq!(
        findings(&v),
        [
            f("RC101", "aws_db_instance.other", 10),
            f("RC201", "aws_db_instance.other", 11)
        ]
    );
    let s = &v["suppressions"][0];
    assert_eq!(s["rule"], "RC101");
    assert_eq!(s["resource"], "aws_db_instance.main");
    assert_eq!(s["reason"], "read replica of a multi-AZ primary");
    assert_eq!(s["suppressed_at"], "main.tf:1");
    assert!(out.stderr.contains("1 finding(s) suppressed"));

    let sarif: Value =
        serde_json::from_str(&relcheck(dir.path(), &["--format", "sarif"]).stdout).unwrap();
    let suppressed: Vec<&Value> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["suppressions"][0]["kind"], "inSource");
    assert_eq!(
        suppressed[0]["suppressions"][0]["justification"],
        "read replica of a multi-AZ primary"
    );

    // --no-ignore shows everything, and JSON has no suppressions key
    let all = relcheck(dir.path(), &["--format", "json", "--no-ignore"]).json();
    assert_eq!(rules_of(&all), ["RC101", "RC101", "RC201"]);
    assert!(all.get("suppressions").is_none());
}

#[test]
fn suppression_on_an_attribute_and_other_comment_styles() {
    let src = DBS
        .replace(
            "  multi_az                = false\n  backup_retention_period = 7",
            "  // relcheck:ignore RC101 -- dev database\n  multi_az                = false\n  backup_retention_period = 7",
        )
        .replace(
            "  backup_retention_period = 0",
            "  /* relcheck:ignore db-backup-retention-zero -- restored from snapshots nightly */\n  backup_retention_period = 0",
        );
    let dir = project(&[("main.tf", &src)]);
    let v = relcheck(dir.path(), &["--format", "json"]).json();
    assert_eq!(findings(&v), [f("RC101", "aws_db_instance.other", 10)]);
    assert_eq!(v["suppressions"].as_array().unwrap().len(), 2);
}

#[test]
fn suppression_without_reason_suppresses_nothing_and_is_reported() {
    let src = DBS.replace(
        "resource \"aws_db_instance\" \"main\" {",
        "# relcheck:ignore RC101\nresource \"aws_db_instance\" \"main\" {",
    );
    let dir = project(&[("main.tf", &src)]);
    let out = relcheck(dir.path(), &["--format", "json"]);
    let v = out.json();
    assert_eq!(
        findings(&v),
        [
            f("RC002", "aws_db_instance.main", 1),
            f("RC101", "aws_db_instance.main", 4),
            f("RC101", "aws_db_instance.other", 10),
            f("RC201", "aws_db_instance.other", 11)
        ]
    );
    assert!(v["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("has no reason"));
    assert!(v.get("suppressions").is_none());
    assert_eq!(out.code, 1);
}

#[test]
fn unused_suppression_is_reported() {
    let src = DBS.replace(
        "resource \"aws_db_instance\" \"main\" {",
        "# relcheck:ignore RC201 -- retention is fine here\nresource \"aws_db_instance\" \"main\" {",
    );
    let dir = project(&[("main.tf", &src)]);
    let v = relcheck(dir.path(), &["--format", "json"]).json();
    let unused: Vec<&Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["rule"] == "RC001")
        .collect();
    assert_eq!(unused.len(), 1);
    assert_eq!(unused[0]["line"], 1);
    assert_eq!(unused[0]["name"], "unused-suppression");
    assert!(unused[0]["message"]
        .as_str()
        .unwrap()
        .contains("matches no finding"));
    // and one naming a rule that does not exist
    let dir = project(&[(
        "main.tf",
        &DBS.replace(
            "resource \"aws_db_instance\" \"main\" {",
            "# relcheck:ignore RC999 -- typo\nresource \"aws_db_instance\" \"main\" {",
        ),
    )]);
    let v = relcheck(dir.path(), &["--format", "json"]).json();
    assert!(v["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("unknown rule `RC999`"));
}

#[test]
fn suppression_above_a_module_call_covers_what_it_creates() {
    let dir = project(&[
        (
            "main.tf",
            "# relcheck:ignore RC101 -- the staging copy, single-AZ on purpose\nmodule \"staging\" {\n  source = \"./db\"\n}\n\nmodule \"prod\" {\n  source = \"./db\"\n}\n",
        ),
        ("db/main.tf", DBS),
    ]);
    let v = relcheck(dir.path(), &["--format", "json", "."]).json();
    let resources: Vec<String> = findings(&v)
        .into_iter()
        .filter(|x| x.0 == "RC101")
        .map(|x| x.1)
        .collect();
    assert_eq!(
        resources,
        [
            "module.prod.aws_db_instance.main",
            "module.prod.aws_db_instance.other"
        ]
    );
    assert_eq!(v["suppressions"].as_array().unwrap().len(), 2);
    assert!(v["suppressions"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["resource"]
            .as_str()
            .unwrap()
            .starts_with("module.staging.")));
}

// ---- configuration ----

#[test]
fn config_disable_enable_severity_exclude_and_fail_on() {
    let dir = project(&[("main.tf", DBS), ("legacy/old.tf", DBS)]);
    let all = relcheck(dir.path(), &["--format", "json"]).json();
    assert_eq!(findings(&all).len(), 6);

    std::fs::write(
        dir.path().join(".relcheck.toml"),
        "disable = [\"RC201\"]\nexclude = [\"legacy\"]\n\n[severity]\nRC101 = \"note\"\n",
    )
    .unwrap();
    let out = relcheck(dir.path(), &["--format", "json"]);
    let v = out.json();
    assert_eq!(
        findings(&v),
        [
            f("RC101", "aws_db_instance.main", 3),
            f("RC101", "aws_db_instance.other", 9)
        ]
    );
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x["severity"] == "note" && x["file"] == "main.tf"));
    // notes are below the default fail-on (warning)
    assert_eq!(out.code, 0);

    // enable a category only; fail-on from the file; found from a subdirectory
    std::fs::write(
        dir.path().join(".relcheck.toml"),
        "fail-on = \"note\"\nenable = [\"backup\"]\nexclude = [\"legacy/**\"]\n[severity]\nRC201 = \"note\"\n",
    )
    .unwrap();
    let sub = dir.path().join("legacy");
    let out = relcheck(dir.path(), &["--format", "json", "."]);
    assert_eq!(rules_of(&out.json()), ["RC201"]);
    assert_eq!(out.code, 1);
    let out = relcheck(&sub, &["--format", "json", "--fail-on", "never", "."]);
    assert_eq!(rules_of(&out.json()), Vec::<String>::new());
    assert_eq!(out.code, 0);
}

#[test]
fn config_explicit_path() {
    let dir = project(&[
        ("main.tf", DBS),
        ("cfg/strict.toml", "disable = [\"multi-az\"]\n"),
    ]);
    let v = relcheck(
        dir.path(),
        &["--format", "json", "--config", "cfg/strict.toml"],
    )
    .json();
    assert_eq!(rules_of(&v), ["RC201"]);
}

#[test]
fn config_errors_name_the_file_and_line() {
    let dir = project(&[
        ("main.tf", DBS),
        (
            ".relcheck.toml",
            "fail-on = \"error\"\n\ndisabled = [\"RC101\"]\n",
        ),
    ]);
    let out = relcheck(dir.path(), &["--format", "json"]);
    assert_eq!(out.code, 2);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr
            .contains(".relcheck.toml:3:1: invalid configuration: unknown field `disabled`"),
        "{}",
        out.stderr
    );

    std::fs::write(
        dir.path().join(".relcheck.toml"),
        "disable = [\"RC101\",\n  \"RC777\"]\n",
    )
    .unwrap();
    let out = relcheck(dir.path(), &["--format", "json"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains(".relcheck.toml:2:3: unknown rule or category `RC777`"),
        "{}",
        out.stderr
    );

    std::fs::write(
        dir.path().join(".relcheck.toml"),
        "[severity]\nRC101 = \"fatal\"\n",
    )
    .unwrap();
    let out = relcheck(dir.path(), &["--format", "json"]);
    assert!(
        out.stderr.contains(".relcheck.toml:2:9: severity must be"),
        "{}",
        out.stderr
    );
}

// ---- baseline ----

#[test]
fn baseline_round_trip_survives_lines_shifted_by_an_edit_above() {
    let dir = project(&[("main.tf", DBS)]);
    let out = relcheck(
        dir.path(),
        &["--format", "json", "--write-baseline", "baseline.json"],
    );
    assert_eq!(
        findings(&out.json()).len(),
        3,
        "writing a baseline still reports"
    );
    let base: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("baseline.json")).unwrap())
            .unwrap();
    assert_eq!(base["version"], 1);
    assert_eq!(base["findings"].as_array().unwrap().len(), 3);

    // nothing new
    let out = relcheck(
        dir.path(),
        &["--format", "json", "--baseline", "baseline.json"],
    );
    assert_eq!(findings(&out.json()), []);
    assert_eq!(out.code, 0);

    // an edit above shifts every line by 4, and adds one new problem
    let edited = format!(
        "variable \"unused\" {{\n  default = 1\n}}\n\n{}\nresource \"aws_db_instance\" \"new\" {{\n  engine   = \"postgres\"\n  multi_az = false\n}}\n",
        DBS
    );
    std::fs::write(dir.path().join("main.tf"), edited).unwrap();
    let out = relcheck(
        dir.path(),
        &["--format", "json", "--baseline", "baseline.json"],
    );
    assert_eq!(
        findings(&out.json()),
        [f("RC101", "aws_db_instance.new", 19)]
    );
    assert!(out.stderr.contains("3 finding(s) already in the baseline"));

    // the fingerprint in SARIF is the baseline's
    let sarif: Value =
        serde_json::from_str(&relcheck(dir.path(), &["--format", "sarif"]).stdout).unwrap();
    let fps: Vec<&str> = base["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["fingerprint"].as_str().unwrap())
        .collect();
    let in_sarif = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| fps.contains(&r["partialFingerprints"]["relcheck/v1"].as_str().unwrap()))
        .count();
    assert_eq!(in_sarif, 3);
}

#[test]
fn bad_baseline_is_an_error() {
    let dir = project(&[("main.tf", DBS), ("b.json", "{\"nope\": 1}")]);
    let out = relcheck(dir.path(), &["--baseline", "b.json"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("not a relcheck baseline"),
        "{}",
        out.stderr
    );
}

// ---- changed since ----

fn git(dir: &Path, args: &[&str]) {
    let st = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&st.stderr)
    );
}

#[test]
fn changed_since_reports_only_changed_resources() {
    let dir = project(&[
        ("infra/main.tf", DBS),
        (
            "infra/cache.tf",
            "resource \"aws_db_instance\" \"cache\" {\n  engine   = \"postgres\"\n  multi_az = false\n}\n",
        ),
    ]);
    let root = dir.path();
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "base"]);
    // change a line inside `other` (not the finding's line), add a new untracked file
    let edited = DBS.replace("engine                  = \"postgres\"\n  multi_az                = false\n  backup_retention_period = 0", "engine                  = \"mysql\"\n  multi_az                = false\n  backup_retention_period = 0");
    std::fs::write(root.join("infra/main.tf"), edited).unwrap();
    std::fs::write(
        root.join("infra/new.tf"),
        "resource \"aws_db_instance\" \"fresh\" {\n  engine   = \"postgres\"\n  multi_az = false\n}\n",
    )
    .unwrap();

    let out = relcheck(
        root,
        &["--format", "json", "--changed-since", "main", "infra"],
    );
    let got = findings(&out.json());
    assert_eq!(
        got,
        [
            f("RC101", "aws_db_instance.other", 9),
            f("RC201", "aws_db_instance.other", 10),
            f("RC101", "aws_db_instance.fresh", 3)
        ]
    );
    // committed changes count too (the pull request's commits since its base)
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "change"]);
    let out = relcheck(
        root,
        &["--format", "json", "--changed-since", "HEAD~1", "infra"],
    );
    assert_eq!(findings(&out.json()).len(), 3);
    // nothing changed since HEAD
    let out = relcheck(
        root,
        &["--format", "json", "--changed-since", "HEAD", "infra"],
    );
    assert_eq!(findings(&out.json()), []);
    assert_eq!(out.code, 0);
    // an unknown ref is an error, not "nothing changed"
    let out = relcheck(root, &["--changed-since", "no-such-branch", "infra"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("unknown git revision"),
        "{}",
        out.stderr
    );
}

// ---- --output ----

#[test]
fn output_file_gets_the_report_and_the_terminal_the_text() {
    let dir = project(&[("main.tf", DBS)]);
    let out = relcheck(dir.path(), &["--format", "sarif", "--output", "out.sarif"]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains("Found 3 findings"), "{}", out.stdout);
    assert!(out.stdout.contains("main.tf:3:3: warning RC101"));
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out.sarif")).unwrap())
            .unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 3);
}
