//! A [`RuleFile`] as YAML, written directly: byte for byte the text `serde_yaml_ng` writes
//! for it, at a fraction of the cost (rendering is most of the provider's work in a plan,
//! and `serde_yaml_ng` goes through a full libyaml emitter per file).
//!
//! The layout is libyaml's block style as `serde_yaml_ng` configures it (no line width, a
//! sequence in a mapping not indented, `[]` for an empty sequence). A scalar is written
//! here only when its style is certain:
//! - **plain**, unless `serde_yaml_ng` would read it back as something else (null, a
//!   boolean, a number, digits with a leading zero) or libyaml's analysis rules plain out
//!   (a leading or trailing space, an indicator first, `: ` or ` #` inside, `---`/`...`
//!   first);
//! - **single-quoted** otherwise (`'` doubled);
//! - **literal block** (`|-`) for a value with line breaks, no leading space or break, no
//!   trailing break, and no space before a break.
//!
//! Any other scalar (one with a character outside printable ASCII, a tab, a long or
//! multi-line key…) makes the whole file go through `serde_yaml_ng`, so the output is
//! always `serde_yaml_ng`'s. `tests` compares both on every snapshot and on generated
//! strings.

use std::collections::BTreeMap;

use super::model::{Rule, RuleFile, RuleGroup};

/// The YAML of `file`, exactly as `serde_yaml_ng::to_string` writes it.
pub fn to_yaml(file: &RuleFile) -> String {
    let mut w = Writer {
        out: String::with_capacity(256 + 2048 * file.groups.len()),
    };
    match w.file(file) {
        Some(()) => w.out,
        None => serde_yaml_ng::to_string(file)
            .unwrap_or_else(|e| format!("# could not render rule file: {e}\ngroups: []\n")),
    }
}

/// How a scalar is written.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Style {
    Plain,
    SingleQuoted,
    Literal,
}

struct Writer {
    out: String,
}

impl Writer {
    fn file(&mut self, file: &RuleFile) -> Option<()> {
        self.out.push_str("groups:");
        if file.groups.is_empty() {
            self.out.push_str(" []\n");
            return Some(());
        }
        self.out.push('\n');
        for group in &file.groups {
            self.group(group)?;
        }
        Some(())
    }

    /// A group: an item of the top-level sequence (dash at column 0, keys at 2).
    fn group(&mut self, group: &RuleGroup) -> Option<()> {
        self.out.push_str("- ");
        self.entry(None, "name", &group.name)?;
        if let Some(interval) = &group.interval {
            self.entry(Some(2), "interval", interval)?;
        }
        self.key(Some(2), "rules")?;
        if group.rules.is_empty() {
            self.out.push_str(" []\n");
            return Some(());
        }
        self.out.push('\n');
        for rule in &group.rules {
            self.indent(2);
            self.out.push_str("- ");
            match rule {
                Rule::Recording(r) => {
                    self.entry(None, "record", &r.record)?;
                    self.entry(Some(4), "expr", &r.expr)?;
                    self.map(4, "labels", &r.labels)?;
                }
                Rule::Alerting(a) => {
                    self.entry(None, "alert", &a.alert)?;
                    self.entry(Some(4), "expr", &a.expr)?;
                    if let Some(for_) = &a.for_ {
                        self.entry(Some(4), "for", for_)?;
                    }
                    self.map(4, "labels", &a.labels)?;
                    self.map(4, "annotations", &a.annotations)?;
                }
            }
        }
        Some(())
    }

    /// A string map under `name` (left out when empty, as the model's serde attributes say).
    fn map(&mut self, indent: usize, name: &str, map: &BTreeMap<String, String>) -> Option<()> {
        if map.is_empty() {
            return Some(());
        }
        self.key(Some(indent), name)?;
        self.out.push('\n');
        for (k, v) in map {
            self.entry(Some(indent + 2), k, v)?;
        }
        Some(())
    }

    fn indent(&mut self, n: usize) {
        self.out.extend(std::iter::repeat_n(' ', n));
    }

    /// `key:`, at `indent` (`None`: right after a sequence item's dash).
    fn key(&mut self, indent: Option<usize>, key: &str) -> Option<()> {
        // libyaml writes a key over 128 bytes as a complex key (`? key`).
        if key.len() > 128 {
            return None;
        }
        let style = style(key)?;
        if style == Style::Literal {
            return None;
        }
        if let Some(n) = indent {
            self.indent(n);
        }
        self.scalar(key, style, 0);
        self.out.push(':');
        Some(())
    }

    /// `key: value` and its line break; the mapping's keys are at `indent` (`None`: the
    /// first key of a sequence item, right after its dash).
    fn entry(&mut self, indent: Option<usize>, key: &str, value: &str) -> Option<()> {
        let style = style(value)?;
        let column = indent.unwrap_or_else(|| self.column());
        self.key(indent, key)?;
        self.out.push(' ');
        // A block scalar's lines are two columns right of its mapping's keys.
        self.scalar(value, style, column + 2);
        self.out.push('\n');
        Some(())
    }

