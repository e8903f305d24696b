use super::fields::shift_two;
use super::*;
use crate::rules::calendar::Calendar;
use crate::rules::model::render_yaml;
use crate::rules::slo::{generate, validate, Sli};

const WEB_SHOP: &str = include_str!("fixtures/web_shop.yaml");

fn rules(spec: &SloSpec) -> String {
    render_yaml(&generate(spec).expect("generate"), "round trip")
}

fn refused(yaml: &str) -> Vec<Problem> {
    import(yaml).expect_err("must be refused")
}

/// One refusal naming `document` and `field`, whose text contains `why`.
fn assert_refused(yaml: &str, document: &str, field: &str, why: &str) {
    let problems = refused(yaml);
    assert!(
        problems
            .iter()
            .any(|p| p.document == document && p.field == field && p.detail.contains(why)),
        "expected {document} / {field} / {why:?} in {problems:#?}"
    );
}

/// Export, import, generate: the same rules, byte for byte, for every snapshot spec
/// (events, raw, latency, min_events, tiers, calendar, maintenance).
#[test]
fn export_then_import_gives_identical_rules_for_every_snapshot() {
    let specs = crate::rules::slo::tests::snapshot_specs();
    assert!(specs.len() >= 9, "{}", specs.len());
    for (name, spec) in specs {
        let yaml = export(&spec);
        let back = import(&yaml).unwrap_or_else(|p| panic!("{name}: {p:#?}\n{yaml}"));
        assert_eq!(back.slos.len(), 1, "{name}");
        assert!(back.warnings.is_empty(), "{name}: {:?}", back.warnings);
        let got = &back.slos[0];
        assert_eq!(validate(got), vec![], "{name}");
        assert_eq!(rules(got), rules(&spec), "{name}: rules differ\n{yaml}");
        // And the export of the import is the same document.
        assert_eq!(export(got), yaml, "{name}");
    }
}

#[test]
fn spec_like_examples_import() {
    let imported = import(WEB_SHOP).unwrap_or_else(|p| panic!("{p:#?}"));
    let names: Vec<&str> = imported.slos.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "main-page-internal",
            "main-page-sla",
            "search-errors",
            "search-latency"
        ]
    );
    let main = &imported.slos[0];
    assert_eq!(main.service, "web-shop");
    assert_eq!(main.objective, 99.5);
    assert_eq!(imported.slos[1].objective, 99.0);
    assert_eq!(main.budgeting.calendar, Some(Calendar::Month));
    assert_eq!(main.labels["team"], "storefront");
    assert_eq!(
        main.description.as_deref(),
        Some("The main page answers without errors")
    );
    // good → error: total − good, over the counters' rates; no good series means all bad.
    let total = r#"sum(rate(shop_requests_total{page="main"}[{{.window}}]))"#;
    let good = r#"sum(rate(shop_requests_total{code=~"2..|3..",page="main"}[{{.window}}]))"#;
    assert_eq!(
        main.sli,
        Sli::Events {
            error_query: format!("({total}) - (({good}) or ({total}) * 0)"),
            total_query: total.to_string(),
        }
    );
    let search = &imported.slos[2];
    assert_eq!(search.objective, 99.9);
    assert_eq!(search.window, "4w");
    assert_eq!(
        search.sli,
        Sli::Events {
            error_query:
                r#"sum(rate(shop_requests_total{code=~"5..",page="search"}[{{.window}}]))"#.into(),
            total_query: r#"sum(rate(shop_requests_total{page="search"}[{{.window}}]))"#.into(),
        }
    );
    assert_eq!(
        imported.slos[3].sli,
        Sli::Latency {
            histogram: "shop_request_duration_seconds".into(),
            selector: r#"page="search""#.into(),
            threshold: 0.3,
        }
    );
    for s in &imported.slos {
        assert_eq!(validate(s), vec![], "{}", s.name);
    }
    assert_eq!(imported.warnings.len(), 1, "{:?}", imported.warnings);
    let w = &imported.warnings[0];
    assert_eq!(w.document, r#"SLO "main-page" (document 4)"#);
    assert_eq!(w.field, "spec.alertPolicies");
}

