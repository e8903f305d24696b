//! The evaluator through small configurations: what is known, what stays unknown.

mod support;

use relcheck::value::Value;
use relcheck::{check, Inputs};

use support::{eval_input, instances, main_tf, probe};

fn s(v: &str) -> Value {
    Value::String(v.into())
}

#[test]
fn literals_operators_and_conditionals() {
    assert_eq!(
        main_tf(r#"resource "terraform_data" "probe" { input = 1 + 2 * 3 }"#),
        Value::Number(7.0)
    );
    assert_eq!(
        main_tf(r#"resource "terraform_data" "probe" { input = 2 > 1 && !false ? "yes" : "no" }"#),
        s("yes")
    );
    assert_eq!(
        main_tf(r#"resource "terraform_data" "probe" { input = "a-${1 + 1}-b" }"#),
        s("a-2-b")
    );
}

#[test]
fn three_valued_logic() {
    let cfg = r#"
variable "unknown" {}
resource "terraform_data" "probe" { input = [var.unknown && false, var.unknown || true, var.unknown == 1] }
"#;
    let v = main_tf(cfg);
    let l = v.as_list().unwrap();
    assert_eq!(l[0], Value::Bool(false));
    assert_eq!(l[1], Value::Bool(true));
    assert!(l[2].is_unknown());
}

#[test]
fn unknown_condition_with_equal_branches_is_known() {
    let cfg = r#"
variable "x" {}
resource "terraform_data" "probe" { input = var.x ? "same" : "same" }
"#;
    assert_eq!(main_tf(cfg), s("same"));
}

#[test]
fn locals_variables_and_functions() {
    let cfg = r#"
variable "env" { default = "prod" }
locals {
  tags  = merge({ a = "1" }, { b = upper(var.env) })
  names = [for k, v in local.tags : "${k}=${v}" if k != "x"]
}
resource "terraform_data" "probe" {
  input = [
    join(",", local.names),
    lookup(local.tags, "missing", "dflt"),
    length(local.names),
    try(local.tags.nope, "fallback"),
    coalesce(null, "", "c"),
    contains(["a", "b"], "b"),
    format("%s-%d", "x", 3),
    element(concat(["p"], ["q"]), 1),
  ]
}
"#;
    assert_eq!(
        main_tf(cfg),
        Value::List(vec![
            s("a=1,b=PROD"),
            s("dflt"),
            Value::Number(2.0),
            s("fallback"),
            s("c"),
            Value::Bool(true),
            s("x-3"),
            s("q"),
        ])
    );
}

#[test]
fn resource_references_are_unknown_but_remembered() {
    let cfg = r#"
resource "aws_ebs_volume" "data" {}
resource "terraform_data" "probe" { input = ["${aws_ebs_volume.data.arn}/x"] }
"#;
    let v = main_tf(cfg);
    assert!(v.contains_unknown());
    assert!(v.refers_to("aws_ebs_volume.data"));
}

#[test]
fn self_referencing_locals_do_not_hang() {
    let cfg = r#"
locals {
  a = local.b
  b = local.a
}
resource "terraform_data" "probe" { input = local.a }
"#;
    assert!(main_tf(cfg).is_unknown());
}

#[test]
fn tfvars_auto_tfvars_and_cli_vars_in_order() {
    let files = [
        (
            "main.tf",
            r#"
variable "a" { default = "default" }
variable "b" { default = "default" }
variable "c" { default = "default" }
variable "d" {
  type    = bool
  default = true
}
resource "terraform_data" "probe" { input = [var.a, var.b, var.c, var.d] }
"#,
        ),
        ("terraform.tfvars", "a = \"tfvars\"\nb = \"tfvars\"\n"),
        ("x.auto.tfvars", "b = \"auto\"\nc = \"auto\"\n"),
    ];
    let inputs = Inputs {
        var_files: vec![],
        vars: vec![("c".into(), "cli".into()), ("d".into(), "false".into())],
    };
    assert_eq!(
        eval_input(&files, &inputs),
        Value::List(vec![s("tfvars"), s("auto"), s("cli"), Value::Bool(false)])
    );
}

#[test]
fn count_and_for_each_expand_instances() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("main.tf"),
        r#"
variable "n" { default = 2 }
variable "unknown" {}
resource "aws_ebs_volume" "counted" { count = var.n }
resource "aws_ebs_volume" "none" { count = 0 }
resource "aws_ebs_volume" "each" { for_each = toset(["a", "b"]) }
resource "aws_ebs_volume" "maybe" { count = var.unknown }
"#,
    )
    .unwrap();
    let insts = instances(tmp.path(), &Inputs::default());
    let addrs: Vec<&str> = insts.iter().map(|i| i.address.as_str()).collect();
    assert_eq!(
        addrs,
        [
            "aws_ebs_volume.counted[0]",
            "aws_ebs_volume.counted[1]",
            "aws_ebs_volume.each[\"a\"]",
            "aws_ebs_volume.each[\"b\"]",
            "aws_ebs_volume.maybe",
        ]
    );
    assert!(!insts[4].count_known);
}

#[test]
fn module_cycle_is_an_error_not_a_crash() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("root")).unwrap();
    std::fs::create_dir_all(tmp.path().join("a")).unwrap();
    std::fs::write(
        tmp.path().join("root/main.tf"),
        "module \"a\" {\n  source = \"../a\"\n}\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("a/main.tf"),
        "module \"self\" {\n  source = \"./\"\n}\n",
    )
    .unwrap();
    let report = check(&[tmp.path().join("root")], &Inputs::default());
    assert!(
        report.errors.iter().any(|e| e.message.contains("cycle")),
        "{:?}",
        report.errors.iter().map(|e| &e.message).collect::<Vec<_>>()
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let tmp = tempfile::tempdir().unwrap();
    let deep = format!(
        "locals {{\n  x = {}1{}\n}}\n",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    std::fs::write(tmp.path().join("deep.tf"), deep).unwrap();
    let expr = format!("locals {{\n  y = {}1\n}}\n", "-".repeat(20000));
    std::fs::write(tmp.path().join("neg.tf"), expr).unwrap();
    std::fs::write(tmp.path().join("bin.tf"), [0u8, 159, 146, 150, 0, 1]).unwrap();
    let report = check(&[tmp.path().to_path_buf()], &Inputs::default());
    assert!(report.errors.iter().any(|e| e.file == "deep.tf"));
    assert!(report.errors.iter().any(|e| e.file == "bin.tf"));
}

#[test]
fn resources_in_a_module_with_unknown_count_are_uncertain() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("m")).unwrap();
    std::fs::write(
        tmp.path().join("main.tf"),
        "variable \"n\" {}\nmodule \"m\" {\n  source = \"./m\"\n  count  = var.n\n}\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("m/main.tf"),
        "resource \"aws_db_instance\" \"db\" {}\n",
    )
    .unwrap();
    let insts = instances(tmp.path(), &Inputs::default());
    assert_eq!(insts.len(), 1);
    assert!(!insts[0].count_known);
    let report = check(&[tmp.path().to_path_buf()], &Inputs::default());
    assert!(
        report.findings.is_empty(),
        "no finding on a resource that may not exist"
    );
}

