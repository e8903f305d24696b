//! Which resources an AWS Backup selection and a DLM lifecycle policy select, as AWS
//! would, in three values (an unknown part makes the answer "maybe", never a guess).
//!
//! An `aws_backup_selection` (AWS Backup `BackupSelection`):
//! - `resources` (ARNs, wildcards such as `arn:aws:elasticfilesystem:*:*:file-system/*`,
//!   `*`) and `selection_tag`s (`ListOfTags`, `STRINGEQUALS`) are ORed: any matching ARN or
//!   any matching tag selects;
//! - `condition` blocks (`Conditions`: `string_equals`, `string_like`, `string_not_equals`,
//!   `string_not_like` on `aws:ResourceTag/<key>`) must all hold (AND), together with the
//!   above;
//! - `not_resources` removes what it matches;
//! - with neither `resources` nor `selection_tag`, the conditions alone select; with
//!   nothing at all AWS Backup selects "all supported and opted-in" resources, which
//!   depends on the account's opt-in settings: maybe.
//!
//! Sources: the AWS Backup API reference (`BackupSelection`: "If you specify multiple
//! conditions, the resources much match all conditions (AND logic)"; `ListOfTags`), and the
//! AWS knowledge-center examples of `create-backup-selection` ("Resources and Conditions
//! are combined using AND", "Resources and ListOfTags are combined using OR").
//!
//! A DLM `aws_dlm_lifecycle_policy` counts when its `state` is `ENABLED` (the default) and
//! the resource carries its `target_tags`: all of them selects, none of them does not, some
//! of them is left as maybe (so the answer holds whether AWS requires one tag or all).

use super::super::setting;
use crate::eval::{EvalBody, Instance};
use crate::graph::Graph;
use crate::value::Value;

/// Three-valued membership.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Tri {
    Yes,
    No,
    Maybe,
}

impl Tri {
    pub fn or(self, o: Tri) -> Tri {
        match (self, o) {
            (Tri::Yes, _) | (_, Tri::Yes) => Tri::Yes,
            (Tri::No, Tri::No) => Tri::No,
            _ => Tri::Maybe,
        }
    }

    pub fn and(self, o: Tri) -> Tri {
        match (self, o) {
            (Tri::No, _) | (_, Tri::No) => Tri::No,
            (Tri::Yes, Tri::Yes) => Tri::Yes,
            _ => Tri::Maybe,
        }
    }

    pub fn negate(self) -> Tri {
        match self {
            Tri::Yes => Tri::No,
            Tri::No => Tri::Yes,
            Tri::Maybe => Tri::Maybe,
        }
    }

    pub fn of(b: bool) -> Tri {
        if b {
            Tri::Yes
        } else {
            Tri::No
        }
    }
}

/// The resource's tags as AWS sees them (see `backup::tags`); `None` when unknown.
pub type Tags<'t> = Option<&'t [(String, String)]>;

/// What of a resource's ARN is known: `arn:<partition>:<service>:<region>:<account>:<resource>`
/// with the region and account of its provider configuration when known (the partition
/// follows from the region), and the resource part's known beginning (`file-system/`, or
/// `table/orders` when the whole of it is known).
struct ArnShape {
    partition: Option<String>,
    service: &'static str,
    region: Option<String>,
    account: Option<String>,
    resource: String,
    complete: bool,
}

/// The partition of a region: `cn-north-1` is in `aws-cn`, `us-gov-west-1` in
/// `aws-us-gov`, the commercial regions in `aws`; `None` for others.
fn partition(region: &str) -> Option<&'static str> {
    if region.starts_with("cn-") {
        Some("aws-cn")
    } else if region.starts_with("us-gov-") {
        Some("aws-us-gov")
    } else if region.starts_with("us-iso") || region.starts_with("eusc-") {
        None
    } else {
        Some("aws")
    }
}

fn arn_shape(inst: &Instance, g: &Graph) -> Option<ArnShape> {
    let region = g.region_of(inst);
    let account = g.account_of(inst);
    let shape = |service, resource: String, complete| {
        Some(ArnShape {
            partition: region.as_deref().and_then(partition).map(str::to_string),
            service,
            region: region.clone(),
            account: account.clone(),
            resource,
            complete,
        })
    };
    let part = |service, resource: &str| shape(service, resource.to_string(), false);
    match inst.rtype.as_str() {
        "aws_ebs_volume" => part("ec2", "volume/"),
        "aws_instance" => part("ec2", "instance/"),
        "aws_efs_file_system" => part("elasticfilesystem", "file-system/"),
        t if t.starts_with("aws_fsx_") => part("fsx", "file-system/"),
        "aws_dynamodb_table" => match inst.body.value("name").and_then(Value::as_str) {
            Some(name) => shape("dynamodb", format!("table/{name}"), true),
            None => part("dynamodb", "table/"),
        },
        _ => None,
    }
}

