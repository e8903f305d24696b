//! Helpers shared by several rules (a rule does not import another rule): replica
//! detection, page alerts, SLO tiers and labels, durations, DynamoDB PITR, Google Cloud
//! zones.

use super::setting;
use crate::eval::{EvalBody, Instance};
use crate::value::Value;

/// Whether a replica's source attribute (`replicate_source_db`,
/// `replication_source_identifier`, `master_instance_name`) makes the resource a replica: set, and neither null nor
/// the empty string (modules default it to `""` for "not a replica"). Unknown counts as a
/// replica: the resource may be one.
pub fn is_replica_of(body: &EvalBody, source_attr: &str) -> bool {
    body.attr(source_attr)
        .is_some_and(|a| !a.value.is_null() && a.value.as_str() != Some(""))
}

/// Whether a `reliability_alert` pages: `None` when its severity is unknown.
pub fn is_page(body: &EvalBody) -> Option<bool> {
    match body.value("severity") {
        None | Some(Value::Null) => Some(false),
        Some(v) => v.as_str().map(|s| s.eq_ignore_ascii_case("page")),
    }
}

/// Seconds in a Prometheus duration (`1h30m`, `500ms`, `0`); `None` when it is not one.
pub fn duration_secs(s: &str) -> Option<f64> {
    let s = s.trim();
    if s == "0" {
        return Some(0.0);
    }
    if s.is_empty() {
        return None;
    }
    let mut total = 0.0;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let n: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let unit = match &rest[..unit_len] {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86400.0,
            "w" => 7.0 * 86400.0,
            "y" => 365.0 * 86400.0,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += n * unit;
    }
    Some(total)
}

/// Whether the `which` tier of an `alerting` body is disabled: `Some(true)`, `Some(false)`
/// (on, also by default), `None` when unknown.
pub fn tier_disabled(alerting: Option<&EvalBody>, which: &str) -> Option<bool> {
    let Some(tier) = alerting.and_then(|a| a.block(which)) else {
        return Some(false);
    };
    match tier.body.value("disabled") {
        None | Some(Value::Null) => Some(false),
        Some(v) => v.as_bool(),
    }
}

/// PITR state of a table: `Some(true/false)` or unknown.
pub fn pitr_enabled(inst: &Instance) -> Option<bool> {
    match inst.body.block("point_in_time_recovery") {
        None => Some(false),
        Some(b) => setting(&b.body, "enabled", Value::Bool(false)).and_then(|(v, _)| v.as_bool()),
    }
}

/// The service tier from `labels.tier` (`"1"`, `1`, `"tier1"`, `"tier-1"`, `"Tier_1"`):
/// `Some(None)` when absent or not a tier number, `None` when unknown.
pub fn tier(body: &EvalBody) -> Option<Option<u32>> {
    let t = label(body, "tier")?;
    Some(t.and_then(|t| {
        let t = t.trim().to_ascii_lowercase();
        let t = t.strip_prefix("tier").unwrap_or(&t);
        let t = t.strip_prefix(['-', '_', ' ']).unwrap_or(t);
        t.parse().ok()
    }))
}

/// A label of `body.labels`: `Some(None)` when the labels or the key are absent, `None` when
/// unknown.
pub fn label(body: &EvalBody, key: &str) -> Option<Option<String>> {
    match body.value("labels") {
        None | Some(Value::Null) => Some(None),
        Some(Value::Map(m)) => match m.get(key) {
            None | Some(Value::Null) => Some(None),
            Some(v) => v.to_str().map(Some),
        },
        Some(_) => None,
    }
}

/// A Google Cloud location: `europe-west1-b` is a zone, `europe-west1` a region.
pub fn is_zone(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 3
        && parts[1].chars().last().is_some_and(|c| c.is_ascii_digit())
        && parts[2].len() == 1
        && parts[2].chars().all(|c| c.is_ascii_lowercase())
}
