//! An objective as an exact decimal, so that budgets print without float noise
//! (`0.001`, not `0.0010000000000000009`).

use super::MAX_OBJECTIVE_DECIMALS;

/// An objective as an exact decimal: `objective / 100 = units / 10^scale`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Objective {
    /// Objective ratio × 10^scale.
    units: u128,
    /// Error budget ratio × 10^scale.
    pub(super) budget_units: u128,
    scale: u32,
}

impl Objective {
    /// `None` when not in (0, 100) or with more than [`MAX_OBJECTIVE_DECIMALS`] decimals.
    pub(super) fn parse(objective: f64) -> Option<Objective> {
        if !objective.is_finite() || objective <= 0.0 || objective >= 100.0 {
            return None;
        }
        // Display prints the shortest text that reads back as the same f64, never in
        // exponent notation: 99.9 -> "99.9".
        let text = objective.to_string();
        let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
        if frac.len() > MAX_OBJECTIVE_DECIMALS {
            return None;
        }
        let units: u128 = format!("{int}{frac}").parse().ok()?;
        let scale = frac.len() as u32 + 2;
        let whole = 10u128.pow(scale);
        Some(Objective {
            units,
            budget_units: whole.checked_sub(units)?,
            scale,
        })
    }

    pub(super) fn denominator(&self) -> u128 {
        10u128.pow(self.scale)
    }

    /// `0.999`
    pub(super) fn ratio_text(&self) -> String {
        decimal_text(self.units, self.scale)
    }

    /// `0.001`
    pub(super) fn budget_text(&self) -> String {
        decimal_text(self.budget_units, self.scale)
    }

    pub(super) fn budget(&self) -> f64 {
        self.budget_units as f64 / self.denominator() as f64
    }
}

/// `units / 10^scale` as exact decimal text without trailing zeros.
fn decimal_text(units: u128, scale: u32) -> String {
    let div = 10u128.pow(scale);
    let int = units / div;
    let frac = units % div;
    if frac == 0 {
        return int.to_string();
    }
    let frac = format!("{frac:0width$}", width = scale as usize);
    format!("{int}.{}", frac.trim_end_matches('0'))
}

/// A number for humans: at most 6 decimals, trailing zeros trimmed.
pub(super) fn human_number(x: f64) -> String {
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}
