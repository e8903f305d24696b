//! Entry point of `terraform-provider-reliability`: serves plugin protocol 6.

use reliability_provider::{nodelay, provider::ReliabilityProvider};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    nodelay::with_nodelay(tf_provider::serve(
        "reliability",
        ReliabilityProvider::default(),
    ))
    .await
}
