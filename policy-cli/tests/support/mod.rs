//! What the integration tests share: running the `relcheck` binary and writing project
//! fixtures into temporary directories. Each test file includes it with `mod support;`
//! and uses what it needs.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// What a run of the binary gave.
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// The standard output as JSON (panics with both outputs when it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("JSON output ({e}):\n{}\n{}", self.stdout, self.stderr))
    }
}

/// Runs `relcheck ARGS` (in `dir` when given). A run killed by a signal (stack overflow,
/// abort) fails the test with its standard error.
pub fn relcheck(dir: Option<&Path>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_relcheck"));
    if let Some(d) = dir {
        cmd.current_dir(d);
    }
    let out = cmd.args(args).output().expect("relcheck runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    Output {
        code: out
            .status
            .code()
            .unwrap_or_else(|| panic!("killed by a signal: {:?}\n{stderr}", out.status)),
        stdout: String::from_utf8(out.stdout).expect("utf-8 output"),
        stderr,
    }
}

/// Writes `contents` to `dir/name`, creating the directories on the way.
pub fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, contents).unwrap();
}

/// A temporary project with these files (relative paths, directories created).
pub fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        write(dir.path(), name, text);
    }
    dir
}

/// A fixture directory under `tests/fixtures/`.
pub fn fixture(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path)
}

// ---- the evaluator through a probe resource ----

/// Writes `files` into a temp dir and returns the evaluated value of
/// `terraform_data.probe`'s `input` attribute (by checking with a probe resource type).
pub fn eval_input(files: &[(&str, &str)], inputs: &relcheck::Inputs) -> relcheck::value::Value {
    let tmp = project(files);
    probe(tmp.path(), inputs)
}

pub fn probe(dir: &Path, inputs: &relcheck::Inputs) -> relcheck::value::Value {
    let insts = instances(dir, inputs);
    let p = insts
        .iter()
        .find(|i| i.rtype == "terraform_data" && i.name == "probe")
        .expect("probe resource");
    p.body
        .attr("input")
        .map(|a| a.value.clone())
        .unwrap_or(relcheck::value::Value::Null)
}

pub fn instances(dir: &Path, inputs: &relcheck::Inputs) -> Vec<relcheck::eval::Instance> {
    relcheck::evaluate_instances(&[dir.to_path_buf()], inputs)
}

pub fn main_tf(body: &str) -> relcheck::value::Value {
    eval_input(&[("main.tf", body)], &relcheck::Inputs::default())
}
pub mod lsp;
