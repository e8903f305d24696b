use super::{describe, setting, Remedy, Rule, RuleCtx};
use super::shared::is_replica_of;
use crate::eval::Instance;
use crate::value::Value;

declare_rule! {
    /// ## What it does
    /// Checks that an `aws_db_instance` runs Multi-AZ (`multi_az = true`). The provider
    /// default is `false`. Read replicas, Aurora instances and SQL Server Express/Web
    /// editions (which cannot run Multi-AZ) are skipped.
    ///
    /// ## Why is this bad?
    /// A Single-AZ database is down for as long as its Availability Zone is, and during
    /// every maintenance reboot. Multi-AZ keeps a synchronous standby in another zone and
    /// fails over automatically in one to two minutes.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_db_instance" "orders" {
    ///   engine   = "postgres"
    ///   multi_az = false
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_db_instance" "orders" {
    ///   engine   = "postgres"
    ///   multi_az = true
    /// }
    /// ```
    ///
    /// ## References
    /// - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/db_instance#multi_az
    /// - https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZSingleStandby.html
    pub struct DbInstanceSingleAz {
        id: "RC101",
        name: "db-instance-single-az",
        category: MultiAz,
        severity: Warning,
        types: ["aws_db_instance"],
        fix: "sets `multi_az = true` (replaces a literal value, or adds the attribute)",
    }
}

impl Rule for DbInstanceSingleAz {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        let body = &inst.body;
        if is_replica_of(body, "replicate_source_db") {
            return;
        }
        // Aurora instances belong to a cluster; SQL Server Express and Web editions cannot
        // run Multi-AZ.
        if body
            .value("engine")
            .and_then(|e| e.as_str())
            .is_some_and(|e| e.starts_with("aurora") || e == "sqlserver-ex" || e == "sqlserver-web")
        {
            return;
        }
        let Some((v, attr)) = setting(body, "multi_az", Value::Bool(false)) else {
            return;
        };
        if v.as_bool() == Some(false) {
            cx.report(
                self,
                inst,
                attr,
                format!(
                    "multi_az is {}: the database runs in a single Availability Zone",
                    describe(&v, attr)
                ),
                "set `multi_az = true`",
            );
            let remedy = Remedy::Set {
                name: "multi_az",
                value: "true",
                within: None,
            };
            cx.offer_fix(inst, attr, remedy);
        }
    }
}
