//! The test stand-in for `grafana/grafana` (`provider/examples/grafana_provider.rs`, built
//! once per test process) in a filesystem mirror, beside our provider: a [`Terraform`]
//! working directory for the dashboard examples that use `grafana_dashboard`.

use std::path::PathBuf;
use std::sync::OnceLock;

use crate::{workspace_example, Terraform};

/// The version the stand-in is mirrored under.
pub const GRAFANA_VERSION: &str = "3.25.0";

/// A filesystem mirror holding the `grafana/grafana` stand-in, shared by one test process.
pub fn grafana_mirror() -> PathBuf {
    static MIRROR: OnceLock<PathBuf> = OnceLock::new();
    MIRROR
        .get_or_init(|| {
            crate::mirror_beside(
                &workspace_example("terraform-provider-reliability", "grafana_provider"),
                "e2e-grafana-mirror",
                "grafana/grafana",
                GRAFANA_VERSION,
            )
        })
        .clone()
}

/// A Terraform working directory that installs `grafana/grafana` from [`grafana_mirror`]
/// and our provider from the test mirror of [`Terraform::new`].
pub fn grafana_terraform() -> Terraform {
    let grafana = grafana_mirror();
    let ours = crate::provider_mirror();
    Terraform::with_cli_config(&format!(
        "provider_installation {{\n  filesystem_mirror {{\n    path    = {grafana:?}\n    \
         include = [\"registry.terraform.io/grafana/grafana\"]\n  }}\n  filesystem_mirror {{\n    \
         path    = {ours:?}\n    include = [\"registry.terraform.io/{}\"]\n  }}\n}}\n\
         disable_checkpoint = true\n",
        crate::PROVIDER_SOURCE
    ))
}
