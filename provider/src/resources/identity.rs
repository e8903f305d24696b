//! Identities that never collide silently.
//!
//! An SLO's id is `<service>-<name>`, so `service = "foo-bar", name = "baz"` and `service =
//! "foo", name = "bar-baz"` share `foo-bar-baz`: the same `sloth_id` on every series, the
//! same rule group names, the same import id. Two resources of one type with one name (two
//! `reliability_alert "x"` in different modules with `name = "X"`) share a document. Either
//! would make one resource silently overwrite the other, and every later plan flip-flop.
//!
//! [`Identities`] is the per-process registry every planned resource claims its id in
//! (Terraform plans every resource of a provider configuration in one provider process,
//! whatever `-parallelism`, so the check is race-free within a configuration): a second
//! claim of the same id for another document, or for the same document with other
//! content, is refused at plan naming both. Across configurations that share a destination,
//! [`crate::resources::rule_resource`] also looks for a stored document with the same id.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::backend::{Backend, Problem};

/// What one resource claimed: its rule document's name and, when known, its content.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Claim {
    document: String,
    content: Option<String>,
}

/// The ids claimed in this provider process, per resource type.
#[derive(Debug, Default)]
pub struct Identities {
    claimed: Mutex<HashMap<(String, String), Claim>>,
}

/// Why a claim was refused: the other claim's document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    /// Another document has the same id.
    OtherDocument(String),
    /// The same document is planned twice with different content.
    SameDocument,
}

impl Identities {
    /// Claims `id` of `type_name` for `document` (with its `content` when known). The same
    /// claim again (the same resource) is fine.
    pub fn claim(
        &self,
        type_name: &str,
        id: &str,
        document: &str,
        content: Option<&str>,
    ) -> Result<(), Conflict> {
        let mut claimed = match self.claimed.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        let key = (type_name.to_string(), id.to_string());
        let new = Claim {
            document: document.to_string(),
            content: content.map(str::to_string),
        };
        match claimed.get_mut(&key) {
            None => {
                claimed.insert(key, new);
                Ok(())
            }
            Some(old) if old.document != new.document => {
                Err(Conflict::OtherDocument(old.document.clone()))
            }
            Some(old) => match (&old.content, &new.content) {
                (Some(a), Some(b)) if a != b => Err(Conflict::SameDocument),
                (None, Some(_)) => {
                    old.content = new.content;
                    Ok(())
                }
                _ => Ok(()),
            },
        }
    }
}

/// What a planned resource claims, and how its documents are named in messages.
pub struct Claimant<'a> {
    pub type_name: &'a str,
    /// "SLO", "alert", …
    pub what: &'a str,
    pub id: &'a str,
    /// Its rule document's name.
    pub document: &'a str,
    /// The hash of its documents, when known.
    pub hash: Option<&'a str>,
    /// The resource a document name belongs to, for messages.
    pub describe: &'a dyn Fn(&str) -> String,
}

/// Why `r`'s id cannot be claimed, if it cannot: another claim in this process, or (with
/// `shared`: a create of a type whose ids different documents can share) a stored document
/// of the destination that `is_doc_of_id` says has the same id.
pub fn check(
    ids: &Identities,
    backend: &dyn Backend,
    r: &Claimant<'_>,
    shared: bool,
    is_doc_of_id: &dyn Fn(&str) -> bool,
) -> Option<Problem> {
    let (what, id, document) = (r.what, r.id, r.document);
    match ids.claim(r.type_name, id, document, r.hash) {
        Err(Conflict::OtherDocument(other)) => {
            return Some(Problem::new(
                format!("Two {what}s share the id {id:?}"),
                format!(
                    "the {what} of {} and the {what} of {} would both have the id {id:?}: \
                     the same series labels, rule groups and import id, so one would \
                     silently replace the other. Rename one of them",
                    (r.describe)(&other),
                    (r.describe)(document)
                ),
            ))
        }
        Err(Conflict::SameDocument) => {
            return Some(Problem::new(
                format!("Two {} resources with the id {id:?}", r.type_name),
                format!(
                    "two resources in this configuration would both write {document} with \
                     different content, so one would silently replace the other. Rename one \
                     of them"
                ),
            ))
        }
        Ok(()) => {}
    }
    if !(shared && backend.stores()) {
        return None;
    }
    let found = tokio::task::block_in_place(|| backend.lookup(is_doc_of_id));
    match found {
        Ok(found) => found.into_iter().find(|f| f.name != document).map(|f| {
            Problem::new(
                format!("Another {what} has the id {id:?}"),
                format!(
                    "{} already holds the {what} of {} ({}), whose id is also {id:?}: the \
                     {what} of {} would share its series labels, rule groups and import id. \
                     Rename this one, or remove the other from its configuration first",
                    backend.describe(),
                    (r.describe)(&f.name),
                    f.location,
                    (r.describe)(document)
                ),
            )
        }),
        Err(p) => Some(p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_document_with_the_same_id_is_refused() {
        let ids = Identities::default();
        let slo = "reliability_slo";
        assert_eq!(
            ids.claim(slo, "foo-bar-baz", "slo_foo-bar@baz.yml", Some("a")),
            Ok(())
        );
        // The same resource planned again: fine.
        assert_eq!(
            ids.claim(slo, "foo-bar-baz", "slo_foo-bar@baz.yml", Some("a")),
            Ok(())
        );
        assert_eq!(
            ids.claim(slo, "foo-bar-baz", "slo_foo@bar-baz.yml", Some("b")),
            Err(Conflict::OtherDocument("slo_foo-bar@baz.yml".into()))
        );
        // Another type's id space.
        assert_eq!(
            ids.claim("reliability_alert", "foo-bar-baz", "alert_x.yml", None),
            Ok(())
        );
    }

    #[test]
    fn one_document_with_two_contents_is_refused() {
        let ids = Identities::default();
        let t = "reliability_alert";
        assert_eq!(ids.claim(t, "X", "alert_X.yml", None), Ok(()));
        assert_eq!(ids.claim(t, "X", "alert_X.yml", Some("one")), Ok(()));
        assert_eq!(
            ids.claim(t, "X", "alert_X.yml", Some("two")),
            Err(Conflict::SameDocument)
        );
    }
}
