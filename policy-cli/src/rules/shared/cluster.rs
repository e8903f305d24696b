//! Cluster membership: the instances of a cluster (by reference or literal identifier),
//! Application Auto Scaling minimums, and the report of a cluster with too few instances.

use super::super::{Rule, RuleCtx};
use crate::eval::Instance;
use crate::graph::Graph;

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
