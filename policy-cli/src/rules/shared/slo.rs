//! SLOs and alerts: whether an alert pages, the tiers of an SLO's `alerting`, service tiers
//! and labels, Prometheus durations.

use crate::eval::EvalBody;
use crate::value::Value;

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

/// The `alertname` of an SLO's alerts as the provider names them:
/// `SLO<Service><Name>ErrorBudgetBurn`, each of `service` and `name` in PascalCase over
/// `-`, `_` and `.` (the provider's documented naming convention).
pub fn slo_alert_name(service: &str, name: &str) -> String {
    let pascal = |s: &str| -> String {
        s.split(['-', '_', '.'])
            .flat_map(|part| {
                let mut chars = part.chars().filter(char::is_ascii_alphanumeric);
                let first = chars.next().map(|c| c.to_ascii_uppercase());
                first.into_iter().chain(chars)
            })
            .collect()
    };
    format!("SLO{}{}ErrorBudgetBurn", pascal(service), pascal(name))
}
