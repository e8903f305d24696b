//! Fixes as edits: a finding's [`Fix`] (declared by its rule) becomes a byte edit of its
//! file here, and only here; `check --fix`/`--diff`, SARIF `fixes` and rdjson
//! `suggestions` all use [`edit`] (one edit per finding) or [`file_edits`] (the fixes of
//! one file merged, for `--fix`).
//!
//! An edit never touches anything but the value it replaces or the lines it adds: comments,
//! alignment and other blocks stay byte for byte. Added attributes are aligned the way
//! `terraform fmt` aligns them, so a `fmt`-clean file stays clean. No edit is made in a
//! `.tf.json` file or under `.terraform/` (modules `terraform init` fetched).

use std::collections::BTreeMap;
use std::ops::Range;

use crate::finding::{Finding, Fix, FixAction};
use crate::parse::{ReadText, SourceFile};

/// Replace `span` (byte offsets into the file) with `text`; an empty span inserts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub span: Range<usize>,
    pub text: String,
}

/// Whether relcheck may edit this file at all.
pub fn editable(file: &SourceFile) -> bool {
    file.path.extension().is_some_and(|e| e == "tf")
        && !file
            .path
            .components()
            .any(|c| c.as_os_str() == ".terraform")
}

/// The edit a fix makes on its own; `None` when it cannot be made safely (not editable,
/// not a plain literal, a one-line block) or changes nothing.
pub fn edit(file: &SourceFile, fix: &Fix) -> Option<Edit> {
    if !editable(file) {
        return None;
    }
    match &fix.action {
        FixAction::Replace { attr, value } => replace(&file.text, attr, value),
        FixAction::Append { block, text } => append(&file.text, block, &[text.as_str()]),
    }
}

/// The edits of one file's findings, merged: replacements as they are, additions to the same
/// block as one insertion (attributes first, aligned together, then blocks), so that
/// applying them all at once keeps the file `fmt`-clean. Sorted, never overlapping.
pub fn file_edits(file: &SourceFile, findings: &[&Finding]) -> Vec<Edit> {
    if !editable(file) {
        return Vec::new();
    }
    let mut edits = Vec::new();
    let mut appends: BTreeMap<(usize, usize), Vec<&str>> = BTreeMap::new();
    for f in findings {
        match f.fix.as_ref().map(|x| &x.action) {
            Some(FixAction::Replace { attr, value }) => {
                edits.extend(replace(&file.text, attr, value));
            }
            Some(FixAction::Append { block, text }) => {
                let texts = appends.entry((block.start, block.end)).or_default();
                if !texts.contains(&text.as_str()) {
                    texts.push(text);
                }
            }
            None => {}
        }
    }
    for ((start, end), mut texts) in appends {
        // Attributes (one line) before blocks (several).
        texts.sort_by_key(|t| t.contains('\n'));
        edits.extend(append(&file.text, &(start..end), &texts));
    }
    edits.sort_by_key(|e| (e.span.start, e.span.end));
    edits.dedup();
    let mut kept: Vec<Edit> = Vec::new();
    for e in edits {
        match kept.last() {
            // Overlapping (or two insertions at one place): the first wins; re-running
            // `--fix` applies the other one.
            Some(prev) if e.span.start < prev.span.end || e.span.start == prev.span.start => {}
            _ => kept.push(e),
        }
    }
    kept
}

/// Applies sorted, non-overlapping edits.
pub fn apply(text: &str, edits: &[Edit]) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for e in edits {
        let Some(before) = text.get(at..e.span.start) else {
            continue; // overlapping, or not at a character boundary: never the case
        };
        if text.get(e.span.clone()).is_none() {
            continue;
        }
        out.push_str(before);
        out.push_str(&e.text);
        at = e.span.end;
    }
    out.push_str(&text[at..]);
    out
}

/// Whether `text` still parses (the fixed file of `file`); the parse error otherwise.
pub fn parse_error(file: &SourceFile, text: String) -> Option<String> {
    let read = ReadText {
        text,
        problem: None,
    };
    let (_, err) = SourceFile::parse(file.path.clone(), file.display.clone(), read);
    err.map(|e| format!("{}:{}: {}", e.line, e.column, e.message))
}

