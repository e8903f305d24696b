//! A same-length rewrite of HCL text for hcl-edit 0.10, whose parser rejects some valid
//! files: inside a `for` expression in braces (`{ for k, v in m : k => v ?\n "a" : "b" }`)
//! it does not accept a line break between the parts of an expression.
//!
//! The HCL native syntax ignores newlines inside parentheses, brackets, `for` expressions
//! and template interpolations (`${ }`, `%{ }`). [`insignificant_newlines_to_spaces`]
//! replaces exactly those newlines (and the comments that end at them, which would
//! otherwise swallow the rest of the line) with spaces; strings, heredocs, and everything in
//! block bodies and object constructors (where a newline ends an item) are left as they
//! are. Every byte keeps its offset, so the spans of the tree parsed from the rewritten text
//! point at the same places in the original text, which is what relcheck keeps and shows.
//!
//! [`super::parse_body`] uses it only when a file does not parse as it is.

/// What the innermost open delimiter is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Frame {
    /// A block body or an object constructor: newlines end items.
    Braces,
    /// Newlines are insignificant: `(`, `[`, `{ for ...`, `${`, `%{`.
    Parens,
    Brackets,
    ForBraces,
    Interpolation,
    /// A quoted string template.
    Quoted,
    /// A heredoc template: `delimiter` ends it on a line of its own.
    Heredoc {
        start: usize,
        len: usize,
    },
}

impl Frame {
    fn newlines_insignificant(self) -> bool {
        matches!(
            self,
            Frame::Parens | Frame::Brackets | Frame::ForBraces | Frame::Interpolation
        )
    }
}

/// Deepest nesting followed; deeper text is returned unchanged (the parser rejects it with
/// its own error, and [`crate::parse`] limits nesting before this runs).
const MAX_FRAMES: usize = 1024;

/// The text with the newlines the HCL syntax ignores (and comments ending at them) turned
/// into spaces, or `None` when there are none. Same length as `text`, byte for byte outside
/// the replaced bytes.
pub fn insignificant_newlines_to_spaces(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let mut out = b.to_vec();
    let mut changed = false;
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if stack.len() > MAX_FRAMES {
            return None;
        }
        let top = stack.last().copied().unwrap_or(Frame::Braces);
        match top {
            Frame::Quoted => match b[i] {
                b'\\' => i += 2,
                b'"' => {
                    stack.pop();
                    i += 1;
                }
                _ => i = template_byte(b, i, &mut stack),
            },
            Frame::Heredoc { start, len } => {
                let line_start = i == 0 || b[i - 1] == b'\n';
                if line_start {
                    let rest = &b[i..];
                    let indent = rest
                        .iter()
                        .take_while(|c| **c == b' ' || **c == b'\t')
                        .count();
                    let delim = &b[start..start + len];
                    let after = &rest[indent..];
                    if after.starts_with(delim)
                        && !after
                            .get(len)
                            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-')
                    {
                        stack.pop();
                        i += indent + len;
                        continue;
                    }
                }
                i = template_byte(b, i, &mut stack);
            }
            _ => {
                let blank = top.newlines_insignificant();
                match b[i] {
                    b'"' => {
                        stack.push(Frame::Quoted);
                        i += 1;
                    }
                    b'#' => i = comment(b, &mut out, i, i + 1, blank, &mut changed),
                    b'/' if b.get(i + 1) == Some(&b'/') => {
                        i = comment(b, &mut out, i, i + 2, blank, &mut changed)
                    }
                    b'/' if b.get(i + 1) == Some(&b'*') => {
                        let end = find(b, i + 2, b"*/").map_or(b.len(), |e| e + 2);
                        if blank && b[i..end].contains(&b'\n') {
                            blank_range(&mut out, i, end, &mut changed);
                        }
                        i = end;
                    }
                    b'<' if b.get(i + 1) == Some(&b'<') => match heredoc_start(b, i) {
                        Some((start, len, body)) => {
                            stack.push(Frame::Heredoc { start, len });
                            i = body;
                        }
                        None => i += 2,
                    },
                    b'(' => {
                        stack.push(Frame::Parens);
                        i += 1;
                    }
                    b'[' => {
                        stack.push(Frame::Brackets);
                        i += 1;
                    }
                    b'{' => {
                        stack.push(if starts_for(b, i + 1) {
                            Frame::ForBraces
                        } else {
                            Frame::Braces
                        });
                        i += 1;
                    }
                    b')' | b']' | b'}' => {
                        stack.pop();
                        i += 1;
                    }
                    b'\r' if blank && b.get(i + 1) == Some(&b'\n') => {
                        blank_range(&mut out, i, i + 2, &mut changed);
                        i += 2;
                    }
                    b'\n' if blank => {
                        blank_range(&mut out, i, i + 1, &mut changed);
                        i += 1;
                    }
                    _ => i += 1,
                }
            }
        }
    }
    if !changed {
        return None;
    }
    // Only ASCII bytes and whole comments (whole characters) were replaced with spaces.
    String::from_utf8(out).ok()
}

