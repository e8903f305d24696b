//! Backup plans: RPO and restore-test alerts, and the plan file a backup runner reads
//! (pure, no I/O).
//!
//! # Metrics contract
//!
//! The provider does not run backups. A runner (a wrapper around restic, borgmatic,
//! pgbackrest, …) reads the plan file ([`plan_document`]), schedules itself, and after each
//! success writes, through node_exporter's textfile collector (write a temporary file in
//! the collector directory, then rename it over `backup-<plan>.prom`, or
//! `backup-<plan>-restore-test.prom` for the restore test, so that neither job overwrites
//! the other's metric):
//!
//! | metric (gauge) | labels | value | written |
//! |---|---|---|---|
//! | `backup_last_success_timestamp_seconds` | `plan="<name>"` | unix seconds when the last successful backup finished | after every successful backup |
//! | `backup_restore_test_last_success_timestamp_seconds` | `plan="<name>"` | unix seconds when the last successful restore test finished | after every successful restore test (plans with `restore_test`) |
//!
//! Failures write nothing: the timestamp simply ages. Other labels (`instance`, `job`, …)
//! may be added by the scrape; the rules aggregate them away with `max by (plan)`, so the
//! newest success of a plan counts even if several hosts report it, and each plan has at
//! most one alert of each kind.
//!
//! # Rules
//!
//! One group, `reliability-backup-<name>` ([`group_name`]). Every alert carries
//! `plan="<name>"`, `severity` and the user's labels (which cannot set `plan`, `severity`
//! or `alertname`). Alert names are shared by all plans; the `plan` label tells them
//! apart.
//!
//! | alert | expression | for | severity |
//! |---|---|---|---|
//! | `BackupRPOViolated` | `time() - max by (plan) (backup_last_success_timestamp_seconds{plan="<name>"}) > <rpo seconds>` | — | `page` |
//! | `BackupMetricAbsent` | `absent(backup_last_success_timestamp_seconds{plan="<name>"})` | `1h` | `ticket` |
//! | `BackupRestoreTestOverdue` | `time() - max by (plan) (backup_restore_test_last_success_timestamp_seconds{plan="<name>"}) > <max_age seconds>` | — | `ticket` |
//! | `BackupRestoreTestMetricAbsent` | `absent(backup_restore_test_last_success_timestamp_seconds{plan="<name>"})` | `<max_age>` | `ticket` |
//!
//! The restore-test alerts exist only when `restore_test` is set.
//!
//! Why these choices:
//! - **RPO violated pages.** The RPO is the promise of how much data may be lost; once it
//!   is broken, every further minute is data that cannot be restored, and a failed backup
//!   job rarely heals itself. The expression grows steadily, so no `for` is needed.
//! - **Metric absent is a ticket after a fixed 1h**, whatever the RPO. A missing metric
//!   means the RPO alert cannot fire (a comparison on no series returns nothing), so it
//!   must not wait an RPO: with `for: <rpo>` a broken pipeline would be noticed only after
//!   up to twice the RPO. One hour rides out node_exporter and Prometheus restarts. A new
//!   plan that has not completed a first backup alerts too, which is intended: it protects
//!   nothing yet.
//! - **Restore tests are tickets**: an overdue test is a risk, not data loss. Their absent
//!   companion waits `max_age`: restore tests are rare (monthly, say), so a plan that has
//!   not recorded one within `max_age` of being watched is overdue by definition, and a
//!   shorter wait would fire for every new plan. (Prometheus keeps a pending alert's age
//!   across restarts shorter than `--rules.alert.for-outage-tolerance`, 1h by default;
//!   a longer outage restarts the wait.)
//!
//! Validation also refuses an `rpo` (or `restore_test.max_age`) shorter than the longest
//! gap between two scheduled runs ([`cron_max_gap`]): the alert would fire by design. An
//! `rpo` equal to the gap is accepted, but leaves no room for the run's own duration.
//!
//! `rto` is not alerted on (nothing measures restore time); it is carried in the plan file
//! and the alert descriptions.

