//! Text output for people: position, rule, message, code frame with a caret, help.

use std::fmt::Write;

use crate::report::Report;
use crate::rules::{Finding, Severity};

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

fn sev_color(s: Severity) -> &'static str {
    match s {
        Severity::Error => "1;31",
        Severity::Warning => "1;33",
        Severity::Note => "1;36",
    }
}

/// Renders the report; `color` adds ANSI colours (use only on a terminal).
pub fn render(report: &Report, color: bool) -> String {
    let st = Style { color };
    let mut out = String::new();
    for e in &report.errors {
        let _ = writeln!(
            out,
            "{}:{}:{}: {}: {}",
            st.paint("1", &e.file),
            e.line,
            e.column,
            st.paint(sev_color(Severity::Error), "error"),
            e.message
        );
    }
    if !report.errors.is_empty() && !report.findings.is_empty() {
        out.push('\n');
    }
    for f in &report.findings {
        render_finding(report, f, &st, &mut out);
        out.push('\n');
    }
    out.push_str(&summary(report, &st));
    out.push('\n');
    out
}

fn render_finding(report: &Report, f: &Finding, st: &Style, out: &mut String) {
    let file = &report.files[f.file];
    let (line, col) = file.line_col(f.span.start);
    let sev = f.rule.severity;
    let _ = writeln!(
        out,
        "{}: {} {} {} {}",
        st.paint("1", &format!("{}:{}:{}", file.display, line, col)),
        st.paint(sev_color(sev), sev.as_str()),
        st.paint("1", f.rule.id),
        st.paint("2", &format!("[{}]", f.rule.name)),
        f.message
    );
    let text = file.line_text(line);
    let width = line.to_string().len();
    let pad = " ".repeat(width);
    // Caret: the attribute (first line only), or the block header when the span is empty.
    let start_col = col - 1;
    let line_chars = text.chars().count();
    let end_col = if f.span.is_empty() {
        let header_end = text.find('{').map(|i| text[..i].trim_end().chars().count());
        header_end.unwrap_or(line_chars)
    } else {
        let (end_line, end_c) = file.line_col(f.span.end);
        if end_line == line {
            end_c - 1
        } else {
            line_chars
        }
    };
    let len = end_col.saturating_sub(start_col).max(1);
    let _ = writeln!(out, "{pad} {}", st.paint("34", "|"));
    let _ = writeln!(
        out,
        "{} {} {}",
        st.paint("34", &line.to_string()),
        st.paint("34", "|"),
        text
    );
    let _ = writeln!(
        out,
        "{pad} {} {}{}",
        st.paint("34", "|"),
        " ".repeat(start_col),
        st.paint(sev_color(sev), &"^".repeat(len))
    );
    let _ = writeln!(
        out,
        "{pad} {} resource: {}",
        st.paint("34", "="),
        f.resource
    );
    let _ = writeln!(
        out,
        "{pad} {} {}: {}",
        st.paint("34", "="),
        st.paint("1", "help"),
        f.help
    );
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn summary(report: &Report, st: &Style) -> String {
    let count = |s| report.count(s);
    let mut parts = vec![
        plural(count(Severity::Error), "error"),
        plural(count(Severity::Warning), "warning"),
        plural(count(Severity::Note), "note"),
    ];
    if !report.errors.is_empty() {
        parts.push(format!(
            "{} that could not be read or parsed",
            plural(report.errors.len(), "problem")
        ));
    }
    let head = if report.findings.is_empty() && report.errors.is_empty() {
        st.paint("1;32", "No findings")
    } else {
        st.paint(
            "1",
            &format!("Found {}", plural(report.findings.len(), "finding")),
        )
    };
    format!(
        "{head}: {} in {} ({}).",
        parts.join(", "),
        plural(report.files.len(), "file"),
        plural(report.roots, "root module")
    )
}
