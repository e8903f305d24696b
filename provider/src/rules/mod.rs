//! Pure generation of Prometheus rule groups from resource models (no I/O).
//!
//! - [`slo`]: the SLO model, its validation and its rules (SLI, metadata, burn-rate alerts).
//! - [`burn_rate`]: the multi-window multi-burn-rate table, as data.
//! - [`conventions`]: every series, label, group and alert name (Sloth's).
//! - [`window`]: SLO periods and Prometheus durations.
//! - [`model`]: rule file types and their YAML rendering.

pub mod burn_rate;
pub mod conventions;
pub mod model;
pub mod slo;
pub mod window;

pub use model::{render_yaml, AlertingRule, RecordingRule, Rule, RuleFile, RuleGroup};
pub use slo::{
    error_budget_minutes, generate, slo_id, validate, Alerting, FieldError, Sli, SloSpec, Tier,
};
pub use window::{format_duration, parse_duration, parse_period, Period};
pub mod alert;
pub mod backup;
