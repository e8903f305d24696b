//! The Terraform side every file-backed resource shares: read (drift through the files'
//! hash), plan, create/update/destroy and import, written once over [`FileBacked`]. Each
//! resource file says only what is its own: schema, how its state becomes files, and how an
//! import id finds its file.

use std::borrow::Cow;
use std::marker::PhantomData;
use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::Schema;
use tf_provider::value::{Value, ValueEmpty, ValueString};
use tf_provider::{AttributePath, Diagnostics, Resource};

use super::common;
use crate::provider::Context;
use crate::settings::Settings;

/// A resource materialised as files in the rules directory.
pub trait FileBacked: Send + Sync + 'static {
    /// Human name in messages ("SLO", "alert", "backup plan").
    const WHAT: &'static str;
    /// The state, attribute for attribute.
    type State<'a>: Serialize + Deserialize<'a> + Send + Clone;

    /// The resource schema.
    fn schema() -> Schema;
    /// Adds attribute errors for known, invalid values (unknown values are skipped).
    fn validate(diags: &mut Diagnostics, config: &Self::State<'_>);
    /// Fills the computed attributes that follow from the configuration (and validates).
    fn compute<'a>(
        diags: &mut Diagnostics,
        state: Self::State<'a>,
        settings: &Settings,
    ) -> Self::State<'a>;
    /// Writes the files of a fully known state; returns it with its computed values.
    fn apply<'a>(
        diags: &mut Diagnostics,
        settings: &Settings,
        planned: Self::State<'a>,
        creating: bool,
    ) -> Option<Self::State<'a>>;
    /// Attributes whose change replaces the resource.
    fn replace_paths(prior: &Self::State<'_>, proposed: &Self::State<'_>) -> Vec<AttributePath>;
    /// The `content_sha256` attribute.
    fn hash_mut<'s, 'a>(state: &'s mut Self::State<'a>) -> &'s mut ValueString<'a>;
    /// Absolute paths of the files the state owns (the rule file first), as far as known.
    fn files(state: &Self::State<'_>) -> Vec<String>;
    /// The rule file name that an import id refers to.
    fn import_file_name(settings: &Settings, id: &str) -> Result<String, String>;
}

/// Adapts a [`FileBacked`] resource to tf-provider's [`Resource`].
pub struct FileResource<T> {
    context: Arc<Context>,
    _kind: PhantomData<fn() -> T>,
}

impl<T> FileResource<T> {
    pub fn new(context: Arc<Context>) -> Self {
        FileResource {
            context,
            _kind: PhantomData,
        }
    }
}

fn file_name_of(path: &str) -> Option<&str> {
    Path::new(path).file_name().and_then(|n| n.to_str())
}

#[async_trait]
impl<T: FileBacked> Resource for FileResource<T> {
    type State<'a> = T::State<'a>;
    type PrivateState<'a> = ValueEmpty;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(T::schema())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        T::validate(diags, &config);
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        mut state: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let files = T::files(&state);
        if files.is_empty() {
            return Some((state, private));
        }
        let paths: Vec<&str> = files.iter().map(String::as_str).collect();
        match common::read_hash(diags, &paths) {
            Some(None) => None,
            Some(Some(hash)) => {
                *T::hash_mut(&mut state) = Value::Value(Cow::Owned(hash));
                Some((state, private))
            }
            None => Some((state, private)),
        }
    }

    async fn plan_create<'a>(
        &self,
        diags: &mut Diagnostics,
        proposed: Self::State<'a>,
        _config: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let settings = self.context.settings(diags)?;
        Some((
            T::compute(diags, proposed, &settings),
            ValueEmpty::default(),
        ))
    }

    async fn plan_update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        proposed: Self::State<'a>,
        _config: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>, Vec<AttributePath>)> {
        let settings = self.context.settings(diags)?;
        let replace = T::replace_paths(&prior, &proposed);
        Some((T::compute(diags, proposed, &settings), private, replace))
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
        let settings = self.context.settings(diags)?;
        T::apply(diags, &settings, planned, true).map(|s| (s, private))
    }

    async fn update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        planned: Self::State<'a>,
        _config: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let settings = self.context.settings(diags)?;
        let new = T::apply(diags, &settings, planned, false)?;
        // Files that moved (rules_dir changed) are removed from their old place.
        let current = T::files(&new);
        let stale: Vec<String> = T::files(&prior)
            .into_iter()
            .filter(|f| !current.contains(f))
            .collect();
        if !stale.is_empty() {
            common::remove_files(diags, &settings, &stale);
        }
        Some((new, private))
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        _private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        let settings = self.context.settings(diags)?;
        common::remove_files(diags, &settings, &T::files(&prior))
    }

    async fn import<'a>(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let what = T::WHAT;
        let settings = self.context.settings(diags)?;
        let file = match T::import_file_name(&settings, &id) {
            Ok(f) => f,
            Err(e) => {
                diags.root_error(format!("Cannot import {what}"), e);
                return None;
            }
        };
        let (path, _content, value) = common::import_file(diags, &settings, &file, what, &id)?;
        let state = match T::State::deserialize(value) {
            Ok(s) => s,
            Err(e) => {
                diags.root_error(
                    format!("Cannot import {what}"),
                    format!(
                        "the configuration header of {} does not describe a {what}: {e}",
                        path.display()
                    ),
                );
                return None;
            }
        };
        let mut state = T::compute(diags, state, &settings);
        let files = T::files(&state);
        if files.first().and_then(|f| file_name_of(f)) != Some(file.as_str()) {
            diags.root_error(
                format!("Cannot import {what}"),
                format!(
                    "the configuration header of {} names another {what} than its file name; \
                     remove the file and let terraform apply create it",
                    path.display()
                ),
            );
            return None;
        }
        let paths: Vec<&str> = files.iter().map(String::as_str).collect();
        if let Some(Some(hash)) = common::read_hash(diags, &paths) {
            *T::hash_mut(&mut state) = Value::Value(Cow::Owned(hash));
        }
        Some((state, ValueEmpty::default()))
    }
}
