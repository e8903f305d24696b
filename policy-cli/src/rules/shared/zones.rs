//! Zones: the zones of subnets, single-zone lists, Azure zone lists, Google Cloud
//! locations; and the reports several multi-AZ rules make alike.

use super::super::{Rule, RuleCtx};
use crate::eval::{EvalAttr, Instance};
use crate::graph::Graph;
use crate::value::Value;

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
                super::super::quote(list_attr),
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
    let help = zoneless_region_help(rule, inst, cx.graph).unwrap_or_else(|| help.to_string());
    let help = help.as_str();
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

/// A Google Cloud location: `europe-west1-b` is a zone, `europe-west1` a region.
pub fn is_zone(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 3
        && parts[1].chars().last().is_some_and(|c| c.is_ascii_digit())
        && parts[2].len() == 1
        && parts[2].chars().all(|c| c.is_ascii_lowercase())
}

/// Azure regions without availability zones (programmatic names), from Microsoft's list of
/// Azure regions ("Availability zone support": N/A). A "set zones" finding in one of them
/// has no fix in place.
const AZURE_REGIONS_WITHOUT_ZONES: &[&str] = &[
    "australiacentral",
    "australiacentral2",
    "australiasoutheast",
    "brazilsoutheast",
    "canadaeast",
    "francesouth",
    "germanynorth",
    "jioindiacentral",
    "jioindiawest",
    "koreasouth",
    "northcentralus",
    "norwaywest",
    "southafricawest",
    "southindia",
    "switzerlandwest",
    "uaecentral",
    "ukwest",
    "westcentralus",
    "westindia",
    "westus",
];

/// The Azure location of a resource: its own `location`, or (a node pool) that of the
/// cluster its `kubernetes_cluster_id` names. `None` when not a known literal.
fn azure_location(inst: &Instance, g: &Graph) -> Option<String> {
    if let Some(l) = inst.body.value("location") {
        return l.as_str().map(str::to_string);
    }
    let id = inst.body.value("kubernetes_cluster_id")?;
    let mut refs = Vec::new();
    id.collect_refs(&mut refs);
    let [r] = refs.as_slice() else {
        return None;
    };
    let [cluster] = g.resolve(r)[..] else {
        return None;
    };
    cluster
        .body
        .value("location")
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// The help line of a "set zones" finding for a resource in a known Azure region without
/// availability zones (`West US` or `westus`): no zones to set there, so move or accept.
/// `None` when the region has zones or is not known.
pub fn zoneless_region_help(rule: &dyn Rule, inst: &Instance, g: &Graph) -> Option<String> {
    let location = azure_location(inst, g)?;
    let name: String = location
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    AZURE_REGIONS_WITHOUT_ZONES.contains(&name.as_str()).then(|| {
        format!(
            "region \"{location}\" has no availability zones, so zones cannot be set there: move it to a region with zones, or accept one datacenter and suppress this finding with the reason (`# relcheck:ignore {} -- ...`)",
            rule.meta().id
        )
    })
}
