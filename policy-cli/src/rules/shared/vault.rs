//! AWS Backup vaults: which vault a name or reference names (a plan rule's
//! `target_vault_name`, a lock's `backup_vault_name`, a restore testing plan's vaults), and
//! which account a copy destination is in, in three values (what cannot be known is
//! "maybe", never a guess).
//!
//! An account comes from an ARN's account field (`arn:aws:backup:<region>:<account>:
//! backup-vault:<name>`), from the provider configuration that creates a referenced vault
//! (`assume_role`, `allowed_account_ids`: two resources of one configuration are in one
//! account), or from `data.aws_caller_identity` (the account of the configuration that
//! reads it) written as the ARN's account field.

use super::selection::Tri;
use crate::eval::{EvalAttr, Instance};
use crate::graph::Graph;
use crate::value::Value;

/// The module prefix of an address (`module.b.` of `module.b.aws_backup_plan.x[0]`).
fn module_prefix(base: &str) -> &str {
    let mut cut = 0;
    let mut rest = base;
    while let Some(r) = rest.strip_prefix("module.") {
        let Some(dot) = r.find('.') else { break };
        cut += "module.".len() + dot + 1;
        rest = &r[dot + 1..];
    }
    &base[..cut]
}

/// Whether every resource `v` is derived from is a managed `aws_backup_vault` (so a
/// reference that names none of them names another vault), or `None` when `v` says
/// nothing (opaque, an error, or derived from something else).
fn only_vault_refs<'a>(v: &Value, g: &Graph<'a>) -> Option<Vec<&'a Instance>> {
    if v.contains_opaque_unknown() || v.contains_error() {
        return None;
    }
    let mut refs = Vec::new();
    v.collect_refs(&mut refs);
    let mut out = Vec::new();
    for r in refs {
        let insts = g.resolve(r);
        if insts.is_empty()
            || insts
                .iter()
                .any(|i| i.data || i.rtype != "aws_backup_vault")
        {
            return None;
        }
        out.extend(insts);
    }
    (!out.is_empty()).then_some(out)
}

/// Whether a value is derived from managed resources of this configuration only (not
/// from variables, data sources or anything that could be anything).
pub fn derived_from_managed(v: &Value, g: &Graph) -> bool {
    if !v.contains_unknown() || v.contains_opaque_unknown() || v.contains_error() {
        return false;
    }
    let mut refs = Vec::new();
    v.collect_refs(&mut refs);
    refs.iter().all(|r| {
        let insts = g.resolve(r);
        !insts.is_empty() && insts.iter().all(|i| !i.data)
    })
}

/// Whether `v` names `target` by its `name` (a vault, a restore testing plan): a reference
/// to it, or a name compared with its `name`. A reference to another resource's `name`
/// arrives as the value that resource's configuration sets (see `eval/refs.rs`), so an
/// unknown derived from what the target's own name is derived from may be it.
pub fn names_instance(v: &Value, target: &Instance, g: &Graph) -> Tri {
    if v.is_null() {
        return Tri::No;
    }
    if v.refers_to_instance(&target.base, &target.address) {
        return Tri::Yes;
    }
    let name = target.body.value("name");
    let shares_refs = |n: &Value| {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        v.collect_refs(&mut a);
        n.collect_refs(&mut b);
        a.iter().any(|r| b.contains(r))
    };
    match (v, name) {
        (Value::String(s), Some(Value::String(n))) => Tri::of(s == n),
        (Value::String(_), _) => Tri::Maybe,
        (_, None) => Tri::Maybe,
        (_, Some(n)) if n.contains_opaque_unknown() || shares_refs(n) => Tri::Maybe,
        _ if derived_from_managed(v, g) => Tri::No,
        _ => Tri::Maybe,
    }
}

