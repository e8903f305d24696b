//! Helpers shared by several rules (a rule does not import another rule): replica
//! detection, page alerts, SLO tiers and labels, durations, DynamoDB PITR, Google Cloud
//! zones; the zones of subnets, the instances of a cluster, backup coverage; the reports
//! that several rules make alike (one zone, too few zones, too few cluster instances).

use super::{setting, Rule, RuleCtx};
use crate::eval::{EvalAttr, EvalBody, Instance};
use crate::graph::Graph;
use crate::value::Value;

/// Whether a replica's source attribute (`replicate_source_db`,
/// `replication_source_identifier`, `master_instance_name`) makes the resource a replica: set, and neither null nor
/// the empty string (modules default it to `""` for "not a replica"). Unknown counts as a
/// replica: the resource may be one.
pub fn is_replica_of(body: &EvalBody, source_attr: &str) -> bool {
    body.attr(source_attr)
        .is_some_and(|a| !a.value.is_null() && a.value.as_str() != Some(""))
}

/// Whether a `reliability_alert` pages: `None` when its severity is unknown.
pub fn is_page(body: &EvalBody) -> Option<bool> {
    match body.value("severity") {
        None | Some(Value::Null) => Some(false),
        Some(v) => v.as_str().map(|s| s.eq_ignore_ascii_case("page")),
    }
}

/// Seconds in a Prometheus duration (`1h30m`, `500ms`, `0`); `None` when it is not one.
pub fn duration_secs(s: &str) -> Option<f64> {
    let s = s.trim();
    if s == "0" {
        return Some(0.0);
    }
    if s.is_empty() {
        return None;
    }
    let mut total = 0.0;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let n: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let unit = match &rest[..unit_len] {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86400.0,
            "w" => 7.0 * 86400.0,
            "y" => 365.0 * 86400.0,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += n * unit;
    }
    Some(total)
}

/// Whether the `which` tier of an `alerting` body is disabled: `Some(true)`, `Some(false)`
/// (on, also by default), `None` when unknown.
pub fn tier_disabled(alerting: Option<&EvalBody>, which: &str) -> Option<bool> {
    let Some(tier) = alerting.and_then(|a| a.block(which)) else {
        return Some(false);
    };
    match tier.body.value("disabled") {
        None | Some(Value::Null) => Some(false),
        Some(v) => v.as_bool(),
    }
}

/// PITR state of a table: `Some(true/false)` or unknown.
pub fn pitr_enabled(inst: &Instance) -> Option<bool> {
    match inst.body.block("point_in_time_recovery") {
        None => Some(false),
        Some(b) => setting(&b.body, "enabled", Value::Bool(false)).and_then(|(v, _)| v.as_bool()),
    }
}

/// The service tier from `labels.tier` (`"1"`, `1`, `"tier1"`, `"tier-1"`, `"Tier_1"`):
/// `Some(None)` when absent or not a tier number, `None` when unknown.
pub fn tier(body: &EvalBody) -> Option<Option<u32>> {
    let t = label(body, "tier")?;
    Some(t.and_then(|t| {
        let t = t.trim().to_ascii_lowercase();
        let t = t.strip_prefix("tier").unwrap_or(&t);
        let t = t.strip_prefix(['-', '_', ' ']).unwrap_or(t);
        t.parse().ok()
    }))
}

/// A label of `body.labels`: `Some(None)` when the labels or the key are absent, `None` when
/// unknown.
pub fn label(body: &EvalBody, key: &str) -> Option<Option<String>> {
    match body.value("labels") {
        None | Some(Value::Null) => Some(None),
        Some(Value::Map(m)) => match m.get(key) {
            None | Some(Value::Null) => Some(None),
            Some(v) => v.to_str().map(Some),
        },
        Some(_) => None,
    }
}

/// A list of subnets that provably puts everything in one Availability Zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneZone {
    /// The zone (name or id) when the subnets' zones are known.
    pub zone: Option<String>,
    /// The list has exactly one subnet.
    pub single_subnet: bool,
}

impl OneZone {
    /// For a message: `a single subnet`, `every subnet is in eu-west-1a`.
    pub fn describe(&self) -> String {
        match (&self.zone, self.single_subnet) {
            (Some(z), true) => format!("a single subnet (in {z})"),
            (None, true) => "a single subnet".to_string(),
            (Some(z), false) => format!("every subnet is in {z}"),
            (None, false) => "every subnet is in the same zone".to_string(),
        }
    }
}

/// The zone of one `aws_subnet` (resource or data source): `(is_id, zone)`, `None` when
/// unknown.
fn subnet_zone(inst: &Instance) -> Option<(bool, String)> {
    if inst.rtype != "aws_subnet" || !inst.count_known {
        return None;
    }
    if let Some(z) = inst.body.value("availability_zone") {
        return z.as_str().map(|z| (false, z.to_string()));
    }
    inst.body
        .value("availability_zone_id")
        .and_then(|z| z.as_str())
        .map(|z| (true, z.to_string()))
}

