//! `reliability_backup_plan` through the real Terraform CLI.

use reliability_e2e::lifecycle::{self, Case};

fn plan(rpo: &str) -> String {
    format!(
        r#"
provider "reliability" {{
  rules_dir = "rules"
}}

resource "reliability_backup_plan" "orders_db" {{
  name           = "orders-db"
  schedule       = "0 3 * * *"
  retention_days = 35
  rpo            = "{rpo}"
  rto            = "4h"
  targets        = ["arn:aws:rds:eu-west-1:123456789012:db:orders"]
  offsite_copy {{
    destination = "eu-west-2"
  }}
  restore_test {{
    schedule = "0 5 * * 1"
    max_age  = "8d"
  }}
}}
"#
    )
}

#[test]
fn lifecycle_of_a_backup_plan() {
    let tf = lifecycle::run(&Case {
        address: "reliability_backup_plan.orders_db",
        import_id: "orders-db",
        config: plan("24h"),
        updated: plan("36h"),
        updated_marker: &format!("> {}", 36 * 3600),
        files: vec![
            "rules/backup_orders-db.yml",
            "rules/backup_orders-db.plan.json",
        ],
    });
    drop(tf);
}

#[test]
fn plan_file_is_written_and_its_drift_detected() {
    let tf = reliability_e2e::Terraform::new();
    tf.config(&plan("24h"));
    tf.init();
    tf.apply().success();
    let path = tf.path().join("rules/backup_orders-db.plan.json");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(doc["name"], "orders-db");
    assert_eq!(doc["schedule"], "0 3 * * *");
    assert_eq!(doc["retention_days"], 35);
    std::fs::remove_file(&path).unwrap();
    let out = tf.plan();
    assert_eq!(out.code, 2, "a deleted plan file plans an update: {out}");
    tf.apply().success();
    assert!(path.exists());
}

#[test]
fn bad_inputs_are_rejected_at_plan() {
    let good = plan("24h");
    lifecycle::rejects_at_plan(
        "reliability_backup_plan.orders_db",
        &[
            (
                "bad cron",
                good.replace("\"0 3 * * *\"", "\"0 25 * * *\""),
                vec!["schedule", "0 25 * * *"],
            ),
            ("bad rpo", plan("a day"), vec!["rpo", "a day"]),
            (
                "zero retention",
                good.replace("retention_days = 35", "retention_days = 0"),
                vec!["retention_days"],
            ),
            (
                "fractional retention",
                good.replace("retention_days = 35", "retention_days = 1.5"),
                vec!["retention_days", "1.5"],
            ),
            (
                "no targets",
                good.replace("[\"arn:aws:rds:eu-west-1:123456789012:db:orders\"]", "[]"),
                vec!["targets"],
            ),
            (
                "unsafe name",
                good.replace("\"orders-db\"", "\"../../x\""),
                vec!["name", "../../x"],
            ),
            (
                "bad restore cron",
                good.replace("\"0 5 * * 1\"", "\"0 5 * *\""),
                vec!["schedule"],
            ),
        ],
    );
}
