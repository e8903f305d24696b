//! The resource examples of `docs/` (`examples/resources/reliability_alert` and
//! `reliability_backup_plan`), as written, through the real Terraform CLI: they refer to AWS
//! resources, which the test-only `hashicorp/aws` stand-in serves (with the real schemas'
//! shapes), beside a provider block that writes to a local rules directory. Each applies,
//! re-plans empty, and its documented output reads what was written.

use reliability_e2e::aws_plan::{aws_terraform, REQUIRED_AWS};
use reliability_e2e::{workspace_root, PROVIDER_SOURCE, PROVIDER_VERSION};

/// `required_providers` for both providers, the provider blocks and the AWS resources the
/// examples name.
fn preamble() -> String {
    let required = REQUIRED_AWS.replace(
        "    aws = {",
        &format!(
            "    reliability = {{\n      source  = \"{PROVIDER_SOURCE}\"\n      version = \"{PROVIDER_VERSION}\"\n    }}\n    aws = {{"
        ),
    );
    format!(
        r#"{required}
provider "aws" {{
  region = "eu-west-1"
}}

provider "reliability" {{
  rules_dir = "rules"
}}

resource "aws_acm_certificate" "api" {{
  domain_name = "api.example.com"
}}

resource "aws_db_instance" "orders" {{
  instance_class = "db.t3.micro"
  engine         = "postgres"
}}
"#
    )
}

#[test]
fn alert_and_backup_plan_examples_apply_as_written() {
    let read = |p: &str| {
        std::fs::read_to_string(workspace_root().join("examples/resources").join(p)).expect(p)
    };
    let tf = aws_terraform();
    tf.write(
        "main.tf",
        &format!(
            "{}\n{}\n{}",
            preamble(),
            read("reliability_alert/resource.tf"),
            read("reliability_backup_plan/resource.tf")
        ),
    );
    tf.init();
    tf.apply().success();
    assert_eq!(tf.plan().code, 0, "re-plan after apply is empty");
    let rules = tf.path().join("rules");
    for file in [
        "alert_CheckoutHighLatency.yml",
        "alert_ApiCertificateExpiring.yml",
        "backup_orders-db.yml",
        "backup_orders-db.plan.json",
    ] {
        assert!(rules.join(file).exists(), "{file} written");
    }
    let out = tf.run(&["output", "-raw", "orders_db_plan_file"]).success();
    assert!(
        out.stdout.ends_with("/rules/backup_orders-db.plan.json"),
        "{out}"
    );
}
