use super::shared::subnets_in_one_zone;
use super::{quote, Rule, RuleCtx};
use crate::eval::{EvalBody, Instance};
use crate::value::Value;

declare_rule! {
    /// ## What it does
    /// Checks that an `aws_eks_node_group` can place nodes in more than one Availability
    /// Zone: its `subnet_ids` are flagged when they all lie in one zone (a single subnet,
    /// or `aws_subnet` resources or data sources of the configuration with the same
    /// `availability_zone`; see RC107 for how subnets are followed). Subnets whose zones
    /// cannot be known are not reported.
    ///
    /// The "one node group per zone" pattern (for EBS-backed workloads, and the
    /// cluster-autoscaler's balancing) is not reported: a single-zone node group with a
    /// *sibling* in another zone is fine. Siblings are node groups of the same cluster
    /// (`cluster_name`) that differ only by their subnets: the same `instance_types`,
    /// `capacity_type`, `ami_type`, `disk_size`, `labels` (a label whose value names each
    /// group's own zone, such as `zone = "eu-west-1a"`, counts as the same), `taint`
    /// blocks and `scaling_config`; `count`/`for_each` instances of one node group are siblings of
    /// each other. A single-zone node group beside node groups that differ in any of these
    /// (a GPU group next to the general-purpose one) is reported, as in the example. Where
    /// a value that decides it cannot be known, nothing is reported.
    ///
    /// ## Why is this bad?
    /// Every node of the group runs in one zone: when the zone fails, all pods scheduled
    /// on the group go down at once and the group cannot launch replacement nodes
    /// anywhere else.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_eks_node_group" "general" {
    ///   cluster_name   = aws_eks_cluster.main.name
    ///   instance_types = ["m6i.large"]
    ///   subnet_ids     = [aws_subnet.private_a.id, aws_subnet.private_b.id]
    /// }
    /// resource "aws_eks_node_group" "workers" {
    ///   cluster_name   = aws_eks_cluster.main.name
    ///   instance_types = ["g5.xlarge"]
    ///   subnet_ids     = [aws_subnet.private_a.id]
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_eks_node_group" "workers" {
    ///   cluster_name = aws_eks_cluster.main.name
    ///   subnet_ids   = [aws_subnet.private_a.id, aws_subnet.private_b.id]
    /// }
    /// ```
    ///
    /// ## References
    /// - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/eks_node_group#subnet_ids
    /// - https://docs.aws.amazon.com/eks/latest/best-practices/data-plane.html
    pub struct EksNodeGroupSingleAz {
        id: "RC121",
        name: "eks-node-group-single-az",
        category: MultiAz,
        severity: Warning,
        types: ["aws_eks_node_group"],
    }
}

/// Whether two bodies agree on `attrs`: `None` when a value is unknown.
fn same(a: &EvalBody, b: &EvalBody, attrs: &[&str]) -> Option<bool> {
    let mut known = true;
    for name in attrs {
        let (x, y) = (a.value(name), b.value(name));
        if x.is_some_and(Value::contains_unknown) || y.is_some_and(Value::contains_unknown) {
            known = false;
        } else if x != y {
            return Some(false);
        }
    }
    known.then_some(true)
}

/// The `taint` blocks of a node group as (key, value, effect) values, sorted.
fn taints(body: &EvalBody) -> Vec<Vec<Option<Value>>> {
    let mut out: Vec<Vec<Option<Value>>> = body
        .blocks("taint")
        .map(|t| {
            ["key", "value", "effect"]
                .iter()
                .map(|k| t.body.value(k).cloned())
                .collect()
        })
        .collect();
    out.sort_by_key(|t| format!("{t:?}"));
    out
}

