//! The provider block's settings and their validation (pure: no I/O).

use std::path::{Path, PathBuf};

/// Default directory, relative to Terraform's working directory, that receives rule files.
pub const DEFAULT_RULES_DIR: &str = "reliability-rules";

/// Where the resources' rules go: exactly one per provider configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// One rule file per resource in this directory (absolute once resolved).
    RulesDir(PathBuf),
    /// Nowhere: the resources only compute `rules_yaml` for another provider to ship.
    RenderOnly,
    /// Rule groups in a Mimir/Cortex ruler (boxed: it is much larger than the others).
    Ruler(Box<crate::backend::ruler::RulerConfig>),
}

/// The provider's resolved configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Where the rules go.
    pub destination: Destination,
    /// Base URL of a Prometheus to reload after each change (`POST /-/reload`), with
    /// [`Destination::RulesDir`]; also the error budget data source's default.
    pub prometheus_url: Option<String>,
    /// The Alertmanager configuration a `reliability_notification_policy` owns (the
    /// provider's `alertmanager { … }` block), beside any rules destination.
    pub alertmanager: Option<AlertmanagerTarget>,
    /// The directory Grafana's file provisioning loads dashboards from, where an SLO with
    /// `dashboard = true` writes its dashboard (absolute once resolved).
    pub dashboards_dir: Option<PathBuf>,
}

/// Where the notification policy's Alertmanager configuration goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertmanagerTarget {
    /// A file Alertmanager loads (`config_file`, optionally reloaded through `url`).
    File(AlertmanagerSettings),
    /// The Alertmanager of the `ruler` block's Mimir tenant (`mimir = true`).
    Mimir,
}

/// The provider's `alertmanager { config_file, url }` block, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertmanagerSettings {
    /// Absolute path of the configuration file Alertmanager loads (`--config.file`).
    pub config_file: PathBuf,
    /// Base URL of the Alertmanager to reload (`POST /-/reload`) after each change.
    pub url: Option<String>,
}

impl AlertmanagerSettings {
    /// Resolves the block's raw attributes against `cwd` (Terraform's working directory).
    pub fn resolve(config_file: &str, url: Option<&str>, cwd: &Path) -> Self {
        let file = Path::new(config_file);
        AlertmanagerSettings {
            config_file: clean(&if file.is_absolute() {
                file.to_path_buf()
            } else {
                cwd.join(file)
            }),
            url: url.map(|u| u.trim_end_matches('/').to_string()),
        }
    }
}

/// `path` without `.` components (`${path.module}/rules` is `./rules` in the root module:
/// `/work/./rules` becomes `/work/rules`). `..` stays: resolving it lexically would be
/// wrong behind a symbolic link.
pub fn clean(path: &Path) -> PathBuf {
    path.components().collect()
}

/// Checks the `alertmanager` block's `config_file`: a path to a file (not a directory).
pub fn validate_alertmanager_config_file(value: &str) -> Result<(), String> {
    if value.trim().is_empty() || value.ends_with('/') {
        return Err(format!(
            "alertmanager config_file {value:?} is not a file path: set it to the file \
             Alertmanager loads with --config.file, e.g. \"/etc/alertmanager/alertmanager.yml\""
        ));
    }
    no_nul("alertmanager config_file", value)?;
    let name = Path::new(value)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("");
    if name.is_empty() || name.starts_with('.') || name == ".." {
        return Err(format!(
            "alertmanager config_file {value:?} does not end in a visible file name: name the \
             file itself, e.g. \"alertmanager.yml\""
        ));
    }
    Ok(())
}

/// Checks the `alertmanager` block's `url` (as `prometheus_url`: an http(s) base URL).
pub fn validate_alertmanager_url(value: &str) -> Result<(), String> {
    validate_prometheus_url(value).map_err(|e| {
        e.replace("prometheus_url", "alertmanager url")
            .replace("of Prometheus", "of Alertmanager")
            .replace("9090", "9093")
    })
}

impl Settings {
    /// A rules directory destination: resolves the raw provider attributes against `cwd`
    /// (Terraform's working directory).
    pub fn resolve(rules_dir: Option<&str>, prometheus_url: Option<&str>, cwd: &Path) -> Self {
        let dir = Path::new(rules_dir.unwrap_or(DEFAULT_RULES_DIR));
        Settings {
            destination: Destination::RulesDir(clean(&if dir.is_absolute() {
                dir.to_path_buf()
            } else {
                cwd.join(dir)
            })),
            prometheus_url: prometheus_url.map(|u| u.trim_end_matches('/').to_string()),
            alertmanager: None,
            dashboards_dir: None,
        }
    }

