//! Property tests: no input makes the provider panic, and no name escapes `rules_dir`.
//!
//! - The pure layer: `rules::{slo,alert,backup}::validate` on arbitrary specs (random and
//!   hostile strings, huge, tiny, non-finite numbers, empty values) returns errors and never
//!   panics; every spec it accepts generates, renders to YAML that parses back, and maps to
//!   a safe file name.
//! - The resource layer: arbitrary configurations (as Terraform would send them, decoded
//!   into each resource's state) go through `validate` and `plan_create` without panicking.
//! - `Num` decoding and `attr_path` on anything.
//! - Names: a table of escapes (`../../etc/x`, `/abs`, `a/b`, `..`, NUL, very long names,
//!   unicode look-alikes) is rejected at validation, and distinct valid names never map to
//!   the same file.
//!
//! Case: names are ASCII and case-sensitive, so `Checkout` and `checkout` are two
//! resources with two files (`alert_Checkout.yml`, `alert_checkout.yml`). On a
//! case-insensitive file system (macOS, Windows defaults) those two paths are one file:
//! the second resource's create then finds a file with other content and refuses to
//! overwrite it ("Rule file already exists"), so one never silently clobbers the other.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use reliability_provider::context::Context;
use reliability_provider::resources::diagnostics::attr_path;
use reliability_provider::resources::num::Num;
use reliability_provider::resources::rule_resource::RuleResource;
use reliability_provider::resources::{
    alert as alert_res, backup_plan as backup_res, slo as slo_res,
};
use reliability_provider::rules::alert::{self, AlertSpec, CertificateExpiry};
use reliability_provider::rules::backup::{self, BackupPlanSpec, OffsiteCopy, RestoreTest};
use reliability_provider::rules::slo::{self, Alerting, Sli, SloSpec, Tier};
use reliability_provider::rules::{render_yaml, FieldError, RuleFile};
use reliability_provider::settings::Settings;
use serde_json::{json, Value};
use tf_provider::{Diagnostics, Resource};

/// Names that must never become a file name outside `rules_dir`, or collide.
const HOSTILE: &[&str] = &[
    "",
    ".",
    "..",
    "../../etc/x",
    "../x",
    "/abs",
    "/",
    "a/b",
    "a\\b",
    "a\0b",
    "\0",
    "x/..",
    ".hidden",
    "a ",
    " a",
    "a b",
    "a@b",
    "a:b",
    "a*b",
    "a\nb",
    "сheckout",         // Cyrillic с
    "checkout\u{200b}", // zero-width space
    "ｃｈｅｃｋｏｕｔ", // full-width
    "check\u{0301}out",
    "Ǆ",
    "🙂",
    "-a",
    "a-",
];

fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(HOSTILE).prop_map(str::to_string),
        Just("a".repeat(129)),
        Just("a".repeat(300)),
        Just("a".repeat(5000)),
    ]
}

/// Any string: hostile, arbitrary unicode, plausible names, PromQL-ish text.
fn any_str() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => hostile(),
        3 => ".{0,40}",
        3 => "[A-Za-z0-9][A-Za-z0-9_.-]{0,140}[A-Za-z0-9]",
        1 => "[a-z_]{1,20}\\{[a-z]{1,5}=\"[a-z]{0,5}\"\\}(\\[\\{\\{ ?\\.window ?\\}\\}\\])?",
        1 => "\\{\\{.{0,10}\\}?\\}?",
        1 => "[0-9]{1,25}(y|w|d|h|m|s|ms){1,3}",
        1 => "(@[a-z]{0,10}|[0-9*/,-]{1,6}( [0-9*/,A-Z-]{1,6}){0,6})",
        1 => "https?://.{0,20}",
    ]
}

fn any_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(0.0),
        Just(-0.0),
        Just(f64::MIN_POSITIVE),
        Just(5e-324),
        Just(f64::MAX),
        Just(99.9),
        Just(100.0),
        0.0..100.0f64,
        -1e18..1e18f64,
    ]
}

fn str_map() -> impl Strategy<Value = BTreeMap<String, String>> {
    btree_map(any_str(), any_str(), 0..3)
}