/// Replaces the literal value of the attribute `name = value` at `attr`.
fn replace(text: &str, attr: &Range<usize>, value: &str) -> Option<Edit> {
    let src = text.get(attr.clone())?;
    let eq = src.find('=')?;
    let key = src[..eq].trim_end();
    if key.is_empty()
        || !key
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
    {
        return None;
    }
    let lead = src[eq + 1..].len() - src[eq + 1..].trim_start_matches([' ', '\t']).len();
    let start = attr.start + eq + 1 + lead;
    let end = attr.start + src.trim_end().len();
    let old = text.get(start..end)?;
    // One literal token on one line: a number, `true`/`false`/`null`, or a quoted string.
    let quoted = old.len() >= 2
        && old.starts_with('"')
        && old.ends_with('"')
        && !old.contains("${")
        && !old.contains("%{");
    let bare = matches!(old, "true" | "false" | "null") || old.parse::<f64>().is_ok();
    if old.is_empty() || old.contains('\n') || !(quoted || bare) || old == value {
        return None;
    }
    // A comment after the value keeps its column (`terraform fmt` aligns them).
    let rest = &text[end..];
    let line_rest = &rest[..rest.find('\n').unwrap_or(rest.len())];
    let pad = line_rest.len() - line_rest.trim_start_matches(' ').len();
    let after = &line_rest[pad..];
    if pad > 0 && is_comment(after) {
        // Aligned with a comment on the line above or below: keep the column; alone:
        // keep the spaces.
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let column = text[line_start..end + pad].chars().count();
        let aligned = [
            neighbour_line(text, line_start, -1),
            neighbour_line(text, line_start, 1),
        ]
        .into_iter()
        .flatten()
        .any(|l| {
            l.chars().count() > column
                && is_comment(&l[l.char_indices().nth(column).map_or(0, |(i, _)| i)..])
        });
        let spaces = if aligned {
            (old.chars().count() + pad)
                .saturating_sub(value.chars().count())
                .max(1)
        } else {
            pad
        };
        return Some(Edit {
            span: start..end + pad,
            text: format!("{value}{}", " ".repeat(spaces)),
        });
    }
    Some(Edit {
        span: start..end,
        text: value.to_string(),
    })
}

fn is_comment(s: &str) -> bool {
    s.starts_with('#') || s.starts_with("//") || s.starts_with("/*")
}

/// The line before (`-1`) or after (`1`) the line starting at `line_start`.
fn neighbour_line(text: &str, line_start: usize, dir: i32) -> Option<&str> {
    if dir < 0 {
        let prev_end = line_start.checked_sub(1)?;
        let prev_start = text[..prev_end].rfind('\n').map_or(0, |i| i + 1);
        Some(&text[prev_start..prev_end])
    } else {
        let end = line_start + text[line_start..].find('\n')?;
        let next = &text[end + 1..];
        Some(&next[..next.find('\n').unwrap_or(next.len())])
    }
}

/// Adds `items` (unindented HCL; attributes first) as the last lines of the block at
/// `block`, whose closing brace must be on a line of its own.
fn append(text: &str, block: &Range<usize>, items: &[&str]) -> Option<Edit> {
    let src = text.get(block.clone())?;
    // A `dynamic` block's content is not its body: never add there.
    if items.is_empty() || !src.ends_with('}') || !src.contains('{') || src.starts_with("dynamic") {
        return None;
    }
    let close = block.end - 1;
    let line_start = text[..close].rfind('\n')? + 1;
    if line_start <= block.start {
        return None;
    }
    let indent = &text[line_start..close];
    if !indent.chars().all(|c| c == ' ' || c == '\t') {
        return None;
    }
    let inner = format!("{indent}  ");
    // The line just above the closing brace, when it is a one-line attribute at this
    // level: added attributes join its `=` alignment group when they fit in it.
    let prev = text[..line_start.saturating_sub(1)]
        .rsplit('\n')
        .next()
        .unwrap_or("");
    let group_eq = attr_eq_column(prev, &inner);
    let attrs: Vec<(&str, &str)> = items
        .iter()
        .filter(|t| !t.contains('\n'))
        .filter_map(|t| t.split_once(" = "))
        .collect();
    let longest = attrs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut out = String::new();
    let eq = match group_eq {
        Some(col) if longest < col => col,
        Some(_) if !attrs.is_empty() => {
            // Longer than the group's keys: a group of their own (a blank line apart), so
            // the lines above keep their alignment.
            out.push('\n');
            longest + 1
        }
        _ => longest + 1,
    };
    for (k, v) in &attrs {
        out.push_str(&format!(
            "{inner}{k}{} = {v}\n",
            " ".repeat(eq - 1 - k.len())
        ));
    }
    for b in items.iter().filter(|t| t.contains('\n')) {
        for l in b.lines() {
            if l.is_empty() {
                out.push('\n');
            } else {
                out.push_str(&format!("{inner}{l}\n"));
            }
        }
    }
    // The file's line endings.
    if text[..line_start].ends_with("\r\n") {
        out = out.replace('\n', "\r\n");
    }
    Some(Edit {
        span: line_start..line_start,
        text: out,
    })
}

