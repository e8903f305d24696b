//! `relcheck check --plan`: plans written by the real Terraform CLI (with the test
//! stand-in for `hashicorp/aws` and our own provider) checked by the relcheck binary.
//! What plan input finds that HCL input cannot (a `-var` flag, a data source, a remote
//! module not installed), unknowns and deletions left silent, positions inside
//! `.terraform/modules`, suppressions, baselines, `--changed-since`, and unreadable plans.

use std::path::Path;

use reliability_e2e::aws_plan::{aws_terraform, git_commit_all, plan_json, relcheck, REQUIRED_AWS};
use reliability_e2e::{PROVIDER_SOURCE, PROVIDER_VERSION};
use serde_json::Value as Json;

/// The SSM parameters the stand-in's `aws_ssm_parameter` data source answers with.
const PARAMETERS: (&str, &str) = (
    "AWS_PLAN_PROVIDER_PARAMETERS",
    r#"{"/db/orders/multi-az": "false"}"#,
);

fn required() -> String {
    REQUIRED_AWS.replace(
        "    aws = {",
        &format!(
            "    reliability = {{\n      source  = \"{PROVIDER_SOURCE}\"\n      version = \"{PROVIDER_VERSION}\"\n    }}\n    aws = {{"
        ),
    )
}

const MAIN: &str = r#"
provider "aws" {
  region = "eu-west-1"
}

provider "reliability" {
  render_only = true
}

variable "multi_az" {
  type    = bool
  default = true
}

variable "paging_off" {
  type    = bool
  default = true
}

# Known only to the data source: HCL input cannot tell.
data "aws_ssm_parameter" "orders_multi_az" {
  name = "/db/orders/multi-az"
}

resource "aws_db_instance" "orders" {
  instance_class          = "db.t3.micro"
  engine                  = "postgres"
  multi_az                = data.aws_ssm_parameter.orders_multi_az.insecure_value == "true"
  backup_retention_period = 7
}

# `-var multi_az=false` in the pipeline: HCL input sees the default.
module "db" {
  source   = "./modules/db"
  for_each = toset(["billing", "users"])
  name     = each.key
  multi_az = var.multi_az
}

# A remote module, installed by `terraform init` under .terraform/modules/.
module "cache" {
  source = "GIT_SOURCE"
}

# Two subnets in one zone, two whose zones are known only after apply.
resource "aws_subnet" "one_zone" {
  count             = 2
  vpc_id            = "vpc-1"
  availability_zone = "eu-west-1a"
}

resource "aws_subnet" "auto" {
  count  = 2
  vpc_id = "vpc-1"
}

resource "aws_autoscaling_group" "web" {
  min_size            = 2
  max_size            = 4
  vpc_zone_identifier = aws_subnet.one_zone[*].id
}

resource "aws_autoscaling_group" "spread" {
  min_size            = 2
  max_size            = 4
  vpc_zone_identifier = aws_subnet.auto[*].id
}

# Watched by an alarm on its ARN (unknown until apply): not reported.
resource "aws_acm_certificate" "web" {
  domain_name = "www.example.com"
}

resource "aws_cloudwatch_metric_alarm" "web_cert" {
  alarm_name          = "web-cert-expiry"
  comparison_operator = "LessThanThreshold"
  evaluation_periods  = 1
  namespace           = "AWS/CertificateManager"
  metric_name         = "DaysToExpiry"
  statistic           = "Minimum"
  period              = 86400
  threshold           = 30
  dimensions          = { CertificateArn = aws_acm_certificate.web.arn }
}

resource "aws_acm_certificate" "api" {
  domain_name = "api.example.com"
}

# Backups by selection tags: `data` is covered, `scratch` is not.
resource "aws_backup_selection" "daily" {
  name         = "daily"
  iam_role_arn = "arn:aws:iam::123456789012:role/backup"
  plan_id      = "plan-1"
  selection_tag {
    type  = "STRINGEQUALS"
    key   = "backup"
    value = "daily"
  }
}

resource "aws_ebs_volume" "data" {
  availability_zone = "eu-west-1a"
  tags              = { backup = "daily" }
}

