//! The Alertmanager configuration file a `reliability_notification_policy` owns (the
//! provider's `alertmanager { config_file, url }` block): one document, written atomically
//! through [`dir`](super::dir), and with a `url` a `POST /-/reload` after each write.
//!
//! A reload that fails (or that a killed provider never made) leaves a marker file beside
//! the configuration (`.<file>.reload-pending`); the next run retries the reload when the
//! provider is configured, and warns while it keeps failing, so a configuration written but
//! never loaded is not forgotten. Removing the configuration does not reload: Alertmanager
//! keeps running with the last configuration it loaded.
//!
//! One policy per file: [`Backend::claim_at_plan`] counts the policies planned in this
//! provider process (Terraform plans every resource once per command, in a provider
//! process of its own for each provider configuration), so a second one is an error at
//! plan time; and a create never takes over a file that exists with other content.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::dir::{describe_io_error, RulesDir};
use super::reload::{is_unreachable, post_reload, ReloadFailure, UNREACHABLE};
use super::{Backend, Doc, Found, Outcome, Owner, Planned, Problem};
use crate::settings::AlertmanagerSettings;

/// The one document's name (the file's name comes from the provider block).
pub const DOCUMENT: &str = "alertmanager";

/// The Alertmanager configuration file, and the Alertmanager to reload.
#[derive(Debug)]
pub struct AlertmanagerBackend {
    dir: RulesDir,
    file_name: String,
    url: Option<String>,
    claims: PolicyClaims,
}

/// The notification policies planned by this provider process for one Alertmanager
/// configuration: one policy per configuration, so a second is an error at plan time.
#[derive(Debug, Default)]
pub struct PolicyClaims(Mutex<usize>);

impl PolicyClaims {
    /// Counts a planned policy for the configuration `what`; `Err` for the second.
    pub fn claim(&self, what: &str) -> Result<(), Problem> {
        let mut claims = match self.0.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        *claims += 1;
        if *claims > 1 {
            return Err(Problem::new(
                "Alertmanager configuration already has a policy",
                format!(
                    "two reliability_notification_policy resources use {what}; an \
                     Alertmanager loads one configuration, so one policy per file: merge them \
                     into one resource (team routes go in `route` blocks), or give the second \
                     a provider configuration of its own (`alias`) with another alertmanager \
                     block"
                ),
            ));
        }
        Ok(())
    }
}

impl AlertmanagerBackend {
    pub fn new(settings: &AlertmanagerSettings) -> Self {
        let path = &settings.config_file;
        let parent = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        AlertmanagerBackend {
            dir: RulesDir::new(parent),
            file_name,
            url: settings.url.clone(),
            claims: PolicyClaims::default(),
        }
    }

    /// The configuration file's absolute path.
    pub fn path(&self) -> PathBuf {
        self.dir.root().join(&self.file_name)
    }

    fn marker_name(&self) -> String {
        format!(".{}.reload-pending", self.file_name)
    }

    fn read(&self) -> Result<Option<String>, Problem> {
        self.dir.read(&self.file_name).map_err(|e| {
            Problem::new(
                "Cannot read the Alertmanager configuration",
                describe_io_error("read", &self.path(), &e),
            )
        })
    }

    fn foreign(&self, owner: Owner<'_>) -> Problem {
        Problem::new(
            "Alertmanager configuration already exists",
            format!(
                "{} already exists with other content, so another configuration (or a hand \
                 -written setup) owns it. If it was written by this provider, bring it under \
                 this resource with `terraform import {}.<name> {}`; otherwise move it aside \
                 (Alertmanager needs a file at start: start it after the first apply) and \
                 apply again",
                self.path().display(),
                owner.type_name,
                owner.id
            ),
        )
    }

    /// Reloads Alertmanager after a change, keeping a marker until a reload succeeds.
    fn reload(&self) -> Result<(), Problem> {
        let Some(url) = &self.url else {
            return Ok(());
        };
        let marker = self.dir.root().join(self.marker_name());
        let _ = std::fs::write(&marker, "");
        let result = tokio::task::block_in_place(|| reload(url));
        match result {
            Ok(()) => {
                let _ = std::fs::remove_file(&marker);
                Ok(())
            }
            // Not up yet (the README says to start it after the first apply): a warning,
            // the marker stays and the next run reloads it. Never a failed create.
            Err(msg) if is_unreachable(&msg) => {
                Err(Problem::warning("Alertmanager not reloaded yet", msg))
            }
            Err(msg) => Err(Problem::new("Alertmanager reload failed", msg)),
        }
    }
}

