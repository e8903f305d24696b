//! The contract every storing [`Backend`] keeps, run against each one (in the style of
//! object_store's integration tests): the rules directory, the Mimir/Cortex ruler (the
//! strict loopback stand-in), the Alertmanager file and a Mimir tenant's Alertmanager
//! (the stand-in's configuration API); render-only keeps its own, smaller contract.
//!
//! A new backend is one file, one arm in `backend::open`, and one case here:
//!
//! - put then get: what is stored means what was written (`same`), at `location`;
//! - lookup finds a document by name, at that location;
//! - a create refuses a document that exists with other content (ownership), and adopts
//!   one with the same content (an interrupted apply);
//! - an edit made behind the backend's back reads back as different (drift), and an update
//!   repairs it;
//! - retire removes what the old locations held and the current ones do not;
//! - delete removes, and a deleted document reads as absent.

use std::sync::Arc;

use reliability_e2e::ruler_server::RulerServer;
use reliability_provider::backend::ruler::RulerConfig;
use reliability_provider::backend::{open, open_alertmanager, Backend, Doc, Owner};
use reliability_provider::settings::{AlertmanagerSettings, AlertmanagerTarget, Settings};

const OWNER: Owner<'static> = Owner {
    type_name: "reliability_conformance",
    id: "conformance",
};

/// One backend under test and what the suite needs to know about it.
struct Case {
    name: &'static str,
    /// Opens the backend as a new provider process would (Terraform starts one per run;
    /// a backend may cache what it read within a process).
    open: Box<dyn Fn() -> Arc<dyn Backend>>,
    /// Documents of one resource: `(name, content)`.
    docs: Vec<Doc>,
    /// The same documents with other content (an update, or a foreign owner's).
    other: Vec<Doc>,
    /// Edits the stored copy of the first document behind the backend's back.
    tamper: Box<dyn Fn()>,
    /// Whether a second resource's documents can live beside the first's (false: one
    /// document per destination, as the Alertmanager configuration).
    many: bool,
}

fn rule_doc(group: &str, expr: &str) -> String {
    format!(
        "# Managed by Terraform (reliability_conformance \"{group}\").\ngroups:\n- name: {group}\n  rules:\n  - record: conformance:{group}\n    expr: {expr}\n"
    )
}

fn am_doc(receiver: &str) -> String {
    format!(
        "# Managed by Terraform (reliability_conformance \"am\").\nroute:\n  receiver: {receiver}\nreceivers:\n- name: {receiver}\n"
    )
}

fn locations(b: &dyn Backend, docs: &[Doc]) -> Vec<String> {
    docs.iter()
        .map(|d| {
            b.location(&d.name, Some(&d.content))
                .unwrap_or_else(|| panic!("{} has a location", d.name))
        })
        .collect()
}

fn read(b: &dyn Backend, docs: &[Doc]) -> Vec<Option<String>> {
    b.get(&locations(b, docs)).expect("get")
}

/// The suite: every step of the module doc, in order.
fn conformance(case: Case) {
    let run = case.open.as_ref();
    let backend = run();
    let b = backend.as_ref();
    let name = case.name;
    assert!(b.stores(), "{name}");

    // put then get
    let out = b.put(&case.docs, Some(OWNER));
    assert!(out.done, "{name}: create: {:?}", out.problems);
    for (doc, stored) in case.docs.iter().zip(read(b, &case.docs)) {
        let stored = stored.unwrap_or_else(|| panic!("{name}: {} stored", doc.name));
        assert!(b.same(&doc.content, &stored), "{name}: {stored}");
    }

    // lookup
    let first = &case.docs[0];
    let found = b.lookup(&|n| n == first.name).expect("lookup");
    assert_eq!(found.len(), 1, "{name}: {found:?}");
    assert_eq!(found[0].location, locations(b, &case.docs)[0], "{name}");
    assert!(b
        .lookup(&|n| n == "nothing-by-this-name")
        .unwrap()
        .is_empty());

    // ownership: a create over other content is refused, over the same content adopted
    let out = b.put(&case.other, Some(OWNER));
    assert!(
        !out.done,
        "{name}: a create must not take over another's document"
    );
    assert!(!out.problems.is_empty(), "{name}: and say why");
    let out = b.put(&case.docs, Some(OWNER));
    assert!(
        out.done,
        "{name}: the same content is adopted: {:?}",
        out.problems
    );

    // drift (seen by the next run), then an update repairs it
    (case.tamper)();
    let backend = run();
    let b = backend.as_ref();
    let stored = read(b, &case.docs)[0].clone().expect("still there");
    assert!(
        !b.same(&first.content, &stored),
        "{name}: the edit reads back: {stored}"
    );
    let out = b.put(&case.docs, None);
    assert!(out.done, "{name}: update: {:?}", out.problems);
    let stored = read(b, &case.docs)[0].clone().expect("repaired");
    assert!(
        b.same(&first.content, &stored),
        "{name}: repaired: {stored}"
    );

    // retire: old locations not among the current ones go
    if case.many {
        let out = b.put(&case.other_resource(), Some(OWNER));
        assert!(out.done, "{name}: {:?}", out.problems);
        let old = locations(b, &case.other_resource());
        let current = locations(b, &case.docs);
        let out = b.retire(&old, &current);
        assert!(out.done, "{name}: retire: {:?}", out.problems);
        assert!(
            read(b, &case.other_resource())[0].is_none(),
            "{name}: retired"
        );
        assert!(
            read(b, &case.docs)[0].is_some(),
            "{name}: the current one stays"
        );
    }

    // delete
    let out = b.delete(&locations(b, &case.docs));
    assert!(out.done, "{name}: delete: {:?}", out.problems);
    assert!(read(b, &case.docs)[0].is_none(), "{name}: deleted");
    assert!(b.lookup(&|n| n == first.name).unwrap().is_empty(), "{name}");
}

