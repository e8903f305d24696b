//! Grafana dashboards of SLOs, through the real Terraform CLI: written atomically into a
//! provisioned directory (drift shown and repaired, a foreign file never taken over, the file
//! removed when the dashboard is turned off), or held in `dashboard_json` for the Grafana
//! provider; and every panel query of an SLO dashboard and of the `reliability_dashboard`
//! overview, with Grafana's `$__…` variables substituted, parses (promtool) and returns data
//! from a real Prometheus evaluating the SLO's rules over a loopback exporter.
//!
//! No Grafana server runs here (none can be installed): the JSON model is checked by an
//! independent consumer of Grafana's schema in `provider/tests/grafana_schema.rs`.

use std::path::Path;
use std::time::Duration;

use reliability_e2e::exporter::{availability_slo, Exporter};
use reliability_e2e::prometheus::{promtool_binary, Prometheus};
use reliability_e2e::Terraform;

/// The SLO of `availability_slo(job)` with `dashboard = true`.
fn slo_with_dashboard(job: &str) -> String {
    availability_slo(job).replacen(
        "  objective = 99.9\n",
        "  objective = 99.9\n  dashboard = true\n",
        1,
    )
}

/// Grafana's variables as Grafana substitutes them before a query reaches Prometheus.
fn substitute(expr: &str) -> String {
    expr.replace("$__rate_interval", "1m")
        .replace("$__range", "1h")
        .replace("$__interval", "15s")
}

/// Every `expr` of a dashboard's panels.
fn queries(dashboard: &serde_json::Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for panel in dashboard["panels"].as_array().expect("panels") {
        for t in panel["targets"].as_array().expect("targets") {
            out.push((
                panel["title"].as_str().unwrap().to_string(),
                t["expr"].as_str().unwrap().to_string(),
            ));
        }
    }
    out
}

