//! The ruler destination through the real Terraform CLI, against the strict stand-in ruler
//! (`reliability_e2e::ruler_server`): apply, read-back, drift, update, destroy, the request
//! count of a no-op plan, the errors users meet, and that a token never reaches the state.

use reliability_e2e::ruler_server::{http, RequiredAuth, RulerOptions, RulerServer};
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

/// The group names of a resource, from its `rule_file` address in the state
/// (`ruler:<namespace>/<group>,<group>…`, percent-encoded).
fn state_groups(tf: &Terraform, addr: &str) -> Vec<String> {
    let values = tf
        .resource_values(addr)
        .unwrap_or_else(|| panic!("{addr} in the state"));
    let location = values["rule_file"].as_str().expect("rule_file");
    let (_, groups) = location
        .strip_prefix("ruler:")
        .and_then(|l| l.split_once('/'))
        .expect("a ruler address");
    groups.split(',').map(percent_decode).collect()
}

/// A percent-encoded group name of an address, decoded as the stand-in decodes paths.
fn percent_decode(s: &str) -> String {
    http::percent_decode(s).expect("percent-encoding")
}

#[test]
fn apply_drift_update_destroy_against_the_ruler() {
    let server = RulerServer::start_with(RulerOptions {
        auth: Some(RequiredAuth::Bearer(TOKEN.into())),
        sort_keys: true,
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
    // Creating 5 resources lists the namespace once per Terraform walk (the plan, then the
    // apply's own plan: each checks that no other configuration holds one of the SLO ids);
    // accepted writes update the listing.
    assert_eq!(
        server.count("GET", "/reliability"),
        2,
        "{:?}",
        server.requests()
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
    // In the provider's own order (the stand-in answers with its keys sorted), the edit
    // is the only change: Terraform's `-`/`+` markers stand in the leftmost column of the
    // diff, left of any YAML list item's dash.
    let marked: Vec<(usize, &str)> = out
        .stdout
        .lines()
        .filter_map(|l| {
            let t = l.trim_start();
            (t.starts_with("- ") || t.starts_with("+ ")).then(|| (l.len() - t.len(), t))
        })
        .collect();
    let column = marked.iter().map(|(c, _)| *c).min().unwrap_or(0);
    let changed: Vec<&str> = marked
        .iter()
        .filter(|(c, _)| *c == column)
        .map(|(_, t)| *t)
        .collect();
    let removed: Vec<&str> = changed
        .iter()
        .filter(|t| t.starts_with('-'))
        .map(|t| t[1..].trim())
        .collect();
    let added: Vec<&str> = changed
        .iter()
        .filter(|t| t.starts_with('+'))
        .map(|t| t[1..].trim())
        .collect();
    assert_eq!(
        removed,
        ["expr: vector(42)"],
        "only the edited line: {changed:?}\n{out}"
    );
    assert!(
        added.first() == Some(&"expr: |-") && added.len() <= 6,
        "only the written expression comes back: {changed:?}\n{out}"
    );
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
    let out = tf.run(&["output", "-raw", "ruler_groups"]).success();
    let (_, groups) = out
        .stdout
        .trim()
        .strip_prefix("ruler:")
        .and_then(|l| l.split_once('/'))
        .expect("a ruler address");
    let mut expected: Vec<String> = groups.split(',').map(percent_decode).collect();
    assert!(!expected.is_empty());
    expected.sort();
    assert_eq!(server.group_names(TENANT, NS), expected);
    let plan = tf.run(&[&["plan", "-detailed-exitcode"][..], &args[..]].concat());
    assert_eq!(plan.code, 0, "{plan}");
}

/// A ruler block with another destination, or with prometheus_url, is refused at plan; an
/// import of an id the ruler does not hold says so.
#[test]
fn conflicts_and_import_errors_are_clear() {
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
            .contains("no SLO with id \"checkout-xx\" in namespace"),
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

fn alert(name: &str) -> String {
    format!(
        r#"
resource "reliability_alert" "{name}" {{
  name     = "{name}"
  expr     = "up{{job=\"{name}\"}} == 0"
  for      = "5m"
  severity = "ticket"
}}
"#
    )
}

const BACKUP: &str = r#"
resource "reliability_backup_plan" "db" {
  name           = "orders-db"
  schedule       = "0 3 * * *"
  retention_days = 35
  rpo            = "26h"
  targets        = ["arn:aws:rds:eu-west-1:123456789012:db:orders"]
  offsite_copy {
    destination = "eu-west-2"
  }
}
"#;

/// Every resource type imports from the ruler's copy: the configuration travels in a
/// never-firing metadata rule of the first group (the ruler drops comments), `rules_yaml`
/// does not show it, and the plan after import is empty. A metadata rule removed on the
/// ruler is drift like any other edit, and apply puts it back.
#[test]
fn import_rebuilds_every_resource_from_the_ruler() {
    let server = RulerServer::start();
    let tf = Terraform::new();
    let tenant = format!("    tenant = \"{TENANT}\"\n");
    tf.config(&format!(
        "{}{}{}{}",
        provider(&server, &tenant),
        slo("imp", "99.5"),
        alert("Down"),
        BACKUP
    ));
    tf.init();
    tf.apply().success();
    let slo_groups = state_groups(&tf, "reliability_slo.imp");
    let first = server.group(TENANT, NS, &slo_groups[0]).unwrap();
    let rules = first["rules"].as_sequence().unwrap();
    let meta = rules.last().unwrap();
    assert_eq!(meta["alert"].as_str(), Some("ReliabilityTerraformMetadata"));
    assert_eq!(meta["expr"].as_str(), Some("vector(1) < 0"));
    // What the ruler holds is what this provider writes: kept out of the state. The plan
    // document, which a ruler cannot hold, stays in it.
    assert!(tf.resource_values("reliability_slo.imp").unwrap()["rules_yaml"].is_null());
    let plan_json = tf.resource_values("reliability_backup_plan.db").unwrap()["plan_json"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(plan_json.contains("eu-west-2"), "{plan_json}");

    for (addr, id) in [
        ("reliability_slo.imp", "checkout-imp"),
        ("reliability_alert.Down", "Down"),
        ("reliability_backup_plan.db", "orders-db"),
    ] {
        tf.run(&["state", "rm", addr]).success();
        let out = tf.run(&["import", "-no-color", "-input=false", addr, id]);
        assert_eq!(out.code, 0, "import {addr}: {out}");
    }
    let out = tf.plan();
    assert_eq!(out.code, 0, "the plan after import must be empty: {out}");
    assert!(tf.resource_values("reliability_slo.imp").unwrap()["rules_yaml"].is_null());

    // The metadata rule deleted on the ruler: drift, repaired by apply.
    assert!(server.edit_group(TENANT, NS, &slo_groups[0], |g| {
        let rules = g["rules"].as_sequence_mut().unwrap();
        rules.pop();
    }));
    let out = tf.plan();
    assert_eq!(out.code, 2, "a removed metadata rule is drift: {out}");
    tf.apply().success();
    assert_eq!(server.group(TENANT, NS, &slo_groups[0]), Some(first));
    assert_eq!(tf.plan().code, 0);

    tf.destroy().success();
    assert!(server.group_names(TENANT, NS).is_empty());
}

/// An update that changes which groups a resource has (both alert tiers turned off: the
/// alert group goes) removes the group it no longer has from the ruler, and only that one;
/// turning a tier back on brings the group back.
#[test]
fn an_update_that_drops_a_group_removes_it_from_the_ruler() {
    let server = RulerServer::start();
    let tf = Terraform::new();
    let tenant = format!("    tenant = \"{TENANT}\"\n");
    let config = |alerting: &str| {
        let body = slo("grp", "99").replace("  sli {", &format!("{alerting}  sli {{"));
        format!("{}{body}", provider(&server, &tenant))
    };
    tf.config(&config(""));
    tf.init();
    tf.apply().success();
    let all = server.group_names(TENANT, NS);
    let alert_group: Vec<String> = all
        .iter()
        .filter(|g| g.contains("alerts"))
        .cloned()
        .collect();
    assert_eq!(alert_group.len(), 1, "one alert group among {all:?}");

    tf.config(&config(
        "  alerting {\n    page {\n      disabled = true\n    }\n    ticket {\n      disabled = true\n    }\n  }\n",
    ));
    let out = tf.apply().success();
    assert!(
        out.stdout.contains("1 changed"),
        "an update in place: {out}"
    );
    let now = server.group_names(TENANT, NS);
    let expected: Vec<String> = all
        .iter()
        .filter(|g| !alert_group.contains(g))
        .cloned()
        .collect();
    assert_eq!(now, expected);
    let mut in_state = state_groups(&tf, "reliability_slo.grp");
    in_state.sort();
    assert_eq!(in_state, expected, "rule_file names what the ruler holds");
    assert_eq!(tf.plan().code, 0);

    tf.config(&config(""));
    tf.apply().success();
    assert_eq!(server.group_names(TENANT, NS), all);
    assert_eq!(tf.plan().code, 0);
}