/// Every zone the subnets in `v` may lie in, or `None` when one of them cannot be known.
/// A reference to a subnet with `count`/`for_each` stands for any of its instances, so
/// `aws_subnet.private[*].id` and `[for s in aws_subnet.private : s.id]` give the zones of
/// all of them (a filtering `for` can only pick fewer).
fn possible_zones(v: &Value, g: &Graph, out: &mut Vec<(bool, String)>) -> Option<()> {
    match v {
        Value::List(items) => {
            for it in items {
                possible_zones(it, g, out)?;
            }
            Some(())
        }
        Value::Unknown(refs) if !refs.is_empty() && !v.contains_opaque_unknown() => {
            for r in refs {
                let insts = g.resolve(r);
                if insts.is_empty() {
                    return None;
                }
                for i in insts {
                    let z = subnet_zone(i)?;
                    if !out.contains(&z) {
                        out.push(z);
                    }
                }
            }
            Some(())
        }
        // Literal subnet ids, nulls, opaque unknowns: the zone cannot be known.
        _ => None,
    }
}

/// Whether a list of subnets (`vpc_zone_identifier`, `subnet_ids`, `subnets`) keeps
/// everything in one Availability Zone: a single subnet, or subnets (`aws_subnet` resources
/// or data sources of this configuration) whose `availability_zone` /
/// `availability_zone_id` are all the same. `None` when they may be spread or their zones
/// cannot be known.
pub fn subnets_in_one_zone(v: &Value, g: &Graph) -> Option<OneZone> {
    let single = match v.as_list() {
        Some([one]) => !matches!(one, Value::List(_) | Value::Map(_) | Value::Null),
        _ => false,
    };
    let mut zones = Vec::new();
    let known = possible_zones(v, g, &mut zones).is_some();
    let zone = match zones.as_slice() {
        [(_, z)] if known => Some(z.clone()),
        _ => None,
    };
    if single || zone.is_some() {
        Some(OneZone {
            zone,
            single_subnet: single,
        })
    } else {
        None
    }
}

/// Reports `list_attr` when it is a list of subnets that keeps everything in one
/// Availability Zone: `<label> is <value>: <why>, so <who> runs in one Availability Zone`.
pub fn report_subnets_in_one_zone(
    rule: &dyn Rule,
    inst: &Instance,
    cx: &mut RuleCtx,
    list_attr: &EvalAttr,
    label: &str,
    who: &str,
    help: &str,
) {
    if let Some(one) = subnets_in_one_zone(&list_attr.value, cx.graph) {
        cx.report(
            rule,
            inst,
            Some(list_attr),
            format!(
                "{label} is {}: {}, so {who} runs in one Availability Zone",
                super::quote(list_attr),
                one.describe()
            ),
            help,
        );
    }
}

/// Reports `availability_zones` when it is a known list of a single zone (repeats aside):
/// `availability_zones is <value>: <rest>`.
pub fn report_single_zone_list(rule: &dyn Rule, inst: &Instance, cx: &mut RuleCtx, rest: &str) {
    let Some(a) = inst.body.attr("availability_zones") else {
        return;
    };
    let zones: Option<Vec<&str>> = a
        .value
        .as_list()
        .and_then(|l| l.iter().map(|z| z.as_str()).collect());
    if let Some(mut zones) = zones {
        zones.sort_unstable();
        zones.dedup();
        if zones.len() == 1 {
            cx.report_attr(
                rule,
                inst,
                a,
                &format!(": {rest}"),
                "list at least two Availability Zones in `availability_zones`",
            );
        }
    }
}

/// Reports an Azure list-of-zones attribute (`zones`) that is absent, null or has fewer than
/// two zones: `zones is not set (provider default: no zones): <unset>` or
/// `<name> is <value>: <what> is not spread over zones`.
pub fn report_few_zones(
    rule: &dyn Rule,
    inst: &Instance,
    cx: &mut RuleCtx,
    zones: Option<&EvalAttr>,
    unset: &str,
    what: &str,
    help: &str,
) {
    match zones {
        None => cx.report(
            rule,
            inst,
            None,
            format!("zones is not set (provider default: no zones): {unset}"),
            help,
        ),
        Some(a) if a.value.is_null() || a.value.as_list().is_some_and(|l| l.len() < 2) => cx
            .report_attr(
                rule,
                inst,
                a,
                &format!(": {what} is not spread over zones"),
                help,
            ),
        Some(_) => {}
    }
}

