//! Replays every input in `tests/fixtures/fuzz/` (crashes, hangs and slow inputs found by
//! the fuzzer in `policy-cli/fuzz`, minimised) through parse + evaluate + rules + renderers,
//! in-process, the way the fuzz target does. A stack overflow or abort fails the whole test
//! binary; a panic that `check` catches shows up as an "internal error" and fails here.
//!
//! Input format (as in `fuzz/fuzz_targets/check.rs`): text before the first marker line is
//! `main.tf`; a line `#@@relative/path.tf` starts a new file.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use relcheck::{check, render, Inputs};

fn fuzz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz")
}

/// The same splitting and path sanitising as the fuzz target.
fn split(data: &[u8]) -> Vec<(PathBuf, &[u8])> {
    fn sanitise(name: &[u8]) -> Option<PathBuf> {
        let name = std::str::from_utf8(name).ok()?.trim();
        if name.is_empty() || name.len() > 80 {
            return None;
        }
        let mut out = PathBuf::new();
        for (n, c) in name.split('/').enumerate() {
            let ok = !c.is_empty()
                && c != "."
                && c != ".."
                && c.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b));
            if !ok || n >= 4 {
                return None;
            }
            out.push(c);
        }
        Some(out)
    }
    let mut files = Vec::new();
    let mut name = PathBuf::from("main.tf");
    let (mut start, mut i) = (0, 0);
    while i < data.len() {
        if (i == 0 || data[i - 1] == b'\n') && data[i..].starts_with(b"#@@") {
            files.push((name.clone(), &data[start..i]));
            let end = data[i..]
                .iter()
                .position(|&b| b == b'\n')
                .map(|p| i + p)
                .unwrap_or(data.len());
            name = sanitise(&data[i + 3..end])
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

fn replay(input: &Path) -> relcheck::Report {
    let data = std::fs::read(input).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    for (name, contents) in split(&data).into_iter().take(16) {
        let p = tmp.path().join(name);
        if std::fs::create_dir_all(p.parent().unwrap()).is_ok() {
            let _ = std::fs::write(&p, contents);
        }
    }
    let report = check(&[tmp.path().to_path_buf()], &Inputs::default());
    let _ = render::json::render(&report);
    let _ = render::text::render(&report, false);
    report
}

#[test]
fn every_fuzz_input_is_checked_without_internal_error() {
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(fuzz_dir())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "fuzz"))
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty());
    for input in &inputs {
        let start = Instant::now();
        let report = replay(input);
        let internal: Vec<_> = report
            .errors
            .iter()
            .filter(|e| e.message.contains("internal error"))
            .collect();
        assert!(internal.is_empty(), "{}: {internal:?}", input.display());
        // The evaluation budget bounds the work (steps, whatever the machine's speed)...
        assert!(
            report.max_eval_steps <= relcheck::eval::MAX_STEPS + 1,
            "{}: {} steps",
            input.display(),
            report.max_eval_steps
        );
        // ...and the clock only catches a runaway outside it: the slowest input takes ~5 s
        // in a debug build on 2 cores at load 14; the bound is 60 times that.
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "{}: took {:?}",
            input.display(),
            start.elapsed()
        );
    }
}

fn errors_of(name: &str) -> Vec<(String, String)> {
    replay(&fuzz_dir().join(name))
        .errors
        .into_iter()
        .map(|e| (e.file, e.message))
        .collect()
}

fn has_error(errors: &[(String, String)], file: &str, needle: &str) -> bool {
    errors.iter().any(|(f, m)| f == file && m.contains(needle))
}

#[test]
fn review_exponential_locals_are_cut_short() {
    let e = errors_of("review-exponential-locals.fuzz");
    assert!(has_error(&e, "main.tf", "cut short"), "{e:?}");
}

#[test]
fn review_nested_for_is_cut_short() {
    let e = errors_of("review-nested-for.fuzz");
    assert!(has_error(&e, "main.tf", "cut short"), "{e:?}");
}

#[test]
fn review_module_cycles_are_reported() {
    let e = errors_of("review-module-cycle.fuzz");
    let cycle = |f: &str| has_error(&e, f, "cycle");
    // root → a → b → a; and c ↔ d, which no root calls.
    assert!(cycle("a/main.tf") || cycle("b/main.tf"), "{e:?}");
    assert!(cycle("c/main.tf") || cycle("d/main.tf"), "{e:?}");
}

#[test]
fn review_self_references_are_errors() {
    let e = errors_of("review-self-reference.fuzz");
    assert!(has_error(&e, "main.tf", "var.x"), "{e:?}");
    assert!(has_error(&e, "main.tf", "local."), "{e:?}");
}

#[test]
fn review_deep_json_template_is_an_error() {
    let e = errors_of("review-json-template.fuzz");
    assert!(e.iter().any(|(f, _)| f == "main.tf.json"), "{e:?}");
}
