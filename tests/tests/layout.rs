//! Every acceptance test is compiled: Cargo discovers each `tests/tests/*.rs` as a test
//! target, and nothing else outside `src/` is. A `.rs` file anywhere else in this package
//! (such as the old `acceptance/` directory, which needed a `[[test]]` block per file) would
//! silently never run, so this test fails and names it.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `.rs` files of the package at `root` outside `src/` (the library) and `tests/` (test
/// targets and their modules).
fn stray_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(root).expect("read package dir").flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == "src" || name == "target" {
            continue;
        }
        if path.is_dir() {
            rust_files(&path, &mut files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    // tests/*.rs are targets; tests/<dir>/*.rs are modules of a tests/<dir>/main.rs target
    // or helpers `mod`ed from a top-level test.
    let tests = root.join("tests");
    files.retain(|f| !f.starts_with(&tests));
    files.sort();
    files
}

#[test]
fn every_rust_file_is_compiled() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let stray = stray_files(root);
    assert!(
        stray.is_empty(),
        "{stray:?} would never be compiled: move acceptance tests to tests/tests/<name>.rs, \
         where Cargo finds them (the test target is <name>), and harness code to src/"
    );
}

#[test]
fn a_stray_file_is_found() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("acceptance")).unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::create_dir_all(dir.path().join("tests/helpers")).unwrap();
    for f in [
        "acceptance/ruler.rs",
        "src/lib.rs",
        "tests/slo.rs",
        "tests/helpers/mod.rs",
    ] {
        std::fs::write(dir.path().join(f), "").unwrap();
    }
    assert_eq!(
        stray_files(dir.path()),
        vec![dir.path().join("acceptance/ruler.rs")]
    );
}
