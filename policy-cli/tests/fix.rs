//! `check --fix` and `--diff`: for every rule that declares a fix, the patch its bad fixture
//! gets (snapshot `fix__<rule>.snap`), `--fix` writes exactly that patch, and running again
//! is a no-op; a `terraform fmt`-clean file stays clean; values that come from variables,
//! locals, module inputs or `.tfvars`, and modules under `.terraform/`, are never edited.

mod support;

use std::collections::BTreeMap;
use std::path::Path;

use relcheck::rules::RULES;

/// Every file under `dir` (relative path → text).
fn texts(dir: &Path) -> BTreeMap<String, String> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn copy_fixture(from: &Path, to: &Path) {
    for (name, text) in texts(from) {
        support::write(to, &name, text);
    }
}

fn terraform_fmt_clean(dir: &Path) -> Option<bool> {
    let out = std::process::Command::new("terraform")
        .args(["fmt", "-check", "-recursive"])
        .current_dir(dir)
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .output()
        .ok()?;
    Some(out.status.success())
}

/// Whether the patch `--diff` printed turns `before` into `after` (file by file).
fn patch_matches(diff: &str, before: &BTreeMap<String, String>, after: &BTreeMap<String, String>) {
    let changed: Vec<&String> = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(v))
        .map(|(k, _)| k)
        .collect();
    for name in &changed {
        assert!(
            diff.contains(&format!("+++ b/{name}\n")),
            "--fix changed {name}, --diff did not show it:\n{diff}"
        );
    }
    assert_eq!(diff.matches("+++ b/").count(), changed.len(), "{diff}");
}

#[test]
fn every_fixable_rule_fixes_its_bad_fixture() {
    let fixable: Vec<_> = RULES.iter().filter(|r| r.meta().fix.is_some()).collect();
    assert!(fixable.len() >= 6, "fixable rules: {}", fixable.len());
    for rule in fixable {
        let m = rule.meta();
        let file = m.name.replace('-', "_");
        let tmp = tempfile::tempdir().unwrap();
        copy_fixture(&support::fixture(&format!("rules/{file}/bad")), tmp.path());
        let before = texts(tmp.path());
        let diff = support::relcheck(Some(tmp.path()), &["check", "--diff", "."]);
        assert_eq!(diff.code, 1, "{}: nothing to fix\n{}", m.id, diff.stderr);
        assert!(diff.stdout.contains("+++ b/"), "{}: {}", m.id, diff.stdout);
        assert_eq!(texts(tmp.path()), before, "{}: --diff wrote files", m.id);
        insta::assert_snapshot!(file.clone(), diff.stdout);

        let fixed = support::relcheck(Some(tmp.path()), &["check", "--fix", "."]);
        assert!(
            fixed.stderr.contains(&format!(" {} ", m.id)),
            "{}: --fix did not say what it fixed:\n{}",
            m.id,
            fixed.stderr
        );
        let after = texts(tmp.path());
        assert_ne!(after, before, "{}: --fix wrote nothing", m.id);
        patch_matches(&diff.stdout, &before, &after);

        // Re-running is a no-op.
        let again = support::relcheck(Some(tmp.path()), &["check", "--diff", "."]);
        assert_eq!(again.stdout, "", "{}: a second --fix would change:", m.id);
        assert_eq!(again.code, 0);
        let json = support::relcheck(Some(tmp.path()), &["check", "--format", "json", "."]);
        assert!(json.json()["errors"].as_array().unwrap().is_empty());
    }
}

/// A `terraform fmt`-clean file (aligned `=`, trailing comments, nested blocks, several
/// fixes in one block) is still clean after `--fix`.
#[test]
fn fixed_files_stay_terraform_fmt_clean() {
    let main = r#"resource "aws_db_instance" "orders" {
  engine                  = "postgres" # primary store
  multi_az                = false      # TODO
  backup_retention_period = 0
}

resource "aws_db_instance" "short" {
  engine = "postgres"
}

resource "aws_db_instance" "two_missing" {
  identifier_prefix_is_long = "x"
  backup_retention_period   = 0
}

