//! The first loop through the real Terraform CLI: offline init, the provider schema, and
//! provider-configuration errors that name the attribute.

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
    assert_eq!(names, ["prometheus_url", "rules_dir"]);
    for (name, attr) in attrs {
        assert_eq!(attr["type"], "string", "{name}");
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
