//! `reliability_backup_plan`: a backup plan whose RPO and restore tests are watched by
//! Prometheus alerts, plus a machine-readable plan file a backup runner schedules itself from.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::{
    Attribute, AttributeConstraint, AttributeType, Block, Description, NestedBlock, Schema,
};
use tf_provider::value::{Value, ValueEmpty, ValueList, ValueMap, ValueString};
use tf_provider::{AttributePath, Diagnostics, Resource};

use super::common::{self, field_errors, report, FieldErr, Num};
use crate::provider::Context;
use crate::rules::backup::{self as gen, BackupPlanSpec, OffsiteCopy, RestoreTest};
use crate::rules::model::render_yaml;
use crate::settings::Settings;

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
}

/// The `reliability_backup_plan` resource.
pub struct BackupPlanResource {
    context: Arc<Context>,
}

impl BackupPlanResource {
    pub fn new(context: Arc<Context>) -> Self {
        BackupPlanResource { context }
    }
}

fn attr(t: AttributeType, c: AttributeConstraint, doc: &str) -> Attribute {
    Attribute {
        attr_type: t,
        description: Description::markdown(doc),
        constraint: c,
        ..Default::default()
    }
}

fn named<T>(items: Vec<(&str, T)>) -> HashMap<String, T> {
    items.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

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
                ("name", attr(String, Required, "Plan name: the `plan` label and file name (letters, digits, `-`, `_`, `.`). Changing it replaces the plan.")),
                ("schedule", attr(String, Required, "When backups run: 5-field cron (`0 3 * * *`) or `@daily`-style macro.")),
                ("retention_days", attr(Number, Required, "How many days backups are kept (≥ 1).")),
                ("rpo", attr(String, Required, "Recovery point objective: alert when the last successful backup is older than this Prometheus duration, e.g. `24h`.")),
                ("rto", attr(String, Optional, "Recovery time objective, a Prometheus duration; documented in the plan file and alerts, checked by relcheck.")),
                ("targets", attr(List(Box::new(String)), Required, "What is backed up: resource ARNs/IDs (e.g. `aws_db_instance.orders.arn`), paths or URLs; the runner interprets them.")),
                ("labels", attr(Map(Box::new(String)), Optional, "Extra labels on the plan's alerts.")),
                ("rule_file", attr(String, Computed, "Absolute path of the rule file written.")),
                ("plan_file", attr(String, Computed, "Absolute path of the plan file written for the backup runner.")),
                ("content_sha256", attr(String, Computed, "SHA-256 of the rule and plan files; a change means the files on disk drifted from the configuration.")),
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
    format!("backup_{name}.yml")
}

/// `backup_<name>.plan.json`.
pub fn plan_file_name(name: &str) -> String {
    format!("backup_{name}.plan.json")
}

fn s(v: &ValueString<'_>) -> Result<Option<String>, ()> {
    match v {
        Value::Value(x) => Ok(Some(x.to_string())),
        Value::Null => Ok(None),
        Value::Unknown => Err(()),
    }
}

fn first<T>(v: &ValueList<T>) -> Result<Option<&T>, ()> {
    match v {
        Value::Value(items) => Ok(items.first()),
        Value::Null => Ok(None),
        Value::Unknown => Err(()),
    }
}

