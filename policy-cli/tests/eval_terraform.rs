//! The evaluator exactly like Terraform (issue 24): references name instances, attributes
//! set to other resources' values are followed, failing functions are errors `try`/`can`
//! catch, collections keep every element's references.

mod support;

use relcheck::value::Value;
use relcheck::Inputs;
use support::{instances, main_tf};

fn s(v: &str) -> Value {
    Value::String(v.into())
}

/// The refs of a value, sorted (for asserting which instances it names).
fn refs(v: &Value) -> Vec<String> {
    let mut r = Vec::new();
    v.collect_refs(&mut r);
    let mut r: Vec<String> = r.into_iter().map(str::to_string).collect();
    r.sort();
    r.dedup();
    r
}

/// A reference to one instance names that instance only; the whole resource is a list
/// (`count`) or map (`for_each`) of its instances; `for_each = <resource>` gives each
/// instance its own `each.value`. (Pattern: terraform-aws-modules/terraform-aws-s3-bucket
/// refers to `aws_s3_bucket.this[0].id`.)
#[test]
fn references_name_instances_not_resources() {
    let cfg = r#"
resource "aws_s3_bucket" "lake" { for_each = toset(["raw", "curated"]) }
resource "aws_instance" "web" { count = 2 }
resource "aws_acm_certificate" "this" { for_each = { api = "api.example.com", www = "www.example.com" } }
resource "aws_cloudwatch_metric_alarm" "expiry" {
  for_each   = aws_acm_certificate.this
  dimensions = { CertificateArn = each.value.arn }
}
resource "terraform_data" "probe" {
  input = [
    aws_s3_bucket.lake["raw"].id,
    aws_instance.web[1].id,
    aws_instance.web[*].id,
    [for b in aws_s3_bucket.lake : b.arn],
    length(aws_instance.web),
  ]
}
"#;
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("main.tf"), cfg).unwrap();
    let insts = instances(tmp.path(), &Inputs::default());
    let probe = insts.iter().find(|i| i.name == "probe").unwrap();
    let v = probe
        .body
        .value("input")
        .unwrap()
        .as_list()
        .unwrap()
        .to_vec();
    assert_eq!(refs(&v[0]), ["aws_s3_bucket.lake[\"raw\"]"]);
    assert_eq!(refs(&v[1]), ["aws_instance.web[1]"]);
    assert_eq!(refs(&v[2]), ["aws_instance.web[0]", "aws_instance.web[1]"]);
    assert_eq!(
        refs(&v[3]),
        [
            "aws_s3_bucket.lake[\"curated\"]",
            "aws_s3_bucket.lake[\"raw\"]"
        ]
    );
    assert_eq!(v[4], Value::Number(2.0));
    let alarms: Vec<(String, Vec<String>)> = insts
        .iter()
        .filter(|i| i.name == "expiry")
        .map(|i| (i.address.clone(), refs(i.body.value("dimensions").unwrap())))
        .collect();
    assert_eq!(
        alarms,
        [
            (
                "aws_cloudwatch_metric_alarm.expiry[\"api\"]".to_string(),
                vec!["aws_acm_certificate.this[\"api\"]".to_string()]
            ),
            (
                "aws_cloudwatch_metric_alarm.expiry[\"www\"]".to_string(),
                vec!["aws_acm_certificate.this[\"www\"]".to_string()]
            ),
        ]
    );
}

/// An attribute the configuration sets is what the plan shows: following
/// `aws_acm_certificate_validation.this[0].certificate_arn` reaches the certificate
/// (terraform-aws-modules/terraform-aws-acm's `acm_certificate_arn` output). A computed
/// attribute, a known one, or one unknown without references stays a reference to the
/// instance.
#[test]
fn attributes_set_in_configuration_are_followed() {
    let cfg = r#"
variable "name" {}
resource "aws_acm_certificate" "this" { count = 1 }
resource "aws_acm_certificate_validation" "this" {
  count           = 1
  certificate_arn = aws_acm_certificate.this[0].arn
}
resource "aws_subnet" "a" { availability_zone = "eu-west-1a" }
resource "aws_rds_cluster" "this" {
  count              = 1
  cluster_identifier = var.name
}
resource "terraform_data" "probe" {
  input = [
    element(concat(aws_acm_certificate_validation.this[*].certificate_arn, aws_acm_certificate.this[*].arn, [""]), 0),
    aws_subnet.a.availability_zone,
    aws_acm_certificate_validation.this[0].id,
    "cluster:${aws_rds_cluster.this[0].cluster_identifier}",
  ]
}
"#;
    let v = main_tf(cfg);
    let l = v.as_list().unwrap();
    assert_eq!(refs(&l[0]), ["aws_acm_certificate.this[0]"]);
    // A known value keeps naming the instance it was read from.
    assert_eq!(refs(&l[1]), ["aws_subnet.a"]);
    assert_eq!(refs(&l[2]), ["aws_acm_certificate_validation.this[0]"]);
    // Unknown without references (a variable without a value): the instance stays
    // (terraform-aws-rds-aurora's autoscaling target `resource_id`).
    assert_eq!(refs(&l[3]), ["aws_rds_cluster.this[0]"]);
}

