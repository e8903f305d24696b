//! Grafana dashboards as files in a directory Grafana's file provisioning loads
//! (`providers: [{type: file, options: {path}}]`), and [`WithDashboards`]: an SLO's
//! destination, its rule document to the rules destination and its dashboard (a `.json`
//! document) to that directory, or nowhere when the provider sets no directory (then the
//! dashboard stays in the resource's `dashboard_json`).
//!
//! Files are written atomically (a hidden temporary file, fsynced and renamed: Grafana
//! never reads half a dashboard), a create never takes over a file with other content, and
//! a file changed by hand is drift the next plan shows and the next apply repairs.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::dir::{describe_io_error, NotCreated, RulesDir};
use super::{Backend, Doc, Found, Outcome, Owner, Planned, Problem};

/// Whether a document is a dashboard (by its name).
pub fn is_dashboard(name: &str) -> bool {
    name.ends_with(".json")
}

/// Dashboard files in one directory.
#[derive(Debug, Clone)]
pub struct DashboardsDir {
    dir: RulesDir,
}

impl DashboardsDir {
    pub fn new(root: PathBuf) -> Self {
        DashboardsDir {
            dir: RulesDir::new(root),
        }
    }

    fn root(&self) -> &Path {
        self.dir.root()
    }

    /// The directory of a dashboard file's location (possibly one an earlier
    /// configuration set).
    fn of(location: &str) -> DashboardsDir {
        DashboardsDir::new(
            Path::new(location)
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default(),
        )
    }

    fn location(&self, name: &str) -> String {
        self.root().join(name).to_string_lossy().into_owned()
    }

    fn read(&self, location: &str) -> Result<Option<String>, Problem> {
        match std::fs::read(location) {
            Ok(b) => Ok(Some(String::from_utf8_lossy(&b).into_owned())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Problem::new(
                "Cannot read dashboard file",
                describe_io_error("read", Path::new(location), &e),
            )),
        }
    }

    /// Writes `doc`; at create, only over nothing or over the same content.
    fn put(&self, doc: &Doc, creating: Option<Owner<'_>>) -> Result<(), Problem> {
        let io = |action: &str, path: &Path, e: std::io::Error| {
            Problem::new(
                "Cannot write dashboard file",
                format!(
                    "{}; check the provider's grafana_dashboards_dir",
                    describe_io_error(action, path, &e)
                ),
            )
        };
        if let Some(owner) = creating {
            return match self.dir.create_or_adopt(&doc.name, &doc.content) {
                Ok(()) => Ok(()),
                Err(NotCreated::Foreign(path)) => Err(Problem::new(
                    "Dashboard file already exists",
                    format!(
                        "{} already exists with other content, so another configuration may \
                         own it. Bring the SLO under this resource with `terraform import \
                         {}.<name> {}`, or remove the file and apply again",
                        path.display(),
                        owner.type_name,
                        owner.id
                    ),
                )),
                Err(NotCreated::Io(action, path, e)) => Err(io(action, &path, e)),
            };
        }
        self.dir
            .write_atomic(&doc.name, &doc.content)
            .map(|_| ())
            .map_err(|e| io("write", &self.root().join(&doc.name), e))
    }

    fn delete(&self, location: &str) -> Result<(), Problem> {
        let path = Path::new(location);
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        self.dir.remove(name).map(|_| ()).map_err(|e| {
            Problem::new(
                "Cannot remove dashboard file",
                describe_io_error("remove", path, &e),
            )
        })
    }
}

/// An SLO's destination: rule documents to `rules`, dashboards to `dashboards` (or
/// nowhere without one).
pub struct WithDashboards {
    rules: Arc<dyn Backend>,
    dashboards: Option<DashboardsDir>,
}

impl WithDashboards {
    pub fn new(rules: Arc<dyn Backend>, dashboards: Option<PathBuf>) -> Self {
        WithDashboards {
            rules,
            dashboards: dashboards.map(DashboardsDir::new),
        }
    }

    /// Whether `location` is a dashboard file: an absolute path ending in `.json`, in this
    /// directory or in one an earlier configuration set (rule files end in `.yml`; ruler
    /// addresses are not paths).
    fn is_dashboard_location(&self, location: &str) -> bool {
        is_dashboard(location) && Path::new(location).is_absolute()
    }