    /// The column the current line has reached.
    fn column(&self) -> usize {
        self.out.len() - self.out.rfind('\n').map_or(0, |i| i + 1)
    }

    fn scalar(&mut self, s: &str, style: Style, indent: usize) {
        match style {
            Style::Plain => self.out.push_str(s),
            Style::SingleQuoted => {
                self.out.push('\'');
                for c in s.chars() {
                    if c == '\'' {
                        self.out.push('\'');
                    }
                    self.out.push(c);
                }
                self.out.push('\'');
            }
            Style::Literal => {
                self.out.push_str("|-");
                for line in s.split('\n') {
                    self.out.push('\n');
                    if !line.is_empty() {
                        self.indent(indent);
                        self.out.push_str(line);
                    }
                }
            }
        }
    }
}

/// The style `serde_yaml_ng` gives `s`, when it is one of those written here.
fn style(s: &str) -> Option<Style> {
    if !s.bytes().all(|b| b == b'\n' || (0x20..0x7f).contains(&b)) {
        return None;
    }
    if s.contains('\n') {
        let b = s.as_bytes();
        let literal = !matches!(b.first(), Some(b' ' | b'\n'))
            && !matches!(b.last(), Some(b' ' | b'\n'))
            && !s.contains(" \n");
        return literal.then_some(Style::Literal);
    }
    if read_as_other(s) || !plain_allowed(s) {
        Some(Style::SingleQuoted)
    } else {
        Some(Style::Plain)
    }
}

/// libyaml's analysis of a one-line printable ASCII scalar: may it be plain in block
/// context?
fn plain_allowed(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() || b[0] == b' ' || b[b.len() - 1] == b' ' {
        return false;
    }
    if s.starts_with("---") || s.starts_with("...") {
        return false;
    }
    let spaced = |i: usize| b.get(i).is_none_or(|&c| c == b' ');
    match b[0] {
        b'#' | b',' | b'[' | b']' | b'{' | b'}' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
        | b'"' | b'%' | b'@' | b'`' => return false,
        b'?' | b':' | b'-' if spaced(1) => return false,
        _ => {}
    }
    (1..b.len()).all(|i| match b[i] {
        b':' => !spaced(i + 1),
        b'#' => b[i - 1] != b' ',
        _ => true,
    })
}

/// Whether `serde_yaml_ng` would read `s` back as something other than a string (so it
/// single-quotes it): empty, null, a boolean, an integer (decimal, `0x`, `0o`, `0b`), a
/// finite float, or digits with a leading zero (a string by YAML 1.2, quoted all the same).
fn read_as_other(s: &str) -> bool {
    match s.as_bytes().first() {
        None => true,
        // Every number starts with one of these (`inf` and `nan` are not finite floats).
        Some(b'0'..=b'9' | b'+' | b'-' | b'.') => leading_zero_digits(s) || integer(s) || float(s),
        Some(_) => matches!(
            s,
            "~" | "null" | "Null" | "NULL" | "true" | "True" | "TRUE" | "false" | "False" | "FALSE"
        ),
    }
}

/// Digits after a leading zero (`007`, `-01`).
fn leading_zero_digits(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    s.len() > 1 && s.starts_with('0') && s[1..].bytes().all(|b| b.is_ascii_digit())
}

fn integer(s: &str) -> bool {
    let unsigned = s.strip_prefix('+').unwrap_or(s);
    for (prefix, negative, radix) in [("0x", "-0x", 16), ("0o", "-0o", 8), ("0b", "-0b", 2)] {
        let digits =
            |rest: &str| !rest.starts_with(['+', '-']) && u128::from_str_radix(rest, radix).is_ok();
        if unsigned.strip_prefix(prefix).is_some_and(digits) {
            return true;
        }
        // `-0x…` is read as the negative of its digits, when an i128 holds it.
        if let Some(rest) = s.strip_prefix(negative) {
            if !rest.starts_with(['+', '-'])
                && u128::from_str_radix(rest, radix).is_ok_and(|n| n <= 1 << 127)
            {
                return true;
            }
        }
    }
    if leading_zero_digits(s) {
        return false;
    }
    (!unsigned.starts_with(['+', '-']) && unsigned.parse::<u128>().is_ok())
        || s.parse::<i128>().is_ok()
}

fn float(s: &str) -> bool {
    let unsigned = match s.strip_prefix('+') {
        Some(u) if u.starts_with(['+', '-']) => return false,
        Some(u) => u,
        None => s,
    };
    matches!(unsigned, ".inf" | ".Inf" | ".INF")
        || matches!(s, "-.inf" | "-.Inf" | "-.INF" | ".nan" | ".NaN" | ".NAN")
        || unsigned.parse::<f64>().is_ok_and(f64::is_finite)
}

#[cfg(test)]
#[path = "yaml_tests.rs"]
mod tests;
