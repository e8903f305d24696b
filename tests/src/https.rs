//! A static HTTPS server on 127.0.0.1 (`tests/support/static_https.py`) with a certificate
//! made for the test by the `openssl` CLI: what a provider network mirror is. Terraform
//! trusts the certificate through `SSL_CERT_FILE` (see [`StaticHttps::cert_file`]).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::workspace_root;

/// A running server; stopped when dropped.
pub struct StaticHttps {
    /// `https://127.0.0.1:<port>/`, the served directory's root.
    pub url: String,
    child: Child,
    dir: tempfile::TempDir,
}

impl StaticHttps {
    /// Serves `root` (read-only, as it is) over HTTPS on an ephemeral port.
    pub fn start(root: &Path) -> StaticHttps {
        Self::start_valid_for(root, 2)
    }

    /// Like [`StaticHttps::start`], with a certificate that expires `days` days from now (a
    /// certificate expiry watch's subject).
    pub fn start_valid_for(root: &Path, days: u32) -> StaticHttps {
        let dir = tempfile::Builder::new()
            .prefix("reliability-https-")
            .tempdir()
            .expect("temp dir for the certificate");
        let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
        // A self-signed certificate for the IP address: Terraform (Go) checks the IP SAN,
        // not the common name.
        let out = Command::new("openssl")
            .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
            .args(["ec_paramgen_curve:prime256v1", "-nodes", "-days"])
            .arg(days.to_string())
            .args([
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
            ])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .output()
            .unwrap_or_else(|e| {
                panic!("could not run openssl (scripts/setup.sh installs it): {e}")
            });
        assert!(
            out.status.success(),
            "openssl could not make the test certificate:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let log = std::fs::File::create(dir.path().join("requests.log")).expect("request log");
        let mut child = Command::new("python3")
            .arg(workspace_root().join("tests/support/static_https.py"))
            .arg(root)
            .arg(&cert)
            .arg(&key)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("could not run python3 for the HTTPS server: {e}"));
        let mut line = String::new();
        let stdout = child.stdout.take().expect("piped stdout");
        // The server prints its port once it listens, or exits (end of file) on an error.
        let read = BufReader::new(stdout).read_line(&mut line);
        let port: u16 = match read.ok().and_then(|_| line.trim().parse().ok()) {
            Some(port) => port,
            None => {
                let _ = child.kill();
                let _ = child.wait();
                let log = std::fs::read_to_string(dir.path().join("requests.log"));
                panic!(
                    "the HTTPS server did not start:\n{}",
                    log.unwrap_or_default()
                );
            }
        };
        StaticHttps {
            url: format!("https://127.0.0.1:{port}/"),
            child,
            dir,
        }
    }

    /// The server's certificate (PEM), to trust with `SSL_CERT_FILE`.
    pub fn cert_file(&self) -> PathBuf {
        self.dir.path().join("cert.pem")
    }

    /// `127.0.0.1:<port>`, for a TCP probe.
    pub fn address(&self) -> String {
        self.url
            .trim_start_matches("https://")
            .trim_end_matches('/')
            .to_string()
    }

    /// The request lines served so far (`GET /path HTTP/1.1" 200 -`), one per request.
    pub fn requests(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("requests.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }
}

impl Drop for StaticHttps {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