    fn split<'l>(&self, locations: &'l [String]) -> (Vec<String>, Vec<&'l String>) {
        let (dash, rules): (Vec<&String>, Vec<&String>) = locations
            .iter()
            .partition(|l| self.is_dashboard_location(l));
        (rules.into_iter().cloned().collect(), dash)
    }
}

impl Backend for WithDashboards {
    fn describe(&self) -> String {
        self.rules.describe()
    }

    fn stores(&self) -> bool {
        self.rules.stores() || self.dashboards.is_some()
    }

    fn location(&self, name: &str, content: Option<&str>) -> Option<String> {
        if is_dashboard(name) {
            self.dashboards.as_ref().map(|d| d.location(name))
        } else {
            self.rules.location(name, content)
        }
    }

    fn location_needs_content(&self) -> bool {
        self.rules.location_needs_content()
    }

    /// A dashboard (JSON) must be byte for byte what was written (Grafana never writes
    /// provisioned files); rule documents compare as their destination compares them.
    fn same(&self, written: &str, stored: &str) -> bool {
        if written.starts_with('{') {
            written == stored
        } else {
            self.rules.same(written, stored)
        }
    }

    fn get(&self, locations: &[String]) -> Result<Vec<Option<String>>, Problem> {
        let (rules, _) = self.split(locations);
        let mut from_rules = self.rules.get(&rules)?.into_iter();
        let mut out = Vec::with_capacity(locations.len());
        for l in locations {
            if self.is_dashboard_location(l) {
                out.push(DashboardsDir::of(l).read(l)?);
            } else {
                out.push(from_rules.next().flatten());
            }
        }
        Ok(out)
    }

    /// The rule documents first (a create claims them), then the dashboards: a dashboard
    /// that fails to write fails the apply, and the next apply writes it again.
    fn put(&self, docs: &[Doc], creating: Option<Owner<'_>>) -> Outcome {
        let (dash, rules): (Vec<Doc>, Vec<Doc>) =
            docs.iter().cloned().partition(|d| is_dashboard(&d.name));
        let mut outcome = self.rules.put(&rules, creating);
        if !outcome.done {
            return outcome;
        }
        if let Some(d) = &self.dashboards {
            for doc in &dash {
                if let Err(p) = d.put(doc, creating) {
                    outcome.done = false;
                    outcome.problems.push(p);
                    return outcome;
                }
            }
        }
        outcome
    }

    fn delete(&self, locations: &[String]) -> Outcome {
        let (rules, dash) = self.split(locations);
        let mut outcome = if rules.is_empty() {
            Outcome::ok()
        } else {
            self.rules.delete(&rules)
        };
        for l in dash {
            if let Err(p) = DashboardsDir::of(l).delete(l) {
                outcome.done = false;
                outcome.problems.push(p);
            }
        }
        outcome
    }

    fn retire(&self, old: &[String], current: &[String]) -> Outcome {
        let (old_rules, old_dash) = self.split(old);
        let (current_rules, current_dash) = self.split(current);
        let mut outcome = self.rules.retire(&old_rules, &current_rules);
        let stale: Vec<String> = old_dash
            .into_iter()
            .filter(|l| !current_dash.contains(l))
            .cloned()
            .collect();
        if !stale.is_empty() {
            let more = self.delete(&stale);
            outcome.done &= more.done;
            outcome.problems.extend(more.problems);
        }
        outcome
    }

    /// The rule destination judges the rule document (the first); dashboards need no claim
    /// at plan (a create still refuses a foreign file).
    fn claim_at_plan(&self, plan: &Planned<'_>) -> Result<(), Problem> {
        let contents = plan.contents.map(|c| &c[..c.len().min(1)]);
        self.rules.claim_at_plan(&Planned { contents, ..*plan })
    }

    /// Rule documents only (an import finds the rule document). Render-only rules beside
    /// a dashboards directory hold none: nothing is found (a render-only destination alone
    /// refuses, as it stores nothing at all).
    fn lookup(&self, matches: &dyn Fn(&str) -> bool) -> Result<Vec<Found>, Problem> {
        if !self.rules.stores() && self.dashboards.is_some() {
            return Ok(Vec::new());
        }
        self.rules.lookup(matches)
    }

    fn reload_pending(&self) -> Result<(), Problem> {
        self.rules.reload_pending()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::rules_dir::RulesDirBackend;

    fn doc(name: &str, content: &str) -> Doc {
        Doc {
            name: name.to_string(),
            content: content.to_string(),
        }
    }

    fn owner() -> Owner<'static> {
        Owner {
            type_name: "reliability_slo",
            id: "a-b",
        }
    }

