use super::shared::{backup_cover, is_replica_of, Cover};
use super::{describe, setting, Rule, RuleCtx};
use crate::eval::{EvalAttr, EvalBody, Instance};
use crate::value::Value;

declare_rule! {
    /// ## What it does
    /// Checks that deleting a database (a `terraform destroy`, a removed block, or a forced
    /// replacement) leaves a copy of its data behind:
    /// - `aws_db_instance` and `aws_rds_cluster` with `skip_final_snapshot = true` (provider
    ///   default `false`), `deletion_protection` not true (default `false`) and
    ///   `delete_automated_backups` not false (default `true`), when no AWS Backup selection
    ///   or `reliability_backup_plan` covers them and no
    ///   `aws_db_instance_automated_backups_replication` copies their automated backups to
    ///   another region (recovery points and replicated backups outlive the database);
    /// - `google_sql_database_instance` with `deletion_protection = false` (Terraform's own
    ///   flag, default `true`) and none of `settings.deletion_protection_enabled`,
    ///   `settings.retain_backups_on_delete` (both default `false`) or an enabled
    ///   `settings.final_backup_config`;
    /// - `azurerm_recovery_services_vault` with `soft_delete_enabled = false` (default
    ///   `true`).
    ///
    /// An `aws_db_instance` with automated backups off (`backup_retention_period = 0`, which
    /// RC201 reports) is judged on `skip_final_snapshot` and `deletion_protection` alone:
    /// it has no automated backups to keep, and the help asks for the final snapshot.
    ///
    /// Read replicas (`replicate_source_db`, `replication_source_identifier`,
    /// `master_instance_name`) and members of an Aurora global database
    /// (`global_cluster_identifier`) are not reported: their data lives elsewhere. A value
    /// that cannot be known before apply keeps the rule silent.
    ///
    /// ## Why is this bad?
    /// RDS deletes a database's automated backups with it unless `delete_automated_backups
    /// = false`, and `skip_final_snapshot = true` skips the one snapshot a delete would
    /// take: a destroy run in the wrong workspace, or a change that forces replacement,
    /// leaves no copy at all. Cloud SQL deletes an instance's backups with the instance
    /// unless they are retained. A Recovery Services vault without soft delete erases
    /// deleted backup items at once, so an attacker or a script with the subscription's
    /// credentials can remove every recovery point.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_db_instance" "orders" {
    ///   engine                  = "postgres"
    ///   backup_retention_period = 7
    ///   skip_final_snapshot     = true
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_db_instance" "orders" {
    ///   engine                   = "postgres"
    ///   backup_retention_period  = 7
    ///   skip_final_snapshot      = true
    ///   delete_automated_backups = false # kept for their retention period after a delete
    /// }
    /// ```
    /// The cheapest protection for each type: `delete_automated_backups = false` (RDS),
    /// `settings { retain_backups_on_delete = true }` (Cloud SQL), soft delete left on
    /// (Azure). None of them gets in the way of a deliberate destroy.
    ///
    /// ## References
    /// - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/db_instance#delete_automated_backups-1
    /// - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/rds_cluster#delete_automated_backups-1
    /// - https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_DeleteInstance.html
    /// - https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/sql_database_instance#retain_backups_on_delete-1
    /// - https://cloud.google.com/sql/docs/postgres/backup-recovery/backups
    /// - https://learn.microsoft.com/azure/backup/backup-azure-security-feature-cloud
    pub struct DestroyDeletesBackups {
        id: "RC213",
        name: "destroy-deletes-backups",
        category: Backup,
        severity: Warning,
        types: [
            "aws_db_instance",
            "aws_rds_cluster",
            "google_sql_database_instance",
            "azurerm_recovery_services_vault",
        ],
    }
}

/// An attribute whose effective value is the known boolean `want` (judged with its
/// provider default); `None` when it is something else or unknown.
fn is<'i>(
    body: &'i EvalBody,
    name: &str,
    default: bool,
    want: bool,
) -> Option<(Value, Option<&'i EvalAttr>)> {
    let (v, a) = setting(body, name, Value::Bool(default))?;
    (v.as_bool()? == want).then_some((v, a))
}

