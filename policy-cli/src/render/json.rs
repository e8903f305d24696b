//! `--format json`: the stable machine contract (version 1).

use serde::Serialize;

use crate::Report;

#[derive(Serialize)]
struct Output<'a> {
    version: u32,
    findings: Vec<JsonFinding<'a>>,
    errors: Vec<JsonError<'a>>,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    name: &'a str,
    category: &'a str,
    severity: &'a str,
    resource: &'a str,
    file: &'a str,
    line: usize,
    column: usize,
    message: &'a str,
    help: &'a str,
}

#[derive(Serialize)]
struct JsonError<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    message: &'a str,
}

/// Renders the report as pretty JSON (with a trailing newline).
pub fn render(report: &Report) -> String {
    let findings = report
        .findings
        .iter()
        .map(|f| {
            let (line, column) = report.position(f);
            JsonFinding {
                rule: f.rule.id,
                name: f.rule.name,
                category: f.rule.category.as_str(),
                severity: f.rule.severity.as_str(),
                resource: &f.resource,
                file: &report.files[f.file].display,
                line,
                column,
                message: &f.message,
                help: &f.help,
            }
        })
        .collect();
    let errors = report
        .errors
        .iter()
        .map(|e| JsonError {
            file: &e.file,
            line: e.line,
            column: e.column,
            message: &e.message,
        })
        .collect();
    let doc = Output {
        version: 1,
        findings,
        errors,
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
