//! Positions and URIs: relcheck speaks byte offsets and paths, LSP 0-based lines, UTF-16
//! columns and `file://` URIs.

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

/// Byte offset → LSP position (0-based line, UTF-16 column), and back. An offset inside a
/// character counts as the character's start; a position past a line's end is its end.
pub struct LineIndex<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    pub fn new(text: &'t str) -> LineIndex<'t> {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    /// The LSP position of a byte offset.
    pub fn position(&self, offset: usize) -> Value {
        let offset = offset.min(self.text.len());
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.starts[line];
        let mut col = 0;
        for (i, c) in self.text[start..].char_indices() {
            if start + i >= offset {
                break;
            }
            col += c.len_utf16();
        }
        json!({"line": line, "character": col})
    }

    /// The LSP range of a byte span.
    pub fn range(&self, span: &Range<usize>) -> Value {
        json!({"start": self.position(span.start), "end": self.position(span.end)})
    }

    /// The byte offset of an LSP position (`None` when it is not one).
    pub fn offset(&self, position: &Value) -> Option<usize> {
        let line = position.get("line")?.as_u64()? as usize;
        let character = position.get("character")?.as_u64()? as usize;
        let Some(&start) = self.starts.get(line) else {
            return Some(self.text.len());
        };
        let end = self
            .starts
            .get(line + 1)
            .map(|e| e - 1)
            .unwrap_or(self.text.len());
        let line_text = &self.text[start..end];
        let line_text = line_text.strip_suffix('\r').unwrap_or(line_text);
        let mut units = 0;
        for (i, c) in line_text.char_indices() {
            if units >= character {
                return Some(start + i);
            }
            units += c.len_utf16();
        }
        Some(start + line_text.len())
    }

    /// The byte span of an LSP range.
    pub fn span(&self, range: &Value) -> Option<Range<usize>> {
        let a = self.offset(range.get("start")?)?;
        let b = self.offset(range.get("end")?)?;
        Some(a.min(b)..a.max(b))
    }

    /// The byte offset of a 1-based line and column (in characters), as in relcheck's
    /// error messages.
    pub fn offset_of_line_col(&self, line: usize, column: usize) -> usize {
        let Some(&start) = self.starts.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        self.text[start..]
            .char_indices()
            .take_while(|(_, c)| *c != '\n')
            .nth(column.saturating_sub(1))
            .map(|(i, _)| start + i)
            .unwrap_or_else(|| {
                let rest = &self.text[start..];
                start + rest.find('\n').unwrap_or(rest.len())
            })
    }
}

/// The path of a `file://` URI (percent-decoded); `None` for other schemes.
pub fn uri_to_path(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    // `file:///p` (empty authority) or `file://localhost/p`.
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    if !rest.starts_with('/') {
        return None;
    }
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h)? * 16 + hex(l)?) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    let s = String::from_utf8(out).ok()?;
    Some(PathBuf::from(s))
}

/// The `file://` URI of an absolute path (unreserved characters and `/` as they are,
/// everything else percent-encoded).
pub fn path_to_uri(path: &Path) -> String {
    let mut out = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_columns() {
        // `é` is 2 bytes / 1 unit, `😀` 4 bytes / 2 units.
        let text = "a = \"é😀x\"\nb = 1\n";
        let ix = LineIndex::new(text);
        let x = text.find('x').unwrap();
        assert_eq!(ix.position(x), json!({"line": 0, "character": 8}));
        assert_eq!(ix.offset(&json!({"line": 0, "character": 8})), Some(x));
        let b = text.find('b').unwrap();
        assert_eq!(ix.position(b), json!({"line": 1, "character": 0}));
        assert_eq!(ix.offset(&json!({"line": 1, "character": 99})), Some(b + 5));
        assert_eq!(
            ix.offset(&json!({"line": 9, "character": 0})),
            Some(text.len())
        );
        assert_eq!(ix.offset_of_line_col(1, 7), text.find('😀').unwrap());
    }

    #[test]
    fn uris() {
        let p = Path::new("/tmp/a b/é.tf");
        let uri = path_to_uri(p);
        assert_eq!(uri, "file:///tmp/a%20b/%C3%A9.tf");
        assert_eq!(uri_to_path(&uri).as_deref(), Some(p));
        assert_eq!(uri_to_path("untitled:1"), None);
    }
}