    #[test]
    fn routes_rules_and_dashboards_to_their_directories() {
        let tmp = tempfile::tempdir().unwrap();
        let (rules, dash) = (tmp.path().join("rules"), tmp.path().join("dash"));
        std::fs::create_dir_all(&rules).unwrap();
        std::fs::create_dir_all(&dash).unwrap();
        let b = WithDashboards::new(
            Arc::new(RulesDirBackend::new(rules.clone(), None)),
            Some(dash.clone()),
        );
        let docs = [doc("slo_a@b.yml", "# r\n"), doc("slo_a@b.json", "{}\n")];
        assert!(b.put(&docs, Some(owner())).done);
        assert_eq!(
            std::fs::read_to_string(rules.join("slo_a@b.yml")).unwrap(),
            "# r\n"
        );
        assert_eq!(
            std::fs::read_to_string(dash.join("slo_a@b.json")).unwrap(),
            "{}\n"
        );
        assert!(!rules.join("slo_a@b.json").exists());
        let locations: Vec<String> = docs
            .iter()
            .map(|d| b.location(&d.name, Some(&d.content)).unwrap())
            .collect();
        assert_eq!(
            b.get(&locations).unwrap(),
            vec![Some("# r\n".to_string()), Some("{}\n".to_string())]
        );
        // Drift in the dashboard file is seen; a byte-identical one is not.
        assert!(b.same("{}\n", "{}\n"));
        assert!(!b.same("{}\n", "{ }\n"));
        // Dropping the dashboard from an update removes its file only.
        assert!(b.retire(&locations, &locations[..1]).done);
        assert!(!dash.join("slo_a@b.json").exists());
        assert!(rules.join("slo_a@b.yml").exists());
        assert!(b.delete(&locations[..1]).done);
        assert!(!rules.join("slo_a@b.yml").exists());
    }

    #[test]
    fn a_create_never_takes_over_a_foreign_dashboard() {
        let tmp = tempfile::tempdir().unwrap();
        let (rules, dash) = (tmp.path().join("rules"), tmp.path().join("dash"));
        std::fs::create_dir_all(&rules).unwrap();
        std::fs::create_dir_all(&dash).unwrap();
        std::fs::write(dash.join("slo_a@b.json"), "{\"mine\": 1}\n").unwrap();
        let b = WithDashboards::new(
            Arc::new(RulesDirBackend::new(rules, None)),
            Some(dash.clone()),
        );
        let out = b.put(
            &[doc("slo_a@b.yml", "# r\n"), doc("slo_a@b.json", "{}\n")],
            Some(owner()),
        );
        assert!(!out.done);
        assert!(
            out.problems[0].detail.contains("already exists"),
            "{:?}",
            out.problems
        );
        assert_eq!(
            std::fs::read_to_string(dash.join("slo_a@b.json")).unwrap(),
            "{\"mine\": 1}\n"
        );
        // The same content (an interrupted apply) is adopted.
        std::fs::write(dash.join("slo_a@b.json"), "{}\n").unwrap();
        assert!(
            b.put(
                &[doc("slo_a@b.yml", "# r\n"), doc("slo_a@b.json", "{}\n")],
                Some(owner())
            )
            .done
        );
    }

    #[test]
    fn a_dashboard_of_a_directory_no_longer_configured_is_still_read_and_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let (rules, dash) = (tmp.path().join("rules"), tmp.path().join("dash"));
        std::fs::create_dir_all(&dash).unwrap();
        let old = dash.join("slo_a@b.json");
        std::fs::write(&old, "{}\n").unwrap();
        let old = old.to_string_lossy().into_owned();
        let b = WithDashboards::new(Arc::new(RulesDirBackend::new(rules, None)), None);
        assert_eq!(
            b.get(std::slice::from_ref(&old)).unwrap(),
            vec![Some("{}\n".to_string())]
        );
        assert!(b.retire(std::slice::from_ref(&old), &[]).done);
        assert!(!Path::new(&old).exists());
    }

    #[test]
    fn without_a_directory_dashboards_are_kept_nowhere() {
        let tmp = tempfile::tempdir().unwrap();
        let b = WithDashboards::new(
            Arc::new(RulesDirBackend::new(tmp.path().to_path_buf(), None)),
            None,
        );
        assert_eq!(b.location("slo_a@b.json", Some("{}")), None);
        assert!(b.location("slo_a@b.yml", Some("#")).is_some());
    }
}
