//! The Terraform side every resource shares, written once over [`RuleBacked`]: plan
//! (compute the documents and every generated attribute), create/update/destroy through the
//! configured [`Backend`], read (drift: the stored documents replace `rules_yaml` and the
//! hash, so a plan shows the difference), and import by id. Each resource file says only
//! what is its own: schema, how its state becomes the generator's model, its document names
//! and contents, and how an import id finds its rule document.

use std::borrow::Cow;
use std::marker::PhantomData;
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::Schema;
use tf_provider::value::{Value, ValueEmpty, ValueString};
use tf_provider::{AttributePath, Diagnostics, Resource};

use super::diagnostics::{report, spec_at_apply, FieldErr};
use super::header::{documents_hash, embedded_config, CONFIG_PREFIX};
use super::identity;
use crate::backend::{Backend, Doc, Found, Outcome, Owner, Planned, Problem};
use crate::context::Context;

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

/// Adapts a [`RuleBacked`] resource to tf-provider's [`Resource`].
pub struct RuleResource<T> {
    context: Arc<Context>,
    _kind: PhantomData<fn() -> T>,
}

impl<T> RuleResource<T> {
    pub fn new(context: Arc<Context>) -> Self {
        RuleResource {
            context,
            _kind: PhantomData,
        }
    }
}

fn owned<'a>(s: String) -> ValueString<'a> {
    Value::Value(Cow::Owned(s))
}

fn report_problems(diags: &mut Diagnostics, problems: Vec<Problem>) {
    for p in problems {
        if p.warning {
            diags.root_warning(p.summary, p.detail);
        } else {
            diags.root_error(p.summary, p.detail);
        }
    }
}

/// Reports an outcome's problems; `Some` when it was done.
fn done(diags: &mut Diagnostics, outcome: Outcome) -> Option<()> {
    report_problems(diags, outcome.problems);
    outcome.done.then_some(())
}

/// The rendered documents of a valid, known state; reports why not otherwise (`Ok(None)`:
/// an input is still unknown).
fn documents<T: RuleBacked>(
    diags: &mut Diagnostics,
    state: &T::State<'_>,
) -> Result<Option<Vec<String>>, ()> {
    match T::spec(state) {
        Ok(Some(spec)) => match T::render(state, &spec) {
            Ok(contents) => Ok(Some(contents)),
            Err(e) => {
                diags.root_error(format!("Cannot generate {} rules", T::WHAT), e);
                Err(())
            }
        },
        Ok(None) => Ok(None),
        Err(errs) => {
            report(diags, errs);
            Err(())
        }
    }
}

/// Fills every computed attribute that follows from the configuration: defaults, the
/// documents' locations and contents (`rules_yaml`…) and their hash, each unknown while
/// what it depends on is.
fn compute<'a, T: RuleBacked>(
    diags: &mut Diagnostics,
    backend: &dyn Backend,
    state: T::State<'a>,
) -> T::State<'a> {
    compute_documents::<T>(diags, backend, state).0
}

/// [`compute`], also returning the rendered documents (`None` while unknown or invalid).
fn compute_documents<'a, T: RuleBacked>(
    diags: &mut Diagnostics,
    backend: &dyn Backend,
    mut state: T::State<'a>,
) -> (T::State<'a>, Option<Vec<String>>) {
    T::fill(&mut state);
    let names = T::doc_names(&state);
    let contents = documents::<T>(diags, &state).ok().flatten();
    let out = T::outputs(&mut state);
    for (i, (location, content)) in out.docs.into_iter().enumerate() {
        // A stored document's text is in the state only while it drifted (see `refresh`):
        // then the plan shows the difference, and the apply that repairs it keeps it
        // until the next refresh finds the stored copy right again.
        let drifted = content.is_value();
        let text = contents.as_ref().and_then(|c| c.get(i)).map(String::as_str);
        *location = match &names {
            Some(_) if contents.is_none() && backend.location_needs_content() => Value::Unknown,
            Some(n) => n
                .get(i)
                .and_then(|n| backend.location(n, text))
                .map_or(Value::Null, owned),
            None => Value::Unknown,
        };
        let stored_elsewhere = backend.stores() && location.is_value();
        *content = match &contents {
            Some(_) if stored_elsewhere && !drifted => Value::Null,
            Some(c) => c.get(i).cloned().map_or(Value::Null, owned),
            None => Value::Unknown,
        };
    }
    *out.hash = contents
        .as_deref()
        .map_or(Value::Unknown, |c| owned(documents_hash(c)));
    (state, contents)
}