/// Glob match (`*` any run, `?` one character) of `pattern` against a string of which
/// `known` is the beginning; `complete` when `known` is the whole string.
fn glob(pattern: &str, known: &str, complete: bool) -> Tri {
    let p: Vec<char> = pattern.chars().collect();
    // The pattern positions reachable after consuming `known` (an NFA over the pattern).
    let closure = |set: &mut Vec<usize>| {
        let mut i = 0;
        while i < set.len() {
            let s = set[i];
            if p.get(s) == Some(&'*') && !set.contains(&(s + 1)) {
                set.push(s + 1);
            }
            i += 1;
        }
    };
    let mut states = vec![0usize];
    closure(&mut states);
    for c in known.chars() {
        let mut next = Vec::new();
        for &s in &states {
            match p.get(s) {
                Some('*') => next.push(s),
                Some('?') => next.push(s + 1),
                Some(&x) if x == c => next.push(s + 1),
                _ => {}
            }
        }
        next.sort_unstable();
        next.dedup();
        closure(&mut next);
        states = next;
        if states.is_empty() {
            return Tri::No;
        }
    }
    let only_stars = |s: usize| p[s.min(p.len())..].iter().all(|c| *c == '*');
    if states.iter().any(|&s| only_stars(s)) {
        // Also matches whatever follows (an unknown rest, when not complete).
        Tri::Yes
    } else if complete {
        Tri::No
    } else {
        Tri::Maybe
    }
}

/// Whether an ARN pattern of `resources`/`not_resources` matches the resource.
fn arn_matches(pattern: &str, shape: Option<&ArnShape>) -> Tri {
    if pattern.chars().all(|c| c == '*') {
        return Tri::Yes;
    }
    let Some(shape) = shape else {
        return Tri::Maybe;
    };
    let parts: Vec<&str> = pattern.splitn(6, ':').collect();
    let [arn, partition, service, region, account, resource] = parts.as_slice() else {
        return Tri::Maybe;
    };
    let known = |pattern: &str, v: &Option<String>| match v {
        Some(v) => glob(pattern, v, true),
        None => glob(pattern, "", false),
    };
    glob(arn, "arn", true)
        .and(known(partition, &shape.partition))
        .and(glob(service, shape.service, true))
        .and(known(region, &shape.region))
        .and(known(account, &shape.account))
        .and(glob(resource, &shape.resource, shape.complete))
}

/// Whether a list of `resources`/`not_resources` names the instance: `None` when unset or
/// empty.
fn list_matches(v: Option<&Value>, inst: &Instance, g: &Graph) -> Option<Tri> {
    let v = v?;
    let items: Vec<&Value> = match v {
        Value::List(l) if l.is_empty() => return None,
        Value::List(l) => l.iter().collect(),
        other => vec![other],
    };
    let shape = arn_shape(inst, g);
    let mut out = Tri::No;
    for it in items {
        let m = match it {
            Value::String(p) => arn_matches(p, shape.as_ref()),
            Value::Unknown(_) | Value::List(_) | Value::Map(_) => {
                if it.refers_to_instance(&inst.base, &inst.address) {
                    Tri::Yes
                } else if it.contains_opaque_unknown() || it.contains_error() {
                    Tri::Maybe
                } else if it.contains_unknown() {
                    // Derived from other resources only.
                    Tri::No
                } else {
                    Tri::Maybe
                }
            }
            _ => Tri::Maybe,
        };
        out = out.or(m);
    }
    Some(out)
}

fn known_str(body: &EvalBody, attr: &str) -> Option<String> {
    body.value(attr).and_then(Value::to_str)
}

/// Whether the resource's tag `key` equals / is like `value`.
fn tag_test(tags: Tags, key: &str, value: &str, like: bool) -> Tri {
    let Some(tags) = tags else {
        return Tri::Maybe;
    };
    match tags.iter().find(|(k, _)| k == key) {
        None => Tri::No,
        Some((_, v)) if like => glob(value, v, true),
        Some((_, v)) => Tri::of(v == value),
    }
}

/// Whether the selection's provider configuration and the resource's are provably in
/// different regions or accounts: AWS Backup selects in its own region and account only.
fn elsewhere(sel: &Instance, inst: &Instance, g: &Graph) -> bool {
    let differ =
        |a: Option<String>, b: Option<String>| matches!((a, b), (Some(a), Some(b)) if a != b);
    differ(g.region_of(sel), g.region_of(inst)) || differ(g.account_of(sel), g.account_of(inst))
}

