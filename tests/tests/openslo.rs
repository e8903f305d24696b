//! OpenSLO v1 in and out through the real Terraform CLI: `data "reliability_openslo"` feeds
//! `reliability_slo` with `for_each` (the HCL of the issue, as written), the rule files
//! apply and pass `promtool check rules`, the re-plan is empty; the SLOs' `openslo_yaml`,
//! fed back to the data source, plans nothing; input that cannot be expressed is an error
//! naming the document and the field; the docs example applies as written.

use std::path::{Path, PathBuf};
use std::process::Command;

use reliability_e2e::prometheus::promtool_binary;
use reliability_e2e::{workspace_root, Terraform};

/// Two SLOs with good/total and bad/total counters (after the spec's ratioMetric example).
const CONTENT: &str = r#"apiVersion: openslo/v1
kind: DataSource
metadata:
  name: prometheus-datasource
spec:
  type: Prometheus
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: main-page
spec:
  service: web-shop
  indicator:
    metadata:
      name: main-page
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            metricSourceRef: prometheus-datasource
            spec:
              query: sum(localhost_server_requests{code=~"2xx|3xx",instance="127.0.0.1:9090"})
        total:
          metricSource:
            metricSourceRef: prometheus-datasource
            spec:
              query: localhost_server_requests{instance="127.0.0.1:9090"}
  timeWindow:
    - duration: 1Q
      isRolling: false
      calendar:
        startTime: 2024-04-01 00:00:00
        timeZone: UTC
  budgetingMethod: Occurrences
  objectives:
    - target: 0.999
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: search
spec:
  service: web-shop
  indicator:
    metadata:
      name: search
    spec:
      ratioMetric:
        counter: true
        bad:
          metricSource:
            type: Prometheus
            spec:
              query: search_requests_total{code=~"5.."}
        total:
          metricSource:
            type: Prometheus
            spec:
              query: search_requests_total
  timeWindow:
    - duration: 4w
      isRolling: true
  objectives:
    - targetPercent: 99.5
"#;

/// The issue's configuration, as written.
const ISSUE_HCL: &str = r#"
provider "reliability" {
  rules_dir = "rules"
}

data "reliability_openslo" "d" {
  content = file("slos.yaml")
}

resource "reliability_slo" "imported" {
  for_each        = data.reliability_openslo.d.slos
  service         = each.value.service
  name            = each.value.name
  objective       = each.value.objective
  window          = each.value.window
  calendar_period = each.value.calendar_period
  sli {
    dynamic "events" {
      for_each = each.value.sli.events[*]
      content {
        error_query = events.value.error_query
        total_query = events.value.total_query
      }
    }
  }
}
"#;

fn rule_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("rules dir")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    files.sort();
    files
}