fn tier() -> impl Strategy<Value = Tier> {
    (any::<bool>(), str_map(), str_map()).prop_map(|(disabled, labels, annotations)| Tier {
        disabled,
        labels,
        annotations,
    })
}

fn slo_spec() -> impl Strategy<Value = SloSpec> {
    let sli = prop_oneof![
        (any_str(), any_str()).prop_map(|(e, t)| Sli::Events {
            error_query: e,
            total_query: t
        }),
        any_str().prop_map(|q| Sli::Raw {
            error_ratio_query: q
        }),
        (any_str(), any_str(), any_f64()).prop_map(|(h, s, t)| Sli::Latency {
            histogram: h,
            selector: s,
            threshold: t
        }),
    ];
    let alerting = (
        tier(),
        tier(),
        proptest::option::of(any_str()),
        proptest::option::of(any_f64()),
    )
        .prop_map(|(page, ticket, runbook_url, min_events)| Alerting {
            page,
            ticket,
            runbook_url,
            min_events,
        });
    (
        any_str(),
        any_str(),
        any_f64(),
        prop_oneof![any_str(), "[0-9]{1,25}[dw]"],
        proptest::option::of(any_str()),
        str_map(),
        sli,
        alerting,
    )
        .prop_map(
            |(service, name, objective, window, description, labels, sli, alerting)| SloSpec {
                service,
                name,
                objective,
                window,
                description,
                labels,
                sli,
                alerting,
                budgeting: Default::default(),
            },
        )
}

fn alert_spec() -> impl Strategy<Value = AlertSpec> {
    let cert = (any_str(), any_str(), any_f64(), any_str()).prop_map(
        |(certificate, target, days_before, source)| CertificateExpiry {
            certificate,
            target,
            days_before,
            source,
        },
    );
    (
        any_str(),
        proptest::option::of(any_str()),
        proptest::option::of(cert),
        proptest::option::of(any_str()),
        prop_oneof![any_str(), Just("page".to_string())],
        proptest::option::of(any_str()),
        proptest::option::of(any_str()),
        proptest::option::of(any_str()),
        str_map(),
        str_map(),
    )
        .prop_map(
            |(
                name,
                expr,
                certificate_expiry,
                for_,
                severity,
                summary,
                description,
                runbook_url,
                labels,
                annotations,
            )| {
                AlertSpec {
                    name,
                    expr,
                    certificate_expiry,
                    for_,
                    severity,
                    summary,
                    description,
                    runbook_url,
                    labels,
                    annotations,
                }
            },
        )
}

fn backup_spec() -> impl Strategy<Value = BackupPlanSpec> {
    (
        any_str(),
        prop_oneof![
            any_str(),
            Just("0 3 * * *".to_string()),
            Just("@daily".to_string())
        ],
        any::<i64>(),
        any_str(),
        proptest::option::of(any_str()),
        vec(any_str(), 0..3),
        proptest::option::of(any_str().prop_map(|destination| OffsiteCopy { destination })),
        proptest::option::of(
            (any_str(), any_str())
                .prop_map(|(schedule, max_age)| RestoreTest { schedule, max_age }),
        ),
        str_map(),
    )
        .prop_map(
            |(
                name,
                schedule,
                retention_days,
                rpo,
                rto,
                targets,
                offsite_copy,
                restore_test,
                labels,
            )| {
                BackupPlanSpec {
                    name,
                    schedule,
                    retention_days,
                    rpo,
                    rto,
                    targets,
                    offsite_copy,
                    restore_test,
                    labels,
                }
            },
        )
}

/// Longest file name Linux (and most file systems) accept, in bytes.
const NAME_MAX: usize = 255;

/// A file name the provider may write: one plain component, no separators, not hidden,
/// ASCII, short enough for the file system, ending in a suffix Prometheus' glob or a runner
/// expects.
#[track_caller]
fn assert_safe_file_name(f: &str) {
    assert!(!f.is_empty() && f.len() <= NAME_MAX, "{f:?}: length");
    assert!(f.is_ascii(), "{f:?}: ASCII only");
    assert!(!f.contains(['/', '\\', '\0']), "{f:?}: one component");
    assert!(!f.starts_with('.'), "{f:?}: not hidden, not . or ..");
    assert_eq!(Path::new(f).file_name().and_then(|n| n.to_str()), Some(f));
    let dir = reliability_provider::backend::dir::RulesDir::new("/rules");
    let joined = dir.path_of(f).expect("RulesDir accepts it");
    assert_eq!(
        joined.parent(),
        Some(Path::new("/rules")),
        "{f:?} stays in rules_dir"
    );
}

