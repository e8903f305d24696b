//! One Terraform resource per file ([`slo`], [`alert`], [`backup_plan`],
//! [`notification_policy`]) over the shared
//! [`rule_resource`] layer; adding one is one file and one line in [`all`] and [`schemas`].
//! The rest is what they share: exact numbers ([`num`]), the managed-document header
//! ([`header`]), diagnostics ([`diagnostics`]) and schema builders ([`schema`]).

pub mod alert;
pub mod backup_plan;
pub mod diagnostics;
mod documents;
pub mod header;
pub mod identity;
pub mod notification_policy;
pub mod num;
pub mod rule_backed;
pub mod rule_resource;
pub mod schema;
pub mod slo;

use std::collections::HashMap;
use std::sync::Arc;

use tf_provider::schema::Schema;
use tf_provider::DynamicResource;

use crate::context::Context;
use rule_resource::{RuleBacked, RuleResource};

/// A resource: its name without the `reliability_` prefix, its constructor and its schema.
type Entry = (
    &'static str,
    fn(Arc<Context>) -> Box<dyn DynamicResource>,
    fn() -> Schema,
);

fn entry<T: RuleBacked>(name: &'static str) -> Entry {
    (
        name,
        |context| Box::new(RuleResource::<T>::new(context)),
        T::schema,
    )
}

/// Every resource of the provider.
fn registry() -> [Entry; 4] {
    [
        entry::<slo::Slo>("slo"),
        entry::<alert::Alert>("alert"),
        entry::<backup_plan::BackupPlan>("backup_plan"),
        entry::<notification_policy::NotificationPolicy>("notification_policy"),
    ]
}

/// Every resource of the provider, keyed by its name without the `reliability_` prefix.
pub fn all(context: &Arc<Context>) -> HashMap<String, Box<dyn DynamicResource>> {
    registry()
        .into_iter()
        .map(|(name, new, _)| (name.to_string(), new(context.clone())))
        .collect()
}

/// Schemas of every resource, by name, for the docs.
pub fn schemas() -> Vec<(&'static str, Schema)> {
    registry()
        .into_iter()
        .map(|(name, _, schema)| (name, schema()))
        .collect()
}
