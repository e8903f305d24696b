//! The ruler destination through the real Terraform CLI, against the strict stand-in ruler
//! (`reliability_e2e::ruler_server`): apply, read-back, drift, update, destroy, the request
//! count of a no-op plan, the errors users meet, and that a token never reaches the state.

use reliability_e2e::ruler_server::{RequiredAuth, RulerOptions, RulerServer};
use reliability_e2e::Terraform;

const TENANT: &str = "team-a";
const NS: &str = "reliability";
const TOKEN: &str = "s3cr3t-t0ken-value";

fn provider(server: &RulerServer, extra: &str) -> String {
    format!(
        "provider \"reliability\" {{\n  ruler {{\n    url = \"{}\"\n{extra}  }}\n}}\n",
        server.url()
    )
}

fn slo(name: &str, objective: &str) -> String {
    format!(
        r#"
resource "reliability_slo" "{name}" {{
  service   = "checkout"
  name      = "{name}"
  objective = {objective}
  sli {{
    raw {{
      error_ratio_query = "avg_over_time(errors_ratio_{name}[{{{{.window}}}}])"
    }}
  }}
}}
"#
    )
}

/// The group names of a resource's `rules_yaml` in the state.
fn state_groups(tf: &Terraform, addr: &str) -> Vec<String> {
    let values = tf
        .resource_values(addr)
        .unwrap_or_else(|| panic!("{addr} in the state"));
    let yaml = values["rules_yaml"].as_str().expect("rules_yaml");
    let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(yaml).expect("rules_yaml is YAML");
    doc["groups"]
        .as_sequence()
        .expect("groups")
        .iter()
        .map(|g| g["name"].as_str().expect("group name").to_string())
        .collect()
}

#[test]
fn apply_drift_update_destroy_against_the_ruler() {
    let server = RulerServer::start_with(RulerOptions {
        auth: Some(RequiredAuth::Bearer(TOKEN.into())),
        ..RulerOptions::default()
    });
    server.insert_group(
        TENANT,
        NS,
        "name: unrelated\nrules:\n- record: unrelated:up\n  expr: up\n",
    );
    let tf = Terraform::new();
    let block = format!("    tenant = \"{TENANT}\"\n    token = \"{TOKEN}\"\n");
    let names = ["a1", "a2", "a3", "a4", "a5"];
    let config = |objective_a1: &str| {
        let mut c = provider(&server, &block);
        for n in names {
            c.push_str(&slo(n, if n == "a1" { objective_a1 } else { "99" }));
        }
        c
    };
    tf.config(&config("99"));
    tf.init();
    let out = tf.apply().success();
    assert!(
        !out.all().contains(TOKEN),
        "the token is never printed: {out}"
    );

    // Every group of every resource is on the server, by name, next to the unrelated one.
    let on_server = server.group_names(TENANT, NS);
    let mut expected = vec!["unrelated".to_string()];
    for n in names {
        let groups = state_groups(&tf, &format!("reliability_slo.{n}"));
        assert!(!groups.is_empty());
        expected.extend(groups);
    }
    let mut sorted = on_server.clone();
    sorted.sort();
    expected.sort();
    assert_eq!(sorted, expected);
    let a1 = state_groups(&tf, "reliability_slo.a1");
    let values = tf.resource_values("reliability_slo.a1").unwrap();
    let rule_file = values["rule_file"].as_str().unwrap();
    assert!(rule_file.starts_with("ruler:reliability/"), "{rule_file}");

    // The token is in neither the state nor any output.
    let state = serde_json::to_string(&tf.state_json()).unwrap();
    assert!(!state.contains(TOKEN), "token leaked into the state");
    let raw_state = std::fs::read_to_string(tf.path().join("terraform.tfstate")).unwrap();
    assert!(
        !raw_state.contains(TOKEN),
        "token leaked into terraform.tfstate"
    );

    // A no-op plan of 5 resources lists the namespace once.
    server.clear_log();
    let out = tf.plan();
    assert_eq!(out.code, 0, "re-plan after apply must be empty: {out}");
    assert_eq!(
        server.count("GET", "/reliability"),
        1,
        "{:?}",
        server.requests()
    );
    assert_eq!(server.requests().len(), 1, "{:?}", server.requests());

    // Drift: a group deleted on the server.
    assert!(server.remove_group(TENANT, NS, &a1[0]));
    let out = tf.plan();
    assert_eq!(out.code, 2, "a deleted group must plan a change: {out}");
    assert!(out.stdout.contains("rules_yaml"), "{out}");
    tf.apply().success();
    assert!(
        server.group(TENANT, NS, &a1[0]).is_some(),
        "apply restores it"
    );
    assert_eq!(tf.plan().code, 0);

    // Drift: a rule edited on the server.
    assert!(server.set_rule_expr(TENANT, NS, &a1[0], 0, "vector(42)"));
    let out = tf.plan();
    assert_eq!(out.code, 2, "an edited rule must plan a change: {out}");
    assert!(out.stdout.contains("vector(42)"), "the edit shows: {out}");
    tf.apply().success();
    let g = server.group(TENANT, NS, &a1[0]).unwrap();
    assert_ne!(g["rules"][0]["expr"].as_str(), Some("vector(42)"));
    assert_eq!(tf.plan().code, 0);

    // Update in place: the server's content follows the objective.
    let before: Vec<_> = a1.iter().map(|g| server.group(TENANT, NS, g)).collect();
    tf.config(&config("99.5"));
    let out = tf.apply().success();
    assert!(out.stdout.contains("1 changed"), "{out}");
    let after: Vec<_> = a1.iter().map(|g| server.group(TENANT, NS, g)).collect();
    assert_ne!(before, after, "the groups on the server changed");
    assert!(
        serde_yaml_ng::to_string(&after).unwrap().contains("0.005"),
        "{after:?}"
    );
    assert_eq!(tf.plan().code, 0);

    // Destroy removes every group of the resources and leaves the unrelated one.
    tf.destroy().success();
    assert_eq!(server.group_names(TENANT, NS), ["unrelated"]);
}

