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
