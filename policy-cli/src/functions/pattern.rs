//! `regex(pattern, string)` and `regexall(pattern, string)` as Terraform evaluates them.
//!
//! Terraform compiles the pattern with Go's RE2 syntax; the `regex` crate takes the same
//! syntax (no backreferences, no look-around), with one difference worth knowing: `\d`,
//! `\w`, `\s` and `\b` match Unicode characters here and ASCII only in Go.
//!
//! The result's shape follows the pattern, as in Terraform:
//! - no capture group: the matched text;
//! - unnamed groups only: a list of the captured texts (`null` for a group that did not
//!   take part in the match);
//! - named groups only: a map from group name to captured text;
//! - named and unnamed groups mixed: an error.
//!
//! `regex` fails (an error value: `can` is false, `try` moves on) when nothing matches
//! or the pattern does not compile; `regexall` returns one result per match, an empty
//! list when nothing matches. An unknown argument makes the result unknown.

use std::collections::BTreeMap;

use regex::{Captures, Regex};

use crate::value::Value;

/// Evaluates `regex` (`all = false`) or `regexall` (`all = true`) on known arguments;
/// `None` when an argument is unknown or not a string.
pub fn call(all: bool, args: &[Value]) -> Option<Value> {
    let [pattern, text] = args else {
        return Some(Value::error());
    };
    // A null argument is an error in Terraform ("must not be null").
    if pattern.is_null() || text.is_null() {
        return Some(Value::error());
    }
    let pattern = pattern.to_str()?;
    let text = text.to_str()?;
    let Ok(re) = Regex::new(&pattern) else {
        return Some(Value::error());
    };
    let Some(shape) = Shape::of(&re) else {
        return Some(Value::error());
    };
    if all {
        let out = re.captures_iter(&text).map(|c| shape.result(&c)).collect();
        return Some(Value::List(out));
    }
    Some(match re.captures(&text) {
        Some(c) => shape.result(&c),
        // "pattern did not match any part of the given string"
        None => Value::error(),
    })
}

/// What one match becomes.
enum Shape {
    Whole,
    List,
    Named(Vec<String>),
}

impl Shape {
    /// `None` for a pattern mixing named and unnamed groups, which Terraform rejects.
    fn of(re: &Regex) -> Option<Shape> {
        let groups: Vec<Option<&str>> = re.capture_names().skip(1).collect();
        if groups.is_empty() {
            return Some(Shape::Whole);
        }
        let named: Vec<String> = groups.iter().flatten().map(|n| n.to_string()).collect();
        if named.is_empty() {
            Some(Shape::List)
        } else if named.len() == groups.len() {
            Some(Shape::Named(named))
        } else {
            None
        }
    }

    fn result(&self, c: &Captures) -> Value {
        let text = |m: Option<regex::Match>| match m {
            Some(m) => Value::String(m.as_str().to_string()),
            None => Value::Null,
        };
        match self {
            Shape::Whole => text(c.get(0)),
            Shape::List => Value::List((1..c.len()).map(|i| text(c.get(i))).collect()),
            Shape::Named(names) => Value::Map(
                names
                    .iter()
                    .map(|n| (n.clone(), text(c.name(n))))
                    .collect::<BTreeMap<_, _>>(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        Value::String(x.to_string())
    }

    fn regex(p: &str, t: &str) -> Value {
        call(false, &[s(p), s(t)]).unwrap()
    }

    #[test]
    fn shapes_follow_the_pattern_as_in_terraform() {
        // The examples of Terraform's regex documentation.
        assert_eq!(
            regex("[a-z]+", "53453453.345345aaabbbccc23454"),
            s("aaabbbccc")
        );
        assert_eq!(
            regex(r"(\d\d\d\d)-(\d\d)-(\d\d)", "2019-02-01"),
            Value::List(vec![s("2019"), s("02"), s("01")])
        );
        let m = regex(
            r"^(?:(?P<scheme>[^:/?#]+):)?(?://(?P<authority>[^/?#]*))?",
            "https://terraform.io/docs/",
        );
        let want: BTreeMap<String, Value> = [
            ("scheme".to_string(), s("https")),
            ("authority".to_string(), s("terraform.io")),
        ]
        .into_iter()
        .collect();
        assert_eq!(m, Value::Map(want));
        // An optional group that took no part in the match is null.
        assert_eq!(
            regex("(a)|(b)", "b"),
            Value::List(vec![Value::Null, s("b")])
        );
    }

    #[test]
    fn regexall_lists_every_match_and_is_empty_without_one() {
        assert_eq!(
            call(true, &[s("[a-z]+"), s("1234abcd5678efgh9")]),
            Some(Value::List(vec![s("abcd"), s("efgh")]))
        );
        assert_eq!(
            call(true, &[s("[a-z]+"), s("123")]),
            Some(Value::List(vec![]))
        );
    }

    #[test]
    fn failures_are_errors_and_unknowns_stay_unknown() {
        // No match, a pattern that does not compile, named and unnamed groups mixed.
        assert!(regex("z", "abc").is_error());
        assert!(regex("(", "abc").is_error());
        assert!(regex("(?P<a>x)(y)", "xy").is_error());
        assert_eq!(call(false, &[s("a"), Value::unknown()]), None);
        // Case-insensitive flags as Terraform users write them.
        assert_eq!(
            regex("(?i)(test|temp)", "my-TEST-vault"),
            Value::List(vec![s("TEST")])
        );
    }
}
