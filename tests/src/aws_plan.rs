//! Real Terraform plans for relcheck's `--plan` tests and benchmark: a [`Terraform`]
//! working directory whose CLI configuration installs the test stand-in for
//! `hashicorp/aws` (`provider/examples/aws_plan_provider.rs`, built once per test process)
//! from a filesystem mirror, and the `relcheck` binary to run on what it plans.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::{workspace_example, Terraform};

/// The version the stand-in is mirrored under (configurations pin it).
pub const AWS_VERSION: &str = "5.99.0";

/// `required_providers` for the stand-in, to start a test's `main.tf` with.
pub const REQUIRED_AWS: &str = "terraform {\n  required_providers {\n    aws = {\n      source  = \"hashicorp/aws\"\n      version = \"5.99.0\"\n    }\n  }\n}\n";

/// A filesystem mirror holding the `hashicorp/aws` stand-in, shared by one test process.
pub fn aws_mirror() -> PathBuf {
    static MIRROR: OnceLock<PathBuf> = OnceLock::new();
    MIRROR
        .get_or_init(|| {
            crate::mirror_beside(
                &workspace_example("terraform-provider-reliability", "aws_plan_provider"),
                "e2e-aws-plan-mirror",
                "hashicorp/aws",
                AWS_VERSION,
            )
        })
        .clone()
}

/// A Terraform working directory that installs `hashicorp/aws` from [`aws_mirror`] and
/// our provider from the test mirror of [`Terraform::new`].
pub fn aws_terraform() -> Terraform {
    let aws = aws_mirror();
    let ours = crate::provider_mirror();
    Terraform::with_cli_config(&format!(
        "provider_installation {{\n  filesystem_mirror {{\n    path    = {aws:?}\n    \
         include = [\"registry.terraform.io/hashicorp/aws\"]\n  }}\n  filesystem_mirror {{\n    \
         path    = {ours:?}\n    include = [\"registry.terraform.io/{}\"]\n  }}\n}}\n\
         disable_checkpoint = true\n",
        crate::PROVIDER_SOURCE
    ))
}

/// The relcheck binary.
pub fn relcheck_binary() -> PathBuf {
    crate::workspace_binary("relcheck", "relcheck")
}

/// `terraform plan -out tfplan` with `args`, then `terraform show -json tfplan > plan.json`;
/// returns the plan JSON's path. `env` is given to both (the stand-in's data source reads
/// `AWS_PLAN_PROVIDER_PARAMETERS`).
pub fn plan_json(tf: &Terraform, args: &[&str], env: &[(&str, &str)]) -> PathBuf {
    let mut plan = vec!["plan", "-no-color", "-input=false", "-out", "tfplan"];
    plan.extend_from_slice(args);
    tf.run_with_env(&plan, env).success();
    let shown = tf
        .run_with_env(&["show", "-json", "-no-color", "tfplan"], env)
        .success();
    let path = tf.path().join("plan.json");
    std::fs::write(&path, shown.stdout).expect("write plan.json");
    path
}

/// Runs relcheck with `args` in `dir`.
pub fn relcheck(dir: &Path, args: &[&str]) -> crate::Output {
    let out = Command::new(relcheck_binary())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run relcheck");
    crate::Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Makes `dir` a git repository with everything in it committed (for git module sources
/// and `--changed-since`).
pub fn git_commit_all(dir: &Path, message: &str) {
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args([
                "-c",
                "init.defaultBranch=main",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .current_dir(dir)
            .output()
            .expect("run git");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    if !dir.join(".git").exists() {
        git(&["init", "-q"]);
    }
    git(&["add", "-A"]);
    git(&["commit", "-q", "--allow-empty", "-m", message]);
}
