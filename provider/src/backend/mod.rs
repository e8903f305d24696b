//! Where rule documents go. Every read, write, removal, import lookup and reload of the
//! resources goes through one [`Backend`], chosen once when the provider is configured
//! ([`open`]); resources never know which one it is, and nothing outside this module
//! touches the file system or a server.
//!
//! - [`rules_dir`]: one file per document in a local directory that Prometheus (or vmalert,
//!   Thanos Ruler…) loads, plus an optional reload ([`reload`]) — the default.
//! - [`render_only`]: nothing is stored; resources only compute their `rules_yaml`.
//! - [`dir`]: atomic file operations on the rules directory.
//! - [`prometheus`]: Prometheus' query API (for the error budget data source).
//! - [`ruler`]: the HTTP client of a Mimir/Cortex ruler's configuration API.
//! - [`ruler_backend`]: rule groups in a namespace of that ruler (`ruler { … }`).
//! - [`alertmanager`]: the Alertmanager configuration file of the notification policy
//!   (`alertmanager { … }`), beside whichever rules destination is chosen ([`open_alertmanager`]).
//! - [`mimir_alertmanager`]: that configuration in a Mimir tenant's Alertmanager
//!   (`alertmanager { mimir = true }` with a `ruler` block).
//!
//! Adding a destination touches this module and the provider block only: a file that
//! implements [`Backend`], a [`Destination`] variant with its arm in [`open`], and the
//! provider block's attribute or block (validated by `settings::one_destination`).
//! [`Backend::location`] is the document's address as the state records it; `get` and
//! `delete` receive those addresses back (possibly from an earlier configuration), so a
//! backend must be able to act on an address alone.

pub mod alertmanager;
pub mod dashboards;
pub mod dir;
pub mod mimir_alertmanager;
pub mod open;
pub mod prometheus;
pub mod reload;
pub mod render_only;
pub mod ruler;
pub mod ruler_backend;
pub mod rules_dir;

pub use open::{open, open_alertmanager};

/// One document a resource manages: a name unique in the destination (e.g.
/// `slo_checkout@availability.yml`) and its full content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doc {
    pub name: String,
    pub content: String,
}

/// An error for the user: a short summary and a detail that says what to do. A warning
/// (`warning = true`) is reported without failing the operation: what was asked is done,
/// and what is still pending (a reload of a server that is not up yet) is retried later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub summary: String,
    pub detail: String,
    pub warning: bool,
}

impl Problem {
    pub fn new(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Problem {
            summary: summary.into(),
            detail: detail.into(),
            warning: false,
        }
    }

    /// A problem reported as a warning.
    pub fn warning(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Problem {
            warning: true,
            ..Problem::new(summary, detail)
        }
    }
}

/// What a write or a removal did: whether it was done, and what to report either way (a
/// file written whose reload failed is done, with a problem).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub done: bool,
    pub problems: Vec<Problem>,
}

impl Outcome {
    /// Done, nothing to report.
    pub fn ok() -> Self {
        Outcome {
            done: true,
            problems: Vec::new(),
        }
    }

    /// Not done, because of `problem`.
    pub fn failed(problem: Problem) -> Self {
        Outcome {
            done: false,
            problems: vec![problem],
        }
    }

    /// Done, but `problem` (if any) must be reported.
    pub fn done_with(problem: Option<Problem>) -> Self {
        Outcome {
            done: true,
            problems: problem.into_iter().collect(),
        }
    }
}

/// A stored document found by [`Backend::lookup`]: its name, and its address for
/// [`Backend::get`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub name: String,
    pub location: String,
}

/// Who creates documents (for the "already exists" error: how to import instead).
#[derive(Debug, Clone, Copy)]
pub struct Owner<'a> {
    /// Terraform type name, e.g. `reliability_slo`.
    pub type_name: &'a str,
    /// The resource's id (its import id).
    pub id: &'a str,
}

/// A resource's documents as planned, for [`Backend::claim_at_plan`].
#[derive(Debug, Clone, Copy)]
pub struct Planned<'a> {
    pub owner: Owner<'a>,
    /// A create (no prior state), not an update.
    pub creating: bool,
    /// The documents' contents, `None` while unknown.
    pub contents: Option<&'a [String]>,
}

impl Planned<'_> {
    /// Whether this is a create that would take over `existing`, a stored first document
    /// with other content than planned (or content not known yet): another configuration
    /// may own it. The same content (an interrupted apply) is adopted.
    pub fn takes_over(&self, existing: Option<&str>) -> bool {
        self.creating
            && existing.is_some_and(|e| {
                self.contents
                    .is_none_or(|c| c.first().map(String::as_str) != Some(e))
            })
    }
}

/// A destination for a resource's documents. A resource's documents are given rule
/// document first (its absence means the resource is gone); the others (e.g. a backup
/// plan's plan document) are written before it and read after it.
pub trait Backend: Send + Sync {
    /// The destination in words, for messages (`rules directory /srv/rules`).
    fn describe(&self) -> String;

    /// Whether documents are stored at all (`false`: nothing to read back, no drift).
    fn stores(&self) -> bool {
        true
    }

    /// Where the document `name` with `content` (`None` while unknown) is kept, as the
    /// resources' `rule_file`/`plan_file` attributes show it; `None` when it is kept
    /// nowhere.
    fn location(&self, name: &str, content: Option<&str>) -> Option<String>;

    /// Whether [`Backend::location`] depends on the content (then it is unknown while the
    /// content is), e.g. the ruler's address names the document's groups.
    fn location_needs_content(&self) -> bool {
        false
    }

    /// Whether a stored document means what was written (a destination that drops
    /// comments or reorders fields compares semantically); `false` shows drift.
    fn same(&self, written: &str, stored: &str) -> bool {
        written == stored
    }

    /// The documents at `locations` (as [`Backend::location`] gave them, possibly by an
    /// earlier configuration), in order; `None` for a missing one.
    fn get(&self, locations: &[String]) -> Result<Vec<Option<String>>, Problem>;

    /// Writes a resource's documents (the rule document last, so that it goes live when
    /// everything it refers to is in place) and makes the destination load them. With
    /// `creating`, documents that exist with other content are refused: another
    /// configuration may own them.
    fn put(&self, docs: &[Doc], creating: Option<Owner<'_>>) -> Outcome;

    /// Removes the documents at `locations` (missing ones are fine) and makes the
    /// destination drop them.
    fn delete(&self, locations: &[String]) -> Outcome;

    /// After an update: removes what the documents at `old` held that the documents at
    /// `current` (just written) no longer hold.
    fn retire(&self, old: &[String], current: &[String]) -> Outcome {
        let stale: Vec<String> = old
            .iter()
            .filter(|l| !current.contains(l))
            .cloned()
            .collect();
        if stale.is_empty() {
            return Outcome::ok();
        }
        self.delete(&stale)
    }

    /// At plan time, once a resource's documents are planned: `Err` when this resource may
    /// not use the destination (a destination that holds one resource's documents only
    /// counts the resources planned; a create must not take over documents that exist with
    /// other content; a destination may refuse some contents).
    fn claim_at_plan(&self, _plan: &Planned<'_>) -> Result<(), Problem> {
        Ok(())
    }

    /// The stored documents whose name `matches` (import by id), sorted by name.
    fn lookup(&self, matches: &dyn Fn(&str) -> bool) -> Result<Vec<Found>, Problem>;

    /// Work an earlier provider process left undone (a reload it could not make before it
    /// exited), retried once when the provider is configured; `Err` is a warning.
    fn reload_pending(&self) -> Result<(), Problem> {
        Ok(())
    }
}
