//! The standard acceptance steps every file-backed resource goes through, as HashiCorp's
//! acceptance tests do: apply → empty re-plan → drift (edited, deleted) → import and empty
//! plan → in-place update → destroy leaves no file.

use std::path::PathBuf;

use crate::Terraform;

/// One resource under test.
pub struct Case<'a> {
    /// Terraform address, e.g. `reliability_alert.x`.
    pub address: &'a str,
    /// Import ID.
    pub import_id: &'a str,
    /// Configuration applied first (without the `terraform` block).
    pub config: String,
    /// The same resource with an in-place change.
    pub updated: String,
    /// Text that must appear in the primary file after the update.
    pub updated_marker: &'a str,
    /// Files the resource writes, relative to the working directory; the first is edited and
    /// deleted to simulate drift.
    pub files: Vec<&'a str>,
}

/// Runs every step, asserting on Terraform's real output.
pub fn run(case: &Case<'_>) -> Terraform {
    let tf = Terraform::new();
    tf.config(&case.config);
    tf.init();
    let files: Vec<PathBuf> = case.files.iter().map(|f| tf.path().join(f)).collect();
    let primary = &files[0];

    let out = tf.apply().success();
    assert!(out.stdout.contains("1 added"), "{out}");
    for f in &files {
        assert!(f.exists(), "{} written by apply", f.display());
    }
    let original = std::fs::read_to_string(primary).unwrap();
    assert_eq!(tf.plan().code, 0, "re-plan after apply must be empty");

    std::fs::write(primary, format!("{original}\n# edited by hand\n")).unwrap();
    let out = tf.plan();
    assert_eq!(out.code, 2, "an edited file must plan a change: {out}");
    assert!(out.stdout.contains("update in-place"), "{out}");
    tf.apply().success();
    assert_eq!(
        std::fs::read_to_string(primary).unwrap(),
        original,
        "apply restores the file"
    );

    std::fs::remove_file(primary).unwrap();
    let out = tf.plan();
    assert_eq!(out.code, 2, "a deleted file must plan a re-create: {out}");
    assert!(out.stdout.contains("will be created"), "{out}");
    tf.apply().success();
    assert!(primary.exists());

    tf.run(&["state", "rm", case.address]).success();
    let out = tf
        .run(&[
            "import",
            "-no-color",
            "-input=false",
            case.address,
            case.import_id,
        ])
        .success();
    assert!(out.stdout.contains("Import successful"), "{out}");
    let out = tf.plan();
    assert_eq!(out.code, 0, "plan right after import must be empty: {out}");

    tf.config(&case.updated);
    let out = tf.plan();
    assert_eq!(out.code, 2, "{out}");
    assert!(
        out.stdout.contains("update in-place") && !out.stdout.contains("must be replaced"),
        "{out}"
    );
    tf.apply().success();
    let updated = std::fs::read_to_string(primary).unwrap();
    assert!(
        updated.contains(case.updated_marker),
        "{} in\n{updated}",
        case.updated_marker
    );
    assert_eq!(tf.plan().code, 0, "re-plan after update must be empty");

    let out = tf.destroy().success();
    assert!(out.stdout.contains("1 destroyed"), "{out}");
    for f in &files {
        assert!(!f.exists(), "{} removed by destroy", f.display());
    }
    tf
}

/// Each configuration must fail at plan with all of its needles in the output (the
/// attribute named, the value quoted), and write nothing.
pub fn rejects_at_plan(address: &str, cases: &[(&str, String, Vec<&str>)]) {
    let tf = Terraform::new();
    tf.config(&cases[0].1);
    tf.init();
    for (what, config, needles) in cases {
        tf.config(config);
        let out = tf.run(&["plan", "-no-color", "-input=false"]);
        assert_eq!(out.code, 1, "{what}: plan must fail\n{out}");
        let all = out.all();
        assert!(
            all.contains(&format!("with {address}")),
            "{what}: error attached to the resource\n{out}"
        );
        for n in needles {
            assert!(all.contains(n), "{what}: expected {n:?} in\n{out}");
        }
    }
    let written: Vec<_> = std::fs::read_dir(tf.path())
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_type().map(|t| t.is_dir()).unwrap_or(false) && e.file_name() != ".terraform"
        })
        .collect();
    assert!(
        written.is_empty(),
        "nothing written for bad input: {written:?}"
    );
}