    /// The ruler destination.
    pub fn ruler(config: crate::backend::ruler::RulerConfig) -> Self {
        Settings {
            destination: Destination::Ruler(Box::new(config)),
            prometheus_url: None,
            alertmanager: None,
            dashboards_dir: None,
        }
    }

    /// The render-only destination.
    pub fn render_only() -> Self {
        Settings {
            destination: Destination::RenderOnly,
            prometheus_url: None,
            alertmanager: None,
            dashboards_dir: None,
        }
    }

    /// The same settings with a Grafana dashboards directory (`grafana_dashboards_dir`),
    /// resolved against `cwd`.
    pub fn with_dashboards_dir(mut self, dir: Option<&str>, cwd: &Path) -> Self {
        self.dashboards_dir = dir.map(|d| {
            let d = Path::new(d);
            clean(&if d.is_absolute() {
                d.to_path_buf()
            } else {
                cwd.join(d)
            })
        });
        self
    }

    /// The same settings with an Alertmanager configuration to manage.
    pub fn with_alertmanager(mut self, alertmanager: Option<AlertmanagerTarget>) -> Self {
        self.alertmanager = alertmanager;
        self
    }
}

/// The destinations a provider block sets, by attribute or block name; more than one is an
/// error naming them all ([`one_destination`]).
pub fn one_destination(set: &[&str]) -> Result<(), String> {
    if set.len() <= 1 {
        return Ok(());
    }
    let (last, rest) = set.split_last().unwrap_or((&"", &[]));
    Err(format!(
        "{} and {last} are {} set, but the provider sends its rules to exactly one \
         destination: keep one of them (rules_dir is the default when none is set)",
        rest.join(", "),
        if set.len() == 2 { "both" } else { "all" }
    ))
}

/// Checks a `grafana_dashboards_dir` value; the error says what is wrong and what to set.
pub fn validate_dashboards_dir(value: &str) -> Result<(), String> {
    validate_dir(
        "grafana_dashboards_dir",
        value,
        "set it to the directory Grafana's file provisioning loads dashboards from (its \
         `options.path`), or remove the attribute to keep dashboards in each SLO's \
         dashboard_json",
    )
}

/// Checks a `rules_dir` value; the error says what is wrong and what to set.
pub fn validate_rules_dir(value: &str) -> Result<(), String> {
    validate_dir(
        "rules_dir",
        value,
        "set it to the directory Prometheus loads rule files from (e.g. \"rules\"), or remove \
         the attribute to use the default \"reliability-rules\"",
    )
}

/// A directory attribute: not empty (`if_empty` says what to set), no NUL byte.
fn validate_dir(attribute: &str, value: &str, if_empty: &str) -> Result<(), String> {
    if value.trim().is_empty() {
        return Err(format!("{attribute} is empty: {if_empty}"));
    }
    no_nul(attribute, value)
}

/// A path attribute may not contain a NUL byte.
fn no_nul(attribute: &str, value: &str) -> Result<(), String> {
    match value.contains('\0') {
        true => Err(format!(
            "{attribute} {value:?} contains a NUL byte, which no path may contain"
        )),
        false => Ok(()),
    }
}