/// `promtool check rules` on one recording rule per query: every query parses as PromQL.
fn promtool_parses(dir: &Path, queries: &[(String, String)]) {
    let mut file = String::from("groups:\n- name: dashboard-queries\n  rules:\n");
    for (i, (_, q)) in queries.iter().enumerate() {
        file.push_str(&format!(
            "  - record: dashboard_query_{i}\n    expr: {}\n",
            serde_json::to_string(&substitute(q)).unwrap()
        ));
    }
    let path = dir.join("dashboard-queries.yml");
    std::fs::write(&path, file).unwrap();
    let out = std::process::Command::new(promtool_binary())
        .args(["check", "rules"])
        .arg(&path)
        .output()
        .expect("run promtool");
    assert!(
        out.status.success(),
        "promtool rejects a dashboard query: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_panel_query_parses_and_returns_data_from_prometheus() {
    let exporter = Exporter::healthy_and_burning();
    let tf = Terraform::new();
    let rules = tf.path().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    let prom = Prometheus::start_scraping(&rules, &exporter.address);
    tf.config(&format!(
        r#"provider "reliability" {{
  rules_dir              = "rules"
  prometheus_url         = "{}"
  grafana_dashboards_dir = "dashboards"
}}
{}{}
data "reliability_dashboard" "overview" {{
  title   = "Shop SLOs"
  slo_ids = [reliability_slo.healthy.id, reliability_slo.burning.id]
}}
output "overview" {{
  value = data.reliability_dashboard.overview.dashboard_json
}}
"#,
        prom.url,
        slo_with_dashboard("healthy"),
        slo_with_dashboard("burning"),
    ));
    tf.init();
    tf.apply().success();
    let read_dashboard = |job: &str| -> serde_json::Value {
        let path = tf
            .path()
            .join(format!("dashboards/slo_{job}@availability.json"));
        serde_json::from_str(&std::fs::read_to_string(&path).expect("dashboard file"))
            .expect("dashboard JSON")
    };
    let burning = read_dashboard("burning");
    let out = tf.run(&["output", "-raw", "overview"]).success();
    let overview: serde_json::Value = serde_json::from_str(&out.stdout).expect("overview JSON");
    assert_eq!(overview["title"], "Shop SLOs");

    // The burning SLO's page fires, so its alerts panel has rows too.
    assert!(
        prom.wait_for(
            "ALERTS{sloth_id=\"burning-availability\", alertstate=\"firing\"}",
            Duration::from_secs(90),
            1,
            |_| true
        ),
        "the burning SLO's alert never fired; Prometheus log:\n{}",
        prom.log_text()
    );
    let mut all = queries(&burning);
    let overview_queries = queries(&overview);
    all.extend(overview_queries.iter().cloned());
    assert!(all.len() >= 15, "{all:?}");
    promtool_parses(tf.path(), &all);
    // Every query returns data: the SLO dashboard's at least one series, the overview's
    // one row per SLO in every column. Bounded: each SLO's rule groups reach their period
    // series after a few evaluations, and not all at the same moment.
    let rows_wanted = |q: &str| {
        if overview_queries.iter().any(|(_, o)| o == q) {
            2
        } else {
            1
        }
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let mut missing: Vec<(String, String)> = all.clone();
    while !missing.is_empty() && std::time::Instant::now() < deadline {
        missing.retain(|(_, q)| prom.query(&substitute(q)).len() < rows_wanted(q));
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(
        missing.is_empty(),
        "panels without (all their) data: {missing:#?}\nPrometheus log:\n{}",
        prom.log_text()
    );
    for (title, q) in &overview_queries {
        assert_eq!(prom.query(&substitute(q)).len(), 2, "{title}: {q}");
    }
    // The overview's status says the burning SLO pages while the healthy one is OK.
    let status = &overview_queries.last().unwrap().1;
    let rows = prom.query(&substitute(status));
    let value_of = |id: &str| {
        rows.iter()
            .find(|r| r["metric"]["sloth_id"] == id)
            .and_then(|r| r["value"][1].as_str())
            .map(str::to_string)
    };
    assert_eq!(
        value_of("burning-availability").as_deref(),
        Some("2"),
        "{rows:?}"
    );
    assert_eq!(
        value_of("healthy-availability").as_deref(),
        Some("0"),
        "{rows:?}"
    );
    // The healthy SLO's dashboard reads only its own series.
    for (title, q) in queries(&read_dashboard("healthy")) {
        for r in prom.query(&substitute(&q)) {
            if let Some(id) = r["metric"]["sloth_id"].as_str() {
                assert_eq!(id, "healthy-availability", "{title}: {q}");
            }
        }
    }
}

#[test]
fn dashboard_file_drift_is_repaired_and_json_is_there_without_a_directory() {
    let tf = Terraform::new();
    let provider = "provider \"reliability\" {\n  rules_dir = \"rules\"\n  grafana_dashboards_dir = \"dashboards\"\n}\n";
    tf.config(&format!("{provider}{}", slo_with_dashboard("api")));
    tf.init();
    tf.apply().success();
    let file = tf.path().join("dashboards/slo_api@availability.json");
    let written = std::fs::read_to_string(&file).expect("dashboard written");
    let model: serde_json::Value = serde_json::from_str(&written).unwrap();
    assert!(model["uid"]
        .as_str()
        .unwrap()
        .starts_with("slo-api-availability-"));
    assert_eq!(model["templating"]["list"][0]["type"], "datasource");
    let state = tf.resource_values("reliability_slo.api").unwrap();
    assert_eq!(state["dashboard_file"], file.to_string_lossy().as_ref());
    assert!(
        state["dashboard_json"].is_null(),
        "kept out of the state: {state}"
    );
    assert_eq!(tf.plan().code, 0, "re-plan is empty");

    // Edited by hand: the plan shows it, the apply puts it back.
    std::fs::write(&file, written.replace("SLI vs objective", "edited")).unwrap();
    let out = tf.plan();
    assert_eq!(out.code, 2, "drift is planned: {out}");
    assert!(out.stdout.contains("dashboard_json"), "{out}");
    tf.apply().success();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), written);
    assert_eq!(tf.plan().code, 0);
    // Deleted: recreated.
    std::fs::remove_file(&file).unwrap();
    assert_eq!(tf.plan().code, 2);
    tf.apply().success();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), written);

    // Off again: the file goes, the rule file stays.
    tf.config(&format!("{provider}{}", availability_slo("api")));
    tf.apply().success();
    assert!(!file.exists());
    assert!(tf.path().join("rules/slo_api@availability.yml").exists());
    assert_eq!(tf.plan().code, 0);

    // A dashboard file this configuration did not write is never taken over.
    std::fs::write(
        tf.path().join("dashboards/slo_web@availability.json"),
        "{\"uid\": \"theirs\"}\n",
    )
    .unwrap();
    tf.config(&format!(
        "{provider}{}{}",
        availability_slo("api"),
        slo_with_dashboard("web")
    ));
    let out = tf.apply();
    assert_ne!(out.code, 0);
    assert!(
        out.flat().contains("already exists with other content"),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(tf.path().join("dashboards/slo_web@availability.json")).unwrap(),
        "{\"uid\": \"theirs\"}\n"
    );

    // Render-only rules with provisioned dashboards: a deleted dashboard file is drift
    // (an update writes it back), not a vanished SLO.
    let render_only = Terraform::new();
    render_only.config(&format!(
        "provider \"reliability\" {{\n  render_only = true\n  grafana_dashboards_dir = \"dashboards\"\n}}\n{}",
        slo_with_dashboard("api")
    ));
    render_only.init();
    render_only.apply().success();
    let file = render_only
        .path()
        .join("dashboards/slo_api@availability.json");
    assert!(file.exists());
    std::fs::remove_file(&file).unwrap();
    let out = render_only.plan();
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stdout.contains("1 to change, 0 to destroy"), "{out}");
    render_only.apply().success();
    assert!(file.exists());

    // Without a directory, the model is in dashboard_json for grafana_dashboard.
    let json_only = Terraform::new();
    json_only.config(&format!(
        "provider \"reliability\" {{\n  rules_dir = \"rules\"\n}}\n{}\noutput \"model\" {{\n  value = reliability_slo.api.dashboard_json\n}}\n",
        slo_with_dashboard("api")
    ));
    json_only.init();
    json_only.apply().success();
    let out = json_only.run(&["output", "-raw", "model"]).success();
    assert_eq!(
        out.stdout, written,
        "the same model as the provisioned file"
    );
    assert_eq!(json_only.plan().code, 0, "re-plan is empty");
    assert!(!json_only
        .path()
        .join("rules/slo_api@availability.json")
        .exists());
}

