//! Reading one document's fields: paths, strings, the objective, labels and the time
//! window (see the module doc of [`openslo`](super)).

use std::collections::BTreeMap;

use serde_yaml_ng::Value;

use super::super::calendar::{days_from_civil, Calendar};
use super::super::window::parse_period;
use super::Problem;

/// The rolling window when an SLO has no `timeWindow`.
pub(super) const DEFAULT_WINDOW: &str = "30d";

/// One parsed document and how diagnostics name it.
pub(super) struct Doc {
    pub(super) label: String,
    pub(super) value: Value,
}

pub(super) type Refused<T> = Result<T, Problem>;

impl Doc {
    pub(super) fn problem(&self, field: &str, detail: impl Into<String>) -> Problem {
        Problem {
            document: self.label.clone(),
            field: field.to_string(),
            detail: detail.into(),
        }
    }

    pub(super) fn get(&self, path: &str) -> Option<&Value> {
        get(&self.value, path)
    }

    /// A string field; `None` when absent or null.
    pub(super) fn str(&self, path: &str) -> Refused<Option<String>> {
        str_at(&self.value, path).map_err(|d| self.problem(path, d))
    }
}

pub(super) fn get<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.')
        .try_fold(v, |v, key| v.get(key))
        .filter(|v| !v.is_null())
}

pub(super) fn str_at(v: &Value, path: &str) -> Result<Option<String>, String> {
    match get(v, path) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(Value::Bool(b)) => Ok(Some(b.to_string())),
        Some(other) => Err(format!("expected a string, found {}", kind_of(other))),
    }
}

pub(super) fn kind_of(v: &Value) -> &'static str {
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

/// `target` (0–1) or `targetPercent` as a percentage, exactly.
pub(super) fn objective(o: &Value) -> Result<f64, String> {
    let number = |key: &str| -> Result<Option<String>, String> {
        match get(o, key) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(other) => Err(format!("{key} must be a number, found {}", kind_of(other))),
        }
    };
    for key in ["op", "value", "timeSliceTarget"] {
        if get(o, key).is_some() {
            return Err(format!(
                "{key} is for threshold metrics or time slices, which this provider does not \
                 model: remove it"
            ));
        }
    }
    let percent = match (number("target")?, number("targetPercent")?) {
        (Some(t), None) => shift_two(&t).ok_or_else(|| format!("target {t} is not a decimal"))?,
        (None, Some(p)) => p,
        (Some(_), Some(_)) => return Err("set target or targetPercent, not both".into()),
        (None, None) => return Err("needs a target (0–1) or a targetPercent".into()),
    };
    percent
        .parse::<f64>()
        .map_err(|_| format!("{percent} is not a number"))
}

/// `0.999` → `99.9`: the decimal point moved two places in the text (no binary rounding).
pub(super) fn shift_two(t: &str) -> Option<String> {
    if t.contains(['e', 'E', '-']) {
        return None;
    }
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    let frac = format!("{frac}00");
    let (moved, rest) = frac.split_at(2);
    let rest = rest.trim_end_matches('0');
    let int = format!("{int}{moved}");
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    Some(if rest.is_empty() {
        int.to_string()
    } else {
        format!("{int}.{rest}")
    })
}

/// A name suffix from an objective's display name: lowercase letters, digits and `-`.
pub(super) fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

pub(super) fn labels(doc: &Doc) -> Refused<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    let Some(map) = doc.get("metadata.labels") else {
        return Ok(out);
    };
    let Some(map) = map.as_mapping() else {
        return Err(doc.problem("metadata.labels", "expected a mapping"));
    };
    for (k, v) in map {
        let key = k.as_str().unwrap_or_default().to_string();
        let field = format!("metadata.labels.{key}");
        let value = match v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Sequence(_) => {
                return Err(doc.problem(
                    &field,
                    "a list of label values cannot be expressed: Prometheus labels have one \
                     value; keep one",
                ))
            }
            other => return Err(doc.problem(&field, format!("found {}", kind_of(other)))),
        };
        out.insert(key, value);
    }
    Ok(out)
}

