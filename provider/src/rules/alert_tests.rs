use super::*;
use crate::rules::field_error::{assert_one_error, paths_and_details};
use crate::rules::model::render_yaml;
use crate::rules::snapshot::assert_rules_snapshot;

fn plain() -> AlertSpec {
    AlertSpec {
        name: "HostDown".into(),
        expr: Some("up{job=\"node\"} == 0".into()),
        certificate_expiry: None,
        for_: None,
        severity: "page".into(),
        summary: None,
        description: None,
        runbook_url: None,
        labels: BTreeMap::new(),
        annotations: BTreeMap::new(),
    }
}

fn full() -> AlertSpec {
    AlertSpec {
        for_: Some("10m".into()),
        severity: "ticket".into(),
        summary: Some("{{ $labels.instance }} is down".into()),
        description: Some("Scrape of {{ $labels.instance }} failed for 10m.".into()),
        runbook_url: Some("https://runbooks.example.com/host-down".into()),
        labels: BTreeMap::from([
            ("team".into(), "infra".into()),
            ("tricky".into(), "{{ not a template }}".into()),
        ]),
        annotations: BTreeMap::from([(
            "dashboard".into(),
            "https://grafana.example.com/d/node".into(),
        )]),
        ..plain()
    }
}

fn cert(source: &str, target: &str) -> AlertSpec {
    AlertSpec {
        name: "ApiCertExpiring".into(),
        expr: None,
        certificate_expiry: Some(CertificateExpiry {
            certificate: "arn:aws:acm:eu-west-1:123456789012:certificate/abc".into(),
            target: target.into(),
            days_before: 14.0,
            source: source.into(),
        }),
        ..plain()
    }
}

fn yaml(spec: &AlertSpec) -> String {
    assert_eq!(validate(spec), vec![]);
    render_yaml(&generate(spec).unwrap(), "")
}

fn snapshot(case: &str, spec: &AlertSpec) {
    assert_rules_snapshot("alert", case, &yaml(spec));
}

#[test]
fn snapshots() {
    snapshot("plain", &plain());
    snapshot("full", &full());
    snapshot(
        "cert_blackbox",
        &cert("blackbox", "https://api.example.com"),
    );
    snapshot("cert_x509", &cert("x509", "api.example.com"));
}

fn errors(spec: &AlertSpec) -> Vec<(String, String)> {
    paths_and_details(validate(spec))
}

#[track_caller]
fn assert_error(spec: &AlertSpec, path: &str, needle: &str) {
    assert_one_error(validate(spec), path, needle);
}

#[test]
fn valid_specs_have_no_errors() {
    for spec in [plain(), full(), cert("blackbox", "x"), cert("x509", "y")] {
        assert_eq!(validate(&spec), vec![], "{spec:?}");
    }
}

#[test]
fn validation_names_the_path() {
    let mut s = plain();
    s.name = "1bad-name".into();
    assert_error(&s, "name", "\"1bad-name\"");

    let mut s = plain();
    s.expr = None;
    assert_error(&s, "expr", "certificate_expiry");
    let mut s = cert("x509", "a");
    s.expr = Some("up".into());
    assert_error(&s, "expr", "not both");

    let mut s = plain();
    s.expr = Some("sum(rate(x[5m])".into());
    assert_error(&s, "expr", "not valid PromQL");

    let mut s = plain();
    s.for_ = Some("10 minutes".into());
    assert_error(&s, "for", "\"10 minutes\"");

    let mut s = plain();
    s.severity = "critical".into();
    assert_error(&s, "severity", "\"page\", \"ticket\" or \"info\"");

    let mut s = plain();
    s.runbook_url = Some("ftp://x/y".into());
    assert_error(&s, "runbook_url", "https://");
    s.runbook_url = Some("https://".into());
    assert_error(&s, "runbook_url", "host");

    let mut s = plain();
    s.summary = Some("{{ $value".into());
    assert_error(&s, "summary", "never closed");

    for (label, needle) in [
        ("severity", "set by the provider"),
        ("alertname", "set by the provider"),
        ("__name__", "not valid"),
        ("bad-label", "not valid"),
    ] {
        let mut s = plain();
        s.labels.insert(label.into(), "x".into());
        assert_error(&s, &format!("labels.{label}"), needle);
    }
    let mut s = plain();
    s.labels.insert("team".into(), String::new());
    assert_error(&s, "labels.team", "empty value");
    // `certificate` is reserved only on certificate alerts.
    let mut s = plain();
    s.labels.insert("certificate".into(), "x".into());
    assert_eq!(errors(&s), vec![]);
    let mut s = cert("blackbox", "t");
    s.labels.insert("certificate".into(), "x".into());
    assert_error(&s, "labels.certificate", "set by the provider");

    let mut s = plain();
    s.annotations.insert("summary".into(), "x".into());
    assert_error(&s, "annotations.summary", "summary = ...");
    let mut s = plain();
    s.annotations.insert("a-b".into(), "x".into());
    assert_error(&s, "annotations.a-b", "not valid");
}