/// Checks a `prometheus_url` value: an absolute `http://` or `https://` URL with a host.
pub fn validate_prometheus_url(value: &str) -> Result<(), String> {
    let rest = value
        .strip_prefix("http://")
        .or_else(|| value.strip_prefix("https://"))
        .ok_or_else(|| {
            format!(
                "prometheus_url {value:?} is not an http(s) URL: set it to the base URL of \
                 Prometheus, e.g. \"http://127.0.0.1:9090\", or remove it to skip reloads"
            )
        })?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || host.starts_with(':') || host.contains(char::is_whitespace) {
        return Err(format!(
            "prometheus_url {value:?} has no host: set it to the base URL of Prometheus, \
             e.g. \"http://127.0.0.1:9090\""
        ));
    }
    if rest.contains(['?', '#']) {
        return Err(format!(
            "prometheus_url {value:?} has a query or fragment: give the base URL only, \
             e.g. \"http://127.0.0.1:9090\""
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_cleaned_of_dot_components() {
        let s = Settings::resolve(Some("./rules"), None, Path::new("/work/infra"));
        assert_eq!(
            s.destination,
            Destination::RulesDir(PathBuf::from("/work/infra/rules"))
        );
        let s = Settings::resolve(Some("/etc/./prometheus/rules/."), None, Path::new("/"));
        assert_eq!(
            s.destination,
            Destination::RulesDir(PathBuf::from("/etc/prometheus/rules"))
        );
        assert_eq!(clean(Path::new("/a/../b")), PathBuf::from("/a/../b"));
        let am = AlertmanagerSettings::resolve("./am/./alertmanager.yml", None, Path::new("/w"));
        assert_eq!(am.config_file, PathBuf::from("/w/am/alertmanager.yml"));
    }

    #[test]
    fn resolves_relative_and_absolute_dirs() {
        let s = Settings::resolve(None, None, Path::new("/work"));
        let dir = |p: &str| Destination::RulesDir(PathBuf::from(p));
        assert_eq!(s.destination, dir("/work/reliability-rules"));
        let s = Settings::resolve(Some("/etc/prom"), Some("http://p:9090/"), Path::new("/w"));
        assert_eq!(s.destination, dir("/etc/prom"));
        assert_eq!(s.prometheus_url.as_deref(), Some("http://p:9090"));
    }

    #[test]
    fn grafana_dashboards_dir_is_resolved_and_checked() {
        let s = Settings::render_only().with_dashboards_dir(Some("./dash/."), Path::new("/w"));
        assert_eq!(s.dashboards_dir, Some(PathBuf::from("/w/dash")));
        let s = Settings::render_only().with_dashboards_dir(None, Path::new("/w"));
        assert_eq!(s.dashboards_dir, None);
        let e = validate_dashboards_dir("").unwrap_err();
        assert!(
            e.starts_with("grafana_dashboards_dir is empty") && e.contains("Grafana"),
            "{e}"
        );
        assert!(validate_dashboards_dir("/var/lib/grafana/dashboards").is_ok());
    }

    #[test]
    fn one_destination_names_all_that_are_set() {
        assert!(one_destination(&[]).is_ok());
        assert!(one_destination(&["rules_dir"]).is_ok());
        let e = one_destination(&["rules_dir", "render_only"]).unwrap_err();
        assert!(
            e.starts_with("rules_dir and render_only are both set"),
            "{e}"
        );
    }

    #[test]
    fn alertmanager_block() {
        let a = AlertmanagerSettings::resolve(
            "am/alertmanager.yml",
            Some("http://a:9093/"),
            Path::new("/w"),
        );
        assert_eq!(a.config_file, PathBuf::from("/w/am/alertmanager.yml"));
        assert_eq!(a.url.as_deref(), Some("http://a:9093"));
        let a = AlertmanagerSettings::resolve("/etc/am.yml", None, Path::new("/w"));
        assert_eq!(a.config_file, PathBuf::from("/etc/am.yml"));
        for bad in ["", " ", "dir/", "a/.hidden", "a/.."] {
            assert!(validate_alertmanager_config_file(bad).is_err(), "{bad}");
        }
        assert!(validate_alertmanager_config_file("alertmanager.yml").is_ok());
        let e = validate_alertmanager_url("localhost:9093").unwrap_err();
        assert!(e.starts_with("alertmanager url \"localhost:9093\""), "{e}");
        assert!(validate_alertmanager_url("http://127.0.0.1:9093").is_ok());
    }

    #[test]
    fn rejects_bad_values() {
        assert!(validate_rules_dir("").is_err());
        assert!(validate_rules_dir("  ").is_err());
        assert!(validate_rules_dir("rules").is_ok());
        for bad in [
            "ftp://x",
            "localhost:9090",
            "http://",
            "http://:9090",
            "http://a b",
            "http://h?x=1",
        ] {
            assert!(validate_prometheus_url(bad).is_err(), "{bad}");
        }
        for good in ["http://127.0.0.1:9090", "https://prom.example.com/prefix"] {
            assert!(validate_prometheus_url(good).is_ok(), "{good}");
        }
    }
}
