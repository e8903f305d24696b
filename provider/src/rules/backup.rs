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

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::alert::{check_labels, promql_string, seconds, template_literal, FieldError};
use super::model::{AlertingRule, Rule, RuleFile, RuleGroup};
use super::window::{format_duration, parse_duration};

/// Longest plan name.
pub const MAX_NAME_LEN: usize = 128;
/// Metric: unix seconds of the last successful backup.
pub const METRIC_LAST_SUCCESS: &str = "backup_last_success_timestamp_seconds";
/// Metric: unix seconds of the last successful restore test.
pub const METRIC_RESTORE_TEST_LAST_SUCCESS: &str =
    "backup_restore_test_last_success_timestamp_seconds";
/// Label identifying the plan, on the metrics and on every alert.
pub const LABEL_PLAN: &str = "plan";
/// Alert: the last success is older than the RPO.
pub const ALERT_RPO_VIOLATED: &str = "BackupRPOViolated";
/// Alert: no backup metric for the plan.
pub const ALERT_METRIC_ABSENT: &str = "BackupMetricAbsent";
/// Alert: the last successful restore test is older than `max_age`.
pub const ALERT_RESTORE_TEST_OVERDUE: &str = "BackupRestoreTestOverdue";
/// Alert: no restore-test metric for the plan.
pub const ALERT_RESTORE_TEST_METRIC_ABSENT: &str = "BackupRestoreTestMetricAbsent";
/// `for` of [`ALERT_METRIC_ABSENT`].
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

/// Group name of a plan: `reliability-backup-<name>`.
pub fn group_name(name: &str) -> String {
    format!("reliability-backup-{name}")
}

