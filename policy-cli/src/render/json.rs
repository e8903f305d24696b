//! `--format json`: the stable machine contract (version 1).

use serde::Serialize;

use crate::report::Report;
use crate::rules::Finding;
use crate::suppress::Suppressed;

#[derive(Serialize)]
struct Output<'a> {
    version: u32,
    findings: Vec<JsonFinding<'a>>,
    errors: Vec<JsonError<'a>>,
    /// Only when a suppression applied: findings hidden by `relcheck:ignore` comments.
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressions: Option<Vec<JsonSuppressed<'a>>>,
}

#[derive(Serialize)]
struct JsonSuppressed<'a> {
    #[serde(flatten)]
    finding: JsonFinding<'a>,
    reason: &'a str,
    /// Where the `relcheck:ignore` comment is.
    suppressed_at: String,
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
    /// `"plan"` when no `.tf` file declares the resource and `file` is the JSON plan.
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<&'static str>,
    /// The fix `--fix` would make for this finding alone, when its rule offers one that
    /// can be made safely.
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<JsonFix<'a>>,
}

/// A finding's fix: what it does, and its edit of `file`.
#[derive(Serialize)]
struct JsonFix<'a> {
    description: &'a str,
    edits: Vec<JsonEdit>,
}

/// Replace the text from (`line`, `column`) up to (`end_line`, `end_column`), 1-based with
/// columns in characters as everywhere in this format, by `text`; an empty range inserts.
#[derive(Serialize)]
struct JsonEdit {
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    text: String,
}

#[derive(Serialize)]
struct JsonError<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    message: &'a str,
}

fn finding<'a>(report: &'a Report, f: &'a Finding) -> JsonFinding<'a> {
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
        location: (Some(f.file) == report.plan_file).then_some("plan"),
        fix: fix(report, f),
    }
}

/// A finding's fix; none with `--plan` (which `--fix` refuses: the plan, not the text,
/// is what was checked).
fn fix<'a>(report: &'a Report, f: &'a Finding) -> Option<JsonFix<'a>> {
    if report.plan_file.is_some() {
        return None;
    }
    let fix = f.fix.as_ref()?;
    let file = &report.files[f.file];
    let edit = crate::fix::edit(file, fix)?;
    let (line, column) = file.line_col(edit.span.start);
    let (end_line, end_column) = file.line_col(edit.span.end);
    Some(JsonFix {
        description: &fix.description,
        edits: vec![JsonEdit {
            line,
            column,
            end_line,
            end_column,
            text: edit.text,
        }],
    })
}

/// Renders the report as pretty JSON (with a trailing newline).
pub fn render(report: &Report) -> String {
    render_with_suppressions(report, &[])
}

/// Like [`render`], plus a `suppressions` array when any finding was suppressed.
pub fn render_with_suppressions(report: &Report, suppressed: &[Suppressed]) -> String {
    let findings = report.findings.iter().map(|f| finding(report, f)).collect();
    let suppressions = (!suppressed.is_empty()).then(|| {
        suppressed
            .iter()
            .map(|s| JsonSuppressed {
                finding: finding(report, &s.finding),
                reason: &s.reason,
                suppressed_at: format!("{}:{}", s.file, s.line),
            })
            .collect()
    });
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
        suppressions,
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