fn promtool_check(files: &[PathBuf]) {
    let out = Command::new(promtool_binary())
        .arg("check")
        .arg("rules")
        .args(files)
        .output()
        .expect("run promtool");
    assert!(
        out.status.success(),
        "promtool check rules failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every `reliability_slo` instance in the state is at most 3 KB (with its OpenSLO
/// document, when exported); prints the sizes.
fn assert_state_small(tf: &Terraform) {
    let state = std::fs::read_to_string(tf.path().join("terraform.tfstate")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&state).unwrap();
    for r in json["resources"].as_array().unwrap() {
        for i in r["instances"].as_array().unwrap() {
            let text = serde_json::to_string(i).unwrap();
            if r["type"] == "reliability_slo" {
                assert!(text.len() <= 3 * 1024, "{} bytes: {text}", text.len());
                let doc = serde_json::to_string(&i["attributes"]["openslo_yaml"]).unwrap();
                eprintln!(
                    "reliability_slo instance state: {} bytes, {} of them openslo_yaml",
                    text.len(),
                    doc.len()
                );
            }
        }
    }
}

#[test]
fn imported_slos_apply_pass_promtool_and_round_trip() {
    let tf = Terraform::new();
    tf.config(ISSUE_HCL);
    tf.write("slos.yaml", CONTENT);
    tf.init();
    let out = tf.apply().success();
    assert!(out.stdout.contains("2 added"), "{out}");
    let files = rule_files(&tf.path().join("rules"));
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        ["slo_web-shop@main-page.yml", "slo_web-shop@search.yml"]
    );
    promtool_check(&files);
    let main = std::fs::read_to_string(&files[0]).unwrap();
    // total − good over the counters' rates (no good series: all bad), over a quarter.
    let total = r#"sum(rate(localhost_server_requests{instance="127.0.0.1:9090"}[5m]))"#;
    let good =
        r#"sum(rate(localhost_server_requests{code=~"2xx|3xx",instance="127.0.0.1:9090"}[5m]))"#;
    assert!(
        main.contains(&format!("({total}) - (({good}) or ({total}) * 0)")),
        "{main}"
    );
    assert!(
        !main.contains("openslo"),
        "the rule file's header leaves openslo_yaml out"
    );
    assert!(main.contains("slo:sli_error:ratio_rate1Q"), "{main}");
    let values = tf
        .resource_values(r#"reliability_slo.imported["main-page"]"#)
        .expect("in state");
    assert_eq!(values["objective"], 99.9);
    assert_eq!(values["calendar_period"], "quarter");
    assert!(values["window"].is_null(), "{values}");
    let search = tf
        .resource_values(r#"reliability_slo.imported["search"]"#)
        .expect("in state");
    assert_eq!(search["window"], "4w");
    assert_state_small(&tf);
    assert_eq!(tf.plan().code, 0, "re-plan after apply must be empty");

    // Out and in again: the SLOs' own OpenSLO documents (`openslo = true`) give the same
    // SLOs. Without it there is no document in the state.
    assert!(values["openslo_yaml"].is_null(), "opt-in: {values}");
    tf.config(&ISSUE_HCL.replacen(
        "  calendar_period = each.value.calendar_period\n",
        "  calendar_period = each.value.calendar_period\n  openslo         = true\n",
        1,
    ));
    tf.apply().success();
    assert_eq!(
        tf.plan().code,
        0,
        "re-plan after turning the export on is empty"
    );
    assert_state_small(&tf);
    let exported: Vec<String> = ["main-page", "search"]
        .iter()
        .map(|k| {
            let v = tf
                .resource_values(&format!("reliability_slo.imported[\"{k}\"]"))
                .unwrap();
            v["openslo_yaml"]
                .as_str()
                .expect("openslo_yaml")
                .to_string()
        })
        .collect();
    assert!(exported[0].contains("kind: SLO"), "{}", exported[0]);
    tf.write("slos.yaml", &exported.join("---\n"));
    let out = tf.plan();
    assert_eq!(
        out.code, 0,
        "exported and re-imported SLOs plan nothing: {out}"
    );
    let before = std::fs::read_to_string(&files[0]).unwrap();
    tf.apply().success();
    assert_eq!(std::fs::read_to_string(&files[0]).unwrap(), before);
}

#[test]
fn refused_input_names_the_document_and_field() {
    let tf = Terraform::new();
    tf.config(ISSUE_HCL);
    // After examples/budgeting-method/timeslices-slo.yaml, with a Prometheus source.
    let timeslices = CONTENT.replace(
        "  objectives:\n    - targetPercent: 99.5",
        "  budgetingMethod: Timeslices\n  objectives:\n    - targetPercent: 99.5\n      timeSliceTarget: 0.99\n      timeSliceWindow: 1m",
    );
    assert_ne!(timeslices, CONTENT);
    tf.write("slos.yaml", &timeslices);
    tf.init();
    let out = tf.plan();
    assert_eq!(out.code, 1, "{out}");
    let text = out.flat();
    assert!(text.contains("OpenSLO input cannot be imported"), "{out}");
    assert!(
        text.contains(
            r#"SLO "search" (document 3), field spec.budgetingMethod: Timeslices budgeting"#
        ),
        "{out}"
    );
    assert!(
        rule_files_absent(&tf.path().join("rules")),
        "nothing written"
    );
}

fn rule_files_absent(dir: &Path) -> bool {
    !dir.exists() || rule_files(dir).is_empty()
}

/// The docs example applies as written (with the provider block of the docs' index page).
#[test]
fn docs_example_applies() {
    let root = workspace_root();
    let folder = root.join("examples/data-sources/reliability_openslo");
    let read = |name: &str| std::fs::read_to_string(folder.join(name)).unwrap();
    let tf = Terraform::new();
    tf.config(&format!(
        "provider \"reliability\" {{\n  rules_dir = \"rules\"\n}}\n{}",
        read("data-source.tf")
    ));
    tf.write("slos.yaml", &read("slos.yaml"));
    tf.init();
    let out = tf.apply().success();
    assert!(out.stdout.contains("2 added"), "{out}");
    let files = rule_files(&tf.path().join("rules"));
    assert_eq!(files.len(), 2, "{files:?}");
    promtool_check(&files);
    let latency = std::fs::read_to_string(tf.path().join("rules/slo_shop@search-latency.yml"))
        .expect("latency SLO");
    assert!(
        latency.contains(r#"http_request_duration_seconds_bucket{job="search", le="0.3"}"#),
        "{latency}"
    );
    let out = tf.run(&["output", "-raw", "openslo"]).success();
    assert!(out.stdout.contains("name: checkout-availability"), "{out}");
    assert_eq!(tf.plan().code, 0, "empty re-plan");
}

/// An SLO with what OpenSLO has no fields for (alerting tiers, a maintenance window,
/// `exclude_query`): its `openslo_yaml`, read by the docs example in another configuration,
/// gives the same rule groups.
#[test]
fn a_whole_slo_comes_back_through_openslo_yaml() {
    let source = Terraform::new();
    source.config(
        r#"
provider "reliability" {
  rules_dir = "rules"
}

resource "reliability_slo" "checkout" {
  service       = "checkout"
  name          = "availability"
  objective     = 99.95
  window        = "28d"
  description   = "Checkout answers"
  labels        = { team = "payments" }
  exclude_query = "max(maintenance_mode{service=\"checkout\"})"
  openslo       = true

  sli {
    events {
      error_query = "sum(rate(http_requests_total{job=\"checkout\",code=~\"5..\"}[{{.window}}]))"
      total_query = "sum(rate(http_requests_total{job=\"checkout\"}[{{.window}}]))"
    }
  }

  maintenance_window {
    weekdays   = ["saturday"]
    start_time = "02:00"
    end_time   = "04:00"
  }

  alerting {
    runbook_url = "https://runbooks.example.com/checkout"
    min_events  = 100
    page {
      labels = { routing_key = "payments" }
    }
    ticket {
      disabled = true
    }
  }
}
"#,
    );
    source.init();
    source.apply().success();
    let values = source
        .resource_values("reliability_slo.checkout")
        .expect("in state");
    let yaml = values["openslo_yaml"].as_str().expect("openslo_yaml");
    assert!(
        yaml.contains("terraform-provider-reliability/alerting"),
        "{yaml}"
    );

    let root = workspace_root();
    let example = root.join("examples/data-sources/reliability_openslo/data-source.tf");
    let target = Terraform::new();
    target.config(&format!(
        "provider \"reliability\" {{\n  rules_dir = \"rules\"\n}}\n{}",
        std::fs::read_to_string(example).unwrap()
    ));
    target.write("slos.yaml", yaml);
    target.init();
    target.apply().success();
    let groups = |tf: &Terraform| {
        let text = std::fs::read_to_string(tf.path().join("rules/slo_checkout@availability.yml"))
            .expect("rule file");
        // The header embeds each configuration's own text; the groups are the rules.
        text[text.find("groups:").expect("groups")..].to_string()
    };
    let original = groups(&source);
    assert!(original.contains("maintenance_mode"), "{original}");
    assert!(original.contains("routing_key: payments"), "{original}");
    assert_eq!(groups(&target), original);
    assert_eq!(target.plan().code, 0, "empty re-plan");
}
