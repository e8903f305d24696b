//! The plan file a backup runner reads to schedule itself (see the module doc of
//! [`backup`](super)).

use std::collections::BTreeMap;

use serde::Serialize;

use super::super::conventions::{
    self as conv, ALERT_BACKUP_METRIC_ABSENT, ALERT_RESTORE_TEST_METRIC_ABSENT,
    ALERT_RESTORE_TEST_OVERDUE, ALERT_RPO_VIOLATED, LABEL_PLAN, METRIC_BACKUP_LAST_SUCCESS,
    METRIC_RESTORE_TEST_LAST_SUCCESS,
};
use super::super::promql::promql_string;
use super::super::window::parse_duration;
use super::{BackupPlanSpec, OffsiteCopy, PLAN_DOCUMENT_VERSION};

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
        METRIC_BACKUP_LAST_SUCCESS,
        "unix time in seconds when the last successful backup finished",
        "after every successful backup; write nothing on failure",
        conv::backup_textfile(&spec.name),
    )];
    let mut alerts = vec![ALERT_RPO_VIOLATED, ALERT_BACKUP_METRIC_ABSENT];
    if spec.restore_test.is_some() {
        metrics.push(metric(
            METRIC_RESTORE_TEST_LAST_SUCCESS,
            "unix time in seconds when the last successful restore test finished",
            "after every successful restore test; write nothing on failure",
            conv::restore_test_textfile(&spec.name),
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
        rule_group: conv::backup_group_name(&spec.name),
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
