use super::shared::{derived_from_managed, names_instance, names_vault, selection_covers, Tri};
use super::{Rule, RuleCtx};
use crate::eval::{EvalBody, Instance};
use crate::graph::Graph;
use crate::value::Value;

declare_rule! {
    /// ## What it does
    /// Checks that the resources an `aws_backup_plan` backs up (an `aws_backup_selection`
    /// whose `plan_id` names the plan selects them, as AWS selects: see RC206) are restore
    /// tested, the AWS Backup counterpart of `backup-plan-no-restore-test` (RC601). A
    /// resource is tested when an `aws_backup_restore_testing_selection`
    /// - has its `protected_resource_type` (`RDS` for `aws_db_instance`, `Aurora` for an
    ///   Aurora `aws_rds_cluster`, `EBS`, `EC2`, `EFS`, `DynamoDB`, `FSx`, `S3`,
    ///   `DocumentDB`, `Neptune`),
    /// - lists it in `protected_resource_arns`, or `"*"` (with
    ///   `protected_resource_conditions`, which filter by tags, the answer is left open),
    /// - and belongs (`restore_testing_plan_name`) to an
    ///   `aws_backup_restore_testing_plan` whose `recovery_point_selection` takes recovery
    ///   points from the plan's target vault: `include_vaults` (`"*"`, the vault's ARN)
    ///   minus `exclude_vaults`.
    ///
    /// Only resources the selection certainly selects are judged, and anything that cannot
    /// be known before apply (an ARN in a variable, a wildcard vault pattern, a restore
    /// testing plan named by a variable) counts as tested: the rule stays silent.
    /// `recovery_point_types` and `selection_window_days` are not judged. A restore test
    /// made with the Cloud Control provider (`awscc_backup_restore_testing_selection`) of the
    /// resource's type is not read but may test it: the rule stays silent.
    ///
    /// ## Why is this bad?
    /// A backup that was never restored is a hope, not a backup: a corrupted or encrypted
    /// recovery point, a missing permission or a restore that takes three days is found out
    /// during the incident. AWS Backup restore testing restores recovery points on a
    /// schedule and reports whether (and how fast) they came back: nobody knows whether
    /// the plan's backups restore until one of them is tested.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_backup_plan" "daily" {
    ///   name = "daily"
    ///   rule {
    ///     rule_name         = "daily"
    ///     target_vault_name = aws_backup_vault.main.name
    ///     schedule          = "cron(0 3 * * ? *)"
    ///   }
    /// }
    ///
    /// resource "aws_backup_selection" "db" {
    ///   name         = "db"
    ///   plan_id      = aws_backup_plan.daily.id
    ///   iam_role_arn = aws_iam_role.backup.arn
    ///   resources    = [aws_db_instance.orders.arn]
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_backup_restore_testing_plan" "weekly" {
    ///   name                = "weekly"
    ///   schedule_expression = "cron(0 6 ? * MON *)"
    ///   recovery_point_selection {
    ///     algorithm            = "LATEST_WITHIN_WINDOW"
    ///     include_vaults       = [aws_backup_vault.main.arn]
    ///     recovery_point_types = ["SNAPSHOT"]
    ///   }
    /// }
    ///
    /// resource "aws_backup_restore_testing_selection" "rds" {
    ///   name                      = "rds"
    ///   restore_testing_plan_name = aws_backup_restore_testing_plan.weekly.name
    ///   protected_resource_type   = "RDS"
    ///   protected_resource_arns   = ["*"]
    ///   iam_role_arn              = aws_iam_role.restore_testing.arn
    /// }
    /// ```
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing.html
    /// - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/backup_restore_testing_plan
    /// - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/backup_restore_testing_selection
    pub struct AwsBackupPlanNoRestoreTest {
        id: "RC215",
        name: "aws-backup-plan-no-restore-test",
        category: Backup,
        severity: Warning,
        types: ["aws_backup_plan"],
    }
}

/// The restore testing `protected_resource_type` of a resource, for the types restore
/// testing supports.
fn protected_type(inst: &Instance) -> Option<&'static str> {
    Some(match inst.rtype.as_str() {
        "aws_db_instance" => "RDS",
        "aws_rds_cluster" => {
            let engine = inst.body.value("engine").and_then(Value::as_str)?;
            if !engine.starts_with("aurora") {
                return None;
            }
            "Aurora"
        }
        "aws_ebs_volume" => "EBS",
        "aws_instance" => "EC2",
        "aws_efs_file_system" => "EFS",
        "aws_dynamodb_table" => "DynamoDB",
        "aws_s3_bucket" => "S3",
        "aws_docdb_cluster" => "DocumentDB",
        "aws_neptune_cluster" => "Neptune",
        t if t.starts_with("aws_fsx_") && t.ends_with("_file_system") => "FSx",
        _ => return None,
    })
}

