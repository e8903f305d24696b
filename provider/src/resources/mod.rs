//! One Terraform resource per file.

pub mod alert;
pub mod backup_plan;
pub mod common;
pub mod slo;

use std::collections::HashMap;
use std::sync::Arc;

use tf_provider::DynamicResource;

use crate::provider::Context;

/// Every resource of the provider, keyed by its name without the `reliability_` prefix.
pub fn all(context: &Arc<Context>) -> HashMap<String, Box<dyn DynamicResource>> {
    let mut map: HashMap<String, Box<dyn DynamicResource>> = HashMap::new();
    map.insert(
        "slo".into(),
        Box::new(slo::SloResource::new(context.clone())),
    );
    map.insert(
        "alert".into(),
        Box::new(alert::AlertResource::new(context.clone())),
    );
    map.insert(
        "backup_plan".into(),
        Box::new(backup_plan::BackupPlanResource::new(context.clone())),
    );
    map
}

/// Schemas of every resource, by name, for the docs.
pub fn schemas() -> Vec<(&'static str, tf_provider::schema::Schema)> {
    vec![
        ("slo", slo::schema()),
        ("alert", alert::schema()),
        ("backup_plan", backup_plan::schema()),
    ]
}
