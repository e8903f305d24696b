//! `reliability_slo` through the real Terraform CLI: apply, empty re-plan, drift (edited and
//! deleted file), import, in-place update, bad input rejected at plan, destroy; and a real
//! Prometheus loading the rules.

use reliability_e2e::prometheus::Prometheus;
use reliability_e2e::Terraform;

fn slo(objective: &str) -> String {
    format!(
        r#"
provider "reliability" {{
  rules_dir = "rules"
}}

resource "reliability_slo" "checkout" {{
  service     = "checkout"
  name        = "availability"
  objective   = {objective}
  description = "Checkout requests succeed"
  labels      = {{ team = "payments" }}

  sli {{
    events {{
      error_query = "sum(rate(http_requests_total{{job=\"checkout\",code=~\"5..\"}}[{{{{.window}}}}]))"
      total_query = "sum(rate(http_requests_total{{job=\"checkout\"}}[{{{{.window}}}}]))"
    }}
  }}

  alerting {{
    runbook_url = "https://runbooks.example.com/checkout"
  }}
}}
"#
    )
}

const ADDR: &str = "reliability_slo.checkout";

#[test]
fn lifecycle_apply_drift_import_update_destroy() {
    let tf = Terraform::new();
    tf.config(&slo("99.9"));
    tf.init();

    // apply
    let out = tf.apply().success();
    assert!(out.stdout.contains("1 added"), "{out}");
    let file = tf.path().join("rules/slo_checkout@availability.yml");
    let content = std::fs::read_to_string(&file).expect("rule file written");
    assert!(content.contains("slo:sli_error:ratio_rate5m"), "{content}");
    assert!(content.contains("DO NOT EDIT"), "{content}");
    let values = tf.resource_values(ADDR).expect("in state");
    assert_eq!(values["id"], "checkout-availability");
    assert_eq!(values["objective"], 99.9);
    assert_eq!(values["window"], "30d");
    assert_eq!(values["error_budget_minutes"], 43.2);
    assert_eq!(values["rule_file"], file.to_string_lossy().as_ref());
    // The file is the product: its text stays out of the state, which stays small.
    assert!(values["rules_yaml"].is_null(), "{values}");
    let state = std::fs::read_to_string(tf.path().join("terraform.tfstate")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&state).unwrap();
    let instance = serde_json::to_string(&json["resources"][0]["instances"][0]).unwrap();
    assert!(
        instance.len() <= 3 * 1024,
        "{} bytes of state: {instance}",
        instance.len()
    );

    // empty re-plan
    let out = tf.plan();
    assert_eq!(out.code, 0, "re-plan after apply must be empty: {out}");

    // drift: edited file → update planned
    std::fs::write(&file, content.replace("0.001", "0.01")).unwrap();
    let out = tf.plan();
    assert_eq!(out.code, 2, "an edited rule file must plan a change: {out}");
    assert!(out.stdout.contains("update in-place"), "{out}");
    assert!(out.stdout.contains("content_sha256"), "{out}");
    assert!(
        out.stdout.contains("rules_yaml"),
        "the edit shows in the plan: {out}"
    );
    assert!(
        out.stdout
            .lines()
            .any(|l| l.trim_start().starts_with('-') && l.contains("0.01")),
        "the edited line is shown: {out}"
    );
    tf.apply().success();
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        content,
        "apply restores the file"
    );
    assert_eq!(tf.plan().code, 0);

    // drift: deleted file → re-create planned
    std::fs::remove_file(&file).unwrap();
    let out = tf.plan();
    assert_eq!(
        out.code, 2,
        "a deleted rule file must plan a re-create: {out}"
    );
    assert!(out.stdout.contains("will be created"), "{out}");
    tf.apply().success();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), content);

    // import: forget the resource, import it by id, plan is empty
    tf.run(&["state", "rm", ADDR]).success();
    let out = tf
        .run(&[
            "import",
            "-no-color",
            "-input=false",
            ADDR,
            "checkout-availability",
        ])
        .success();
    assert!(out.stdout.contains("Import successful"), "{out}");
    let out = tf.plan();
    assert_eq!(out.code, 0, "plan right after import must be empty: {out}");

    // import of an unknown id is a clear error
    tf.run(&["state", "rm", ADDR]).success();
    let out = tf.run(&["import", "-no-color", "-input=false", ADDR, "checkout-nope"]);
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.all().contains("no SLO with id \"checkout-nope\""),
        "{out}"
    );
    tf.run(&[
        "import",
        "-no-color",
        "-input=false",
        ADDR,
        "checkout-availability",
    ])
    .success();

    // in-place update of the objective
    tf.config(&slo("99.5"));
    let out = tf.plan();
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stdout.contains("update in-place"), "{out}");
    assert!(
        !out.stdout.contains("must be replaced"),
        "objective updates in place: {out}"
    );
    tf.apply().success();
    let updated = std::fs::read_to_string(&file).unwrap();
    assert!(
        updated.contains("0.005"),
        "new error budget in the rules: {updated}"
    );
    assert_eq!(
        tf.resource_values(ADDR).unwrap()["error_budget_minutes"],
        216
    );
    assert_eq!(tf.plan().code, 0);

    // destroy leaves no file
    let out = tf.destroy().success();
    assert!(out.stdout.contains("1 destroyed"), "{out}");
    assert!(!file.exists(), "destroy removes the rule file");
}