/// `(window, calendar)`: a rolling window or a calendar period.
pub(super) fn time_window(doc: &Doc) -> Refused<(String, Option<Calendar>)> {
    let Some(list) = doc.get("spec.timeWindow") else {
        return Ok((DEFAULT_WINDOW.to_string(), None));
    };
    let item = match list.as_sequence().map(Vec::as_slice) {
        Some([one]) => one,
        _ => {
            return Err(doc.problem(
                "spec.timeWindow",
                "timeWindow must be a list of exactly one window",
            ))
        }
    };
    let field = "spec.timeWindow[0]";
    let duration = str_at(item, "duration")
        .map_err(|d| doc.problem(field, d))?
        .ok_or_else(|| doc.problem(&format!("{field}.duration"), "needs a duration"))?;
    let calendar = get(item, "calendar");
    let rolling = match get(item, "isRolling") {
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(doc.problem(&format!("{field}.isRolling"), "expected true or false")),
        None => calendar.is_none(),
    };
    if rolling {
        return match parse_period(&duration) {
            Ok(_) => Ok((duration, None)),
            Err(_) => Err(doc.problem(
                &format!("{field}.duration"),
                format!(
                    "a rolling window of {duration:?} cannot be expressed: use whole days or \
                     weeks (1d to 365d, e.g. 30d, 4w)"
                ),
            )),
        };
    }
    let period = match duration.as_str() {
        "1w" => Calendar::Week,
        "1M" => Calendar::Month,
        "1Q" => Calendar::Quarter,
        other => {
            return Err(doc.problem(
                &format!("{field}.duration"),
                format!(
                    "a calendar window of {other:?} cannot be expressed: calendar periods are \
                     1w (ISO week), 1M (month) or 1Q (quarter)"
                ),
            ))
        }
    };
    let zone = calendar
        .map(|c| str_at(c, "timeZone"))
        .transpose()
        .map_err(|d| doc.problem(&format!("{field}.calendar.timeZone"), d))?
        .flatten();
    if !matches!(zone.as_deref(), None | Some("UTC" | "Etc/UTC")) {
        return Err(doc.problem(
            &format!("{field}.calendar.timeZone"),
            format!(
                "time zone {:?} cannot be expressed: calendar periods start at 00:00 UTC; use \
                 timeZone: UTC",
                zone.unwrap_or_default()
            ),
        ));
    }
    if let Some(start) = calendar.and_then(|c| str_at(c, "startTime").ok().flatten()) {
        if !starts_period(&start, period) {
            return Err(doc.problem(
                &format!("{field}.calendar.startTime"),
                format!(
                    "{start:?} is not the start of a {}: this provider's calendar periods \
                     start at 00:00 UTC on a Monday (week), the first of a month (month) or of \
                     January, April, July, October (quarter); e.g. 2024-01-01 00:00:00",
                    period.as_str()
                ),
            ));
        }
    }
    Ok((DEFAULT_WINDOW.to_string(), Some(period)))
}

/// Whether `YYYY-MM-DD[ HH:MM:SS]` is 00:00 on a day where `period` starts.
fn starts_period(text: &str, period: Calendar) -> bool {
    let (date, time) = text
        .trim()
        .split_once([' ', 'T'])
        .unwrap_or((text.trim(), ""));
    if !matches!(time, "" | "00:00:00" | "00:00") {
        return false;
    }
    let parts: Option<Vec<i64>> = date.split('-').map(|p| p.parse().ok()).collect();
    let Some([y, m, d]) = parts.as_deref().and_then(|p| <[i64; 3]>::try_from(p).ok()) else {
        return false;
    };
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return false;
    }
    match period {
        Calendar::Week => (days_from_civil(y, m as u32, d as u32) + 3).rem_euclid(7) == 0,
        Calendar::Month => d == 1,
        Calendar::Quarter => d == 1 && matches!(m, 1 | 4 | 7 | 10),
    }
}