resource "aws_ebs_volume" "scratch" {
  availability_zone = "eu-west-1a"
}

resource "reliability_slo" "checkout" {
  service   = "checkout"
  name      = "availability"
  objective = 99.9
  sli {
    events {
      error_query = "sum(rate(http_requests_total{code=~\"5..\"}[{{.window}}]))"
      total_query = "sum(rate(http_requests_total[{{.window}}]))"
    }
  }
  alerting {
    page {
      disabled = var.paging_off
    }
    ticket {
      disabled = true
    }
  }
}
"#;

const DB_MODULE: &str = r#"variable "name" {}
variable "multi_az" {
  type = bool
}

resource "aws_db_instance" "this" {
  identifier     = var.name
  instance_class = "db.t3.micro"
  engine         = "postgres"
  multi_az       = var.multi_az
}
"#;

const CACHE_MODULE: &str = r#"variable "backup_tags" {
  default = { keep = "yes" }
}

# `dynamic` blocks are not in the plan's configuration section: they come from the
# planned values (and, when the module is installed, their positions from the HCL).
resource "aws_backup_selection" "cache" {
  name         = "cache"
  iam_role_arn = "arn:aws:iam::123456789012:role/backup"
  plan_id      = "plan-1"
  dynamic "selection_tag" {
    for_each = var.backup_tags
    content {
      type  = "STRINGEQUALS"
      key   = selection_tag.key
      value = selection_tag.value
    }
  }
}

resource "aws_ebs_volume" "kept" {
  availability_zone = "eu-west-1a"
  tags              = { keep = "yes" }
}

resource "aws_s3_bucket" "cache" {
  bucket = "acme-cache"
}

resource "aws_s3_bucket_versioning" "cache" {
  bucket = aws_s3_bucket.cache.id
  versioning_configuration {
    status = "Suspended"
  }
}
"#;

/// A git repository holding the cache module, as a `git::file://` source.
fn git_module(dir: &Path) -> String {
    std::fs::create_dir_all(dir).expect("module repo dir");
    std::fs::write(dir.join("main.tf"), CACHE_MODULE).expect("write module");
    git_commit_all(dir, "cache module");
    format!("git::file://{}", dir.display())
}

