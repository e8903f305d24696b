//! The provider's ruler client (`reliability_provider::backend::ruler`) against the strict
//! stand-in ruler (`reliability_e2e::ruler_server`), over loopback HTTP.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reliability_e2e::ruler_server::{RequiredAuth, RulerOptions, RulerServer};
use reliability_provider::backend::ruler::{
    Auth, ErrorKind, RetryPolicy, RulerClient, RulerConfig, Secret, CORTEX_API_PATH,
};

const TENANT: &str = "team-a";
const NS: &str = "reliability";

fn config(server: &RulerServer) -> RulerConfig {
    RulerConfig {
        tenant: Some(TENANT.into()),
        timeout: Duration::from_secs(10),
        ..RulerConfig::new(server.url())
    }
}

/// A client whose retries record their sleeps instead of sleeping.
fn client_with(cfg: RulerConfig) -> (RulerClient, Arc<Mutex<Vec<Duration>>>) {
    let sleeps = Arc::new(Mutex::new(Vec::new()));
    let recorded = Arc::clone(&sleeps);
    let client = RulerClient::new(cfg)
        .expect("a valid configuration")
        .with_sleeper(Arc::new(move |d| recorded.lock().unwrap().push(d)));
    (client, sleeps)
}

fn client(server: &RulerServer) -> RulerClient {
    client_with(config(server)).0
}

fn group(name: &str, expr: &str) -> String {
    format!(
        "name: {}\ninterval: 1m\nrules:\n- record: slo:sli_error:ratio_rate5m\n  expr: {}\n  labels:\n    slo: checkout\n",
        serde_json::to_string(name).unwrap(),
        serde_json::to_string(expr).unwrap()
    )
}

#[test]
fn groups_with_awkward_names_round_trip() {
    let server = RulerServer::start();
    let c = client(&server);
    let names = [
        "slo:checkout-availability",
        "with spaces and/slashes",
        "100% ünïcødé?#&",
    ];
    for (i, name) in names.iter().enumerate() {
        c.put_group(NS, &group(name, &format!("vector({i})")))
            .unwrap();
    }
    c.put_group("other ns/x", &group("g", "up")).unwrap();
    assert_eq!(server.group_names(TENANT, NS).len(), 3);
    assert_eq!(server.group_names(TENANT, "other ns/x"), ["g"]);
    for (i, name) in names.iter().enumerate() {
        let cached = c.get_group(NS, name).unwrap().expect("present");
        assert_eq!(cached.name, *name);
        assert_eq!(
            cached.value["rules"][0]["expr"].as_str(),
            Some(format!("vector({i})").as_str())
        );
        // The direct read (GET …/{ns}/{group}) agrees with the listing.
        let direct = c.fetch_group(NS, name).unwrap().expect("present");
        assert_eq!(direct, cached);
    }
    assert!(c.get_group(NS, "absent").unwrap().is_none());
    assert!(c.fetch_group(NS, "absent").unwrap().is_none());
    assert!(
        c.get_group("empty-ns", "x").unwrap().is_none(),
        "404 list = no groups"
    );

    c.delete_group(NS, names[1]).unwrap();
    assert_eq!(server.group_names(TENANT, NS).len(), 2);
    assert!(c.get_group(NS, names[1]).unwrap().is_none());
    c.delete_group(NS, names[1])
        .expect("deleting a deleted group is fine");
}

#[test]
fn the_cortex_path_works_too() {
    let server = RulerServer::start_with(RulerOptions {
        api_path: CORTEX_API_PATH.into(),
        empty_namespace_is_200: true,
        ..Default::default()
    });
    let c = client_with(RulerConfig {
        api_path: CORTEX_API_PATH.into(),
        ..config(&server)
    })
    .0;
    assert!(
        c.list_namespace(NS).unwrap().is_empty(),
        "200 {{}} = no groups"
    );
    c.put_group(NS, &group("g", "up")).unwrap();
    assert_eq!(c.list_namespace(NS).unwrap().len(), 1);
    assert_eq!(server.count("POST", "/reliability"), 1);

    // Mimir's path against a Cortex ruler: the server's 404 is not "no groups" (a refresh
    // must not take every group for deleted), and the error names api_path.
    let wrong = client(&server);
    for err in [
        wrong.list_namespace(NS).unwrap_err(),
        wrong.fetch_group(NS, "g").unwrap_err(),
        wrong.delete_group(NS, "g").unwrap_err(),
    ] {
        assert_eq!(err.status(), Some(404));
        assert!(err.to_string().contains("check url and api_path"), "{err}");
    }
    assert_eq!(server.group_names(TENANT, NS), ["g"]);
}

