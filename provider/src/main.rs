//! Entry point of `terraform-provider-reliability`: serves plugin protocol 6.

use reliability_provider::{nodelay, provider::ReliabilityProvider};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let serve = tf_provider::serve("reliability", ReliabilityProvider::default());
    // For benchmarks only: measure the stock server's ~40 ms per RPC.
    if std::env::var_os("RELIABILITY_NO_TCP_NODELAY").is_some() {
        return serve.await;
    }
    nodelay::with_nodelay(serve).await
}
