//! `--format markdown`: a compact summary for a pull-request comment.

use std::fmt::Write;

use crate::report::Report;
use crate::rules::Severity;
use crate::suppress::Suppressed;

/// At most this many findings are listed; the rest are counted.
pub const MAX_ROWS: usize = 50;

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// Renders a heading line, counts by severity and a table of findings.
pub fn render(report: &Report, suppressed: &[Suppressed]) -> String {
    let count = |s| report.count(s);
    let mut out = String::from("### relcheck\n\n");
    if report.findings.is_empty() && report.errors.is_empty() {
        out.push_str("No findings.");
    } else {
        let _ = write!(
            out,
            "**{} error(s)**, {} warning(s), {} note(s)",
            count(Severity::Error),
            count(Severity::Warning),
            count(Severity::Note)
        );
        if !report.errors.is_empty() {
            let _ = write!(
                out,
                ", {} file(s) could not be read or parsed",
                report.errors.len()
            );
        }
        out.push('.');
    }
    if !suppressed.is_empty() {
        let _ = write!(out, " {} suppressed.", suppressed.len());
    }
    out.push('\n');
    if !report.findings.is_empty() {
        out.push_str("\n| | Rule | Resource | Location | Message |\n|---|---|---|---|---|\n");
        for f in report.findings.iter().take(MAX_ROWS) {
            let (line, _) = report.position(f);
            let icon = match f.rule.severity {
                Severity::Error => "🔴",
                Severity::Warning => "🟡",
                Severity::Note => "🔵",
            };
            let _ = writeln!(
                out,
                "| {icon} | `{}` {} | `{}` | `{}:{line}` | {} |",
                f.rule.id,
                f.rule.name,
                cell(&f.resource),
                cell(&report.files[f.file].display),
                cell(&f.message)
            );
        }
        if report.findings.len() > MAX_ROWS {
            let _ = writeln!(
                out,
                "\n…and {} more (see the full report).",
                report.findings.len() - MAX_ROWS
            );
        }
    }
    if !report.errors.is_empty() {
        out.push_str("\n<details><summary>Files that could not be parsed</summary>\n\n");
        for e in &report.errors {
            let _ = writeln!(
                out,
                "- `{}:{}:{}`: {}",
                cell(&e.file),
                e.line,
                e.column,
                cell(&e.message)
            );
        }
        out.push_str("\n</details>\n");
    }
    out
}
