//! One fixture pair per rule of the registry ([`RULES`]):
//! `fixtures/rules/<rule_file>/{bad,good}/`, where `<rule_file>` is the rule's name in
//! snake case (the name of its file in `src/rules/`). The bad fixture's rendered text output
//! (only this rule's findings) is the insta snapshot `rules__<rule_file>.snap`; the good
//! fixture must give no finding of the rule. Suppressions are applied as the binary does, so
//! RC001/RC002 are tested the same way.

use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use relcheck::rules::{Rule, RULES};
use relcheck::{check, render, suppress, Inputs, Report};

fn fixture(rule_file: &str, case: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/rules")
        .join(rule_file)
        .join(case)
}

fn checked(rule_file: &str, case: &str) -> Report {
    let dir = fixture(rule_file, case);
    assert!(
        dir.is_dir(),
        "no fixture {}: every rule in RULES needs tests/fixtures/rules/{rule_file}/{{bad,good}}/",
        dir.display()
    );
    let mut report = check(&[dir], &Inputs::default());
    assert!(
        report.errors.is_empty(),
        "{case} fixture loads: {:?}",
        report.errors
    );
    suppress::apply(&mut report);
    report
}

fn rule_test(rule: &dyn Rule) {
    let id = rule.meta().id;
    let rule_file = rule.meta().name.replace('-', "_");

    let mut bad = checked(&rule_file, "bad");
    bad.findings.retain(|f| f.rule.id == id);
    assert!(!bad.findings.is_empty(), "{id} reports on its bad fixture");
    let text = render::text::render(&bad, false);
    insta::assert_snapshot!(rule_file.clone(), text);

    let good = checked(&rule_file, "good");
    let hits: Vec<String> = good
        .findings
        .iter()
        .filter(|f| f.rule.id == id)
        .map(|f| format!("{}: {}", f.resource, f.message))
        .collect();
    assert!(
        hits.is_empty(),
        "{id} must not report on its good fixture: {hits:#?}"
    );
}

/// Every rule of the registry against its fixtures; all of them run, the failures are listed
/// together at the end.
#[test]
fn every_rule_against_its_fixtures() {
    let failed: Vec<&str> = RULES
        .iter()
        .filter(|r| catch_unwind(AssertUnwindSafe(|| rule_test(**r))).is_err())
        .map(|r| r.meta().id)
        .collect();
    assert!(
        failed.is_empty(),
        "rules failing their fixture test: {failed:?}"
    );
}

/// Every fixture directory belongs to a rule (a renamed rule leaves none behind).
#[test]
fn every_fixture_has_a_rule() {
    let names: HashSet<String> = RULES
        .iter()
        .map(|r| r.meta().name.replace('-', "_"))
        .collect();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules");
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        assert!(
            names.contains(&name),
            "fixtures/rules/{name} belongs to no rule"
        );
    }
}

#[test]
fn metadata_is_consistent() {
    let mut ids = HashSet::new();
    let mut names = HashSet::new();
    for r in RULES {
        let m = r.meta();
        assert!(ids.insert(m.id), "duplicate id {}", m.id);
        assert!(names.insert(m.name), "duplicate name {}", m.name);
        assert!(m.id.len() == 5 && m.id.starts_with("RC"), "id {}", m.id);
        assert!(
            m.name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "kebab-case name {}",
            m.name
        );
        let doc = m.documentation();
        for section in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## Use instead",
            "## References",
        ] {
            assert!(doc.contains(section), "{} doc lacks `{section}`", m.id);
        }
        // only relcheck's own suppression checks look at no resource type
        assert_eq!(
            m.types.is_empty(),
            m.category == relcheck::rules::Category::Suppression,
            "{} types",
            m.id
        );
        assert!(!m.summary().is_empty());
    }
}