#[test]
fn a_missing_tenant_says_to_set_tenant() {
    let server = RulerServer::start();
    let c = client_with(RulerConfig {
        tenant: None,
        ..config(&server)
    })
    .0;
    let err = c.put_group(NS, &group("g", "up")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    assert_eq!(err.status(), Some(401));
    let msg = err.to_string();
    assert!(
        msg.contains("no org id") && msg.contains("set `tenant`"),
        "{msg}"
    );
    assert!(msg.contains(&server.url()), "{msg}");
}

#[test]
fn a_rejected_group_quotes_the_rulers_reason() {
    let server = RulerServer::start_with(RulerOptions {
        max_rules_per_group: Some(1),
        ..Default::default()
    });
    let c = client(&server);
    let two = "name: slo:big\nrules:\n- record: a\n  expr: up\n- record: b\n  expr: up\n";
    let err = c.put_group(NS, two).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Rejected);
    assert_eq!(
        err.to_string(),
        "the ruler rejected group \"slo:big\" in namespace \"reliability\": per-user rules \
         per rule group limit (limit: 1 actual: 2) exceeded"
    );
    // Invalid content is the stand-in's to refuse, and its reason is quoted too.
    let err = c
        .put_group(NS, "name: g\nrules:\n- record: r\n  expr: up\n  for: 5m\n")
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("invalid field 'for' in recording rule"),
        "{err}"
    );
    assert_eq!(
        server.count("POST", "/reliability"),
        2,
        "400 is not retried"
    );
}

#[test]
fn rate_limits_and_unavailability_are_retried_with_backoff() {
    let server = RulerServer::start();
    let (c, sleeps) = client_with(config(&server));
    server.fail_next(2, 429);
    c.put_group(NS, &group("g", "up")).unwrap();
    assert_eq!(server.count("POST", "/reliability"), 3);
    // The stand-in sends Retry-After: 1, within the cap.
    assert_eq!(*sleeps.lock().unwrap(), [Duration::from_secs(1); 2]);

    sleeps.lock().unwrap().clear();
    server.clear_log();
    server.fail_next(10, 503);
    let err = c.put_group(NS, &group("g", "up == 0")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server);
    assert_eq!(err.status(), Some(503));
    let policy = RetryPolicy::default();
    let attempts = policy.max_attempts as usize;
    assert_eq!(server.count("POST", "/reliability"), attempts);
    let msg = err.to_string();
    assert!(
        msg.contains("HTTP 503") && msg.contains("injected failure 503"),
        "{msg}"
    );
    assert!(msg.contains(&format!("after {attempts} attempts")), "{msg}");
    let slept: Duration = sleeps.lock().unwrap().iter().sum();
    assert!(slept <= policy.max_total_sleep, "{slept:?}");
    assert_eq!(
        *sleeps.lock().unwrap(),
        [250, 500, 1000].map(Duration::from_millis),
        "exponential backoff"
    );
    assert_eq!(
        server.group("team-a", NS, "g").unwrap()["rules"][0]["expr"].as_str(),
        Some("up"),
        "the failed update changed nothing"
    );
}

#[test]
fn a_server_that_is_down_is_named() {
    let mut server = RulerServer::start();
    let (c, sleeps) = client_with(RulerConfig {
        retry: RetryPolicy {
            max_attempts: 2,
            ..RetryPolicy::default()
        },
        ..config(&server)
    });
    server.go_down();
    let err = c.list_namespace(NS).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unreachable);
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("could not reach the ruler at {}", server.url())),
        "{msg}"
    );
    assert!(msg.contains("after 2 attempts"), "{msg}");
    assert_eq!(sleeps.lock().unwrap().len(), 1);
    server.come_back();
    assert!(
        c.list_namespace(NS).unwrap().is_empty(),
        "a failure is not cached"
    );
}