/// The generator's model, `Ok(None)` while any input is unknown.
fn spec_of(st: &BackupPlanState<'_>) -> Result<Option<BackupPlanSpec>, Vec<FieldErr>> {
    let conv = || -> Result<BackupPlanSpec, ()> {
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
            Value::Unknown => return Err(()),
        };
        let targets = match &st.targets {
            Value::Value(items) => items
                .iter()
                .map(|t| s(t).map(Option::unwrap_or_default))
                .collect::<Result<Vec<_>, ()>>()?,
            Value::Null => vec![],
            Value::Unknown => return Err(()),
        };
        let labels = match &st.labels {
            Value::Value(map) => map
                .iter()
                .map(|(k, v)| s(v).map(|v| (k.to_string(), v.unwrap_or_default())))
                .collect::<Result<BTreeMap<_, _>, ()>>()?,
            Value::Null => BTreeMap::new(),
            Value::Unknown => return Err(()),
        };
        Ok(BackupPlanSpec {
            name: s(&st.name)?.unwrap_or_default(),
            schedule: s(&st.schedule)?.unwrap_or_default(),
            retention_days,
            rpo: s(&st.rpo)?.unwrap_or_default(),
            rto: s(&st.rto)?,
            targets,
            offsite_copy: match first(&st.offsite_copy)? {
                Some(b) => Some(OffsiteCopy {
                    destination: s(&b.destination)?.unwrap_or_default(),
                }),
                None => None,
            },
            restore_test: match first(&st.restore_test)? {
                Some(b) => Some(RestoreTest {
                    schedule: s(&b.schedule)?.unwrap_or_default(),
                    max_age: s(&b.max_age)?.unwrap_or_default(),
                }),
                None => None,
            },
            labels,
        })
    };
    match conv() {
        Err(()) => Ok(None),
        Ok(spec) => {
            let mut errs = field_errors(gen::validate(&spec), LIST_BLOCKS);
            if spec.retention_days < 0 {
                errs.push((
                    AttributePath::new("retention_days"),
                    "Invalid retention_days".into(),
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
fn render(st: &BackupPlanState<'_>, spec: &BackupPlanSpec) -> Result<(String, String), String> {
    let file = gen::generate(spec)?;
    let mut config = st.clone();
    config.id = Value::Null;
    config.rule_file = Value::Null;
    config.plan_file = Value::Null;
    config.content_sha256 = Value::Null;
    let rules = render_yaml(
        &file,
        &common::header(TYPE_NAME, &spec.name, &common::config_json(&config)?),
    );
    Ok((rules, gen::plan_document(spec)))
}

fn hash(rules: &str, plan: &str) -> String {
    common::sha256_hex(&format!("{rules}\0{plan}"))
}

fn compute<'a>(
    diags: &mut Diagnostics,
    mut st: BackupPlanState<'a>,
    settings: &Settings,
) -> BackupPlanState<'a> {
    st.id = st.name.clone();
    let path = |f: String| {
        Value::Value(Cow::Owned(
            settings.rules_dir.join(f).to_string_lossy().into_owned(),
        ))
    };
    (st.rule_file, st.plan_file) = match &st.name {
        Value::Value(n) => (path(file_name(n)), path(plan_file_name(n))),
        _ => (Value::Unknown, Value::Unknown),
    };
    st.content_sha256 = match spec_of(&st) {
        Ok(Some(spec)) => match render(&st, &spec) {
            Ok((r, p)) => Value::Value(Cow::Owned(hash(&r, &p))),
            Err(e) => {
                diags.root_error("Cannot generate backup plan rules", e);
                Value::Unknown
            }
        },
        Ok(None) => Value::Unknown,
        Err(errs) => {
            report(diags, errs);
            Value::Unknown
        }
    };
    st
}

fn apply<'a>(
    diags: &mut Diagnostics,
    settings: &Settings,
    planned: BackupPlanState<'a>,
    creating: bool,
) -> Option<BackupPlanState<'a>> {
    let mut st = compute(diags, planned, settings);
    let spec = match spec_of(&st) {
        Ok(Some(spec)) => spec,
        Ok(None) => {
            diags.root_error(
                "Unknown values at apply",
                "every attribute of reliability_backup_plan must be known when it is applied",
            );
            return None;
        }
        Err(errs) => {
            report(diags, errs);
            return None;
        }
    };
    let (rules, plan) = match render(&st, &spec) {
        Ok(x) => x,
        Err(e) => {
            diags.root_error("Cannot generate backup plan rules", e);
            return None;
        }
    };
    let name = file_name(&spec.name);
    if creating {
        // The plan file is claimed first (a runner never sees alerts for a plan it cannot
        // read); the rule file is checked too, as two plans may share a plan document.
        let plan_name = plan_file_name(&spec.name);
        super::claim_new_file(diags, settings, &plan_name, &plan, TYPE_NAME, &spec.name)?;
        common::check_not_foreign(
            diags,
            &settings.rules_dir.join(&name),
            &rules,
            TYPE_NAME,
            &spec.name,
        )?;
    }
    // The plan file first: a runner never sees alerts for a plan it cannot read.
    let no_reload = Settings {
        prometheus_url: None,
        ..settings.clone()
    };
    let plan_path =
        common::write_and_reload(diags, &no_reload, &plan_file_name(&spec.name), &plan)?;
    let rule_path = common::write_and_reload(diags, settings, &name, &rules)?;
    st.rule_file = Value::Value(Cow::Owned(rule_path));
    st.plan_file = Value::Value(Cow::Owned(plan_path));
    st.content_sha256 = Value::Value(Cow::Owned(hash(&rules, &plan)));
    Some(st)
}

fn remove_files(
    diags: &mut Diagnostics,
    settings: &Settings,
    st: &BackupPlanState<'_>,
) -> Option<()> {
    let no_reload = Settings {
        prometheus_url: None,
        ..settings.clone()
    };
    if let Value::Value(rule) = &st.rule_file {
        common::remove_and_reload(diags, settings, rule)?;
    }
    if let Value::Value(plan) = &st.plan_file {
        common::remove_and_reload(diags, &no_reload, plan)?;
    }
    Some(())
}

#[async_trait]
impl Resource for BackupPlanResource {
    type State<'a> = BackupPlanState<'a>;
    type PrivateState<'a> = ValueEmpty;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(schema())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        if let Err(errs) = spec_of(&config) {
            report(diags, errs);
        }
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        mut state: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let (Value::Value(rule), Value::Value(plan)) = (&state.rule_file, &state.plan_file) else {
            return Some((state, private));
        };
        match common::read_hash(diags, &[rule, plan]) {
            Some(None) => None,
            Some(Some(h)) => {
                state.content_sha256 = Value::Value(Cow::Owned(h));
                Some((state, private))
            }
            None => Some((state, private)),
        }
    }

    async fn plan_create<'a>(
        &self,
        diags: &mut Diagnostics,
        proposed: Self::State<'a>,
        _config: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let settings = self.context.settings(diags)?;
        Some((compute(diags, proposed, &settings), ValueEmpty::default()))
    }

    async fn plan_update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        proposed: Self::State<'a>,
        _config: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>, Vec<AttributePath>)> {
        let settings = self.context.settings(diags)?;
        let replace = if proposed.name != prior.name {
            vec![AttributePath::new("name")]
        } else {
            vec![]
        };
        Some((compute(diags, proposed, &settings), private, replace))
    }

    async fn plan_destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<Self::PrivateState<'a>> {
        Some(private)
    }

    async fn create<'a>(
        &self,
        diags: &mut Diagnostics,
        planned: Self::State<'a>,
        _config: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let settings = self.context.settings(diags)?;
        apply(diags, &settings, planned, true).map(|s| (s, private))
    }

    async fn update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        planned: Self::State<'a>,
        _config: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let settings = self.context.settings(diags)?;
        let new = apply(diags, &settings, planned, false)?;
        if prior.rule_file != new.rule_file {
            remove_files(diags, &settings, &prior);
        }
        Some((new, private))
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        _private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        let settings = self.context.settings(diags)?;
        remove_files(diags, &settings, &prior)
    }

    async fn import<'a>(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let settings = self.context.settings(diags)?;
        let (path, _content, value) =
            common::import_file(diags, &settings, &file_name(&id), "backup plan", &id)?;
        let state = match BackupPlanState::deserialize(value) {
            Ok(s) => s,
            Err(e) => {
                diags.root_error(
                    "Cannot import backup plan",
                    format!(
                        "the configuration header of {} does not describe a backup plan: {e}",
                        path.display()
                    ),
                );
                return None;
            }
        };
        if state.name.as_ref_option().map(|n| n.as_ref()) != Some(id.as_str()) {
            diags.root_error(
                "Cannot import backup plan",
                format!(
                    "the configuration header of {} names another backup plan than {id:?}; \
                     remove the file and let terraform apply create it",
                    path.display()
                ),
            );
            return None;
        }
        let mut state = compute(diags, state, &settings);
        let (Value::Value(rule), Value::Value(plan)) = (&state.rule_file, &state.plan_file) else {
            return None;
        };
        if let Some(Some(h)) = common::read_hash(diags, &[rule, plan]) {
            state.content_sha256 = Value::Value(Cow::Owned(h));
        }
        Some((state, ValueEmpty::default()))
    }
}
