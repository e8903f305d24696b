//! Unit tests of the client that need no server (see tests/tests/ruler_client.rs).

use super::*;

#[test]
fn only_one_named_group_is_uploaded() {
    assert_eq!(
        group_name_of("name: slo:checkout\nrules: []\n").unwrap().0,
        "slo:checkout"
    );
    for bad in [
        "groups:\n- name: a\n  rules: []\n",
        "- name: a\n  rules: []\n",
        "name: a\n",
        "name: ''\nrules: []\n",
        "rules: [",
    ] {
        let err = group_name_of(bad).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config, "{bad}");
    }
}

/// A self-signed test CA certificate (public part only; its key was thrown away).
const TEST_CA: &str = "-----BEGIN CERTIFICATE-----\n\
MIIBkzCCATmgAwIBAgIUXcyofRKIKx6SvF65mIy71+1v4R8wCgYIKoZIzj0EAwIw\n\
HjEcMBoGA1UEAwwTcmVsaWFiaWxpdHkgdGVzdCBDQTAgFw0yNjEyMDExNzUwNDJa\n\
GA8yMTI2MTEwNzE3NTA0MlowHjEcMBoGA1UEAwwTcmVsaWFiaWxpdHkgdGVzdCBD\n\
QTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABGtqyAWzYEh+9hRUZI2YE49/fJBF\n\
nH0glmY1rWnGxgaAGh3YS0rp4frS3bq0dxrUW11XE88jCSkykTe574cKRu2jUzBR\n\
MB0GA1UdDgQWBBQiFJsRq9fDppzq+iUPBXBgpx0T5DAfBgNVHSMEGDAWgBQiFJsR\n\
q9fDppzq+iUPBXBgpx0T5DAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gA\n\
MEUCIH1v5TwcWLLtSHimY5J31pv+4rrCKGsbeCQpWm/I5jbHAiEAoKcIgHK6bQVk\n\
XO/QULYeGZZyyqVf2qPCkQ/htj4RRyc=\n\
-----END CERTIFICATE-----\n";

#[test]
fn a_pem_ca_file_is_accepted_among_other_pem_items() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ca.pem");
    std::fs::write(&path, format!("# private CA\n{TEST_CA}")).unwrap();
    let mut cfg = RulerConfig::new("https://mimir.internal");
    cfg.ca_file = Some(path);
    RulerClient::new(cfg).expect("the CA is loaded");
}

#[test]
fn a_missing_ca_file_is_named() {
    let mut cfg = RulerConfig::new("https://mimir.example");
    cfg.ca_file = Some("/nonexistent/ca.pem".into());
    let err = RulerClient::new(cfg).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ca.pem");
    std::fs::write(&path, "not a certificate\n").unwrap();
    let mut cfg = RulerConfig::new("https://mimir.example");
    cfg.ca_file = Some(path);
    let err = RulerClient::new(cfg).unwrap_err();
    assert!(err.to_string().contains("no PEM certificate"), "{err}");
}
