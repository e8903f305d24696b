//! The backup rules of issue 25 (RC213 destroy-deletes-backups, RC214
//! backup-vault-erasable, RC215 aws-backup-plan-no-restore-test) and issue 24's
//! per-instance precision on plans the real Terraform CLI writes (with the test stand-in
//! for `hashicorp/aws`): `relcheck check --plan` finds exactly what HCL input finds, and
//! the findings are the ones the configuration's comments say.

use reliability_e2e::aws_plan::{aws_terraform, plan_json, relcheck, REQUIRED_AWS};
use serde_json::Value as Json;

const BACKUPS: &str = r#"
provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["123456789012"]
}

data "aws_caller_identity" "current" {}

# RC213: a destroy leaves no copy (automated backups deleted, no final snapshot).
resource "aws_rds_cluster" "scratch" {
  cluster_identifier  = "scratch"
  engine              = "aurora-postgresql"
  skip_final_snapshot = true
}

# Automated backups kept after a delete.
resource "aws_rds_cluster" "kept" {
  cluster_identifier       = "kept"
  engine                   = "aurora-postgresql"
  skip_final_snapshot      = true
  delete_automated_backups = false
}

# Cannot be deleted at all.
resource "aws_rds_cluster" "protected" {
  cluster_identifier  = "protected"
  engine              = "aurora-mysql"
  skip_final_snapshot = true
  deletion_protection = true
}

# A replica: its source holds the data.
resource "aws_rds_cluster" "replica" {
  cluster_identifier            = "replica"
  engine                        = "aurora-postgresql"
  skip_final_snapshot           = true
  replication_source_identifier = aws_rds_cluster.kept.arn
}

# RC214: a locked vault, one whose copies stay in this account, one copied elsewhere.
resource "aws_backup_vault" "main" {
  name = "main"
}

resource "aws_backup_vault_lock_configuration" "main" {
  backup_vault_name   = aws_backup_vault.main.name
  min_retention_days  = 7
  max_retention_days  = 35
  changeable_for_days = 3
}

resource "aws_backup_vault" "erasable" {
  name = "erasable"
}

resource "aws_backup_vault" "offsite" {
  name = "offsite"
}

resource "aws_backup_plan" "copies" {
  name = "copies"
  rule {
    rule_name         = "same-account"
    target_vault_name = aws_backup_vault.erasable.name
    schedule          = "cron(0 1 * * ? *)"
    copy_action {
      destination_vault_arn = "arn:aws:backup:eu-central-1:${data.aws_caller_identity.current.account_id}:backup-vault:copies"
    }
  }
  rule {
    rule_name         = "other-account"
    target_vault_name = aws_backup_vault.offsite.name
    schedule          = "cron(0 2 * * ? *)"
    copy_action {
      destination_vault_arn = "arn:aws:backup:eu-central-1:210987654321:backup-vault:copies"
    }
  }
}

# RC215: the plan backs up an RDS instance, an Aurora cluster and one of two volumes;
# restore tests cover RDS and EBS, not Aurora.
resource "aws_db_instance" "orders" {
  identifier              = "orders"
  instance_class          = "db.t3.micro"
  engine                  = "postgres"
  backup_retention_period = 7
}

resource "aws_rds_cluster" "ledger" {
  cluster_identifier = "ledger"
  engine             = "aurora-postgresql"
}

resource "aws_ebs_volume" "data" {
  for_each          = toset(["a", "b"])
  availability_zone = "eu-west-1a"
  size              = 10
}

resource "aws_backup_plan" "daily" {
  name = "daily"
  rule {
    rule_name         = "daily"
    target_vault_name = aws_backup_vault.main.name
    schedule          = "cron(0 3 * * ? *)"
    copy_action {
      destination_vault_arn = "arn:aws:backup:eu-central-1:210987654321:backup-vault:copies"
    }
  }
}

resource "aws_backup_selection" "daily" {
  name         = "daily"
  plan_id      = aws_backup_plan.daily.id
  iam_role_arn = "arn:aws:iam::123456789012:role/backup"
  resources = [
    aws_db_instance.orders.arn,
    aws_rds_cluster.ledger.arn,
    aws_ebs_volume.data["a"].arn,
  ]
}

resource "aws_backup_restore_testing_plan" "weekly" {
  name                = "weekly"
  schedule_expression = "cron(0 6 ? * MON *)"
  recovery_point_selection {
    algorithm            = "LATEST_WITHIN_WINDOW"
    include_vaults       = [aws_backup_vault.main.arn]
    recovery_point_types = ["SNAPSHOT"]
  }
}

resource "aws_backup_restore_testing_selection" "rds" {
  name                      = "rds"
  restore_testing_plan_name = aws_backup_restore_testing_plan.weekly.name
  protected_resource_type   = "RDS"
  iam_role_arn              = "arn:aws:iam::123456789012:role/restore-testing"
  protected_resource_arns   = ["*"]
}

resource "aws_backup_restore_testing_selection" "ebs" {
  name                      = "ebs"
  restore_testing_plan_name = aws_backup_restore_testing_plan.weekly.name
  protected_resource_type   = "EBS"
  iam_role_arn              = "arn:aws:iam::123456789012:role/restore-testing"
  protected_resource_arns   = ["*"]
}

# Issue 24 on plans: versioning of one for_each instance covers that instance only.
resource "aws_s3_bucket" "lake" {
  for_each = toset(["raw", "curated"])
  bucket   = "lake-${each.key}"
}

resource "aws_s3_bucket_versioning" "raw" {
  bucket = aws_s3_bucket.lake["raw"].id
  versioning_configuration {
    status = "Enabled"
  }
}
"#;