resource "aws_db_instance" "nothing_yet" {
}

resource "aws_dynamodb_table" "t" {
  name     = "t"
  hash_key = "id"

  attribute {
    name = "id"
    type = "S"
  }
}

resource "aws_backup_selection" "s" {
  name         = "s"
  plan_id      = "p"
  iam_role_arn = "arn"
  resources    = [aws_dynamodb_table.t.arn]
}

resource "google_sql_database_instance" "db" {
  settings {
    tier = "db-f1"
    backup_configuration {
      enabled = true
    }
  }
}

resource "google_storage_bucket" "b" {
  name     = "b"
  location = "EU"
  versioning {
    enabled = false # for now
  }
}
"#;
    let tmp = support::project(&[("main.tf", main)]);
    let Some(clean) = terraform_fmt_clean(tmp.path()) else {
        eprintln!("terraform is not on PATH: fmt-cleanliness not checked");
        return;
    };
    assert!(clean, "the fixture itself is not fmt-clean");
    let fixed = support::relcheck(Some(tmp.path()), &["check", "--fix", "."]);
    let after = std::fs::read_to_string(tmp.path().join("main.tf")).unwrap();
    assert_ne!(after, main, "nothing fixed:\n{}", fixed.stderr);
    insta::assert_snapshot!("fmt_clean_after", after);
    assert_eq!(
        terraform_fmt_clean(tmp.path()),
        Some(true),
        "not fmt-clean after --fix:\n{after}"
    );
}

/// What other code may depend on is never edited: a variable (default or `.tfvars`), a
/// local, a module input, a module `terraform init` fetched. The findings stay, and the
/// help says where the value comes from.
#[test]
fn values_from_variables_locals_modules_are_not_edited() {
    let tmp = support::project(&[
        (
            "main.tf",
            r#"variable "from_tfvars" {
  type = bool
}

variable "from_default" {
  default = false
}

locals {
  multi_az = false
}

resource "aws_db_instance" "tfvars" {
  engine   = "postgres"
  multi_az = var.from_tfvars
}

resource "aws_db_instance" "default" {
  engine   = "postgres"
  multi_az = var.from_default
}

resource "aws_db_instance" "local" {
  engine   = "postgres"
  multi_az = local.multi_az
}

module "db" {
  source    = "./modules/db"
  multi_az  = false
  retention = 0
}

module "fetched" {
  source  = "terraform-aws-modules/rds/aws"
  version = "~> 6.0"
}
"#,
        ),
        ("terraform.tfvars", "from_tfvars = false\n"),
        (
            "modules/db/main.tf",
            r#"variable "multi_az" {}
variable "retention" {}

resource "aws_db_instance" "this" {
  engine                  = "postgres"
  multi_az                = var.multi_az
  backup_retention_period = var.retention
}
"#,
        ),
        (
            ".terraform/modules/modules.json",
            r#"{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"fetched","Source":"registry.terraform.io/terraform-aws-modules/rds/aws","Version":"6.10.0","Dir":".terraform/modules/fetched"}]}"#,
        ),
        (
            ".terraform/modules/fetched/main.tf",
            r#"resource "aws_db_instance" "this" {
  engine                  = "postgres"
  multi_az                = false
  backup_retention_period = 0
}
"#,
        ),
    ]);
    let before = texts(tmp.path());
    let diff = support::relcheck(Some(tmp.path()), &["check", "--diff", "."]);
    assert_eq!(diff.stdout, "", "{}", diff.stderr);
    assert_eq!(diff.code, 0);
    let fixed = support::relcheck(Some(tmp.path()), &["check", "--fix", "."]);
    assert!(!fixed.stderr.contains("fixed:"), "{}", fixed.stderr);
    assert_eq!(texts(tmp.path()), before, "--fix edited a file");

    let json = support::relcheck(Some(tmp.path()), &["check", "--format", "json", "."]).json();
    let findings = json["findings"].as_array().unwrap();
    let help = |resource: &str, rule: &str| -> String {
        findings
            .iter()
            .find(|f| f["resource"] == resource && f["rule"] == rule)
            .unwrap_or_else(|| panic!("no {rule} finding on {resource}: {json:#}"))["help"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let cases = [
        (
            "aws_db_instance.tfvars",
            "RC101",
            "`var.from_tfvars`, set in terraform.tfvars",
        ),
        (
            "aws_db_instance.default",
            "RC101",
            "`var.from_default`, default at main.tf:6",
        ),
        ("aws_db_instance.local", "RC101", "`local.multi_az`"),
        (
            "module.db.aws_db_instance.this",
            "RC101",
            "`var.multi_az`, set at main.tf:30",
        ),
        (
            "module.db.aws_db_instance.this",
            "RC201",
            "`var.retention`, set at main.tf:31",
        ),
    ];
    for (resource, rule, source) in cases {
        let h = help(resource, rule);
        assert!(
            h.contains(&format!("the value comes from {source}: change it there")),
            "{resource} {rule}: {h}"
        );
    }
    // The fetched module's literal values are reported, not fixed.
    help("module.fetched.aws_db_instance.this", "RC101");
    help("module.fetched.aws_db_instance.this", "RC201");
}

/// A `.tf.json` file is never edited (its findings have no positions to edit at).
#[test]
fn tf_json_is_not_edited() {
    let text =
        r#"{"resource": {"aws_db_instance": {"x": {"engine": "postgres", "multi_az": false}}}}"#;
    let tmp = support::project(&[("main.tf.json", text)]);
    let fixed = support::relcheck(Some(tmp.path()), &["check", "--fix", "."]);
    assert_eq!(fixed.code, 1, "{}", fixed.stderr);
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("main.tf.json")).unwrap(),
        text
    );
}

