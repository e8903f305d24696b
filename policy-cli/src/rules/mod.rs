//! The rules. One rule per file; the doc comment of each rule is its documentation
//! (`relcheck explain`). To add a rule: write `rules/<name>.rs` with `declare_rule!` and an
//! `impl Rule`, add its fixtures, and add one line to the `rules!` registry below.

use std::ops::Range;

use crate::eval::{EvalAttr, Instance};
use crate::graph::Graph;
use crate::value::Value;

pub use crate::finding::{Category, Finding, Fix, FixAction, RuleMeta, Severity};

/// Tunable limits: `[thresholds]` in `.relcheck.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// `min-backup-retention-days`: fewest days of automated backups (RC201) and
    /// snapshots (RC203). Default 1: only retention 0 (no backups at all) is flagged.
    pub min_backup_retention_days: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            min_backup_retention_days: 1,
        }
    }
}

/// What a rule sees: the instance, and the whole root configuration through the graph.
pub struct RuleCtx<'a, 'g> {
    pub graph: &'g Graph<'a>,
    pub findings: Vec<Finding>,
    /// Limits from the configuration (defaults without one).
    pub thresholds: Thresholds,
    /// Per-configuration facts computed once (see [`RuleCtx::fact`]).
    facts: std::collections::HashMap<&'static str, bool>,
}

impl<'a> RuleCtx<'a, '_> {
    /// A fact about the whole configuration, computed on first use: keeps rules that look
    /// at every resource of another type from being quadratic.
    pub fn fact(&mut self, key: &'static str, compute: impl FnOnce(&Graph<'a>) -> bool) -> bool {
        if let Some(v) = self.facts.get(key) {
            return *v;
        }
        let v = compute(self.graph);
        self.facts.insert(key, v);
        v
    }

    /// Reports on `attr` when present, else on the resource block header.
    pub fn report(
        &mut self,
        rule: &dyn Rule,
        inst: &Instance,
        attr: Option<&EvalAttr>,
        message: String,
        help: impl Into<String>,
    ) {
        let span = match attr {
            Some(a) if a.span.end > a.span.start => a.span.clone(),
            _ => inst.span.start..inst.span.start,
        };
        self.findings.push(Finding {
            rule: rule.meta(),
            resource: inst.address.clone(),
            file: inst.file,
            span,
            message,
            help: help.into(),
            fix: None,
        });
    }

    /// Offers a fix for the finding just reported: `remedy` says what to write in the
    /// resource's own block; `attr` is the attribute the finding is about (`None`: missing).
    /// Only a literal value is replaced (or a missing attribute or block added); a value
    /// that comes from an expression (a variable, a local, a module input) is never edited:
    /// the finding stays without a fix, and its help says where the value comes from.
    pub fn offer_fix(&mut self, inst: &Instance, attr: Option<&EvalAttr>, remedy: Remedy) {
        let Some(finding) = self.findings.last_mut() else {
            return;
        };
        finding.fix = match (remedy, attr) {
            (Remedy::Set { name, value, .. }, Some(a)) => match &a.source {
                None if a.span.end > a.span.start => Some(Fix {
                    description: format!("set `{name} = {value}`"),
                    action: FixAction::Replace {
                        attr: a.span.clone(),
                        value: value.to_string(),
                    },
                }),
                None => None,
                Some(src) => {
                    let origin = a
                        .origin
                        .as_deref()
                        .map(|o| format!(", {o}"))
                        .unwrap_or_default();
                    finding.help.push_str(&format!(
                        "; the value comes from `{src}`{origin}: change it there"
                    ));
                    None
                }
            },
            (
                Remedy::Set {
                    name,
                    value,
                    within,
                },
                None,
            ) => Some(Fix {
                description: format!("add `{name} = {value}`"),
                action: FixAction::Append {
                    block: within.unwrap_or_else(|| inst.span.clone()),
                    text: format!("{name} = {value}"),
                },
            }),
            (Remedy::Append { within, what, text }, _) => Some(Fix {
                description: format!("add {what}"),
                action: FixAction::Append {
                    block: within.unwrap_or_else(|| inst.span.clone()),
                    text: text.to_string(),
                },
            }),
        };
    }

    /// Reports on `attr` with the message `<name> is <quoted value><rest>`, where `rest` goes
    /// on from the value (`": the pool is not spread over zones"`).
    pub fn report_attr(
        &mut self,
        rule: &dyn Rule,
        inst: &Instance,
        attr: &EvalAttr,
        rest: &str,
        help: impl Into<String>,
    ) {
        let message = format!("{} is {}{rest}", attr.name, quote(attr));
        self.report(rule, inst, Some(attr), message, help);
    }

    /// Reports an effective setting (see [`setting`]): `<name> is <described value><rest>`,
    /// on the attribute when it is written, else on the resource header.
    pub fn report_setting(
        &mut self,
        rule: &dyn Rule,
        inst: &Instance,
        name: &str,
        (value, attr): (&Value, Option<&EvalAttr>),
        rest: &str,
        help: impl Into<String>,
    ) {
        let message = format!("{name} is {}{rest}", describe(value, attr));
        self.report(rule, inst, attr, message, help);
    }

    /// Reports at a nested block's span (or the resource header).
    pub fn report_at(
        &mut self,
        rule: &dyn Rule,
        inst: &Instance,
        span: Range<usize>,
        message: String,
        help: impl Into<String>,
    ) {
        self.findings.push(Finding {
            rule: rule.meta(),
            resource: inst.address.clone(),
            file: inst.file,
            span: span.start..span.start,
            message,
            help: help.into(),
            fix: None,
        });
    }
}

