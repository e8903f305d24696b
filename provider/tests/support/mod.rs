//! Shared by the promtool test binaries: running promtool (located the one way the whole
//! workspace locates it, [`promtool_binary`]: `PROMTOOL`, else `PATH`). Each test binary
//! uses a subset.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

use reliability_e2e::prometheus::promtool_binary;

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