#[test]
fn errors_name_tenant_reason_and_url() {
    // No tenant while the ruler requires one.
    let mut server = RulerServer::start_with(RulerOptions {
        max_rules_per_group: Some(1),
        ..RulerOptions::default()
    });
    let tf = Terraform::new();
    tf.config(&format!("{}{}", provider(&server, ""), slo("xx", "99")));
    tf.init();
    let out = tf.apply();
    assert_eq!(out.code, 1, "{out}");
    assert!(out.flat().contains("set `tenant`"), "{out}");
    assert!(out.flat().contains("X-Scope-OrgID"), "{out}");

    // A group over the per-tenant limit: the ruler's reason is quoted.
    let tenant = format!("    tenant = \"{TENANT}\"\n");
    tf.config(&format!(
        "{}{}",
        provider(&server, &tenant),
        slo("xx", "99")
    ));
    let out = tf.apply();
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.flat().contains("per-user rules per rule group limit"),
        "{out}"
    );
    assert!(
        out.flat().contains("HTTP 400") || out.flat().contains("rejected"),
        "{out}"
    );

    // The server down: the error names the URL.
    let url = server.url();
    server.go_down();
    let out = tf.apply();
    assert_eq!(out.code, 1, "{out}");
    assert!(out.flat().contains(&url), "{out}");
}

/// examples/ruler runs as documented (the URL given with `-var`): its groups reach the
/// ruler, and a re-plan is empty.
#[test]
fn ruler_example_applies() {
    let server = RulerServer::start();
    let tf = Terraform::new();
    let example = reliability_e2e::workspace_root().join("examples/ruler/main.tf");
    tf.write("main.tf", &std::fs::read_to_string(example).unwrap());
    tf.init();
    let var = format!("ruler_url={}", server.url());
    let args = ["-no-color", "-input=false", "-var", &var];
    tf.run(&[&["apply", "-auto-approve"][..], &args[..]].concat())
        .success();
    let out = tf.run(&["output", "-json", "ruler_groups"]).success();
    let mut expected: Vec<String> = serde_json::from_str(&out.stdout).expect("JSON list");
    assert!(!expected.is_empty());
    expected.sort();
    assert_eq!(server.group_names(TENANT, NS), expected);
    let plan = tf.run(&[&["plan", "-detailed-exitcode"][..], &args[..]].concat());
    assert_eq!(plan.code, 0, "{plan}");
}

/// A ruler block with another destination, or with prometheus_url, is refused at plan; an
/// import against a ruler says plainly that it is not supported.
#[test]
fn conflicts_and_import_are_clear_errors() {
    let server = RulerServer::start();
    let tf = Terraform::new();
    let tenant = format!("    tenant = \"{TENANT}\"\n");
    let with = |attr: &str| {
        provider(&server, &tenant).replace(
            "provider \"reliability\" {\n",
            &format!("provider \"reliability\" {{\n  {attr}\n"),
        ) + &slo("xx", "99")
    };
    tf.config(&with("rules_dir = \"rules\""));
    tf.init();
    let out = tf.plan();
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.flat().contains("rules_dir and ruler are both set"),
        "{out}"
    );
    tf.config(&with("prometheus_url = \"http://127.0.0.1:9090\""));
    let out = tf.plan();
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.flat()
            .contains("prometheus_url is set with a ruler block"),
        "{out}"
    );

    tf.config(&format!(
        "{}{}",
        provider(&server, &tenant),
        slo("xx", "99")
    ));
    let out = tf.run(&[
        "import",
        "-no-color",
        "-input=false",
        "reliability_slo.xx",
        "checkout-xx",
    ]);
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.flat()
            .contains("the ruler does not keep the configuration header"),
        "{out}"
    );
    assert!(server.group_names(TENANT, NS).is_empty());
}

/// A write that fails part-way (the tenant's group limit reached after some groups) is
/// reported, saying what was written; the next apply, once the cause is fixed, completes it.
#[test]
fn partial_failure_is_reported_and_repaired_by_the_next_apply() {
    let server = RulerServer::start();
    let tf = Terraform::new();
    let tenant = format!("    tenant = \"{TENANT}\"\n");
    tf.config(&format!(
        "{}{}",
        provider(&server, &tenant),
        slo("xx", "99")
    ));
    tf.init();
    tf.apply().success();
    let groups = server.group_names(TENANT, NS);
    assert!(groups.len() >= 2, "an SLO has several groups: {groups:?}");
    tf.destroy().success();
    assert!(server.group_names(TENANT, NS).is_empty());

    let limit = groups.len() - 1;
    server.configure(|o| o.max_groups_per_tenant = Some(limit));
    let out = tf.apply();
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.flat()
            .contains(&format!("the {limit} group(s) before it were written")),
        "{out}"
    );
    assert_eq!(server.group_names(TENANT, NS).len(), limit);

    server.configure(|o| o.max_groups_per_tenant = None);
    tf.apply().success();
    assert_eq!(server.group_names(TENANT, NS), groups);
    assert_eq!(tf.plan().code, 0);
}
