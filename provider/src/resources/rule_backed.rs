//! [`RuleBacked`]: what a resource says about itself (schema, model, document names and
//! contents, import ids) so that [`rule_resource`](super::rule_resource) can do the
//! Terraform side once for all of them, and [`Outputs`], its generated attributes.

use serde::{Deserialize, Serialize};
use tf_provider::schema::Schema;
use tf_provider::value::ValueString;
use tf_provider::{AttributePath, Diagnostics};

use super::diagnostics::FieldErr;
use crate::backend::Backend;
use crate::context::Context;
use std::sync::Arc;

/// The generated attributes of a state: its id, its content hash, and per document (the
/// rule document first) the attribute with its location and the one with its content.
pub struct Outputs<'s, 'a> {
    pub id: &'s mut ValueString<'a>,
    pub hash: &'s mut ValueString<'a>,
    pub docs: Vec<(&'s mut ValueString<'a>, &'s mut ValueString<'a>)>,
}

/// A resource whose configuration becomes rule documents.
pub trait RuleBacked: Send + Sync + 'static {
    /// Terraform type name (`reliability_slo`).
    const TYPE_NAME: &'static str;
    /// Human name in messages ("SLO", "alert", "backup plan").
    const WHAT: &'static str;
    /// What an import id is, for the error when nothing matches.
    const ID_HINT: &'static str;
    /// The state, attribute for attribute.
    type State<'a>: Serialize + Deserialize<'a> + Send + Clone;
    /// The generator's model.
    type Spec;

    /// The resource schema.
    fn schema() -> Schema;
    /// Sets the defaults and the computed attributes that follow from the configuration
    /// alone (the id, derived numbers); the documents and their attributes are done here.
    fn fill(state: &mut Self::State<'_>);
    /// Checks what only the configuration as written shows (before [`fill`](Self::fill)
    /// sets defaults), e.g. two attributes that exclude each other.
    fn check_config(_config: &Self::State<'_>) -> Vec<FieldErr> {
        Vec::new()
    }
    /// Before [`fill`](Self::fill) at plan: clears what Terraform carried over from the
    /// prior state into an optional computed attribute that the configuration no longer
    /// sets, so that removing it brings its default back.
    fn unset_removed(_proposed: &mut Self::State<'_>, _config: &Self::State<'_>) {}
    /// The generator's model: `Ok(None)` while an input is unknown, `Err` when invalid.
    fn spec(state: &Self::State<'_>) -> Result<Option<Self::Spec>, Vec<FieldErr>>;
    /// The documents' names, rule document first, once the naming attributes are known.
    fn doc_names(state: &Self::State<'_>) -> Option<Vec<String>>;
    /// The documents' contents, in [`RuleBacked::doc_names`]' order.
    fn render(state: &Self::State<'_>, spec: &Self::Spec) -> Result<Vec<String>, String>;
    /// The generated attributes.
    fn outputs<'s, 'a: 's>(state: &'s mut Self::State<'a>) -> Outputs<'s, 'a>;
    /// Attributes whose change replaces the resource.
    fn replace_paths(prior: &Self::State<'_>, proposed: &Self::State<'_>) -> Vec<AttributePath>;
    /// Whether a stored document named `name` is the rule document of the import id `id`.
    fn is_rule_doc_of(name: &str, id: &str) -> bool;
    /// Whether resources with different documents can share an id (an SLO's
    /// `<service>-<name>`): a create then also looks for a stored document with its id.
    const SHARED_IDS: bool = false;
    /// The resource a rule document belongs to, for messages (an SLO's service and name).
    fn describe_doc(document: &str) -> String {
        document.to_string()
    }

    /// Where the documents go: the provider's rules destination, unless the resource's
    /// documents belong elsewhere (the notification policy's Alertmanager configuration).
    fn backend(context: &Context, diags: &mut Diagnostics) -> Option<Arc<dyn Backend>> {
        context.backend(diags)
    }
}