fn json(out: &reliability_e2e::Output) -> Json {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

/// `(rule, resource)` of every finding.
fn found(report: &Json) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or("").to_string(),
                f["resource"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn has(report: &Json, rule: &str, resource: &str) -> bool {
    found(report)
        .iter()
        .any(|(r, a)| r == rule && a == resource)
}

#[test]
fn plan_input_finds_what_hcl_input_cannot() {
    let repos = tempfile::tempdir().expect("temp dir");
    let tf = aws_terraform();
    let main = MAIN.replace("GIT_SOURCE", &git_module(&repos.path().join("cache")));
    tf.write("main.tf", &format!("{}{main}", required()));
    tf.write("modules/db/main.tf", DB_MODULE);
    tf.init();
    plan_json(&tf, &["-var", "multi_az=false"], &[PARAMETERS]);
    let dir = tf.path();

    let plan = relcheck(
        dir,
        &["check", "--plan", "plan.json", "--format", "json", "."],
    );
    assert_eq!(plan.code, 1, "{plan}");
    let report = json(&plan);
    insta::assert_json_snapshot!("plan_findings", report);

    // Only the plan knows these values.
    for db in ["module.db[\"billing\"]", "module.db[\"users\"]"] {
        assert!(has(&report, "RC101", &format!("{db}.aws_db_instance.this")));
    }
    assert!(has(&report, "RC101", "aws_db_instance.orders"));
    // Cross-resource rules on planned values.
    assert!(has(&report, "RC107", "aws_autoscaling_group.web"));
    assert!(has(&report, "RC301", "aws_acm_certificate.api"));
    assert!(has(&report, "RC206", "aws_ebs_volume.scratch"));
    assert!(has(&report, "RC207", "module.cache.aws_s3_bucket.cache"));
    assert!(has(&report, "RC402", "reliability_slo.checkout"));
    // Unknown until apply, watched, covered: silent.
    assert!(!has(&report, "RC107", "aws_autoscaling_group.spread"));
    assert!(!has(&report, "RC301", "aws_acm_certificate.web"));
    assert!(!has(&report, "RC206", "aws_ebs_volume.data"));
    assert!(!has(&report, "RC206", "module.cache.aws_ebs_volume.kept"));
    // A remote module's finding points into .terraform/modules.
    let cache = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["resource"] == "module.cache.aws_s3_bucket.cache")
        .expect("cache finding");
    assert_eq!(cache["file"], ".terraform/modules/cache/main.tf");
    assert!(cache.get("location").is_none());

    // HCL input alone: the defaults, the data source unknown.
    let hcl = json(&relcheck(dir, &["check", "--format", "json", "."]));
    assert!(!has(
        &hcl,
        "RC101",
        "module.db[\"billing\"].aws_db_instance.this"
    ));
    assert!(!has(&hcl, "RC101", "aws_db_instance.orders"));

    // Without .terraform/modules the remote module is not there: HCL input skips it, plan
    // input still checks it and points at the plan file.
    std::fs::remove_dir_all(dir.join(".terraform/modules")).expect("remove modules");
    let hcl = relcheck(dir, &["check", "--format", "json", "."]);
    assert!(hcl.stderr.contains("module.cache"), "{hcl}");
    assert!(!has(
        &json(&hcl),
        "RC207",
        "module.cache.aws_s3_bucket.cache"
    ));
    let plan = relcheck(
        dir,
        &["check", "--plan", "plan.json", "--format", "json", "."],
    );
    assert!(plan.stderr.contains("point at the plan file"), "{plan}");
    let report = json(&plan);
    let cache = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["resource"] == "module.cache.aws_s3_bucket.cache")
        .expect("cache finding from the plan");
    assert_eq!(cache["file"], "plan.json");
    assert_eq!(cache["location"], "plan");
    assert!(!has(&report, "RC206", "module.cache.aws_ebs_volume.kept"));
    assert!(has(&report, "RC206", "aws_ebs_volume.scratch"));
    let text = relcheck(dir, &["check", "--plan", "plan.json", "."]);
    assert!(
        text.stdout.contains("plan.json:1:1: warning RC207"),
        "{text}"
    );
}

#[test]
fn deleted_resources_are_not_reported_updated_ones_are() {
    let tf = aws_terraform();
    tf.write(
        "main.tf",
        &format!(
            "{REQUIRED_AWS}{}",
            r#"
variable "legacy" {
  default = 1
}

variable "keep_multi_az" {
  default = true
}

resource "aws_db_instance" "legacy" {
  count          = var.legacy
  instance_class = "db.t3.micro"
  multi_az       = false
}

resource "aws_db_instance" "keep" {
  instance_class = "db.t3.micro"
  multi_az       = var.keep_multi_az
}
"#
        ),
    );
    tf.init();
    tf.apply().success();
    let path = plan_json(
        &tf,
        &["-var", "legacy=0", "-var", "keep_multi_az=false"],
        &[],
    );
    let plan: Json = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let actions: Vec<(String, Json)> = plan["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["address"].as_str().unwrap().to_string(),
                c["change"]["actions"].clone(),
            )
        })
        .collect();
    assert!(
        actions.contains(&(
            "aws_db_instance.legacy[0]".into(),
            serde_json::json!(["delete"])
        )),
        "{actions:?}"
    );
    assert!(
        actions.contains(&("aws_db_instance.keep".into(), serde_json::json!(["update"]))),
        "{actions:?}"
    );
    let report = json(&relcheck(
        tf.path(),
        &["check", "--plan", "plan.json", "--format", "json", "."],
    ));
    assert_eq!(
        found(&report),
        [("RC101".to_string(), "aws_db_instance.keep".to_string())]
    );
    // HCL input sees the defaults: the legacy database, and the kept one as Multi-AZ.
    let hcl = json(&relcheck(tf.path(), &["check", "--format", "json", "."]));
    assert_eq!(
        found(&hcl),
        [("RC101".to_string(), "aws_db_instance.legacy[0]".to_string())]
    );
}