#[test]
fn a_no_op_read_of_many_groups_costs_one_list_request() {
    let server = RulerServer::start();
    let c = client(&server);
    for i in 0..20 {
        server.insert_group(TENANT, NS, &group(&format!("g{i}"), "up"));
    }
    server.insert_group(TENANT, "second", &group("h", "up"));
    for i in 0..20 {
        assert!(c.get_group(NS, &format!("g{i}")).unwrap().is_some());
    }
    assert!(c.get_group("second", "h").unwrap().is_some());
    assert_eq!(server.count("GET", "/reliability"), 1);
    assert_eq!(server.count("GET", "/second"), 1);
    assert_eq!(server.requests().len(), 2, "no per-group reads");

    // Concurrent readers of a cold namespace share one request.
    c.invalidate(NS);
    server.clear_log();
    let c = Arc::new(c);
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let c = Arc::clone(&c);
            std::thread::spawn(move || c.get_group(NS, &format!("g{i}")).unwrap().is_some())
        })
        .collect();
    assert!(threads.into_iter().all(|t| t.join().unwrap()));
    assert_eq!(server.count("GET", "/reliability"), 1);

    // An accepted write updates the cached listing in place: no re-list.
    c.put_group(NS, &group("g0", "up == 0")).unwrap();
    let g0 = c.get_group(NS, "g0").unwrap().unwrap();
    assert_eq!(g0.value["rules"][0]["expr"].as_str(), Some("up == 0"));
    c.put_group(NS, &group("new", "up")).unwrap();
    assert!(c.get_group(NS, "new").unwrap().is_some());
    assert_eq!(server.count("GET", "/reliability"), 1);
    c.get_group("second", "h").unwrap();
    assert_eq!(
        server
            .requests()
            .iter()
            .filter(|r| r.path.ends_with("/second"))
            .count(),
        0
    );
    c.delete_group(NS, "g1").unwrap();
    assert!(c.get_group(NS, "g1").unwrap().is_none());
    assert_eq!(server.count("GET", "/reliability"), 1);
    // A write that failed drops the listing: the next read lists again.
    let rejected = "name: g2\nrules:\n- record: r\n  expr: ''\n";
    assert!(c.put_group(NS, rejected).is_err());
    let again = c.get_group(NS, "g2").unwrap().unwrap();
    assert_eq!(server.count("GET", "/reliability"), 2);
    assert_eq!(again.value["rules"][0]["expr"].as_str(), Some("up"));
}

#[test]
fn drift_made_behind_the_clients_back_is_seen_after_invalidation() {
    let server = RulerServer::start();
    let c = client(&server);
    c.put_group(NS, &group("g", "up")).unwrap();
    assert!(server.set_rule_expr(TENANT, NS, "g", 0, "vector(0)"));
    // The direct read always sees it; the listing after invalidation too.
    let direct = c.fetch_group(NS, "g").unwrap().unwrap();
    assert_eq!(direct.value["rules"][0]["expr"].as_str(), Some("vector(0)"));
    c.invalidate(NS);
    let listed = c.get_group(NS, "g").unwrap().unwrap();
    assert_eq!(listed.value["rules"][0]["expr"].as_str(), Some("vector(0)"));
    assert!(server.remove_group(TENANT, NS, "g"));
    c.invalidate(NS);
    assert!(c.get_group(NS, "g").unwrap().is_none());
}

#[test]
fn credentials_are_sent_and_never_shown() {
    for (required, auth) in [
        (
            RequiredAuth::Basic {
                username: "1234".into(),
                password: "hunter2-password".into(),
            },
            Auth::Basic {
                username: "1234".into(),
                password: Secret::new("hunter2-password"),
            },
        ),
        (
            RequiredAuth::Bearer("glc_hunter2-token".into()),
            Auth::Bearer(Secret::new("glc_hunter2-token")),
        ),
    ] {
        let server = RulerServer::start_with(RulerOptions {
            auth: Some(required),
            ..Default::default()
        });
        let good = client_with(RulerConfig {
            auth: auth.clone(),
            ..config(&server)
        })
        .0;
        good.put_group(NS, &group("g", "up")).unwrap();
        assert_eq!(good.list_namespace(NS).unwrap().len(), 1);
        let shown = format!("{good:?}");
        assert!(!shown.contains("hunter2"), "{shown}");

        let wrong_auth = match &auth {
            Auth::Basic { username, .. } => Auth::Basic {
                username: username.clone(),
                password: Secret::new("wrong-hunter2"),
            },
            _ => Auth::Bearer(Secret::new("wrong-hunter2")),
        };
        let bad = client_with(RulerConfig {
            auth: wrong_auth,
            ..config(&server)
        })
        .0;
        let err = bad.put_group(NS, &group("g", "up")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unauthorized);
        for shown in [err.to_string(), format!("{err:?}"), format!("{bad:?}")] {
            assert!(!shown.contains("hunter2"), "{shown}");
        }
        assert!(err.to_string().contains("check the credentials"), "{err}");
    }
}

