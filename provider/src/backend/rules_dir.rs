//! The default destination: one file per document in `rules_dir` (what Prometheus'
//! `rule_files`, vmalert's `-rule` or Thanos Ruler's `--rule-file` load), and, with a
//! `prometheus_url`, a reload after every change (batched by [`reload`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::dir::{describe_io_error, NotCreated, RulesDir};
use super::reload;
use super::{Backend, Doc, Found, Outcome, Owner, Problem};

/// Rule files in a directory, reloaded through `prometheus_url` when one is set.
#[derive(Debug, Clone)]
pub struct RulesDirBackend {
    dir: RulesDir,
    prometheus_url: Option<String>,
}

impl RulesDirBackend {
    pub fn new(root: PathBuf, prometheus_url: Option<String>) -> Self {
        RulesDirBackend {
            dir: RulesDir::new(root),
            prometheus_url,
        }
    }

    /// With a Prometheus configured: marks a change about to be made in `dir` (see
    /// [`reload::Reloader::expect_change`]) and returns the reloader to tell once it is made.
    fn expect_change(&self, dir: &Path) -> Option<Arc<reload::Reloader<reload::Dyn>>> {
        let reloader = reload::reloader(self.prometheus_url.as_deref()?);
        reloader.expect_change(dir);
        Some(reloader)
    }

    /// At create time: writes `doc` only if no file has its name yet, or adopts the file
    /// an interrupted apply left with the same content ([`RulesDir::create_or_adopt`]).
    fn claim(&self, doc: &Doc, owner: Owner<'_>) -> Result<(), Problem> {
        self.dir
            .create_or_adopt(&doc.name, &doc.content)
            .map_err(|e| not_created(e, owner))
    }

    /// Refuses a file that exists with other content than `doc`'s.
    fn check_not_foreign(&self, doc: &Doc, owner: Owner<'_>) -> Result<(), Problem> {
        let path = self.dir.root().join(&doc.name);
        match self.dir.holds_other(&doc.name, &doc.content) {
            Ok(false) => Ok(()),
            Ok(true) => Err(not_created(NotCreated::Foreign(path), owner)),
            Err(e) => Err(not_created(NotCreated::Io("read", path, e), owner)),
        }
    }

    fn write(&self, doc: &Doc) -> Result<(), Problem> {
        self.dir
            .write_atomic(&doc.name, &doc.content)
            .map(|_| ())
            .map_err(|e| {
                Problem::new(
                    "Cannot write rule file",
                    describe_io_error("write", &self.dir.root().join(&doc.name), &e),
                )
            })
    }
}

/// Gets a change made after [`RulesDirBackend::expect_change`] reloaded; reports a failed
/// reload the caller waited for (a deferred reload is reported by a later change or retried
/// by a later run).
fn reload(reloader: Option<Arc<reload::Reloader<reload::Dyn>>>) -> Result<(), Problem> {
    let Some(reloader) = reloader else {
        return Ok(());
    };
    let outcome = tokio::task::block_in_place(|| reloader.change());
    match outcome {
        // Not up yet (a first apply before Prometheus starts): the files are written and the
        // reload is pending; the next run retries it. Never a failed create.
        reload::Outcome::Reloaded(Err(msg)) if reload::is_unreachable(&msg) => {
            Err(Problem::warning(
                "Prometheus not reloaded yet",
                format!("{msg}. The rule files are written; the next run reloads Prometheus"),
            ))
        }
        reload::Outcome::Reloaded(Err(msg)) => Err(Problem::new("Prometheus reload failed", msg)),
        _ => Ok(()),
    }
}

/// The problem of a rule file that could not be created for `owner`.
fn not_created(e: NotCreated, owner: Owner<'_>) -> Problem {
    match e {
        NotCreated::Foreign(path) => Problem::new(
            "Rule file already exists",
            format!(
                "{} already exists with other content, so another configuration may own it. \
                 Bring it under this resource with `terraform import {}.<name> {}`, or remove \
                 the file and apply again",
                path.display(),
                owner.type_name,
                owner.id
            ),
        ),
        NotCreated::Io("read", path, e) => Problem::new(
            "Cannot read rules directory",
            describe_io_error("read", &path, &e),
        ),
        NotCreated::Io(action, path, e) => Problem::new(
            "Cannot write rule file",
            describe_io_error(action, &path, &e),
        ),
    }
}

