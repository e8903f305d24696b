//! Where a finding sits among its file's blocks and attributes: the attribute path used by
//! fingerprints, the statement a suppression comment stands above, the resource block
//! whose lines `--changed-since` compares with a diff. Read from the file's
//! [`crate::parse::Outline`], which outlives the syntax tree.

use std::ops::Range;

use crate::parse::{Items, SourceFile};

/// Dotted path of the attribute (or nested block) at `span`, inside its top-level block:
/// `backup_configuration.enabled`; empty for a block header. Independent of line numbers.
pub fn attribute_path(file: &SourceFile, span: &Range<usize>) -> String {
    let mut path = Vec::new();
    let mut cur = file.outline.items();
    let mut top = true;
    'outer: loop {
        for s in cur {
            let r = s.span();
            if !(r.start <= span.start && span.start < r.end.max(r.start + 1)) {
                continue;
            }
            if !s.is_block() {
                path.push(s.name());
                break 'outer;
            }
            if r.start == span.start {
                // the finding points at this block's header
                if !top {
                    path.push(s.name());
                }
                break 'outer;
            }
            if !top {
                path.push(s.name());
            }
            top = false;
            cur = s.children();
            continue 'outer;
        }
        break;
    }
    path.join(".")
}

/// 1-based inclusive line range of the outermost block or attribute that starts on `line`.
pub fn statement_lines_at(file: &SourceFile, line: usize) -> Option<(usize, usize)> {
    fn walk(file: &SourceFile, items: Items<'_>, line: usize) -> Option<(usize, usize)> {
        for s in items {
            let r = s.span();
            let (l0, _) = file.line_col(r.start);
            let (l1, _) = file.line_col(r.end.saturating_sub(1).max(r.start));
            if l0 == line {
                return Some((l0, l1));
            }
            if s.is_block() && l0 < line && line <= l1 {
                if let Some(x) = walk(file, s.children(), line) {
                    return Some(x);
                }
            }
        }
        None
    }
    walk(file, file.outline.items(), line)
}

/// 1-based inclusive line range of the top-level block containing byte `offset`.
pub fn top_block_lines(file: &SourceFile, offset: usize) -> Option<(usize, usize)> {
    for s in file.outline.items() {
        let r = s.span();
        if r.start <= offset && offset < r.end.max(r.start + 1) {
            let (l0, _) = file.line_col(r.start);
            let (l1, _) = file.line_col(r.end.saturating_sub(1).max(r.start));
            return Some((l0, l1));
        }
    }
    None
}
