//! `reliability_slo`'s budget accounting through the real Terraform CLI: a rolling SLO
//! switched to a calendar month and back, a maintenance window and `exclude_query` added
//! and removed, each apply followed by an empty re-plan; conflicting or invalid periods
//! rejected at plan with the attribute named; destroy.

use reliability_e2e::Terraform;

const ADDR: &str = "reliability_slo.checkout";

/// The SLO with `extra` lines inside its block.
fn slo(extra: &str) -> String {
    format!(
        r#"
provider "reliability" {{
  rules_dir = "rules"
}}

resource "reliability_slo" "checkout" {{
  service   = "checkout"
  name      = "availability"
  objective = 99.9
{extra}
  sli {{
    events {{
      error_query = "sum(rate(http_requests_total{{job=\"checkout\",code=~\"5..\"}}[{{{{.window}}}}]))"
      total_query = "sum(rate(http_requests_total{{job=\"checkout\"}}[{{{{.window}}}}]))"
    }}
  }}
}}
"#
    )
}

const WINDOW: &str = r#"
  maintenance_window {
    weekdays   = ["sunday"]
    start_time = "02:00"
    end_time   = "04:00"
  }
  exclude_query = "max(maintenance_mode{service=\"checkout\"})"
"#;

/// Applies `config`, checks the re-plan is empty, and returns the rule file's content.
fn apply_then_empty_plan(tf: &Terraform, config: &str) -> String {
    tf.config(config);
    let out = tf.apply().success();
    assert!(
        out.stdout.contains("Apply complete"),
        "apply must succeed: {out}"
    );
    let plan = tf.plan();
    assert_eq!(plan.code, 0, "re-plan after apply must be empty: {plan}");
    std::fs::read_to_string(tf.path().join("rules/slo_checkout@availability.yml"))
        .expect("rule file")
}

#[test]
fn rolling_to_calendar_and_back_with_maintenance() {
    let tf = Terraform::new();
    tf.config(&slo(""));
    tf.init();

    // Rolling 30d (the default).
    let rules = apply_then_empty_plan(&tf, &slo(""));
    assert!(rules.contains("slo:sli_error:ratio_rate30d"), "{rules}");
    assert!(
        rules.contains("sum_over_time(slo:sli_bad_events:rate5m"),
        "{rules}"
    );
    let v = tf.resource_values(ADDR).unwrap();
    assert_eq!(v["window"], "30d");
    assert_eq!(v["calendar_period"], serde_json::Value::Null);

    // Calendar month: no rolling window, the month's series and nominal budget minutes.
    let rules = apply_then_empty_plan(&tf, &slo("  calendar_period = \"month\"\n"));
    assert!(rules.contains("slo:sli_error:ratio_rate1M"), "{rules}");
    assert!(rules.contains("sloth_calendar_slot"), "{rules}");
    assert!(!rules.contains("ratio_rate30d"), "{rules}");
    let v = tf.resource_values(ADDR).unwrap();
    assert_eq!(v["window"], serde_json::Value::Null, "{v}");
    assert_eq!(v["calendar_period"], "month");
    assert_eq!(v["error_budget_minutes"], 43.2);

    // A maintenance window and a declared-maintenance query.
    let rules = apply_then_empty_plan(
        &tf,
        &slo(&format!("  calendar_period = \"month\"\n{WINDOW}")),
    );
    assert!(rules.contains("slo:maintenance:active"), "{rules}");
    assert!(rules.contains(">= 7200 < 14400"), "{rules}");
    assert!(rules.contains("maintenance_mode"), "{rules}");
    let v = tf.resource_values(ADDR).unwrap();
    assert_eq!(v["maintenance_window"][0]["start_time"], "02:00");

    // Back to a rolling 28d window, maintenance kept.
    let rules = apply_then_empty_plan(&tf, &slo(&format!("  window = \"28d\"\n{WINDOW}")));
    assert!(rules.contains("slo:sli_error:ratio_rate4w"), "{rules}");
    assert!(!rules.contains("sloth_calendar_slot"), "{rules}");
    let v = tf.resource_values(ADDR).unwrap();
    assert_eq!(v["window"], "28d");
    assert_eq!(v["calendar_period"], serde_json::Value::Null);

    // Maintenance removed, the default window again.
    let rules = apply_then_empty_plan(&tf, &slo(""));
    assert!(!rules.contains("slo:maintenance:active"), "{rules}");
    assert_eq!(tf.resource_values(ADDR).unwrap()["window"], "30d");

    // Mistakes are refused at plan, naming the attribute.
    tf.config(&slo("  window = \"30d\"\n  calendar_period = \"month\"\n"));
    let out = tf.plan();
    assert_eq!(out.code, 1, "{out}");
    assert!(out.flat().contains("Conflicting periods"), "{out}");
    assert!(out.flat().contains("calendar_period"), "{out}");
    tf.config(&slo("  calendar_period = \"fortnight\"\n"));
    let out = tf.plan();
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.flat().contains("invalid calendar_period \"fortnight\""),
        "{out}"
    );
    tf.config(&slo(
        "  maintenance_window {\n    weekdays = [\"Sunday\"]\n    start_time = \"04:00\"\n    end_time = \"02:00\"\n  }\n",
    ));
    let out = tf.plan();
    assert_eq!(out.code, 1, "{out}");
    assert!(out.flat().contains("weekday \"Sunday\""), "{out}");
    assert!(
        out.flat().contains("end_time \"02:00\" is not after"),
        "{out}"
    );

    // Destroy removes the file.
    tf.config(&slo("  calendar_period = \"quarter\"\n"));
    tf.apply().success();
    tf.destroy().success();
    assert!(!tf
        .path()
        .join("rules/slo_checkout@availability.yml")
        .exists());
}