/// For `<indent>key<spaces>= value` (one line, at exactly `indent`): the column of `=`
/// after the indent.
fn attr_eq_column(line: &str, indent: &str) -> Option<usize> {
    let rest = line.strip_prefix(indent)?;
    let key_len = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(rest.len());
    if key_len == 0 {
        return None;
    }
    let after = &rest[key_len..];
    let spaces = after.len() - after.trim_start_matches(' ').len();
    let tail = &after[spaces..];
    if !tail.starts_with('=') || tail.starts_with("==") || tail.starts_with("=>") {
        return None;
    }
    // Opening a multi-line value: the group continues below, not at this line.
    let value = tail[1..].trim();
    if value.ends_with(['{', '[', '(']) || value.starts_with("<<") {
        return None;
    }
    Some(key_len + spaces)
}

/// A unified diff of `old` → `new` (`--diff`), with three lines of context.
pub fn unified_diff(name: &str, old: &str, new: &str) -> String {
    let a: Vec<&str> = old.split_inclusive('\n').collect();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    let hunks = changed_stretches(&a, &b);
    if hunks.is_empty() {
        return String::new();
    }
    let mut out = format!("--- a/{name}\n+++ b/{name}\n");
    let ctx = 3;
    let mut k = 0;
    while k < hunks.len() {
        let mut end = k;
        while end + 1 < hunks.len() && hunks[end + 1].0 <= hunks[end].1 + 2 * ctx {
            end += 1;
        }
        let a0 = hunks[k].0.saturating_sub(ctx);
        let b0 = hunks[k].2 - (hunks[k].0 - a0);
        let a1 = (hunks[end].1 + ctx).min(a.len());
        let b1 = hunks[end].3 + (a1 - hunks[end].1);
        out.push_str(&format!(
            "@@ -{},{} +{},{} @@\n",
            a0 + 1,
            a1 - a0,
            b0 + 1,
            b1 - b0
        ));
        let mut pos = a0;
        for h in &hunks[k..=end] {
            for l in &a[pos..h.0] {
                push_line(&mut out, ' ', l);
            }
            for l in &a[h.0..h.1] {
                push_line(&mut out, '-', l);
            }
            for l in &b[h.2..h.3] {
                push_line(&mut out, '+', l);
            }
            pos = h.1;
        }
        for l in &a[pos..a1] {
            push_line(&mut out, ' ', l);
        }
        k = end + 1;
    }
    out
}

/// The changed stretches `(a0, a1, b0, b1)` between two line lists: the common prefix and
/// suffix trimmed, then a longest common subsequence over the rest (a fix's edits are few;
/// past four million line pairs the rest is one stretch).
fn changed_stretches(a: &[&str], b: &[&str]) -> Vec<(usize, usize, usize, usize)> {
    let pre = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suf = a[pre..]
        .iter()
        .rev()
        .zip(b[pre..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (a1, b1) = (a.len() - suf, b.len() - suf);
    let (n, m) = (a1 - pre, b1 - pre);
    if n == 0 && m == 0 {
        return Vec::new();
    }
    if n.saturating_mul(m) > 4_000_000 {
        return vec![(pre, a1, pre, b1)];
    }
    // lcs[i][j]: longest common subsequence of a[pre+i..a1] and b[pre+j..b1].
    let w = m + 1;
    let mut lcs = vec![0u32; (n + 1) * w];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i * w + j] = if a[pre + i] == b[pre + j] {
                lcs[(i + 1) * w + j + 1] + 1
            } else {
                lcs[(i + 1) * w + j].max(lcs[i * w + j + 1])
            };
        }
    }
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    let mut open: Option<(usize, usize)> = None;
    while i < n || j < m {
        if i < n && j < m && a[pre + i] == b[pre + j] {
            if let Some((oi, oj)) = open.take() {
                out.push((pre + oi, pre + i, pre + oj, pre + j));
            }
            i += 1;
            j += 1;
            continue;
        }
        open.get_or_insert((i, j));
        if j < m && (i == n || lcs[i * w + j + 1] >= lcs[(i + 1) * w + j]) {
            j += 1;
        } else {
            i += 1;
        }
    }
    if let Some((oi, oj)) = open {
        out.push((pre + oi, pre + n, pre + oj, pre + m));
    }
    out
}

