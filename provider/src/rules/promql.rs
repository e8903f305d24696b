//! Text helpers for PromQL expressions and Prometheus' alert templates.

use std::time::Duration;

use super::conventions::LABEL_LE;

pub use super::promql_check::check;

/// A PromQL double-quoted string literal: backslash, double quote, newline, carriage
/// return and tab are escaped, so the parser reads the value back unchanged.
pub fn promql_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Seconds of a duration, for PromQL (`86400`, `1.5`).
pub fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        d.as_secs().to_string()
    } else {
        format!("{}", d.as_millis() as f64 / 1000.0)
    }
}

/// Every `{{` has a later `}}`: a Prometheus template whose actions are all closed.
pub fn templates_closed(s: &str) -> bool {
    let mut rest = s;
    while let Some(i) = rest.find("{{") {
        match rest[i + 2..].find("}}") {
            Some(j) => rest = &rest[i + 2 + j + 2..],
            None => return false,
        }
    }
    true
}

/// Text that Prometheus' alert templating renders verbatim: each `{{` becomes an action
/// printing `{{`.
pub fn template_literal(s: &str) -> String {
    s.replace("{{", "{{ \"{{\" }}")
}

/// The `le` label values a bucket boundary can have: Go's shortest `%g` text (what
/// client_golang exposes and Prometheus 2.x stores: `0.3`, `1`, `1e+06`), plus `<n>.0`
/// for whole numbers (what other clients expose and what Prometheus 3.x normalises to).
pub fn le_values(threshold: f64) -> Vec<String> {
    let sci = format!("{threshold:e}"); // "3e-1", "1.5e0", "1e6"
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let go = if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else {
        threshold.to_string()
    };
    let mut values = vec![go.clone()];
    if threshold.fract() == 0.0 && !go.contains('e') {
        values.push(format!("{go}.0"));
    }
    values
}

/// `le="0.3"` or `le=~"1|1\\.0"` (the dot escaped in the regexp, and the backslash in the
/// PromQL string).
pub fn le_matcher(threshold: f64) -> String {
    let values = le_values(threshold);
    if values.len() == 1 {
        return format!("{LABEL_LE}=\"{}\"", values[0]);
    }
    let alternatives: Vec<String> = values
        .iter()
        .map(|v| v.replace('.', "\\\\.").replace('+', "\\\\+"))
        .collect();
    format!("{LABEL_LE}=~\"{}\"", alternatives.join("|"))
}

/// Every line of `text` prefixed with `prefix`.
pub fn indent(text: &str, prefix: &str) -> String {
    text.lines()
        .map(|l| format!("{prefix}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn promql_strings_escape_what_the_parser_unescapes() {
        assert_eq!(promql_string("plain"), r#""plain""#);
        assert_eq!(promql_string("a\"b\\c\nd\re\tf"), r#""a\"b\\c\nd\re\tf""#);
        for value in [
            "a\"b",
            "back\\slash",
            "new\nline",
            "cr\rlf",
            "tab\tbed",
            "ünï",
        ] {
            let expr = format!("m{{l={}}}", promql_string(value));
            let parsed =
                promql_parser::parser::parse(&expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
            let promql_parser::parser::Expr::VectorSelector(vs) = parsed else {
                panic!("{expr} is not a selector")
            };
            let matcher = vs
                .matchers
                .matchers
                .iter()
                .find(|m| m.name == "l")
                .expect("the l matcher");
            assert_eq!(matcher.value, value, "{expr}");
        }
    }

    #[test]
    fn templates() {
        assert!(templates_closed("{{ $value }} and {{ $labels.x }}"));
        assert!(templates_closed("no template"));
        assert!(!templates_closed("{{ $value }} {{ open"));
        assert_eq!(template_literal("a {{ b }}"), "a {{ \"{{\" }} b }}");
    }

    #[test]
    fn seconds_for_promql() {
        assert_eq!(seconds(Duration::from_secs(86_400)), "86400");
        assert_eq!(seconds(Duration::from_millis(1500)), "1.5");
    }
}
