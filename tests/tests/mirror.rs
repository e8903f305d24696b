//! Installing the provider the way a pipeline runner does: `scripts/release.sh` builds the
//! release files (archives, SHA256SUMS, its GPG signature, manifest) and a provider network
//! mirror tree; the tree is served as it is by a static HTTPS server on 127.0.0.1, and a
//! brand-new Terraform working directory whose CLI config holds only that `network_mirror`
//! runs `terraform init` (which verifies the archive's `h1:` hash) and `terraform apply`.
//! A tampered archive makes `init` fail.
//!
//! The release is built once per test process and signed with a throwaway key; it is the
//! only release build of the provider in a test run (the 1.15 re-run finds it up to date).

use std::path::{Path, PathBuf};
use std::process::{Command, Output as ProcessOutput};
use std::sync::OnceLock;

use reliability_e2e::https::StaticHttps;
use reliability_e2e::{
    target_dir, terraform_platform, workspace_root, Terraform, PROVIDER_SOURCE, PROVIDER_VERSION,
};

const NAME: &str = "terraform-provider-reliability";

/// What `scripts/release.sh` wrote, and the key it signed with.
struct Release {
    out: PathBuf,
    /// The signing key's public half, ASCII-armoured (`gpg --armor --export`).
    public_key: PathBuf,
}

fn file_name(suffix: &str) -> String {
    format!("{NAME}_{PROVIDER_VERSION}_{suffix}")
}

fn archive_name() -> String {
    file_name(&format!("{}.zip", terraform_platform()))
}

/// `OUT_DIR/mirror/registry.terraform.io/reliability-as-code/reliability`
fn package_dir(mirror: &Path) -> PathBuf {
    mirror.join("registry.terraform.io").join(PROVIDER_SOURCE)
}

#[track_caller]
fn run(cmd: &mut Command) -> ProcessOutput {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("could not run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn gpg(home: &Path) -> Command {
    let mut cmd = Command::new("gpg");
    cmd.env("GNUPGHOME", home).arg("--batch");
    cmd
}

/// Stops the gpg-agent a keyring started when dropped (also when a step panics), so that no
/// process outlives the test.
struct Agent<'a>(&'a Path);

impl Drop for Agent<'_> {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .env("GNUPGHOME", self.0)
            .args(["--kill", "all"])
            .status();
    }
}

/// Runs `scripts/release.sh OUT_DIR` once per test process, with a throwaway signing key.
/// A failure is reported by every test that needs the release, without running it again.
fn release() -> &'static Release {
    static RELEASE: OnceLock<Result<Release, String>> = OnceLock::new();
    let release = RELEASE.get_or_init(|| {
        std::panic::catch_unwind(make_release).map_err(|e| {
            e.downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        })
    });
    match release {
        Ok(release) => release,
        Err(message) => panic!("the release could not be built: {message}"),
    }
}

fn make_release() -> Release {
    // Under the target directory (not /tmp): rewritten by every run, never left behind.
    let base = target_dir().join("e2e-release");
    let _ = std::fs::remove_dir_all(&base);
    let (out, gnupg) = (base.join("out"), base.join("gnupg"));
    std::fs::create_dir_all(&out).expect("release output dir");
    std::fs::create_dir_all(&gnupg).expect("GNUPGHOME");
    let _agent = Agent(&gnupg);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&gnupg, std::fs::Permissions::from_mode(0o700))
            .expect("GNUPGHOME mode");
    }
    run(gpg(&gnupg)
        .args(["--passphrase", "", "--quick-gen-key"])
        .args([
            "Reliability release test <release-test@example.invalid>",
            "rsa3072",
            "sign",
            "1d",
        ]));
    let keys = run(gpg(&gnupg).args(["--with-colons", "--list-secret-keys"]));
    let keys = String::from_utf8_lossy(&keys.stdout);
    let fingerprint = keys
        .lines()
        .find_map(|l| l.strip_prefix("fpr:"))
        .and_then(|l| l.split(':').find(|f| !f.is_empty()))
        .expect("the new key's fingerprint")
        .to_string();
    let public_key = base.join("release-key.asc");
    let exported = run(gpg(&gnupg).args(["--armor", "--export", &fingerprint]));
    std::fs::write(&public_key, exported.stdout).expect("write the public key");

    // Exactly the README's command.
    let released = Command::new("bash")
        .arg(workspace_root().join("scripts/release.sh"))
        .arg(&out)
        .env("GNUPGHOME", &gnupg)
        .env("GPG_FINGERPRINT", &fingerprint)
        .env("CARGO_TARGET_DIR", target_dir())
        .current_dir(workspace_root())
        .output()
        .expect("run scripts/release.sh");
    assert!(
        released.status.success(),
        "scripts/release.sh failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        released.status,
        String::from_utf8_lossy(&released.stdout),
        String::from_utf8_lossy(&released.stderr)
    );
    Release { out, public_key }
}

