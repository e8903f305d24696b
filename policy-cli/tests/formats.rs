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

/// The fixture whose findings have fixes (`tests/fixtures/fix`), checked from the crate root.
fn fixable() -> relcheck::Report {
    check(&[PathBuf::from("tests/fixtures/fix")], &Inputs::default())
}

/// Byte offset of a 1-based line and 1-based column; `bytes`: the column counts UTF-8
/// bytes (rdjson), else Unicode code points (our SARIF's `columnKind`).
fn offset(text: &str, line: u64, column: u64, bytes: bool) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line as usize - 1)
        .map(str::len)
        .sum();
    let col = column as usize - 1;
    if bytes {
        return start + col;
    }
    start
        + text[start..]
            .char_indices()
            .nth(col)
            .map_or(text.len() - start, |(i, _)| i)
}

/// Applies one replacement to the fixture's text, checks the result, and asserts that the
/// finding `(rule, resource)` is gone and no other finding appeared.
fn assert_fix_fixes(
    text: &str,
    span: std::ops::Range<usize>,
    inserted: &str,
    rule: &str,
    resource: &str,
) {
    let before: Vec<(String, String)> = fixable()
        .findings
        .iter()
        .map(|f| (f.rule.id.to_string(), f.resource.clone()))
        .collect();
    let fixed = format!("{}{inserted}{}", &text[..span.start], &text[span.end..]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), &fixed).unwrap();
    let after = check(&[dir.path().to_path_buf()], &Inputs::default());
    assert!(after.errors.is_empty(), "{fixed}");
    let now: Vec<(String, String)> = after
        .findings
        .iter()
        .map(|f| (f.rule.id.to_string(), f.resource.clone()))
        .collect();
    assert!(
        !now.contains(&(rule.to_string(), resource.to_string())),
        "{rule} {resource} is still there after its fix:\n{fixed}"
    );
    for k in &now {
        assert!(
            before.contains(k),
            "the fix of {rule} added {k:?}:\n{fixed}"
        );
    }
}

/// SARIF `fixes`: valid against the 2.1.0 schema, one replacement at an exact region per
/// fixable finding, and applying it alone removes the finding.
#[test]
fn sarif_fixes_validate_and_fix() {
    let doc: serde_json::Value =
        serde_json::from_str(&render::sarif::render(&fixable(), &[])).unwrap();
    validate(&doc);
    let text = std::fs::read_to_string("tests/fixtures/fix/main.tf").unwrap();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let mut fixed = Vec::new();
    for r in results {
        let resource = r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
            .as_str()
            .unwrap();
        let rule = r["ruleId"].as_str().unwrap();
        let Some(fixes) = r["fixes"].as_array() else {
            continue;
        };
        assert_eq!(fixes.len(), 1);
        let change = &fixes[0]["artifactChanges"][0];
        assert_eq!(
            change["artifactLocation"]["uri"],
            "tests/fixtures/fix/main.tf"
        );
        let rep = &change["replacements"][0];
        let reg = &rep["deletedRegion"];
        let n = |k: &str| reg[k].as_u64().unwrap();
        let span = offset(&text, n("startLine"), n("startColumn"), false)
            ..offset(&text, n("endLine"), n("endColumn"), false);
        let inserted = rep["insertedContent"]["text"].as_str().unwrap();
        assert_fix_fixes(&text, span, inserted, rule, resource);
        fixed.push(format!("{rule} {resource}"));
    }
    // A value from a variable has no fix.
    assert_eq!(
        fixed,
        [
            "RC101 aws_db_instance.orders",
            "RC101 aws_db_instance.billing",
            "RC201 aws_db_instance.billing",
            "RC202 aws_dynamodb_table.t",
            "RC204 google_sql_database_instance.db",
            "RC113 google_sql_database_instance.db",
        ]
    );
    let with_fixes: Vec<&serde_json::Value> = results
        .iter()
        .filter(|r| r.get("fixes").is_some())
        .collect();
    insta::assert_json_snapshot!("sarif_fixes", with_fixes);
}

/// reviewdog's documented rdjson shape (`proto/rdf/reviewdog.proto` and its JSON schema
/// `DiagnosticResult`), written down here with what its documentation says is required:
/// positions are integers from 1, severities the enum's names, a suggestion has a range
/// with a start and a text.
fn rdjson_schema() -> serde_json::Value {
    let position = serde_json::json!({
        "type": "object",
        "required": ["line"],
        "properties": {
            "line": {"type": "integer", "minimum": 1},
            "column": {"type": "integer", "minimum": 1}
        }
    });
    let range = serde_json::json!({
        "type": "object",
        "required": ["start"],
        "properties": {"start": position, "end": position}
    });
    serde_json::json!({
        "type": "object",
        "required": ["diagnostics"],
        "properties": {
            "source": {
                "type": "object",
                "required": ["name"],
                "properties": {"name": {"type": "string"}, "url": {"type": "string"}}
            },
            "diagnostics": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["message", "location"],
                    "properties": {
                        "message": {"type": "string"},
                        "location": {
                            "type": "object",
                            "required": ["path"],
                            "properties": {"path": {"type": "string"}, "range": range}
                        },
                        "severity": {"enum": ["UNKNOWN_SEVERITY", "ERROR", "WARNING", "INFO"]},
                        "code": {
                            "type": "object",
                            "required": ["value"],
                            "properties": {"value": {"type": "string"}, "url": {"type": "string"}}
                        },
                        "suggestions": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["range", "text"],
                                "properties": {"range": range, "text": {"type": "string"}}
                            }
                        }
                    }
                }
            }
        }
    })
}

/// `--format rdjson`: valid against reviewdog's documented shape; each suggestion (byte
/// columns, exclusive end) applied alone removes its finding.
#[test]
fn rdjson_suggestions_validate_and_fix() {
    let out = render::rdjson::render(&fixable());
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let validator = jsonschema::validator_for(&rdjson_schema()).unwrap();
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    // The validator really checks: a column of 0 is not a position.
    let mut broken = doc.clone();
    broken["diagnostics"][0]["location"]["range"]["start"]["column"] = 0.into();
    assert!(!validator.is_valid(&broken));

    let text = std::fs::read_to_string("tests/fixtures/fix/main.tf").unwrap();
    let mut suggested = 0;
    for d in doc["diagnostics"].as_array().unwrap() {
        assert_eq!(d["location"]["path"], "tests/fixtures/fix/main.tf");
        let Some(s) = d["suggestions"].as_array() else {
            continue;
        };
        let rule = d["code"]["value"].as_str().unwrap();
        let message = d["message"].as_str().unwrap();
        let resource = message
            .lines()
            .next()
            .and_then(|l| l.rsplit_once(" ("))
            .map(|(_, r)| r.trim_end_matches(')'))
            .unwrap();
        let r = &s[0]["range"];
        let pos = |p: &serde_json::Value| {
            offset(
                &text,
                p["line"].as_u64().unwrap(),
                p["column"].as_u64().unwrap(),
                true,
            )
        };
        let span = pos(&r["start"])..pos(&r["end"]);
        assert_fix_fixes(&text, span, s[0]["text"].as_str().unwrap(), rule, resource);
        suggested += 1;
    }
    assert_eq!(suggested, 6);
    insta::assert_snapshot!("rdjson", out);
}
