//! The first loop through the real Terraform CLI: offline init, the provider schema, and
//! provider-configuration errors that name the attribute, and the render-only destination.

use reliability_e2e::Terraform;

/// A resource, so that Terraform validates and configures the provider.
const SLO: &str = r#"
resource "reliability_slo" "x" {
  service   = "svc"
  name      = "availability"
  objective = 99
  sli {
    raw {
      error_ratio_query = "avg_over_time(errors_ratio[{{.window}}])"
    }
  }
}
"#;

#[test]
fn init_offline_and_schema_lists_provider_attributes() {
    let tf = Terraform::new();
    tf.config("provider \"reliability\" {}\n");
    let init = tf.init();
    assert!(
        init.stdout
            .contains("Terraform has been successfully initialized"),
        "{init}"
    );
    assert!(
        init.stdout.contains("reliability-as-code/reliability"),
        "{init}"
    );

    let out = tf.run(&["providers", "schema", "-json"]).success();
    let schema: serde_json::Value = serde_json::from_str(&out.stdout).expect("schema JSON");
    let provider =
        &schema["provider_schemas"]["registry.terraform.io/reliability-as-code/reliability"];
    let attrs = provider["provider"]["block"]["attributes"]
        .as_object()
        .unwrap_or_else(|| panic!("provider block attributes in {out}"));
    let mut names: Vec<_> = attrs.keys().cloned().collect();
    names.sort();
    assert_eq!(
        names,
        [
            "grafana_dashboards_dir",
            "prometheus_url",
            "render_only",
            "rules_dir"
        ]
    );
    for (name, attr) in attrs {
        let t = if name == "render_only" {
            "bool"
        } else {
            "string"
        };
        assert_eq!(attr["type"], t, "{name}");
        assert_eq!(attr["optional"], true, "{name}");
        assert!(
            attr["description"].as_str().is_some_and(|d| d.len() > 20),
            "{name} documented"
        );
    }
}

#[test]
fn empty_rules_dir_is_rejected_naming_the_attribute() {
    let tf = Terraform::new();
    tf.config(&format!(
        "provider \"reliability\" {{\n  rules_dir = \"\"\n}}\n{SLO}"
    ));
    tf.init();
    // RUST_BACKTRACE=1 is common in shells and CI: diagnostics must still be clean.
    let out = tf.run_with_env(&["validate", "-no-color"], &[("RUST_BACKTRACE", "1")]);
    assert_eq!(out.code, 1, "{out}");
    assert!(
        !out.all().contains("tf_provider::"),
        "no backtrace in user-facing errors: {out}"
    );
    let all = out.all();
    assert!(all.contains("Invalid rules_dir"), "{out}");
    assert!(all.contains("rules_dir is empty"), "{out}");
    assert!(
        all.contains("with provider[\"registry.terraform.io/reliability-as-code/reliability\"]"),
        "{out}"
    );
    assert!(
        all.contains("rules_dir = \"\""),
        "the source line is quoted: {out}"
    );
}

#[test]
fn non_http_prometheus_url_is_rejected_naming_the_attribute() {
    let tf = Terraform::new();
    tf.config(&format!(
        "provider \"reliability\" {{\n  prometheus_url = \"localhost:9090\"\n}}\n{SLO}"
    ));
    tf.init();
    let out = tf.run(&["plan", "-no-color", "-input=false"]);
    assert_eq!(out.code, 1, "{out}");
    let all = out.all();
    assert!(all.contains("Invalid prometheus_url"), "{out}");
    assert!(
        all.contains("\"localhost:9090\" is not an http(s) URL"),
        "{out}"
    );
    assert!(all.contains("prometheus_url = \"localhost:9090\""), "{out}");
}

#[test]
fn valid_configuration_plans_cleanly() {
    let tf = Terraform::new();
    tf.config(
        &format!("provider \"reliability\" {{\n  rules_dir = \"rules\"\n  prometheus_url = \"http://127.0.0.1:9090\"\n}}\n{SLO}"),
    );
    tf.init();
    let out = tf.plan();
    assert_eq!(out.code, 2, "{out}");
    assert!(
        out.stdout.contains("reliability_slo.x will be created"),
        "{out}"
    );
    assert!(
        out.stdout.contains("rules/slo_svc@availability.yml"),
        "rule_file is known at plan: {out}"
    );
}

#[test]
fn two_destinations_are_an_error_at_plan_naming_both() {
    let tf = Terraform::new();
    tf.config(&format!(
        "provider \"reliability\" {{\n  rules_dir = \"rules\"\n  render_only = true\n}}\n{SLO}"
    ));
    tf.init();
    let out = tf.run(&["plan", "-no-color", "-input=false"]);
    assert_eq!(out.code, 1, "{out}");
    let all = out.flat();
    assert!(all.contains("Conflicting provider configuration"), "{out}");
    assert!(
        all.contains("rules_dir and render_only are both set"),
        "{out}"
    );
    assert!(!tf.path().join("rules").exists(), "nothing written");

    tf.config(&format!(
        "provider \"reliability\" {{\n  render_only = true\n  prometheus_url = \"http://127.0.0.1:9090\"\n}}\n{SLO}"
    ));
    let out = tf.run(&["plan", "-no-color", "-input=false"]);
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.flat()
            .contains("prometheus_url is set with render_only"),
        "{out}"
    );
}