/// Quotes an attribute's value for a message: `false` or `false (from var.multi_az)`.
pub fn quote(attr: &EvalAttr) -> String {
    // A literal list or map (`["1"]`) reads the same as its value: no `(from ...)`.
    let source = attr.source.as_ref().filter(|s| {
        s.split_whitespace().collect::<String>()
            != attr.value.display().split_whitespace().collect::<String>()
    });
    // At most 60 characters of the source's first line.
    let short;
    let source = match source {
        Some(s) if s.chars().count() > 60 => {
            short = format!("{}…", s.chars().take(60).collect::<String>());
            Some(&short)
        }
        other => other,
    };
    match (source, &attr.origin) {
        (Some(src), Some(origin)) => {
            format!("{} (from `{}`, {})", attr.value.display(), src, origin)
        }
        (Some(src), None) => format!("{} (from `{}`)", attr.value.display(), src),
        (None, _) => attr.value.display(),
    }
}

/// What a fixable rule writes (see [`RuleCtx::report_fixable`]).
pub enum Remedy<'r> {
    /// `name = value` (HCL text): replaces a literal value, or, when missing, is added at
    /// the end of `within` (a nested block's span; `None`: the resource's own block).
    Set {
        name: &'r str,
        value: &'r str,
        within: Option<Range<usize>>,
    },
    /// Adds `text` (unindented HCL, e.g. a block) at the end of `within` (as for `Set`);
    /// `what` names it for people.
    Append {
        within: Option<Range<usize>>,
        what: &'r str,
        text: &'r str,
    },
}

/// A rule checks one resource instance at a time.
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, inst: &Instance, cx: &mut RuleCtx);
}