fn err(path: &[&str], summary: &str, detail: String) -> FieldError {
    FieldError {
        path: path.iter().map(|s| s.to_string()).collect(),
        summary: summary.to_string(),
        detail,
    }
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
        errors.push(err(
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
        errors.push(err(&["schedule"], "Invalid schedule", e));
    }
    if spec.retention_days < 1 {
        errors.push(err(
            &["retention_days"],
            "Invalid retention_days",
            format!(
                "retention_days {} keeps no backup: set at least 1, such as 30",
                spec.retention_days
            ),
        ));
    }
    match positive_duration("rpo", &spec.rpo) {
        Err(e) => errors.push(err(&["rpo"], "Invalid rpo", e)),
        Ok(rpo) => {
            if let Some(detail) = gap_exceeds("rpo", &spec.rpo, rpo, &spec.schedule, "backups") {
                errors.push(err(&["rpo"], "RPO shorter than the schedule", detail));
            }
        }
    }
    if let Some(rto) = &spec.rto {
        if let Err(e) = positive_duration("rto", rto) {
            errors.push(err(&["rto"], "Invalid rto", e));
        }
    }
    if spec.targets.is_empty() {
        errors.push(err(
            &["targets"],
            "No targets",
            "targets is empty: a plan that backs up nothing is a mistake; list what to back \
             up, such as [\"/var/lib/postgresql\"]"
                .into(),
        ));
    }
    for (i, t) in spec.targets.iter().enumerate() {
        if t.trim().is_empty() {
            errors.push(err(
                &["targets"],
                "Invalid target",
                format!("targets[{i}] {t:?} is empty: set a path, URL or ARN, or remove it"),
            ));
        } else if spec.targets[..i].contains(t) {
            errors.push(err(
                &["targets"],
                "Duplicate target",
                format!("targets[{i}] {t:?} is listed twice: remove the duplicate"),
            ));
        }
    }
    if let Some(o) = &spec.offsite_copy {
        if o.destination.trim().is_empty() {
            errors.push(err(
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
            errors.push(err(
                &["restore_test", "schedule"],
                "Invalid schedule",
                format!("restore_test.{e}"),
            ));
        }
        match positive_duration("restore_test.max_age", &rt.max_age) {
            Err(e) => errors.push(err(&["restore_test", "max_age"], "Invalid max_age", e)),
            Ok(max_age) => {
                let attr = "restore_test.max_age";
                if let Some(detail) =
                    gap_exceeds(attr, &rt.max_age, max_age, &rt.schedule, "restore tests")
                {
                    errors.push(err(
                        &["restore_test", "max_age"],
                        "max_age shorter than the schedule",
                        detail,
                    ));
                }
            }
        }
    }
    check_labels(
        &mut errors,
        "labels",
        &spec.labels,
        &[LABEL_PLAN, "severity", "alertname"],
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
        "{METRIC_LAST_SUCCESS}{{{LABEL_PLAN}={}}}",
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
            ALERT_METRIC_ABSENT,
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
            name: group_name(name),
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
    promql_parser::parser::parse(&expr)
        .map_err(|e| format!("generated expression {expr:?}: {e}"))?;
    let mut labels: BTreeMap<String, String> = spec
        .labels
        .iter()
        .map(|(k, v)| (k.clone(), template_literal(v)))
        .collect();
    labels.insert(LABEL_PLAN.into(), spec.name.clone());
    labels.insert("severity".into(), severity.into());
    Ok(Rule::Alerting(AlertingRule {
        alert: name.into(),
        expr,
        for_: for_.map(str::to_string),
        labels,
        annotations: BTreeMap::from([
            ("summary".to_string(), summary),
            ("description".to_string(), description),
        ]),
    }))
}

// ---- plan document ----

#[derive(Serialize)]
struct PlanDocument<'a> {
    version: u32,
    name: &'a str,
    schedule: &'a str,
    retention_days: i64,
    rpo: DurationDoc<'a>,
    rto: Option<DurationDoc<'a>>,
    targets: &'a [String],
    offsite_copy: Option<&'a OffsiteCopy>,
    restore_test: Option<RestoreTestDoc<'a>>,
    labels: &'a BTreeMap<String, String>,
    rule_group: String,
    alerts: Vec<&'static str>,
    metrics: Vec<MetricDoc>,
}

#[derive(Serialize)]
struct DurationDoc<'a> {
    text: &'a str,
    /// `None` when the text is not a valid duration (the plan failed validation).
    seconds: Option<u64>,
}

impl<'a> DurationDoc<'a> {
    fn new(text: &'a str) -> DurationDoc<'a> {
        DurationDoc {
            text,
            seconds: parse_duration(text).ok().map(|d| d.as_secs()),
        }
    }
}

#[derive(Serialize)]
struct RestoreTestDoc<'a> {
    schedule: &'a str,
    max_age: DurationDoc<'a>,
}

#[derive(Serialize)]
struct MetricDoc {
    name: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    labels: BTreeMap<&'static str, String>,
    value: &'static str,
    when: &'static str,
    textfile: String,
    example: String,
}

/// The plan file a backup runner reads to schedule itself: pretty JSON with a stable key
/// order and `"version": 1`. Durations are given as text and seconds; `metrics` is the
/// contract the runner must meet (see the module doc).
pub fn plan_document(spec: &BackupPlanSpec) -> String {
    // One textfile per metric: the backup job and the restore test run at different times and
    // each rewrites its whole file, so sharing one would drop the other's metric.
    let metric =
        |name: &'static str, value: &'static str, when: &'static str, textfile: String| MetricDoc {
            name,
            kind: "gauge",
            labels: BTreeMap::from([(LABEL_PLAN, spec.name.clone())]),
            value,
            when,
            textfile,
            example: format!(
                "{name}{{{LABEL_PLAN}={}}} 1700000000",
                promql_string(&spec.name)
            ),
        };
    let mut metrics = vec![metric(
        METRIC_LAST_SUCCESS,
        "unix time in seconds when the last successful backup finished",
        "after every successful backup; write nothing on failure",
        format!("backup-{}.prom", spec.name),
    )];
    let mut alerts = vec![ALERT_RPO_VIOLATED, ALERT_METRIC_ABSENT];
    if spec.restore_test.is_some() {
        metrics.push(metric(
            METRIC_RESTORE_TEST_LAST_SUCCESS,
            "unix time in seconds when the last successful restore test finished",
            "after every successful restore test; write nothing on failure",
            format!("backup-{}-restore-test.prom", spec.name),
        ));
        alerts.extend([ALERT_RESTORE_TEST_OVERDUE, ALERT_RESTORE_TEST_METRIC_ABSENT]);
    }
    let doc = PlanDocument {
        version: PLAN_DOCUMENT_VERSION,
        name: &spec.name,
        schedule: &spec.schedule,
        retention_days: spec.retention_days,
        rpo: DurationDoc::new(&spec.rpo),
        rto: spec.rto.as_deref().map(DurationDoc::new),
        targets: &spec.targets,
        offsite_copy: spec.offsite_copy.as_ref(),
        restore_test: spec.restore_test.as_ref().map(|rt| RestoreTestDoc {
            schedule: &rt.schedule,
            max_age: DurationDoc::new(&rt.max_age),
        }),
        labels: &spec.labels,
        rule_group: group_name(&spec.name),
        alerts,
        metrics,
    };
    // Strings, integers and maps with string keys always serialise.
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_else(|e| {
        format!(
            "{{\"version\": {PLAN_DOCUMENT_VERSION}, \"error\": {:?}}}",
            e.to_string()
        )
    });
    out.push('\n');
    out
}

// ---- cron ----

/// One cron field: name, bounds, accepted names (index + `names_base` = value).
struct CronField {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
    names_base: u32,
}

const CRON_FIELDS: [CronField; 5] = [
    CronField {
        name: "minute",
        min: 0,
        max: 59,
        names: &[],
        names_base: 0,
    },
    CronField {
        name: "hour",
        min: 0,
        max: 23,
        names: &[],
        names_base: 0,
    },
    CronField {
        name: "day of month",
        min: 1,
        max: 31,
        names: &[],
        names_base: 0,
    },
    CronField {
        name: "month",
        min: 1,
        max: 12,
        names: &[
            "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
        ],
        names_base: 1,
    },
    CronField {
        name: "day of week",
        min: 0,
        max: 7,
        names: &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
        names_base: 0,
    },
];

/// Macros accepted instead of five fields.
pub const CRON_MACROS: [&str; 6] = [
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@hourly",
];

impl CronField {
    fn allowed(&self) -> String {
        let mut s = format!(
            "{}-{}, '*', lists (a,b), ranges (a-b) and steps (*/n, a-b/n)",
            self.min, self.max
        );
        if let (Some(first), Some(last)) = (self.names.first(), self.names.last()) {
            s.push_str(&format!(", names {first}-{last}"));
        }
        if self.name == "day of week" {
            s.push_str(" (0 and 7 are Sunday)");
        }
        s
    }

    fn value(&self, text: &str) -> Result<u32, String> {
        let n = if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            text.parse::<u32>()
                .map_err(|_| format!("{text:?} is too large"))?
        } else if let Some(i) = self.names.iter().position(|n| n.eq_ignore_ascii_case(text)) {
            i as u32 + self.names_base
        } else {
            return Err(format!(
                "{text:?} is not a number{}",
                if self.names.is_empty() {
                    ""
                } else {
                    " or a name"
                }
            ));
        };
        if n < self.min || n > self.max {
            return Err(format!("{n} is out of range"));
        }
        Ok(n)
    }

    /// The set of values, as a bit mask.
    fn parse(&self, field: &str) -> Result<u64, String> {
        let mut mask = 0u64;
        for item in field.split(',') {
            let (range, step) = match item.split_once('/') {
                Some((r, s)) => {
                    let step = if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                        s.parse::<u32>().ok()
                    } else {
                        None
                    }
                    .filter(|&n| n >= 1 && n <= self.max - self.min + 1)
                    .ok_or_else(|| {
                        format!(
                            "step {s:?} in {item:?} must be a number from 1 to {}",
                            self.max - self.min + 1
                        )
                    })?;
                    (r, Some(step))
                }
                None => (item, None),
            };
            let (lo, hi) = if range == "*" {
                (self.min, self.max)
            } else if let Some((a, b)) = range.split_once('-') {
                let (a, b) = (self.value(a)?, self.value(b)?);
                if a > b {
                    return Err(format!("range {range:?} goes backwards ({a} > {b})"));
                }
                (a, b)
            } else if range.is_empty() {
                return Err(format!("empty item in {field:?}"));
            } else {
                if step.is_some() {
                    return Err(format!(
                        "{item:?}: a step needs '*' or a range before it, such as */{s} or {range}-{max}/{s}",
                        s = step.unwrap_or(1),
                        max = self.max
                    ));
                }
                let v = self.value(range)?;
                (v, v)
            };
            let step = step.unwrap_or(1);
            let mut v = lo;
            while v <= hi {
                mask |= 1 << v;
                v += step;
            }
        }
        Ok(mask)
    }
}