#[test]
fn targets_convert_exactly() {
    assert_eq!(shift_two("0.999").as_deref(), Some("99.9"));
    assert_eq!(shift_two("0.9995").as_deref(), Some("99.95"));
    assert_eq!(shift_two("0.99999999").as_deref(), Some("99.999999"));
    assert_eq!(shift_two("0.5").as_deref(), Some("50"));
    assert_eq!(shift_two("1").as_deref(), Some("100"));
    assert_eq!(shift_two("1e-3"), None);
    // f64 arithmetic would give 99.89999999999999 or similar for some of these.
    for (t, p) in [("0.999", 99.9), ("0.9999", 99.99), ("0.957", 95.7)] {
        let yaml = slo_with("objectives: [{target: ".to_string() + t + "}]");
        assert_eq!(import(&yaml).unwrap().slos[0].objective, p, "{t}");
    }
}

/// An SLO with a bad/total counter SLI and `extra` appended to its spec.
fn slo_with(extra: String) -> String {
    format!(
        r#"apiVersion: openslo/v1
kind: SLO
metadata:
  name: api
spec:
  service: shop
  indicator:
    metadata: {{name: api}}
    spec:
      ratioMetric:
        counter: true
        bad: {{metricSource: {{type: Prometheus, spec: {{query: 'requests_total{{code="500"}}'}}}}}}
        total: {{metricSource: {{type: Prometheus, spec: {{query: requests_total}}}}}}
  {extra}
"#
    )
}

#[test]
fn calendar_windows_map_only_in_utc_at_period_starts() {
    let window = |duration: &str, start: &str, zone: &str| {
        slo_with(format!(
            "timeWindow: [{{duration: {duration}, isRolling: false, calendar: {{startTime: \
             '{start}', timeZone: {zone}}}}}]\n  objectives: [{{target: 0.99}}]"
        ))
    };
    let one = |yaml: &str| import(yaml).unwrap_or_else(|p| panic!("{p:#?}")).slos[0].clone();
    assert_eq!(
        one(&window("1w", "2024-01-08 00:00:00", "UTC"))
            .budgeting
            .calendar,
        Some(Calendar::Week)
    );
    assert_eq!(
        one(&window("1Q", "2023-10-01 00:00:00", "Etc/UTC"))
            .budgeting
            .calendar,
        Some(Calendar::Quarter)
    );
    let doc = r#"SLO "api" (document 1)"#;
    // Modeled on examples/budgeting-method/timeslices-slo.yaml's window.
    assert_refused(
        &window("1M", "2022-01-01 12:00:00", "America/New_York"),
        doc,
        "spec.timeWindow[0].calendar.timeZone",
        "00:00 UTC",
    );
    assert_refused(
        &window("1w", "2024-01-02 00:00:00", "UTC"),
        doc,
        "spec.timeWindow[0].calendar.startTime",
        "Monday",
    );
    assert_refused(
        &window("1M", "2024-01-01 12:00:00", "UTC"),
        doc,
        "spec.timeWindow[0].calendar.startTime",
        "not the start of a month",
    );
    assert_refused(
        &window("1Y", "2024-01-01 00:00:00", "UTC"),
        doc,
        "spec.timeWindow[0].duration",
        "1w (ISO week), 1M (month) or 1Q",
    );
    assert_refused(
        &slo_with(
            "timeWindow: [{duration: 12h, isRolling: true}]\n  objectives: [{target: 0.99}]".into(),
        ),
        doc,
        "spec.timeWindow[0].duration",
        "whole days or weeks",
    );
}