const PROTECTABLE: &[&str] = &[
    "aws_db_instance",
    "aws_rds_cluster",
    "aws_ebs_volume",
    "aws_instance",
    "aws_efs_file_system",
    "aws_dynamodb_table",
    "aws_s3_bucket",
    "aws_docdb_cluster",
    "aws_neptune_cluster",
    "aws_fsx_*",
];

/// Whether a `restore_testing_plan_name` names the restore testing plan `target`.
fn names(v: Option<&Value>, target: &Instance, g: &Graph) -> Tri {
    match v {
        Some(v) => names_instance(v, target, g),
        None => Tri::Maybe,
    }
}

/// The items of a list attribute (a single value is one item); `None` when unknown.
fn items(v: &Value) -> Option<Vec<&Value>> {
    match v {
        Value::List(l) => Some(l.iter().collect()),
        Value::Null => Some(Vec::new()),
        v if v.contains_opaque_unknown() || v.contains_error() => None,
        Value::Unknown(_) => Some(vec![v]),
        other => Some(vec![other]),
    }
}

/// Whether a vault list (`include_vaults`, `exclude_vaults`) names the vault a plan rule's
/// `target_vault_name` gives.
fn vaults_name(list: Option<&Value>, tp: &Instance, target: &Value, g: &Graph) -> Tri {
    let Some(list) = list else {
        return Tri::No;
    };
    let Some(list) = items(list) else {
        return Tri::Maybe;
    };
    let targets: Vec<&Instance> = {
        let mut refs = Vec::new();
        target.collect_refs(&mut refs);
        refs.iter()
            .flat_map(|r| g.resolve(r))
            .filter(|i| !i.data && i.rtype == "aws_backup_vault")
            .collect()
    };
    let mut out = Tri::No;
    for item in list {
        let m = match item {
            Value::String(s) if s == "*" => Tri::Yes,
            Value::String(s) if s.contains('*') || s.contains('?') => Tri::Maybe,
            _ => match (target, targets.as_slice()) {
                // A vault this configuration creates.
                (_, [vault]) => names_vault(item, tp, vault, g),
                // A vault named by a literal (`Default`): compare with an ARN's name.
                (Value::String(name), []) => match item {
                    Value::String(arn) => {
                        Tri::of(arn.rsplit_once(":backup-vault:").map(|(_, n)| n) == Some(name))
                    }
                    _ => Tri::Maybe,
                },
                _ => Tri::Maybe,
            },
        };
        out = out.or(m);
    }
    out
}

/// Whether a restore testing plan takes recovery points from the vault `target`.
fn plan_tests_vault(tp: &Instance, target: &Value, g: &Graph) -> Tri {
    let Some(rps) = tp.body.block("recovery_point_selection") else {
        return Tri::Maybe;
    };
    let included = vaults_name(rps.body.attr("include_vaults").map(|a| &a.value), tp, target, g);
    let excluded = vaults_name(rps.body.value("exclude_vaults"), tp, target, g);
    let m = included.and(excluded.negate());
    if m != Tri::No && !tp.count_known {
        Tri::Maybe
    } else {
        m
    }
}

/// Whether a restore testing selection's resources include `inst`.
fn selection_tests(ts: &EvalBody, inst: &Instance, ty: &str, g: &Graph) -> Tri {
    let type_matches = match ts.value("protected_resource_type").and_then(Value::as_str) {
        Some(t) => Tri::of(t.eq_ignore_ascii_case(ty)),
        None => Tri::Maybe,
    };
    let conditions = ts.block("protected_resource_conditions").is_some();
    let arns = match ts.value("protected_resource_arns").map(items) {
        None => Tri::Maybe,
        Some(None) => Tri::Maybe,
        Some(Some(list)) => {
            let mut out = Tri::No;
            for item in list {
                let m = match item {
                    Value::String(s) if s == "*" && conditions => Tri::Maybe,
                    Value::String(s) if s == "*" => Tri::Yes,
                    // An ARN written out: which resource it is cannot be told.
                    Value::String(_) => Tri::Maybe,
                    v if v.refers_to_instance(&inst.base, &inst.address) => Tri::Yes,
                    // Derived from other resources of this configuration only.
                    v if derived_from_managed(v, g) => Tri::No,
                    _ => Tri::Maybe,
                };
                out = out.or(m);
            }
            out
        }
    };
    type_matches.and(arns)
}

