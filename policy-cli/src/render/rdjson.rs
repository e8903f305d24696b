//! `--format rdjson`: reviewdog's diagnostic format (`reviewdog -f=rdjson`), one diagnostic
//! per finding and parse error. A finding with a fix carries it as a `suggestion`, which
//! `reviewdog -reporter=github-pr-review` posts as a one-click suggested change.
//!
//! Positions are 1-based lines and 1-based columns counted in UTF-8 bytes; a range's end
//! is exclusive, and an insertion is a range whose start equals its end (reviewdog's
//! `rdf.Range`).

use serde::Serialize;

use super::sarif::{artifact_path, docs_url};
use crate::parse::SourceFile;
use crate::report::Report;
use crate::rules::Severity;

#[derive(Serialize)]
struct DiagnosticResult {
    source: Source,
    diagnostics: Vec<Diagnostic>,
}

#[derive(Serialize)]
struct Source {
    name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'static str>,
}

#[derive(Serialize)]
struct Diagnostic {
    message: String,
    location: Location,
    severity: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<Code>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suggestions: Vec<Suggestion>,
}

#[derive(Serialize)]
struct Location {
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    range: Option<Range>,
}

#[derive(Serialize)]
struct Range {
    start: Position,
    end: Position,
}

#[derive(Serialize)]
struct Position {
    line: usize,
    column: usize,
}

#[derive(Serialize)]
struct Code {
    value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
}

#[derive(Serialize)]
struct Suggestion {
    range: Range,
    text: String,
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "ERROR",
        Severity::Warning => "WARNING",
        Severity::Note => "INFO",
    }
}

/// 1-based line and UTF-8 byte column of a byte offset.
fn position(file: &SourceFile, offset: usize) -> Position {
    let offset = offset.min(file.text.len());
    let (line, _) = file.line_col(offset);
    let line_start = file
        .text
        .get(..offset)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    Position {
        line,
        column: offset - line_start + 1,
    }
}

fn range(file: &SourceFile, span: &std::ops::Range<usize>) -> Range {
    Range {
        start: position(file, span.start),
        end: position(file, span.end),
    }
}

pub fn render(report: &Report) -> String {
    let mut diagnostics = Vec::new();
    for e in &report.errors {
        let path = report
            .files
            .iter()
            .find(|f| f.display == e.file)
            .map(|f| artifact_path(&f.path, &f.display))
            .unwrap_or_else(|| e.file.clone());
        diagnostics.push(Diagnostic {
            message: e.message.clone(),
            location: Location {
                path,
                range: (e.line > 0).then(|| Range {
                    start: Position {
                        line: e.line,
                        column: e.column.max(1),
                    },
                    end: Position {
                        line: e.line,
                        column: e.column.max(1),
                    },
                }),
            },
            severity: "ERROR",
            code: None,
            suggestions: Vec::new(),
        });
    }
    for f in &report.findings {
        let file = &report.files[f.file];
        let suggestions = f
            .fix
            .as_ref()
            .and_then(|x| crate::fix::edit(file, x))
            .map(|e| Suggestion {
                range: range(file, &e.span),
                text: e.text,
            })
            .into_iter()
            .collect();
        let message = if f.help.is_empty() {
            format!("{} ({})", f.message, f.resource)
        } else {
            format!("{} ({})\nhelp: {}", f.message, f.resource, f.help)
        };
        diagnostics.push(Diagnostic {
            message,
            location: Location {
                path: artifact_path(&file.path, &file.display),
                range: Some(range(file, &f.span)),
            },
            severity: severity(f.rule.severity),
            code: Some(Code {
                value: f.rule.id.to_string(),
                url: docs_url(f.rule),
            }),
            suggestions,
        });
    }
    let doc = DiagnosticResult {
        source: Source {
            name: "relcheck",
            url: option_env!("CARGO_PKG_REPOSITORY").filter(|r| !r.is_empty()),
        },
        diagnostics,
    };
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}