/// `openssl s_server -WWW` serving `dir` over TLS on 127.0.0.1 with a certificate signed
/// by a fresh private CA; killed on drop.
struct TlsFileServer {
    child: std::process::Child,
    port: u16,
}

impl Drop for TlsFileServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn openssl(dir: &std::path::Path, args: &[&str]) {
    let out = std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is installed (scripts/setup.sh)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Writes `ca.pem` (the private CA) into `dir` and serves `dir`'s files over TLS.
fn tls_file_server(dir: &std::path::Path) -> TlsFileServer {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509"];
    ca.extend(ec);
    ca.extend([
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=test-ca",
    ]);
    openssl(dir, &ca);
    let mut csr = vec!["req"];
    csr.extend(ec);
    csr.extend([
        "-keyout",
        "srv.key",
        "-out",
        "srv.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    openssl(dir, &csr);
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "srv.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "srv.pem",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
        ],
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = std::process::Command::new("openssl")
        .args([
            "s_server", "-quiet", "-WWW", "-cert", "srv.pem", "-key", "srv.key",
        ])
        .arg("-accept")
        .arg(format!("127.0.0.1:{port}"))
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start openssl s_server");
    let server = TlsFileServer { child, port };
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return server;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("openssl s_server did not listen on port {port} within 5 s");
}

#[test]
fn a_private_ca_is_trusted_through_ca_file_only() {
    let dir = tempfile::tempdir().unwrap();
    // s_server -WWW answers GET /path with the file at ./path.
    let listing = dir.path().join("prometheus/config/v1/rules");
    std::fs::create_dir_all(&listing).unwrap();
    std::fs::write(
        listing.join(NS),
        "reliability:\n- name: over-tls\n  rules: []\n",
    )
    .unwrap();
    let server = tls_file_server(dir.path());
    let url = format!("https://127.0.0.1:{}", server.port);
    let cfg = RulerConfig::new(&url);

    let (untrusted, sleeps) = client_with(cfg.clone());
    let err = untrusted.list_namespace(NS).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unreachable);
    assert!(err.to_string().contains("set ca_file"), "{err}");
    assert!(
        sleeps.lock().unwrap().is_empty(),
        "a certificate error is not retried"
    );

    let trusted = RulerClient::new(RulerConfig {
        ca_file: Some(dir.path().join("ca.pem")),
        ..cfg
    })
    .unwrap();
    let groups = trusted.list_namespace(NS).unwrap();
    assert_eq!(groups.groups()[0].name, "over-tls");
}

/// A client of `url` that neither retries nor waits long.
fn quick_client(url: &str) -> RulerClient {
    RulerClient::new(RulerConfig {
        tenant: Some(TENANT.into()),
        retry: RetryPolicy::none(),
        timeout: Duration::from_millis(500),
        ..RulerConfig::new(url)
    })
    .unwrap()
}

#[test]
fn unexpected_answers_say_what_to_check() {
    use reliability_e2e::prometheus::fake_prometheus;

    let (url, _) = fake_prometheus("403 Forbidden", "access denied", 1);
    let err = quick_client(&url)
        .put_group(NS, &group("g", "up"))
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.status()),
        (ErrorKind::Unauthorized, Some(403))
    );
    assert!(err.to_string().contains("access denied"), "{err}");

    // A Prometheus (or anything else) at the URL: 404 names api_path and -ruler.enable-api.
    let (url, _) = fake_prometheus("404 Not Found", "404 page not found", 1);
    let err = quick_client(&url)
        .put_group(NS, &group("g", "up"))
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("api_path") && msg.contains("-ruler.enable-api"),
        "{msg}"
    );

    let (url, _) = fake_prometheus("301 Moved Permanently", "", 1);
    let err = quick_client(&url).delete_group(NS, "g").unwrap_err();
    assert!(err.to_string().contains("redirects"), "{err}");

    let (url, _) = fake_prometheus("200 OK", "<html>a login page</html>", 1);
    let err = quick_client(&url).list_namespace(NS).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Protocol);
    assert!(err.to_string().contains("not a map of namespaces"), "{err}");

    // Accepts the connection and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    let started = std::time::Instant::now();
    let err = quick_client(&url).list_namespace(NS).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(err.kind(), ErrorKind::Unreachable);
    assert!(err.to_string().contains("did not answer in time"), "{err}");
    drop(silent);
}
