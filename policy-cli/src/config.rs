//! `.relcheck.toml`: found by walking up from the checked path (or given with `--config`).
//!
//! ```toml
//! fail-on = "error"                 # error | warning | note | never (the flag wins)
//! enable = ["multi-az", "RC201"]    # only these rules/categories (default: all)
//! disable = ["RC205"]               # rule ids, rule names or categories
//! exclude = ["modules/legacy/**"]   # globs, relative to this file's directory
//!
//! [severity]
//! RC101 = "error"
//!
//! [thresholds]
//! min-backup-retention-days = 7     # RC201, RC203 (integer >= 1; default 1)
//! ```
//!
//! Unknown keys, unknown rules/categories and bad values are errors with file and line.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use toml::Spanned;

use crate::report::Report;
use crate::rules::{self, RuleMeta, Severity, Thresholds};

pub const FILE_NAME: &str = ".relcheck.toml";

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Raw {
    fail_on: Option<Spanned<String>>,
    enable: Option<Vec<Spanned<String>>>,
    disable: Option<Vec<Spanned<String>>>,
    exclude: Option<Vec<Spanned<String>>>,
    severity: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
    thresholds: Option<RawThresholds>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawThresholds {
    min_backup_retention_days: Option<Spanned<i64>>,
}

/// A problem in the configuration file, with its position.
#[derive(Debug)]
pub struct ConfigError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

/// A loaded configuration.
pub struct Config {
    pub path: PathBuf,
    dir: PathBuf,
    /// `Some(None)`: `fail-on = "never"`.
    pub fail_on: Option<Option<Severity>>,
    enable: Option<Vec<String>>,
    disable: Vec<String>,
    severity: HashMap<&'static str, &'static RuleMeta>,
    exclude: GlobSet,
    /// `[thresholds]`, with defaults for keys not given.
    pub thresholds: Thresholds,
}

/// The nearest `.relcheck.toml` in `start` (a file's directory) or above it.
pub fn find(start: &Path) -> Option<PathBuf> {
    let start = start.canonicalize().ok()?;
    let mut dir = if start.is_file() {
        start.parent()?.to_path_buf()
    } else {
        start
    };
    loop {
        let candidate = dir.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        if !dir.pop() {
            return None;
        }
    }
}

fn every_meta() -> impl Iterator<Item = &'static RuleMeta> {
    rules::RULES.iter().map(|r| r.meta())
}

fn parse_severity(s: &str) -> Option<Option<Severity>> {
    match s {
        "error" => Some(Some(Severity::Error)),
        "warning" => Some(Some(Severity::Warning)),
        "note" => Some(Some(Severity::Note)),
        "never" => Some(None),
        _ => None,
    }
}

