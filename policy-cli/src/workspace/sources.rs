//! Module sources: which are local paths, the local sources a file may call (found
//! without parsing, for the plan), and resolving them to directories.

use std::path::{Path, PathBuf};

use crate::parse::ReadText;

/// Is a module `source` a local path?
pub fn is_local_source(s: &str) -> bool {
    s.starts_with("./") || s.starts_with("../") || s == "." || s == ".."
}

/// Every local path after `source =` (HCL) or under a `"source"` key (JSON) in a file:
/// a superset of the local sources of its `module` blocks, without parsing.
pub(super) fn candidate_sources(path: &Path, read: &ReadText) -> Vec<String> {
    let ReadText { text, problem } = read;
    let mut out = Vec::new();
    if problem.is_some() {
        return out;
    }
    if path.to_string_lossy().ends_with(".json") {
        fn visit(v: &serde_json::Value, out: &mut Vec<String>) {
            match v {
                serde_json::Value::Object(m) => {
                    for (k, x) in m {
                        match x {
                            serde_json::Value::String(s) if k == "source" => {
                                if is_local_source(s) {
                                    out.push(s.clone());
                                }
                            }
                            other => visit(other, out),
                        }
                    }
                }
                serde_json::Value::Array(a) => a.iter().for_each(|x| visit(x, out)),
                _ => {}
            }
        }
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(text) {
            visit(&v, &mut out);
        }
        return out;
    }
    let b = text.as_bytes();
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c >= 0x80;
    // Spaces, newlines and comments.
    let skip = |mut j: usize| -> usize {
        loop {
            match b.get(j) {
                Some(b' ' | b'\t' | b'\r' | b'\n') => j += 1,
                Some(b'#') => {
                    j = text[j..].find('\n').map(|k| j + k + 1).unwrap_or(b.len());
                }
                Some(b'/') if b.get(j + 1) == Some(&b'/') => {
                    j = text[j..].find('\n').map(|k| j + k + 1).unwrap_or(b.len());
                }
                Some(b'/') if b.get(j + 1) == Some(&b'*') => {
                    j = text[j + 2..]
                        .find("*/")
                        .map(|k| j + 2 + k + 2)
                        .unwrap_or(b.len());
                }
                _ => return j,
            }
        }
    };
    let mut from = 0;
    while let Some(k) = text[from..].find("source") {
        let i = from + k;
        from = i + "source".len();
        if i > 0 && ident(b[i - 1]) {
            continue;
        }
        let mut j = from;
        if b.get(j).is_some_and(|&c| ident(c)) {
            continue;
        }
        if b.get(j) == Some(&b'"') {
            j += 1;
        }
        j = skip(j);
        if !matches!(b.get(j), Some(b'=' | b':')) {
            continue;
        }
        j = skip(j + 1);
        if b.get(j) != Some(&b'"') {
            continue;
        }
        let start = j + 1;
        let mut e = start;
        while e < b.len() && b[e] != b'"' && b[e] != b'\n' {
            e += if b[e] == b'\\' { 2 } else { 1 };
        }
        if e >= b.len() || b[e] != b'"' {
            continue;
        }
        let raw = &text[start..e];
        let value = if raw.contains(['\\', '$', '%']) {
            unescape(raw)
        } else {
            raw.to_string()
        };
        if is_local_source(&value) {
            out.push(value);
        }
    }
    out
}

/// The value of a quoted HCL string literal's text (escapes, `$${`, `%%{`). Unknown
/// escapes are kept as written.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut it = raw.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        match c {
            '\\' => match it.next() {
                Some((_, 'n')) => out.push('\n'),
                Some((_, 'r')) => out.push('\r'),
                Some((_, 't')) => out.push('\t'),
                Some((_, '"')) => out.push('"'),
                Some((_, '\\')) => out.push('\\'),
                Some((j, u @ ('u' | 'U'))) => {
                    let n = if u == 'u' { 4 } else { 8 };
                    let hex = raw.get(j + 1..j + 1 + n);
                    match hex
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                        .and_then(char::from_u32)
                    {
                        Some(ch) => {
                            out.push(ch);
                            for _ in 0..n {
                                it.next();
                            }
                        }
                        None => {
                            out.push('\\');
                            out.push(u);
                        }
                    }
                }
                Some((_, other)) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            },
            '$' | '%' if raw[i + 1..].starts_with(c) && raw[i + 2..].starts_with('{') => {
                it.next();
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// `dir.join(src).canonicalize()`, without resolving `dir` again for every call: from the
/// canonical `dir`, each component of `src` is looked at with one `lstat`. Anything unusual
/// (a symlink, a non-directory on the way, an absolute source) takes the full
/// `canonicalize`, so the result is always the same.
pub(crate) fn resolve_source(canon_dir: Option<&Path>, dir: &Path, src: &str) -> Option<PathBuf> {
    let fast = || {
        let mut p = canon_dir?.to_path_buf();
        let mut is_dir = true;
        for c in Path::new(src).components() {
            if !is_dir {
                return None;
            }
            match c {
                std::path::Component::CurDir => {}
                std::path::Component::ParentDir => {
                    p.pop();
                }
                std::path::Component::Normal(n) => {
                    p.push(n);
                    let ft = std::fs::symlink_metadata(&p).ok()?.file_type();
                    if ft.is_symlink() {
                        return None;
                    }
                    is_dir = ft.is_dir();
                }
                _ => return None,
            }
        }
        Some(p)
    };
    fast().or_else(|| dir.join(src).canonicalize().ok())
}
