//! Indexes over the instances of one root module: by type, by address, and who refers to
//! whom. Built once, so cross-resource rules never compare every pair.

use std::collections::HashMap;

use crate::eval::{EvalBody, Instance};

pub struct Graph<'a> {
    pub instances: &'a [Instance],
    by_type: HashMap<&'a str, Vec<usize>>,
    by_base: HashMap<&'a str, Vec<usize>>,
    /// Base address → instances whose attributes refer to it.
    referrers: HashMap<&'a str, Vec<usize>>,
    /// The AWS provider's `default_tags` (see [`crate::eval::RootResult::default_tags`]).
    pub default_tags: Option<crate::value::Value>,
}

fn body_refs<'a>(body: &'a EvalBody, out: &mut Vec<&'a str>) {
    for a in &body.attrs {
        a.value.collect_refs(out);
    }
    for b in &body.blocks {
        body_refs(&b.body, out);
    }
}

impl<'a> Graph<'a> {
    pub fn build(instances: &'a [Instance]) -> Graph<'a> {
        let mut g = Graph {
            instances,
            by_type: HashMap::new(),
            by_base: HashMap::new(),
            referrers: HashMap::new(),
            default_tags: None,
        };
        for (i, inst) in instances.iter().enumerate() {
            g.by_base.entry(inst.base.as_str()).or_default().push(i);
            if inst.data {
                continue;
            }
            g.by_type.entry(inst.rtype.as_str()).or_default().push(i);
            let mut refs = Vec::new();
            body_refs(&inst.body, &mut refs);
            refs.sort_unstable();
            refs.dedup();
            for r in refs {
                g.referrers.entry(r).or_default().push(i);
            }
        }
        g
    }

    /// Managed resource instances of a type (`aws_fsx_*` matches a prefix).
    pub fn of_type(&self, pattern: &str) -> Vec<&'a Instance> {
        let mut idx: Vec<usize> = if let Some(prefix) = pattern.strip_suffix('*') {
            self.by_type
                .iter()
                .filter(|(t, _)| t.starts_with(prefix))
                .flat_map(|(_, v)| v.iter().copied())
                .collect()
        } else {
            self.by_type.get(pattern).cloned().unwrap_or_default()
        };
        idx.sort_unstable();
        idx.into_iter().map(|i| &self.instances[i]).collect()
    }

    /// Instances of `rtype` that refer to the resource `base` anywhere in their attributes.
    pub fn referrers(&self, base: &str, rtype: &str) -> Vec<&'a Instance> {
        self.referrers
            .get(base)
            .map(|v| {
                v.iter()
                    .map(|&i| &self.instances[i])
                    .filter(|i| i.rtype == rtype)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The instances sharing a base address (all `count`/`for_each` instances).
    pub fn by_base(&self, base: &str) -> Vec<&'a Instance> {
        self.by_base
            .get(base)
            .map(|v| v.iter().map(|&i| &self.instances[i]).collect())
            .unwrap_or_default()
    }
}