impl Config {
    /// Reads and validates a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: shown.clone(),
            line: 0,
            column: 0,
            message: format!("cannot read configuration: {e}"),
        })?;
        Config::parse(path, &text)
    }

    /// Parses configuration text; `path` names the file in errors and anchors `exclude`.
    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let shown = path.display().to_string();
        let err = |span: Option<Range<usize>>, message: String| {
            let (line, column) = span.map(|s| line_col(text, s.start)).unwrap_or((0, 0));
            ConfigError {
                file: shown.clone(),
                line,
                column,
                message,
            }
        };
        let raw: Raw = toml::from_str(text).map_err(|e| {
            err(
                e.span(),
                format!("invalid configuration: {}", e.message().trim_end()),
            )
        })?;
        let categories: Vec<&str> = every_meta().map(|m| m.category.as_str()).collect();
        let selector = |s: &Spanned<String>| -> Result<String, ConfigError> {
            let v = s.get_ref();
            if categories.contains(&v.as_str()) {
                return Ok(v.clone());
            }
            match every_meta().find(|m| m.id.eq_ignore_ascii_case(v) || m.name == v) {
                Some(m) => Ok(m.id.to_string()),
                None => Err(err(
                    Some(s.span()),
                    format!("unknown rule or category `{v}` (see `relcheck rules`)"),
                )),
            }
        };
        let fail_on = match &raw.fail_on {
            Some(s) => Some(parse_severity(s.get_ref()).ok_or_else(|| {
                err(
                    Some(s.span()),
                    format!(
                        "fail-on must be error, warning, note or never, not `{}`",
                        s.get_ref()
                    ),
                )
            })?),
            None => None,
        };
        let enable = match &raw.enable {
            Some(v) => Some(v.iter().map(selector).collect::<Result<Vec<_>, _>>()?),
            None => None,
        };
        let disable = raw
            .disable
            .iter()
            .flatten()
            .map(selector)
            .collect::<Result<Vec<_>, _>>()?;
        let mut severity = HashMap::new();
        for (k, v) in raw.severity.iter().flatten() {
            let meta = every_meta()
                .find(|m| m.id.eq_ignore_ascii_case(k.get_ref()) || m.name == k.get_ref())
                .ok_or_else(|| {
                    err(
                        Some(k.span()),
                        format!("unknown rule `{}` (see `relcheck rules`)", k.get_ref()),
                    )
                })?;
            let sev = match parse_severity(v.get_ref()) {
                Some(Some(s)) => s,
                _ => {
                    return Err(err(
                        Some(v.span()),
                        format!(
                            "severity must be error, warning or note, not `{}`",
                            v.get_ref()
                        ),
                    ))
                }
            };
            // A rule's metadata is static; an override is a leaked copy (once per run).
            let changed: &'static RuleMeta = Box::leak(Box::new(RuleMeta {
                severity: sev,
                ..*meta
            }));
            severity.insert(meta.id, changed);
        }
        let mut thresholds = Thresholds::default();
        if let Some(days) = raw
            .thresholds
            .as_ref()
            .and_then(|t| t.min_backup_retention_days.as_ref())
        {
            thresholds.min_backup_retention_days = u32::try_from(*days.get_ref())
                .ok()
                .filter(|d| *d >= 1)
                .ok_or_else(|| {
                    err(
                        Some(days.span()),
                        format!(
                            "min-backup-retention-days must be a whole number of days >= 1, not `{}`",
                            days.get_ref()
                        ),
                    )
                })?;
        }
        let mut globs = GlobSetBuilder::new();
        for g in raw.exclude.iter().flatten() {
            let pat = g.get_ref().trim_start_matches("./").trim_end_matches('/');
            for p in [pat.to_string(), format!("{pat}/**")] {
                let glob = Glob::new(&p)
                    .map_err(|e| err(Some(g.span()), format!("invalid exclude pattern: {e}")))?;
                globs.add(glob);
            }
        }
        let exclude = globs
            .build()
            .map_err(|e| err(None, format!("invalid exclude patterns: {e}")))?;
        let dir = path
            .canonicalize()
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_else(|| PathBuf::from("."));
        Ok(Config {
            path: path.to_path_buf(),
            dir,
            fail_on,
            enable,
            disable,
            severity,
            exclude,
            thresholds,
        })
    }

    fn selected(list: &[String], m: &RuleMeta) -> bool {
        list.iter().any(|s| s == m.id || s == m.category.as_str())
    }

    /// Whether findings of this rule are reported.
    pub fn rule_enabled(&self, m: &RuleMeta) -> bool {
        let on = self
            .enable
            .as_ref()
            .map(|l| Self::selected(l, m))
            .unwrap_or(true);
        on && !Self::selected(&self.disable, m)
    }

    /// Whether a file (absolute path, or as shown in the report) is excluded.
    pub fn excluded(&self, abs: &Path, shown: &str) -> bool {
        if let Ok(rel) = abs.strip_prefix(&self.dir) {
            if self.exclude.is_match(rel) {
                return true;
            }
        }
        self.exclude.is_match(shown.trim_start_matches("./"))
    }

    /// Drops disabled rules and excluded files; applies severity overrides.
    pub fn apply(&self, report: &mut Report) {
        let files = &report.files;
        report.findings.retain(|f| {
            let file = &files[f.file];
            self.rule_enabled(f.rule) && !self.excluded(&file.path, &file.display)
        });
        for f in &mut report.findings {
            if let Some(m) = self.severity.get(f.rule.id) {
                f.rule = m;
            }
        }
        report
            .errors
            .retain(|e| !self.excluded(Path::new(&e.file), &e.file));
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}