/// Checks a cron schedule: five fields `minute hour day-of-month month day-of-week`, each
/// `*`, a number, a range `a-b`, a step `*/n` or `a-b/n`, or a comma list of those; months
/// and weekdays also by name (`JAN`-`DEC`, `SUN`-`SAT`, any case); or one of the macros
/// `@yearly` (`@annually`), `@monthly`, `@weekly`, `@daily`, `@hourly`. A schedule that
/// can never run (`0 0 30 2 *`) is an error too.
pub fn validate_cron(expr: &str) -> Result<(), String> {
    Cron::parse(expr)?.max_gap(expr).map(|_| ())
}

/// The longest time between two consecutive runs of a valid schedule (Vixie cron
/// semantics: when both day fields are restricted, either may match), computed over the
/// five calendar years 2024–2028, which include two leap days.
pub fn cron_max_gap(expr: &str) -> Result<Duration, String> {
    Cron::parse(expr)?.max_gap(expr)
}

struct Cron {
    /// Bit masks of minute, hour, day of month, month, day of week (Sunday is bit 0).
    masks: [u64; 5],
    /// Day of month or day of week starts with `*`: days must match both fields.
    day_and: bool,
}

impl Cron {
    fn parse(expr: &str) -> Result<Cron, String> {
        let trimmed = expr.trim();
        let expanded = match trimmed {
            "@yearly" | "@annually" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            t if t.starts_with('@') => {
                return Err(format!(
                    "schedule {expr:?} is not a known macro: use one of {} or five cron \
                     fields (minute hour day-of-month month day-of-week), such as \
                     \"0 2 * * *\"",
                    CRON_MACROS.join(", ")
                ))
            }
            t => t,
        };
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        if fields.len() != 5 {
            return Err(format!(
                "schedule {expr:?} has {} field{}: use five (minute hour day-of-month month \
                 day-of-week), such as \"0 2 * * *\" for 02:00 every day, or a macro like \
                 \"@daily\"",
                fields.len(),
                if fields.len() == 1 { "" } else { "s" }
            ));
        }
        let mut masks = [0u64; 5];
        for (i, (field, spec)) in fields.iter().zip(CRON_FIELDS.iter()).enumerate() {
            masks[i] = spec.parse(field).map_err(|e| {
                format!(
                    "schedule {expr:?}: field {} ({}) {field:?} is invalid: {e}; allowed: {}",
                    i + 1,
                    spec.name,
                    spec.allowed()
                )
            })?;
        }
        // 7 is Sunday too.
        if masks[4] & (1 << 7) != 0 {
            masks[4] = (masks[4] | 1) & !(1 << 7);
        }
        Ok(Cron {
            masks,
            day_and: fields[2].starts_with('*') || fields[4].starts_with('*'),
        })
    }