/// The readers Application Auto Scaling keeps at least: the sum of `min_capacity` of the
/// `aws_appautoscaling_target`s on `cluster` with `scalable_dimension = dimension`. `None`
/// when one of them cannot be known.
pub fn autoscaled_min(g: &Graph, cluster: &Instance, dimension: &str) -> Option<usize> {
    let mut n = 0usize;
    for t in g.referrers_of(cluster, "aws_appautoscaling_target") {
        if t.body.value("scalable_dimension").and_then(|v| v.as_str()) != Some(dimension) {
            continue;
        }
        match t.body.value("min_capacity").and_then(|v| v.as_number()) {
            Some(m) if t.count_known => n += m.max(0.0) as usize,
            _ => return None,
        }
    }
    Some(n)
}

/// Reports a cluster with fewer than two `member_type` instances (see [`members_message`]).
pub fn report_few_members(
    rule: &dyn Rule,
    inst: &Instance,
    cx: &mut RuleCtx,
    kind: &str,
    count: usize,
    member_type: &str,
) {
    if count < 2 {
        cx.report(
            rule,
            inst,
            None,
            members_message(kind, &inst.address, count, member_type),
            format!("run at least two {member_type} resources for this cluster (e.g. `count = 2`)"),
        );
    }
}

/// Reports a `reliability_backup_plan` without a `block` block:
/// ``backup plan `x` has no <block>: <consequence>``.
pub fn report_missing_plan_block(
    rule: &dyn Rule,
    inst: &Instance,
    cx: &mut RuleCtx,
    block: &str,
    consequence: &str,
    help: &str,
) {
    if inst.body.block(block).is_none() {
        let message = format!(
            "backup plan `{}` has no {block}: {consequence}",
            inst.address
        );
        cx.report(rule, inst, None, message, help);
    }
}

/// How many `member_type` instances (`aws_rds_cluster_instance`, `aws_docdb_cluster_instance`,
/// ...) belong to `cluster`: their `cluster_identifier` refers to it, or equals its literal
/// `cluster_identifier`. `count`/`for_each` instances count one each. `None` when it cannot
/// be known (an instance with unknown `count`, or whose `cluster_identifier` could be
/// anything).
pub fn cluster_members(g: &Graph, cluster: &Instance, member_type: &str) -> Option<usize> {
    let literal_id = cluster
        .body
        .value("cluster_identifier")
        .and_then(|v| v.as_str());
    let mut count = 0usize;
    for i in g.of_type(member_type) {
        let Some(cid) = i.body.attr("cluster_identifier") else {
            continue;
        };
        let matches = cid
            .value
            .refers_to_instance(&cluster.base, &cluster.address)
            || (literal_id.is_some() && cid.value.as_str() == literal_id);
        if !matches {
            if cid.value.contains_opaque_unknown() {
                return None;
            }
            continue;
        }
        if !i.count_known {
            return None;
        }
        count += 1;
    }
    Some(count)
}

/// The message of a cluster with fewer than two instances:
/// ``Aurora cluster `x` has 1 aws_rds_cluster_instance: no reader in another zone ...``.
pub fn members_message(kind: &str, address: &str, count: usize, member_type: &str) -> String {
    match count {
        0 => format!(
            "{kind} `{address}` has no {member_type} in this configuration: no instance to serve it, let alone a replica in another zone to fail over to"
        ),
        1 => format!(
            "{kind} `{address}` has 1 {member_type}: no replica in another zone to fail over to"
        ),
        n => format!("{kind} `{address}` has {n} {member_type}s"),
    }
}

/// Tags of a resource as AWS sees them (`tags_all`): the `default_tags` of the provider
/// configuration it uses, overridden key by key by its own `tags`. `Some(pairs)`,
/// `Some(empty)` when untagged, `None` when unknown.
fn tags(body: &EvalBody, default_tags: Option<&Value>) -> Option<Vec<(String, String)>> {
    let mut out: std::collections::BTreeMap<String, String> = Default::default();
    match default_tags {
        None => {}
        Some(Value::Map(m)) => {
            for (k, v) in m {
                match v.to_str() {
                    Some(s) => {
                        out.insert(k.clone(), s);
                    }
                    None if v.is_null() => {}
                    None => return None,
                }
            }
        }
        Some(_) => return None,
    }
    match body.value("tags") {
        None => {}
        Some(Value::Map(m)) => {
            for (k, v) in m {
                match v.to_str() {
                    Some(s) => {
                        out.insert(k.clone(), s);
                    }
                    None if v.is_null() => {}
                    None => return None,
                }
            }
        }
        Some(_) => return None,
    }
    Some(out.into_iter().collect())
}