/// The `hashes` the mirror's `V.json` lists for this platform.
fn mirror_hashes(mirror: &Path) -> Vec<String> {
    let path = package_dir(mirror).join(format!("{PROVIDER_VERSION}.json"));
    let text = std::fs::read_to_string(&path).expect("read V.json");
    let json: serde_json::Value = serde_json::from_str(&text).expect("V.json is JSON");
    let archive = &json["archives"][terraform_platform()];
    assert_eq!(archive["url"], archive_name(), "{text}");
    archive["hashes"]
        .as_array()
        .expect("hashes")
        .iter()
        .map(|h| h.as_str().expect("hash string").to_string())
        .collect()
}

fn network_mirror_config(url: &str) -> String {
    format!("provider_installation {{\n  network_mirror {{\n    url = \"{url}\"\n  }}\n}}\n")
}

const SLO: &str = r#"
provider "reliability" {
  rules_dir = "rules"
}

resource "reliability_slo" "checkout" {
  service   = "checkout"
  name      = "availability"
  objective = 99.9
  sli {
    events {
      error_query = "sum(rate(http_requests_total{job=\"checkout\",code=~\"5..\"}[{{.window}}]))"
      total_query = "sum(rate(http_requests_total{job=\"checkout\"}[{{.window}}]))"
    }
  }
}
"#;

#[test]
fn release_files_are_in_the_registry_layout_with_verified_checksums_and_signature() {
    let release = release();
    let out = &release.out;
    let mut files: Vec<String> = std::fs::read_dir(out)
        .expect("list the release")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut expected = vec![
        archive_name(),
        file_name("SHA256SUMS"),
        file_name("SHA256SUMS.sig"),
        file_name("manifest.json"),
        "mirror".to_string(),
    ];
    expected.sort();
    assert_eq!(files, expected);

    // The archive holds only the binary under the name Terraform runs.
    let listing = run(Command::new("unzip")
        .arg("-Z1")
        .arg(out.join(archive_name())));
    assert_eq!(
        String::from_utf8_lossy(&listing.stdout).trim(),
        format!("{NAME}_v{PROVIDER_VERSION}")
    );
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join(file_name("manifest.json"))).expect("manifest"),
    )
    .expect("manifest is JSON");
    assert_eq!(
        manifest,
        serde_json::json!({"version": 1, "metadata": {"protocol_versions": ["6.0"]}})
    );

    // SHA256SUMS covers the archive and the manifest, and verifies against them.
    let sums = std::fs::read_to_string(out.join(file_name("SHA256SUMS"))).expect("SHA256SUMS");
    let mut named: Vec<&str> = sums
        .lines()
        .map(|l| l.split_once("  ").expect("<hash>  <file>").1)
        .collect();
    named.sort();
    assert_eq!(
        named,
        [archive_name(), file_name("manifest.json")],
        "{sums}"
    );
    let checked = run(Command::new("sha256sum")
        .args(["--check", "--strict"])
        .arg(file_name("SHA256SUMS"))
        .current_dir(out));
    assert!(
        String::from_utf8_lossy(&checked.stdout).contains(&format!("{}: OK", archive_name())),
        "{checked:?}"
    );

    // The signature verifies with only the exported public key in a fresh keyring...
    let keyring = tempfile::tempdir().expect("keyring dir");
    let _agent = Agent(keyring.path());
    run(gpg(keyring.path()).arg("--import").arg(&release.public_key));
    let sig = out.join(file_name("SHA256SUMS.sig"));
    let verified = run(gpg(keyring.path())
        .arg("--verify")
        .arg(&sig)
        .arg(out.join(file_name("SHA256SUMS"))));
    assert!(
        String::from_utf8_lossy(&verified.stderr).contains("Good signature"),
        "{verified:?}"
    );
    // ...and not for a SHA256SUMS with one byte changed.
    let forged = keyring.path().join("SHA256SUMS");
    std::fs::write(&forged, sums.replacen('0', "1", 1)).expect("write forged sums");
    let bad = gpg(keyring.path())
        .arg("--verify")
        .arg(&sig)
        .arg(&forged)
        .output()
        .expect("run gpg --verify");
    assert!(!bad.status.success(), "a forged SHA256SUMS verified");
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("BAD signature"),
        "{bad:?}"
    );
}