    fn runs_on(&self, month: u32, day: u32, weekday: u32) -> bool {
        let bit = |field: usize, v: u32| self.masks[field] & (1 << v) != 0;
        let (dom, dow) = (bit(2, day), bit(4, weekday));
        bit(3, month) && if self.day_and { dom && dow } else { dom || dow }
    }

    fn max_gap(&self, expr: &str) -> Result<Duration, String> {
        // Minutes of the day at which it runs, ascending.
        let times: Vec<u64> = (0..24u64)
            .filter(|h| self.masks[1] & (1 << h) != 0)
            .flat_map(|h| {
                (0..60u64)
                    .filter(|m| self.masks[0] & (1 << m) != 0)
                    .map(move |m| h * 60 + m)
            })
            .collect();
        let within_day = times.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0);
        let (Some(&first), Some(&last)) = (times.first(), times.last()) else {
            return Err(format!("schedule {expr:?} never runs"));
        };
        let mut max_gap = 0u64;
        let mut previous_last: Option<u64> = None;
        let mut day_index = 0u64;
        // 2024-01-01 was a Monday.
        let mut weekday = 1u32;
        for year in 2024..=2028u32 {
            let leap = year % 4 == 0;
            for month in 1..=12u32 {
                let days = match month {
                    2 if leap => 29,
                    2 => 28,
                    4 | 6 | 9 | 11 => 30,
                    _ => 31,
                };
                for day in 1..=days {
                    if self.runs_on(month, day, weekday) {
                        let start = day_index * 1440;
                        if let Some(prev) = previous_last {
                            max_gap = max_gap.max(start + first - prev);
                        }
                        max_gap = max_gap.max(within_day);
                        previous_last = Some(start + last);
                    }
                    day_index += 1;
                    weekday = (weekday + 1) % 7;
                }
            }
        }
        match previous_last {
            None => Err(format!(
                "schedule {expr:?} never runs: no date matches its day of month, month and \
                 day of week (such as February 30th); pick days that exist"
            )),
            // One run in five years: at least that long.
            Some(_) if max_gap == 0 && within_day == 0 => {
                Ok(Duration::from_secs(day_index * 86_400))
            }
            Some(_) => Ok(Duration::from_secs(max_gap * 60)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::model::render_yaml;

    fn minimal() -> BackupPlanSpec {
        BackupPlanSpec {
            name: "postgres-main".into(),
            schedule: "0 2 * * *".into(),
            retention_days: 30,
            rpo: "24h".into(),
            rto: None,
            targets: vec!["postgres://db.internal/main".into()],
            offsite_copy: None,
            restore_test: None,
            labels: BTreeMap::new(),
        }
    }

    fn full() -> BackupPlanSpec {
        BackupPlanSpec {
            name: "files.home".into(),
            schedule: "30 */6 * * *".into(),
            retention_days: 90,
            rpo: "8h".into(),
            rto: Some("4h".into()),
            targets: vec!["/home".into(), "/etc/{{odd}}".into()],
            offsite_copy: Some(OffsiteCopy {
                destination: "s3:https://s3.example.com/backups".into(),
            }),
            restore_test: Some(RestoreTest {
                schedule: "0 4 1 * *".into(),
                max_age: "35d".into(),
            }),
            labels: BTreeMap::from([("team".into(), "storage".into())]),
        }
    }

    fn snapshot(name: &str, value: String) {
        insta::with_settings!({snapshot_path => "snapshots/backup", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(name, value);
        });
    }

    #[test]
    fn snapshots() {
        for (name, spec) in [("minimal", minimal()), ("full", full())] {
            assert_eq!(validate(&spec), vec![], "{name}");
            let file = generate(&spec).unwrap();
            snapshot(&format!("rules_backup_{name}"), render_yaml(&file, ""));
            snapshot(&format!("plan_document_{name}"), plan_document(&spec));
        }
    }

    #[test]
    fn rules_are_labelled_and_named() {
        let file = generate(&full()).unwrap();
        assert_eq!(file.groups.len(), 1);
        assert_eq!(file.groups[0].name, "reliability-backup-files.home");
        let alerts: Vec<(&str, &str, Option<&str>)> = file.groups[0]
            .rules
            .iter()
            .map(|r| match r {
                Rule::Alerting(a) => {
                    assert_eq!(a.labels["plan"], "files.home");
                    assert_eq!(a.labels["team"], "storage");
                    assert!(a.annotations.contains_key("summary"));
                    assert!(a.annotations.contains_key("description"));
                    (
                        a.alert.as_str(),
                        a.labels["severity"].as_str(),
                        a.for_.as_deref(),
                    )
                }
                Rule::Recording(r) => panic!("unexpected recording rule {}", r.record),
            })
            .collect();
        assert_eq!(
            alerts,
            vec![
                ("BackupRPOViolated", "page", None),
                ("BackupMetricAbsent", "ticket", Some("1h")),
                ("BackupRestoreTestOverdue", "ticket", None),
                ("BackupRestoreTestMetricAbsent", "ticket", Some("35d")),
            ]
        );
        assert_eq!(generate(&minimal()).unwrap().groups[0].rules.len(), 2);
    }

    #[test]
    fn plan_document_is_versioned_json() {
        let doc: serde_json::Value = serde_json::from_str(&plan_document(&full())).unwrap();
        assert_eq!(doc["version"], 1);
        assert_eq!(doc["rpo"]["seconds"], 8 * 3600);
        assert_eq!(doc["rto"]["seconds"], 4 * 3600);
        assert_eq!(doc["restore_test"]["max_age"]["seconds"], 35 * 86400);
        assert_eq!(doc["metrics"][0]["name"], METRIC_LAST_SUCCESS);
        assert_eq!(doc["metrics"][1]["name"], METRIC_RESTORE_TEST_LAST_SUCCESS);
        assert_eq!(doc["metrics"][0]["labels"]["plan"], "files.home");
        let doc: serde_json::Value = serde_json::from_str(&plan_document(&minimal())).unwrap();
        assert_eq!(doc["rto"], serde_json::Value::Null);
        assert_eq!(doc["metrics"].as_array().map(Vec::len), Some(1));
        // Stable: the same spec gives the same bytes.
        assert_eq!(plan_document(&full()), plan_document(&full()));
    }

    fn errors(spec: &BackupPlanSpec) -> Vec<(String, String)> {
        validate(spec)
            .into_iter()
            .map(|e| (e.path.join("."), e.detail))
            .collect()
    }

    fn assert_error(spec: &BackupPlanSpec, path: &str, needle: &str) {
        let errs = errors(spec);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].0, path, "{errs:?}");
        assert!(errs[0].1.contains(needle), "{errs:?}");
    }

