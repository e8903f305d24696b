//! One Terraform resource per file.

pub mod alert;
pub mod backup_plan;
pub mod common;
pub mod file_resource;
pub mod slo;

use std::collections::HashMap;
use std::sync::Arc;

use tf_provider::DynamicResource;

use crate::provider::Context;
use file_resource::FileResource;

/// Every resource of the provider, keyed by its name without the `reliability_` prefix.
pub fn all(context: &Arc<Context>) -> HashMap<String, Box<dyn DynamicResource>> {
    let mut map: HashMap<String, Box<dyn DynamicResource>> = HashMap::new();
    map.insert(
        "slo".into(),
        Box::new(FileResource::<slo::Slo>::new(context.clone())),
    );
    map.insert(
        "alert".into(),
        Box::new(FileResource::<alert::Alert>::new(context.clone())),
    );
    map.insert(
        "backup_plan".into(),
        Box::new(FileResource::<backup_plan::BackupPlan>::new(
            context.clone(),
        )),
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

/// At create time: writes `file_name` only if it does not exist yet (atomically, so that
/// of two applies creating the same file exactly one wins). An existing file with the same
/// content (left by an interrupted apply) is adopted; one with other content is refused,
/// as another configuration may own it.
pub(crate) fn claim_new_file(
    diags: &mut tf_provider::Diagnostics,
    settings: &crate::settings::Settings,
    file_name: &str,
    content: &str,
    type_name: &str,
    id: &str,
) -> Option<()> {
    use crate::backend::dir::{describe_io_error, RulesDir};
    let dir = RulesDir::new(&settings.rules_dir);
    match dir.create_new(file_name, content) {
        Ok(_) => Some(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            common::check_not_foreign(diags, &dir.root().join(file_name), content, type_name, id)
        }
        Err(e) => {
            diags.root_error(
                "Cannot write rule file",
                describe_io_error("write", &dir.root().join(file_name), &e),
            );
            None
        }
    }
}