/// Declares a rule struct; its doc comment becomes [`RuleMeta::doc`].
macro_rules! declare_rule {
    (@fix) => { None };
    (@fix $fix:literal) => { Some($fix) };
    (
        $(#[doc = $doc:literal])*
        pub struct $name:ident {
            id: $id:literal,
            name: $rname:literal,
            category: $cat:ident,
            severity: $sev:ident,
            types: [$($ty:literal),* $(,)?]
            $(, fix: $fix:literal)? $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        pub struct $name;

        impl $name {
            pub const META: $crate::rules::RuleMeta = $crate::rules::RuleMeta {
                id: $id,
                name: $rname,
                category: $crate::rules::Category::$cat,
                severity: $crate::rules::Severity::$sev,
                types: &[$($ty),*],
                doc: concat!($($doc, "\n"),*),
                fix: declare_rule!(@fix $($fix)?),
            };
        }
    };
}

pub mod shared;

/// The registry: `rule_file => Type` declares `mod rule_file;` and lists `rule_file::Type`
/// in [`RULES`]. Adding a rule is its file, its fixtures and one line here; the tests walk
/// [`RULES`] (fixtures `tests/fixtures/rules/<rule_file>/{bad,good}` and a snapshot per
/// rule) and the README's rules table is generated from it.
///
/// `reported_by_relcheck` lists rule files whose rules relcheck itself reports after the
/// per-instance rules ran (RC001, RC002: [`crate::suppress`] reports them; they have no
/// `types`, so [`run_with`] never calls them).
macro_rules! rules {
    (
        reported_by_relcheck: [$($ext_file:ident => $ext:ident),* $(,)?],
        $($file:ident => $ty:ident,)*
    ) => {
        $(mod $file;)*
        $(pub mod $ext_file;)*

        /// Every rule: the per-instance rules in id order, then relcheck's own (RC001,
        /// RC002; last, so that SARIF rule indices stay as they were before they joined).
        pub static RULES: &[&dyn Rule] = &[$(&$file::$ty,)* $(&$ext_file::$ext,)*];

        /// Each registered rule file with the name of the rule declared in it.
        #[cfg(test)]
        const FILES: &[(&str, &str)] = &[$((stringify!($file), $file::$ty::META.name),)*];
    };
}

rules! {
    reported_by_relcheck: [
        unused_suppression => UnusedSuppression,
        suppression_without_reason => SuppressionWithoutReason,
    ],
    db_instance_single_az => DbInstanceSingleAz,
    rds_cluster_single_instance => RdsClusterSingleInstance,
    elasticache_no_failover => ElasticacheNoFailover,
    efs_one_zone => EfsOneZone,
    mq_broker_single_instance => MqBrokerSingleInstance,
    opensearch_no_zone_awareness => OpensearchNoZoneAwareness,
    autoscaling_group_single_az => AutoscalingGroupSingleAz,
    fsx_single_az => FsxSingleAz,
    aks_default_pool_zones => AksDefaultPoolZones,
    azure_db_no_high_availability => AzureDbNoHighAvailability,
    azure_redis_single_zone => AzureRedisSingleZone,
    azure_storage_lrs => AzureStorageLrs,
    cloudsql_zonal_availability => CloudsqlZonalAvailability,
    gke_zonal_cluster => GkeZonalCluster,
    google_redis_basic_tier => GoogleRedisBasicTier,
    zonal_instance_group_manager => ZonalInstanceGroupManager,
    docdb_neptune_single_instance => DocdbNeptuneSingleInstance,
    elasticache_redis_single_node => ElasticacheRedisSingleNode,
    memcached_single_az => MemcachedSingleAz,
    memorydb_no_replicas => MemorydbNoReplicas,
    eks_node_group_single_az => EksNodeGroupSingleAz,
    ecs_service_single_az => EcsServiceSingleAz,
    load_balancer_single_az => LoadBalancerSingleAz,
    azure_vmss_no_zones => AzureVmssNoZones,
    aks_node_pool_zones => AksNodePoolZones,
    app_service_plan_no_zones => AppServicePlanNoZones,
    gke_node_pool_single_zone => GkeNodePoolSingleZone,
    filestore_zonal_tier => FilestoreZonalTier,
    alloydb_zonal_instance => AlloydbZonalInstance,
    google_redis_cluster_no_replicas => GoogleRedisClusterNoReplicas,
    db_backup_retention_zero => DbBackupRetentionZero,
    dynamodb_pitr_disabled => DynamodbPitrDisabled,
    elasticache_no_snapshots => ElasticacheNoSnapshots,
    cloudsql_backups_disabled => CloudsqlBackupsDisabled,
    azure_db_no_geo_backup => AzureDbNoGeoBackup,
    backup_coverage => BackupCoverage,
    s3_bucket_versioning_disabled => S3BucketVersioningDisabled,
    aws_backup_plan_no_offsite_copy => AwsBackupPlanNoOffsiteCopy,
    redshift_snapshots_disabled => RedshiftSnapshotsDisabled,
    gcs_bucket_no_versioning => GcsBucketNoVersioning,
    azure_vm_backup_coverage => AzureVmBackupCoverage,
    gce_disk_no_snapshot_schedule => GceDiskNoSnapshotSchedule,
    destroy_deletes_backups => DestroyDeletesBackups,
    backup_vault_erasable => BackupVaultErasable,
    aws_backup_plan_no_restore_test => AwsBackupPlanNoRestoreTest,
    certificate_expiry_unmonitored => CertificateExpiryUnmonitored,
    slo_objective_unrealistic => SloObjectiveUnrealistic,
    slo_alerting_disabled => SloAlertingDisabled,
    alert_page_no_runbook => AlertPageNoRunbook,
    alert_page_no_for => AlertPageNoFor,
    page_without_receiver => PageWithoutReceiver,
    backup_plan_no_restore_test => BackupPlanNoRestoreTest,
    backup_plan_no_offsite_copy => BackupPlanNoOffsiteCopy,
    backup_plan_rto_too_long => BackupPlanRtoTooLong,
}

/// Finds a rule by id (`RC101`) or name.
pub fn find(key: &str) -> Option<&'static dyn Rule> {
    RULES
        .iter()
        .copied()
        .find(|r| r.meta().id.eq_ignore_ascii_case(key) || r.meta().name == key)
}

/// What a rule looks at, for listings: its resource types, or the comments RC001/RC002 check.
pub fn applies_to(m: &RuleMeta) -> String {
    if m.types.is_empty() {
        "relcheck:ignore comments".to_string()
    } else {
        m.types.join(", ")
    }
}

/// A rule's documentation as `relcheck explain` prints it (Markdown; also the language
/// server's hover text).
pub fn explain(m: &RuleMeta) -> String {
    let fix = match m.fix {
        Some(how) => format!("fix (`check --fix`): {how}"),
        None => "fix: none (`check --fix` leaves its findings alone)".to_string(),
    };
    format!(
        "# {} {}\n\ncategory: {} · default severity: {} · resources: {}\n{fix}\n\n{}\n",
        m.id,
        m.name,
        m.category.as_str(),
        m.severity.as_str(),
        applies_to(m),
        m.documentation().trim_end()
    )
}

/// The README's rules table (policy-cli/README.md, checked by `tests/rules.rs`).
pub fn markdown_table() -> String {
    let mut out = String::from("| id | name | category | severity |\n|---|---|---|---|\n");
    for r in RULES {
        let m = r.meta();
        out.push_str(&format!(
            "| {} | `{}` | {} | {} |\n",
            m.id,
            m.name,
            m.category.as_str(),
            m.severity.as_str()
        ));
    }
    out
}

/// Runs every rule over one root configuration, with the default thresholds.
pub fn run(graph: &Graph) -> Vec<Finding> {
    run_with(graph, Thresholds::default())
}

/// Runs every rule over one root configuration.
pub fn run_with(graph: &Graph, thresholds: Thresholds) -> Vec<Finding> {
    let mut cx = RuleCtx {
        graph,
        findings: Vec::new(),
        thresholds,
        facts: Default::default(),
    };
    for rule in RULES {
        for ty in rule.meta().types {
            for inst in graph.of_type(ty) {
                // `count`/`for_each` unknown: the resource may not exist at all.
                if !inst.count_known {
                    continue;
                }
                rule.check(inst, &mut cx);
            }
        }
    }
    cx.findings
}

/// An attribute judged with the provider default: `None` when its value is unknown;
/// otherwise the effective value and the attribute when it is written.
pub fn setting<'i>(
    body: &'i crate::eval::EvalBody,
    name: &str,
    default: Value,
) -> Option<(Value, Option<&'i EvalAttr>)> {
    match body.attr(name) {
        Some(a) if a.value.is_null() => Some((default, Some(a))),
        Some(a) if a.value.contains_unknown() => None,
        Some(a) => Some((a.value.clone(), Some(a))),
        None => Some((default, None)),
    }
}

/// Describes an effective value for a message: `false (from var.x)`, `not set (default false)`.
pub fn describe(value: &Value, attr: Option<&EvalAttr>) -> String {
    match attr {
        Some(a) if a.value.is_null() => format!("null (provider default {})", value.display()),
        Some(a) => quote(a),
        None => format!("not set (provider default {})", value.display()),
    }
}

/// Whether a string value is known and equal (case-insensitive) to one of `options`.
pub fn is_one_of(v: &Value, options: &[&str]) -> bool {
    v.as_str()
        .map(|s| options.iter().any(|o| o.eq_ignore_ascii_case(s)))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    /// A rule's file is named after the rule (the fixtures and snapshot use that name).
    #[test]
    fn rule_files_are_named_after_their_rules() {
        for (file, name) in super::FILES {
            assert_eq!(
                *file,
                name.replace('-', "_"),
                "rules/{file}.rs declares `{name}`"
            );
        }
    }
}
