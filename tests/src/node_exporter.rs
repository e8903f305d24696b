//! A real node_exporter (Debian `prometheus-node-exporter`) on 127.0.0.1 with only its
//! textfile collector, reading `*.prom` files from a temporary directory the test writes
//! (as a backup runner does). Killed on drop.

use std::path::PathBuf;

use crate::daemon::{binary, Daemon};
use crate::prometheus::free_port;

/// A running node_exporter.
pub struct NodeExporter {
    pub daemon: Daemon,
    /// The textfile collector's directory.
    pub textfile_dir: PathBuf,
}

impl NodeExporter {
    /// Starts node_exporter with only the textfile collector and waits until it is ready.
    pub fn start() -> NodeExporter {
        let dir = Daemon::scratch("node-exporter-");
        let textfile_dir = dir.path().join("textfile");
        std::fs::create_dir_all(&textfile_dir).expect("textfile dir");
        let args = vec![
            "--collector.disable-defaults".to_string(),
            "--collector.textfile".to_string(),
            format!("--collector.textfile.directory={}", textfile_dir.display()),
        ];
        let daemon = Daemon::start(
            "node-exporter",
            &binary("prometheus-node-exporter", "prometheus-node-exporter"),
            &args,
            ("--web.listen-address", free_port()),
            "/metrics",
            dir,
        );
        NodeExporter {
            daemon,
            textfile_dir,
        }
    }

    /// Writes textfile `name` atomically (temp file, then rename), as a runner must: the
    /// collector reads only `*.prom` files, so it never sees a half-written one.
    pub fn write_textfile(&self, name: &str, contents: &str) {
        let tmp = self.textfile_dir.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, contents).expect("write textfile");
        std::fs::rename(&tmp, self.textfile_dir.join(name)).expect("rename textfile");
    }
}