impl DestroyDeletesBackups {
    fn check_rds(&self, inst: &Instance, cx: &mut RuleCtx) {
        let body = &inst.body;
        for key in [
            "replicate_source_db",
            "replication_source_identifier",
            "global_cluster_identifier",
        ] {
            if is_replica_of(body, key) {
                return;
            }
        }
        let Some((skip, skip_attr)) = is(body, "skip_final_snapshot", false, true) else {
            return;
        };
        let Some((dp, dp_attr)) = is(body, "deletion_protection", false, false) else {
            return;
        };
        // Automated backups off (`backup_retention_period = 0`, an instance only): there
        // are none to keep, and only a final snapshot would leave a copy.
        let no_backups = inst.rtype == "aws_db_instance"
            && body
                .value("backup_retention_period")
                .and_then(Value::as_number)
                .is_some_and(|n| n == 0.0);
        let dab = if no_backups {
            None
        } else {
            let Some(d) = is(body, "delete_automated_backups", true, true) else {
                return;
            };
            Some(d)
        };
        // AWS Backup recovery points (and a reliability_backup_plan's copies) outlive it,
        // and so may automated backups replicated to another region.
        if !matches!(backup_cover(inst, cx.graph), Cover::No) {
            return;
        }
        let replicated = cx
            .graph
            .referrers_of(inst, "aws_db_instance_automated_backups_replication")
            .iter()
            .any(|r| {
                r.body.value("source_db_instance_arn").is_none_or(|v| {
                    v.refers_to_instance(&inst.base, &inst.address) || v.contains_opaque_unknown()
                })
            });
        if replicated {
            return;
        }
        let Some((dab, dab_attr)) = dab else {
            let message = format!(
                "skip_final_snapshot is {}, deletion_protection is {} and automated backups \
                 are off (backup_retention_period is 0): a destroy or replacement of `{}` \
                 deletes it and leaves no copy at all",
                describe(&skip, skip_attr),
                describe(&dp, dp_attr),
                inst.address
            );
            cx.report(
                self,
                inst,
                skip_attr,
                message,
                "set `skip_final_snapshot = false` (a delete takes a final snapshot first), \
                 and turn automated backups on (RC201)",
            );
            return;
        };
        let message = format!(
            "skip_final_snapshot is {}, deletion_protection is {} and \
             delete_automated_backups is {}: a destroy or replacement of `{}` deletes it \
             with its automated backups and takes no final snapshot",
            describe(&skip, skip_attr),
            describe(&dp, dp_attr),
            describe(&dab, dab_attr),
            inst.address
        );
        cx.report(
            self,
            inst,
            skip_attr,
            message,
            "set `delete_automated_backups = false` (the automated backups stay for their \
             retention period after a delete), or `skip_final_snapshot = false`",
        );
    }

    fn check_cloudsql(&self, inst: &Instance, cx: &mut RuleCtx) {
        let body = &inst.body;
        if is_replica_of(body, "master_instance_name") {
            return;
        }
        let Some((dp, dp_attr)) = is(body, "deletion_protection", true, false) else {
            return;
        };
        let empty = EvalBody::default();
        let settings = body.block("settings").map_or(&empty, |b| &b.body);
        if is(settings, "deletion_protection_enabled", false, false).is_none()
            || is(settings, "retain_backups_on_delete", false, false).is_none()
        {
            return;
        }
        if let Some(fb) = settings.block("final_backup_config") {
            if is(&fb.body, "enabled", false, false).is_none() {
                return;
            }
        }
        let message = format!(
            "deletion_protection is {} and settings neither retains backups on delete, \
             takes a final backup nor enables deletion_protection_enabled: deleting `{}` \
             deletes its backups with it",
            describe(&dp, dp_attr),
            inst.address
        );
        cx.report(
            self,
            inst,
            dp_attr,
            message,
            "set `retain_backups_on_delete = true` in `settings` (the automated backups stay \
             for their retention period after a delete), or `deletion_protection = true`",
        );
    }

    fn check_recovery_vault(&self, inst: &Instance, cx: &mut RuleCtx) {
        let Some((v, a)) = is(&inst.body, "soft_delete_enabled", true, false) else {
            return;
        };
        let message = format!(
            "soft_delete_enabled is {}: deleted backup items of `{}` are erased at once, \
             without the 14 days in which soft delete can undo it",
            describe(&v, a),
            inst.address
        );
        cx.report(
            self,
            inst,
            a,
            message,
            "remove `soft_delete_enabled = false` (soft delete is on by default and keeps \
             deleted backup data for 14 days at no cost)",
        );
    }
}

impl Rule for DestroyDeletesBackups {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        match inst.rtype.as_str() {
            "aws_db_instance" | "aws_rds_cluster" => self.check_rds(inst, cx),
            "google_sql_database_instance" => self.check_cloudsql(inst, cx),
            "azurerm_recovery_services_vault" => self.check_recovery_vault(inst, cx),
            _ => {}
        }
    }
}