/// A fix whose file would not parse is not applied (the parser is the judge).
#[test]
fn a_fix_that_would_not_parse_is_refused() {
    use relcheck::finding::FixAction;
    let tmp = support::project(&[(
        "main.tf",
        "resource \"aws_db_instance\" \"a\" {\n  engine   = \"postgres\"\n  multi_az = false\n}\n",
    )]);
    let mut report = relcheck::check(&[tmp.path().to_path_buf()], &Default::default());
    let (fixes, _) = relcheck::fix::plan(&report);
    assert_eq!(fixes.len(), 1, "the untampered fix is applied");
    for f in &mut report.findings {
        if let Some(FixAction::Replace { value, .. }) = f.fix.as_mut().map(|x| &mut x.action) {
            *value = "true {".into();
        }
    }
    let (fixes, refused) = relcheck::fix::plan(&report);
    assert!(fixes.is_empty());
    assert!(refused[0].contains("would not parse"), "{refused:?}");
}

/// A fix after which the check finds something new in the file is put back.
#[test]
fn a_fix_that_would_leave_a_new_finding_is_put_back() {
    let text =
        "resource \"aws_db_instance\" \"a\" {\n  engine   = \"postgres\"\n  multi_az = false\n}\n";
    let tmp = support::project(&[("main.tf", text)]);
    let paths = [tmp.path().to_path_buf()];
    let report = relcheck::check(&paths, &Default::default());
    let runs = std::cell::Cell::new(0);
    // The second check (after the fix) sees a new resource with a finding in the file,
    // as if the fix had caused it.
    let check = || {
        runs.set(runs.get() + 1);
        if runs.get() == 2 {
            let fixed = std::fs::read_to_string(tmp.path().join("main.tf")).unwrap();
            let extra = "\nresource \"aws_db_instance\" \"b\" {\n  engine = \"mysql\"\n}\n";
            std::fs::write(tmp.path().join("main.tf"), format!("{fixed}{extra}")).unwrap();
        }
        relcheck::check(&paths, &Default::default())
    };
    let outcome = relcheck::fix::write_checked(&report, check);
    assert_eq!(runs.get(), 2);
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("main.tf")).unwrap(),
        text,
        "{:?}",
        outcome.messages
    );
    assert!(
        outcome
            .messages
            .iter()
            .any(|m| m.contains("fixes not applied")
                && m.contains("new RC101 finding on aws_db_instance.b")),
        "{:?}",
        outcome.messages
    );
}

