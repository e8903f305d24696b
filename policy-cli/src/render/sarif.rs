//! `--format sarif`: SARIF 2.1.0 for code-scanning uploads (GitHub, GitLab, Azure DevOps).
//!
//! Hand-written serde structs for the part of SARIF we emit (see `tests/formats.rs`, which
//! validates the output against the official schema). `serde-sarif` 0.8 was evaluated: it
//! generates its types in a build script (schemafy + syn 1 + syn 2 + typed-builder +
//! strum), which costs more build time than the ~20 fields we use.
//!
//! Every rule is in `tool.driver.rules` with its documentation as help text; every result
//! has a physical location (file relative to the working directory, so uploads line up
//! with the repository), the resource address as a logical location, and a
//! `partialFingerprints` entry that does not depend on line numbers.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::baseline::fingerprint;
use crate::report::Report;
use crate::rules::{self, Finding, RuleMeta, Severity};
use crate::suppress::Suppressed;

/// Key of our entry in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "relcheck/v1";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    column_kind: &'static str,
    results: Vec<SResult>,
    invocations: Vec<Invocation>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    rules: Vec<ReportingDescriptor<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor<'a> {
    id: &'a str,
    name: &'a str,
    short_description: Text,
    full_description: Text,
    help: Help,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    default_configuration: Configuration,
    properties: Properties<'a>,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Properties<'a> {
    tags: Vec<&'a str>,
    category: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<SSuppression>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SFix>,
}

