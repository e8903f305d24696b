//! Entry point of `terraform-provider-reliability`: serves plugin protocol 6.

use reliability_provider::backend::reload;
use reliability_provider::{nodelay, provider::ReliabilityProvider};

fn main() -> anyhow::Result<()> {
    // tf-provider appends a captured backtrace to every diagnostic when backtraces are enabled
    // (RUST_BACKTRACE=1 is common in developers' shells and CI): users would see hundreds of
    // frames under a validation error, and symbolising them takes seconds per diagnostic.
    // Library backtraces stay off unless RELIABILITY_DIAGNOSTIC_BACKTRACE is set; panics still
    // honour RUST_BACKTRACE. Set before any thread exists.
    if std::env::var_os("RELIABILITY_DIAGNOSTIC_BACKTRACE").is_none() {
        std::env::set_var("RUST_LIB_BACKTRACE", "0");
    }
    let served = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?
        .block_on(async {
            let serve = tf_provider::serve("reliability", ReliabilityProvider::default());
            // For benchmarks only: measure the stock server's ~40 ms per RPC.
            if std::env::var_os("RELIABILITY_NO_TCP_NODELAY").is_some() {
                return serve.await;
            }
            nodelay::with_nodelay(serve).await
        });
    // Terraform closes the provider once a command's resources are done and gives it two
    // seconds to exit: reload what is still pending. A failure here cannot reach the user;
    // the marker file left in the rules directory makes the next run retry and report it.
    for (url, err) in reload::flush_all() {
        eprintln!("reload of {url} at exit failed (the next run retries it): {err}");
    }
    served
}
