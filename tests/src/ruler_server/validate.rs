//! What the stand-in accepts as the body of "Set rule group": exactly one rule group in the
//! Prometheus rule-file format (Mimir's HTTP API reference: "The request body must contain
//! the definition of one and only one rule group"), checked as Prometheus' `rulefmt` does
//! for group and rule fields. Stricter than Mimir on one point: unknown fields are refused
//! (a client that sends a rule file's `groups:` wrapper is told so instead of storing an
//! empty, nameless group). PromQL is not parsed.

use serde_yaml_ng::{Mapping, Value};

/// Fields of a rule group Mimir's ruler accepts.
const GROUP_FIELDS: &[&str] = &[
    "name",
    "interval",
    "rules",
    "source_tenants",
    "evaluation_delay",
    "query_offset",
    "limit",
    "align_evaluation_time_on_interval",
];
const RULE_FIELDS: &[&str] = &[
    "record",
    "alert",
    "expr",
    "for",
    "keep_firing_for",
    "labels",
    "annotations",
];

/// The decode error prefix Mimir answers (`ErrBadRuleGroup`).
pub const BAD_RULE_GROUP: &str = "unable to decode rule group";

/// Parses and checks a posted body; the group's name and mapping, or the reason for a 400.
pub fn parse_group(body: &[u8]) -> Result<(String, Value), String> {
    let text = std::str::from_utf8(body)
        .map_err(|_| format!("{BAD_RULE_GROUP}: the body is not UTF-8"))?;
    let value: Value =
        serde_yaml_ng::from_str(text).map_err(|e| format!("{BAD_RULE_GROUP}: {e}"))?;
    let Value::Mapping(group) = &value else {
        return Err(format!(
            "{BAD_RULE_GROUP}: the body must be one rule group (a mapping with name and \
             rules), not {}",
            kind(&value)
        ));
    };
    check_fields(group, GROUP_FIELDS, "rule group")?;
    let name = match group.get("name") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(Value::String(_)) | None => return Err("rule group name must not be empty".into()),
        Some(other) => {
            return Err(format!(
                "{BAD_RULE_GROUP}: name must be a string, not {}",
                kind(other)
            ))
        }
    };
    let at = format!("group {name:?}");
    if let Some(interval) = group.get("interval") {
        check_duration(interval, &format!("{at}: interval"))?;
    }
    let rules = match group.get("rules") {
        Some(Value::Sequence(rules)) => rules,
        None => return Err(format!("{at}: rules is missing")),
        Some(other) => return Err(format!("{at}: rules must be a list, not {}", kind(other))),
    };
    for (i, rule) in rules.iter().enumerate() {
        check_rule(rule).map_err(|e| format!("{at}, rule {}: {e}", i + 1))?;
    }
    Ok((name, value))
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

fn check_fields(map: &Mapping, allowed: &[&str], what: &str) -> Result<(), String> {
    for key in map.keys() {
        match key.as_str() {
            Some(k) if allowed.contains(&k) => {}
            Some(k) => return Err(format!("{BAD_RULE_GROUP}: field {k} not found in {what}")),
            None => return Err(format!("{BAD_RULE_GROUP}: a {what} key is not a string")),
        }
    }
    Ok(())
}

