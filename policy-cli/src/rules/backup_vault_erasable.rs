use super::shared::{destination_in_vault_account, names_vault, Tri};
use super::{Rule, RuleCtx};
use crate::eval::{EvalBlock, Instance};

declare_rule! {
    /// ## What it does
    /// Checks that an `aws_backup_vault` that receives backups (an `aws_backup_plan` rule's
    /// `target_vault_name` names it) is one an attacker cannot empty: either an
    /// `aws_backup_vault_lock_configuration` guards it (governance mode, without
    /// `changeable_for_days`, counts), or every rule that backs up into it copies its
    /// recovery points (`copy_action`) to a vault in **another account**. A rule whose copy
    /// stays in the vault's own account does not count. A vault named by its name (rather
    /// than by reference) is the one of that name in the plan's own region and account.
    ///
    /// Which account a vault or a copy destination is in comes from the destination ARN's
    /// account field, from the provider configuration that creates a referenced vault
    /// (`assume_role`, `allowed_account_ids`; two resources of one configuration share its
    /// account), or from `data.aws_caller_identity` written as the ARN's account field (the
    /// caller's own account). When it cannot be known (a variable, an unknown
    /// `dynamic "copy_action"`, two configurations of unknown accounts), or a lock may name
    /// the vault, the rule stays silent.
    ///
    /// ## Why is this bad?
    /// Ransomware crews and destructive scripts go for the backups first: anyone holding the
    /// account's credentials (a leaked key, a compromised CI role, an administrator) can
    /// delete every recovery point of an unlocked vault, and the data and its backups are
    /// gone together. A copy in another account or a vault lock keeps them out of reach. A
    /// lock in governance mode stops accidents and most attackers, but an identity with the
    /// right IAM permissions can remove it: only compliance mode (`changeable_for_days`,
    /// immutable once the grace time is over) stops an administrator.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_backup_vault" "main" {
    ///   name = "main"
    /// }
    ///
    /// resource "aws_backup_plan" "daily" {
    ///   name = "daily"
    ///   rule {
    ///     rule_name         = "daily"
    ///     target_vault_name = aws_backup_vault.main.name
    ///     schedule          = "cron(0 3 * * ? *)"
    ///   }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_backup_vault_lock_configuration" "main" {
    ///   backup_vault_name   = aws_backup_vault.main.name
    ///   min_retention_days  = 7
    ///   max_retention_days  = 35
    ///   changeable_for_days = 3 # compliance mode after 3 days: not even an administrator can remove it
    /// }
    /// ```
    /// or a `copy_action { destination_vault_arn = "arn:aws:backup:eu-west-1:<another
    /// account>:backup-vault:copies" }` in every rule.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/aws-backup/latest/devguide/vault-lock.html
    /// - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/backup_vault_lock_configuration
    /// - https://docs.aws.amazon.com/aws-backup/latest/devguide/create-cross-account-backup.html
    pub struct BackupVaultErasable {
        id: "RC214",
        name: "backup-vault-erasable",
        category: Backup,
        severity: Warning,
        types: ["aws_backup_vault"],
    }
}

const HELP: &str = "add an `aws_backup_vault_lock_configuration` for it (with \
    `changeable_for_days`: compliance mode is what stops an administrator), or a \
    `copy_action` to a vault in another account in every rule that backs up into it";

/// Whether a plan rule's copies leave the vault's account: `No` when it has no copy, or
/// every copy provably stays in the vault's account.
fn copies_elsewhere(rule: &EvalBlock, plan: &Instance, vault: &Instance, cx: &RuleCtx) -> Tri {
    let mut out = Tri::No;
    for copy in rule.body.blocks("copy_action") {
        match destination_in_vault_account(
            copy.body.attr("destination_vault_arn"),
            plan,
            vault,
            cx.graph,
        ) {
            Tri::No => return Tri::Yes,
            Tri::Maybe => out = Tri::Maybe,
            Tri::Yes => {}
        }
    }
    out
}

impl Rule for BackupVaultErasable {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, vault: &Instance, cx: &mut RuleCtx) {
        let g = cx.graph;
        // A lock that may guard it.
        for lock in g.of_type("aws_backup_vault_lock_configuration") {
            let t = match lock.body.attr("backup_vault_name") {
                Some(a) => names_vault(&a.value, lock, vault, g),
                None => Tri::Maybe,
            };
            if t != Tri::No {
                return;
            }
        }
        // The first rule that backs up into it and copies nowhere else.
        let mut exposed = None;
        for plan in g.of_type("aws_backup_plan") {
            if !plan.count_known {
                continue;
            }
            for rule in plan.body.blocks("rule") {
                let target = rule.body.attr("target_vault_name").map(|a| &a.value);
                if !target.is_some_and(|t| names_vault(t, plan, vault, g) == Tri::Yes) {
                    continue;
                }
                match copies_elsewhere(rule, plan, vault, cx) {
                    Tri::No => {
                        if exposed.is_none() {
                            exposed = Some((plan, rule));
                        }
                    }
                    Tri::Maybe => return,
                    Tri::Yes => {}
                }
            }
        }
        let Some((plan, rule)) = exposed else {
            return;
        };
        let rule_name = match rule.body.value("rule_name").and_then(|v| v.as_str()) {
            Some(n) => format!("rule \"{n}\""),
            None => "a rule".to_string(),
        };
        let copies = if rule.body.block("copy_action").is_some() {
            "its copy_action stays in the same account"
        } else {
            "it has no copy_action to another account"
        };
        let message = format!(
            "`{}` receives the recovery points of {rule_name} of `{}`, has no \
             aws_backup_vault_lock_configuration, and {copies}: anyone with this account's \
             credentials can delete every recovery point",
            vault.address, plan.address
        );
        cx.report(self, vault, vault.body.attr("name"), message, HELP);
    }
}