mod plan_document;

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::conventions::{
    self as conv, ALERT_BACKUP_METRIC_ABSENT, ALERT_RESTORE_TEST_METRIC_ABSENT,
    ALERT_RESTORE_TEST_OVERDUE, ALERT_RPO_VIOLATED, LABEL_PLAN, METRIC_BACKUP_LAST_SUCCESS,
    METRIC_RESTORE_TEST_LAST_SUCCESS,
};
use super::cron::{cron_max_gap, validate_cron};
use super::field_error::FieldError;
use super::labels::{check_labels, Reserved};
use super::model::{AlertingRule, Rule, RuleFile, RuleGroup};
use super::promql::{promql_string, seconds, template_literal};
use super::window::{format_duration, parse_duration};

pub use super::cron::CRON_MACROS;
pub use plan_document::plan_document;

/// Longest plan name.
pub const MAX_NAME_LEN: usize = 128;
/// `for` of the backup metric-absent alert.
pub const METRIC_ABSENT_FOR: &str = "1h";
/// Version of the plan file format.
pub const PLAN_DOCUMENT_VERSION: u32 = 1;

/// One backup plan, as the `reliability_backup_plan` resource describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackupPlanSpec {
    /// Plan name: the `plan` label, the group and file name.
    pub name: String,
    /// 5-field cron expression, or `@daily`-style macro.
    pub schedule: String,
    pub retention_days: i64,
    /// Recovery point objective, a Prometheus duration (`"24h"`).
    pub rpo: String,
    /// Recovery time objective, a Prometheus duration (`"4h"`).
    #[serde(default)]
    pub rto: Option<String>,
    /// What to back up (paths, database URLs, ARNs; the runner interprets them).
    pub targets: Vec<String>,
    #[serde(default)]
    pub offsite_copy: Option<OffsiteCopy>,
    #[serde(default)]
    pub restore_test: Option<RestoreTest>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OffsiteCopy {
    pub destination: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RestoreTest {
    /// 5-field cron expression.
    pub schedule: String,
    /// Longest acceptable age of the last successful restore test (`"35d"`).
    pub max_age: String,
}

fn is_plan_name(name: &str) -> bool {
    let b = name.as_bytes();
    let edge = |c: &u8| c.is_ascii_alphanumeric();
    b.len() >= 2
        && b.len() <= MAX_NAME_LEN
        && b.first().is_some_and(edge)
        && b.last().is_some_and(edge)
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// A positive duration in whole seconds.
fn positive_duration(attr: &str, s: &str) -> Result<Duration, String> {
    let d = parse_duration(s)?;
    if d.is_zero() {
        return Err(format!(
            "{attr} {s:?} is zero: set a positive duration, such as \"24h\""
        ));
    }
    if d.subsec_millis() != 0 {
        return Err(format!(
            "{attr} {s:?} has a fraction of a second: use whole seconds, such as \"90s\""
        ));
    }
    Ok(d)
}

/// Checks everything [`generate`] and [`plan_document`] rely on. Empty means valid.
pub fn validate(spec: &BackupPlanSpec) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if !is_plan_name(&spec.name) {
        errors.push(FieldError::new(
            &["name"],
            "Invalid name",
            format!(
                "name {:?} is not allowed: use 2 to {MAX_NAME_LEN} characters from A-Z a-z \
                 0-9 - _ . starting and ending with a letter or digit (it is the plan label \
                 and names the rule file), such as \"postgres-main\"",
                spec.name
            ),
        ));
    }
    if let Err(e) = validate_cron(&spec.schedule) {
        errors.push(FieldError::new(&["schedule"], "Invalid schedule", e));
    }
    if spec.retention_days < 1 {
        errors.push(FieldError::new(
            &["retention_days"],
            "Invalid retention_days",
            format!(
                "retention_days {} keeps no backup: set at least 1, such as 30",
                spec.retention_days
            ),
        ));
    }
    match positive_duration("rpo", &spec.rpo) {
        Err(e) => errors.push(FieldError::new(&["rpo"], "Invalid rpo", e)),
        Ok(rpo) => {
            if let Some(detail) = gap_exceeds("rpo", &spec.rpo, rpo, &spec.schedule, "backups") {
                errors.push(FieldError::new(
                    &["rpo"],
                    "RPO shorter than the schedule",
                    detail,
                ));
            }
        }
    }
    if let Some(rto) = &spec.rto {
        if let Err(e) = positive_duration("rto", rto) {
            errors.push(FieldError::new(&["rto"], "Invalid rto", e));
        }
    }
    if spec.targets.is_empty() {
        errors.push(FieldError::new(
            &["targets"],
            "No targets",
            "targets is empty: a plan that backs up nothing is a mistake; list what to back \
             up, such as [\"/var/lib/postgresql\"]"
                .into(),
        ));
    }
    for (i, t) in spec.targets.iter().enumerate() {
        if t.trim().is_empty() {
            errors.push(FieldError::new(
                &["targets"],
                "Invalid target",
                format!("targets[{i}] {t:?} is empty: set a path, URL or ARN, or remove it"),
            ));
        } else if spec.targets[..i].contains(t) {
            errors.push(FieldError::new(
                &["targets"],
                "Duplicate target",
                format!("targets[{i}] {t:?} is listed twice: remove the duplicate"),
            ));
        }
    }
    if let Some(o) = &spec.offsite_copy {
        if o.destination.trim().is_empty() {
            errors.push(FieldError::new(
                &["offsite_copy", "destination"],
                "Invalid destination",
                format!(
                    "offsite_copy.destination {:?} is empty: set where the copy goes, such \
                     as \"s3:https://s3.example.com/backups\", or remove the offsite_copy block",
                    o.destination
                ),
            ));
        }
    }
    if let Some(rt) = &spec.restore_test {
        if let Err(e) = validate_cron(&rt.schedule) {
            errors.push(FieldError::new(
                &["restore_test", "schedule"],
                "Invalid schedule",
                format!("restore_test.{e}"),
            ));
        }
        match positive_duration("restore_test.max_age", &rt.max_age) {
            Err(e) => errors.push(FieldError::new(
                &["restore_test", "max_age"],
                "Invalid max_age",
                e,
            )),
            Ok(max_age) => {
                let attr = "restore_test.max_age";
                if let Some(detail) =
                    gap_exceeds(attr, &rt.max_age, max_age, &rt.schedule, "restore tests")
                {
                    errors.push(FieldError::new(
                        &["restore_test", "max_age"],
                        "max_age shorter than the schedule",
                        detail,
                    ));
                }
            }
        }
    }
    let reserved = [LABEL_PLAN, conv::LABEL_SEVERITY, conv::LABEL_ALERTNAME];
    check_labels(
        &mut errors,
        &["labels"],
        &spec.labels,
        &Reserved {
            contains: &|name| reserved.contains(&name),
            reason: &format!("reserved: {}", reserved.join(", ")),
        },
    );
    errors
}

/// When `schedule` is valid and leaves gaps longer than `limit`, says so: the alert on
/// `attr` would fire on schedule.
fn gap_exceeds(
    attr: &str,
    text: &str,
    limit: Duration,
    schedule: &str,
    what: &str,
) -> Option<String> {
    let gap = cron_max_gap(schedule).ok()?;
    (gap > limit).then(|| {
        let gap = format_duration(gap);
        format!(
            "{attr} {text:?} is shorter than the longest gap between scheduled {what} \
             ({gap} with schedule {schedule:?}), so its alert would fire by design: set \
             {attr} to at least {gap} plus the time a run takes, or schedule {what} more \
             often"
        )
    })
}

/// Generates the rule file of a valid spec (see [`validate`]).
pub fn generate(spec: &BackupPlanSpec) -> Result<RuleFile, String> {
    let invalid: Vec<String> = validate(spec).into_iter().map(|e| e.detail).collect();
    if !invalid.is_empty() {
        return Err(invalid.join("; "));
    }
    let rpo = positive_duration("rpo", &spec.rpo)?;
    let name = &spec.name;
    let selector = format!(
        "{METRIC_BACKUP_LAST_SUCCESS}{{{LABEL_PLAN}={}}}",
        promql_string(name)
    );
    let targets = spec
        .targets
        .iter()
        .map(|t| template_literal(t))
        .collect::<Vec<_>>()
        .join(", ");
    let rto = spec
        .rto
        .as_ref()
        .map(|r| format!(" Its RTO is {r}."))
        .unwrap_or_default();
    let schedule = template_literal(&spec.schedule);

    let mut rules = vec![
        alert(
            spec,
            ALERT_RPO_VIOLATED,
            format!(
                "time() - max by ({LABEL_PLAN}) ({selector}) > {}",
                seconds(rpo)
            ),
            None,
            "page",
            format!(
                "Backup plan {name} has no successful backup within its RPO of {}",
                spec.rpo
            ),
            format!(
                "The last successful backup of plan {name} finished \
                 {{{{ $value | humanizeDuration }}}} ago, longer than its recovery point \
                 objective of {rpo_text} (schedule \"{schedule}\", targets: {targets}).{rto} \
                 Data written since then cannot be restored. Check the backup runner's last \
                 runs and logs, fix the cause and run a backup now; the runner sets \
                 {selector} after each success.",
                rpo_text = spec.rpo,
            ),
        )?,
        alert(
            spec,
            ALERT_BACKUP_METRIC_ABSENT,
            format!("absent({selector})"),
            Some(METRIC_ABSENT_FOR),
            "ticket",
            format!("Backup plan {name} reports no successful backup"),
            format!(
                "Prometheus has had no series {selector} for {METRIC_ABSENT_FOR}, so \
                 {ALERT_RPO_VIOLATED} cannot fire for plan {name}. Either no backup has \
                 succeeded yet, or the runner does not write the metric (node_exporter \
                 textfile collector), or node_exporter is not scraped. Check the runner \
                 (schedule \"{schedule}\", targets: {targets}) and the textfile directory."
            ),
        )?,
    ];
    if let Some(rt) = &spec.restore_test {
        let max_age = positive_duration("restore_test.max_age", &rt.max_age)?;
        let rt_selector = format!(
            "{METRIC_RESTORE_TEST_LAST_SUCCESS}{{{LABEL_PLAN}={}}}",
            promql_string(name)
        );
        let rt_schedule = template_literal(&rt.schedule);
        rules.push(alert(
            spec,
            ALERT_RESTORE_TEST_OVERDUE,
            format!(
                "time() - max by ({LABEL_PLAN}) ({rt_selector}) > {}",
                seconds(max_age)
            ),
            None,
            "ticket",
            format!(
                "Backup plan {name} has no successful restore test within {}",
                rt.max_age
            ),
            format!(
                "The last successful restore test of plan {name} finished \
                 {{{{ $value | humanizeDuration }}}} ago, longer than the allowed {} \
                 (restore test schedule \"{rt_schedule}\").{rto} Untested backups may not \
                 restore. Check the restore-test job and its logs and run a restore test now; \
                 the runner sets {rt_selector} after each success.",
                rt.max_age
            ),
        )?);
        rules.push(alert(
            spec,
            ALERT_RESTORE_TEST_METRIC_ABSENT,
            format!("absent({rt_selector})"),
            Some(&rt.max_age),
            "ticket",
            format!("Backup plan {name} reports no successful restore test"),
            format!(
                "Prometheus has had no series {rt_selector} for {}, so no restore test of \
                 plan {name} is known to have succeeded. Check the restore-test job \
                 (schedule \"{rt_schedule}\") and that it writes the metric through the \
                 node_exporter textfile collector.",
                rt.max_age
            ),
        )?);
    }
    Ok(RuleFile {
        groups: vec![RuleGroup {
            name: conv::backup_group_name(name),
            interval: None,
            rules,
        }],
    })
}

fn alert(
    spec: &BackupPlanSpec,
    name: &str,
    expr: String,
    for_: Option<&str>,
    severity: &str,
    summary: String,
    description: String,
) -> Result<Rule, String> {
    super::promql::check(&expr).map_err(|e| format!("generated expression {expr:?}: {e}"))?;
    let mut labels: BTreeMap<String, String> = spec
        .labels
        .iter()
        .map(|(k, v)| (k.clone(), template_literal(v)))
        .collect();
    labels.insert(LABEL_PLAN.into(), spec.name.clone());
    labels.insert(conv::LABEL_SEVERITY.into(), severity.into());
    Ok(Rule::Alerting(AlertingRule {
        alert: name.into(),
        expr,
        for_: for_.map(str::to_string),
        labels,
        annotations: BTreeMap::from([
            (conv::ANNOTATION_SUMMARY.to_string(), summary),
            (conv::ANNOTATION_DESCRIPTION.to_string(), description),
        ]),
    }))
}

#[cfg(test)]
#[path = "backup_tests.rs"]
mod tests;
