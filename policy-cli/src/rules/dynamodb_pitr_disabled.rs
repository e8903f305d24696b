use super::shared::{backup_cover, Cover};
use super::{describe, setting, Remedy, Rule, RuleCtx};
use crate::eval::Instance;
use crate::value::Value;

declare_rule! {
    /// ## What it does
    /// Checks that an `aws_dynamodb_table` enables point-in-time recovery
    /// (`point_in_time_recovery { enabled = true }`); it is off by default. A table that
    /// has no backup at all (no `aws_backup_selection` or `reliability_backup_plan` covers
    /// it either) is reported once, by RC206 (`backup-coverage`), with both remedies; this
    /// rule reports tables that are backed up by a selection (snapshots only) or whose
    /// coverage cannot be known.
    ///
    /// ## Why is this bad?
    /// Without PITR a table cannot be restored to a moment before a faulty deploy or an
    /// accidental mass delete; on-demand backups only help if someone took one.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_dynamodb_table" "orders" {
    ///   name     = "orders"
    ///   hash_key = "id"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_dynamodb_table" "orders" {
    ///   name     = "orders"
    ///   hash_key = "id"
    ///   point_in_time_recovery {
    ///     enabled = true
    ///   }
    /// }
    /// ```
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/PointInTimeRecovery.html
    pub struct DynamodbPitrDisabled {
        id: "RC202",
        name: "dynamodb-pitr-disabled",
        category: Backup,
        severity: Warning,
        types: ["aws_dynamodb_table"],
        fix: "adds `point_in_time_recovery { enabled = true }`, or sets `enabled = true` in the block (replaces a literal value, or adds the attribute)",
    }
}

impl Rule for DynamodbPitrDisabled {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        let help = "add `point_in_time_recovery { enabled = true }`";
        // PITR off and no backup at all: one gap, reported once by RC206.
        let covered = match backup_cover(inst, cx.graph) {
            Cover::No => return,
            Cover::Yes => true,
            Cover::Unknown => false,
        };
        let note = if covered {
            "; it is backed up, but can only be restored to the time of a backup"
        } else {
            ""
        };
        match inst.body.block("point_in_time_recovery") {
            None => {
                cx.report(
                    self,
                    inst,
                    None,
                    format!("no point_in_time_recovery block: point-in-time recovery is off (provider default){note}"),
                    help,
                );
                let remedy = Remedy::Append {
                    within: None,
                    what: "`point_in_time_recovery { enabled = true }`",
                    text: "point_in_time_recovery {\n  enabled = true\n}",
                };
                cx.offer_fix(inst, None, remedy);
            }
            Some(b) => {
                let Some((v, a)) = setting(&b.body, "enabled", Value::Bool(false)) else {
                    return;
                };
                if v.as_bool() == Some(false) {
                    let msg = format!(
                        "point_in_time_recovery.enabled is {}{note}",
                        describe(&v, a)
                    );
                    match a {
                        Some(_) => cx.report(self, inst, a, msg, "set `enabled = true`"),
                        None => {
                            cx.report_at(self, inst, b.span.clone(), msg, "set `enabled = true`")
                        }
                    }
                    let remedy = Remedy::Set {
                        name: "enabled",
                        value: "true",
                        within: Some(b.span.clone()),
                    };
                    cx.offer_fix(inst, a, remedy);
                }
            }
        }
    }
}
