//! `--format github`: GitHub Actions workflow commands, so findings show inline on the
//! pull request diff: `::warning file=main.tf,line=4,col=3,endLine=4,endColumn=19,title=RC101 db-instance-single-az::message`.

use std::fmt::Write;

use super::sarif::artifact_path;
use crate::report::Report;
use crate::rules::Severity;

/// Escapes a command's message (data).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (`file=`, `title=`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    }
}

/// One workflow command per parse error and per finding.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for e in &report.errors {
        let mut props = format!("file={}", escape_property(&e.file));
        if e.line > 0 {
            let _ = write!(props, ",line={},col={}", e.line, e.column.max(1));
        }
        let _ = writeln!(
            out,
            "::error {props},title={}::{}",
            escape_property("relcheck: cannot parse"),
            escape_data(&e.message)
        );
    }
    for f in &report.findings {
        let file = &report.files[f.file];
        let (line, col) = file.line_col(f.span.start);
        let mut props = format!(
            "file={},line={line},col={col}",
            escape_property(&artifact_path(&file.path, &file.display))
        );
        if !f.span.is_empty() {
            let (end_line, end_col) = file.line_col(f.span.end);
            let _ = write!(props, ",endLine={end_line},endColumn={end_col}");
        }
        let title = format!("{} {}", f.rule.id, f.rule.name);
        let mut msg = f.message.clone();
        if !f.resource.is_empty() {
            let _ = write!(msg, "\nresource: {}", f.resource);
        }
        if !f.help.is_empty() {
            let _ = write!(msg, "\nhelp: {}", f.help);
        }
        let _ = writeln!(
            out,
            "::{} {props},title={}::{}",
            command(f.rule.severity),
            escape_property(&title),
            escape_data(&msg)
        );
    }
    out
}
