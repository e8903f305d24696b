use super::shared::is_replica_of;
use super::{describe, setting, Remedy, Rule, RuleCtx};
use crate::eval::Instance;
use crate::value::Value;

declare_rule! {
    /// ## What it does
    /// Checks that a `google_sql_database_instance` has `settings { availability_type =
    /// "REGIONAL" }`. The default is `ZONAL`. Read replicas are skipped.
    ///
    /// ## Why is this bad?
    /// A zonal Cloud SQL instance has no standby: a zone outage or a failed host means
    /// downtime until Google recreates it.
    ///
    /// ## Example
    /// ```hcl
    /// resource "google_sql_database_instance" "main" {
    ///   settings {
    ///     tier = "db-custom-2-7680"
    ///   }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "google_sql_database_instance" "main" {
    ///   settings {
    ///     tier              = "db-custom-2-7680"
    ///     availability_type = "REGIONAL"
    ///   }
    /// }
    /// ```
    ///
    /// ## References
    /// - https://cloud.google.com/sql/docs/postgres/high-availability
    pub struct CloudsqlZonalAvailability {
        id: "RC113",
        name: "cloudsql-zonal-availability",
        category: MultiAz,
        severity: Warning,
        types: ["google_sql_database_instance"],
        fix: "sets `availability_type = \"REGIONAL\"` in `settings` (replaces a literal value, or adds the attribute)",
    }
}

impl Rule for CloudsqlZonalAvailability {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        if is_replica_of(&inst.body, "master_instance_name") {
            return;
        }
        let help = "set `availability_type = \"REGIONAL\"` in `settings`";
        let Some(settings) = inst.body.block("settings") else {
            return;
        };
        let Some((v, a)) = setting(
            &settings.body,
            "availability_type",
            Value::String("ZONAL".into()),
        ) else {
            return;
        };
        if super::is_one_of(&v, &["ZONAL"]) {
            let msg = format!(
                "availability_type is {}: no standby in another zone",
                describe(&v, a)
            );
            match a {
                Some(_) => cx.report(self, inst, a, msg, help),
                None => cx.report_at(self, inst, settings.span.clone(), msg, help),
            }
            let remedy = Remedy::Set {
                name: "availability_type",
                value: "\"REGIONAL\"",
                within: Some(settings.span.clone()),
            };
            cx.offer_fix(inst, a, remedy);
        }
    }
}
