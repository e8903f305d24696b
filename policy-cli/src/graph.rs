//! Indexes over the instances of one root module: by type, by address, and who refers to
//! whom. Built once, so cross-resource rules never compare every pair.

use std::collections::HashMap;

use crate::eval::{EvalBody, Instance};

pub struct Graph<'a> {
    pub instances: &'a [Instance],
    by_type: HashMap<&'a str, Vec<usize>>,
    by_base: HashMap<&'a str, Vec<usize>>,
    /// Built on first use (only instance-address references need it).
    by_address: std::cell::OnceCell<HashMap<&'a str, usize>>,
    /// Address (a resource's base address or one instance's) → instances whose attributes
    /// refer to it.
    referrers: HashMap<&'a str, Vec<usize>>,
    /// The AWS provider's `default_tags` (see [`crate::eval::RootResult::default_tags`]),
    /// for instances whose provider configuration is not known (plan input).
    pub default_tags: Option<crate::value::Value>,
    /// The `default_tags` of each AWS provider configuration (see
    /// [`crate::eval::RootResult::provider_tags`]).
    pub provider_tags: HashMap<String, crate::value::Value>,
    /// The region and account of each AWS provider configuration (same keys).
    pub provider_places: HashMap<String, crate::eval::ProviderPlace>,
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
            by_address: std::cell::OnceCell::new(),
            referrers: HashMap::new(),
            default_tags: None,
            provider_tags: HashMap::new(),
            provider_places: HashMap::new(),
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

    /// The `default_tags` an instance gets from the provider configuration it uses (`None`:
    /// none; an unknown value when they cannot be known).
    pub fn default_tags_of(&self, inst: &Instance) -> Option<&crate::value::Value> {
        match &inst.provider {
            Some(p) => self.provider_tags.get(p).filter(|t| !t.is_null()),
            None => self.default_tags.as_ref(),
        }
    }

    /// The region an AWS resource is created in: its own `region` argument (AWS provider
    /// v6), else its provider configuration's. `None` when not known.
    pub fn region_of(&self, inst: &Instance) -> Option<String> {
        match inst.body.attr("region").map(|a| &a.value) {
            Some(crate::value::Value::String(r)) => return Some(r.clone()),
            Some(v) if !v.is_null() => return None,
            _ => {}
        }
        self.provider_places
            .get(inst.provider.as_ref()?)?
            .region
            .clone()
    }

    /// The account an AWS resource is created in (its provider configuration's).
    pub fn account_of(&self, inst: &Instance) -> Option<String> {
        self.provider_places
            .get(inst.provider.as_ref()?)?
            .account
            .clone()
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

    /// Instances of `rtype` that refer to the instance `inst`: by its own address, or by its
    /// resource's address (which instance unknown, see [`crate::value::Value::refers_to_instance`]).
    /// A reference to a sibling instance does not make a referrer.
    pub fn referrers_of(&self, inst: &Instance, rtype: &str) -> Vec<&'a Instance> {
        let mut idx: Vec<usize> = Vec::new();
        for key in [inst.address.as_str(), inst.base.as_str()] {
            if let Some(v) = self.referrers.get(key) {
                idx.extend(v.iter().copied());
            }
        }
        idx.sort_unstable();
        idx.dedup();
        idx.into_iter()
            .map(|i| &self.instances[i])
            .filter(|i| i.rtype == rtype)
            .collect()
    }

    /// The instances a reference names: the one instance of an instance address
    /// (`aws_subnet.private[0]`), every instance of a resource address.
    pub fn resolve(&self, reference: &str) -> Vec<&'a Instance> {
        let by_address = self.by_address.get_or_init(|| {
            self.instances
                .iter()
                .enumerate()
                .map(|(i, inst)| (inst.address.as_str(), i))
                .collect()
        });
        match by_address.get(reference) {
            Some(&i) if self.instances[i].address != self.instances[i].base => {
                vec![&self.instances[i]]
            }
            _ => self.by_base(reference),
        }
    }

    /// The instances sharing a base address (all `count`/`for_each` instances).
    pub fn by_base(&self, base: &str) -> Vec<&'a Instance> {
        self.by_base
            .get(base)
            .map(|v| v.iter().map(|&i| &self.instances[i]).collect())
            .unwrap_or_default()
    }
}
