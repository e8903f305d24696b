use super::shared::is_replica_of;
use super::{describe, setting, Remedy, Rule, RuleCtx};
use crate::eval::Instance;
use crate::value::Value;

declare_rule! {
    /// ## What it does
    /// Checks that a `google_sql_database_instance` enables automated backups
    /// (`settings { backup_configuration { enabled = true } }`, default `false`). Read
    /// replicas are skipped.
    ///
    /// ## Why is this bad?
    /// Without backups (and binary logging / PITR) a dropped table or a corrupting
    /// migration cannot be recovered.
    ///
    /// ## Example
    /// ```hcl
    /// resource "google_sql_database_instance" "main" {
    ///   settings {
    ///     tier = "db-f1-micro"
    ///   }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "google_sql_database_instance" "main" {
    ///   settings {
    ///     tier = "db-f1-micro"
    ///     backup_configuration {
    ///       enabled                        = true
    ///       point_in_time_recovery_enabled = true
    ///     }
    ///   }
    /// }
    /// ```
    ///
    /// ## References
    /// - https://cloud.google.com/sql/docs/postgres/backup-recovery/backups
    pub struct CloudsqlBackupsDisabled {
        id: "RC204",
        name: "cloudsql-backups-disabled",
        category: Backup,
        severity: Error,
        types: ["google_sql_database_instance"],
        fix: "adds `backup_configuration { enabled = true }` to `settings`, or sets `enabled = true` in it (replaces a literal value, or adds the attribute)",
    }
}

impl Rule for CloudsqlBackupsDisabled {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        if is_replica_of(&inst.body, "master_instance_name") {
            return;
        }
        let help = "add `backup_configuration { enabled = true }` to `settings`";
        let Some(settings) = inst.body.block("settings") else {
            return;
        };
        let Some(bc) = settings.body.block("backup_configuration") else {
            cx.report_at(
                self,
                inst,
                settings.span.clone(),
                "settings has no backup_configuration: automated backups are off (provider default)".into(),
                help,
            );
            let remedy = Remedy::Append {
                within: Some(settings.span.clone()),
                what: "`backup_configuration { enabled = true }` to `settings`",
                text: "backup_configuration {\n  enabled = true\n}",
            };
            cx.offer_fix(inst, None, remedy);
            return;
        };
        let Some((v, a)) = setting(&bc.body, "enabled", Value::Bool(false)) else {
            return;
        };
        if v.as_bool() == Some(false) {
            let msg = format!(
                "backup_configuration.enabled is {}: automated backups are off",
                describe(&v, a)
            );
            match a {
                Some(_) => cx.report(self, inst, a, msg, "set `enabled = true`"),
                None => cx.report_at(self, inst, bc.span.clone(), msg, "set `enabled = true`"),
            }
            let remedy = Remedy::Set {
                name: "enabled",
                value: "true",
                within: Some(bc.span.clone()),
            };
            cx.offer_fix(inst, a, remedy);
        }
    }
}
