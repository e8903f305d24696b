//! The Terraform side every resource shares, written once over [`RuleBacked`]: plan
//! (compute the documents and every generated attribute), create/update/destroy through the
//! configured [`Backend`], read (drift: the stored documents replace `rules_yaml` and the
//! hash, so a plan shows the difference), and import by id. Each resource file says only
//! what is its own: schema, how its state becomes the generator's model, its document names
//! and contents, and how an import id finds its rule document.

use std::marker::PhantomData;
use std::sync::Arc;

use async_trait::async_trait;
use serde::Deserialize;
use tf_provider::schema::Schema;
use tf_provider::value::ValueEmpty;
use tf_provider::{AttributePath, Diagnostics, Resource};

use super::diagnostics::{report, unknown_at_apply};
use super::header::{embedded_config, CONFIG_PREFIX};
use crate::backend::{Backend, Doc, Found, Owner};
use crate::context::Context;

use super::documents::{claim, compute, compute_documents, done, locations, refresh};
pub use super::rule_backed::{Outputs, RuleBacked};

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

/// Writes the documents of a fully known state; returns it with its generated attributes.
fn apply<'a, T: RuleBacked>(
    diags: &mut Diagnostics,
    backend: &dyn Backend,
    planned: T::State<'a>,
    creating: bool,
) -> Option<T::State<'a>> {
    let (mut state, contents) = compute_documents::<T>(diags, backend, planned);
    let Some(contents) = contents else {
        // Nothing rendered and nothing reported (an invalid state was): an input is unknown.
        if diags.errors.is_empty() {
            unknown_at_apply(diags, T::TYPE_NAME);
        }
        return None;
    };
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
    // Blocking I/O (fsyncs, HTTP) off the runtime's two workers: Terraform applies up to 10
    // resources at once, and their fsyncs then share the file system's journal commits.
    let outcome = tokio::task::block_in_place(|| backend.put(&docs, creating.then_some(owner)));
    done(diags, outcome)?;
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
        done(
            diags,
            tokio::task::block_in_place(|| backend.retire(&old, &current)),
        );
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
        let locations = locations::<T>(&mut prior);
        done(
            diags,
            tokio::task::block_in_place(|| backend.delete(&locations)),
        )
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