/// Reads a file by path; `Ok(None)` when it is gone.
fn read_file(path: &Path) -> Result<Option<String>, String> {
    match std::fs::read(path) {
        Ok(b) => Ok(Some(String::from_utf8_lossy(&b).into_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(describe_io_error("read", path, &e)),
    }
}

impl Backend for RulesDirBackend {
    fn describe(&self) -> String {
        self.dir.root().display().to_string()
    }

    fn location(&self, name: &str, _content: Option<&str>) -> Option<String> {
        Some(self.dir.root().join(name).to_string_lossy().into_owned())
    }

    fn get(&self, locations: &[String]) -> Result<Vec<Option<String>>, Problem> {
        locations
            .iter()
            .map(|p| read_file(Path::new(p)).map_err(|e| Problem::new("Cannot read rule file", e)))
            .collect()
    }

    fn put(&self, docs: &[Doc], creating: Option<Owner<'_>>) -> Outcome {
        let Some((rules, others)) = docs.split_first() else {
            return Outcome::ok();
        };
        // The documents the rule file refers to first: a runner never sees alerts for a
        // plan it cannot read. At create, the first file written is claimed; the others
        // are checked too (two resources may share one of them).
        // A claimed document is on disk with exactly its content already (created, or
        // adopted from an interrupted apply): it is not written a second time.
        let mut claimed = None;
        if let Some(owner) = creating {
            let first = others.first().unwrap_or(rules);
            if let Err(p) = self.claim(first, owner) {
                return Outcome::failed(p);
            }
            claimed = Some(first.name.as_str());
            for doc in docs.iter().filter(|d| d.name != first.name) {
                if let Err(p) = self.check_not_foreign(doc, owner) {
                    return Outcome::failed(p);
                }
            }
        }
        for doc in others.iter().filter(|d| Some(d.name.as_str()) != claimed) {
            if let Err(p) = self.write(doc) {
                return Outcome::failed(p);
            }
        }
        let reloader = self.expect_change(self.dir.root());
        if Some(rules.name.as_str()) != claimed {
            if let Err(p) = self.write(rules) {
                return Outcome::failed(p);
            }
        }
        // Written: a failed reload is reported, and the state records what is on disk.
        Outcome::done_with(reload(reloader).err())
    }

    fn delete(&self, locations: &[String]) -> Outcome {
        let mut reloader = None;
        let mut outcome = Outcome::ok();
        for path in locations {
            let p = Path::new(path);
            let (Some(parent), Some(name)) = (p.parent(), p.file_name().and_then(|n| n.to_str()))
            else {
                outcome = Outcome::failed(Problem::new(
                    "Cannot remove rule file",
                    format!("{path:?} is not a file path"),
                ));
                break;
            };
            reloader = self.expect_change(parent).or(reloader);
            if let Err(e) = RulesDir::new(parent).remove(name) {
                outcome = Outcome::failed(Problem::new(
                    "Cannot remove rule file",
                    describe_io_error("remove", p, &e),
                ));
                break;
            }
        }
        // Files removed before a failure are gone too: Prometheus must drop their rules.
        outcome.problems.extend(reload(reloader).err());
        outcome
    }

    fn lookup(&self, matches: &dyn Fn(&str) -> bool) -> Result<Vec<Found>, Problem> {
        let root = self.dir.root();
        // Not created yet (the first apply creates it): nothing stored.
        if !root.exists() {
            return Ok(Vec::new());
        }
        let entries = std::fs::read_dir(root).map_err(|e| {
            Problem::new(
                "Cannot read rules directory",
                format!(
                    "cannot list the rules directory {}: {e}; check the provider's rules_dir",
                    root.display()
                ),
            )
        })?;
        let mut names: Vec<String> = entries
            .flatten()
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .filter(|n| !n.starts_with('.') && matches(n))
            .collect();
        names.sort();
        Ok(names
            .into_iter()
            .map(|name| Found {
                location: root.join(&name).to_string_lossy().into_owned(),
                name,
            })
            .collect())
    }

    fn reload_pending(&self) -> Result<(), Problem> {
        let root = self.dir.root();
        let url = self.prometheus_url.as_deref();
        tokio::task::block_in_place(|| reload::retry_pending(root, url)).map_err(|msg| {
            Problem::new(
                "Prometheus has not loaded the latest rule files",
                format!(
                    "an earlier run changed rule files in {} and exited before Prometheus \
                     reloaded them; retrying failed: {msg}. The files are in place; every run \
                     retries until a reload succeeds.",
                    root.display()
                ),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(name: &str, content: &str) -> Doc {
        Doc {
            name: name.into(),
            content: content.into(),
        }
    }

    const OWNER: Owner<'static> = Owner {
        type_name: "reliability_alert",
        id: "A",
    };

    #[test]
    fn put_get_lookup_delete() {
        let tmp = tempfile::tempdir().unwrap();
        let b = RulesDirBackend::new(tmp.path().join("rules"), None);
        let docs = [doc("a.yml", "rules\n"), doc("a.plan.json", "{}\n")];
        assert_eq!(b.put(&docs, Some(OWNER)), Outcome::ok());
        let locs: Vec<String> = docs
            .iter()
            .filter_map(|d| b.location(&d.name, None))
            .collect();
        assert_eq!(
            b.get(&locs).unwrap(),
            vec![Some("rules\n".to_string()), Some("{}\n".to_string())]
        );
        assert_eq!(
            b.lookup(&|n| n.ends_with(".yml")).unwrap(),
            vec![Found {
                name: "a.yml".into(),
                location: locs[0].clone()
            }]
        );
        // Creating again with the same content adopts the files; other content is refused.
        assert_eq!(b.put(&docs, Some(OWNER)), Outcome::ok());
        let refused = b.put(&[doc("a.yml", "other\n")], Some(OWNER));
        assert!(!refused.done);
        let err = refused.problems;
        assert_eq!(err[0].summary, "Rule file already exists");
        assert!(err[0]
            .detail
            .contains("terraform import reliability_alert.<name> A"));
        assert_eq!(b.delete(&locs), Outcome::ok());
        assert_eq!(b.get(&locs).unwrap(), vec![None, None]);
        assert_eq!(b.delete(&locs), Outcome::ok());
    }
}