fn json(out: &reliability_e2e::Output) -> Json {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

/// `(rule, resource)` of every finding, in report order.
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

#[test]
fn backups_after_the_bad_day_on_a_real_plan() {
    let tf = aws_terraform();
    tf.write("main.tf", &format!("{REQUIRED_AWS}{BACKUPS}"));
    tf.init();
    plan_json(
        &tf,
        &[],
        &[("AWS_PLAN_PROVIDER_ACCOUNT_ID", "123456789012")],
    );
    let plan = relcheck(
        tf.path(),
        &["check", "--plan", "plan.json", "--format", "json", "."],
    );
    assert_eq!(plan.code, 1, "{plan}");
    let report = json(&plan);
    let want: Vec<(String, String)> = [
        ("RC102", "aws_rds_cluster.scratch"),
        ("RC213", "aws_rds_cluster.scratch"),
        ("RC102", "aws_rds_cluster.kept"),
        ("RC102", "aws_rds_cluster.protected"),
        ("RC214", "aws_backup_vault.erasable"),
        ("RC101", "aws_db_instance.orders"),
        ("RC102", "aws_rds_cluster.ledger"),
        ("RC206", "aws_ebs_volume.data[\"b\"]"),
        ("RC215", "aws_backup_plan.daily"),
        ("RC207", "aws_s3_bucket.lake[\"curated\"]"),
    ]
    .iter()
    .map(|(r, a)| (r.to_string(), a.to_string()))
    .collect();
    assert_eq!(found(&report), want, "{plan}");

    // The new rules' findings, exactly (positions, messages, help).
    let new: Vec<&Json> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| matches!(f["rule"].as_str(), Some("RC213" | "RC214" | "RC215")))
        .collect();
    insta::assert_json_snapshot!("plan_backup_findings", new);

    // HCL input finds the same: the plan neither adds nor loses a finding.
    let hcl = relcheck(tf.path(), &["check", "--format", "json", "."]);
    assert_eq!(found(&json(&hcl)), want, "{hcl}");
}

const PROVIDERS: &str = r#"
provider "aws" {
  region = "eu-west-1"
  default_tags {
    tags = { backup = "daily" }
  }
}

provider "aws" {
  alias  = "dr"
  region = "eu-central-1"
}

# Tagged for backup by the default provider configuration's default_tags.
resource "aws_ebs_volume" "primary" {
  availability_zone = "eu-west-1a"
  size              = 10
}

# The dr configuration has no default_tags: not selected.
resource "aws_ebs_volume" "dr" {
  provider          = aws.dr
  availability_zone = "eu-central-1a"
  size              = 10
}

resource "aws_backup_selection" "tagged" {
  name         = "tagged"
  plan_id      = "plan-1"
  iam_role_arn = "arn:aws:iam::123456789012:role/backup"
  selection_tag {
    type  = "STRINGEQUALS"
    key   = "backup"
    value = "daily"
  }
}
"#;

/// A resource takes `default_tags` from the provider configuration it uses, on a plan as
/// in HCL (issue 24): the tag selection covers the volume of the default configuration,
/// not the one of `aws.dr`.
#[test]
fn default_tags_come_from_each_resources_provider_on_a_real_plan() {
    let tf = aws_terraform();
    tf.write("main.tf", &format!("{REQUIRED_AWS}{PROVIDERS}"));
    tf.init();
    plan_json(&tf, &[], &[]);
    let want = vec![("RC206".to_string(), "aws_ebs_volume.dr".to_string())];
    let plan = relcheck(
        tf.path(),
        &["check", "--plan", "plan.json", "--format", "json", "."],
    );
    assert_eq!(found(&json(&plan)), want, "{plan}");
    let hcl = relcheck(tf.path(), &["check", "--format", "json", "."]);
    assert_eq!(found(&json(&hcl)), want, "{hcl}");
}

const INDEXED: &str = r#"
provider "aws" {
  region = "eu-west-1"
}

resource "aws_s3_bucket" "logs" {
  count  = 2
  bucket = "logs-${count.index}"
}

# Versioning for logs[0] only: x[count.index] names the instance with this one's index.
resource "aws_s3_bucket_versioning" "logs" {
  count  = 1
  bucket = aws_s3_bucket.logs[count.index].id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket" "lake" {
  for_each = toset(["raw", "curated"])
  bucket   = "lake-${each.key}"
}

# Versioning for lake["raw"] only, through each.key.
resource "aws_s3_bucket_versioning" "lake" {
  for_each = toset(["raw"])
  bucket   = aws_s3_bucket.lake[each.key].id
  versioning_configuration {
    status = "Enabled"
  }
}
"#;

/// `x[count.index]` and `x[each.key]` name one instance on a plan as in HCL (issue 24):
/// the plan's `references` only say `x`, the expression as written gives the instance.
#[test]
fn count_index_and_each_key_name_one_instance_on_a_real_plan() {
    let tf = aws_terraform();
    tf.write("main.tf", &format!("{REQUIRED_AWS}{INDEXED}"));
    tf.init();
    plan_json(&tf, &[], &[]);
    let want = vec![
        ("RC207".to_string(), "aws_s3_bucket.logs[1]".to_string()),
        (
            "RC207".to_string(),
            "aws_s3_bucket.lake[\"curated\"]".to_string(),
        ),
    ];
    let plan = relcheck(
        tf.path(),
        &["check", "--plan", "plan.json", "--format", "json", "."],
    );
    assert_eq!(found(&json(&plan)), want, "{plan}");
    let hcl = relcheck(tf.path(), &["check", "--format", "json", "."]);
    assert_eq!(found(&json(&hcl)), want, "{hcl}");
}