/// Whether any restore testing selection tests `inst`'s recovery points in one of
/// `targets` (the plan's target vaults).
fn tested(inst: &Instance, ty: &str, targets: &[&Value], g: &Graph) -> Tri {
    let mut out = Tri::No;
    for ts in g.of_type("aws_backup_restore_testing_selection") {
        let mut m = selection_tests(&ts.body, inst, ty, g);
        if m == Tri::No {
            continue;
        }
        let plan_name = ts.body.value("restore_testing_plan_name");
        let mut in_plan = Tri::No;
        for tp in g.of_type("aws_backup_restore_testing_plan") {
            let named = names(plan_name, tp, g);
            if named == Tri::No {
                continue;
            }
            let mut vaults = Tri::No;
            for t in targets {
                vaults = vaults.or(plan_tests_vault(tp, t, g));
            }
            in_plan = in_plan.or(named.and(vaults));
        }
        // No plan of this configuration: one created elsewhere may have the name.
        let elsewhere = !g
            .of_type("aws_backup_restore_testing_plan")
            .iter()
            .any(|tp| names(plan_name, tp, g) != Tri::No);
        if elsewhere && !plan_name.is_some_and(|v| derived_from_managed(v, g)) {
            in_plan = Tri::Maybe;
        }
        m = m.and(in_plan);
        if m != Tri::No && !ts.count_known {
            m = Tri::Maybe;
        }
        out = out.or(m);
    }
    // Restore tests made with the Cloud Control provider are not read: one of this type
    // (or of a type not known) may test it.
    for ts in g.of_type("awscc_backup_restore_testing_selection") {
        let same_type = match ts.body.value("protected_resource_type").and_then(Value::as_str) {
            Some(t) => t.eq_ignore_ascii_case(ty),
            None => true,
        };
        if same_type {
            out = out.or(Tri::Maybe);
        }
    }
    out
}

impl Rule for AwsBackupPlanNoRestoreTest {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, plan: &Instance, cx: &mut RuleCtx) {
        let g = cx.graph;
        let targets: Vec<&Value> = plan
            .body
            .blocks("rule")
            .filter_map(|r| r.body.attr("target_vault_name").map(|a| &a.value))
            .collect();
        if targets.is_empty() {
            return;
        }
        let selections: Vec<&Instance> = g
            .referrers_of(plan, "aws_backup_selection")
            .into_iter()
            .filter(|s| s.count_known)
            .filter(|s| {
                s.body
                    .value("plan_id")
                    .is_some_and(|v| v.refers_to_instance(&plan.base, &plan.address))
            })
            .collect();
        let mut untested: Vec<&Instance> = Vec::new();
        let mut through: Vec<&str> = Vec::new();
        for pattern in PROTECTABLE {
            for inst in g.of_type(pattern) {
                if !inst.count_known {
                    continue;
                }
                let Some(ty) = protected_type(inst) else {
                    continue;
                };
                let Some(sel) = selections
                    .iter()
                    .find(|s| selection_covers(s, inst, g) == Tri::Yes)
                else {
                    continue;
                };
                if tested(inst, ty, &targets, g) == Tri::No {
                    untested.push(inst);
                    if !through.contains(&sel.address.as_str()) {
                        through.push(&sel.address);
                    }
                }
            }
        }
        if untested.is_empty() {
            return;
        }
        let mut names: Vec<String> = untested
            .iter()
            .take(3)
            .map(|i| format!("`{}`", i.address))
            .collect();
        if untested.len() > 3 {
            names.push(format!("{} more", untested.len() - 3));
        }
        let through: Vec<String> = through.iter().map(|s| format!("`{s}`")).collect();
        let message = format!(
            "`{}` backs up {} (through {}), but no aws_backup_restore_testing_selection \
             tests {} recovery points: nobody knows whether its backups restore",
            plan.address,
            names.join(", "),
            through.join(", "),
            if untested.len() == 1 { "its" } else { "their" }
        );
        cx.report(
            self,
            plan,
            None,
            message,
            "add an `aws_backup_restore_testing_plan` whose `include_vaults` holds the plan's \
             vault, and an `aws_backup_restore_testing_selection` for each resource type \
             (`protected_resource_type = \"RDS\"`, `protected_resource_arns = [\"*\"]`)",
        );
    }
}
