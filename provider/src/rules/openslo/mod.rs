//! OpenSLO v1 in and out (pure: text in, text or models out).
//!
//! [`import`] reads a YAML stream of OpenSLO v1 documents (kinds `SLO`, `SLI`, `Service`,
//! `DataSource`, `AlertPolicy`, `AlertCondition`, `AlertNotificationTarget`) and gives one
//! [`SloSpec`] per SLO objective; [`export`] writes an [`SloSpec`] as one `SLO` document that
//! [`import`] turns back into the same spec (and so the same rules).
//!
//! What maps (`import.rs`; fields, objective and time window in `fields.rs`; queries in
//! `metric.rs`):
//!
//! - `metadata.name` → `name`, `spec.service` → `service`, `spec.description`,
//!   `metadata.labels` (string values) → `labels`.
//! - `objectives[].target` (0–1) or `targetPercent` → `objective` (percent, by moving the
//!   decimal point in the number's text: exact). Several objectives become several SLOs named
//!   `<name>-<displayName or target>`; each must then have its own name.
//! - `timeWindow`: rolling, whole days or weeks (`30d`, `4w`) → `window`; calendar-aligned
//!   `1w`, `1M`, `1Q` in UTC starting at a Monday, a month's or a quarter's first day, 00:00
//!   → `calendar_period` `week`, `month`, `quarter`. No time window: `30d`.
//! - `budgetingMethod: Occurrences` (or none): event-weighted, as this provider counts.
//! - `ratioMetric` with `counter: true`: each query is a counter selector (or `sum(…)` of
//!   one), and the SLI is `sum(rate(<selector>[{{.window}}]))` per window. `bad` + `total` →
//!   `events`; `good` + `total` → `events` with `error_query = total − good` (a missing good
//!   series counts as no good events). `good = <h>_bucket{…, le="T"}` and `total =
//!   <h>_count{…}` → a `latency` SLI on histogram `<h>` with threshold `T`.
//! - `ratioMetric` with `counter: false` and queries containing `{{.window}}`: the queries
//!   are already per-second rates over that window (this provider's convention, which
//!   [`export`] writes).
//! - `ratioMetric.raw` with `rawType: failure` (or `success`: `1 − ratio`): a `raw` SLI; a
//!   stored ratio metric (a selector) is averaged over each window.
//! - Annotations `terraform-provider-reliability/alerting`, `…/maintenance-windows`,
//!   `…/exclude-query` carry what OpenSLO has no field for (alerting tiers, maintenance) so
//!   that an exported SLO comes back whole.
//!
//! Refused, each with a [`Problem`] naming the document, the field and why: other
//! `apiVersion`s; `Timeslices` and `RatioTimeslices` budgeting; `thresholdMetric`;
//! non-Prometheus metric sources; `counter: false` queries without `{{.window}}`; counter
//! queries that are not a selector or `sum` of one; composite objectives; rolling windows not
//! in whole days or weeks; calendar windows other than 1w/1M/1Q in UTC at period starts;
//! label values that are lists; two SLOs with one name; specs that
//! [`validate`](super::slo::validate) refuses (named by document and argument).
//! `alertPolicies` and alert documents are ignored with a warning: the provider's alerts are
//! its multi-window multi-burn-rate table.

mod export;
mod fields;
mod import;
mod metric;

use std::fmt;

use super::slo::SloSpec;

pub use export::export;
pub use import::import;

/// The annotation prefix for what OpenSLO has no field for.
pub const ANNOTATION_PREFIX: &str = "terraform-provider-reliability/";
/// Annotation: the `alerting` block as JSON.
pub const ANNOTATION_ALERTING: &str = "terraform-provider-reliability/alerting";
/// Annotation: the `maintenance_window` blocks as JSON.
pub const ANNOTATION_MAINTENANCE: &str = "terraform-provider-reliability/maintenance-windows";
/// Annotation: `exclude_query`.
pub const ANNOTATION_EXCLUDE: &str = "terraform-provider-reliability/exclude-query";

/// A refusal or warning about one document's field.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// `SLO "checkout" (document 2)`.
    pub document: String,
    /// `spec.budgetingMethod`.
    pub field: String,
    /// Why, and what to do.
    pub detail: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}: {}", self.document, self.detail)
        } else {
            write!(
                f,
                "{}, field {}: {}",
                self.document, self.field, self.detail
            )
        }
    }
}

/// What a YAML stream gives: the SLOs, in document order, and warnings.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Imported {
    pub slos: Vec<SloSpec>,
    pub warnings: Vec<Problem>,
}

#[cfg(test)]
mod tests;
