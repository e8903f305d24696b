//! `reliability_backup_plan`: a backup plan whose RPO and restore tests are watched by
//! Prometheus alerts, plus a machine-readable plan file a backup runner schedules itself from.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tf_provider::schema::{
    AttributeConstraint, AttributeType, Block, Description, NestedBlock, Schema,
};
use tf_provider::value::{Value, ValueList, ValueMap, ValueString};
use tf_provider::AttributePath;

use super::diagnostics::{field_errors, FieldErr};
use super::header;
use super::num::Num;
use super::rule_resource::{Outputs, RuleBacked};
use super::schema::{attr, known_first, known_string, named, replaced_when_renamed, Unknown};
use super::slo::RULES_YAML_DOC;
use crate::rules::backup::{self as backup_rules, BackupPlanSpec, OffsiteCopy, RestoreTest};
use crate::rules::conventions as conv;
use crate::rules::model::render_yaml;

/// Terraform type name.
pub const TYPE_NAME: &str = "reliability_backup_plan";
const LIST_BLOCKS: &[&str] = &["offsite_copy", "restore_test"];

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct OffsiteCopyBlock<'a> {
    #[serde(borrow = "'a")]
    pub destination: ValueString<'a>,
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct RestoreTestBlock<'a> {
    #[serde(borrow = "'a")]
    pub schedule: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub max_age: ValueString<'a>,
}

/// The resource's state, attribute for attribute.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackupPlanState<'a> {
    #[serde(borrow = "'a")]
    pub id: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub name: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub schedule: ValueString<'a>,
    pub retention_days: Value<Num>,
    #[serde(borrow = "'a")]
    pub rpo: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub rto: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub targets: ValueList<ValueString<'a>>,
    #[serde(borrow = "'a")]
    pub labels: ValueMap<'a, ValueString<'a>>,
    #[serde(borrow = "'a")]
    pub offsite_copy: ValueList<OffsiteCopyBlock<'a>>,
    #[serde(borrow = "'a")]
    pub restore_test: ValueList<RestoreTestBlock<'a>>,
    #[serde(borrow = "'a")]
    pub rule_file: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub plan_file: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub content_sha256: ValueString<'a>,
    #[serde(borrow = "'a", default)]
    pub rules_yaml: ValueString<'a>,
    #[serde(borrow = "'a", default)]
    pub plan_json: ValueString<'a>,
}

/// The `reliability_backup_plan` resource.
pub struct BackupPlan;

