//! The ruler destination (`ruler { … }` in the provider block): a resource's rule document
//! (a `groups:` file) becomes that many rule groups in one namespace of a Mimir/Cortex
//! ruler, through [`RulerClient`].
//!
//! A document's address ([`Backend::location`]) names its namespace and groups,
//! `ruler:<namespace>/<group>,<group>…`, each name percent-encoded, so that `get` and
//! `delete` can act on the address alone. Reads reassemble the groups, in that order, into
//! a `groups:` document. The ruler keeps no comments, so the document's header (with the
//! configuration an import is rebuilt from) travels in a never-firing rule of its first
//! group ([`metadata`]); reads take it out and put the header back. A stored document that
//! means the same as the written one is reported unchanged ([`Backend::same`]), whatever
//! order or formatting the ruler keeps, and anything else replaces `rules_yaml`, which
//! shows the drift in a plan. Import finds a document by the name its metadata rule gives,
//! from the namespace's listing. Documents that are not rule documents (a backup plan's
//! plan JSON) are not stored.

use serde_yaml_ng::{Mapping, Value};

use super::ruler::encode::path_segment;
use super::ruler::metadata::{
    self, decode_groups, encode_groups, leading_comments, percent_decode, Metadata,
};
use super::ruler::{RulerClient, RulerError};
use super::{Backend, Doc, Found, Outcome, Owner, Problem};
use crate::rules::window::parse_duration;

/// What every ruler address starts with.
pub const SCHEME: &str = "ruler:";

/// Rule groups in a ruler.
pub struct RulerBackend {
    client: RulerClient,
}

/// A parsed address: the namespace and the group names, in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Address {
    namespace: String,
    groups: Vec<String>,
}

impl Address {
    fn render(&self) -> String {
        format!(
            "{SCHEME}{}/{}",
            path_segment(&self.namespace),
            encode_groups(&self.groups)
        )
    }

    /// `None` for an address that is not a ruler address (e.g. a file of an earlier
    /// `rules_dir` configuration).
    fn parse(location: &str) -> Option<Address> {
        let rest = location.strip_prefix(SCHEME)?;
        let (ns, groups) = rest.split_once('/')?;
        Some(Address {
            namespace: percent_decode(ns)?,
            groups: decode_groups(groups)?,
        })
    }
}

/// The groups of a rule document (`groups:` with a list of mappings that have a `name`);
/// `None` when `content` is not one.
fn document_groups(content: &str) -> Option<Vec<(String, Value)>> {
    let doc: Value = serde_yaml_ng::from_str(content).ok()?;
    let groups = doc.get("groups")?.as_sequence()?;
    groups
        .iter()
        .map(|g| Some((g.get("name")?.as_str()?.to_string(), g.clone())))
        .collect()
}

/// Group and rule fields that a ruler keeps as durations: it parses them and writes them
/// back in its own notation (`90m` comes back as `1h30m`, `24h` as `1d`).
const DURATION_FIELDS: [&str; 5] = [
    "interval",
    "for",
    "keep_firing_for",
    "evaluation_delay",
    "query_offset",
];

