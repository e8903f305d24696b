//! Entry point of `terraform-provider-reliability`: serves plugin protocol 6.

use reliability_provider::{nodelay, provider::ReliabilityProvider};

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    nodelay::with_nodelay(tf_provider::serve("reliability", ReliabilityProvider::default())).await
}