#[track_caller]
fn assert_renders(file: &RuleFile) {
    let yaml = render_yaml(file, "Managed by Terraform\nreliability-config: {}\n");
    let back: RuleFile = serde_yaml_ng::from_str(&yaml).expect("generated YAML parses back");
    assert_eq!(&back, file);
}

fn has_error_on(errs: &[FieldError], attr: &str) -> bool {
    errs.iter()
        .any(|e| e.path.first().map(String::as_str) == Some(attr))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn slo_validation_never_panics_and_accepted_specs_generate(spec in slo_spec()) {
        let errs = slo::validate(&spec);
        let generated = slo::generate(&spec);
        if errs.is_empty() {
            let file = generated.expect("a spec validate accepts generates");
            assert_renders(&file);
            assert_safe_file_name(&slo_res::file_name(&spec.service, &spec.name));
        }
        for e in &errs {
            prop_assert!(!e.summary.is_empty() && !e.detail.is_empty(), "{e:?}");
        }
    }

    #[test]
    fn alert_validation_never_panics_and_accepted_specs_generate(spec in alert_spec()) {
        let errs = alert::validate(&spec);
        let generated = alert::generate(&spec);
        if errs.is_empty() {
            assert_renders(&generated.expect("a spec validate accepts generates"));
            assert_safe_file_name(&alert_res::file_name(&spec.name));
        }
        for e in &errs {
            prop_assert!(!e.summary.is_empty() && !e.detail.is_empty(), "{e:?}");
        }
    }

    #[test]
    fn backup_validation_never_panics_and_accepted_specs_generate(spec in backup_spec()) {
        let errs = backup::validate(&spec);
        let generated = backup::generate(&spec);
        let _ = backup::plan_document(&spec);
        if errs.is_empty() {
            assert_renders(&generated.expect("a spec validate accepts generates"));
            let plan: Value = serde_json::from_str(&backup::plan_document(&spec)).expect("plan JSON");
            prop_assert!(plan.is_object());
            assert_safe_file_name(&backup_res::file_name(&spec.name));
            assert_safe_file_name(&backup_res::plan_file_name(&spec.name));
        }
    }

    #[test]
    fn hostile_names_are_rejected_everywhere(bad in hostile(), good in "[a-z][a-z0-9]{1,10}") {
        let mut s = valid_slo();
        s.service = bad.clone();
        prop_assert!(has_error_on(&slo::validate(&s), "service"), "service {bad:?}");
        let mut s = valid_slo();
        s.service = good.clone();
        s.name = bad.clone();
        prop_assert!(has_error_on(&slo::validate(&s), "name"), "slo name {bad:?}");
        let mut a = valid_alert();
        a.name = bad.clone();
        prop_assert!(has_error_on(&alert::validate(&a), "name"), "alert name {bad:?}");
        let mut b = valid_backup();
        b.name = bad.clone();
        prop_assert!(has_error_on(&backup::validate(&b), "name"), "backup name {bad:?}");
    }

    /// Two different resources never share a file: file names are injective per type, and
    /// the prefixes and suffixes keep the types apart.
    #[test]
    fn distinct_names_never_share_a_file(
        a in "[A-Za-z0-9][A-Za-z0-9_.-]{0,20}[A-Za-z0-9]",
        b in "[A-Za-z0-9][A-Za-z0-9_.-]{0,20}[A-Za-z0-9]",
        c in "[A-Za-z0-9][A-Za-z0-9_.-]{0,20}[A-Za-z0-9]",
        d in "[A-Za-z0-9][A-Za-z0-9_.-]{0,20}[A-Za-z0-9]",
    ) {
        if (a.as_str(), b.as_str()) != (c.as_str(), d.as_str()) {
            prop_assert_ne!(slo_res::file_name(&a, &b), slo_res::file_name(&c, &d));
        }
        if a != c {
            prop_assert_ne!(alert_res::file_name(&a), alert_res::file_name(&c));
            prop_assert_ne!(backup_res::file_name(&a), backup_res::file_name(&c));
            prop_assert_ne!(backup_res::plan_file_name(&a), backup_res::plan_file_name(&c));
        }
        let slo_f = slo_res::file_name(&a, &b);
        for other in [
            alert_res::file_name(&c),
            backup_res::file_name(&c),
            backup_res::plan_file_name(&c),
            backup_res::plan_file_name(&a),
        ] {
            prop_assert_ne!(&slo_f, &other);
        }
        prop_assert_ne!(backup_res::file_name(&a), backup_res::plan_file_name(&c));
        prop_assert_ne!(alert_res::file_name(&a), backup_res::file_name(&c));
    }

    #[test]
    fn num_decoding_never_panics(
        text in prop_oneof![
            ".{0,30}",
            "-?[0-9]{1,400}(\\.[0-9]{0,60})?",
            "-?[0-9]{1,3}(\\.[0-9]{1,5})?[eE][+-]?[0-9]{1,5}",
            Just("NaN".to_string()),
            Just("inf".to_string()),
        ],
        f in any_f64(),
        i in any::<i64>(),
        u in any::<u64>(),
    ) {
        for json in [
            serde_json::to_string(&text).unwrap(),
            text.clone(),
            i.to_string(),
            u.to_string(),
            format!("{f:e}"),
            format!("{f}"),
            serde_json::to_string(&f).unwrap(),
        ] {
            if let Ok(n) = serde_json::from_str::<Num>(&json) {
                let _ = n.f64();
                let back = serde_json::to_string(&n).expect("a Num always encodes");
                prop_assert!(!back.is_empty());
            }
        }
        let r = Num::from_f64_rounded(f);
        prop_assert!(!r.text().is_empty());
        let _ = r.f64();
    }

    #[test]
    fn attr_path_never_panics(steps in vec(any_str(), 0..8), blocks in vec(any_str(), 0..4)) {
        let list: Vec<&str> = blocks.iter().map(String::as_str).collect();
        let _ = attr_path(&steps, &list);
        let _ = attr_path(&["labels", "annotations", "labels"], &list);
    }

    /// Arbitrary configurations, decoded as Terraform's would be, through the resources'
    /// `validate` and `plan_create`: diagnostics, never a panic.
    #[test]
    fn resources_validate_and_plan_arbitrary_configs(
        strs in vec(any_str(), 24),
        nums in vec(num_json(), 6),
        flags in vec(any::<bool>(), 8),
    ) {
        let s = |i: usize| -> Value { if flags[i % 8] && i.is_multiple_of(5) { Value::Null } else { json!(strs[i]) } };
        let slo_cfg = json!({
            "id": null, "rule_file": null, "error_budget_minutes": null, "content_sha256": null,
            "service": s(0), "name": s(1), "objective": nums[0].clone(), "window": s(2),
            "description": s(3), "labels": {strs[4].clone(): strs[5].clone()},
            "sli": {
                "events": if flags[0] { json!([{"error_query": s(6), "total_query": s(7)}]) } else { json!([]) },
                "raw": if flags[1] { json!([{"error_ratio_query": s(8)}]) } else { json!([]) },
                "latency": if flags[2] { json!([{"histogram": s(9), "selector": s(10), "threshold": nums[1].clone()}]) } else { json!([]) },
            },
            "alerting": if flags[3] { json!([{
                "page": [{"disabled": flags[4], "labels": {strs[11].clone(): strs[12].clone()}, "annotations": null}],
                "ticket": [],
                "runbook_url": s(13), "min_events": nums[2].clone(),
            }]) } else { json!([]) },
        });
        let alert_cfg = json!({
            "id": null, "rule_file": null, "content_sha256": null,
            "name": s(0), "expr": if flags[5] { s(14) } else { Value::Null }, "for": s(15),
            "severity": s(16), "summary": s(17), "description": s(3), "runbook_url": s(13),
            "labels": {strs[4].clone(): strs[5].clone()}, "annotations": {strs[11].clone(): strs[12].clone()},
            "certificate_expiry": if flags[6] { json!([{
                "certificate": s(18), "target": s(19), "days_before": nums[3].clone(), "source": s(20)
            }]) } else { json!([]) },
        });
        let backup_cfg = json!({
            "id": null, "rule_file": null, "plan_file": null, "content_sha256": null,
            "name": s(1), "schedule": s(21), "retention_days": nums[4].clone(), "rpo": s(22),
            "rto": s(23), "targets": [strs[6].clone(), strs[7].clone()],
            "labels": {strs[4].clone(): strs[5].clone()},
            "offsite_copy": if flags[7] { json!([{"destination": s(8)}]) } else { json!([]) },
            "restore_test": if flags[7] { json!([{"schedule": s(21), "max_age": s(15)}]) } else { json!([]) },
        });
        let slo_text = slo_cfg.to_string();
        let alert_text = alert_cfg.to_string();
        let backup_text = backup_cfg.to_string();
        RT.with(|rt| rt.block_on(async {
            let ctx = context();
            if let Ok(st) = serde_json::from_str::<slo_res::SloState>(&slo_text) {
                let r = RuleResource::<slo_res::Slo>::new(ctx.clone());
                let mut d = Diagnostics::default();
                r.validate(&mut d, st.clone()).await;
                let mut d2 = Diagnostics::default();
                r.plan_create(&mut d2, st.clone(), st, Default::default()).await;
                assert_eq!(d.errors.is_empty(), d2.errors.is_empty(), "validate and plan agree: {:?} / {:?}", d.errors, d2.errors);
            }
            if let Ok(st) = serde_json::from_str::<alert_res::AlertState>(&alert_text) {
                let r = RuleResource::<alert_res::Alert>::new(ctx.clone());
                let mut d = Diagnostics::default();
                r.validate(&mut d, st.clone()).await;
                let mut d2 = Diagnostics::default();
                r.plan_create(&mut d2, st.clone(), st, Default::default()).await;
                assert_eq!(d.errors.is_empty(), d2.errors.is_empty(), "validate and plan agree: {:?} / {:?}", d.errors, d2.errors);
            }
            if let Ok(st) = serde_json::from_str::<backup_res::BackupPlanState>(&backup_text) {
                let r = RuleResource::<backup_res::BackupPlan>::new(ctx.clone());
                let mut d = Diagnostics::default();
                r.validate(&mut d, st.clone()).await;
                let mut d2 = Diagnostics::default();
                r.plan_create(&mut d2, st.clone(), st, Default::default()).await;
                assert_eq!(d.errors.is_empty(), d2.errors.is_empty(), "validate and plan agree: {:?} / {:?}", d.errors, d2.errors);
            }
        }));
    }
}

