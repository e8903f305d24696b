//! One monitoring daemon (Alertmanager, blackbox_exporter, node_exporter) on a free loopback
//! port: started with its log in a temporary directory, ready when an HTTP path answers 200
//! (bounded wait), killed and its directory removed on drop.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::prometheus::{find_on_path, http_get, wait_ready};

/// A running daemon.
pub struct Daemon {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    /// `127.0.0.1:<port>`, for scrape targets.
    pub address: String,
    dir: tempfile::TempDir,
    name: String,
}

/// The binary `name` on PATH; panics naming the Debian package that provides it.
pub fn binary(name: &str, package: &str) -> PathBuf {
    find_on_path(name).unwrap_or_else(|| {
        panic!(
            "no {name} binary: install the Debian package `{package}` \
             (scripts/setup.sh --with-prometheus does)"
        )
    })
}

impl Daemon {
    /// A scratch directory for a daemon's configuration and data; pass it to [`Daemon::start`].
    pub fn scratch(prefix: &str) -> tempfile::TempDir {
        tempfile::Builder::new()
            .prefix(prefix)
            .tempdir()
            .expect("temp dir for a daemon")
    }

    /// Starts `program` with `args` plus `listen_flag=127.0.0.1:<port>`, and waits
    /// (at most 20 s) until `GET ready_path` answers 200. `dir` is kept until drop and holds
    /// the log (`<name>.log`).
    pub fn start(
        name: &str,
        program: &Path,
        args: &[String],
        (listen_flag, port): (&str, u16),
        ready_path: &str,
        dir: tempfile::TempDir,
    ) -> Daemon {
        let address = format!("127.0.0.1:{port}");
        let log = std::fs::File::create(dir.path().join(format!("{name}.log"))).expect("log file");
        let child = Command::new(program)
            .args(args)
            .arg(format!("{listen_flag}={address}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {}: {e}", program.display()));
        let mut d = Daemon {
            child,
            url: format!("http://{address}"),
            address,
            dir,
            name: name.to_string(),
        };
        let log = d.dir.path().join(format!("{name}.log"));
        wait_ready(name, &mut d.child, &format!("{}{ready_path}", d.url), &log);
        d
    }

    /// GET a path; returns (status, body).
    pub fn get(&self, path: &str) -> Result<(u16, String), String> {
        http_get(&format!("{}{path}", self.url))
    }

    /// The daemon's scratch directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The daemon's log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(self.dir.path().join(format!("{}.log", self.name)))
            .unwrap_or_default()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
