//! A state's documents and where they stand, for every [`RuleBacked`] resource: computed at
//! plan (with their locations, contents and hash), claimed at plan (ids, ownership), and
//! refreshed at read (drift: a stored copy that differs replaces the state's text). The
//! state keeps a stored document's text out unless it drifted (ARCHITECTURE.md, "State
//! stays small").

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use tf_provider::value::{Value, ValueString};
use tf_provider::Diagnostics;

use super::diagnostics::report;
use super::header::documents_hash;
use super::identity;
use super::rule_backed::{Outputs, RuleBacked};
use crate::backend::{Backend, Outcome, Owner, Planned, Problem};
use crate::context::Context;

pub(super) fn owned<'a>(s: String) -> ValueString<'a> {
    Value::Value(Cow::Owned(s))
}

pub(super) fn report_problems(diags: &mut Diagnostics, problems: Vec<Problem>) {
    for p in problems {
        if p.warning {
            diags.root_warning(p.summary, p.detail);
        } else {
            diags.root_error(p.summary, p.detail);
        }
    }
}

/// Reports an outcome's problems; `Some` when it was done.
pub(super) fn done(diags: &mut Diagnostics, outcome: Outcome) -> Option<()> {
    report_problems(diags, outcome.problems);
    outcome.done.then_some(())
}

/// The rendered documents of a valid, known state; reports why not otherwise (`Ok(None)`:
/// an input is still unknown).
pub(super) fn documents<T: RuleBacked>(
    diags: &mut Diagnostics,
    state: &T::State<'_>,
) -> Result<Option<Vec<String>>, ()> {
    match T::spec(state) {
        Ok(Some(spec)) => match rendered::<T>(state, &spec) {
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

/// How many renders [`rendered`] keeps (then it starts over).
const RENDERED_MAX: usize = 64;

/// [`RuleBacked::render`], remembered from a resource's plan to its apply: in `apply`,
/// Terraform plans each resource again right before applying it, in the same provider
/// process, and rendering (generation and YAML) is most of the provider's work there. The
/// key is the state without its generated attributes (the id, locations, contents and hash
/// follow from the rest, and no render reads them), so a render is a pure function of it.
/// An entry is taken out when used; at most [`RENDERED_MAX`] wait (Terraform applies 10
/// resources at a time), and a miss only renders again.
fn rendered<T: RuleBacked>(state: &T::State<'_>, spec: &T::Spec) -> Result<Vec<String>, String> {
    static RENDERED: OnceLock<Mutex<HashMap<String, Vec<String>>>> = OnceLock::new();
    let mut bare = state.clone();
    let out = T::outputs(&mut bare);
    *out.id = Value::Null;
    *out.hash = Value::Null;
    for (location, content) in out.docs {
        *location = Value::Null;
        *content = Value::Null;
    }
    let Ok(key) = serde_json::to_string(&bare).map(|json| format!("{}{json}", T::TYPE_NAME)) else {
        return T::render(state, spec);
    };
    let memo = RENDERED.get_or_init(Default::default);
    if let Some(docs) = memo.lock().unwrap_or_else(|e| e.into_inner()).remove(&key) {
        return Ok(docs);
    }
    let docs = T::render(state, spec)?;
    let mut memo = memo.lock().unwrap_or_else(|e| e.into_inner());
    if memo.len() >= RENDERED_MAX {
        memo.clear();
    }
    memo.insert(key, docs.clone());
    Ok(docs)
}

/// Fills every computed attribute that follows from the configuration: defaults, the
/// documents' locations and contents (`rules_yaml`…) and their hash, each unknown while
/// what it depends on is.
pub(super) fn compute<'a, T: RuleBacked>(
    diags: &mut Diagnostics,
    backend: &dyn Backend,
    state: T::State<'a>,
) -> T::State<'a> {
    compute_documents::<T>(diags, backend, state).0
}

/// [`compute`], also returning the rendered documents (`None` while unknown or invalid).
pub(super) fn compute_documents<'a, T: RuleBacked>(
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
pub(super) fn claim<T: RuleBacked>(
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
pub(super) fn identity_conflict<T: RuleBacked>(
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
pub(super) fn locations<T: RuleBacked>(state: &mut T::State<'_>) -> Vec<String> {
    T::outputs(state)
        .docs
        .into_iter()
        .filter_map(|(l, _)| l.as_ref_option().map(|l| l.to_string()))
        .collect()
}

/// Whether the stored documents hash (with the text of each document kept nowhere) to the
/// state's hash, which the last apply computed from what it wrote.
fn as_applied(out: &Outputs<'_, '_>, stored: &[Option<String>]) -> bool {
    let mut stored = stored.iter();
    let texts: Option<Vec<String>> = out
        .docs
        .iter()
        .map(|(location, content)| match location.is_value() {
            true => stored.next().cloned().flatten(),
            false => content.as_ref_option().map(|c| c.to_string()),
        })
        .collect();
    match (texts, out.hash.as_ref_option()) {
        (Some(texts), Some(hash)) => hash.as_ref() == documents_hash(&texts),
        _ => false,
    }
}

/// Replaces the documents' contents and hash with what the destination holds. `Some(false)`
/// when the rule document is gone (the resource no longer exists); a missing later document
/// reads as empty, which plans an update. `None` after an error.
pub(super) fn refresh<T: RuleBacked>(
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
    // The rule document gone means the resource is gone; with no stored rule document
    // (render-only), a missing later document (a dashboard file) is drift instead.
    let rule_doc_stored = T::outputs(state)
        .docs
        .first()
        .is_some_and(|(location, _)| location.is_value());
    if rule_doc_stored && stored.first().is_none_or(Option::is_none) {
        return Some(false);
    }
    // Byte for byte what the last apply wrote: nothing drifted, and nothing needs rendering
    // (a rules directory keeps what it was given).
    let out = T::outputs(state);
    if as_applied(&out, &stored) {
        for (location, content) in out.docs {
            if location.is_value() {
                *content = Value::Null;
            }
        }
        return Some(true);
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