/// With `render_only = true` nothing is written; `rules_yaml` and `plan_json` are known at
/// plan time and compose with other resources through `yamldecode`/`jsondecode`.
#[test]
fn render_only_writes_nothing_and_exposes_the_documents_at_plan() {
    let tf = Terraform::new();
    let config = format!(
        r#"
provider "reliability" {{
  render_only = true
}}
{SLO}
resource "reliability_backup_plan" "db" {{
  name           = "db"
  schedule       = "@daily"
  retention_days = 7
  rpo            = "26h"
  targets        = ["db"]
}}

locals {{
  # What a kubernetes_manifest PrometheusRule takes as spec.groups.
  groups = yamldecode(reliability_slo.x.rules_yaml).groups
}}

output "group_names" {{ value = [for g in local.groups : g.name] }}
output "plan_name" {{ value = jsondecode(reliability_backup_plan.db.plan_json).name }}
"#
    );
    tf.config(&config);
    tf.init();
    let out = tf.plan();
    assert_eq!(out.code, 2, "{out}");
    assert!(
        out.stdout.contains("+ group_names = ["),
        "the groups are known at plan time: {out}"
    );
    assert!(out.stdout.contains("+ plan_name   = \"db\""), "{out}");
    assert!(!out.stdout.contains("(known after apply)"), "{out}");

    tf.apply().success();
    let names: Vec<String> = std::fs::read_dir(tf.path())
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| !n.starts_with('.') && !n.starts_with("terraform") && n != "main.tf")
        .collect();
    assert!(
        names.is_empty(),
        "nothing but Terraform's own files: {names:?}"
    );
    let values = tf.resource_values("reliability_slo.x").expect("in state");
    assert!(values["rule_file"].is_null(), "{values}");
    let yaml = values["rules_yaml"].as_str().expect("rules_yaml");
    assert!(yaml.starts_with("# Managed by Terraform"), "{yaml}");
    let parsed: serde_yaml_ng::Value = serde_yaml_ng::from_str(yaml).expect("valid YAML");
    assert!(parsed["groups"]
        .as_sequence()
        .is_some_and(|g| !g.is_empty()));
    let plan = tf
        .resource_values("reliability_backup_plan.db")
        .expect("in state");
    let doc: serde_json::Value =
        serde_json::from_str(plan["plan_json"].as_str().expect("plan_json")).expect("JSON");
    assert_eq!(doc["name"], "db", "{doc}");

    assert_eq!(tf.plan().code, 0, "no drift without a destination");
    tf.run(&["state", "rm", "reliability_slo.x"]).success();
    let out = tf.run(&[
        "import",
        "-no-color",
        "-input=false",
        "reliability_slo.x",
        "svc-availability",
    ]);
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.flat().contains("configured with render_only = true"),
        "{out}"
    );
    tf.destroy().success();
}

/// examples/render-only runs as documented: its PrometheusRule output holds every group.
#[test]
fn render_only_example_builds_a_prometheus_rule() {
    let tf = Terraform::new();
    let example = reliability_e2e::workspace_root().join("examples/render-only/main.tf");
    tf.write("main.tf", &std::fs::read_to_string(example).unwrap());
    tf.init();
    let out = tf.plan();
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stdout.contains("PrometheusRule"), "{out}");
    assert!(
        !out.stdout.contains("(known after apply)"),
        "known at plan: {out}"
    );
    tf.apply().success();
    let out = tf.run(&["output", "-raw", "prometheus_rule"]).success();
    let manifest: serde_yaml_ng::Value = serde_yaml_ng::from_str(&out.stdout).expect("YAML");
    assert_eq!(manifest["kind"].as_str(), Some("PrometheusRule"));
    let groups = manifest["spec"]["groups"]
        .as_sequence()
        .expect("spec.groups");
    assert!(groups.len() >= 4, "SLO and backup groups: {groups:?}");
    let out = tf.run(&["output", "-raw", "backup_schedule"]).success();
    assert_eq!(out.stdout.trim(), "0 3 * * *");
}

/// The provider block of `docs/index.md` (`examples/provider/provider.tf`), as written, with
/// an SLO and a notification policy: with nothing answering on its Prometheus and
/// Alertmanager addresses (or something), the apply writes both files where it says, and
/// the re-plan is empty.
#[test]
fn provider_example_applies_as_written() {
    let tf = Terraform::new();
    let example = reliability_e2e::workspace_root().join("examples/provider/provider.tf");
    let policy = r#"
resource "reliability_notification_policy" "main" {
  receiver {
    name = "pager"
    pagerduty { routing_key_file = "/etc/alertmanager/pagerduty.key" }
  }
  page_receiver   = "pager"
  ticket_receiver = "pager"
}
"#;
    tf.config(&format!(
        "{}\n{SLO}\n{policy}",
        std::fs::read_to_string(example).unwrap()
    ));
    tf.init();
    tf.apply().success();
    for file in [
        "prometheus/rules.d/slo_svc@availability.yml",
        "alertmanager/alertmanager.yml",
    ] {
        assert!(tf.path().join(file).is_file(), "{file} written");
    }
    let out = tf.plan();
    assert_eq!(out.code, 0, "re-plan after apply is empty: {out}");
}