/// Numbers as Terraform may encode them: integers, floats, decimal text of any size.
fn num_json() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(|i| json!(i)),
        any_f64().prop_map(|f| serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null)),
        "-?[0-9]{1,400}(\\.[0-9]{0,60})?".prop_map(Value::String),
        "-?[0-9]{1,3}(\\.[0-9]{1,5})?e[+-]?[0-9]{1,5}".prop_map(Value::String),
        Just(json!(null)),
        Just(json!(99.9)),
        Just(json!("99.9")),
    ]
}

thread_local! {
    static RT: tokio::runtime::Runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .expect("tokio runtime");
}

fn context() -> Arc<Context> {
    let ctx = Arc::new(Context::default());
    ctx.set(Settings::resolve(
        Some("/nonexistent/rules"),
        None,
        Path::new("/"),
    ))
    .expect("a rules directory backend");
    ctx
}

fn valid_slo() -> SloSpec {
    SloSpec {
        service: "checkout".into(),
        name: "availability".into(),
        objective: 99.9,
        window: "30d".into(),
        budgeting: Default::default(),
        description: None,
        labels: BTreeMap::new(),
        sli: Sli::Events {
            error_query: "sum(rate(http_requests_total{code=~\"5..\"}[{{.window}}]))".into(),
            total_query: "sum(rate(http_requests_total[{{.window}}]))".into(),
        },
        alerting: Alerting::default(),
    }
}

