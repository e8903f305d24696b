//! Shared by the promtool and amtool test binaries: running promtool (located the one way
//! the whole workspace locates it, [`promtool_binary`]: `PROMTOOL`, else `PATH`), and the
//! generated files pinned by insta snapshots. Each test binary uses a subset.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use reliability_e2e::prometheus::promtool_binary;

pub mod slo;

/// Runs promtool with `args` in `dir`; panics with its output unless it succeeds.
/// Returns stdout and stderr.
pub fn run_promtool<S: AsRef<OsStr>>(args: &[S], dir: &Path) -> String {
    let (ok, text) = promtool(args, dir);
    let shown: Vec<_> = args.iter().map(|a| a.as_ref().to_string_lossy()).collect();
    assert!(ok, "promtool {shown:?} failed:\n{text}");
    text
}

/// Runs promtool with `args` in `dir`: whether it succeeded, and stdout and stderr.
pub fn promtool<S: AsRef<OsStr>>(args: &[S], dir: &Path) -> (bool, String) {
    let bin = promtool_binary();
    let out = Command::new(&bin)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("could not run {}: {e}", bin.display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// The content of every insta snapshot in `snapshot_dir` whose name starts with `prefix`,
/// written to `<out_dir>/<snapshot name>.yml`: `(name, file)` sorted by name.
pub fn snapshot_files(snapshot_dir: &Path, prefix: &str, out_dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(snapshot_dir).expect("snapshot dir") {
        let path = entry.expect("dir entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let Some(stem) = name.strip_suffix(".snap") else {
            continue;
        };
        if !stem.starts_with(prefix) {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read snapshot");
        // insta header: "---\n<metadata>\n---\n<content>"
        let body = text
            .strip_prefix("---\n")
            .and_then(|t| t.split_once("\n---\n"))
            .map(|(_, body)| body)
            .unwrap_or_else(|| panic!("{name}: not an insta snapshot"));
        let file = out_dir.join(format!("{stem}.yml"));
        std::fs::write(&file, body).expect("write");
        out.push((stem.to_string(), file));
    }
    out.sort();
    out
}