/// Failing functions are errors that `try` skips and `can` reports as false; unknown values
/// stay unknown (terraform-aws-modules/terraform-aws-s3-bucket's versioning `status`).
#[test]
fn function_errors_are_caught_by_try_and_can() {
    let cfg = r#"
variable "unknown" {}
locals { versioning = { status = "suspended" } }
resource "terraform_data" "probe" {
  input = [
    try(local.versioning["enabled"] ? "Enabled" : "Suspended", tobool(local.versioning["status"]) ? "Enabled" : "Suspended", title(lower(local.versioning["status"])), "Enabled"),
    can(tobool("suspended")),
    can(lookup({}, "x")),
    try(element([], 0), "empty"),
    try(one([1, 2]), "many"),
    try(tonumber("x"), -1),
    can(var.unknown),
    try(var.unknown, "fallback"),
  ]
}
"#;
    let v = main_tf(cfg);
    let l = v.as_list().unwrap();
    assert_eq!(l[0], s("Suspended"));
    assert_eq!(l[1], Value::Bool(false));
    assert_eq!(l[2], Value::Bool(false));
    assert_eq!(l[3], s("empty"));
    assert_eq!(l[4], s("many"));
    assert_eq!(l[5], Value::Number(-1.0));
    assert!(l[6].is_unknown() && !l[6].is_error());
    assert!(l[7].is_unknown() && !l[7].is_error());
}

/// `concat`, `flatten`, `setunion`, `merge` and `for` expressions with an unknown filter
/// keep the references of every element (cloudposse/terraform-aws-backup passes
/// `concat(var.backup_resources, ...)`-style lists to a selection).
#[test]
fn collections_keep_the_references_of_every_element() {
    let cfg = r#"
variable "unknown" {}
resource "aws_ebs_volume" "a" {}
resource "aws_ebs_volume" "b" { count = 2 }
resource "aws_efs_file_system" "c" {}
resource "terraform_data" "probe" {
  input = [
    concat(var.unknown, [aws_ebs_volume.a.arn]),
    flatten([aws_ebs_volume.b[*].arn, [aws_efs_file_system.c.arn]]),
    setunion([aws_ebs_volume.a.arn], [for v in aws_ebs_volume.b : v.arn if v.tags == var.unknown]),
    merge({ a = aws_ebs_volume.a.arn }, var.unknown),
  ]
}
"#;
    let v = main_tf(cfg);
    let l = v.as_list().unwrap();
    assert_eq!(refs(&l[0]), ["?", "aws_ebs_volume.a"]);
    assert_eq!(
        refs(&l[1]),
        [
            "aws_ebs_volume.b[0]",
            "aws_ebs_volume.b[1]",
            "aws_efs_file_system.c"
        ]
    );
    assert_eq!(
        refs(&l[2]),
        [
            "aws_ebs_volume.a",
            "aws_ebs_volume.b[0]",
            "aws_ebs_volume.b[1]"
        ]
    );
    assert_eq!(refs(&l[3]), ["?", "aws_ebs_volume.a"]);
}

/// An error (what Terraform would reject) refers to nothing a rule can rely on: it counts
/// as opaque, so cross-resource rules stay silent instead of reading it as "refers to
/// nothing".
#[test]
fn errors_are_opaque() {
    let v = main_tf(r#"resource "terraform_data" "probe" { input = lookup({}, "missing") }"#);
    assert!(v.is_error());
    assert!(v.contains_opaque_unknown());
}

/// An instance that does not exist (`x[5]` of two, `x["gold"]` of raw and curated) is an
/// error Terraform reports, which `try` catches.
#[test]
fn missing_instances_are_errors() {
    let cfg = r#"
resource "aws_s3_bucket" "lake" { for_each = toset(["raw", "curated"]) }
resource "aws_instance" "web" { count = 2 }
resource "terraform_data" "probe" {
  input = [
    try(aws_instance.web[5].id, "none"),
    try(aws_s3_bucket.lake["gold"].id, "none"),
    can(aws_instance.web[1].id),
  ]
}
"#;
    let v = main_tf(cfg);
    let l = v.as_list().unwrap();
    assert_eq!(l[0], s("none"));
    assert_eq!(l[1], s("none"));
    assert!(l[2].is_unknown() && !l[2].is_error());
}

/// `regex`/`regexall` evaluate as Terraform's do: the result's shape follows the pattern's
/// groups, no match is an error `can`/`try` catch, an unknown string stays unknown.
/// (Pattern: lgallard/terraform-aws-backup creates its vault only when
/// `can(regex("(?i)(test|temp|…)", var.vault_name))` is false.)
#[test]
fn regex_and_regexall_evaluate_like_terraform() {
    let cfg = r#"
variable "unknown" {}
resource "terraform_data" "probe" {
  input = [
    can(regex("(?i)(test|temp|delete)", "ledger")),
    can(regex("(?i)(test|temp|delete)", "TEMP-ledger")),
    regex("^arn:aws:backup:([a-z0-9-]+):(\\d{12}):", "arn:aws:backup:eu-west-1:111111111111:backup-vault:x"),
    regex("(?P<region>[a-z]+-[a-z]+-\\d)", "eu-west-1a")["region"],
    length(regexall("[0-9]+", "a1b22c333")),
    try(regex("z", "abc"), "no match"),
    regex("[a-z]+", var.unknown),
  ]
}
"#;
    let v = main_tf(cfg);
    let l = v.as_list().unwrap();
    assert_eq!(l[0], Value::Bool(false));
    assert_eq!(l[1], Value::Bool(true));
    assert_eq!(l[2], Value::List(vec![s("eu-west-1"), s("111111111111")]));
    assert_eq!(l[3], s("eu-west-1"));
    assert_eq!(l[4], Value::Number(3.0));
    assert_eq!(l[5], s("no match"));
    assert!(l[6].is_unknown() && !l[6].is_error());
}