    #[test]
    fn validation_names_the_path() {
        for bad in ["a", "-a", "a-", "a b", "a/b", "", &"x".repeat(129)] {
            let mut s = minimal();
            s.name = bad.to_string();
            assert_error(&s, "name", "is not allowed");
        }
        let mut s = minimal();
        s.schedule = "0 25 * * *".into();
        assert_error(&s, "schedule", "field 2 (hour)");
        let mut s = minimal();
        s.retention_days = 0;
        assert_error(&s, "retention_days", "at least 1");
        for (bad, needle) in [
            ("0", "zero"),
            ("1d2", "invalid duration"),
            ("1500ms", "whole seconds"),
        ] {
            let mut s = minimal();
            s.rpo = bad.into();
            assert_error(&s, "rpo", needle);
            let mut s = minimal();
            s.rto = Some(bad.into());
            assert_error(&s, "rto", needle);
            let mut s = full();
            if let Some(rt) = s.restore_test.as_mut() {
                rt.max_age = bad.into();
            }
            assert_error(&s, "restore_test.max_age", needle);
        }
        let mut s = full();
        if let Some(rt) = s.restore_test.as_mut() {
            rt.schedule = "0 4 1 * * *".into();
        }
        assert_error(&s, "restore_test.schedule", "restore_test.schedule");
        let mut s = minimal();
        s.targets.clear();
        assert_error(&s, "targets", "is empty");
        s.targets = vec!["a".into(), " ".into()];
        assert_error(&s, "targets", "targets[1]");
        s.targets = vec!["a".into(), "a".into()];
        assert_error(&s, "targets", "twice");
        let mut s = minimal();
        s.offsite_copy = Some(OffsiteCopy {
            destination: "".into(),
        });
        assert_error(&s, "offsite_copy.destination", "empty");
        for label in ["plan", "severity", "alertname", "__x", "1x"] {
            let mut s = minimal();
            s.labels.insert(label.into(), "v".into());
            assert_error(&s, &format!("labels.{label}"), label);
        }
        assert!(generate(&s).is_err());
    }