/// Whether two node groups' `labels` agree, a label whose value names each group's own
/// zone (`zone = "eu-west-1a"` / `"eu-west-1b"`) counting as the same: `None` when unknown.
fn same_labels(
    a: Option<&Value>,
    b: Option<&Value>,
    zones: (Option<&str>, Option<&str>),
) -> Option<bool> {
    fn map<'v>(
        v: Option<&'v Value>,
        empty: &'v std::collections::BTreeMap<String, Value>,
    ) -> Option<&'v std::collections::BTreeMap<String, Value>> {
        match v {
            None => Some(empty),
            Some(Value::Map(m)) => Some(m),
            Some(_) => None,
        }
    }
    let empty = std::collections::BTreeMap::new();
    let (ma, mb) = (map(a, &empty)?, map(b, &empty)?);
    if ma.keys().ne(mb.keys()) {
        return Some(false);
    }
    let mut known = true;
    for (k, va) in ma {
        let vb = &mb[k];
        if va.contains_unknown() || vb.contains_unknown() {
            known = false;
            continue;
        }
        let own_zone = match (zones, va.as_str(), vb.as_str()) {
            ((Some(za), Some(zb)), Some(x), Some(y)) => x.contains(za) && y.contains(zb),
            _ => false,
        };
        if va != vb && !own_zone {
            return Some(false);
        }
    }
    known.then_some(true)
}

/// Whether two node groups of a cluster differ only by their subnets: `None` when a value
/// that decides it is unknown.
fn siblings(a: &Instance, b: &Instance, zones: (Option<&str>, Option<&str>)) -> Option<bool> {
    const ATTRS: &[&str] = &["instance_types", "capacity_type", "ami_type", "disk_size"];
    let attrs = same(&a.body, &b.body, ATTRS).and_then(|same| {
        let labels = same_labels(a.body.value("labels"), b.body.value("labels"), zones);
        labels.map(|l| same && l)
    });
    let attrs = match (same(&a.body, &b.body, ATTRS), attrs) {
        (Some(false), _) => Some(false),
        (_, x) => x,
    };
    let empty = EvalBody::default();
    let sa = a.body.block("scaling_config").map(|s| &s.body);
    let sb = b.body.block("scaling_config").map(|s| &s.body);
    let sc = same(
        sa.unwrap_or(&empty),
        sb.unwrap_or(&empty),
        &["desired_size", "min_size", "max_size"],
    );
    let (ta, tb) = (taints(&a.body), taints(&b.body));
    let unknown_taint = |t: &Vec<Vec<Option<Value>>>| {
        t.iter()
            .flatten()
            .any(|v| v.as_ref().is_some_and(Value::contains_unknown))
    };
    let taint = if unknown_taint(&ta) || unknown_taint(&tb) {
        None
    } else {
        Some(ta == tb)
    };
    if [attrs, sc, taint].contains(&Some(false)) {
        Some(false)
    } else if [attrs, sc, taint].iter().all(|x| *x == Some(true)) {
        Some(true)
    } else {
        None
    }
}

impl Rule for EksNodeGroupSingleAz {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        let Some(a) = inst.body.attr("subnet_ids") else {
            return;
        };
        let Some(one) = subnets_in_one_zone(&a.value, cx.graph) else {
            return;
        };
        // A sibling (see the documentation) that may run in another zone.
        for other in cx.graph.of_type("aws_eks_node_group") {
            let other_zone = other
                .body
                .value("subnet_ids")
                .and_then(|v| subnets_in_one_zone(v, cx.graph))
                .and_then(|o| o.zone);
            let zones = (one.zone.as_deref(), other_zone.as_deref());
            if other.address == inst.address
                || same(&inst.body, &other.body, &["cluster_name"]) == Some(false)
                || siblings(inst, other, zones) == Some(false)
            {
                continue;
            }
            if one.zone.is_none() || other_zone != one.zone {
                return;
            }
        }
        cx.report(
            self,
            inst,
            Some(a),
            format!(
                "subnet_ids is {}: {}, so every node runs in one Availability Zone",
                quote(a),
                one.describe()
            ),
            "list subnets in at least two Availability Zones in `subnet_ids`",
        );
    }
}
