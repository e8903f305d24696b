//! SLO model, validation and generation of its Prometheus rules (pure, no I/O).
//!
//! [`generate`] turns one [`SloSpec`] into three rule groups (names: see
//! [`conventions`](super::conventions)):
//!
//! 1. SLI recordings: the error ratio over 5m 30m 1h 2h 6h 1d 3d from the user's query,
//!    and over the period as the mean of the 5m series. The period range is the period
//!    minus 5 minutes (`[29d23h55m]` for 30d), so the oldest 5m sample used covers exactly
//!    the start of the period and nothing before it. The ratios are recorded with
//!    `>= 0`, which drops the NaN that `0/0` gives when there was no traffic: one NaN in
//!    the 5m series would otherwise make the period ratio NaN for a whole period.
//! 2. Metadata recordings: objective, error budget, period days, current (5m) and period
//!    burn rates, budget remaining, `sloth_slo_info`.
//! 3. Alerts: one page and one ticket alert (each omitted when its tier is disabled)
//!    using the multi-window multi-burn-rate table of [`burn_rate`](super::burn_rate).
//!    With `min_events > 0`, each window pair additionally needs at least that many
//!    events over its long window (events: `total_query × window seconds`; latency:
//!    `increase` of the `_count` series), matched with `and ignoring(<identity and user
//!    labels>)` so that SLIs grouped by labels keep working.
//!
//! Text from the user that lands in alert labels or annotations (labels, description,
//! runbook URL) is escaped for Prometheus' alert templating, so it shows up verbatim.
//! Tier annotations are the exception: they are templates, as usual in Prometheus
//! (`{{ $value }}`, `{{ $labels.sloth_service }}`), and override the generated ones.

//!
//! Files: [`validate`](fn@validate) in `slo/validate.rs`, [`generate`](fn@generate) in
//! `slo/generate.rs`, exact objective arithmetic in `slo/objective.rs`.

mod generate;
mod maintenance;
mod objective;
mod validate;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::calendar::Calendar;
use super::window::{parse_period, Period};
use objective::Objective;

pub use generate::generate;
pub use validate::validate;

/// Longest service or SLO name.
pub const MAX_NAME_LEN: usize = 128;
/// Longest service and name together: the rule file `slo_<service>@<name>.yml` (and its
/// temporary file while it is written) must fit a file name, 255 bytes on Linux.
pub const MAX_SERVICE_AND_NAME_LEN: usize = 200;
/// Most decimal places accepted in an objective (`99.9999999999` has 10).
pub const MAX_OBJECTIVE_DECIMALS: usize = 10;
/// The placeholder SLI queries use for the window, as in Sloth.
pub const WINDOW_PLACEHOLDER: &str = "{{.window}}";

/// One SLO, as the `reliability_slo` resource describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SloSpec {
    pub service: String,
    pub name: String,
    /// Percent, e.g. `99.9`.
    pub objective: f64,
    /// Period (compliance window): `"30d"`, `"28d"`, `"4w"`, …
    pub window: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Added to every generated series and alert.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    pub sli: Sli,
    #[serde(default)]
    pub alerting: Alerting,
    /// What the period is and which time it leaves out.
    #[serde(default)]
    pub budgeting: Budgeting,
}

/// How the period's budget is counted: over a calendar period instead of the rolling
/// `window`, and without planned (or declared) maintenance.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Budgeting {
    /// Calendar-aligned period; `window` is then not used.
    #[serde(default)]
    pub calendar: Option<Calendar>,
    /// Weekly windows (UTC) whose events count neither as bad nor as total.
    #[serde(default)]
    pub maintenance: Vec<MaintenanceWindow>,
    /// PromQL: while it returns a non-zero sample, time is left out as in a window.
    #[serde(default)]
    pub exclude_query: Option<String>,
}

impl Budgeting {
    /// Whether any time can be left out.
    pub fn excludes(&self) -> bool {
        !self.maintenance.is_empty() || self.exclude_query.is_some()
    }
}

/// One weekly maintenance window of an SLO, in UTC.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MaintenanceWindow {
    /// `monday` … `sunday` or ranges `monday:friday`; empty: every day.
    #[serde(default)]
    pub weekdays: Vec<String>,
    /// `HH:MM`; both or neither (neither: whole days).
    #[serde(default)]
    pub start_time: Option<String>,
    #[serde(default)]
    pub end_time: Option<String>,
}