/// The resource schema.
pub fn schema() -> Schema {
    use AttributeConstraint::{Computed, Optional, Required};
    use AttributeType::{List, Map, Number, String};
    let offsite = Block {
        description: Description::markdown(
            "A copy kept off site (another region, account or provider).",
        ),
        attributes: named(vec![(
            "destination",
            attr(
                String,
                Required,
                "Where the copy goes, e.g. a region or a repository URL.",
            ),
        )]),
        ..Default::default()
    };
    let restore = Block {
        description: Description::markdown("Regular restore tests, watched by the `BackupRestoreTestOverdue` alert."),
        attributes: named(vec![
            ("schedule", attr(String, Required, "When the runner restores a backup to test it: 5-field cron or `@daily`-style macro.")),
            ("max_age", attr(String, Required, "Alert when the last successful restore test is older than this Prometheus duration, e.g. `8d`.")),
        ]),
        ..Default::default()
    };
    Schema {
        version: 1,
        block: Block {
            description: Description::markdown(
                "A backup plan. `terraform apply` writes its alerts (`BackupRPOViolated`, \
                 `BackupMetricAbsent`, restore-test alerts) to a rule file in `rules_dir`, and \
                 the plan itself to `backup_<name>.plan.json` beside it for a backup runner. \
                 The runner reports success through node_exporter's textfile collector with \
                 `backup_last_success_timestamp_seconds{plan=\"<name>\"}` (see the README). \
                 relcheck counts the plan's `targets` as backed up.",
            ),
            attributes: named(vec![
                ("id", attr(String, Computed, "The plan name; also the import ID.")),
                ("name", attr(String, Required, "Plan name: the `plan` label and file name, 2–128 characters from letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit. Changing it replaces the plan.")),
                ("schedule", attr(String, Required, "When backups run: 5-field cron (`0 3 * * *`) or `@daily`-style macro.")),
                ("retention_days", attr(Number, Required, "How many days backups are kept (≥ 1).")),
                ("rpo", attr(String, Required, "Recovery point objective: alert when the last successful backup is older than this Prometheus duration, e.g. `24h`.")),
                ("rto", attr(String, Optional, "Recovery time objective, a Prometheus duration; documented in the plan file and alerts, checked by relcheck.")),
                ("targets", attr(List(Box::new(String)), Required, "What is backed up: resource ARNs/IDs (e.g. `aws_db_instance.orders.arn`), paths or URLs; the runner interprets them.")),
                ("labels", attr(Map(Box::new(String)), Optional, "Extra labels on the plan's alerts.")),
                ("rule_file", attr(String, Computed, "Absolute path of the rule file written; null with `render_only`.")),
                ("plan_file", attr(String, Computed, "Absolute path of the plan file written for the backup runner; null with `render_only`.")),
                ("rules_yaml", attr(String, Computed, RULES_YAML_DOC)),
                ("plan_json", attr(String, Computed, "The plan document (JSON) a backup runner schedules itself from. With `render_only` (or a ruler, which cannot hold it) it is the document, known at plan time once the inputs are: `jsondecode(reliability_backup_plan.x.plan_json)` feeds it to another resource (a ConfigMap, a CronJob's arguments). In a rules directory the file `plan_file` is the document and this is null, unless the file drifted (then it holds what is stored).")),
                ("content_sha256", attr(String, Computed, "SHA-256 of the rule and plan documents; a change means the stored documents drifted from the configuration.")),
            ]),
            blocks: named(vec![
                ("offsite_copy", NestedBlock::Optional(offsite)),
                ("restore_test", NestedBlock::Optional(restore)),
            ]),
            ..Default::default()
        },
    }
}

/// `backup_<name>.yml`.
pub fn file_name(name: &str) -> String {
    conv::backup_file_name(name)
}

/// `backup_<name>.plan.json`.
pub fn plan_file_name(name: &str) -> String {
    conv::backup_plan_file_name(name)
}

/// The generator's model, `Ok(None)` while any input is unknown.
fn spec_of(st: &BackupPlanState<'_>) -> Result<Option<BackupPlanSpec>, Vec<FieldErr>> {
    let conv = || -> Result<BackupPlanSpec, Unknown> {
        let retention_days = match &st.retention_days {
            Value::Value(n) => {
                let f = n.f64();
                if f.fract() != 0.0 || !f.is_finite() || f.abs() > 1e15 {
                    -1
                } else {
                    f as i64
                }
            }
            Value::Null => 0,
            Value::Unknown => return Err(Unknown),
        };
        let targets = match &st.targets {
            Value::Value(items) => items
                .iter()
                .map(|t| known_string(t).map(Option::unwrap_or_default))
                .collect::<Result<Vec<_>, Unknown>>()?,
            Value::Null => vec![],
            Value::Unknown => return Err(Unknown),
        };
        let labels = match &st.labels {
            Value::Value(map) => map
                .iter()
                .map(|(k, v)| known_string(v).map(|v| (k.to_string(), v.unwrap_or_default())))
                .collect::<Result<BTreeMap<_, _>, Unknown>>()?,
            Value::Null => BTreeMap::new(),
            Value::Unknown => return Err(Unknown),
        };
        Ok(BackupPlanSpec {
            name: known_string(&st.name)?.unwrap_or_default(),
            schedule: known_string(&st.schedule)?.unwrap_or_default(),
            retention_days,
            rpo: known_string(&st.rpo)?.unwrap_or_default(),
            rto: known_string(&st.rto)?,
            targets,
            offsite_copy: match known_first(&st.offsite_copy)? {
                Some(b) => Some(OffsiteCopy {
                    destination: known_string(&b.destination)?.unwrap_or_default(),
                }),
                None => None,
            },
            restore_test: match known_first(&st.restore_test)? {
                Some(b) => Some(RestoreTest {
                    schedule: known_string(&b.schedule)?.unwrap_or_default(),
                    max_age: known_string(&b.max_age)?.unwrap_or_default(),
                }),
                None => None,
            },
            labels,
        })
    };
    match conv() {
        Err(Unknown) => Ok(None),
        Ok(spec) => {
            let mut errs = field_errors(backup_rules::validate(&spec), LIST_BLOCKS);
            if spec.retention_days < 0 {
                errs.push(FieldErr::new(
                    AttributePath::new("retention_days"),
                    "Invalid retention_days",
                    format!(
                        "retention_days {} is not a whole number of days: set e.g. 35",
                        st.retention_days
                            .as_ref_option()
                            .map(|n| n.text())
                            .unwrap_or("")
                    ),
                ));
            }
            if errs.is_empty() {
                Ok(Some(spec))
            } else {
                Err(errs)
            }
        }
    }
}