fn valid_alert() -> AlertSpec {
    AlertSpec {
        name: "DiskAlmostFull".into(),
        expr: Some("node_filesystem_avail_bytes < 1e9".into()),
        certificate_expiry: None,
        for_: Some("10m".into()),
        severity: "page".into(),
        summary: None,
        description: None,
        runbook_url: None,
        labels: BTreeMap::new(),
        annotations: BTreeMap::new(),
    }
}

fn valid_backup() -> BackupPlanSpec {
    BackupPlanSpec {
        name: "postgres-main".into(),
        schedule: "0 3 * * *".into(),
        retention_days: 35,
        rpo: "26h".into(),
        rto: None,
        targets: vec!["db".into()],
        offsite_copy: None,
        restore_test: None,
        labels: BTreeMap::new(),
    }
}

#[test]
fn the_valid_fixtures_are_valid() {
    assert_eq!(slo::validate(&valid_slo()), vec![]);
    assert_eq!(alert::validate(&valid_alert()), vec![]);
    assert_eq!(backup::validate(&valid_backup()), vec![]);
}

/// The longest names validation accepts still fit in one file name, temp file included.
#[test]
fn longest_valid_names_fit_the_file_system() {
    let dir = tempfile::tempdir().unwrap();
    let rules = reliability_provider::backend::dir::RulesDir::new(dir.path());
    let mut s = valid_slo();
    // Find the longest service/name pair validation accepts, growing both.
    let mut longest = None;
    for n in (1..=slo::MAX_NAME_LEN).rev() {
        s.service = "s".repeat(n);
        s.name = "n".repeat(n);
        if slo::validate(&s).is_empty() {
            longest = Some(n);
            break;
        }
    }
    let n = longest.expect("some length is valid");
    let f = slo_res::file_name(&s.service, &s.name);
    assert_safe_file_name(&f);
    rules
        .write_atomic(&f, "groups: []\n")
        .expect("longest SLO file name writes");
    // And the longest single name with a short partner.
    for (svc, name) in [
        ("ab".to_string(), "n".repeat(200)),
        ("s".repeat(200), "ab".to_string()),
    ] {
        s.service = svc;
        s.name = name;
        if slo::validate(&s).is_empty() {
            let f = slo_res::file_name(&s.service, &s.name);
            assert_safe_file_name(&f);
            rules
                .write_atomic(&f, "groups: []\n")
                .expect("long SLO file name writes");
        }
    }
    let mut a = valid_alert();
    a.name = "A".repeat(alert::MAX_NAME_LEN);
    assert_eq!(alert::validate(&a), vec![]);
    rules
        .write_atomic(&alert_res::file_name(&a.name), "groups: []\n")
        .unwrap();
    let mut b = valid_backup();
    b.name = "b".repeat(backup::MAX_NAME_LEN);
    assert_eq!(backup::validate(&b), vec![]);
    rules
        .write_atomic(&backup_res::file_name(&b.name), "groups: []\n")
        .unwrap();
    rules
        .write_atomic(&backup_res::plan_file_name(&b.name), "{}\n")
        .unwrap();
    assert!(
        n >= 60,
        "service and name of 60 characters each stay valid (got {n})"
    );
}

/// Case-sensitivity, documented: `Checkout` and `checkout` are two files on Linux.
#[test]
fn names_differing_in_case_are_distinct_files_on_linux() {
    assert_ne!(
        alert_res::file_name("Checkout"),
        alert_res::file_name("checkout")
    );
    let dir = tempfile::tempdir().unwrap();
    let rules = reliability_provider::backend::dir::RulesDir::new(dir.path());
    rules
        .write_atomic(&alert_res::file_name("Checkout"), "a\n")
        .unwrap();
    rules
        .write_atomic(&alert_res::file_name("checkout"), "b\n")
        .unwrap();
    let n = std::fs::read_dir(dir.path()).unwrap().count();
    if cfg!(target_os = "linux") {
        assert_eq!(n, 2, "case-sensitive file system: two files");
    } else {
        assert!(n >= 1);
    }
}
