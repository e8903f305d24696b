//! `reliability_alert` through the real Terraform CLI.

use reliability_e2e::lifecycle::{self, Case};
use reliability_e2e::prometheus::Prometheus;
use reliability_e2e::Terraform;

fn latency_alert(threshold: &str) -> String {
    format!(
        r#"
provider "reliability" {{
  rules_dir = "rules"
}}

resource "reliability_alert" "latency" {{
  name        = "CheckoutHighLatency"
  expr        = "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{{job=\"checkout\"}}[5m]))) > {threshold}"
  for         = "10m"
  severity    = "page"
  summary     = "p99 latency above {threshold}s"
  runbook_url = "https://runbooks.example.com/checkout-latency"
  labels      = {{ team = "payments" }}
}}
"#
    )
}

#[test]
fn lifecycle_of_an_expression_alert() {
    lifecycle::run(&Case {
        address: "reliability_alert.latency",
        import_id: "CheckoutHighLatency",
        config: latency_alert("0.5"),
        updated: latency_alert("0.8"),
        updated_marker: "> 0.8",
        files: vec!["rules/alert_CheckoutHighLatency.yml"],
    });
}

fn cert_alert(days: u32) -> String {
    format!(
        r#"
provider "reliability" {{
  rules_dir = "rules"
}}

resource "reliability_alert" "api_cert" {{
  name     = "ApiCertificateExpiring"
  severity = "ticket"
  certificate_expiry {{
    certificate = "arn:aws:acm:eu-west-1:123456789012:certificate/abc"
    target      = "api.example.com:443"
    days_before = {days}
  }}
}}
"#
    )
}

#[test]
fn lifecycle_of_a_certificate_alert() {
    lifecycle::run(&Case {
        address: "reliability_alert.api_cert",
        import_id: "ApiCertificateExpiring",
        config: cert_alert(21),
        updated: cert_alert(30),
        updated_marker: &format!("< {}", 30 * 86400),
        files: vec!["rules/alert_ApiCertificateExpiring.yml"],
    });
}

#[test]
fn bad_inputs_are_rejected_at_plan() {
    let good = latency_alert("0.5");
    lifecycle::rejects_at_plan(
        "reliability_alert.latency",
        &[
            ("bad promql", good.replace("> 0.5\"", "> > 0.5\""), vec!["Invalid expr"]),
            ("bad name", good.replace("\"CheckoutHighLatency\"", "\"../etc/passwd\""), vec!["name", "../etc/passwd"]),
            ("bad severity", good.replace("\"page\"", "\"urgent\""), vec!["severity", "urgent"]),
            ("bad for", good.replace("\"10m\"", "\"ten minutes\""), vec!["for", "ten minutes"]),
            (
                "expr and certificate",
                good.replace("labels      =", "certificate_expiry {\n    certificate = \"x\"\n    target = \"a:443\"\n  }\n  labels      ="),
                vec!["expr", "certificate_expiry"],
            ),
            ("reserved label", good.replace("team = \"payments\"", "severity = \"low\""), vec!["severity"]),
            ("bad runbook", good.replace("https://runbooks.example.com/checkout-latency", "wiki/page"), vec!["runbook_url"]),
        ],
    );
    lifecycle::rejects_at_plan(
        "reliability_alert.api_cert",
        &[
            ("zero days", cert_alert(0), vec!["days_before", "0"]),
            (
                "bad source",
                cert_alert(21).replace(
                    "days_before = 21",
                    "days_before = 21\n    source = \"ocsp\"",
                ),
                vec!["source", "ocsp"],
            ),
            (
                "empty target",
                cert_alert(21).replace("\"api.example.com:443\"", "\"\""),
                vec!["target"],
            ),
        ],
    );
}

#[test]
fn prometheus_loads_the_alert() {
    let tf = Terraform::new();
    let rules = tf.path().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    let prom = Prometheus::start(&rules);
    tf.config(&latency_alert("0.5").replace(
        "rules_dir = \"rules\"",
        &format!("rules_dir = \"rules\"\n  prometheus_url = \"{}\"", prom.url),
    ));
    tf.init();
    tf.apply().success();
    let rules_api = prom.rules();
    let names: Vec<&str> = rules_api["data"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_array().unwrap().iter())
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert!(names.contains(&"CheckoutHighLatency"), "{names:?}");
    tf.destroy().success();
    assert!(prom.group_names().is_empty());
}