#[test]
fn certificate_validation_names_the_path() {
    for (days, ok) in [
        (14.0, true),
        (0.5, true),
        (0.0, false),
        (-1.0, false),
        (f64::NAN, false),
        (f64::INFINITY, false),
        (4000.0, false),
    ] {
        let mut s = cert("blackbox", "t");
        if let Some(c) = s.certificate_expiry.as_mut() {
            c.days_before = days;
        }
        if ok {
            assert_eq!(errors(&s), vec![], "{days}");
        } else {
            assert_error(&s, "certificate_expiry.days_before", "greater than 0");
        }
    }
    let mut s = cert("acm", "t");
    assert_error(&s, "certificate_expiry.source", "\"acm\"");
    s = cert("x509", " ");
    assert_error(&s, "certificate_expiry.target", "empty");
    if let Some(c) = s.certificate_expiry.as_mut() {
        c.target = "t".into();
        c.certificate = String::new();
    }
    assert_error(&s, "certificate_expiry.certificate", "empty");
}

#[test]
fn generate_refuses_invalid_specs() {
    let mut s = plain();
    s.severity = "urgent".into();
    assert!(generate(&s).unwrap_err().contains("\"urgent\""));
}

#[test]
fn certificate_values_are_escaped() {
    let mut s = cert("blackbox", "https://a\"b\\c\n");
    if let Some(c) = s.certificate_expiry.as_mut() {
        c.certificate = "cert {{ evil }}".into();
        c.days_before = 1.1;
    }
    let file = generate(&s).unwrap();
    let rules = &file.groups[0].rules;
    assert_eq!(rules.len(), 2);
    let Rule::Alerting(main) = &rules[0] else {
        panic!("not an alert")
    };
    assert_eq!(
        main.expr,
        r#"probe_ssl_earliest_cert_expiry{instance="https://a\"b\\c\n"} - time() < 95040"#
    );
    // The parser reads the label value back unchanged.
    let parsed = promql_parser::parser::parse(&main.expr).unwrap();
    assert!(
        format!("{parsed:?}").contains(r#"https://a\"b\\c\n"#),
        "{parsed:?}"
    );
    assert_eq!(main.labels["certificate"], "cert {{ \"{{\" }} evil }}");
    assert_eq!(main.labels["severity"], "page");
    let Rule::Alerting(absent) = &rules[1] else {
        panic!("not an alert")
    };
    assert_eq!(absent.alert, "ApiCertExpiringMetricAbsent");
    assert_eq!(absent.labels["severity"], "ticket");
    assert_eq!(absent.for_.as_deref(), Some("10m"));
    assert!(absent
        .expr
        .starts_with("absent(probe_ssl_earliest_cert_expiry{"));
}

#[test]
fn for_and_user_summary() {
    let mut s = cert("x509", "t");
    s.for_ = Some("60m".into());
    s.severity = "info".into();
    s.summary = Some("mine".into());
    let file = generate(&s).unwrap();
    let Rule::Alerting(main) = &file.groups[0].rules[0] else {
        panic!("not an alert")
    };
    assert_eq!(main.for_.as_deref(), Some("1h"));
    assert_eq!(main.annotations["summary"], "mine");
    assert!(main.annotations["description"].contains("14 days"));
    let Rule::Alerting(absent) = &file.groups[0].rules[1] else {
        panic!("not an alert")
    };
    assert_eq!(absent.labels["severity"], "info");
    s.for_ = Some("0s".into());
    let file = generate(&s).unwrap();
    let Rule::Alerting(main) = &file.groups[0].rules[0] else {
        panic!("not an alert")
    };
    assert_eq!(main.for_, None);
    assert_eq!(file.groups[0].name, "reliability-alert-ApiCertExpiring");
}
