//! Pure generation of Prometheus rule groups from resource models (no I/O).
//!
//! - [`slo`]: the SLO model, its validation and its rules (SLI, metadata, burn-rate alerts).
//! - [`alert`]: plain and certificate-expiry alerts.
//! - [`backup`]: backup-plan alerts and the plan file a backup runner reads.
//! - [`burn_rate`]: the multi-window multi-burn-rate table, as data.
//! - [`conventions`]: every metric, series, label, annotation, alert and group name.
//! - [`dashboard`]: Grafana dashboards of SLOs (one per SLO, and an overview).
//! - [`cron`]: cron schedules, their validation and longest gap.
//! - [`labels`]: label and metric name checks, user label maps.
//! - [`promql`]: PromQL string literals and alert-template text; [`promql::check`], whether
//!   an expression parses and its type (`promql_check.rs`: without compiling its regexes).
//! - [`field_error`]: [`FieldError`], a validation error on one attribute.
//! - [`window`]: SLO periods and Prometheus durations.
//! - [`calendar`]: calendar-aligned periods (week, month, quarter) and civil dates.
//! - [`weekly`]: weekday names and times of day of maintenance windows.
//! - [`model`]: rule file types and their YAML rendering.
//! - [`yaml`]: a rule file's YAML written directly, as `serde_yaml_ng` writes it.
//! - [`notification`]: an Alertmanager configuration from a notification policy.
//! - [`openslo`]: OpenSLO v1 documents in (as SLO models) and out.

pub mod alert;
pub mod backup;
pub mod burn_rate;
pub mod calendar;
pub mod conventions;
pub mod cron;
pub mod dashboard;
pub mod field_error;
pub mod labels;
pub mod model;
pub mod notification;
pub mod openslo;
pub mod promql;
mod promql_check;
pub mod slo;
#[cfg(test)]
mod snapshot;
pub mod weekly;
pub mod window;
pub mod yaml;

pub use field_error::FieldError;
pub use model::{render_yaml, AlertingRule, RecordingRule, Rule, RuleFile, RuleGroup};
pub use slo::{
    error_budget_minutes, generate, slo_id, validate, Alerting, Budgeting, MaintenanceWindow, Sli,
    SloSpec, Tier,
};
pub use window::{format_duration, parse_duration, parse_period, Period};
