//! One Terraform resource per file.

use std::collections::HashMap;
use std::sync::Arc;

use tf_provider::DynamicResource;

use crate::provider::Context;

/// Every resource of the provider, keyed by its name without the `reliability_` prefix.
pub fn all(_context: &Arc<Context>) -> HashMap<String, Box<dyn DynamicResource>> {
    HashMap::new()
}
