//! `relcheck lsp` in a real editor: Debian's Neovim (0.7.2, installed by
//! `scripts/setup.sh`), headless with no user configuration, set up with the Lua snippet
//! of policy-cli/README.md as written, opens a `.tf` file, receives relcheck's diagnostic,
//! hovers it, applies its quick fix and writes the file (`fixtures/lsp/neovim_driver.lua`).
//! The file on disk is then fixed, and `relcheck check` agrees.

mod support;

use std::process::{Command, Stdio};
use std::time::Duration;

use support::lsp::{path_with_relcheck, readme_block};

const MAIN_TF: &str = r#"# Orders — «primary» database
resource "aws_db_instance" "orders" {
  engine                  = "postgres"
  instance_class          = "db.t3.micro"
  multi_az                = false # «zonal» for now
  backup_retention_period = 7
}
"#;

#[test]
fn neovim_receives_diagnostics_and_applies_the_quick_fix() {
    let project = support::project(&[("main.tf", MAIN_TF)]);
    let config = tempfile::tempdir().unwrap();
    let snippet = config.path().join("relcheck.lua");
    std::fs::write(&snippet, readme_block("neovim-lsp")).unwrap();
    let result = config.path().join("result.json");
    let file = project.path().join("main.tf");
    let driver = support::fixture("lsp/neovim_driver.lua");

    let mut nvim = Command::new("nvim")
        .args(["--headless", "--clean", "-n", "-i", "NONE", "-c"])
        .arg(format!("luafile {}", driver.display()))
        .current_dir(project.path())
        .env("PATH", path_with_relcheck())
        // Neovim's own files (LSP log, state) in the test's directory, not the user's.
        .env("XDG_CONFIG_HOME", config.path().join("config"))
        .env("XDG_CACHE_HOME", config.path().join("cache"))
        .env("XDG_STATE_HOME", config.path().join("state"))
        .env("XDG_DATA_HOME", config.path().join("data"))
        .env("RELCHECK_NVIM_SNIPPET", &snippet)
        .env("RELCHECK_NVIM_FILE", &file)
        .env("RELCHECK_NVIM_RESULT", &result)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .expect("nvim runs (scripts/setup.sh installs Debian's neovim)");
    // Bounded: the driver's own waits are 30 s each; a hang fails the test.
    let mut status = None;
    for _ in 0..1200 {
        if let Some(s) = nvim.try_wait().unwrap() {
            status = Some(s);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    if status.is_none() {
        let _ = nvim.kill();
        let _ = nvim.wait();
    }
    let text = std::fs::read_to_string(&result)
        .unwrap_or_else(|e| panic!("no result from Neovim ({e}); exit status {status:?}"));
    let r: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(r["ok"], true, "Neovim driver: {r:#}");
    assert_eq!(r["clients"], 1, "{r:#}");
    assert_eq!(r["before"], serde_json::json!(["RC101"]), "{r:#}");
    assert_eq!(
        r["range"],
        serde_json::json!({"lnum": 4, "col": 2, "end_lnum": 4, "end_col": 33})
    );
    assert_eq!(r["title"], "relcheck RC101: set `multi_az = true`", "{r:#}");
    let hover = r["hover"].as_str().expect("hover text");
    assert!(hover.contains("# RC101 db-instance-single-az"), "{hover}");
    assert_eq!(r["after"], serde_json::json!([]), "{r:#}");

    // Written by Neovim: exactly the fix, the rest byte for byte.
    let on_disk = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        on_disk,
        MAIN_TF.replace("= false # «zonal»", "= true # «zonal»")
    );
    let check = support::relcheck(Some(project.path()), &["check", "--format", "json", "."]);
    assert_eq!(check.code, 0, "{}", check.stdout);
    assert_eq!(check.json()["findings"], serde_json::json!([]));
}
