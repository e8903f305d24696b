//! The rules directory destination with vmalert instead of Prometheus, through the real
//! Terraform CLI: vmalert loads `rules_dir/*.yml`, the provider reloads it through
//! `prometheus_url` (vmalert answers `POST /-/reload` as Prometheus does), and
//! `reliability_error_budget` reads VictoriaMetrics' Prometheus-compatible query API.

use std::collections::BTreeSet;
use std::time::Duration;

use reliability_e2e::exporter::{availability_slo, Exporter};
use reliability_e2e::vmalert::VmStack;
use reliability_e2e::Terraform;

const OTHERS: &str = r#"
resource "reliability_alert" "disk" {
  name     = "DiskAlmostFull"
  expr     = "node_filesystem_avail_bytes / node_filesystem_size_bytes < 0.1"
  for      = "10m"
  severity = "ticket"
}

resource "reliability_backup_plan" "orders" {
  name           = "orders"
  schedule       = "0 3 * * *"
  retention_days = 35
  rpo            = "24h"
  targets        = ["orders-db"]
}
"#;

fn provider(reload_url: &str) -> String {
    format!("provider \"reliability\" {{\n  rules_dir      = \"rules\"\n  prometheus_url = \"{reload_url}\"\n}}\n")
}

/// The group names of every rule file the provider wrote.
fn groups_in_state(tf: &Terraform) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let Ok(entries) = std::fs::read_dir(tf.path().join("rules")) else {
        return names;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("yml") {
            continue;
        }
        let file: serde_yaml_ng::Value =
            serde_yaml_ng::from_str(&std::fs::read_to_string(&path).unwrap()).expect("YAML");
        for g in file["groups"].as_sequence().expect("groups") {
            names.insert(g["name"].as_str().expect("group name").to_string());
        }
    }
    names
}

/// The groups vmalert has loaded, once they are `expected` or after 15 s: vmalert answers
/// `POST /-/reload` at once and applies it in the background (within a second here), where
/// Prometheus reloads before it answers.
fn loaded_groups(vm: &VmStack, expected: &BTreeSet<String>) -> BTreeSet<String> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let loaded: BTreeSet<String> = vm.group_names().into_iter().collect();
        if &loaded == expected || std::time::Instant::now() >= deadline {
            return loaded;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

#[test]
fn apply_loads_every_group_into_vmalert_and_destroy_removes_them() {
    let tf = Terraform::new();
    let rules = tf.path().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    let vm = VmStack::start(&rules);
    assert!(vm.group_names().is_empty());
    tf.config(&format!(
        "{}{}{OTHERS}",
        provider(&vm.vmalert_url),
        availability_slo("checkout")
    ));
    tf.init();

    let out = tf.apply().success();
    assert!(out.stdout.contains("3 added"), "{out}");
    let expected = groups_in_state(&tf);
    assert!(
        expected.len() >= 5,
        "SLO, alert and backup groups: {expected:?}"
    );
    let loaded = loaded_groups(&vm, &expected);
    assert_eq!(loaded, expected, "vmalert logs:\n{}", vm.logs());

    let out = tf.plan();
    assert_eq!(out.code, 0, "no changes after apply: {out}");

    let out = tf.destroy().success();
    assert!(out.stdout.contains("3 destroyed"), "{out}");
    assert_eq!(
        loaded_groups(&vm, &BTreeSet::new()),
        BTreeSet::new(),
        "vmalert logs:\n{}",
        vm.logs()
    );
}

#[test]
fn error_budget_reads_victoria_metrics() {
    let exporter = Exporter::healthy_and_burning();
    let tf = Terraform::new();
    let rules = tf.path().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    let vm = VmStack::start_scraping(&rules, &exporter.address);
    let slos = format!(
        "{}{}{}",
        provider(&vm.vmalert_url),
        availability_slo("healthy"),
        availability_slo("burning")
    );
    tf.config(&slos);
    tf.init();
    tf.apply().success();

    for id in ["healthy-availability", "burning-availability"] {
        assert!(
            vm.wait_for_series(
                &format!("slo:period_error_budget_remaining:ratio{{sloth_id=\"{id}\"}}"),
                Duration::from_secs(90)
            ),
            "vmalert never recorded a budget for {id}; logs:\n{}",
            vm.logs()
        );
    }

    let reads = format!(
        r#"
data "reliability_error_budget" "healthy" {{
  slo_id         = reliability_slo.healthy.id
  prometheus_url = "{vm}"
}}
data "reliability_error_budget" "burning" {{
  slo_id         = reliability_slo.burning.id
  prometheus_url = "{vm}"
}}
output "healthy" {{ value = data.reliability_error_budget.healthy }}
output "burning" {{ value = data.reliability_error_budget.burning }}
"#,
        vm = vm.vm_url
    );
    tf.config(&format!("{slos}{reads}"));
    tf.apply().success();
    let out = tf.run(&["output", "-json"]).success();
    let outputs: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let healthy = &outputs["healthy"]["value"];
    let burning = &outputs["burning"]["value"];
    assert_eq!(healthy["exhausted"], false, "{healthy}");
    let left = healthy["error_budget_remaining"].as_f64().unwrap();
    assert!(
        left > 0.5 && left <= 1.0,
        "0.01 % errors against a 0.1 % budget: {healthy}"
    );
    assert!((healthy["objective"].as_f64().unwrap() - 0.999).abs() < 1e-9);
    assert_eq!(burning["exhausted"], true, "{burning}");
    assert!(
        burning["error_budget_remaining"].as_f64().unwrap() < 0.0,
        "{burning}"
    );
}