/// Whether `v` (a vault name or ARN, or a value derived from a vault's `name`/`id`/`arn`),
/// written in `owner` (a plan, a lock, a restore testing plan), names `vault`. An ARN is
/// compared by its `backup-vault:<name>` part. A name means the vault of that name in the
/// owner's region and account: a match by name counts where the two are created by the
/// same provider configuration (or known to be in the same region and account), and with
/// plan input (no provider configurations) where no other vault of the configuration has
/// that name.
pub fn names_vault(v: &Value, owner: &Instance, vault: &Instance, g: &Graph) -> Tri {
    if v.refers_to_instance(&vault.base, &vault.address) {
        return Tri::Yes;
    }
    let by_name = match v {
        Value::String(s) => {
            let name = s
                .rsplit_once(":backup-vault:")
                .map_or(s.as_str(), |(_, n)| n);
            names_instance(&Value::String(name.to_string()), vault, g)
        }
        _ => names_instance(v, vault, g),
    };
    if by_name == Tri::No {
        return Tri::No;
    }
    let place = match (&owner.provider, &vault.provider) {
        (Some(a), Some(b)) if a == b => Tri::Yes,
        (None, None) => {
            let name = vault.body.value("name");
            let alone = g
                .of_type("aws_backup_vault")
                .iter()
                .filter(|o| o.address != vault.address)
                .all(|o| {
                    o.body
                        .value("name")
                        .is_some_and(|n| Some(n) != name && !n.contains_unknown())
                });
            if alone {
                Tri::Yes
            } else {
                Tri::Maybe
            }
        }
        _ => {
            let known = |a: Option<String>, b: Option<String>| match (a, b) {
                (Some(a), Some(b)) => Tri::of(a == b),
                _ => Tri::Maybe,
            };
            known(g.region_of(owner), g.region_of(vault))
                .and(known(g.account_of(owner), g.account_of(vault)))
        }
    };
    by_name.and(place)
}

/// Whether two AWS resources are in the same account: the same provider configuration,
/// or known and equal accounts.
fn same_account(a: &Instance, b: &Instance, g: &Graph) -> Tri {
    if a.provider.is_some() && a.provider == b.provider {
        return Tri::Yes;
    }
    match (g.account_of(a), g.account_of(b)) {
        (Some(x), Some(y)) => {
            if x == y {
                Tri::Yes
            } else {
                Tri::No
            }
        }
        _ => Tri::Maybe,
    }
}

/// The account field of an ARN written as a string literal or a template
/// (`"arn:aws:backup:eu-west-1:${data.aws_caller_identity.current.account_id}:..."`).
fn account_field(text: &str) -> Option<&str> {
    let text = text.trim();
    let text = text.strip_prefix('"')?.strip_suffix('"')?;
    let mut parts = text.splitn(6, ':');
    let first = parts.next()?;
    (first == "arn").then_some(())?;
    parts.nth(3)
}

/// Whether a `copy_action`'s `destination_vault_arn` is in the same account as `vault`
/// (the target vault of the rule in `plan`): `Yes` same account, `No` another account.
pub fn destination_in_vault_account(
    dest: Option<&EvalAttr>,
    plan: &Instance,
    vault: &Instance,
    g: &Graph,
) -> Tri {
    let Some(dest) = dest else {
        return Tri::Maybe;
    };
    let account = match &dest.value {
        Value::String(arn) => arn.split(':').nth(4).map(str::to_string),
        _ => None,
    };
    if let Some(account) = account {
        return match g.account_of(vault) {
            Some(a) if a == account => Tri::Yes,
            Some(_) => Tri::No,
            None => Tri::Maybe,
        };
    }
    // A reference to vaults this configuration creates.
    if let Some(dests) = only_vault_refs(&dest.value, g) {
        let all: Vec<Tri> = dests.iter().map(|d| same_account(d, vault, g)).collect();
        return if all.iter().all(|t| *t == Tri::Yes) {
            Tri::Yes
        } else if all.iter().all(|t| *t == Tri::No) {
            Tri::No
        } else {
            Tri::Maybe
        };
    }
    // An ARN template whose account field is the caller's own account.
    let Some(field) = dest.source.as_deref().and_then(account_field) else {
        return Tri::Maybe;
    };
    let Some(name) = field
        .strip_prefix("${data.aws_caller_identity.")
        .and_then(|f| f.strip_suffix(".account_id}"))
        .filter(|n| {
            n.chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        })
    else {
        return Tri::Maybe;
    };
    let address = format!(
        "{}data.aws_caller_identity.{name}",
        module_prefix(&plan.base)
    );
    let callers = g.by_base(&address);
    match callers.as_slice() {
        [caller] => same_account(caller, vault, g),
        _ => Tri::Maybe,
    }
}

#[cfg(test)]
mod tests {
    use super::{account_field, module_prefix};

    #[test]
    fn prefixes_and_account_fields() {
        assert_eq!(module_prefix("aws_backup_plan.x"), "");
        assert_eq!(
            module_prefix("module.a.module.b[\"k\"].aws_backup_plan.x"),
            "module.a.module.b[\"k\"]."
        );
        assert_eq!(
            account_field("\"arn:aws:backup:eu-west-1:${data.aws_caller_identity.current.account_id}:backup-vault:dr\""),
            Some("${data.aws_caller_identity.current.account_id}")
        );
        assert_eq!(account_field("local.arn"), None);
    }
}