#[test]
fn fresh_directory_installs_from_the_https_mirror_and_applies() {
    let mirror = release().out.join("mirror");
    let hashes = mirror_hashes(&mirror);
    let h1 = hashes
        .iter()
        .find(|h| h.starts_with("h1:"))
        .expect("an h1: hash in V.json")
        .clone();

    let server = StaticHttps::start(&mirror);
    let tf = Terraform::with_cli_config(&network_mirror_config(&server.url));
    tf.config(SLO);
    let cert = server.cert_file();
    let cert = cert.to_str().expect("UTF-8 temp path");
    let init = tf
        .run_with_env(
            &["init", "-no-color", "-input=false"],
            &[("SSL_CERT_FILE", cert)],
        )
        .success();
    assert!(
        init.flat().contains(&format!(
            "Installed {PROVIDER_SOURCE} v{PROVIDER_VERSION} (verified checksum)"
        )),
        "{init}"
    );
    // Terraform computed the archive's h1: itself, found it in the mirror's list and locked it.
    let lock = std::fs::read_to_string(tf.path().join(".terraform.lock.hcl")).expect("lock file");
    assert!(lock.contains(&format!("\"{h1}\"")), "{lock}");
    // Everything came from the server: the index, the version document and the archive.
    let requests = server.requests().join("\n");
    let package = format!("/registry.terraform.io/{PROVIDER_SOURCE}");
    for path in [
        format!("GET {package}/index.json "),
        format!("GET {package}/{PROVIDER_VERSION}.json "),
        format!("GET {package}/{} ", archive_name()),
    ] {
        assert!(requests.contains(&path), "no {path}in\n{requests}");
    }

    tf.apply().success();
    assert!(
        tf.path()
            .join("rules/slo_checkout@availability.yml")
            .is_file(),
        "the installed provider wrote no rule file"
    );
    tf.plan().code(0);
}

#[test]
fn mirror_h1_hash_is_the_one_terraform_computes_from_the_archive() {
    // A packed filesystem mirror holding the same archive: Terraform hashes it itself.
    let release = release();
    let mirror = tempfile::tempdir().expect("filesystem mirror");
    let dir = package_dir(mirror.path());
    std::fs::create_dir_all(&dir).expect("mirror layout");
    std::fs::copy(release.out.join(archive_name()), dir.join(archive_name())).expect("copy");
    let tf = Terraform::with_cli_config(&format!(
        "provider_installation {{\n  filesystem_mirror {{\n    path = {:?}\n  }}\n}}\n",
        mirror.path()
    ));
    tf.config("");
    tf.init();
    let lock = std::fs::read_to_string(tf.path().join(".terraform.lock.hcl")).expect("lock file");
    let computed: Vec<&str> = lock
        .lines()
        .filter_map(|l| l.trim().strip_prefix('"')?.strip_suffix("\","))
        .filter(|h| h.starts_with("h1:"))
        .collect();
    let listed: Vec<String> = mirror_hashes(&release.out.join("mirror"))
        .into_iter()
        .filter(|h| h.starts_with("h1:"))
        .collect();
    assert_eq!(computed, listed, "{lock}");
}

#[test]
fn tampered_archive_makes_init_fail() {
    let release = release();
    let mirror = tempfile::tempdir().expect("tampered mirror");
    let dir = package_dir(mirror.path());
    std::fs::create_dir_all(&dir).expect("mirror layout");
    for file in ["index.json".to_string(), format!("{PROVIDER_VERSION}.json")] {
        std::fs::copy(
            package_dir(&release.out.join("mirror")).join(&file),
            dir.join(&file),
        )
        .expect("copy the mirror's JSON");
    }
    // A well-formed archive with the right name whose binary has one byte appended: only
    // the hash check can tell it from the real one.
    let stage = tempfile::tempdir().expect("stage");
    let binary = format!("{NAME}_v{PROVIDER_VERSION}");
    let original = run(Command::new("unzip")
        .arg("-p")
        .arg(release.out.join(archive_name()))
        .arg(&binary));
    let mut bytes = original.stdout;
    assert!(bytes.len() > 1_000_000, "unzip -p printed no binary");
    bytes.push(0);
    std::fs::write(stage.path().join(&binary), bytes).expect("write tampered binary");
    run(Command::new("zip")
        .args(["-q", "-X"])
        .arg(dir.join(archive_name()))
        .arg(&binary)
        .current_dir(stage.path()));

    let server = StaticHttps::start(mirror.path());
    let tf = Terraform::with_cli_config(&network_mirror_config(&server.url));
    tf.config(SLO);
    let cert = server.cert_file();
    let init = tf.run_with_env(
        &["init", "-no-color", "-input=false"],
        &[("SSL_CERT_FILE", cert.to_str().expect("UTF-8 temp path"))],
    );
    assert_eq!(init.code, 1, "init accepted a tampered archive:\n{init}");
    assert!(
        init.flat()
            .contains("doesn't match the any of the expected checksums"),
        "{init}"
    );
    assert!(
        server.requests().iter().any(|r| r.contains(&format!(
            "GET /registry.terraform.io/{PROVIDER_SOURCE}/{}",
            archive_name()
        ))),
        "Terraform never downloaded the archive: {:?}",
        server.requests()
    );
    assert!(
        !tf.path().join(".terraform/providers").exists(),
        "a provider was installed"
    );
    assert!(!tf.path().join(".terraform.lock.hcl").exists());
}
