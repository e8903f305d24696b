//! What the server tells about a checked document: diagnostics (findings and read or
//! parse errors), quick fixes (the same edits as `check --fix`, with the same checks), and
//! hover (the rule's `relcheck explain` text).

use std::collections::BTreeMap;
use std::ops::Range;

use serde_json::{json, Value};

use super::convert::LineIndex;
use super::server::{check, Doc};
use crate::finding::{Finding, Severity};
use crate::fix;
use crate::parse::{FileId, Overlay};
use crate::Report;

/// `textDocument/publishDiagnostics` for one document.
pub fn publish(uri: &str, diagnostics: Vec<Value>) -> Value {
    super::protocol::notification(
        "textDocument/publishDiagnostics",
        json!({"uri": uri, "diagnostics": diagnostics}),
    )
}

/// The read or parse errors of the file shown as `display`, whose text is `text`.
pub fn errors(report: &Report, display: &str, text: &str) -> Vec<Value> {
    let index = LineIndex::new(text);
    report
        .errors
        .iter()
        .filter(|e| e.file == display)
        .map(|e| {
            let at = index.offset_of_line_col(e.line, e.column);
            json!({
                "range": index.range(&(at..at)),
                "severity": 1,
                "source": "relcheck",
                "message": e.message,
            })
        })
        .collect()
}

/// The diagnostics of one file of a report: its read or parse errors, then its findings.
pub fn diagnostics(report: &Report, id: FileId) -> Vec<Value> {
    let file = &report.files[id];
    let index = LineIndex::new(&file.text);
    let mut out = errors(report, &file.display, &file.text);
    out.extend(
        report
            .findings
            .iter()
            .filter(|f| f.file == id)
            .map(|f| diagnostic(&index, f)),
    );
    out
}

fn diagnostic(index: &LineIndex, f: &Finding) -> Value {
    let severity = match f.rule.severity {
        Severity::Error => 1,
        Severity::Warning => 2,
        Severity::Note => 3,
    };
    let message = if f.help.is_empty() {
        f.message.clone()
    } else {
        format!("{}\nhelp: {}", f.message, f.help)
    };
    json!({
        "range": index.range(&f.span),
        "severity": severity,
        "code": f.rule.id,
        "source": "relcheck",
        "message": message,
    })
}

/// The report's file for an open document, when the report read the document's text
/// (not an older one).
fn file_of(report: &Report, doc: &Doc) -> Option<FileId> {
    report
        .files
        .iter()
        .position(|f| f.path == doc.path && f.text == doc.text)
}

fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start <= b.end && b.start <= a.end
}

/// `textDocument/codeAction`: a quick fix for each finding in `range` whose rule fixes
/// it, made as `check --fix` makes it: only when the fixed file parses and the check of
/// its directory with the fix finds nothing that was not there before.
pub fn code_actions(
    uri: &str,
    doc: &Doc,
    report: Option<&Report>,
    range: &Value,
    docs: &BTreeMap<String, Doc>,
) -> Value {
    let Some(report) = report else {
        return json!([]);
    };
    let Some(id) = file_of(report, doc) else {
        return json!([]);
    };
    let file = &report.files[id];
    if report.errors.iter().any(|e| e.file == file.display) {
        return json!([]); // not fully read: its text is not what relcheck understood
    }
    let index = LineIndex::new(&file.text);
    let Some(wanted) = index.span(range) else {
        return json!([]);
    };
    let Some(dir) = doc.path.parent() else {
        return json!([]);
    };
    let before = fix::finding_keys(report);
    let mut actions = Vec::new();
    for f in report.findings.iter().filter(|f| f.file == id) {
        let Some(fx) = &f.fix else { continue };
        if !overlaps(&f.span, &wanted) {
            continue;
        }
        let edits = fix::file_edits(file, &[f]);
        if edits.is_empty() {
            continue;
        }
        let new = fix::apply(&file.text, &edits);
        if fix::parse_error(file, new.clone()).is_some() {
            continue;
        }
        // Check again with the fix, as `--fix` does: no new finding in this file, no error.
        let mut overlay = Overlay::default();
        for d in docs.values() {
            overlay.insert(d.path.clone(), d.text.clone());
        }
        overlay.insert(doc.path.clone(), new);
        let (after, _) = check(dir, overlay);
        let introduces = fix::finding_keys(&after)
            .iter()
            .any(|k| k.2 == file.display && !before.contains(k));
        if introduces || after.errors.iter().any(|e| e.file == file.display) {
            continue;
        }
        let text_edits: Vec<Value> = edits
            .iter()
            .map(|e| json!({"range": index.range(&e.span), "newText": e.text}))
            .collect();
        actions.push(json!({
            "title": format!("relcheck {}: {}", f.rule.id, fx.description),
            "kind": "quickfix",
            "diagnostics": [diagnostic(&index, f)],
            "isPreferred": true,
            "edit": {"changes": {uri: text_edits}},
        }));
    }
    Value::Array(actions)
}

/// `textDocument/hover`: over a finding, its message and its rule's explanation (the
/// text of `relcheck explain`); `null` elsewhere.
pub fn hover(doc: &Doc, report: Option<&Report>, position: &Value) -> Value {
    let Some(report) = report else {
        return Value::Null;
    };
    let Some(id) = file_of(report, doc) else {
        return Value::Null;
    };
    let index = LineIndex::new(&report.files[id].text);
    let Some(at) = index.offset(position) else {
        return Value::Null;
    };
    let here: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.file == id && f.span.start <= at && at <= f.span.end)
        .collect();
    if here.is_empty() {
        return Value::Null;
    }
    let mut parts: Vec<String> = Vec::new();
    let mut rules: Vec<&str> = Vec::new();
    for f in &here {
        parts.push(format!("**{}** {}", f.rule.id, f.message));
    }
    for f in &here {
        if !rules.contains(&f.rule.id) {
            rules.push(f.rule.id);
            parts.push(crate::rules::explain(f.rule));
        }
    }
    // The innermost finding's range.
    let span = here
        .iter()
        .map(|f| f.span.clone())
        .min_by_key(|s| s.end - s.start)
        .unwrap_or(at..at);
    json!({
        "contents": {"kind": "markdown", "value": parts.join("\n\n---\n\n")},
        "range": index.range(&span),
    })
}
