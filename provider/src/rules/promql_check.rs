//! [`check`]: whether an expression parses as PromQL, and its type, as cheaply as exactly.
//!
//! The parser compiles every regex matcher (`=~`, `!~`) with the `regex` crate, which is
//! most of a check's cost (each compile builds its automata). The type of an expression
//! does not depend on a matcher's value, so a matcher whose pattern is certainly valid is
//! checked here once, by parsing it with `regex-syntax` (no automata), and the parser reads
//! an equality matcher in its place. That matcher matches the empty string when the regex
//! matcher might (the parser refuses a selector whose every matcher matches it), so the
//! lighter expression parses only where the original does; when it does not, the original
//! is parsed, and its answer (the parser's own message) is the result.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use promql_parser::parser::value::ValueType;

/// How many checked expressions [`check`] remembers (then it starts over).
const CHECKED_MAX: usize = 20_000;

/// The longest pattern checked here (longer ones are left to the parser, whose compiled
/// size limit a short pattern without repetition counts cannot reach).
const PATTERN_MAX: usize = 256;

/// The type `expr` evaluates to when it parses as PromQL, and the parser's message when
/// not. Remembered per expression for the process' life: Terraform validates and plans
/// every resource in one provider process, so each query would otherwise be parsed several
/// times per run. A pure function of `expr`, as the parser is.
pub fn check(expr: &str) -> Result<ValueType, String> {
    static CHECKED: OnceLock<Mutex<HashMap<String, Result<ValueType, String>>>> = OnceLock::new();
    let memo = CHECKED.get_or_init(Default::default);
    if let Some(r) = memo.lock().unwrap_or_else(|e| e.into_inner()).get(expr) {
        return r.clone();
    }
    let result = without_regex_matchers(expr)
        .and_then(|light| parse(&light).ok())
        .map_or_else(|| parse(expr), Ok);
    let mut memo = memo.lock().unwrap_or_else(|e| e.into_inner());
    if memo.len() >= CHECKED_MAX {
        memo.clear();
    }
    memo.insert(expr.to_string(), result.clone());
    result
}

fn parse(expr: &str) -> Result<ValueType, String> {
    promql_parser::parser::parse(expr).map(|e| e.value_type())
}

/// `expr` with each regex matcher whose pattern is certainly valid replaced by an equality
/// matcher (see the module's documentation); `None` when none is.
fn without_regex_matchers(expr: &str) -> Option<String> {
    let b = expr.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' | b'\'' | b'`' => i = string_end(b, i)?,
            b'#' => {
                i = b[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(b.len(), |n| i + n)
            }
            b'=' | b'!' if b.get(i + 1) == Some(&b'~') => {
                let start = i;
                let mut j = i + 2;
                while b.get(j).is_some_and(u8::is_ascii_whitespace) {
                    j += 1;
                }
                let end = string_end(b, j)?;
                if let Some(matcher) = replacement(b[i] == b'!', label_before(b, start), &b[j..end])
                {
                    out.push_str(&expr[copied..start]);
                    out.push_str(matcher);
                    copied = end;
                }
                i = end;
            }
            _ => i += 1,
        }
    }
    (copied > 0).then(|| out + &expr[copied..])
}

/// The index after the string literal opening at `start`; `None` when there is none.
fn string_end(b: &[u8], start: usize) -> Option<usize> {
    let quote = *b.get(start).filter(|q| matches!(q, b'"' | b'\'' | b'`'))?;
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' if quote != b'`' => i += 2,
            c if c == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// The label name right before a matcher operator at `op` (spaces allowed between).
fn label_before(b: &[u8], op: usize) -> &[u8] {
    let end = b[..op]
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(0, |p| p + 1);
    let start = b[..end]
        .iter()
        .rposition(|&c| !(c.is_ascii_alphanumeric() || c == b'_'))
        .map_or(0, |p| p + 1);
    &b[start..end]
}

/// The equality matcher standing for `label=~literal` (`label!~literal` when `negated`),
/// when the pattern is certainly valid.
fn replacement(negated: bool, label: &[u8], literal: &[u8]) -> Option<&'static str> {
    // A metric-name matcher has rules of its own; a pattern with escapes or repetition
    // counts, or a long one, is left to the parser.
    if label.is_empty() || label == b"__name__" {
        return None;
    }
    let pattern = std::str::from_utf8(&literal[1..literal.len() - 1]).ok()?;
    if pattern.len() > PATTERN_MAX || pattern.contains(['\\', '{', '}']) {
        return None;
    }
    let hir = regex_syntax::Parser::new()
        .parse(&format!("^(?:{pattern})$"))
        .ok()?;
    // `!~` matches the empty string unless its regex does; `=~` when its regex might.
    Some(match (negated, hir.properties().minimum_len()) {
        (true, _) => "!=\"x\"",
        (false, Some(n)) if n > 0 => "=\"x\"",
        (false, _) => "=\"\"",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_as_the_parser_does() {
        let exprs = [
            r#"sum(rate(http_requests_total{job="a",code=~"5.."}[5m]))"#,
            r#"{code=~"5.."}"#,
            r#"{code=~".*"}"#,
            r#"{code=~""}"#,
            r#"{code!~"5.."}"#,
            r#"{code!~".*", job="a"}"#,
            r#"x{code=~"("}"#,
            r#"x{code=~"a{"}"#,
            r#"x{code=~"\\d+"}"#,
            r#"x{code =~ '5..' , a!~`b|c`}"#,
            r#"x{__name__=~"x.*"}"#,
            r#"{__name__=~"x.*"}"#,
            r#"x{code=~"5..""#,
            r#"x{a="=~\"("} # =~"("#,
            "x{a=~\"5..\"} # a comment =~ \"(\"\n+ y",
            r#"label_replace(x, "a", "$1", "b", "(")"#,
            r#"sum by (code) (x{code=~"5..|4.."}) / ignoring(code) group_left sum(x)"#,
            r#"x{code=~"5.."}[5m]"#,
            r#"x{code=~"^$"}"#,
            r#"x{code=~"\b"}"#,
            r#"{code=~"\b"}"#,
            r#"{code=~"a|"}"#,
        ];
        for e in exprs {
            let expected = promql_parser::parser::parse(e).map(|x| x.value_type());
            assert_eq!(check(e), expected, "{e}");
        }
    }

    #[test]
    fn regex_matchers_are_replaced_only_when_certainly_valid() {
        let light = |e: &str| without_regex_matchers(e);
        assert_eq!(
            light(r#"x{job="a",code=~"5.."}"#).as_deref(),
            Some(r#"x{job="a",code="x"}"#)
        );
        assert_eq!(light(r#"x{code=~".*"}"#).as_deref(), Some(r#"x{code=""}"#));
        assert_eq!(
            light(r#"x{code !~ "5.."}"#).as_deref(),
            Some(r#"x{code !="x"}"#)
        );
        for kept in [
            r#"x{code=~"("}"#,
            r#"x{code=~"a{2}"}"#,
            r#"x{code=~"\\d"}"#,
            r#"x{__name__=~"x"}"#,
            r#"x{a="=~\"5..\""}"#,
            "x # =~\"5..\"",
        ] {
            assert_eq!(light(kept), None, "{kept}");
        }
    }
}
