//! The pull-request formats: SARIF (validated against the official 2.1.0 schema), GitHub
//! workflow commands, JUnit and Markdown, each with a snapshot. Snapshots are named
//! `<test file>__<what>.snap` throughout (`formats__junit`, `render__json`, `rules__efs_one_zone`).

use std::path::PathBuf;

use relcheck::{check, render, Inputs};

fn report(case: &str) -> relcheck::Report {
    // Paths in SARIF/github output are relative to the working directory: the crate root
    // under `cargo test`.
    check(
        &[PathBuf::from("tests/fixtures/e2e").join(case)],
        &Inputs::default(),
    )
}

fn sarif(case: &str) -> serde_json::Value {
    let out = render::sarif::render(&report(case), &[]);
    serde_json::from_str(&out).expect("SARIF is JSON")
}

fn validate(doc: &serde_json::Value) {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("schemas/sarif-schema-2.1.0.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the SARIF schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF schema violations:\n{}",
        errors.join("\n")
    );
}

#[test]
fn sarif_validates_against_the_official_schema() {
    for case in ["project", "broken", "vars", "tfjson"] {
        let doc = sarif(case);
        validate(&doc);
    }
}

#[test]
fn sarif_schema_rejects_a_broken_log() {
    // the validator really checks: a result without a message is not SARIF
    let mut doc = sarif("project");
    doc["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("schemas/sarif-schema-2.1.0.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(!validator.is_valid(&doc));
}

#[test]
fn sarif_lists_every_rule_with_help() {
    let doc = sarif("vars");
    let rules = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    for r in relcheck::rules::RULES {
        assert!(ids.contains(&r.meta().id), "{} missing", r.meta().id);
    }
    for r in rules {
        assert!(r["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("## What it does"));
        assert!(!r["shortDescription"]["text"].as_str().unwrap().is_empty());
    }
    // ruleIndex points at the rule
    for res in sarif("project")["runs"][0]["results"].as_array().unwrap() {
        let i = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], res["ruleId"]);
    }
}

#[test]
fn sarif_results_snapshot() {
    let doc = sarif("project");
    insta::assert_json_snapshot!("sarif_results", doc["runs"][0]["results"]);
}

#[test]
fn sarif_parse_errors_are_notifications() {
    let doc = sarif("broken");
    let inv = &doc["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false);
    assert!(!inv["toolExecutionNotifications"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[test]
fn github_snapshot() {
    insta::assert_snapshot!("github", render::github::render(&report("project")));
}

#[test]
fn github_is_exactly_workflow_command_syntax() {
    let out = render::github::render(&report("broken"));
    assert!(!out.is_empty());
    for line in out.lines() {
        // ::<command> <k>=<v>,<k>=<v>::<data>, nothing unescaped that would end a part
        let rest = line.strip_prefix("::").expect("starts with ::");
        let (cmd, rest) = rest.split_once(' ').unwrap();
        assert!(["error", "warning", "notice"].contains(&cmd), "{line}");
        let (props, data) = rest.split_once("::").expect("properties::data");
        for p in props.split(',') {
            let (k, v) = p.split_once('=').expect("key=value");
            assert!(
                ["file", "line", "col", "endLine", "endColumn", "title"].contains(&k),
                "{line}"
            );
            assert!(!v.contains(':') && !v.contains(','), "{line}");
        }
        assert!(!data.contains('\n') && !data.contains('\r'));
    }
}

#[test]
fn github_escaping() {
    use render::github::{escape_data, escape_property};
    assert_eq!(escape_data("100%\r\na:b,c"), "100%25%0D%0Aa:b,c");
    assert_eq!(escape_property("100%\na:b,c"), "100%25%0Aa%3Ab%2Cc");
}

#[test]
fn junit_snapshot() {
    insta::assert_snapshot!("junit", render::junit::render(&report("project")));
}

#[test]
fn junit_clean_run_has_one_passing_case() {
    let out = render::junit::render(&report("vars"));
    assert!(out.contains("tests=\"1\" failures=\"0\" errors=\"0\""));
    assert!(out.contains("<testcase classname=\"relcheck\" name=\"no findings\"/>"));
}

#[test]
fn markdown_snapshot() {
    insta::assert_snapshot!(
        "markdown",
        render::markdown::render(&report("project"), &[])
    );
}

#[test]
fn sarif_with_suppressions_and_unused_suppression_validates() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        "# relcheck:ignore RC101 -- dev database\nresource \"aws_db_instance\" \"a\" {\n  engine   = \"postgres\"\n  multi_az = false\n}\n\n# relcheck:ignore RC201 -- nothing to hide here\nresource \"aws_db_instance\" \"b\" {\n  engine   = \"postgres\"\n  multi_az = true\n}\n",
    )
    .unwrap();
    let mut r = check(&[dir.path().to_path_buf()], &Inputs::default());
    let suppressed = relcheck::suppress::apply(&mut r);
    assert_eq!(suppressed.len(), 1);
    let doc: serde_json::Value =
        serde_json::from_str(&render::sarif::render(&r, &suppressed)).unwrap();
    validate(&doc);
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let ids: Vec<&str> = results
        .iter()
        .map(|x| x["ruleId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["RC001", "RC101"]);
    assert_eq!(
        results[1]["suppressions"][0]["justification"],
        "dev database"
    );
    // markdown mentions the suppressed count
    assert!(render::markdown::render(&r, &suppressed).contains("1 suppressed."));
}