/// How the error ratio is measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sli {
    /// `error_query / total_query`; both contain `{{.window}}` and return per-second rates.
    Events {
        error_query: String,
        total_query: String,
    },
    /// A query returning the error ratio itself; contains `{{.window}}`.
    Raw { error_ratio_query: String },
    /// Requests slower than `threshold` seconds are errors, from a classic histogram.
    Latency {
        /// Base metric name, e.g. `http_request_duration_seconds`.
        histogram: String,
        /// Label matchers without braces, may be empty, e.g. `job="checkout"`.
        selector: String,
        /// Seconds; must be a bucket boundary (`le`) of the histogram.
        threshold: f64,
    },
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Alerting {
    #[serde(default)]
    pub page: Tier,
    #[serde(default)]
    pub ticket: Tier,
    #[serde(default)]
    pub runbook_url: Option<String>,
    /// Low-traffic guard: a window pair alerts only when its long window saw at least this
    /// many events: events SLI, `total_query` over the long window × its seconds (so
    /// `total_query` must be a per-second rate, as with Sloth); latency SLI, `increase()`
    /// of the `_count` series. `None` or `0` disables it. Not available for raw SLIs
    /// (they have no event count).
    #[serde(default)]
    pub min_events: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tier {
    #[serde(default)]
    pub disabled: bool,
    /// Added to this tier's alert; override the SLO labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Added to this tier's alert; templates; override the generated annotations.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

impl SloSpec {
    /// The period the budget is counted over (a calendar period: its nominal length).
    pub fn period(&self) -> Result<Period, String> {
        match self.budgeting.calendar {
            Some(c) => Ok(c.nominal()),
            None => parse_period(&self.window),
        }
    }

    /// The period's name in series and `sloth_window`: `30d`, `4w`, `1M`, …
    pub fn period_name(&self) -> Result<String, String> {
        match self.budgeting.calendar {
            Some(c) => Ok(c.series_name().to_string()),
            None => parse_period(&self.window).map(|p| p.to_string()),
        }
    }

    /// How the description text names the period: `30d`, `calendar month (UTC)`.
    pub fn period_text(&self) -> String {
        match self.budgeting.calendar {
            Some(c) => c.describe(),
            None => self.window.clone(),
        }
    }
}

/// `<service>-<name>`, the `sloth_id` label.
pub fn slo_id(service: &str, name: &str) -> String {
    format!("{service}-{name}")
}

/// Minutes of full outage the period's error budget allows (a calendar period: over its
/// nominal length, see [`Calendar::nominal`]): `(1 − objective/100) ×
/// period`. 99.9 % over 30d gives 43.2.
pub fn error_budget_minutes(objective: f64, period: &Period) -> f64 {
    let minutes = u128::from(period.seconds() / 60);
    match Objective::parse(objective) {
        Some(o) => (o.budget_units * minutes) as f64 / o.denominator() as f64,
        None => (1.0 - objective / 100.0) * minutes as f64,
    }
}

/// Replaces every `{{.window}}` (spaces inside the braces allowed) with `window`. Errors
/// (phrased to follow the attribute name) when there is none, or another placeholder.
fn render_query(query: &str, window: &str) -> Result<String, String> {
    let mut out = String::with_capacity(query.len());
    let mut rest = query;
    let mut found = false;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            return Err(format!(
                "{query:?} has an unclosed \"{{{{\": write the window as {WINDOW_PLACEHOLDER}"
            ));
        };
        let inner = after[..end].trim();
        if inner != ".window" {
            return Err(format!(
                "{query:?} has the placeholder \"{{{{{}}}}}\": the only placeholder is \
                 {WINDOW_PLACEHOLDER}",
                &after[..end]
            ));
        }
        out.push_str(window);
        found = true;
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    if !found {
        return Err(format!(
            "{query:?} has no {WINDOW_PLACEHOLDER} placeholder: write the range of its \
             rate() as [{WINDOW_PLACEHOLDER}], such as \
             sum(rate(http_requests_total[{WINDOW_PLACEHOLDER}]))"
        ));
    }
    Ok(out)
}

#[cfg(test)]
#[path = "slo_tests.rs"]
pub(crate) mod tests;
