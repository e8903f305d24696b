use super::{describe, setting, Rule, RuleCtx};
use crate::eval::Instance;
use crate::value::Value;

declare_rule! {
    /// ## What it does
    /// Checks that Redis/Valkey ElastiCache (`aws_elasticache_replication_group`,
    /// standalone `aws_elasticache_cluster`) keeps automatic snapshots:
    /// `snapshot_retention_limit` defaults to 0 (none). Memcached clusters and members of a
    /// replication group are skipped.
    ///
    /// ## Configuration
    /// `min-backup-retention-days` in `[thresholds]` of `.relcheck.toml` (default 1) raises
    /// the bar: with `min-backup-retention-days = 7`, `snapshot_retention_limit = 3` is
    /// flagged too.
    ///
    /// ## Why is this bad?
    /// Without snapshots a lost or corrupted cache cannot be restored; when Redis is used as
    /// a store (sessions, queues, rate limits) that is data loss.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_elasticache_replication_group" "sessions" {
    ///   engine = "redis"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_elasticache_replication_group" "sessions" {
    ///   engine                   = "redis"
    ///   snapshot_retention_limit = 7
    /// }
    /// ```
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonElastiCache/latest/red-ug/backups-automatic.html
    pub struct ElasticacheNoSnapshots {
        id: "RC203",
        name: "elasticache-no-snapshots",
        category: Backup,
        severity: Warning,
        types: ["aws_elasticache_replication_group", "aws_elasticache_cluster"],
    }
}

impl Rule for ElasticacheNoSnapshots {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        let body = &inst.body;
        if inst.rtype == "aws_elasticache_cluster" {
            if body
                .attr("replication_group_id")
                .is_some_and(|a| !a.value.is_null())
            {
                return;
            }
            match body.value("engine").map(|v| v.as_str()) {
                Some(Some("redis")) | Some(Some("valkey")) => {}
                _ => return,
            }
        }
        if body
            .attr("global_replication_group_id")
            .is_some_and(|a| !a.value.is_null())
        {
            return;
        }
        let Some((v, a)) = setting(body, "snapshot_retention_limit", Value::Number(0.0)) else {
            return;
        };
        let Some(days) = v.as_number() else {
            return;
        };
        let min = cx.thresholds.min_backup_retention_days;
        let help = format!("set `snapshot_retention_limit` to at least {min} (days)");
        if days == 0.0 {
            let message = format!(
                "snapshot_retention_limit is {}: no automatic snapshots are kept",
                describe(&v, a)
            );
            cx.report(self, inst, a, message, help);
        } else if days < f64::from(min) {
            let message = format!(
                "snapshot_retention_limit is {}: below the minimum of {min} days \
                 (min-backup-retention-days)",
                describe(&v, a)
            );
            cx.report(self, inst, a, message, help);
        }
    }
}
