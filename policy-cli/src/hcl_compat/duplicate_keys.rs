//! hcl-edit rejects an object constructor that repeats a key (`{ a = 1, a = 2 }`); HCL
//! accepts it and the last value wins. [`last_wins`] blanks the earlier items of each
//! repeated key (same length: spaces, line breaks kept), so hcl-edit parses the rest.
//!
//! It finds the items with hcl-edit itself: each reported repeated key is replaced by a
//! placeholder of the same length until the text parses; in that tree, the object holding a
//! placeholder names the earlier items with the same key text.

use hcl_edit::expr::Expression;
use hcl_edit::structure::Body;
use hcl_edit::Span;

use super::{is_duplicate_key, parse_once, ParseFailure};
use crate::syntax::visit_body_exprs;

/// Most repeated keys handled in one file.
const MAX_REPEATED_KEYS: usize = 64;

/// A repeated key found by the parser.
struct Repeat {
    /// Byte offset of the later key.
    at: usize,
    /// Its text as written (`name` or `"name"`).
    key: String,
}

/// The text with the earlier items of every repeated object key blanked, or `None` when
/// that does not give a text hcl-edit parses.
pub(super) fn last_wins(text: &str) -> Option<String> {
    let mut placeheld = text.as_bytes().to_vec();
    let mut repeats: Vec<Repeat> = Vec::new();
    let body = loop {
        let current = std::str::from_utf8(&placeheld).ok()?;
        match parse_once(current) {
            Ok(body) => break body,
            Err(ParseFailure::Syntax(e)) if is_duplicate_key(&e) => {
                let at = e.location().offset();
                if repeats.len() >= MAX_REPEATED_KEYS || repeats.iter().any(|r| r.at == at) {
                    return None;
                }
                let len = key_len(&placeheld[at..])?;
                let key = text.get(at..at + len)?.to_string();
                // distinct placeholders for keys written alike (same length and form)
                let n = repeats
                    .iter()
                    .filter(|r| {
                        r.key.len() == len && r.key.starts_with('"') == key.starts_with('"')
                    })
                    .count();
                let placeholder = placeholder(n, &key)?;
                placeheld[at..at + len].copy_from_slice(placeholder.as_bytes());
                repeats.push(Repeat { at, key });
            }
            Err(_) => return None,
        }
    };
    let mut out = text.as_bytes().to_vec();
    for r in &repeats {
        blank_earlier_items(&body, text, r, &mut out);
    }
    String::from_utf8(out).ok()
}

/// Length of the object key at the start of `b`: an identifier or a quoted string without
/// escapes or interpolations; `None` for anything else.
fn key_len(b: &[u8]) -> Option<usize> {
    match b.first()? {
        b'"' => {
            let end = b[1..].iter().position(|c| *c == b'"')? + 1;
            let inner = &b[1..end];
            if inner
                .iter()
                .any(|c| matches!(c, b'\\' | b'$' | b'%' | b'\n'))
            {
                return None;
            }
            Some(end + 1)
        }
        c if c.is_ascii_alphabetic() || *c == b'_' => Some(
            b.iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_' || **c == b'-')
                .count(),
        ),
        _ => None,
    }
}

/// The `n`th key of the same length and form as `key` that no real key is likely to be:
/// underscores, with `n` in them from the second on (`____`, `_1__`, `"_2_"`).
fn placeholder(n: usize, key: &str) -> Option<String> {
    let quoted = key.starts_with('"');
    let width = if quoted { key.len() - 2 } else { key.len() };
    let mut name = if n == 0 {
        "_".to_string()
    } else {
        format!("_{n}")
    };
    if name.len() > width {
        return None;
    }
    while name.len() < width {
        name.push('_');
    }
    Some(if quoted { format!("\"{name}\"") } else { name })
}

/// Blanks the items before the placeholder at `r.at`, in its object, whose key is written
/// like `r.key`.
fn blank_earlier_items(body: &Body, text: &str, r: &Repeat, out: &mut [u8]) {
    visit_body_exprs(body, &mut |e| {
        let Expression::Object(o) = e else { return };
        let items: Vec<_> = o.iter().collect();
        let Some(later) = items
            .iter()
            .position(|(k, _)| k.span().is_some_and(|s| s.start == r.at))
        else {
            return;
        };
        for (k, v) in &items[..later] {
            let (Some(ks), Some(vs)) = (k.span(), v.expr().span()) else {
                continue;
            };
            if text.get(ks.clone()) != Some(r.key.as_str()) {
                continue;
            }
            let mut end = vs.end;
            // `a = 1, a = 2`: the comma goes with the blanked item
            let rest = &text.as_bytes()[end..];
            let spaces = rest
                .iter()
                .take_while(|c| **c == b' ' || **c == b'\t')
                .count();
            if rest.get(spaces) == Some(&b',') {
                end += spaces + 1;
            }
            for c in &mut out[ks.start..end] {
                if *c != b'\n' && *c != b'\r' {
                    *c = b' ';
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::last_wins;

    #[test]
    fn earlier_items_are_blanked() {
        let text =
            "x = {\n  a = 1\n  b = { c = 2 }\n  a = [\n 3]\n}\ny = { \"k\" = 1, \"k\" = 2 }\n";
        assert_eq!(
            last_wins(text).unwrap(),
            format!(
                "x = {{\n       \n  b = {{ c = 2 }}\n  a = [\n 3]\n}}\ny = {{{}\"k\" = 2 }}\n",
                " ".repeat(10)
            )
        );
    }

    #[test]
    fn three_times_the_same_key() {
        let text = "x = { ab = 1, ab = 2, ab = 3 }\n";
        assert_eq!(
            last_wins(text).unwrap(),
            format!("x = {{{}ab = 3 }}\n", " ".repeat(17))
        );
    }

    #[test]
    fn other_errors_are_left_alone() {
        assert_eq!(last_wins("x = { a = 1, a = }\n"), None);
    }
}