fn push_line(out: &mut String, mark: char, line: &str) {
    out.push(mark);
    out.push_str(line);
    if !line.ends_with('\n') {
        out.push_str("\n\\ No newline at end of file\n");
    }
}

/// The fixed text of one file, and what was fixed in it.
pub struct FileFix {
    pub file: crate::parse::FileId,
    pub old: String,
    pub new: String,
    /// `RC101 aws_db_instance.orders: set `multi_az = true``, one per fixed finding.
    pub fixed: Vec<String>,
}

/// The fixes of a report's findings, file by file (in the report's order). A file whose
/// fixed text would not parse is left out, with the reason in the second list.
pub fn plan(report: &crate::Report) -> (Vec<FileFix>, Vec<String>) {
    let mut by_file: BTreeMap<usize, Vec<&Finding>> = BTreeMap::new();
    for f in report.findings.iter().filter(|f| f.fix.is_some()) {
        by_file.entry(f.file).or_default().push(f);
    }
    let mut out = Vec::new();
    let mut refused = Vec::new();
    for (id, findings) in by_file {
        let file = &report.files[id];
        if report.errors.iter().any(|e| e.file == file.display) {
            continue; // not fully read: its text is not what relcheck understood
        }
        let edits = file_edits(file, &findings);
        if edits.is_empty() {
            continue;
        }
        let new = apply(&file.text, &edits);
        if let Some(e) = parse_error(file, new.clone()) {
            refused.push(format!(
                "{}: fixes not applied: the fixed file would not parse ({e})",
                file.display
            ));
            continue;
        }
        let fixed = findings
            .iter()
            .filter(|f| f.fix.as_ref().and_then(|x| edit(file, x)).is_some())
            .map(|f| {
                let (line, _) = file.line_col(f.span.start);
                let what = f.fix.as_ref().map(|x| x.description.as_str());
                format!(
                    "{}:{line}: {} {}: {}",
                    file.display,
                    f.rule.id,
                    f.resource,
                    what.unwrap_or_default()
                )
            })
            .collect();
        out.push(FileFix {
            file: id,
            old: file.text.clone(),
            new,
            fixed,
        });
    }
    (out, refused)
}

/// What identifies a finding across a fix: rule, resource, file. A key after the fix that
/// was not there before is a finding the fix introduced.
pub fn finding_keys(
    report: &crate::Report,
) -> std::collections::BTreeSet<(String, String, String)> {
    report
        .findings
        .iter()
        .map(|f| {
            (
                f.rule.id.to_string(),
                f.resource.clone(),
                report.files[f.file].display.clone(),
            )
        })
        .collect()
}

/// What `--fix` did: the lines it prints, and whether it wrote a file.
pub struct Outcome {
    pub messages: Vec<String>,
    pub written: bool,
}

/// `--fix`: writes the fixes of `report`'s findings, runs `check` (the unfiltered check of
/// the same paths) before and after, and puts back every file where the fixes left a
/// finding that was not there before, or an error.
pub fn write_checked(report: &crate::Report, check: impl Fn() -> crate::Report) -> Outcome {
    let (fixes, refused) = plan(report);
    let mut messages: Vec<String> = refused.into_iter().map(|r| format!("note: {r}")).collect();
    if fixes.is_empty() {
        return Outcome {
            messages,
            written: false,
        };
    }
    let before = finding_keys(&check());
    let mut written = Vec::new();
    for f in &fixes {
        let path = &report.files[f.file].path;
        match std::fs::write(path, &f.new) {
            Ok(()) => written.push(f),
            Err(e) => messages.push(format!(
                "error: {}: cannot write the fix: {e}",
                path.display()
            )),
        }
    }
    let after = check();
    let keys = finding_keys(&after);
    for f in &written {
        let file = &report.files[f.file];
        let name = &file.display;
        let new_finding = keys.iter().find(|k| &k.2 == name && !before.contains(*k));
        let new_error = after.errors.iter().find(|e| &e.file == name);
        let why = match (new_finding, new_error) {
            (Some((rule, resource, _)), _) => Some(format!("a new {rule} finding on {resource}")),
            (None, Some(e)) => Some(format!("an error ({})", e.message)),
            (None, None) => None,
        };
        match why {
            Some(why) => {
                if let Err(e) = std::fs::write(&file.path, &f.old) {
                    messages.push(format!("error: {name}: cannot put the file back: {e}"));
                }
                messages.push(format!(
                    "note: {name}: fixes not applied: they would leave {why}"
                ));
            }
            None => messages.extend(f.fixed.iter().map(|l| format!("fixed: {l}"))),
        }
    }
    Outcome {
        messages,
        written: !written.is_empty(),
    }
}
