//! Every `hcl` block of README.md, as written, through the real Terraform CLI:
//! - a CLI configuration (`provider_installation`) is read by `terraform version`, which
//!   reports what it cannot parse (nothing is fetched: its mirror is not on loopback);
//! - the Grafana provider snippet is part of `examples/grafana-provider`, which
//!   `tests/dashboard.rs` applies as written (and checks the snippet against);
//! - every other block is a configuration: it initialises, applies (a server it names that
//!   is not up is a warning, never a failure) and re-plans empty.

use reliability_e2e::{workspace_root, Terraform};

/// The README's `hcl` blocks, dedented (a list item's block is indented).
fn hcl_blocks() -> Vec<String> {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
    let mut blocks = Vec::new();
    let mut lines = readme.lines();
    while let Some(line) = lines.next() {
        let indent = line.len() - line.trim_start().len();
        if line.trim_start() != "```hcl" {
            continue;
        }
        let mut block = String::new();
        for l in lines.by_ref() {
            if l.trim_start() == "```" {
                break;
            }
            block.push_str(l.get(indent..).unwrap_or(""));
            block.push('\n');
        }
        blocks.push(block);
    }
    blocks
}

#[test]
fn every_readme_hcl_block_runs_as_written() {
    let blocks = hcl_blocks();
    assert!(
        blocks.len() >= 5,
        "{} hcl blocks in README.md",
        blocks.len()
    );
    let mut configurations = 0;
    for block in &blocks {
        if block.contains("grafana_dashboard") {
            continue;
        }
        let tf = Terraform::new();
        if block.contains("provider_installation") {
            tf.write("cli.tfrc", block);
            let cli = tf.path().join("cli.tfrc");
            let out = tf.run_with_env(
                &["version"],
                &[("TF_CLI_CONFIG_FILE", cli.to_str().unwrap())],
            );
            assert_eq!(out.code, 0, "{out}");
            assert!(
                !out.flat().contains("problems with the CLI configuration"),
                "{block}\n{out}"
            );
            continue;
        }
        configurations += 1;
        if block.contains("required_providers") {
            tf.write("main.tf", block);
        } else {
            tf.config(block);
        }
        tf.init();
        let creates = block.contains("resource \"");
        assert_eq!(tf.plan().code, if creates { 2 } else { 0 }, "{block}");
        let out = tf.apply();
        assert_eq!(out.code, 0, "{block}\n{out}");
        // What it writes, it writes where it says, inside the working directory.
        for (attr, written_by) in [
            (
                "rules_dir",
                &[
                    "reliability_slo",
                    "reliability_alert",
                    "reliability_backup_plan",
                ][..],
            ),
            ("config_file", &["reliability_notification_policy"][..]),
        ] {
            let Some(path) = string_attribute(block, attr) else {
                continue;
            };
            assert!(
                !path.starts_with('/'),
                "{attr} outside the test's directory:\n{block}"
            );
            if written_by
                .iter()
                .any(|t| block.contains(&format!("resource \"{t}\"")))
            {
                assert!(
                    tf.path().join(&path).exists(),
                    "{attr} {path} written:\n{block}"
                );
            }
        }
        let out = tf.plan();
        assert_eq!(out.code, 0, "re-plan after apply is empty:\n{block}\n{out}");
    }
    assert!(configurations >= 3, "{configurations} configurations");
}

/// The string value of `attr = "..."` in `block`, if it sets one.
fn string_attribute(block: &str, attr: &str) -> Option<String> {
    block.lines().find_map(|l| {
        let (name, value) = l.split_once('=')?;
        (name.trim() == attr).then_some(())?;
        let value = value.trim().strip_prefix('"')?;
        Some(value[..value.find('"')?].to_string())
    })
}