/// The spec's budgeting examples (examples/budgeting-method/) with Prometheus sources.
#[test]
fn timeslices_threshold_metrics_and_other_sources_are_refused() {
    let doc = r#"SLO "api" (document 1)"#;
    assert_refused(
        &slo_with(
            "budgetingMethod: Timeslices\n  objectives: [{target: 0.995, timeSliceTarget: 0.99, \
             timeSliceWindow: 1m}]"
                .into(),
        ),
        doc,
        "spec.budgetingMethod",
        "Timeslices budgeting counts good time slices",
    );
    assert_refused(
        &slo_with("budgetingMethod: RatioTimeslices\n  objectives: [{target: 0.99}]".into()),
        doc,
        "spec.budgetingMethod",
        "RatioTimeslices",
    );
    // Modeled on examples/budgeting-method/occurences-slo.yaml.
    let threshold = r#"apiVersion: openslo/v1
kind: SLO
metadata: {name: search-slo}
spec:
  service: web-shop
  indicator:
    metadata: {name: search-latency}
    spec:
      thresholdMetric:
        metricSource: {type: Prometheus, spec: {query: search_seconds}}
  timeWindow: [{duration: 2w, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{displayName: Good experience, op: lt, value: 500, target: 0.99}]
"#;
    assert_refused(
        threshold,
        r#"SLO "search-slo" (document 1)"#,
        "spec.indicator.spec.thresholdMetric",
        "threshold metrics",
    );
    // Modeled on the spec's inline-SLI example (a Datadog source).
    let datadog = slo_with("objectives: [{target: 0.98}]".into()).replace(
        "type: Prometheus, spec: {query: requests_total}",
        "type: Datadog, spec: {query: 'sum:trace.hits{*}.as_count()'}",
    );
    assert_refused(
        &datadog,
        doc,
        "spec.indicator.spec.ratioMetric.total.metricSource.type",
        "\"Datadog\" is not supported",
    );
    // A reference to a non-Prometheus DataSource (the spec's CloudWatch example).
    let cloudwatch = format!(
        "apiVersion: openslo/v1\nkind: DataSource\nmetadata: {{name: cw}}\nspec: {{type: CloudWatch}}\n---\n{}",
        slo_with("objectives: [{target: 0.98}]".into())
            .replace("type: Prometheus, spec: {query: requests_total}", "metricSourceRef: cw, spec: {query: x}")
    );
    assert_refused(
        &cloudwatch,
        r#"SLO "api" (document 2)"#,
        "spec.indicator.spec.ratioMetric.total.metricSource.type",
        "\"CloudWatch\" is not supported",
    );
}

#[test]
fn queries_that_cannot_be_exact_are_refused() {
    let doc = r#"SLO "api" (document 1)"#;
    let gauges =
        slo_with("objectives: [{target: 0.99}]".into()).replace("counter: true", "counter: false");
    assert_refused(
        &gauges,
        doc,
        "spec.indicator.spec.ratioMetric.bad.metricSource.spec.query",
        "without counter: true is a gauge",
    );
    let grouped = slo_with("objectives: [{target: 0.99}]".into()).replace(
        "query: requests_total}",
        "query: 'sum by (code) (requests_total)'}",
    );
    assert_refused(
        &grouped,
        doc,
        "spec.indicator.spec.ratioMetric.total.metricSource.spec.query",
        "is not a counter selector",
    );
    let composite = slo_with("objectives: [{target: 0.99, indicatorRef: other}]".into());
    assert_refused(
        &composite,
        doc,
        "spec.objectives[0].indicatorRef",
        "composite",
    );
    let listed = slo_with("objectives: [{target: 0.99}]".into()).replace(
        "metadata:\n  name: api",
        "metadata:\n  name: api\n  labels: {team: [a, b]}",
    );
    assert_refused(&listed, doc, "metadata.labels.team", "one value");
}

#[test]
fn documents_are_named_by_kind_name_or_index() {
    let two = format!(
        "{}---\n{}",
        slo_with("objectives: [{target: 0.99}]".into()),
        slo_with("objectives: [{target: 0.98}]".into())
    );
    assert_refused(
        &two,
        r#"SLO "api" (document 2)"#,
        "metadata.name",
        "also given by SLO \"api\" (document 1)",
    );
    assert_refused(
        "apiVersion: openslo/v2alpha\nkind: SLO\nmetadata: {name: x}\n",
        r#"SLO "x" (document 1)"#,
        "apiVersion",
        "only openslo/v1",
    );
    assert_refused("kind: [\n", "document 1", "", "not valid YAML");
    assert_refused(
        "apiVersion: openslo/v1\nkind: SLO\nspec: {}\n",
        "SLO (document 1)",
        "metadata.name",
        "needs a name",
    );
    // Input the SLO resource would refuse is refused here, naming the document.
    let long = slo_with("objectives: [{target: 0.99}]".into()).replace(
        "name: api\nspec",
        &format!("name: a{}\nspec", "p".repeat(130)),
    );
    let problems = refused(&long);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].field, "(reliability_slo name)");
    assert!(
        problems[0].detail.starts_with("Invalid name"),
        "{problems:#?}"
    );
    // Alert policies on their own are read, with a warning.
    let policy = format!(
        "apiVersion: openslo/v1\nkind: AlertPolicy\nmetadata: {{name: burn}}\nspec: {{}}\n---\n{}",
        slo_with("objectives: [{target: 0.99}]".into())
    );
    let imported = import(&policy).unwrap();
    assert_eq!(imported.slos.len(), 1);
    assert_eq!(
        imported.warnings[0].document,
        r#"AlertPolicy "burn" (document 1)"#
    );
    let missing = slo_with("objectives: [{target: 0.99}]".into());
    let missing = missing.replace(
        "indicator:\n    metadata: {name: api}",
        "indicatorRef: nowhere\n  unused:\n    metadata: {name: api}",
    );
    assert_refused(
        &missing,
        r#"SLO "api" (document 1)"#,
        "spec.indicatorRef",
        "no SLI document named \"nowhere\"",
    );
    // Every problem of the content is reported, not only the first.
    let both = format!(
        "{}---\n{}",
        slo_with("budgetingMethod: Timeslices\n  objectives: [{target: 0.99}]".into()),
        slo_with("objectives: [{target: 0.99}]".into())
            .replace("name: api\nspec", "name: other\nspec")
            .replace("counter: true", "counter: false"),
    );
    assert_eq!(refused(&both).len(), 2, "{:#?}", refused(&both));
}