#[test]
fn optional_object_attributes_get_their_defaults() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("m")).unwrap();
    std::fs::write(
        tmp.path().join("main.tf"),
        "module \"m\" {\n  source = \"./m\"\n  db = { name = \"a\" }\n  pools = { one = {}, two = { zones = [\"1\"] } }\n}\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("m/main.tf"),
        r#"
variable "db" {
  type = object({
    name     = string
    multi_az = optional(bool, false)
    engine   = optional(string)
  })
}
variable "pools" {
  type = map(object({ zones = optional(list(string), ["1", "2"]) }))
}
resource "terraform_data" "probe" {
  input = [var.db.multi_az, var.db.engine, var.pools.one.zones, var.pools.two.zones]
}
"#,
    )
    .unwrap();
    let v = probe(tmp.path(), &Inputs::default());
    assert_eq!(
        v,
        Value::List(vec![
            Value::Bool(false),
            Value::Null,
            Value::List(vec![s("1"), s("2")]),
            Value::List(vec![s("1")]),
        ])
    );
}

/// Checks one `main.tf`: (rule id, 1-based line) of each finding, and the load errors.
fn check_main_tf(text: &str) -> (Vec<(&'static str, usize)>, Vec<String>) {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("main.tf"), text).unwrap();
    let r = check(&[tmp.path().to_path_buf()], &Inputs::default());
    let findings = r
        .findings
        .iter()
        .map(|f| (f.rule.id, r.position(f).0))
        .collect();
    (
        findings,
        r.errors.iter().map(|e| e.message.clone()).collect(),
    )
}

/// Newlines are insignificant inside `for` expressions (cloudposse/terraform-null-label
/// splits a conditional over lines in one): the file is read, evaluated, and findings after
/// it keep their lines.
#[test]
fn conditional_split_over_lines_in_a_for_expression() {
    let text = r#"locals {
  answers = { for k, v in { a = true, b = false } : k => v ?
    "yes" : "no" # trailing comment
  }
}
resource "terraform_data" "probe" {
  input = local.answers
}
resource "aws_db_instance" "main" {
  multi_az = local.answers["b"] == "yes"
}
"#;
    let mut m = std::collections::BTreeMap::new();
    m.insert("a".to_string(), s("yes"));
    m.insert("b".to_string(), s("no"));
    assert_eq!(main_tf(text), Value::Map(m));
    assert_eq!(check_main_tf(text), (vec![("RC101", 10)], vec![]));
}

