//! Identities that never collide silently, through the real Terraform CLI: two SLOs whose
//! `<service>-<name>` ids are equal (`foo-bar`/`baz` and `foo`/`bar-baz`) are refused at
//! plan, naming both, in one configuration (rules directory, render-only, the stand-in
//! ruler at Terraform's default parallelism) and across two configurations that share a
//! rules directory or a ruler namespace; two alerts with one name and different rules are
//! refused too. Nothing is written.

use reliability_e2e::ruler_server::RulerServer;
use reliability_e2e::Terraform;

fn slo(resource: &str, service: &str, name: &str) -> String {
    format!(
        r#"
resource "reliability_slo" "{resource}" {{
  service   = "{service}"
  name      = "{name}"
  objective = 99.9
  sli {{
    raw {{
      error_ratio_query = "avg_over_time(errors_ratio[{{{{.window}}}}])"
    }}
  }}
}}
"#
    )
}

fn both() -> String {
    format!(
        "{}{}",
        slo("a", "foo-bar", "baz"),
        slo("b", "foo", "bar-baz")
    )
}

/// Plans `config` and checks the refusal names the id and both SLOs.
fn assert_refused(tf: &Terraform, config: &str) {
    tf.config(config);
    let out = tf.plan();
    assert_eq!(out.code, 1, "colliding ids must be refused at plan: {out}");
    let all = out.flat();
    assert!(all.contains("share the id \"foo-bar-baz\""), "{out}");
    assert!(
        all.contains(r#"service = "foo-bar", name = "baz""#),
        "{out}"
    );
    assert!(
        all.contains(r#"service = "foo", name = "bar-baz""#),
        "{out}"
    );
}

#[test]
fn one_configuration_rules_dir_render_only_and_ruler() {
    let tf = Terraform::new();
    tf.config("provider \"reliability\" {\n  rules_dir = \"rules\"\n}\n");
    tf.init();
    assert_refused(
        &tf,
        &format!(
            "provider \"reliability\" {{\n  rules_dir = \"rules\"\n}}\n{}",
            both()
        ),
    );
    assert!(
        !tf.path().join("rules").exists()
            || std::fs::read_dir(tf.path().join("rules"))
                .unwrap()
                .next()
                .is_none()
    );

    assert_refused(
        &tf,
        &format!(
            "provider \"reliability\" {{\n  render_only = true\n}}\n{}",
            both()
        ),
    );

    let server = RulerServer::start();
    assert_refused(
        &tf,
        &format!(
            "provider \"reliability\" {{\n  ruler {{\n    url = \"{}\"\n    tenant = \"team-a\"\n  }}\n}}\n{}",
            server.url(),
            both()
        ),
    );
    assert!(server.group_names("team-a", "reliability").is_empty());

    // Two alerts with one name and different rules.
    let alert = |resource: &str, expr: &str| {
        format!(
            "resource \"reliability_alert\" \"{resource}\" {{\n  name = \"HighLoad\"\n  expr = \"{expr}\"\n  severity = \"ticket\"\n  summary = \"load\"\n}}\n"
        )
    };
    tf.config(&format!(
        "provider \"reliability\" {{\n  rules_dir = \"rules\"\n}}\n{}{}",
        alert("x", "node_load1 > 2"),
        alert("y", "node_load1 > 4")
    ));
    let out = tf.plan();
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.flat()
            .contains("Two reliability_alert resources with the id \"HighLoad\""),
        "{out}"
    );
}

#[test]
fn two_configurations_sharing_a_destination() {
    let shared = tempfile::tempdir().unwrap();
    let dir = shared.path().join("rules");
    let first = Terraform::new();
    let second = Terraform::new();
    let rules = |tf: &Terraform, body: &str| {
        tf.config(&format!(
            "provider \"reliability\" {{\n  rules_dir = {:?}\n}}\n{body}",
            dir.display().to_string()
        ));
    };
    rules(&first, &slo("a", "foo-bar", "baz"));
    first.init();
    first.apply().success();
    rules(&second, &slo("b", "foo", "bar-baz"));
    second.init();
    let out = second.plan();
    assert_eq!(out.code, 1, "{out}");
    let all = out.flat();
    assert!(
        all.contains("Another SLO has the id \"foo-bar-baz\""),
        "{out}"
    );
    assert!(
        all.contains(r#"service = "foo-bar", name = "baz""#),
        "{out}"
    );

    let server = RulerServer::start();
    let ruler = |tf: &Terraform, body: &str| {
        tf.config(&format!(
            "provider \"reliability\" {{\n  ruler {{\n    url = \"{}\"\n    tenant = \"team-a\"\n  }}\n}}\n{body}",
            server.url()
        ));
    };
    ruler(&first, &slo("a", "foo-bar", "baz"));
    first.apply().success();
    ruler(&second, &slo("b", "foo", "bar-baz"));
    let out = second.plan();
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.flat()
            .contains("Another SLO has the id \"foo-bar-baz\""),
        "{out}"
    );
    assert_eq!(
        server.group_names("team-a", "reliability").len(),
        3,
        "only the first SLO's groups"
    );
}