/// A result's fix: one replacement (an insertion is an empty deleted region) in its file,
/// the same edit `relcheck check --fix` makes for this finding alone.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SFix {
    description: Text,
    artifact_changes: Vec<ArtifactChange>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement {
    deleted_region: Region,
    inserted_content: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<usize>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    fully_qualified_name: String,
    kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SSuppression {
    kind: &'static str,
    justification: String,
    location: Location,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Notification {
    level: &'static str,
    message: Text,
    locations: Vec<NotificationLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NotificationLocation {
    physical_location: NotificationPhysical,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NotificationPhysical {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// A path as a relative URI (forward slashes, percent-encoded where URIs need it).
fn uri(path: &str) -> String {
    let mut out = String::new();
    for c in path.chars() {
        match c {
            '\\' => out.push('/'),
            'A'..='Z' | 'a'..='z' | '0'..='9' | '-' | '.' | '_' | '~' | '/' => out.push(c),
            c => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
        }
    }
    out
}

/// A file's path for annotations and uploads: relative to the working directory when the
/// file is under it (the repository root in CI), else as shown in the report.
pub fn artifact_path(abs: &Path, shown: &str) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|d| d.canonicalize().ok())
        .and_then(|d| {
            abs.strip_prefix(d)
                .ok()
                .map(|p| p.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| shown.to_string())
}

fn every_rule() -> Vec<&'static RuleMeta> {
    rules::RULES.iter().map(|r| r.meta()).collect()
}

fn location(report: &Report, f: &Finding) -> Location {
    let file = &report.files[f.file];
    let (start_line, start_column) = file.line_col(f.span.start);
    let (end_line, end_column) = if f.span.is_empty() {
        (None, None)
    } else {
        let (l, c) = file.line_col(f.span.end);
        (Some(l), Some(c))
    };
    Location {
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri: uri(&artifact_path(&file.path, &file.display)),
                uri_base_id: Some("%SRCROOT%"),
            },
            region: Region {
                start_line,
                start_column,
                end_line,
                end_column,
            },
        },
        logical_locations: if f.resource.is_empty() {
            Vec::new()
        } else {
            vec![LogicalLocation {
                fully_qualified_name: f.resource.clone(),
                kind: "resource",
            }]
        },
    }
}

fn fixes(report: &Report, f: &Finding) -> Vec<SFix> {
    let file = &report.files[f.file];
    let Some(edit) = f.fix.as_ref().and_then(|x| crate::fix::edit(file, x)) else {
        return Vec::new();
    };
    let (start_line, start_column) = file.line_col(edit.span.start);
    let (end_line, end_column) = file.line_col(edit.span.end);
    vec![SFix {
        description: Text {
            text: f
                .fix
                .as_ref()
                .map(|x| x.description.clone())
                .unwrap_or_default(),
        },
        artifact_changes: vec![ArtifactChange {
            artifact_location: ArtifactLocation {
                uri: uri(&artifact_path(&file.path, &file.display)),
                uri_base_id: Some("%SRCROOT%"),
            },
            replacements: vec![Replacement {
                deleted_region: Region {
                    start_line,
                    start_column,
                    end_line: Some(end_line),
                    end_column: Some(end_column),
                },
                inserted_content: Text { text: edit.text },
            }],
        }],
    }]
}

fn result(
    report: &Report,
    rules: &[&RuleMeta],
    f: &Finding,
    suppression: Option<&Suppressed>,
) -> SResult {
    let rule_index = rules.iter().position(|m| m.id == f.rule.id).unwrap_or(0);
    let mut fp = BTreeMap::new();
    fp.insert(FINGERPRINT_KEY, fingerprint(report, f));
    let message = if f.help.is_empty() {
        f.message.clone()
    } else {
        format!("{} (help: {})", f.message, f.help)
    };
    SResult {
        rule_id: f.rule.id.to_string(),
        rule_index,
        level: level(f.rule.severity),
        message: Text { text: message },
        locations: vec![location(report, f)],
        partial_fingerprints: fp,
        fixes: fixes(report, f),
        suppressions: suppression
            .map(|s| {
                let file = report
                    .files
                    .iter()
                    .find(|x| x.display == s.file)
                    .map(|x| artifact_path(&x.path, &x.display))
                    .unwrap_or_else(|| s.file.clone());
                vec![SSuppression {
                    kind: "inSource",
                    justification: s.reason.clone(),
                    location: Location {
                        physical_location: PhysicalLocation {
                            artifact_location: ArtifactLocation {
                                uri: uri(&file),
                                uri_base_id: Some("%SRCROOT%"),
                            },
                            region: Region {
                                start_line: s.line,
                                start_column: 1,
                                end_line: None,
                                end_column: None,
                            },
                        },
                        logical_locations: Vec::new(),
                    },
                }]
            })
            .unwrap_or_default(),
    }
}

/// Renders the report (and the findings hidden by suppressions) as a SARIF 2.1.0 log.
pub fn render(report: &Report, suppressed: &[Suppressed]) -> String {
    let rules = every_rule();
    let descriptors = rules
        .iter()
        .map(|m| {
            let doc = m.documentation().trim().to_string();
            let summary = m.summary();
            ReportingDescriptor {
                id: m.id,
                name: m.name,
                short_description: Text {
                    text: if summary.is_empty() {
                        m.name.to_string()
                    } else {
                        summary.clone()
                    },
                },
                full_description: Text {
                    text: if summary.is_empty() {
                        m.name.to_string()
                    } else {
                        summary
                    },
                },
                help: Help {
                    text: format!("{doc}\n\n(`relcheck explain {}`)", m.id),
                    markdown: doc,
                },
                help_uri: docs_url(m),
                default_configuration: Configuration {
                    level: level(m.severity),
                },
                properties: Properties {
                    tags: vec!["reliability", m.category.as_str()],
                    category: m.category.as_str(),
                },
            }
        })
        .collect();
    let mut results: Vec<SResult> = report
        .findings
        .iter()
        .map(|f| result(report, &rules, f, None))
        .collect();
    results.extend(
        suppressed
            .iter()
            .map(|s| result(report, &rules, &s.finding, Some(s))),
    );
    let notifications = report
        .errors
        .iter()
        .map(|e| Notification {
            level: "error",
            message: Text {
                text: e.message.clone(),
            },
            locations: vec![NotificationLocation {
                physical_location: NotificationPhysical {
                    artifact_location: ArtifactLocation {
                        uri: uri(&e.file),
                        uri_base_id: None,
                    },
                    region: (e.line > 0).then(|| Region {
                        start_line: e.line,
                        start_column: e.column.max(1),
                        end_line: None,
                        end_column: None,
                    }),
                },
            }],
        })
        .collect();
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "relcheck",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    rules: descriptors,
                },
            },
            column_kind: "unicodeCodePoints",
            results,
            invocations: vec![Invocation {
                execution_successful: report.errors.is_empty(),
                tool_execution_notifications: notifications,
            }],
        }],
    };
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_default();
    s.push('\n');
    s
}

/// The documentation link of a rule, when the package says where its repository is.
pub(crate) fn docs_url(m: &RuleMeta) -> Option<String> {
    let repo = option_env!("CARGO_PKG_REPOSITORY").filter(|r| !r.is_empty())?;
    Some(format!(
        "{}/blob/main/policy-cli/src/rules/{}.rs",
        repo.trim_end_matches('/'),
        m.name.replace('-', "_")
    ))
}
