//! `reliability_notification_policy` sent to a Mimir tenant's Alertmanager
//! (`alertmanager { mimir = true }` beside a `ruler` block), through the real Terraform CLI,
//! against the loopback stand-in (`tests/src/ruler_server/alertmanager.rs`, written from
//! Mimir's HTTP API reference; not a real Mimir).

use reliability_e2e::alertmanager::check_config;
use reliability_e2e::ruler_server::RulerServer;
use reliability_e2e::Terraform;

const ADDRESS: &str = "reliability_notification_policy.main";
const TENANT: &str = "team-a";

fn provider(server: &RulerServer) -> String {
    format!(
        r#"
provider "reliability" {{
  ruler {{
    url    = "{}"
    tenant = "{TENANT}"
  }}
  alertmanager {{
    mimir = true
  }}
}}
"#,
        server.url()
    )
}

fn policy(group_wait: &str) -> String {
    format!(
        r#"
resource "reliability_notification_policy" "main" {{
  receiver {{
    name = "oncall-relay"
    webhook {{ url = "http://relay.internal:8080/page" }}
  }}
  receiver {{
    name = "tickets"
    webhook {{ url = "http://relay.internal:8080/ticket" }}
  }}
  page_receiver   = "oncall-relay"
  ticket_receiver = "tickets"
  group_wait      = "{group_wait}"
}}
"#
    )
}

#[test]
fn lifecycle_against_a_mimir_tenant() {
    let server = RulerServer::start();
    let tf = Terraform::new();
    tf.config(&format!("{}{}", provider(&server), policy("30s")));
    tf.init();
    let out = tf.apply().success();
    assert!(out.stdout.contains("1 added"), "{out}");
    let stored = server
        .alertmanager_config(TENANT)
        .expect("sent to the tenant");
    let values = tf.resource_values(ADDRESS).expect("in state");
    // What the tenant holds is what this provider writes: the state keeps it out.
    assert!(values["config_yaml"].is_null(), "{values}");
    assert_eq!(tf.plan().code, 0);
    assert_eq!(
        values["config_file"].as_str(),
        Some("mimir-alertmanager:team-a")
    );
    assert!(server.alertmanager_config("other").is_none());
    let file = tf.path().join("sent.yml");
    std::fs::write(&file, &stored).unwrap();
    check_config(&file);
    assert_eq!(tf.plan().code, 0, "re-plan after apply must be empty");

    // Drift: edited on Mimir, then deleted there.
    server.set_alertmanager_config(TENANT, Some(&stored.replace("30s", "1m")));
    let out = tf.plan();
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stdout.contains("update in-place"), "{out}");
    tf.apply().success();
    assert_eq!(
        server.alertmanager_config(TENANT).as_deref(),
        Some(stored.as_str())
    );
    server.set_alertmanager_config(TENANT, None);
    let out = tf.plan();
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stdout.contains("will be created"), "{out}");
    tf.apply().success();
    assert_eq!(
        server.alertmanager_config(TENANT).as_deref(),
        Some(stored.as_str())
    );

    // Import from the tenant's configuration (its header comment is kept by Mimir).
    tf.run(&["state", "rm", ADDRESS]).success();
    let out = tf
        .run(&[
            "import",
            "-no-color",
            "-input=false",
            ADDRESS,
            "alertmanager",
        ])
        .success();
    assert!(out.stdout.contains("Import successful"), "{out}");
    assert_eq!(tf.plan().code, 0, "plan right after import must be empty");

    // Update in place, then destroy.
    tf.config(&format!("{}{}", provider(&server), policy("45s")));
    tf.apply().success();
    assert!(server
        .alertmanager_config(TENANT)
        .is_some_and(|c| c.contains("group_wait: 45s")));
    assert_eq!(tf.plan().code, 0);
    let out = tf.destroy().success();
    assert!(out.stdout.contains("1 destroyed"), "{out}");
    assert!(server.alertmanager_config(TENANT).is_none());
    let posts = server
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/api/v1/alerts" && r.status == 201)
        .count();
    assert_eq!(
        posts,
        4,
        "create, two repairs, update: {:?}",
        server.requests()
    );
}

#[test]
fn file_secrets_and_a_missing_ruler_are_refused_at_plan() {
    let server = RulerServer::start();
    let tf = Terraform::new();
    let with_file = policy("30s").replace(
        "    webhook { url = \"http://relay.internal:8080/page\" }",
        "    pagerduty { routing_key_file = \"/etc/alertmanager/pagerduty.key\" }",
    );
    tf.config(&format!("{}{with_file}", provider(&server)));
    tf.init();
    let out = tf.plan();
    assert_eq!(out.code, 1, "{out}");
    let text = out.flat();
    assert!(
        text.contains("Mimir refuses secrets read from files"),
        "{out}"
    );
    assert!(text.contains("routing_key_file"), "{out}");
    assert!(server.alertmanager_config(TENANT).is_none());

    tf.config(&format!(
        "provider \"reliability\" {{\n  alertmanager {{\n    mimir = true\n  }}\n}}\n{}",
        policy("30s")
    ));
    let out = tf.plan();
    assert_eq!(out.code, 1, "{out}");
    assert!(out.flat().contains("there is no ruler block"), "{out}");
}