/// One byte of template text (a quoted string's or a heredoc's) at `i`: `${` and `%{` open
/// an interpolation or directive, `$${` and `%%{` are literal. Returns where scanning goes
/// on.
fn template_byte(b: &[u8], i: usize, stack: &mut Vec<Frame>) -> usize {
    match b[i] {
        b'$' | b'%' if b.get(i + 1) == Some(&b[i]) && b.get(i + 2) == Some(&b'{') => i + 3,
        b'$' | b'%' if b.get(i + 1) == Some(&b'{') => {
            stack.push(Frame::Interpolation);
            i + 2
        }
        _ => i + 1,
    }
}

/// A line comment from `start` (its text from `text_start`) to the end of its line: blanked
/// with its newline where newlines are insignificant. Returns where scanning goes on.
fn comment(
    b: &[u8],
    out: &mut [u8],
    start: usize,
    text_start: usize,
    blank: bool,
    changed: &mut bool,
) -> usize {
    let nl = b[text_start..]
        .iter()
        .position(|c| *c == b'\n')
        .map_or(b.len(), |p| text_start + p);
    if !blank {
        return nl;
    }
    let end = if nl < b.len() { nl + 1 } else { nl };
    blank_range(out, start, end, changed);
    end
}

fn blank_range(out: &mut [u8], start: usize, end: usize, changed: &mut bool) {
    for c in &mut out[start..end] {
        *c = b' ';
    }
    *changed = true;
}

fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    b.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

/// `<<ID` or `<<-ID` followed by a line break at `i`: the delimiter's start and length, and
/// where the heredoc's first line starts.
fn heredoc_start(b: &[u8], i: usize) -> Option<(usize, usize, usize)> {
    let mut j = i + 2;
    if b.get(j) == Some(&b'-') {
        j += 1;
    }
    let start = j;
    if !b
        .get(j)
        .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
    {
        return None;
    }
    while b
        .get(j)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-')
    {
        j += 1;
    }
    let len = j - start;
    match (b.get(j), b.get(j + 1)) {
        (Some(b'\n'), _) => Some((start, len, j + 1)),
        (Some(b'\r'), Some(b'\n')) => Some((start, len, j + 2)),
        _ => None,
    }
}

/// Whether the text after a `{` begins a `for` expression (after spaces, newlines and
/// comments).
fn starts_for(b: &[u8], mut i: usize) -> bool {
    loop {
        while b.get(i).is_some_and(|c| c.is_ascii_whitespace()) {
            i += 1;
        }
        match (b.get(i), b.get(i + 1)) {
            (Some(b'#'), _) | (Some(b'/'), Some(b'/')) => {
                match b[i..].iter().position(|c| *c == b'\n') {
                    Some(p) => i += p + 1,
                    None => return false,
                }
            }
            (Some(b'/'), Some(b'*')) => match find(b, i + 2, b"*/") {
                Some(e) => i = e + 2,
                None => return false,
            },
            _ => break,
        }
    }
    b.get(i..i + 3) == Some(b"for")
        && b.get(i + 3)
            .is_some_and(|c| c.is_ascii_whitespace() || *c == b'#' || *c == b'/')
}

#[cfg(test)]
mod tests {
    use super::insignificant_newlines_to_spaces as rewrite;

    #[test]
    fn for_object_conditional_over_lines() {
        let text = "x = { for k, v in m : k => v ?\n  \"a\" : \"b\" }\n";
        let out = rewrite(text).unwrap();
        assert_eq!(out, "x = { for k, v in m : k => v ?   \"a\" : \"b\" }\n");
        assert_eq!(out.len(), text.len());
    }

    #[test]
    fn block_bodies_objects_strings_and_heredocs_are_kept() {
        let text = "a {\n  b = { c = 1\n d = \"(\n\" }\n  e = <<EOT\n(\nEOT\n}\n";
        assert_eq!(rewrite(text), None);
    }

    #[test]
    fn comments_ending_at_an_ignored_newline_are_blanked() {
        let text = "x = [ # first\n  1, // second\n  /* a\n b */ 2]\ny = 1 # kept\n";
        let out = rewrite(text).unwrap();
        let expected = format!(
            "x = [{}1,{}2]\ny = 1 # kept\n",
            " ".repeat(11),
            " ".repeat(24)
        );
        assert_eq!(out, expected);
    }

    #[test]
    fn interpolations_heredoc_interpolations_and_escapes() {
        let text = "x = \"${a ?\n b : c} $${\n\"\ny = <<-EOT\n  ${a ?\n b : c}\n  EOT\n";
        let out = rewrite(text).unwrap();
        assert_eq!(
            out,
            "x = \"${a ?  b : c} $${\n\"\ny = <<-EOT\n  ${a ?  b : c}\n  EOT\n"
        );
    }

    #[test]
    fn objects_inside_parentheses_keep_their_newlines() {
        let text = "x = (\n{\n a = 1\n b = [\n2]\n})\n";
        let out = rewrite(text).unwrap();
        assert_eq!(out, "x = ( {\n a = 1\n b = [ 2]\n})\n");
    }
}