impl Case {
    /// A second resource's documents (another group, another file).
    fn other_resource(&self) -> Vec<Doc> {
        vec![Doc {
            name: "second.yml".into(),
            content: rule_doc("second", "vector(2)"),
        }]
    }
}

fn rule_docs(expr: &str) -> Vec<Doc> {
    vec![Doc {
        name: "first.yml".into(),
        content: rule_doc("first", expr),
    }]
}

#[test]
fn rules_directory() {
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings::resolve(Some("rules"), None, dir.path());
    let file = dir.path().join("rules/first.yml");
    conformance(Case {
        name: "rules directory",
        open: Box::new(move || open(&settings).unwrap()),
        docs: rule_docs("vector(1)"),
        other: rule_docs("vector(9)"),
        tamper: Box::new(move || {
            let text = std::fs::read_to_string(&file).unwrap();
            std::fs::write(&file, text.replace("vector(1)", "vector(42)")).unwrap();
        }),
        many: true,
    });
}

#[test]
fn ruler() {
    let server = Arc::new(RulerServer::start());
    let mut config = RulerConfig::new(server.url());
    config.tenant = Some("team-a".into());
    let settings = Settings::ruler(config);
    let s = server.clone();
    conformance(Case {
        name: "ruler",
        open: Box::new(move || open(&settings).unwrap()),
        docs: rule_docs("vector(1)"),
        other: rule_docs("vector(9)"),
        tamper: Box::new(move || {
            assert!(s.set_rule_expr("team-a", "reliability", "first", 0, "vector(42)"));
        }),
        many: true,
    });
}

#[test]
fn alertmanager_file() {
    let dir = tempfile::tempdir().unwrap();
    let am = AlertmanagerSettings::resolve("alertmanager.yml", None, dir.path());
    let settings = Settings::render_only().with_alertmanager(Some(AlertmanagerTarget::File(am)));
    let file = dir.path().join("alertmanager.yml");
    let doc = |receiver: &str| {
        vec![Doc {
            name: reliability_provider::backend::alertmanager::DOCUMENT.into(),
            content: am_doc(receiver),
        }]
    };
    conformance(Case {
        name: "Alertmanager file",
        open: Box::new(move || open_alertmanager(&settings).unwrap().expect("a backend")),
        docs: doc("pager"),
        other: doc("someone-else"),
        tamper: Box::new(move || {
            let text = std::fs::read_to_string(&file).unwrap();
            std::fs::write(&file, text.replace("pager", "chat")).unwrap();
        }),
        many: false,
    });
}

#[test]
fn mimir_alertmanager() {
    let server = Arc::new(RulerServer::start());
    let mut config = RulerConfig::new(server.url());
    config.tenant = Some("team-a".into());
    let settings = Settings::ruler(config).with_alertmanager(Some(AlertmanagerTarget::Mimir));
    let doc = |receiver: &str| {
        vec![Doc {
            name: reliability_provider::backend::alertmanager::DOCUMENT.into(),
            content: am_doc(receiver),
        }]
    };
    let s = server.clone();
    conformance(Case {
        name: "Mimir Alertmanager",
        open: Box::new(move || open_alertmanager(&settings).unwrap().expect("a backend")),
        docs: doc("pager"),
        other: doc("someone-else"),
        tamper: Box::new(move || {
            let text = s.alertmanager_config("team-a").expect("stored");
            s.set_alertmanager_config("team-a", Some(&text.replace("pager", "chat")));
        }),
        many: false,
    });
}

/// Render-only stores nothing: every write is done, nothing reads back, nothing is found.
#[test]
fn render_only_stores_nothing() {
    let b = open(&Settings::render_only()).unwrap();
    assert!(!b.stores());
    let docs = rule_docs("vector(1)");
    assert!(b.put(&docs, Some(OWNER)).done);
    assert!(b.delete(&["anything".to_string()]).done);
    assert!(b.location(&docs[0].name, Some(&docs[0].content)).is_none());
}