/// Reloads Alertmanager. The error names the URL and quotes Alertmanager's answer.
pub fn reload(base_url: &str) -> Result<(), String> {
    post_reload(base_url).map_err(|(url, failure)| match failure {
        ReloadFailure::Refused { status, body } => format!(
            "Alertmanager at {url} refused the reload with HTTP {status}: {body}; it keeps its \
             previous configuration until a reload succeeds (every run retries)"
        ),
        ReloadFailure::Unreachable(e) => format!(
            "{UNREACHABLE}Alertmanager at {url}: {e}; check that it runs and that the \
             provider's alertmanager url is right, or remove url to only write the file. \
             The file is written; every run retries the reload"
        ),
    })
}

impl Backend for AlertmanagerBackend {
    fn describe(&self) -> String {
        format!("Alertmanager configuration file {}", self.path().display())
    }

    fn location(&self, _name: &str, _content: Option<&str>) -> Option<String> {
        Some(self.path().to_string_lossy().into_owned())
    }

    fn get(&self, locations: &[String]) -> Result<Vec<Option<String>>, Problem> {
        locations
            .iter()
            .map(|l| {
                let p = Path::new(l);
                match std::fs::read(p) {
                    Ok(b) => Ok(Some(String::from_utf8_lossy(&b).into_owned())),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(Problem::new(
                        "Cannot read the Alertmanager configuration",
                        describe_io_error("read", p, &e),
                    )),
                }
            })
            .collect()
    }

    fn claim_at_plan(&self, plan: &Planned<'_>) -> Result<(), Problem> {
        self.claims.claim(&format!(
            "{} (the provider's alertmanager config_file)",
            self.path().display()
        ))?;
        if plan.creating && plan.takes_over(self.read()?.as_deref()) {
            return Err(self.foreign(plan.owner));
        }
        Ok(())
    }

    fn put(&self, docs: &[Doc], creating: Option<Owner<'_>>) -> Outcome {
        let Some(doc) = docs.first() else {
            return Outcome::ok();
        };
        let written = match creating {
            // A file left by an interrupted apply, with the same content, is adopted.
            Some(owner) => match self.dir.create_new(&self.file_name, &doc.content) {
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => match self.read() {
                    Ok(Some(existing)) if existing == doc.content => Ok(()),
                    Ok(_) => return Outcome::failed(self.foreign(owner)),
                    Err(p) => return Outcome::failed(p),
                },
                other => other.map(|_| ()),
            },
            None => self
                .dir
                .write_atomic(&self.file_name, &doc.content)
                .map(|_| ()),
        };
        if let Err(e) = written {
            return Outcome::failed(Problem::new(
                "Cannot write the Alertmanager configuration",
                describe_io_error("write", &self.path(), &e),
            ));
        }
        // Written: a failed reload is reported, and the state records what is on disk.
        Outcome::done_with(self.reload().err())
    }

    fn delete(&self, locations: &[String]) -> Outcome {
        for l in locations {
            let p = Path::new(l);
            let (Some(parent), Some(name)) = (p.parent(), p.file_name().and_then(|n| n.to_str()))
            else {
                return Outcome::failed(Problem::new(
                    "Cannot remove the Alertmanager configuration",
                    format!("{l:?} is not a file path"),
                ));
            };
            if let Err(e) = RulesDir::new(parent).remove(name) {
                return Outcome::failed(Problem::new(
                    "Cannot remove the Alertmanager configuration",
                    describe_io_error("remove", p, &e),
                ));
            }
        }
        Outcome::ok()
    }

    fn lookup(&self, matches: &dyn Fn(&str) -> bool) -> Result<Vec<Found>, Problem> {
        Ok(match (self.read()?, self.location(DOCUMENT, None)) {
            (Some(_), Some(location)) if matches(DOCUMENT) => vec![Found {
                name: DOCUMENT.to_string(),
                location,
            }],
            _ => Vec::new(),
        })
    }

    fn reload_pending(&self) -> Result<(), Problem> {
        let marker = self.dir.root().join(self.marker_name());
        if !marker.exists() {
            return Ok(());
        }
        let Some(url) = &self.url else {
            let _ = std::fs::remove_file(&marker);
            return Ok(());
        };
        tokio::task::block_in_place(|| reload(url)).map_err(|msg| {
            Problem::new(
                "Alertmanager has not loaded the latest configuration",
                format!(
                    "an earlier run wrote {} but Alertmanager did not reload it; retrying \
                     failed: {msg}",
                    self.path().display()
                ),
            )
        })?;
        let _ = std::fs::remove_file(&marker);
        Ok(())
    }
}

#[cfg(test)]
#[path = "alertmanager_tests.rs"]
mod tests;
