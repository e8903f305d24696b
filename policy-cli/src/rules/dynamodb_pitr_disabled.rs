use super::{describe, setting, Rule, RuleCtx};
use crate::eval::Instance;
use crate::value::Value;

declare_rule! {
    /// ## What it does
    /// Checks that an `aws_dynamodb_table` enables point-in-time recovery
    /// (`point_in_time_recovery { enabled = true }`); it is off by default.
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
    }
}

impl Rule for DynamodbPitrDisabled {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        let help = "add `point_in_time_recovery { enabled = true }`";
        match inst.body.block("point_in_time_recovery") {
            None => cx.report(
                self,
                inst,
                None,
                "no point_in_time_recovery block: point-in-time recovery is off (provider default)"
                    .into(),
                help,
            ),
            Some(b) => {
                let Some((v, a)) = setting(&b.body, "enabled", Value::Bool(false)) else {
                    return;
                };
                if v.as_bool() == Some(false) {
                    let msg = format!("point_in_time_recovery.enabled is {}", describe(&v, a));
                    match a {
                        Some(_) => cx.report(self, inst, a, msg, "set `enabled = true`"),
                        None => {
                            cx.report_at(self, inst, b.span.clone(), msg, "set `enabled = true`")
                        }
                    }
                }
            }
        }
    }
}