/// Claims the resource's id in this process ([`identity`](super::identity)) and, for a
/// create of a type whose ids can be shared, checks the destination for another document
/// with that id; asks the backend whether the planned documents may go there
/// ([`Backend::claim_at_plan`]). Reports why not.
fn claim<T: RuleBacked>(
    diags: &mut Diagnostics,
    context: &Context,
    backend: &dyn Backend,
    state: &mut T::State<'_>,
    contents: Option<Vec<String>>,
    creating: bool,
) {
    if let Some(p) = identity_conflict::<T>(context, backend, state, creating) {
        report_problems(diags, vec![p]);
    }
    let out = T::outputs(state);
    let id = out
        .id
        .as_ref_option()
        .map(|s| s.to_string())
        .unwrap_or_default();
    let plan = Planned {
        owner: Owner {
            type_name: T::TYPE_NAME,
            id: &id,
        },
        creating,
        contents: contents.as_deref(),
    };
    if let Err(p) = tokio::task::block_in_place(|| backend.claim_at_plan(&plan)) {
        report_problems(diags, vec![p]);
    }
}

/// Why the resource's id cannot be claimed, if it cannot (see [`claim`]).
fn identity_conflict<T: RuleBacked>(
    context: &Context,
    backend: &dyn Backend,
    state: &mut T::State<'_>,
    creating: bool,
) -> Option<Problem> {
    let document = T::doc_names(state)?.into_iter().next()?;
    let out = T::outputs(state);
    let id = out.id.as_ref_option()?.to_string();
    // The documents' hash stands for their content (the state keeps stored text out).
    let hash = out.hash.as_ref_option().map(|h| h.to_string());
    let resource = identity::Claimant {
        type_name: T::TYPE_NAME,
        what: T::WHAT,
        id: &id,
        document: &document,
        hash: hash.as_deref(),
        describe: &T::describe_doc,
    };
    let shared = creating && T::SHARED_IDS;
    identity::check(&context.identities, backend, &resource, shared, &|name| {
        T::is_rule_doc_of(name, &id)
    })
}

/// The known locations of a state's documents.
fn locations<T: RuleBacked>(state: &mut T::State<'_>) -> Vec<String> {
    T::outputs(state)
        .docs
        .into_iter()
        .filter_map(|(l, _)| l.as_ref_option().map(|l| l.to_string()))
        .collect()
}

