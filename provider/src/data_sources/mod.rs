//! One Terraform data source per file.

pub mod dashboard;
pub mod error_budget;
pub mod first_evaluation;
pub mod openslo;

use std::collections::HashMap;
use std::sync::Arc;

use tf_provider::schema::Schema;
use tf_provider::DynamicDataSource;

use crate::context::Context;

/// Every data source, keyed by its name without the `reliability_` prefix.
pub fn all(context: &Arc<Context>) -> HashMap<String, Box<dyn DynamicDataSource>> {
    let mut map: HashMap<String, Box<dyn DynamicDataSource>> = HashMap::new();
    map.insert(
        "error_budget".into(),
        Box::new(error_budget::ErrorBudgetDataSource::new(context.clone())),
    );
    map.insert("dashboard".into(), Box::new(dashboard::DashboardDataSource));
    map.insert("openslo".into(), Box::new(openslo::OpensloDataSource));
    map
}

/// Schemas of every data source, by name, for the docs.
pub fn schemas() -> Vec<(&'static str, Schema)> {
    vec![
        ("dashboard", dashboard::schema()),
        ("error_budget", error_budget::schema()),
        ("openslo", openslo::schema()),
    ]
}