#[test]
fn suppressions_baselines_and_changed_since_work_on_plans() {
    let tf = aws_terraform();
    let base = r#"
resource "aws_db_instance" "a" {
  instance_class = "db.t3.micro"
  multi_az       = false
}

# relcheck:ignore RC101 -- reporting replica, loss accepted
resource "aws_db_instance" "b" {
  instance_class = "db.t3.micro"
  multi_az       = false
}
"#;
    tf.write("main.tf", &format!("{REQUIRED_AWS}{base}"));
    git_commit_all(tf.path(), "base");
    let added = r#"
resource "aws_db_instance" "c" {
  instance_class          = "db.t3.micro"
  backup_retention_period = 0
}
"#;
    tf.write("main.tf", &format!("{REQUIRED_AWS}{base}{added}"));
    tf.init();
    plan_json(&tf, &[], &[]);
    let dir = tf.path();

    let plan = relcheck(
        dir,
        &["check", "--plan", "plan.json", "--format", "json", "."],
    );
    let report = json(&plan);
    assert!(has(&report, "RC101", "aws_db_instance.a"));
    assert!(!has(&report, "RC101", "aws_db_instance.b"), "{plan}");
    assert_eq!(report["suppressions"][0]["resource"], "aws_db_instance.b");
    // Unset multi_az (unknown in the plan) is judged by its default, as for HCL input.
    assert!(has(&report, "RC101", "aws_db_instance.c"));
    assert!(has(&report, "RC201", "aws_db_instance.c"));
    let hcl = json(&relcheck(dir, &["check", "--format", "json", "."]));
    assert_eq!(found(&hcl), found(&report));
    // The same findings; only HCL input carries fixes (`--fix` refuses `--plan`).
    let mut hcl_findings = hcl["findings"].clone();
    for f in hcl_findings.as_array_mut().unwrap() {
        f.as_object_mut().unwrap().remove("fix");
    }
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f.get("fix").is_none()));
    assert_eq!(hcl_findings, report["findings"]);

    // The same fingerprints from either input.
    relcheck(dir, &["check", "--write-baseline", "hcl.baseline", "."]);
    relcheck(
        dir,
        &[
            "check",
            "--plan",
            "plan.json",
            "--write-baseline",
            "plan.baseline",
            ".",
        ],
    );
    let read = |n: &str| std::fs::read_to_string(dir.join(n)).expect("baseline");
    assert_eq!(read("hcl.baseline"), read("plan.baseline"));
    let none = relcheck(
        dir,
        &[
            "check",
            "--plan",
            "plan.json",
            "--baseline",
            "hcl.baseline",
            ".",
        ],
    );
    assert_eq!(none.code, 0, "{none}");

    // --changed-since: only the resource added since the commit.
    let changed = json(&relcheck(
        dir,
        &[
            "check",
            "--plan",
            "plan.json",
            "--changed-since",
            "HEAD",
            "--format",
            "json",
            ".",
        ],
    ));
    let resources: Vec<String> = found(&changed).into_iter().map(|(_, r)| r).collect();
    assert_eq!(resources, ["aws_db_instance.c", "aws_db_instance.c"]);
}