    #[test]
    fn cron_accepts() {
        for ok in [
            "* * * * *",
            "0 2 * * *",
            "*/15 * * * *",
            "0 0-23/2 * * *",
            "5,10,15-20 * * * *",
            "0 3 1,15 * *",
            "0 4 * * MON-FRI",
            "0 4 * * sun",
            "0 4 * * 7",
            "0 4 * * 0,6",
            "0 0 1 JAN,jul *",
            "0 0 29 2 *",
            "0 0 31 1-12 *",
            "0 0 30 2 MON",
            "59 23 31 12 6",
            "  0   2 * * *  ",
            "@daily",
            "@hourly",
            "@weekly",
            "@monthly",
            "@yearly",
            "@annually",
        ] {
            assert_eq!(validate_cron(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn cron_rejects_with_field_and_allowed_values() {
        let cases = [
            ("", "has 0 fields"),
            ("* * * *", "has 4 fields"),
            ("0 * * * * *", "has 6 fields"),
            (
                "60 * * * *",
                "field 1 (minute) \"60\" is invalid: 60 is out of range; allowed: 0-59",
            ),
            (
                "* 24 * * *",
                "field 2 (hour) \"24\" is invalid: 24 is out of range; allowed: 0-23",
            ),
            (
                "* * 0 * *",
                "field 3 (day of month) \"0\" is invalid: 0 is out of range; allowed: 1-31",
            ),
            ("* * 32 * *", "field 3 (day of month)"),
            (
                "* * * 13 *",
                "field 4 (month) \"13\" is invalid: 13 is out of range; allowed: 1-12",
            ),
            (
                "* * * FOO *",
                "field 4 (month) \"FOO\" is invalid: \"FOO\" is not a number or a name",
            ),
            (
                "* * * * 8",
                "field 5 (day of week) \"8\" is invalid: 8 is out of range; allowed: 0-7",
            ),
            ("* * * * MON-XYZ", "field 5 (day of week)"),
            ("* * * * JAN", "field 5 (day of week)"),
            (
                "MON * * * *",
                "field 1 (minute) \"MON\" is invalid: \"MON\" is not a number;",
            ),
            (
                "*/0 * * * *",
                "step \"0\" in \"*/0\" must be a number from 1 to 60",
            ),
            ("*/61 * * * *", "step \"61\""),
            ("*/x * * * *", "step \"x\""),
            ("5/10 * * * *", "a step needs '*' or a range before it"),
            ("10-5 * * * *", "range \"10-5\" goes backwards (10 > 5)"),
            ("1,,2 * * * *", "empty item"),
            ("1- * * * *", "field 1 (minute)"),
            ("-1 * * * *", "field 1 (minute)"),
            ("99999999999 * * * *", "too large"),
            ("0 0 30 2 *", "never runs"),
            ("0 0 31 4,6,9,11 *", "never runs"),
            ("@reboot", "not a known macro"),
            ("@daily 1", "not a known macro"),
        ];
        for (bad, needle) in cases {
            let e = validate_cron(bad).unwrap_err();
            assert!(e.contains(needle), "{bad:?}: {e}");
            assert!(e.contains(&format!("{bad:?}")), "{bad:?}: {e}");
        }
        let e = validate_cron("* * * * 9").unwrap_err();
        assert!(e.contains("names SUN-SAT (0 and 7 are Sunday)"), "{e}");
    }
}

#[cfg(test)]
mod gap_tests {
    use super::*;

    #[test]
    fn cron_max_gap_table() {
        let h = 3600;
        let d = 86_400;
        for (expr, secs) in [
            ("* * * * *", 60),
            ("*/15 * * * *", 15 * 60),
            ("0 2 * * *", d),
            ("@daily", d),
            ("@hourly", h),
            ("0 */6 * * *", 6 * h),
            ("0 1,23 * * *", 22 * h),
            ("0 2 * * SUN", 7 * d),
            ("0 2 * * 7", 7 * d),
            ("@weekly", 7 * d),
            // Friday 02:00 to Monday 02:00.
            ("0 2 * * MON-FRI", 3 * d),
            // 31 days apart at most (January to February 1st, and so on).
            ("@monthly", 31 * d),
            ("0 0 31 * *", 61 * d), // Aug 31st to Oct 31st
            ("@yearly", 366 * d),
            // Either day field matches when both are restricted.
            ("0 0 1 * MON", 7 * d),
            // Day-of-month step starting with '*': both must match.
            ("0 0 */2 * *", 2 * d),
            // Feb 29th: 2024 to 2028.
            ("0 0 29 2 *", 1461 * d),
        ] {
            assert_eq!(cron_max_gap(expr), Ok(Duration::from_secs(secs)), "{expr}");
        }
        assert!(cron_max_gap("0 0 30 2 *")
            .unwrap_err()
            .contains("never runs"));
    }

    #[test]
    fn rpo_and_max_age_must_cover_the_schedule() {
        let mut spec = BackupPlanSpec {
            name: "db".into(),
            schedule: "0 2 * * SUN".into(),
            retention_days: 30,
            rpo: "24h".into(),
            rto: None,
            targets: vec!["/srv".into()],
            offsite_copy: None,
            restore_test: Some(RestoreTest {
                schedule: "@monthly".into(),
                max_age: "30d".into(),
            }),
            labels: BTreeMap::new(),
        };
        let errs: Vec<(String, String)> = validate(&spec)
            .into_iter()
            .map(|e| (e.path.join("."), e.detail))
            .collect();
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert_eq!(errs[0].0, "rpo");
        assert!(
            errs[0].1.contains("(1w with schedule \"0 2 * * SUN\")"),
            "{errs:?}"
        );
        assert_eq!(errs[1].0, "restore_test.max_age");
        assert!(errs[1].1.contains("31d"), "{errs:?}");
        spec.rpo = "8d".into();
        if let Some(rt) = spec.restore_test.as_mut() {
            rt.max_age = "35d".into();
        }
        assert_eq!(validate(&spec), vec![]);
        // Equal to the gap is accepted (the runner's duration is the user's margin).
        spec.rpo = "7d".into();
        assert_eq!(validate(&spec), vec![]);
    }
}
