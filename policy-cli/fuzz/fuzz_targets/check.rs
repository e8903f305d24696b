//! Fuzz target: parse + evaluate + rules + renderers on a small Terraform tree.
//!
//! The input is one or more files. Text before the first marker line is `main.tf`; a line
//! `#@@relative/path.tf` starts a new file at that path (paths are sanitised: letters,
//! digits, `_`, `-`, `.`, at most 4 components, no `..`). So a seed can hold a whole
//! fixture directory (root + `modules/...`, `.tf.json`, `terraform.tfvars`), which lets
//! the fuzzer reach module calls, cycles and tfvars.
//!
//! `relcheck::check` only takes paths, so the files are written to a scratch directory
//! (under `$TMPDIR`, which `run.sh` points at `/dev/shm`) that is emptied for each input.
//! An in-memory entry point (`check_sources(&[(PathBuf, String)], &Inputs)`) would make
//! this faster and let the fuzzer skip the filesystem.
//!
//! libfuzzer-sys's panic hook aborts on any panic, even one that `check` would catch
//! and turn into "internal error", so every panic in the pipeline counts as a crash.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use relcheck::{check, render, Inputs};

const MARKER: &[u8] = b"#@@";

fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| std::env::temp_dir().join(format!("relcheck-fuzz-{}", std::process::id())))
}

/// A safe relative path, or `None`.
fn sanitise(name: &[u8]) -> Option<PathBuf> {
    let name = std::str::from_utf8(name).ok()?.trim();
    if name.is_empty() || name.len() > 80 {
        return None;
    }
    let mut out = PathBuf::new();
    let mut n = 0;
    for c in name.split('/') {
        n += 1;
        let ok = !c.is_empty()
            && c != "."
            && c != ".."
            && c.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b));
        if !ok || n > 4 {
            return None;
        }
        out.push(c);
    }
    Some(out)
}

/// Splits the input into (path, contents).
fn split(data: &[u8]) -> Vec<(PathBuf, &[u8])> {
    let mut files = Vec::new();
    let mut name = PathBuf::from("main.tf");
    let mut start = 0;
    let mut i = 0;
    while i < data.len() {
        let at_line_start = i == 0 || data[i - 1] == b'\n';
        if at_line_start && data[i..].starts_with(MARKER) {
            files.push((name.clone(), &data[start..i]));
            let end = data[i..]
                .iter()
                .position(|&b| b == b'\n')
                .map(|p| i + p)
                .unwrap_or(data.len());
            name = sanitise(&data[i + MARKER.len()..end])
                .unwrap_or_else(|| PathBuf::from(format!("f{}.tf", files.len())));
            start = (end + 1).min(data.len());
            i = start;
            continue;
        }
        i += 1;
    }
    files.push((name, &data[start..]));
    files
}

fuzz_target!(|data: &[u8]| {
    let root = scratch();
    let _ = std::fs::remove_dir_all(root);
    std::fs::create_dir_all(root).expect("scratch dir");
    for (name, contents) in split(data).into_iter().take(16) {
        let p = root.join(name);
        if let Some(d) = p.parent() {
            if std::fs::create_dir_all(d).is_err() {
                continue; // a file already sits where a directory should be
            }
        }
        let _ = std::fs::write(&p, contents);
    }
    let report = check(&[root.to_path_buf()], &Inputs::default());
    let _ = render::json::render(&report);
    let _ = render::text::render(&report, false);
    for f in &report.findings {
        let _ = report.position(f);
    }
});
