//! The render-only destination (`render_only = true`): nothing is written anywhere. The
//! resources compute their `rules_yaml` (and a backup plan its `plan_json`) for another
//! provider to ship: a `kubernetes_manifest` PrometheusRule, a ConfigMap, a file committed
//! to a GitOps repository.

use super::{Backend, Doc, Found, Outcome, Owner, Problem};

/// Stores nothing: writes and removals succeed without doing anything, reads find no drift.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOnly;

impl Backend for RenderOnly {
    fn describe(&self) -> String {
        "nowhere (render_only = true)".to_string()
    }

    fn stores(&self) -> bool {
        false
    }

    fn location(&self, _name: &str, _content: Option<&str>) -> Option<String> {
        None
    }

    fn get(&self, locations: &[String]) -> Result<Vec<Option<String>>, Problem> {
        Ok(vec![None; locations.len()])
    }

    fn put(&self, _docs: &[Doc], _creating: Option<Owner<'_>>) -> Outcome {
        Outcome::ok()
    }

    /// Files written under an earlier configuration are left where they are: this
    /// destination writes and removes nothing.
    fn delete(&self, _locations: &[String]) -> Outcome {
        Outcome::ok()
    }

    fn lookup(&self, _matches: &dyn Fn(&str) -> bool) -> Result<Vec<Found>, Problem> {
        Err(Problem::new(
            "Nothing to import",
            "the provider is configured with render_only = true, so it stores no rules to \
             import from: add the resource to the configuration instead (it is only rendered)",
        ))
    }
}