/// A value with every mapping's keys in one order and every duration field as its length,
/// so that two documents compare equal whatever order and notation the ruler keeps.
fn canonical(v: &Value) -> Value {
    match v {
        Value::Mapping(m) => {
            let field = |k: &Value, v: &Value| -> Value {
                let duration = k
                    .as_str()
                    .filter(|k| DURATION_FIELDS.contains(k))
                    .and(v.as_str())
                    .and_then(|d| parse_duration(d).ok());
                match duration {
                    Some(d) => Value::from(u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
                    None => canonical(v),
                }
            };
            let mut entries: Vec<(Value, Value)> =
                m.iter().map(|(k, v)| (k.clone(), field(k, v))).collect();
            entries.sort_by_key(|(k, _)| serde_yaml_ng::to_string(k).unwrap_or_default());
            Value::Mapping(entries.into_iter().collect::<Mapping>())
        }
        Value::Sequence(s) => Value::Sequence(s.iter().map(canonical).collect()),
        Value::Tagged(t) => canonical(&t.value),
        other => other.clone(),
    }
}

/// Group fields in the order the provider writes them; others follow in the ruler's order.
const GROUP_ORDER: [&str; 4] = ["name", "interval", "limit", "rules"];
/// Rule fields in the order the provider writes them (then any others).
const RULE_ORDER: [&str; 7] = [
    "record",
    "alert",
    "expr",
    "for",
    "keep_firing_for",
    "labels",
    "annotations",
];

/// `m`'s entries with the keys of `order` first, in that order, then the rest as they were.
fn reorder(m: &Mapping, order: &[&str], value: &dyn Fn(&str, &Value) -> Value) -> Mapping {
    let mut out = Mapping::new();
    for key in order {
        if let Some(v) = m.get(*key) {
            out.insert((*key).into(), value(key, v));
        }
    }
    for (k, v) in m {
        let key = k.as_str().unwrap_or_default();
        if !order.contains(&key) {
            out.insert(k.clone(), value(key, v));
        }
    }
    out
}

/// A group as the ruler returned it, in the provider's own field order (labels and
/// annotations sorted by key, as the generator writes them), so that a stored copy that
/// differs in one field shows in a plan as that one line, not as the ruler's key order
/// (Mimir answers in its struct order; other rulers sort).
fn in_provider_order(group: &Value) -> Value {
    let Some(g) = group.as_mapping() else {
        return group.clone();
    };
    let sorted = |v: &Value| match v.as_mapping() {
        Some(m) => {
            let mut entries: Vec<(&Value, &Value)> = m.iter().collect();
            entries.sort_by(|a, b| a.0.as_str().cmp(&b.0.as_str()));
            Value::Mapping(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            )
        }
        None => v.clone(),
    };
    let rule = |r: &Value| match r.as_mapping() {
        Some(m) => Value::Mapping(reorder(m, &RULE_ORDER, &|k, v| {
            if k == "labels" || k == "annotations" {
                sorted(v)
            } else {
                v.clone()
            }
        })),
        None => r.clone(),
    };
    Value::Mapping(reorder(
        g,
        &GROUP_ORDER,
        &|k, v| match (k, v.as_sequence()) {
            ("rules", Some(rules)) => Value::Sequence(rules.iter().map(rule).collect()),
            _ => v.clone(),
        },
    ))
}

/// The `groups:` document of `groups`, as [`Backend::get`] returns it, after `header`.
fn assemble(header: &str, groups: Vec<Value>) -> String {
    let mut doc = Mapping::new();
    doc.insert("groups".into(), Value::Sequence(groups));
    let body = serde_yaml_ng::to_string(&Value::Mapping(doc)).unwrap_or_default();
    format!("{header}{body}")
}

/// The groups of `doc` as they are stored: with the metadata rule in the first.
fn stored_groups(doc: &Doc) -> Option<Vec<(String, Value)>> {
    let mut groups = document_groups(&doc.content)?;
    let header = leading_comments(&doc.content);
    if !header.is_empty() {
        let meta = Metadata {
            document: doc.name.clone(),
            groups: groups.iter().map(|(n, _)| n.clone()).collect(),
            header,
        };
        metadata::attach(&mut groups, &meta);
    }
    Some(groups)
}

fn ruler_problem(summary: &str, e: &RulerError) -> Problem {
    Problem::new(summary, e.to_string())
}

impl RulerBackend {
    pub fn new(client: RulerClient) -> Self {
        RulerBackend { client }
    }

    fn address(&self, content: &str) -> Option<Address> {
        let groups = document_groups(content)?;
        Some(Address {
            namespace: self.client.namespace().to_string(),
            groups: groups.into_iter().map(|(n, _)| n).collect(),
        })
    }

    /// At create time: refuses groups that exist with other content (another configuration
    /// may own them); identical ones (an interrupted apply) are adopted.
    fn check_not_foreign(
        &self,
        groups: &[(String, Value)],
        owner: Owner<'_>,
    ) -> Result<(), Problem> {
        let ns = self.client.namespace();
        for (name, value) in groups {
            let existing = self
                .client
                .get_group(ns, name)
                .map_err(|e| ruler_problem("Cannot read the ruler", &e))?;
            if let Some(g) = existing {
                if canonical(&g.value) != canonical(value) {
                    return Err(Problem::new(
                        "Rule group already exists",
                        format!(
                            "the group {name:?} already exists in namespace {ns:?} of the \
                             ruler at {} with other rules, so another configuration may own \
                             it. Import it if it is this resource's (terraform import), or \
                             remove it from the ruler (or rename this {}) and apply again",
                            self.client.config().url,
                            owner.type_name
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Deletes the groups of `addresses`, except those `keep` still holds.
    fn delete_except(&self, addresses: &[String], keep: &[Address]) -> Outcome {
        for location in addresses {
            let Some(addr) = Address::parse(location) else {
                // Not ours (a file of an earlier rules_dir configuration): left alone.
                continue;
            };
            for group in &addr.groups {
                if keep
                    .iter()
                    .any(|k| k.namespace == addr.namespace && k.groups.contains(group))
                {
                    continue;
                }
                let deleted = tokio::task::block_in_place(|| {
                    self.client.delete_group(&addr.namespace, group)
                });
                if let Err(e) = deleted {
                    return Outcome::failed(Problem::new(
                        "Cannot delete rule group",
                        format!(
                            "group {group:?} in namespace {:?}: {e}. Apply again to finish",
                            addr.namespace
                        ),
                    ));
                }
            }
        }
        Outcome::ok()
    }
}

impl Backend for RulerBackend {
    fn describe(&self) -> String {
        format!(
            "namespace {:?} of the ruler at {}",
            self.client.namespace(),
            self.client.config().url
        )
    }

    fn location_needs_content(&self) -> bool {
        true
    }

    fn location(&self, _name: &str, content: Option<&str>) -> Option<String> {
        self.address(content?).map(|a| a.render())
    }

    fn same(&self, written: &str, stored: &str) -> bool {
        if leading_comments(written) != leading_comments(stored) {
            return false;
        }
        match (document_groups(written), document_groups(stored)) {
            (Some(w), Some(s)) => {
                let values = |g: Vec<(String, Value)>| -> Vec<Value> {
                    g.iter().map(|(_, v)| canonical(v)).collect()
                };
                values(w) == values(s)
            }
            _ => written == stored,
        }
    }

    fn get(&self, locations: &[String]) -> Result<Vec<Option<String>>, Problem> {
        locations
            .iter()
            .map(|location| {
                let Some(addr) = Address::parse(location) else {
                    return Ok(None);
                };
                let mut found = Vec::new();
                let mut header = String::new();
                for name in &addr.groups {
                    let group = self
                        .client
                        .get_group(&addr.namespace, name)
                        .map_err(|e| ruler_problem("Cannot read the ruler", &e))?;
                    if let Some(mut g) = group.map(|g| g.value) {
                        if let Some(meta) = metadata::detach(&mut g) {
                            if found.is_empty() {
                                header = meta.header;
                            }
                        }
                        found.push(in_provider_order(&g));
                    }
                }
                // Every group gone: so is the document. Some gone: the rest is the drift
                // (and a header that is not in the first group, or missing, is drift too).
                Ok((!found.is_empty()).then(|| assemble(&header, found)))
            })
            .collect()
    }

    fn put(&self, docs: &[Doc], creating: Option<Owner<'_>>) -> Outcome {
        let ns = self.client.namespace().to_string();
        for doc in docs {
            // Only rule documents are stored (a plan JSON has no place in a ruler).
            let Some(groups) = stored_groups(doc) else {
                continue;
            };
            if let Some(owner) = creating {
                let checked =
                    tokio::task::block_in_place(|| self.check_not_foreign(&groups, owner));
                if let Err(p) = checked {
                    return Outcome::failed(p);
                }
            }
            for (i, (name, value)) in groups.iter().enumerate() {
                let yaml = serde_yaml_ng::to_string(value).unwrap_or_default();
                let put = tokio::task::block_in_place(|| self.client.put_group(&ns, &yaml));
                if let Err(e) = put {
                    let written = if i == 0 {
                        "no group of it was written".to_string()
                    } else {
                        format!("the {i} group(s) before it were written")
                    };
                    return Outcome::failed(Problem::new(
                        "Cannot write rule group",
                        format!(
                            "{e}. Group {name:?} of {} was not written ({written}); fix the \
                             cause and apply again",
                            doc.name
                        ),
                    ));
                }
            }
        }
        Outcome::ok()
    }

    fn delete(&self, locations: &[String]) -> Outcome {
        self.delete_except(locations, &[])
    }

    fn retire(&self, old: &[String], current: &[String]) -> Outcome {
        let keep: Vec<Address> = current.iter().filter_map(|l| Address::parse(l)).collect();
        self.delete_except(old, &keep)
    }

    fn lookup(&self, matches: &dyn Fn(&str) -> bool) -> Result<Vec<Found>, Problem> {
        let ns = self.client.namespace();
        let listing = tokio::task::block_in_place(|| self.client.list_namespace(ns))
            .map_err(|e| ruler_problem("Cannot read the ruler", &e))?;
        let mut found: Vec<Found> = listing
            .groups()
            .iter()
            .filter_map(|g| metadata::find(&g.value))
            .filter(|meta| !meta.groups.is_empty() && matches(&meta.document))
            .map(|meta| Found {
                location: Address {
                    namespace: ns.to_string(),
                    groups: meta.groups,
                }
                .render(),
                name: meta.document,
            })
            .collect();
        found.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_round_trip_awkward_names() {
        let a = Address {
            namespace: "team a/x".into(),
            groups: vec!["slo:c-a,1".into(), "ünï/cødé %".into()],
        };
        let s = a.render();
        assert!(s.starts_with("ruler:team%20a%2Fx/"), "{s}");
        assert_eq!(Address::parse(&s), Some(a));
        assert_eq!(Address::parse("/srv/rules/a.yml"), None);
        assert_eq!(Address::parse("ruler:ns/%zz"), None);
    }

    /// A ruler that answers with its keys sorted: one changed `for` reads back as one
    /// changed line of the written document.
    #[test]
    fn stored_groups_read_back_in_the_provider_order() {
        let written = "groups:\n- name: g\n  interval: 1m\n  rules:\n  - alert: A\n    expr: up == 0\n    for: 5m\n    labels:\n      severity: page\n      team: a\n    annotations:\n      summary: down\n";
        let sorted_by_ruler = "interval: 1m\nname: g\nrules:\n- alert: A\n  annotations:\n    summary: down\n  expr: up == 0\n  for: 10m\n  labels:\n    team: a\n    severity: page\n";
        let stored: Value = serde_yaml_ng::from_str(sorted_by_ruler).unwrap();
        let back = assemble("", vec![in_provider_order(&stored)]);
        let differing: Vec<(&str, &str)> = written
            .lines()
            .zip(back.lines())
            .filter(|(a, b)| a != b)
            .collect();
        assert_eq!(differing, [("    for: 5m", "    for: 10m")], "{back}");
        assert_eq!(written.lines().count(), back.lines().count());
    }

    #[test]
    fn same_ignores_formatting_and_field_order_but_not_the_header() {
        let client = RulerClient::new(super::super::ruler::RulerConfig::new("http://127.0.0.1:1"))
            .expect("valid");
        let b = RulerBackend::new(client);
        let written = "# reliability-config: {}\ngroups:\n- name: g\n  interval: 1m\n  rules:\n  - record: r\n    expr: up\n";
        let stored = "# reliability-config: {}\ngroups:\n- rules:\n  - expr: up\n    record: r\n  name: g\n  interval: 1m\n";
        assert!(b.same(written, stored));
        assert!(!b.same(written, &stored.replace("expr: up", "expr: down")));
        let renotated = stored
            .replace("interval: 1m", "interval: 60s")
            .replace("expr: up", "expr: up\n    for: 90m");
        let written_for = written.replace("expr: up", "expr: up\n    for: 1h30m");
        assert!(
            b.same(&written_for, &renotated),
            "durations compare by length"
        );
        assert!(!b.same(&written_for, &renotated.replace("90m", "91m")));
        let headless = stored.replace("# reliability-config: {}\n", "");
        assert!(!b.same(written, &headless), "a lost header is drift");
        assert_eq!(
            b.location("x.yml", Some(written)).as_deref(),
            Some("ruler:reliability/g")
        );
        assert_eq!(b.location("x.plan.json", Some("{\"a\":1}")), None);
    }
}