/// Replaces the documents' contents and hash with what the destination holds. `Some(false)`
/// when the rule document is gone (the resource no longer exists); a missing later document
/// reads as empty, which plans an update. `None` after an error.
fn refresh<T: RuleBacked>(
    diags: &mut Diagnostics,
    backend: &dyn Backend,
    state: &mut T::State<'_>,
) -> Option<bool> {
    if !backend.stores() {
        return Some(true);
    }
    let locations = locations::<T>(state);
    if locations.is_empty() {
        return Some(true);
    }
    let stored = match backend.get(&locations) {
        Ok(s) => s,
        Err(p) => {
            report_problems(diags, vec![p]);
            return None;
        }
    };
    if stored.first().is_none_or(Option::is_none) {
        return Some(false);
    }
    // Byte for byte what the last apply wrote (its hash is in the state): nothing drifted,
    // and nothing needs rendering (a rules directory keeps what it was given).
    {
        let out = T::outputs(state);
        let with_location: Vec<bool> = out.docs.iter().map(|(l, _)| l.is_value()).collect();
        let texts_known = out
            .docs
            .iter()
            .zip(&with_location)
            .all(|((_, c), located)| *located || c.is_value());
        if texts_known && stored.iter().all(Option::is_some) {
            let mut it = stored.iter().flatten();
            let texts: Vec<String> = out
                .docs
                .iter()
                .map(|(l, c)| match l.is_value() {
                    true => it.next().cloned().unwrap_or_default(),
                    false => c.as_ref_option().map(|c| c.to_string()).unwrap_or_default(),
                })
                .collect();
            if out.hash.as_ref_option().map(|h| h.to_string()) == Some(documents_hash(&texts)) {
                for (location, content) in out.docs {
                    if location.is_value() {
                        *content = Value::Null;
                    }
                }
                return Some(true);
            }
        }
    }
    // What this provider writes for the state's configuration (a state whose configuration
    // no longer renders compares with its recorded text instead).
    let mut quiet = Diagnostics::default();
    let rendered = documents::<T>(&mut quiet, state).ok().flatten();
    let out = T::outputs(state);
    let mut stored = stored.into_iter();
    // A stored document that means what this provider writes (a ruler drops the header
    // comment) is kept out of the state (`null`: small states, fast plans); any other is
    // recorded as stored, so a plan shows the drift. A document kept nowhere (no
    // location) keeps its computed text.
    let mut texts = Vec::new();
    for (i, (location, content)) in out.docs.into_iter().enumerate() {
        let written = rendered
            .as_ref()
            .and_then(|r| r.get(i).cloned())
            .or_else(|| content.as_ref_option().map(|c| c.to_string()));
        if !location.is_value() {
            texts.push(written.unwrap_or_default());
            continue;
        }
        let stored = stored.next().flatten().unwrap_or_default();
        match written {
            Some(w) if backend.same(&w, &stored) => {
                *content = Value::Null;
                texts.push(w);
            }
            _ => {
                *content = owned(stored.clone());
                texts.push(stored);
            }
        }
    }
    *out.hash = owned(documents_hash(&texts));
    Some(true)
}

/// Writes the documents of a fully known state; returns it with its generated attributes.
fn apply<'a, T: RuleBacked>(
    diags: &mut Diagnostics,
    backend: &dyn Backend,
    planned: T::State<'a>,
    creating: bool,
) -> Option<T::State<'a>> {
    let mut state = compute::<T>(diags, backend, planned);
    spec_at_apply(diags, T::TYPE_NAME, T::spec(&state))?;
    let contents = documents::<T>(diags, &state).ok().flatten()?;
    let names = T::doc_names(&state)?;
    let docs: Vec<Doc> = names
        .into_iter()
        .zip(contents)
        .map(|(name, content)| Doc { name, content })
        .collect();
    let id = T::outputs(&mut state)
        .id
        .as_ref_option()
        .map(|s| s.to_string())
        .unwrap_or_default();
    let owner = Owner {
        type_name: T::TYPE_NAME,
        id: &id,
    };
    done(diags, backend.put(&docs, creating.then_some(owner)))?;
    Some(state)
}