#[test]
fn renaming_replaces_and_moves_the_file() {
    let tf = Terraform::new();
    tf.config(&slo("99.9"));
    tf.init();
    tf.apply().success();
    tf.config(&slo("99.9").replace(
        "name        = \"availability\"",
        "name        = \"success\"",
    ));
    let out = tf.plan();
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stdout.contains("must be replaced"), "{out}");
    tf.apply().success();
    assert!(!tf
        .path()
        .join("rules/slo_checkout@availability.yml")
        .exists());
    assert!(tf.path().join("rules/slo_checkout@success.yml").exists());
}

/// Each bad input is rejected at plan time, with an error naming the attribute and quoting
/// the value, and nothing is written.
#[test]
fn bad_inputs_are_rejected_at_plan_naming_the_attribute() {
    let good = slo("99.9");
    let cases: &[(&str, String, &[&str])] = &[
        ("objective 100", slo("100"), &["objective", "100"]),
        ("objective 0", slo("0"), &["objective"]),
        ("negative objective", slo("-5"), &["objective"]),
        ("bad window", good.replace("objective   = 99.9", "objective   = 99.9\n  window = \"30x\""), &["window", "30x"]),
        ("hours window", good.replace("objective   = 99.9", "objective   = 99.9\n  window = \"36h\""), &["window", "36h"]),
        ("missing placeholder", good.replace("code=~\\\"5..\\\"}[{{.window}}]", "code=~\\\"5..\\\"}[5m]"), &["error_query", "{{.window}}"]),
        ("invalid promql", good.replace("sum(rate(http_requests_total{job=\\\"checkout\\\",code", "sum(rate(http_requests_total{job=\\\"checkout\\\",,code"), &["error_query"]),
        ("same queries", good.replace(",code=~\\\"5..\\\"", ""), &["total_query"]),
        ("unsafe service", good.replace("service     = \"checkout\"", "service     = \"../etc\""), &["service", "../etc"]),
        ("unsafe name", good.replace("name        = \"availability\"", "name        = \"a/b\""), &["name", "a/b"]),
        (
            "two SLI kinds",
            good.replace("    events {", "    raw {\n      error_ratio_query = \"vector(0) + 0 * count_over_time(up[{{.window}}])\"\n    }\n    events {"),
            &["sli", "2 SLI kinds (events, raw)"],
        ),
        ("bad runbook", good.replace("https://runbooks.example.com/checkout", "runbooks"), &["runbook_url"]),
    ];
    let tf = Terraform::new();
    tf.config(&good);
    tf.init();
    for (what, config, needles) in cases {
        tf.config(config);
        let out = tf.run(&["plan", "-no-color", "-input=false"]);
        assert_eq!(out.code, 1, "{what}: plan must fail\n{out}");
        let all = out.all();
        assert!(all.contains("Error:"), "{what}: {out}");
        assert!(
            all.contains("with reliability_slo.checkout"),
            "{what}: error attached to the resource\n{out}"
        );
        for n in *needles {
            assert!(all.contains(n), "{what}: expected {n:?} in\n{out}");
        }
    }
    assert!(
        !tf.path().join("rules").exists(),
        "nothing written for bad input"
    );
}

#[test]
fn prometheus_loads_rules_after_apply_and_drops_them_after_destroy() {
    let tf = Terraform::new();
    let rules = tf.path().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    let prom = Prometheus::start(&rules);
    let two = format!(
        "{}\n{}",
        slo("99.9").replace(
            "rules_dir = \"rules\"",
            &format!("rules_dir = \"rules\"\n  prometheus_url = \"{}\"", prom.url)
        ),
        slo("99")
            .replace(
                "provider \"reliability\" {\n  rules_dir = \"rules\"\n}\n",
                ""
            )
            .replace("\"checkout\" {", "\"search\" {")
            .replace("service     = \"checkout\"", "service     = \"search\"")
    );
    tf.config(&two);
    tf.init();
    tf.apply().success();
    let files: Vec<String> = prom.rules()["data"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["file"].as_str().unwrap_or_default().to_string())
        .collect();
    for f in [
        "slo_checkout@availability.yml",
        "slo_search@availability.yml",
    ] {
        assert!(
            files.iter().any(|p| p.ends_with(f)),
            "{f} loaded by Prometheus: {files:?}\n{}",
            prom.log_text()
        );
    }
    let alerts: Vec<String> = prom.rules()["data"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_array().cloned().unwrap_or_default())
        .filter(|r| r["type"] == "alerting")
        .map(|r| {
            r["labels"]["severity"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert!(
        alerts.iter().any(|s| s == "page") && alerts.iter().any(|s| s == "ticket"),
        "{alerts:?}"
    );
    tf.destroy().success();
    assert!(
        prom.group_names().is_empty(),
        "rules gone after destroy: {:?}",
        prom.group_names()
    );
}