/// The AWS provider's `default_tags` count for tag-based backup selections.
#[test]
fn backup_coverage_sees_provider_default_tags() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = |default_tags: &str| {
        format!(
            r#"
provider "aws" {{
  default_tags {{
    tags = {default_tags}
  }}
}}
resource "aws_ebs_volume" "data" {{
  size = 10
}}
resource "aws_backup_selection" "daily" {{
  selection_tag {{
    type  = "STRINGEQUALS"
    key   = "Backup"
    value = "daily"
  }}
}}
"#
        )
    };
    let coverage = |text: String| {
        std::fs::write(tmp.path().join("main.tf"), text).unwrap();
        let r = check(&[tmp.path().to_path_buf()], &Inputs::default());
        r.findings.iter().filter(|f| f.rule.id == "RC206").count()
    };
    assert_eq!(coverage(cfg(r#"{ Backup = "daily" }"#)), 0);
    assert_eq!(coverage(cfg(r#"{ Backup = "never" }"#)), 1);
    assert_eq!(
        coverage(cfg("var.unknown_tags")),
        0,
        "unknown default tags: no false alarm"
    );
}

/// One gap, one finding: a DynamoDB table without point-in-time recovery that no backup
/// covers is RC206's (with both remedies), not also RC202's; once it is backed up, RC202
/// still asks for PITR.
#[test]
fn dynamodb_without_pitr_or_backup_is_reported_once() {
    let tmp = tempfile::tempdir().unwrap();
    let findings = |selection: &str| {
        let text = format!(
            r#"
resource "aws_dynamodb_table" "orders" {{
  name     = "orders"
  hash_key = "id"
}}
{selection}
"#
        );
        std::fs::write(tmp.path().join("main.tf"), text).unwrap();
        let r = check(&[tmp.path().to_path_buf()], &Inputs::default());
        let mut ids: Vec<(&str, String)> = r
            .findings
            .iter()
            .map(|f| (f.rule.id, f.help.clone()))
            .collect();
        ids.sort();
        ids
    };
    let uncovered = findings("");
    assert_eq!(uncovered.len(), 1, "{uncovered:?}");
    assert_eq!(uncovered[0].0, "RC206");
    assert!(uncovered[0].1.contains("point_in_time_recovery"));
    assert!(uncovered[0].1.contains("aws_backup_selection"));
    let covered = findings(
        r#"resource "aws_backup_selection" "t" {
  resources = [aws_dynamodb_table.orders.arn]
}"#,
    );
    assert_eq!(
        covered.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        ["RC202"]
    );
}

/// A rule does not import another rule: helpers shared by rules live in `rules/shared/`.
#[test]
fn rules_do_not_import_rules() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/rules");
    let files: Vec<String> = RULES
        .iter()
        .map(|r| r.meta().name.replace('-', "_"))
        .collect();
    let mut sources: Vec<PathBuf> = Vec::new();
    let mut dirs = vec![dir];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            if e.path().is_dir() {
                dirs.push(e.path());
            } else {
                sources.push(e.path());
            }
        }
    }
    for file in sources {
        let text = std::fs::read_to_string(&file).unwrap();
        for f in &files {
            for path in [format!("super::{f}::"), format!("rules::{f}::")] {
                assert!(
                    !text.contains(&path),
                    "{} uses `{path}`: move what it needs to rules/shared/",
                    file.display()
                );
            }
        }
    }
}

/// The README's rules table is generated from the registry. Regenerate with
/// `UPDATE_DOCS=1 cargo test -p relcheck --test rules`.
#[test]
fn readme_rules_table_is_current() {
    const START: &str = "<!-- rules table: generated from RULES by `UPDATE_DOCS=1 cargo test -p relcheck --test rules` -->\n";
    const END: &str = "<!-- end of rules table -->";
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let (head, rest) = readme
        .split_once(START)
        .expect("README.md has the rules table start marker");
    let (_, tail) = rest
        .split_once(END)
        .expect("README.md has the rules table end marker");
    let fresh = format!(
        "{head}{START}{}{END}{tail}",
        relcheck::rules::markdown_table()
    );
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    } else {
        assert!(
            fresh == readme,
            "the rules table in policy-cli/README.md is stale: run UPDATE_DOCS=1 cargo test -p relcheck --test rules"
        );
    }
}

/// The module graph has no circles through the rules: findings are data (`finding.rs`)
/// that the report and rules both use; the rules know neither the report nor the
/// suppressions (which report RC001/RC002 from their rule files); the plan's configuration
/// reader does not know its planned values.
#[test]
fn no_import_circles() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let read = |p: &str| std::fs::read_to_string(src.join(p)).unwrap();
    for (file, forbidden) in [
        (
            "finding.rs",
            &["crate::rules", "crate::report", "crate::suppress"][..],
        ),
        ("report.rs", &["crate::rules", "crate::suppress"][..]),
        ("plan/config.rs", &["values::"][..]),
    ] {
        let text = read(file);
        for f in forbidden {
            assert!(!text.contains(f), "src/{file} uses `{f}`");
        }
    }
    let mut dirs = vec![src.join("rules")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            if e.path().is_dir() {
                dirs.push(e.path());
                continue;
            }
            let text = std::fs::read_to_string(e.path()).unwrap();
            for line in text.lines().filter(|l| l.trim_start().starts_with("use ")) {
                for f in ["crate::report", "crate::suppress", "crate::check"] {
                    assert!(!line.contains(f), "{} uses `{f}`", e.path().display());
                }
            }
        }
    }
}