/// The tag conditions of a selection: `(key, value)` pairs (any one may match), or `None`
/// when one of them is unknown.
fn selection_tags(sel: &EvalBody) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    for t in sel.blocks("selection_tag") {
        let (Some(k), Some(v)) = (t.body.value("key"), t.body.value("value")) else {
            return None;
        };
        match (k.to_str(), v.to_str()) {
            (Some(k), Some(v)) => out.push((k, v)),
            _ => return None,
        }
    }
    for c in sel.blocks("condition") {
        for se in c.body.blocks("string_equals") {
            let (Some(k), Some(v)) = (se.body.value("key"), se.body.value("value")) else {
                return None;
            };
            match (k.to_str(), v.to_str()) {
                (Some(k), Some(v)) => {
                    let k = k.strip_prefix("aws:ResourceTag/").unwrap_or(&k).to_string();
                    out.push((k, v));
                }
                _ => return None,
            }
        }
    }
    Some(out)
}

/// Whether a resource is backed up (see RC206).
pub enum Cover {
    Yes,
    No,
    Unknown,
}

/// Whether a data store is backed up: by the service itself (DynamoDB PITR, EFS backup
/// policy, FSx automatic backups), an `aws_backup_selection` (by reference or tags), an
/// `aws_dlm_lifecycle_policy` or a `reliability_backup_plan`.
pub fn backup_cover(inst: &Instance, g: &Graph) -> Cover {
    let refers = |v: &Value| v.refers_to_instance(&inst.base, &inst.address);
    // Built-in backups.
    match inst.rtype.as_str() {
        "aws_dynamodb_table" => match pitr_enabled(inst) {
            Some(true) => return Cover::Yes,
            None => return Cover::Unknown,
            Some(false) => {}
        },
        "aws_efs_file_system" => {
            for p in g.referrers_of(inst, "aws_efs_backup_policy") {
                match p
                    .body
                    .block("backup_policy")
                    .and_then(|b| b.body.value("status"))
                {
                    Some(Value::String(s)) if s == "ENABLED" => return Cover::Yes,
                    Some(Value::String(_)) => {}
                    _ => return Cover::Unknown,
                }
            }
        }
        t if t.starts_with("aws_fsx_") => {
            let default = if t == "aws_fsx_windows_file_system" {
                7.0
            } else {
                0.0
            };
            match setting(
                &inst.body,
                "automatic_backup_retention_days",
                Value::Number(default),
            ) {
                None => return Cover::Unknown,
                Some((v, _)) if v.as_number().unwrap_or(0.0) > 0.0 => return Cover::Yes,
                _ => {}
            }
        }
        _ => {}
    }
    // By reference.
    for sel in g.referrers_of(inst, "aws_backup_selection") {
        if sel.body.value("resources").is_some_and(refers) {
            return Cover::Yes;
        }
    }
    for plan in g.referrers_of(inst, "reliability_backup_plan") {
        if plan.body.value("targets").is_some_and(refers) {
            return Cover::Yes;
        }
    }
    // By tags.
    let my_tags = tags(&inst.body, g.default_tags_of(inst));
    let mut unknown = false;
    for sel in g.of_type("aws_backup_selection") {
        if !sel.count_known {
            unknown = true;
        }
        if sel
            .body
            .value("resources")
            .is_some_and(|v| v.contains_opaque_unknown())
        {
            unknown = true;
        }
        match selection_tags(&sel.body) {
            None => unknown = true,
            Some(conds) if !conds.is_empty() => match &my_tags {
                None => unknown = true,
                Some(t) => {
                    if conds.iter().any(|c| t.contains(c)) {
                        return Cover::Yes;
                    }
                }
            },
            Some(_) => {}
        }
    }
    if matches!(inst.rtype.as_str(), "aws_ebs_volume" | "aws_instance") {
        for p in g.of_type("aws_dlm_lifecycle_policy") {
            let Some(pd) = p.body.block("policy_details") else {
                continue;
            };
            match pd.body.value("target_tags") {
                Some(Value::Map(m)) => {
                    let conds: Option<Vec<(String, String)>> = m
                        .iter()
                        .map(|(k, v)| v.to_str().map(|v| (k.clone(), v)))
                        .collect();
                    match (conds, &my_tags) {
                        (Some(c), Some(t)) if c.iter().all(|x| t.contains(x)) && !c.is_empty() => {
                            return Cover::Yes
                        }
                        (Some(_), Some(_)) => {}
                        _ => unknown = true,
                    }
                }
                None => {}
                Some(_) => unknown = true,
            }
        }
    }
    for plan in g.of_type("reliability_backup_plan") {
        if plan
            .body
            .value("targets")
            .is_some_and(|v| v.contains_opaque_unknown())
        {
            unknown = true;
        }
    }
    if unknown {
        Cover::Unknown
    } else {
        Cover::No
    }
}

/// A Google Cloud location: `europe-west1-b` is a zone, `europe-west1` a region.
pub fn is_zone(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 3
        && parts[1].chars().last().is_some_and(|c| c.is_ascii_digit())
        && parts[2].len() == 1
        && parts[2].chars().all(|c| c.is_ascii_lowercase())
}
