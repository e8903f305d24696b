//! Entry point of `terraform-provider-reliability`: serves plugin protocol 6.

use reliability_provider::backend::reload;
use reliability_provider::{nodelay, provider::ReliabilityProvider};

fn main() -> anyhow::Result<()> {
    let served = nodelay::serve_plugin("reliability", ReliabilityProvider::default());
    // Terraform closes the provider once a command's resources are done and gives it two
    // seconds to exit: reload what is still pending. A failure here cannot reach the user;
    // the marker file left in the rules directory makes the next run retry and report it.
    for (url, err) in reload::flush_all() {
        eprintln!("reload of {url} at exit failed (the next run retries it): {err}");
    }
    served
}