#[test]
fn the_documented_examples_apply_as_written() {
    let read =
        |p: &str| std::fs::read_to_string(reliability_e2e::workspace_root().join(p)).expect(p);
    let tf = Terraform::new();
    tf.config(&format!(
        "provider \"reliability\" {{\n  rules_dir = \"rules\"\n}}\n{}\n{}\noutput \"latency_dashboard\" {{\n  value = reliability_slo.checkout_latency_monthly.dashboard_json\n}}\noutput \"overview\" {{\n  value = data.reliability_dashboard.checkout.dashboard_json\n}}\n",
        read("examples/resources/reliability_slo/resource.tf"),
        read("examples/data-sources/reliability_dashboard/data-source.tf"),
    ));
    tf.init();
    tf.apply().success();
    assert_eq!(tf.plan().code, 0, "re-plan is empty");
    let out = tf.run(&["output", "-json"]).success();
    let outputs: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let uid = outputs["checkout_overview_uid"]["value"].as_str().unwrap();
    assert!(uid.starts_with("slo-overview-"), "{uid}");
    let overview: serde_json::Value =
        serde_json::from_str(outputs["overview"]["value"].as_str().unwrap()).unwrap();
    assert_eq!(overview["uid"], uid);
    let q = queries(&overview)
        .into_iter()
        .map(|(_, q)| q)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(q.contains("checkout-availability|checkout-latency"), "{q}");
    let latency: serde_json::Value =
        serde_json::from_str(outputs["latency_dashboard"]["value"].as_str().unwrap()).unwrap();
    // A calendar month: the time range starts at the month's start.
    assert_eq!(latency["time"]["from"], "now/M");
    assert!(outputs["checkout_availability_rule_file"]["value"].is_string());
}