#[async_trait]
impl<T: RuleBacked> Resource for RuleResource<T> {
    type State<'a> = T::State<'a>;
    type PrivateState<'a> = ValueEmpty;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(T::schema())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        let mut config = config;
        report(diags, T::check_config(&config));
        T::fill(&mut config);
        if let Err(errs) = T::spec(&config) {
            report(diags, errs);
        }
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        mut state: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let backend = T::backend(&self.context, diags)?;
        match tokio::task::block_in_place(|| refresh::<T>(diags, backend.as_ref(), &mut state)) {
            Some(false) => None,
            _ => Some((state, private)),
        }
    }

    async fn plan_create<'a>(
        &self,
        diags: &mut Diagnostics,
        mut proposed: Self::State<'a>,
        config: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let backend = T::backend(&self.context, diags)?;
        T::unset_removed(&mut proposed, &config);
        let (mut state, docs) = compute_documents::<T>(diags, backend.as_ref(), proposed);
        claim::<T>(
            diags,
            &self.context,
            backend.as_ref(),
            &mut state,
            docs,
            true,
        );
        Some((state, ValueEmpty::default()))
    }

    async fn plan_update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        mut proposed: Self::State<'a>,
        config: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>, Vec<AttributePath>)> {
        let backend = T::backend(&self.context, diags)?;
        T::unset_removed(&mut proposed, &config);
        let replace = T::replace_paths(&prior, &proposed);
        let (mut state, docs) = compute_documents::<T>(diags, backend.as_ref(), proposed);
        claim::<T>(
            diags,
            &self.context,
            backend.as_ref(),
            &mut state,
            docs,
            false,
        );
        Some((state, private, replace))
    }

    async fn plan_destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<Self::PrivateState<'a>> {
        Some(private)
    }

    async fn create<'a>(
        &self,
        diags: &mut Diagnostics,
        planned: Self::State<'a>,
        _config: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let backend = T::backend(&self.context, diags)?;
        apply::<T>(diags, backend.as_ref(), planned, true).map(|s| (s, private))
    }

    async fn update<'a>(
        &self,
        diags: &mut Diagnostics,
        mut prior: Self::State<'a>,
        planned: Self::State<'a>,
        _config: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let backend = T::backend(&self.context, diags)?;
        let mut new = apply::<T>(diags, backend.as_ref(), planned, false)?;
        // Documents that moved (the destination changed, a ruler group was renamed) are
        // removed from their old place.
        let current = locations::<T>(&mut new);
        let old = locations::<T>(&mut prior);
        done(diags, backend.retire(&old, &current));
        Some((new, private))
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        mut prior: Self::State<'a>,
        _private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        let backend = T::backend(&self.context, diags)?;
        done(diags, backend.delete(&locations::<T>(&mut prior)))
    }

    async fn import<'a>(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let backend = T::backend(&self.context, diags)?;
        let (what, backend) = (T::WHAT, backend.as_ref());
        let fail = |diags: &mut Diagnostics, msg: String| {
            diags.root_error(format!("Cannot import {what}"), msg);
            None
        };
        let mut found = match backend.lookup(&|name| T::is_rule_doc_of(name, &id)) {
            Ok(n) => n,
            Err(p) => return fail(diags, p.detail),
        };
        let Found { name, location } = match found.len() {
            1 => found.remove(0),
            0 => {
                return fail(
                    diags,
                    format!(
                        "no {what} with id {id:?} in {}: {}",
                        backend.describe(),
                        T::ID_HINT
                    ),
                )
            }
            _ => {
                return fail(
                    diags,
                    format!(
                        "the id {id:?} matches several {what}s in {} ({}); remove the stale one",
                        backend.describe(),
                        found
                            .iter()
                            .map(|f| f.location.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            }
        };
        let content = match backend.get(std::slice::from_ref(&location)) {
            Ok(mut c) => match c.pop().flatten() {
                Some(c) => c,
                None => return fail(diags, format!("{location} disappeared during the import")),
            },
            Err(p) => return fail(diags, p.detail),
        };
        let Some(json) = embedded_config(&content) else {
            return fail(
                diags,
                format!(
                    "{location} has no `{}` header line, so it was not written by this provider \
                     (or the header was removed); remove it and let terraform apply create it",
                    CONFIG_PREFIX.trim()
                ),
            );
        };
        let value: serde_json::Value = match serde_json::from_str(json) {
            Ok(v) => v,
            Err(e) => {
                return fail(
                    diags,
                    format!("the configuration header of {location} is not valid JSON: {e}"),
                )
            }
        };
        let state = match T::State::deserialize(value) {
            Ok(s) => s,
            Err(e) => {
                return fail(
                    diags,
                    format!(
                        "the configuration header of {location} does not describe a {what}: {e}"
                    ),
                )
            }
        };
        let mut state = compute::<T>(diags, backend, state);
        if T::doc_names(&state).and_then(|n| n.into_iter().next()) != Some(name) {
            return fail(
                diags,
                format!(
                    "the configuration header of {location} names another {what} than its \
                     name; remove it and let terraform apply create it"
                ),
            );
        }
        tokio::task::block_in_place(|| refresh::<T>(diags, backend, &mut state))?;
        Some((state, ValueEmpty::default()))
    }
}