/// Whether an `aws_backup_selection` selects the instance.
pub fn selection_selects(sel: &Instance, inst: &Instance, tags: Tags, g: &Graph) -> Tri {
    if elsewhere(sel, inst, g) {
        return Tri::No;
    }
    let body = &sel.body;
    let resources = list_matches(body.value("resources"), inst, g);
    let mut by_tag: Option<Tri> = None;
    for t in body.blocks("selection_tag") {
        // `STRINGEQUALS` is the only type the API accepts: an unset or unknown one is it.
        let ty = known_str(&t.body, "type");
        let m = match (known_str(&t.body, "key"), known_str(&t.body, "value")) {
            (Some(k), Some(v)) if ty.is_none_or(|t| t == "STRINGEQUALS") => {
                tag_test(tags, &k, &v, false)
            }
            _ => Tri::Maybe,
        };
        by_tag = Some(by_tag.unwrap_or(Tri::No).or(m));
    }
    let mut conditions: Option<Tri> = None;
    for c in body.blocks("condition") {
        for (op, like, negate) in [
            ("string_equals", false, false),
            ("string_like", true, false),
            ("string_not_equals", false, true),
            ("string_not_like", true, true),
        ] {
            for b in c.body.blocks(op) {
                let m = match (known_str(&b.body, "key"), known_str(&b.body, "value")) {
                    (Some(k), Some(v)) => match k.strip_prefix("aws:ResourceTag/") {
                        Some(key) => {
                            let t = tag_test(tags, key, &v, like);
                            // A missing tag under a negated operator: not documented.
                            let missing = tags.is_some_and(|t| !t.iter().any(|(x, _)| x == key));
                            if negate && missing {
                                Tri::Maybe
                            } else if negate {
                                t.negate()
                            } else {
                                t
                            }
                        }
                        None => Tri::Maybe,
                    },
                    _ => Tri::Maybe,
                };
                conditions = Some(conditions.unwrap_or(Tri::Yes).and(m));
            }
        }
    }
    let included = match (resources, by_tag) {
        (None, None) => match conditions {
            // Nothing at all: every supported and opted-in resource (account settings).
            None => Tri::Maybe,
            Some(c) => c,
        },
        (r, t) => {
            let base = r.unwrap_or(Tri::No).or(t.unwrap_or(Tri::No));
            base.and(conditions.unwrap_or(Tri::Yes))
        }
    };
    let excluded = list_matches(body.value("not_resources"), inst, g).unwrap_or(Tri::No);
    let m = included.and(excluded.negate());
    if m != Tri::No && !sel.count_known {
        Tri::Maybe
    } else {
        m
    }
}

/// Whether an `aws_dlm_lifecycle_policy` snapshots the instance (an EBS volume or an EC2
/// instance).
pub fn dlm_selects(policy: &Instance, inst: &Instance, tags: Tags, g: &Graph) -> Tri {
    if elsewhere(policy, inst, g) {
        return Tri::No;
    }
    let state = match setting(&policy.body, "state", Value::String("ENABLED".into())) {
        None => return Tri::Maybe,
        Some((v, _)) => v.as_str().map(str::to_string),
    };
    match state.as_deref() {
        Some("ENABLED") => {}
        Some(_) => return Tri::No,
        None => return Tri::Maybe,
    }
    let Some(pd) = policy.body.block("policy_details") else {
        return Tri::No;
    };
    let kind = if inst.rtype == "aws_ebs_volume" {
        "VOLUME"
    } else {
        "INSTANCE"
    };
    match pd.body.value("resource_types") {
        // A volume of a targeted instance, or an instance's tagged volumes.
        Some(Value::List(l))
            if l.iter().all(|v| v.as_str().is_some())
                && !l.iter().any(|v| v.as_str() == Some(kind)) =>
        {
            return Tri::Maybe;
        }
        Some(Value::List(l)) if l.iter().all(|v| v.as_str().is_some()) => {}
        None => {}
        Some(_) => return Tri::Maybe,
    }
    let m = match pd.body.value("target_tags") {
        None => return Tri::No,
        Some(Value::Map(m)) if !m.is_empty() => m,
        Some(Value::Map(_)) => return Tri::No,
        Some(_) => return Tri::Maybe,
    };
    let mut results = Vec::new();
    for (k, v) in m {
        match v.to_str() {
            Some(v) => results.push(tag_test(tags, k, &v, false)),
            None => results.push(Tri::Maybe),
        }
    }
    let m = if results.iter().all(|r| *r == Tri::Yes) {
        Tri::Yes
    } else if results.iter().all(|r| *r == Tri::No) {
        Tri::No
    } else {
        Tri::Maybe
    };
    if m != Tri::No && !policy.count_known {
        Tri::Maybe
    } else {
        m
    }
}

#[cfg(test)]
mod tests {
    use super::{glob, Tri};

    #[test]
    fn glob_over_a_known_beginning() {
        assert_eq!(glob("file-system/*", "file-system/", false), Tri::Yes);
        assert_eq!(glob("volume/*", "file-system/", false), Tri::No);
        assert_eq!(glob("file-system/fs-1", "file-system/", false), Tri::Maybe);
        assert_eq!(glob("table/orders", "table/orders", true), Tri::Yes);
        assert_eq!(glob("table/ord*", "table/orders", true), Tri::Yes);
        assert_eq!(glob("table/users", "table/orders", true), Tri::No);
        assert_eq!(glob("*", "", false), Tri::Yes);
        assert_eq!(glob("eu-west-1", "", false), Tri::Maybe);
    }
}