/// examples/grafana runs as written: both SLO dashboards land in the provisioned directory
/// under their uids, and the overview lists both SLOs; the provisioning file is the shape
/// Grafana's file provisioning reads.
#[test]
fn grafana_example_writes_the_provisioned_dashboards() {
    let root = reliability_e2e::workspace_root().join("examples/grafana");
    let tf = Terraform::new();
    tf.write(
        "main.tf",
        &std::fs::read_to_string(root.join("main.tf")).unwrap(),
    );
    tf.init();
    tf.apply().success();
    assert_eq!(tf.plan().code, 0, "re-plan is empty");
    let out = tf.run(&["output", "-json", "dashboard_files"]).success();
    let files: Vec<String> = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(files.len(), 2);
    for f in &files {
        let model: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(f).expect(f)).unwrap();
        assert!(model["uid"].as_str().unwrap().len() <= 40, "{f}");
        assert!(
            Path::new(f).starts_with(tf.path().join("dashboards")),
            "{f}"
        );
    }
    let out = tf.run(&["output", "-raw", "overview_json"]).success();
    assert!(
        out.stdout.contains("checkout-availability|search-latency"),
        "{out}"
    );
    let provisioning: serde_yaml_ng::Value = serde_yaml_ng::from_str(
        &std::fs::read_to_string(root.join("provisioning/dashboards/reliability.yml")).unwrap(),
    )
    .unwrap();
    assert_eq!(provisioning["apiVersion"].as_u64(), Some(1));
    let provider = &provisioning["providers"][0];
    assert_eq!(provider["type"].as_str(), Some("file"));
    assert!(provider["options"]["path"].as_str().is_some());
}

/// examples/grafana-provider runs as written with the `grafana/grafana` stand-in (real
/// attribute names; it refuses what Grafana's API refuses): both dashboards reach "Grafana"
/// byte for byte as the provider computed them, the re-plan is empty, and the README's
/// snippet is part of the example.
#[test]
fn grafana_provider_example_applies_as_written() {
    let root = reliability_e2e::workspace_root();
    let example = std::fs::read_to_string(root.join("examples/grafana-provider/main.tf")).unwrap();
    let tf = reliability_e2e::grafana::grafana_terraform();
    tf.write("main.tf", &example);
    let saved = tf.path().join("grafana");
    std::fs::create_dir_all(&saved).unwrap();
    let env = [("GRAFANA_STANDIN_DIR", saved.to_str().unwrap())];
    tf.run_with_env(&["init", "-input=false", "-no-color"], &env)
        .success();
    tf.run_with_env(
        &["apply", "-auto-approve", "-input=false", "-no-color"],
        &env,
    )
    .success();
    let out = tf.run_with_env(
        &["plan", "-detailed-exitcode", "-input=false", "-no-color"],
        &env,
    );
    assert_eq!(out.code, 0, "re-plan is empty: {out}");
    let model = tf.resource_values("reliability_slo.checkout").unwrap()["dashboard_json"]
        .as_str()
        .unwrap()
        .to_string();
    let uid = serde_json::from_str::<serde_json::Value>(&model).unwrap()["uid"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        std::fs::read_to_string(saved.join(format!("{uid}.json"))).unwrap(),
        model
    );
    let files = std::fs::read_dir(&saved).unwrap().count();
    assert_eq!(files, 2, "the SLO's dashboard and the overview");
    let out = tf
        .run(&["output", "-raw", "checkout_dashboard_url"])
        .success();
    assert!(out.stdout.ends_with(&format!("/d/{uid}")), "{out}");

    // The stand-in refuses what Grafana refuses, so the apply above proved something.
    tf.write(
        "bad.tf",
        "resource \"grafana_dashboard\" \"untitled\" {\n  config_json = jsonencode({ uid = \"x\" })\n}\n",
    );
    let out = tf.run_with_env(
        &["apply", "-auto-approve", "-input=false", "-no-color"],
        &env,
    );
    assert_ne!(out.code, 0, "{out}");
    assert!(
        out.flat().contains("Dashboard title cannot be empty"),
        "{out}"
    );

    // The README's snippet is in the example, so it ran above as written.
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let snippet = readme
        .split("```hcl\n")
        .skip(1)
        .filter_map(|s| s.split_once("```").map(|(b, _)| b))
        .find(|b| b.contains("grafana_dashboard"))
        .expect("README shows grafana_dashboard");
    // As a list item's code block, the snippet is indented: compare it dedented.
    let indent = snippet
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let snippet: String = snippet
        .lines()
        .map(|l| format!("{}\n", l.get(indent..).unwrap_or("")))
        .collect();
    assert!(
        example.contains(snippet.trim_end()),
        "README snippet differs from the example:\n{snippet}"
    );
}