#[test]
fn raw_ratios_map_by_raw_type() {
    let raw = |raw_type: &str, query: &str| {
        format!(
            "apiVersion: openslo/v1\nkind: SLO\nmetadata: {{name: wifi}}\nspec:\n  service: home\n  \
             indicator:\n    metadata: {{name: wifi}}\n    spec:\n      ratioMetric:\n        \
             rawType: {raw_type}\n        raw: {{metricSource: {{type: Prometheus, spec: {{query: '{query}'}}}}}}\n  \
             objectives: [{{target: 0.95}}]\n"
        )
    };
    let sli = |yaml: &str| {
        import(yaml).unwrap_or_else(|p| panic!("{p:#?}")).slos[0]
            .sli
            .clone()
    };
    assert_eq!(
        sli(&raw("success", "wifi_ok_ratio")),
        Sli::Raw {
            error_ratio_query: "1 - (avg_over_time(wifi_ok_ratio[{{.window}}]))".into()
        }
    );
    assert_eq!(
        sli(&raw("failure", "wifi_bad_ratio{room=\"hall\"}")),
        Sli::Raw {
            error_ratio_query: "avg_over_time(wifi_bad_ratio{room=\"hall\"}[{{.window}}])".into()
        }
    );
    assert_refused(
        &raw("failure", "max(wifi_bad_ratio)"),
        r#"SLO "wifi" (document 1)"#,
        "spec.indicator.spec.ratioMetric.raw",
        "not a ratio metric selector",
    );
}