#[test]
fn unreadable_plans_exit_2_naming_the_file() {
    let tf = aws_terraform();
    tf.write(
        "main.tf",
        &format!(
            "{REQUIRED_AWS}resource \"aws_db_instance\" \"a\" {{\n  instance_class = \"db.t3.micro\"\n}}\n"
        ),
    );
    tf.init();
    let path = plan_json(&tf, &[], &[]);
    let dir = tf.path();
    let good = std::fs::read_to_string(&path).unwrap();
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "truncated.json",
            good[..good.len() / 2].to_string(),
            "truncated",
        ),
        (
            "malformed.json",
            good.replacen('{', "{,", 1),
            "not valid JSON",
        ),
        (
            "version.json",
            good.replacen(
                &format!(
                    "\"format_version\":{}",
                    serde_json::json!(plan_version(&good))
                ),
                "\"format_version\":\"2.0\"",
                1,
            ),
            "format version \"2.0\" is not supported",
        ),
        ("empty.json", String::new(), "truncated"),
        ("list.json", "[]".into(), "a JSON plan is an object"),
    ];
    for (name, text, want) in cases {
        std::fs::write(dir.join(name), text).unwrap();
        let out = relcheck(dir, &["check", "--plan", name, "."]);
        assert_eq!(out.code, 2, "{name}: {out}");
        assert!(out.stderr.contains(name), "{name}: {out}");
        assert!(out.stderr.contains(want), "{name}: {out}");
    }
    // The binary plan itself: say how to get its JSON.
    let out = relcheck(dir, &["check", "--plan", "tfplan", "."]);
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("terraform show -json tfplan"), "{out}");
    // The state, not a plan.
    let state = tf.run(&["show", "-json", "-no-color"]).success();
    std::fs::write(dir.join("state.json"), state.stdout).unwrap();
    let out = relcheck(dir, &["check", "--plan", "state.json", "."]);
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("state.json"), "{out}");
    // A good plan still exits by its findings.
    let ok = relcheck(dir, &["check", "--plan", "plan.json", "."]);
    assert_eq!(ok.code, 1, "{ok}");
}

fn plan_version(text: &str) -> String {
    let v: Json = serde_json::from_str(text).unwrap();
    v["format_version"].as_str().unwrap().to_string()
}

const DESTROYS: &str = r#"
provider "aws" {
  region = "eu-west-1"
}

# Known only to the data source: HCL input cannot tell, the plan can.
data "aws_ssm_parameter" "skip_final_snapshot" {
  name = "/db/reports/skip-final-snapshot"
}

resource "aws_db_instance" "reports" {
  instance_class      = "db.t3.micro"
  engine              = "postgres"
  skip_final_snapshot = data.aws_ssm_parameter.skip_final_snapshot.insecure_value == "true"
}

# No final snapshot, automated backups deleted with it (provider defaults).
resource "aws_db_instance" "scratch" {
  identifier          = "scratch"
  instance_class      = "db.t3.micro"
  engine              = "postgres"
  skip_final_snapshot = true
}

# A replica: its source holds the data.
resource "aws_db_instance" "replica" {
  instance_class      = "db.t3.micro"
  replicate_source_db = aws_db_instance.scratch.identifier
  skip_final_snapshot = true
}

# AWS Backup recovery points outlive it.
resource "aws_db_instance" "backed_up" {
  instance_class      = "db.t3.micro"
  engine              = "postgres"
  skip_final_snapshot = true
}

resource "aws_backup_selection" "db" {
  name         = "db"
  iam_role_arn = "arn:aws:iam::123456789012:role/backup"
  plan_id      = "plan-1"
  resources    = [aws_db_instance.backed_up.arn]
}
"#;

/// Destroys that take the backups along (issue 25, RC213) on a real plan: a value only
/// the plan knows is judged, replicas and AWS Backup coverage stay silent as on HCL input.
#[test]
fn destroys_that_take_the_backups_along() {
    let tf = aws_terraform();
    tf.write("main.tf", &format!("{REQUIRED_AWS}{DESTROYS}"));
    tf.init();
    let parameters = (
        "AWS_PLAN_PROVIDER_PARAMETERS",
        r#"{"/db/reports/skip-final-snapshot": "true"}"#,
    );
    plan_json(&tf, &[], &[parameters]);
    let rc213 = |out: &reliability_e2e::Output| -> Vec<String> {
        found(&json(out))
            .into_iter()
            .filter(|(rule, _)| rule == "RC213")
            .map(|(_, resource)| resource)
            .collect()
    };
    let plan = relcheck(
        tf.path(),
        &["check", "--plan", "plan.json", "--format", "json", "."],
    );
    assert_eq!(
        rc213(&plan),
        ["aws_db_instance.reports", "aws_db_instance.scratch"],
        "{plan}"
    );
    let hcl = relcheck(tf.path(), &["check", "--format", "json", "."]);
    assert_eq!(rc213(&hcl), ["aws_db_instance.scratch"], "{hcl}");
}