/// An object constructor may repeat a key; the last value wins (terraform-google-sql-db's
/// cross-region example repeats `encryption_key_name`).
#[test]
fn repeated_object_key_last_value_wins() {
    let text = r#"locals {
  settings = {
    multi_az = true
    tier     = "x"
    multi_az = false
  }
}
resource "terraform_data" "probe" {
  input = { a = 1, a = 2, b = local.settings.tier }
}
resource "aws_db_instance" "main" {
  multi_az = local.settings.multi_az
}
"#;
    let mut m = std::collections::BTreeMap::new();
    m.insert("a".to_string(), Value::Number(2.0));
    m.insert("b".to_string(), s("x"));
    assert_eq!(main_tf(text), Value::Map(m));
    assert_eq!(check_main_tf(text), (vec![("RC101", 12)], vec![]));
}

/// An attribute repeated in a block body is an error for Terraform too: still reported.
#[test]
fn repeated_attribute_is_still_an_error() {
    let (_, errors) = check_main_tf("resource \"x\" \"y\" {\n  a = 1\n  a = 2\n}\n");
    assert_eq!(errors.len(), 1, "{errors:?}");
}

/// `replicate_source_db = ""` / `replication_source_identifier = ""` (modules' default)
/// mean "not a replica": RC101, RC102 and RC201 still apply.
#[test]
fn empty_replica_source_is_not_a_replica() {
    let text = r#"resource "aws_db_instance" "main" {
  replicate_source_db     = ""
  multi_az                = false
  backup_retention_period = 0
}
resource "aws_rds_cluster" "main" {
  replication_source_identifier = ""
  backup_retention_period       = 0
}
resource "aws_db_instance" "replica" {
  replicate_source_db     = aws_db_instance.main.identifier
  backup_retention_period = 0
}
"#;
    let (findings, errors) = check_main_tf(text);
    assert!(errors.is_empty(), "{errors:?}");
    let mut ids: Vec<&str> = findings.iter().map(|(id, _)| *id).collect();
    ids.sort();
    assert_eq!(ids, ["RC101", "RC102", "RC201", "RC201"], "{findings:?}");
}

/// A chain of module calls deeper than the limit is reported as too deep (not as a cycle).
#[test]
fn module_nesting_deeper_than_the_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let mut dir = tmp.path().to_path_buf();
    for _ in 0..30 {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("main.tf"),
            "module \"next\" {\n  source = \"./next\"\n}\n",
        )
        .unwrap();
        dir = dir.join("next");
    }
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("main.tf"), "").unwrap();
    let r = check(&[tmp.path().to_path_buf()], &Inputs::default());
    let messages: Vec<&str> = r.errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        messages,
        ["module \"next\" is nested deeper than 24 module calls; not evaluated"]
    );
}
