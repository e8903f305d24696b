//! The stand-in against the documented API, with raw HTTP requests (no client of ours).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use super::*;

struct Raw {
    status: u16,
    head: String,
    body: String,
}

/// Sends one request on a fresh connection (`Connection: close`) and reads the answer.
fn raw(
    server: &RulerServer,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Raw {
    let mut stream = TcpStream::connect(server.addr()).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: ruler\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(req.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").expect("a head");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status");
    Raw {
        status,
        head: head.to_string(),
        body: body.to_string(),
    }
}

const T: (&str, &str) = ("X-Scope-OrgID", "team-a");
const YAML: (&str, &str) = ("Content-Type", "application/yaml");
const API: &str = MIMIR_API_PATH;
const GROUP: &str = "name: slo:checkout availability/x\nrules:\n- record: r:x\n  expr: up\n";

fn post(server: &RulerServer, ns: &str, body: &str) -> Raw {
    raw(server, "POST", &format!("{API}/{ns}"), &[T, YAML], body)
}

#[test]
fn groups_round_trip_with_percent_encoded_names() {
    let server = RulerServer::start();
    let created = post(&server, "reliability", GROUP);
    assert_eq!(created.status, 202, "{}", created.body);
    assert!(created.body.contains("success"));
    let path = format!("{API}/reliability/slo%3Acheckout%20availability%2Fx");
    let got = raw(&server, "GET", &path, &[T], "");
    assert_eq!(got.status, 200, "{}", got.body);
    assert!(got.head.contains("application/yaml"));
    let value: Value = serde_yaml_ng::from_str(&got.body).unwrap();
    assert_eq!(value["name"].as_str(), Some("slo:checkout availability/x"));
    assert_eq!(value["rules"][0]["expr"].as_str(), Some("up"));

    let ns = raw(&server, "GET", &format!("{API}/reliability"), &[T], "");
    assert_eq!(ns.status, 200);
    let map: BTreeMap<String, Vec<Value>> = serde_yaml_ng::from_str(&ns.body).unwrap();
    assert_eq!(map.len(), 1);
    assert_eq!(map["reliability"].len(), 1);

    post(&server, "other%20ns", "name: g2\nrules: []\n");
    let all = raw(&server, "GET", API, &[T], "");
    let map: BTreeMap<String, Vec<Value>> = serde_yaml_ng::from_str(&all.body).unwrap();
    assert_eq!(map.keys().collect::<Vec<_>>(), ["other ns", "reliability"]);
    assert_eq!(server.group_names("team-a", "other ns"), ["g2"]);

    // Posting the same name replaces the group.
    post(
        &server,
        "reliability",
        &GROUP.replace("expr: up", "expr: up == 0"),
    );
    assert_eq!(server.group_names("team-a", "reliability").len(), 1);
    let got = raw(&server, "GET", &path, &[T], "");
    assert!(got.body.contains("up == 0"), "{}", got.body);

    assert_eq!(raw(&server, "DELETE", &path, &[T], "").status, 202);
    let gone = raw(&server, "GET", &path, &[T], "");
    assert_eq!(
        (gone.status, gone.body.trim()),
        (404, "group does not exist")
    );
    assert_eq!(raw(&server, "DELETE", &path, &[T], "").status, 404);
    let empty = raw(&server, "GET", &format!("{API}/reliability"), &[T], "");
    assert_eq!(
        (empty.status, empty.body.trim()),
        (404, "no rule groups found")
    );
    assert_eq!(
        raw(&server, "DELETE", &format!("{API}/other%20ns"), &[T], "").status,
        202
    );
    assert_eq!(raw(&server, "GET", API, &[T], "").status, 404);
}

#[test]
fn the_tenant_header_is_required_and_separates_storage() {
    let server = RulerServer::start();
    let no_org = raw(&server, "POST", &format!("{API}/ns"), &[YAML], GROUP);
    assert_eq!((no_org.status, no_org.body.trim()), (401, "no org id"));
    assert_eq!(raw(&server, "GET", API, &[], "").status, 401);
    assert_eq!(post(&server, "ns", GROUP).status, 202);
    let other = raw(
        &server,
        "GET",
        &format!("{API}/ns"),
        &[("X-Scope-OrgID", "team-b")],
        "",
    );
    assert_eq!(other.status, 404, "team-b must not see team-a's groups");

    server.configure(|o| o.require_tenant = false);
    let anonymous = raw(&server, "POST", &format!("{API}/ns"), &[YAML], GROUP);
    assert_eq!(anonymous.status, 202);
    assert_eq!(server.group_names("anonymous", "ns").len(), 1);
}

#[test]
fn set_rule_group_takes_exactly_one_valid_group_as_yaml() {
    let server = RulerServer::start();
    for (body, want) in [
        ("- name: a\n  rules: []\n", "not a list"),
        (
            "groups:\n- name: a\n  rules: []\n",
            "field groups not found",
        ),
        (
            "name: a\nrules: []\n---\nname: b\nrules: []\n",
            "unable to decode rule group",
        ),
        ("rules: []\n", "name must not be empty"),
        ("name: [unclosed\n", "unable to decode rule group"),
        (
            "name: a\nrules:\n- record: r\n  expr: up\n  for: 5m\n",
            "invalid field 'for'",
        ),
    ] {
        let r = post(&server, "ns", body);
        assert_eq!(r.status, 400, "{body:?}: {}", r.body);
        assert!(r.body.contains(want), "{body:?}: {}", r.body);
    }
    let json = raw(
        &server,
        "POST",
        &format!("{API}/ns"),
        &[T, ("Content-Type", "application/json")],
        GROUP,
    );
    assert_eq!(json.status, 415, "{}", json.body);
    let none = raw(&server, "POST", &format!("{API}/ns"), &[T], GROUP);
    assert_eq!(none.status, 415);
    let with_charset = raw(
        &server,
        "POST",
        &format!("{API}/ns"),
        &[T, ("Content-Type", "application/yaml; charset=utf-8")],
        GROUP,
    );
    assert_eq!(with_charset.status, 202);
    assert!(server
        .requests()
        .iter()
        .all(|r| r.tenant.as_deref() == Some("team-a")));
}

#[test]
fn per_tenant_limits_answer_400_with_mimirs_messages() {
    let server = RulerServer::start_with(RulerOptions {
        max_rules_per_group: Some(1),
        max_groups_per_tenant: Some(2),
        ..Default::default()
    });
    let two_rules = "name: g\nrules:\n- record: a\n  expr: up\n- record: b\n  expr: up\n";
    let r = post(&server, "ns", two_rules);
    assert_eq!(r.status, 400);
    assert_eq!(
        r.body.trim(),
        "per-user rules per rule group limit (limit: 1 actual: 2) exceeded"
    );
    assert_eq!(post(&server, "ns", "name: g1\nrules: []\n").status, 202);
    assert_eq!(post(&server, "ns2", "name: g2\nrules: []\n").status, 202);
    // Replacing an existing group does not count as a new one.
    assert_eq!(post(&server, "ns", "name: g1\nrules: []\n").status, 202);
    let r = post(&server, "ns", "name: g3\nrules: []\n");
    assert_eq!(r.status, 400);
    assert_eq!(
        r.body.trim(),
        "per-user rule groups limit (limit: 2 actual: 3) exceeded"
    );
}

#[test]
fn paths_methods_and_escapes_are_checked() {
    let server = RulerServer::start();
    assert_eq!(raw(&server, "GET", "/api/v1/rules", &[T], "").status, 404);
    assert_eq!(
        raw(&server, "GET", &format!("{API}x"), &[T], "").status,
        404
    );
    assert_eq!(
        raw(&server, "PUT", &format!("{API}/ns"), &[T], "").status,
        405
    );
    assert_eq!(
        raw(&server, "POST", &format!("{API}/ns/g"), &[T, YAML], GROUP).status,
        405
    );
    assert_eq!(
        raw(&server, "GET", &format!("{API}/ns/a/b"), &[T], "").status,
        404
    );
    assert_eq!(
        raw(&server, "GET", &format!("{API}/bad%zz"), &[T], "").status,
        400
    );
    assert_eq!(
        raw(&server, "GET", &format!("{API}/ns//"), &[T], "").status,
        400
    );

    let cortex = RulerServer::start_with(RulerOptions {
        api_path: CORTEX_API_PATH.into(),
        ..Default::default()
    });
    let r = raw(&cortex, "POST", "/api/v1/rules/ns", &[T, YAML], GROUP);
    assert_eq!(r.status, 202);
    assert_eq!(cortex.count("POST", "/ns"), 1);
}

#[test]
fn empty_listings_can_answer_200_like_newer_mimir() {
    let server = RulerServer::start_with(RulerOptions {
        empty_namespace_is_200: true,
        ..Default::default()
    });
    let r = raw(&server, "GET", &format!("{API}/ns"), &[T], "");
    assert_eq!(r.status, 200);
    let map: BTreeMap<String, Vec<Value>> = serde_yaml_ng::from_str(&r.body).unwrap();
    assert!(map.is_empty());
}

#[test]
fn credentials_are_checked_before_the_tenant() {
    let server = RulerServer::start_with(RulerOptions {
        auth: Some(RequiredAuth::Basic {
            username: "1234".into(),
            password: "s3cret".into(),
        }),
        ..Default::default()
    });
    assert_eq!(raw(&server, "GET", API, &[], "").status, 401);
    let wrong = raw(
        &server,
        "GET",
        API,
        &[T, ("Authorization", "Basic MTIzNDp3cm9uZw==")],
        "",
    );
    assert_eq!((wrong.status, wrong.body.trim()), (401, "unauthorized"));
    // base64("1234:s3cret")
    let ok = raw(
        &server,
        "GET",
        API,
        &[T, ("Authorization", "Basic MTIzNDpzM2NyZXQ=")],
        "",
    );
    assert_eq!(ok.status, 404, "authorised, and no groups yet");

    server.configure(|o| o.auth = Some(RequiredAuth::Bearer("t0k".into())));
    assert_eq!(
        raw(
            &server,
            "GET",
            API,
            &[T, ("Authorization", "Bearer nope")],
            ""
        )
        .status,
        401
    );
    assert_eq!(
        raw(
            &server,
            "GET",
            API,
            &[T, ("Authorization", "Bearer t0k")],
            ""
        )
        .status,
        404
    );
}

#[test]
fn injected_failures_logging_and_drift_edits() {
    let mut server = RulerServer::start();
    server.fail_next(2, 503);
    server.fail_next(1, 429);
    assert_eq!(post(&server, "ns", GROUP).status, 503);
    assert_eq!(post(&server, "ns", GROUP).status, 503);
    let limited = post(&server, "ns", GROUP);
    assert_eq!(limited.status, 429);
    assert!(limited.head.contains("Retry-After: 1"), "{}", limited.head);
    assert!(
        server.group_names("team-a", "ns").is_empty(),
        "failed requests change nothing"
    );
    assert_eq!(post(&server, "ns", GROUP).status, 202);
    assert_eq!(server.count("POST", "/ns"), 4);
    let statuses: Vec<u16> = server.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [503, 503, 429, 202]);

    let name = "slo:checkout availability/x";
    assert!(server.set_rule_expr("team-a", "ns", name, 0, "vector(1)"));
    assert!(!server.set_rule_expr("team-a", "ns", name, 5, "x"));
    let g = server.group("team-a", "ns", name).unwrap();
    assert_eq!(g["rules"][0]["expr"].as_str(), Some("vector(1)"));
    assert!(server.remove_group("team-a", "ns", name));
    assert!(!server.remove_group("team-a", "ns", name));
    assert_eq!(
        raw(&server, "GET", &format!("{API}/ns"), &[T], "").status,
        404
    );

    server.go_down();
    assert!(
        TcpStream::connect(server.addr()).is_err(),
        "down: connections are refused"
    );
    server.come_back();
    assert_eq!(raw(&server, "GET", API, &[T], "").status, 404);
    let addr = server.addr();
    drop(server);
    assert!(TcpStream::connect(addr).is_err(), "stopped on drop");
}