/// The rule file and the plan file.
fn render(st: &BackupPlanState<'_>, spec: &BackupPlanSpec) -> Result<Vec<String>, String> {
    let file = backup_rules::generate(spec)?;
    let mut config = st.clone();
    config.id = Value::Null;
    config.rule_file = Value::Null;
    config.plan_file = Value::Null;
    config.content_sha256 = Value::Null;
    config.rules_yaml = Value::Null;
    config.plan_json = Value::Null;
    let json = header::config_json_without(&config, &["rules_yaml", "plan_json"])?;
    let rules = render_yaml(&file, &header::header(TYPE_NAME, &spec.name, &json));
    Ok(vec![rules, backup_rules::plan_document(spec)])
}

impl RuleBacked for BackupPlan {
    const TYPE_NAME: &'static str = TYPE_NAME;
    const WHAT: &'static str = "backup plan";
    const ID_HINT: &'static str =
        "the id is the plan name (in a rules directory its file is `backup_<name>.yml`; \
         on a ruler, its group `reliability-backup-<name>`)";
    type State<'a> = BackupPlanState<'a>;
    type Spec = BackupPlanSpec;

    fn schema() -> Schema {
        schema()
    }

    fn fill(st: &mut BackupPlanState<'_>) {
        st.id = st.name.clone();
    }

    fn spec(st: &BackupPlanState<'_>) -> Result<Option<BackupPlanSpec>, Vec<FieldErr>> {
        spec_of(st)
    }

    /// The rule document first (its absence means the plan is gone), then the plan document.
    fn doc_names(st: &BackupPlanState<'_>) -> Option<Vec<String>> {
        st.name
            .as_ref_option()
            .map(|n| vec![file_name(n), plan_file_name(n)])
    }

    fn render(st: &BackupPlanState<'_>, spec: &BackupPlanSpec) -> Result<Vec<String>, String> {
        render(st, spec)
    }

    fn outputs<'s, 'a: 's>(st: &'s mut BackupPlanState<'a>) -> Outputs<'s, 'a> {
        Outputs {
            id: &mut st.id,
            hash: &mut st.content_sha256,
            docs: vec![
                (&mut st.rule_file, &mut st.rules_yaml),
                (&mut st.plan_file, &mut st.plan_json),
            ],
        }
    }

    fn replace_paths(
        prior: &BackupPlanState<'_>,
        proposed: &BackupPlanState<'_>,
    ) -> Vec<AttributePath> {
        replaced_when_renamed(&prior.name, &proposed.name)
    }

    fn is_rule_doc_of(name: &str, id: &str) -> bool {
        name == file_name(id)
    }
}
