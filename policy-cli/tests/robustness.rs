//! Truncated, garbled and hostile inputs never crash the checker: every fixture file cut at
//! many points, and a few pathological files, are checked without a panic. `check` catches
//! a panic of the evaluator (built-in functions included) and reports it as an "internal
//! error": that fails these tests too.

use std::path::{Path, PathBuf};

use relcheck::{check, Inputs, Report};

/// No panic was caught while checking (the evaluator's become "internal error"s).
fn assert_no_internal_error(report: &Report, what: &str) {
    let internal: Vec<&str> = report
        .errors
        .iter()
        .map(|e| e.message.as_str())
        .filter(|m| m.contains("internal error"))
        .collect();
    assert!(internal.is_empty(), "{what}: {internal:?}");
}

fn tf_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            tf_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "tf") {
            out.push(p);
        }
    }
}

#[test]
fn truncated_fixtures_do_not_crash() {
    let mut files = Vec::new();
    tf_files(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"),
        &mut files,
    );
    assert!(files.len() > 40);
    let tmp = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for f in &files {
        let text = std::fs::read(f).unwrap();
        for cut in (1..text.len()).step_by((text.len() / 7).max(1)) {
            std::fs::write(tmp.path().join("main.tf"), &text[..cut]).unwrap();
            let report = check(&[tmp.path().to_path_buf()], &Inputs::default());
            assert_no_internal_error(&report, &format!("{} cut at {cut}", f.display()));
            // either it parsed (maybe with findings) or the error names the file
            assert!(report.errors.iter().all(|e| e.file == "main.tf"));
            checked += 1;
        }
    }
    assert!(checked > 200);
}

#[test]
fn hostile_inputs_do_not_crash() {
    let cases: &[&str] = &[
        "locals {\n  a = local.a + 1\n}\nresource \"aws_db_instance\" \"x\" {\n  multi_az = local.a\n}\n",
        "variable \"v\" {\n  default = var.v\n}\nresource \"aws_db_instance\" \"x\" {\n  multi_az = var.v\n}\n",
        "resource \"aws_db_instance\" \"x\" {\n  count = 1e300\n}\n",
        "resource \"aws_db_instance\" \"x\" {\n  count = -1\n}\n",
        "resource \"aws_db_instance\" \"x\" {\n  for_each = { for i in range(100000) : i => i }\n}\n",
        "resource \"aws_db_instance\" \"x\" {\n  multi_az = [for a in [1] : [for b in [2] : a / 0]]\n}\n",
        "resource \"aws_db_instance\" \"x\" {\n  multi_az = \"${\"${\"${1}\"}\"}\"\n}\n",
        "module \"m\" {\n  source = \"./\"\n}\n",
        "\u{feff}resource \"aws_db_instance\" \"x\" {}\n",
        "resource \"aws_db_instance\" \"x\" {\n  multi_az = substr(\"ab\", 5, 10)\n}\n",
    ];
    let tmp = tempfile::tempdir().unwrap();
    for case in cases {
        std::fs::write(tmp.path().join("main.tf"), case).unwrap();
        let report = check(&[tmp.path().to_path_buf()], &Inputs::default());
        assert_no_internal_error(&report, case);
    }
    let nested = format!(
        "locals {{\n  x = {}\n}}\n",
        "(".repeat(300) + "1" + &")".repeat(300)
    );
    std::fs::write(tmp.path().join("main.tf"), nested).unwrap();
    let report = check(&[tmp.path().to_path_buf()], &Inputs::default());
    assert_no_internal_error(&report, "300 nested parentheses");
    assert_eq!(report.errors.len(), 1);
}