/// A file with Windows line endings gets them in what is added too.
#[test]
fn added_lines_keep_crlf_line_endings() {
    let text = "resource \"aws_db_instance\" \"a\" {\r\n  engine = \"postgres\"\r\n}\r\n";
    let tmp = support::project(&[("main.tf", text)]);
    support::relcheck(Some(tmp.path()), &["check", "--fix", "."]);
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("main.tf")).unwrap(),
        "resource \"aws_db_instance\" \"a\" {\r\n  engine = \"postgres\"\r\n\r\n  multi_az = true\r\n}\r\n"
    );
}

/// `relcheck rules` marks the rules that fix; `explain` says how, or that it does not.
#[test]
fn rules_and_explain_say_which_rules_fix() {
    let rules = support::relcheck(None, &["rules"]).stdout;
    for r in RULES {
        let m = r.meta();
        let line = rules.lines().find(|l| l.starts_with(m.id)).unwrap();
        let marked = line.split_whitespace().nth(4) == Some("fix");
        assert_eq!(marked, m.fix.is_some(), "{line}");
    }
    let explain = support::relcheck(None, &["explain", "RC101"]).stdout;
    assert!(
        explain.contains("fix (`check --fix`): sets `multi_az = true`"),
        "{explain}"
    );
    let explain = support::relcheck(None, &["explain", "RC102"]).stdout;
    assert!(explain.contains("fix: none"), "{explain}");
}

/// Over every fixture tree (each rule's bad and good case, the end-to-end projects): making
/// the fixes never panics, never needs to be refused, and the fixed files check cleanly of
/// parse errors.
#[test]
fn fixes_over_every_fixture_tree() {
    let mut dirs = Vec::new();
    for group in ["rules", "e2e"] {
        for e in std::fs::read_dir(support::fixture(group))
            .unwrap()
            .flatten()
        {
            let p = e.path();
            if group == "rules" {
                dirs.extend(
                    [p.join("bad"), p.join("good")]
                        .into_iter()
                        .filter(|d| d.is_dir()),
                );
            } else if p.is_dir() && e.file_name() != "expected" {
                dirs.push(p);
            }
        }
    }
    assert!(dirs.len() > 100, "{}", dirs.len());
    let mut fixed_files = 0;
    for dir in dirs {
        let report = relcheck::check(std::slice::from_ref(&dir), &Default::default());
        let (fixes, refused) = relcheck::fix::plan(&report);
        assert!(refused.is_empty(), "{}: {refused:?}", dir.display());
        for f in fixes {
            let file = &report.files[f.file];
            assert_eq!(relcheck::fix::parse_error(file, f.new.clone()), None);
            assert_ne!(f.new, f.old);
            fixed_files += 1;
        }
    }
    assert!(fixed_files >= 8, "{fixed_files}");
}

/// `--diff` is a patch `git apply` takes (run from the checked directory), and applying it
/// gives what `--fix` writes.
#[test]
fn diff_is_a_patch_git_applies() {
    let bad = support::fixture("fix");
    let (by_patch, by_fix) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    copy_fixture(&bad, by_patch.path());
    copy_fixture(&bad, by_fix.path());
    let diff = support::relcheck(Some(by_patch.path()), &["check", "--diff", "."]).stdout;
    assert!(!diff.is_empty());
    support::write(by_patch.path(), "fix.patch", &diff);
    let git = std::process::Command::new("git")
        .args(["apply", "--unsafe-paths", "fix.patch"])
        .current_dir(by_patch.path())
        .output();
    let Ok(git) = git else {
        eprintln!("git is not on PATH: not checked");
        return;
    };
    assert!(
        git.status.success(),
        "{}",
        String::from_utf8_lossy(&git.stderr)
    );
    support::relcheck(Some(by_fix.path()), &["check", "--fix", "."]);
    let read = |d: &Path| std::fs::read_to_string(d.join("main.tf")).unwrap();
    assert_eq!(read(by_patch.path()), read(by_fix.path()));
}