fn check_rule(rule: &Value) -> Result<(), String> {
    let Value::Mapping(rule) = rule else {
        return Err(format!("a rule must be a mapping, not {}", kind(rule)));
    };
    check_fields(rule, RULE_FIELDS, "rule")?;
    let text = |key: &str| match rule.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!("{key} must be a string, not {}", kind(other))),
    };
    let (record, alert) = (text("record")?, text("alert")?);
    match (&record, &alert) {
        (Some(_), Some(_)) => return Err("only one of 'record' and 'alert' must be set".into()),
        (None, None) => return Err("one of 'record' or 'alert' must be set".into()),
        (Some(r), None) if !is_metric_name(r) => {
            return Err(format!("invalid recording rule name: {r}"))
        }
        (None, Some(a)) if a.is_empty() => return Err("alert name must not be empty".into()),
        _ => {}
    }
    match rule.get("expr") {
        Some(Value::String(s)) if !s.trim().is_empty() => {}
        Some(Value::Number(_)) => {}
        _ => return Err("field 'expr' must be set in rule".into()),
    }
    if record.is_some() {
        for field in ["for", "keep_firing_for", "annotations"] {
            if rule.contains_key(field) {
                return Err(format!("invalid field '{field}' in recording rule"));
            }
        }
    }
    for field in ["for", "keep_firing_for"] {
        if let Some(v) = rule.get(field) {
            check_duration(v, field)?;
        }
    }
    for field in ["labels", "annotations"] {
        match rule.get(field) {
            None | Some(Value::Null) => {}
            Some(Value::Mapping(m)) => {
                for (k, v) in m {
                    let Some(k) = k.as_str() else {
                        return Err(format!("{field}: names must be strings"));
                    };
                    if !is_label_name(k) {
                        return Err(format!("invalid label name: {k}"));
                    }
                    if !matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_)) {
                        return Err(format!("{field}.{k} must be a string, not {}", kind(v)));
                    }
                }
            }
            Some(other) => return Err(format!("{field} must be a mapping, not {}", kind(other))),
        }
    }
    Ok(())
}

fn is_metric_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn is_label_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A Prometheus duration: units y w d h m s ms in that order, each at most once, e.g.
/// `1h30m`, `5m`, `0s`.
fn check_duration(v: &Value, what: &str) -> Result<(), String> {
    let Some(s) = v.as_str() else {
        return Err(format!("{what}: a duration must be a string like 5m"));
    };
    const UNITS: &[&str] = &["y", "w", "d", "h", "m", "s", "ms"];
    let bad = || Err(format!("{what}: not a valid duration string: {s:?}"));
    if s.is_empty() {
        return bad();
    }
    let mut rest = s;
    let mut next_unit = 0;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return bad();
        }
        rest = &rest[digits..];
        let unit = if rest.starts_with("ms") {
            "ms"
        } else {
            rest.get(..1).unwrap_or("")
        };
        match UNITS[next_unit..].iter().position(|u| *u == unit) {
            Some(p) => next_unit += p + 1,
            None => return bad(),
        }
        rest = &rest[unit.len()..];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_well_formed_group_is_accepted() {
        let (name, _) = parse_group(
            b"name: slo:checkout availability/x\ninterval: 1m\nrules:\n- record: slo:sli_error:ratio_rate5m\n  expr: sum(rate(e[5m]))\n  labels: {slo: checkout}\n- alert: Burn\n  expr: x > 1\n  for: 1h30m\n  annotations: {summary: s}\n",
        )
        .unwrap();
        assert_eq!(name, "slo:checkout availability/x");
        assert!(parse_group(b"name: empty\nrules: []\n").is_ok());
    }

    #[test]
    fn anything_but_one_group_is_refused_with_a_reason() {
        for (body, want) in [
            (&b"- name: a\n  rules: []\n"[..], "not a list"),
            (
                b"groups:\n- name: a\n  rules: []\n",
                "field groups not found",
            ),
            (
                b"name: a\nrules: []\n---\nname: b\nrules: []\n",
                BAD_RULE_GROUP,
            ),
            (b"rules: []\n", "name must not be empty"),
            (b"name: a\n", "rules is missing"),
            (b"name: [\n", BAD_RULE_GROUP),
            (
                b"name: a\nrules:\n- expr: up\n",
                "one of 'record' or 'alert'",
            ),
            (
                b"name: a\nrules:\n- record: a-b\n  expr: up\n",
                "invalid recording rule name",
            ),
            (
                b"name: a\nrules:\n- record: r\n  expr: up\n  for: 5m\n",
                "invalid field 'for'",
            ),
            (
                b"name: a\nrules:\n- alert: A\n  expr: up\n  for: 5 minutes\n",
                "not a valid duration",
            ),
            (b"name: a\nrules:\n- alert: A\n", "'expr' must be set"),
            (
                b"name: a\nrules:\n- alert: A\n  expr: up\n  labels: {a-b: c}\n",
                "invalid label name",
            ),
            (
                b"name: a\ninterval: 1m5h\nrules: []\n",
                "not a valid duration",
            ),
        ] {
            let err = parse_group(body).unwrap_err();
            assert!(
                err.contains(want),
                "{:?}: {err}",
                String::from_utf8_lossy(body)
            );
        }
    }
}
