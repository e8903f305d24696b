//! One Terraform data source per file.

use std::collections::HashMap;
use std::sync::Arc;

use tf_provider::schema::Schema;
use tf_provider::DynamicDataSource;

use crate::provider::Context;

/// Every data source, keyed by its name without the `reliability_` prefix.
pub fn all(_context: &Arc<Context>) -> HashMap<String, Box<dyn DynamicDataSource>> {
    HashMap::new()
}

/// Schemas of every data source, by name, for the docs.
pub fn schemas() -> Vec<(&'static str, Schema)> {
    Vec::new()
}