/// `--fix` works on the text the evaluator read, not on a plan's values.
#[test]
fn fix_refuses_plan() {
    let out = support::relcheck(None, &["check", "--fix", "--plan", "plan.json", "."]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("--plan"), "{}", out.stderr);
}

/// Byte offset of a 1-based line and column (in characters) of `text`.
fn offset(text: &str, line: u64, column: u64) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line as usize - 1)
        .map(str::len)
        .sum();
    start
        + text[start..]
            .chars()
            .take(column as usize - 1)
            .map(char::len_utf8)
            .sum::<usize>()
}

/// `--format json` carries each finding's fix (the `--fix` edit of that finding alone), and
/// applying just that edit makes just that finding go away.
#[test]
fn json_carries_each_fix_and_applying_it_removes_the_finding() {
    for rule in RULES.iter().filter(|r| r.meta().fix.is_some()) {
        let m = rule.meta();
        let fixture = support::fixture(&format!("rules/{}/bad", m.name.replace('-', "_")));
        let json = support::relcheck(Some(&fixture), &["check", "--format", "json", "."]).json();
        let findings = json["findings"].as_array().unwrap();
        let with_fix: Vec<&serde_json::Value> =
            findings.iter().filter(|f| f.get("fix").is_some()).collect();
        assert!(!with_fix.is_empty(), "{}: no finding carries a fix", m.id);
        for f in with_fix {
            let fixer = relcheck::rules::find(f["rule"].as_str().unwrap()).unwrap();
            assert!(fixer.meta().fix.is_some(), "{f}: its rule does not fix");
            let fix = &f["fix"];
            assert!(!fix["description"].as_str().unwrap().is_empty(), "{f}");
            let name = f["file"].as_str().unwrap();
            let tmp = tempfile::tempdir().unwrap();
            copy_fixture(&fixture, tmp.path());
            let mut text = std::fs::read_to_string(tmp.path().join(name)).unwrap();
            let mut edits: Vec<(usize, usize, &str)> = fix["edits"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    let at = |l: &str, c: &str| {
                        offset(&text, e[l].as_u64().unwrap(), e[c].as_u64().unwrap())
                    };
                    let (a, b) = (at("line", "column"), at("end_line", "end_column"));
                    (a, b, e["text"].as_str().unwrap())
                })
                .collect();
            edits.sort();
            for (a, b, new) in edits.into_iter().rev() {
                text.replace_range(a..b, new);
            }
            support::write(tmp.path(), name, &text);
            let after =
                support::relcheck(Some(tmp.path()), &["check", "--format", "json", "."]).json();
            assert_eq!(after["errors"], serde_json::json!([]), "{}: {after}", m.id);
            let same = |g: &&serde_json::Value| {
                g["rule"] == f["rule"] && g["resource"] == f["resource"] && g["file"] == f["file"]
            };
            assert!(
                !after["findings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|g| same(&g)),
                "{}: the fix of {f} left the finding:\n{text}",
                m.id
            );
        }
    }
}

/// The README's example of a finding's `fix` in JSON is what relcheck prints for it.
#[test]
fn the_readme_json_fix_example_is_real() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme
        .find("```json\n\"fix\": ")
        .expect("README's fix example")
        + 8;
    let end = start + readme[start..].find("```").unwrap();
    let example: serde_json::Value =
        serde_json::from_str(&format!("{{{}}}", &readme[start..end])).unwrap();
    let tmp = support::project(&[(
        "main.tf",
        "# Orders\nresource \"aws_db_instance\" \"orders\" {\n  engine                  = \"postgres\"\n  instance_class          = \"db.t3.micro\"\n  multi_az                = false\n}\n",
    )]);
    let json = support::relcheck(Some(tmp.path()), &["check", "--format", "json", "."]).json();
    assert_eq!(json["findings"][0]["fix"], example["fix"], "{json}");
}
