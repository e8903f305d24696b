//! Where a finding sits in its file's syntax tree: the attribute path used by
//! fingerprints, the statement a suppression comment stands above, the resource block
//! whose lines `--changed-since` compares with a diff.

use std::ops::Range;

use hcl_edit::structure::{Body, Structure};
use hcl_edit::Span;

use crate::parse::SourceFile;

/// Dotted path of the attribute (or nested block) at `span`, inside its top-level block:
/// `backup_configuration.enabled`; empty for a block header. Independent of line numbers.
pub fn attribute_path(file: &SourceFile, span: &Range<usize>) -> String {
    let Some(body) = &file.body else {
        return String::new();
    };
    let mut path = Vec::new();
    let mut cur = body;
    let mut top = true;
    'outer: loop {
        for s in cur.iter() {
            let Some(r) = s.span() else { continue };
            if !(r.start <= span.start && span.start < r.end.max(r.start + 1)) {
                continue;
            }
            match s {
                Structure::Attribute(a) => {
                    path.push(a.key.as_str().to_string());
                    break 'outer;
                }
                Structure::Block(b) => {
                    if r.start == span.start {
                        // the finding points at this block's header
                        if !top {
                            path.push(b.ident.as_str().to_string());
                        }
                        break 'outer;
                    }
                    if !top {
                        path.push(b.ident.as_str().to_string());
                    }
                    top = false;
                    cur = &b.body;
                    continue 'outer;
                }
            }
        }
        break;
    }
    path.join(".")
}

/// 1-based inclusive line range of the outermost block or attribute that starts on `line`.
pub fn statement_lines_at(file: &SourceFile, line: usize) -> Option<(usize, usize)> {
    fn walk(file: &SourceFile, body: &Body, line: usize) -> Option<(usize, usize)> {
        for s in body.iter() {
            let Some(r) = s.span() else { continue };
            let (l0, _) = file.line_col(r.start);
            let (l1, _) = file.line_col(r.end.saturating_sub(1).max(r.start));
            if l0 == line {
                return Some((l0, l1));
            }
            if let Structure::Block(b) = s {
                if l0 < line && line <= l1 {
                    if let Some(x) = walk(file, &b.body, line) {
                        return Some(x);
                    }
                }
            }
        }
        None
    }
    walk(file, file.body.as_ref()?, line)
}

/// 1-based inclusive line range of the top-level block containing byte `offset`.
pub fn top_block_lines(file: &SourceFile, offset: usize) -> Option<(usize, usize)> {
    for s in file.body.as_ref()?.iter() {
        let Some(r) = s.span() else { continue };
        if r.start <= offset && offset < r.end.max(r.start + 1) {
            let (l0, _) = file.line_col(r.start);
            let (l1, _) = file.line_col(r.end.saturating_sub(1).max(r.start));
            return Some((l0, l1));
        }
    }
    None
}
