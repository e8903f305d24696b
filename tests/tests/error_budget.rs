//! `data "reliability_error_budget"` against a real Prometheus on 127.0.0.1 that scrapes a
//! small exporter: a healthy SLO reports budget left, a burning one `exhausted = true`, and
//! the documented precondition stops the apply.

use std::time::Duration;

use reliability_e2e::exporter::{availability_slo, Exporter};
use reliability_e2e::prometheus::{unreachable_url, Prometheus};
use reliability_e2e::Terraform;

#[test]
fn healthy_slo_has_budget_burning_one_is_exhausted_and_precondition_blocks() {
    let exporter = Exporter::healthy_and_burning();
    let tf = Terraform::new();
    let rules = tf.path().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    let prom = Prometheus::start_scraping(&rules, &exporter.address);
    let provider = format!(
        "provider \"reliability\" {{\n  rules_dir = \"rules\"\n  prometheus_url = \"{}\"\n}}\n",
        prom.url
    );
    let slos = format!(
        "{provider}{}{}",
        availability_slo("healthy"),
        availability_slo("burning")
    );
    tf.config(&slos);
    tf.init();
    tf.apply().success();

    // Wait (bounded) until the recording rules have data for both SLOs.
    assert!(
        prom.wait_for(
            "slo:period_error_budget_remaining:ratio",
            Duration::from_secs(60),
            2,
            |v| v.is_finite()
        ),
        "recording rules never produced a budget; Prometheus log:\n{}",
        prom.log_text()
    );
    assert_eq!(
        prom.query("slo:period_error_budget_remaining:ratio").len(),
        2
    );

    let reads = r#"
data "reliability_error_budget" "healthy" {
  slo_id = reliability_slo.healthy.id
}
data "reliability_error_budget" "burning" {
  slo_id = reliability_slo.burning.id
}
output "healthy" { value = data.reliability_error_budget.healthy }
output "burning" { value = data.reliability_error_budget.burning }
"#;
    tf.config(&format!("{slos}{reads}"));
    tf.apply().success();
    let out = tf.run(&["output", "-json"]).success();
    let outputs: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let healthy = &outputs["healthy"]["value"];
    let burning = &outputs["burning"]["value"];
    assert_eq!(healthy["exhausted"], false, "{healthy}");
    let left = healthy["error_budget_remaining"].as_f64().unwrap();
    assert!(
        left > 0.8 && left <= 1.0,
        "0.01 % errors against a 0.1 % budget leaves ~90 %: {healthy}"
    );
    assert!((healthy["objective"].as_f64().unwrap() - 0.999).abs() < 1e-9);
    assert!(healthy["sli"].as_f64().unwrap() > 0.999, "{healthy}");
    assert_eq!(burning["exhausted"], true, "{burning}");
    assert!(
        burning["error_budget_remaining"].as_f64().unwrap() < 0.0,
        "{burning}"
    );
    let burn = burning["current_burn_rate"].as_f64().unwrap();
    assert!(
        (burn - 50.0).abs() < 5.0,
        "5 % errors against a 0.1 % budget burn at 50x: {burning}"
    );

    // The documented gate: a precondition that stops the apply while the budget is spent.
    let gate = r#"
resource "terraform_data" "deploy" {
  input = "v2"
  lifecycle {
    precondition {
      condition     = !data.reliability_error_budget.burning.exhausted
      error_message = "The burning SLO has no error budget left: deployments are frozen."
    }
  }
}
"#;
    tf.config(&format!("{slos}{reads}{gate}"));
    let out = tf.apply();
    assert_eq!(out.code, 1, "the precondition must stop the apply: {out}");
    assert!(out.all().contains("deployments are frozen"), "{out}");
    assert!(
        tf.resource_values("terraform_data.deploy").is_none(),
        "nothing deployed"
    );
}

#[test]
fn unreachable_prometheus_is_a_clear_error() {
    let down = unreachable_url();
    let tf = Terraform::new();
    tf.config(&format!(
        "data \"reliability_error_budget\" \"x\" {{\n  slo_id = \"checkout-availability\"\n  prometheus_url = \"{down}\"\n}}\n"
    ));
    tf.init();
    let out = tf.plan();
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.all()
            .contains("could not reach Prometheus at http://127.0.0.1:"),
        "{out}"
    );
}

#[test]
fn unknown_slo_is_a_clear_error() {
    let tf = Terraform::new();
    let rules = tf.path().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    let prom = Prometheus::start(&rules);
    tf.config(&format!(
        "data \"reliability_error_budget\" \"x\" {{\n  slo_id = \"nope-nothing\"\n  prometheus_url = \"{}\"\n}}\n",
        prom.url
    ));
    tf.init();
    let out = tf.plan();
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.all().contains("no series for SLO \"nope-nothing\""),
        "{out}"
    );
}