#[test]
fn oversized_and_chunked_bodies_are_refused() {
    let server = RulerServer::start();
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    write!(
        stream,
        "POST {API}/ns HTTP/1.1\r\nX-Scope-OrgID: a\r\nContent-Length: {}\r\n\r\n",
        http::MAX_BODY_BYTES + 1
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    write!(
        stream,
        "POST {API}/ns HTTP/1.1\r\nX-Scope-OrgID: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 501"), "{answer}");
}

#[test]
fn alertmanager_configuration_per_tenant() {
    let server = RulerServer::start();
    let a = [("X-Scope-OrgID", "a")];
    let get = raw(&server, "GET", "/api/v1/alerts", &a, "");
    assert_eq!(get.status, 404);
    assert!(get.body.contains("alertmanager storage object not found"));
    let config = "route:\n  receiver: r\nreceivers:\n- name: r\n";
    let body = serde_yaml_ng::to_string(&serde_yaml_ng::Mapping::from_iter([
        ("alertmanager_config".into(), Value::String(config.into())),
        ("template_files".into(), Value::Mapping(Default::default())),
    ]))
    .unwrap();
    assert_eq!(
        raw(&server, "POST", "/api/v1/alerts", &a, &body).status,
        201
    );
    let got = raw(&server, "GET", "/api/v1/alerts", &a, "");
    assert_eq!(got.status, 200);
    let v: Value = serde_yaml_ng::from_str(&got.body).unwrap();
    assert_eq!(v["alertmanager_config"].as_str(), Some(config));
    // Another tenant sees nothing; no tenant is refused.
    let b = [("X-Scope-OrgID", "b")];
    assert_eq!(raw(&server, "GET", "/api/v1/alerts", &b, "").status, 404);
    assert_eq!(raw(&server, "GET", "/api/v1/alerts", &[], "").status, 401);
    assert_eq!(raw(&server, "DELETE", "/api/v1/alerts", &a, "").status, 200);
    assert!(server.alertmanager_config("a").is_none());
}

#[test]
fn alertmanager_configurations_mimir_refuses() {
    use super::alertmanager::parse;
    let wrap = |c: &str| {
        serde_yaml_ng::to_string(&serde_yaml_ng::Mapping::from_iter([(
            "alertmanager_config".into(),
            Value::String(c.into()),
        )]))
        .unwrap()
    };
    let ok = "route:\n  receiver: r\nreceivers:\n- name: r\n";
    assert!(parse(wrap(ok).as_bytes()).is_ok());
    let file = "route:\n  receiver: r\nreceivers:\n- name: r\n  pagerduty_configs:\n  - routing_key_file: /k\n";
    let e = parse(wrap(file).as_bytes()).unwrap_err();
    assert!(e.contains("setting routing_key_file is not allowed"), "{e}");
    let undefined = "route:\n  receiver: x\nreceivers:\n- name: r\n";
    assert!(parse(wrap(undefined).as_bytes())
        .unwrap_err()
        .contains("undefined receiver"));
    assert!(parse(wrap("").as_bytes()).unwrap_err().contains("empty"));
    assert!(parse(b"alertmanager_config: x\nextra: 1\n")
        .unwrap_err()
        .contains("extra"));
}
