//! References to managed resources, as Terraform evaluates them: per instance, and through
//! the attributes their configuration sets.
//!
//! `aws_s3_bucket.lake` is the resource's value: one instance (no `count`/`for_each`), a
//! list of instances (`count`) or a map of them by key (`for_each`). Each instance is an
//! unknown that refers to that instance's own address (`aws_s3_bucket.lake["raw"]`), so
//! `x[0]`, `x[each.key]`, `x[*].id`, `[for b in x : b.arn]` and `for_each = x` (with
//! `each.value.arn`) all keep which instance they name. Where the instances cannot be
//! known (unknown `count`/`for_each`) the value refers to the resource's address, which
//! stands for any of its instances.
//!
//! An attribute that an instance's configuration sets is, in the plan, the value the
//! configuration gives it (Terraform requires a provider to plan a configured value as
//! written): `aws_acm_certificate_validation.this[0].certificate_arn` is the certificate's
//! ARN and so refers to the certificate. Only values derived from other resources are
//! followed; a known one (`google_compute_ssl_certificate.x.name`), or one that is unknown
//! without referring to anything (a variable without a value), keeps referring to the
//! instance it was read from, because rules match resources by reference. Attributes the
//! configuration leaves unset are computed: they stay unknown and refer to the instance.

use std::rc::Rc;

use super::{Ctx, Scope};
use crate::module::ResourceDecl;
use crate::value::Value;

/// How a block is repeated.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum KeyKind {
    Single,
    Count,
    ForEach,
}

/// The instances of a `count`/`for_each` block: `(address suffix, key, scope)` each.
/// When `known` is false the list holds one entry (suffix `""`) whose scope has unknown
/// `count.index` / `each`.
#[derive(Clone)]
pub(super) struct Keys {
    pub list: Vec<(String, Value, Scope)>,
    pub known: bool,
    pub kind: KeyKind,
}

impl Keys {
    pub(super) fn unknown(scope: Scope, kind: KeyKind) -> Keys {
        Keys {
            list: vec![(String::new(), Value::unknown(), scope)],
            known: false,
            kind,
        }
    }
}

impl<'a> Ctx<'a, '_> {
    fn find_resource(&self, rtype: &str, name: &str) -> Option<&'a ResourceDecl<'a>> {
        let module: &'a crate::module::Module<'a> = self.module;
        let index = self.resource_index.get_or_init(|| {
            module
                .resources
                .iter()
                .enumerate()
                .filter(|(_, d)| !d.data)
                .map(|(i, d)| ((d.rtype.as_str(), d.name.as_str()), i))
                .collect()
        });
        index.get(&(rtype, name)).map(|&i| &module.resources[i])
    }

    /// The instance keys of a resource of this module instance, evaluated once. A resource
    /// whose `count`/`for_each` refers to itself gets unknown keys.
    pub(super) fn resource_keys(&self, decl: &ResourceDecl<'a>) -> Rc<Keys> {
        // Declarations do not move while a module is evaluated: the address identifies one.
        let id = std::ptr::from_ref(decl) as usize;
        if let Some(k) = self.resource_keys.borrow().get(&id) {
            return k
                .clone()
                .unwrap_or_else(|| Rc::new(Keys::unknown(Scope::default(), KeyKind::Single)));
        }
        self.resource_keys.borrow_mut().insert(id, None);
        let outer = self.env.current_file.replace(Some(decl.file));
        let keys = Rc::new(self.instance_keys(&decl.block.body));
        self.env.current_file.set(outer);
        self.resource_keys
            .borrow_mut()
            .insert(id, Some(keys.clone()));
        keys
    }

    /// The value of a reference to the managed resource `rtype.name` (see the module
    /// documentation).
    pub(super) fn resource_value(&self, rtype: &str, name: &str) -> Value {
        let base = format!("{}{rtype}.{name}", self.prefix);
        let Some(decl) = self.find_resource(rtype, name) else {
            return Value::Unknown(vec![base]);
        };
        let keys = self.resource_keys(decl);
        if !keys.known {
            return Value::Unknown(vec![base]);
        }
        let one = |suffix: &str| Value::Unknown(vec![format!("{base}{suffix}")]);
        match keys.kind {
            KeyKind::Single => one(""),
            KeyKind::Count => Value::List(keys.list.iter().map(|(s, _, _)| one(s)).collect()),
            KeyKind::ForEach => Value::Map(
                keys.list
                    .iter()
                    .filter_map(|(s, k, _)| Some((k.as_str()?.to_string(), one(s))))
                    .collect(),
            ),
        }
    }

    /// `rtype.name[key]` with a known key, without building the whole resource's value:
    /// that instance, or an error when there is none (index out of range, no such key).
    /// `None` when the general path must decide (unknown keys, a non-integer index, a
    /// resource without `count`/`for_each`).
    pub(super) fn resource_instance(&self, rtype: &str, name: &str, key: &Value) -> Option<Value> {
        let decl = self.find_resource(rtype, name)?;
        let keys = self.resource_keys(decl);
        if !keys.known || keys.kind == KeyKind::Single || key.contains_unknown() {
            return None;
        }
        let found = match keys.kind {
            KeyKind::Count => {
                let n = key.as_number().filter(|n| n.fract() == 0.0)?;
                keys.list.iter().find(|(_, k, _)| k.as_number() == Some(n))
            }
            _ => {
                let k = key.to_str()?;
                keys.list
                    .iter()
                    .find(|(_, x, _)| x.as_str() == Some(k.as_str()))
            }
        };
        Some(match found {
            Some((suffix, _, _)) => {
                Value::Unknown(vec![format!("{}{rtype}.{name}{suffix}", self.prefix)])
            }
            None => Value::error(),
        })
    }

    /// `instance.attr` where `instance` is an unknown naming exactly one instance of a
    /// managed resource of this module instance and its configuration sets `attr` to a value
    /// derived from other resources: that value. `None` otherwise (the attribute is
    /// computed or known, or the instance is not known).
    pub(super) fn follow_attr(&self, v: &Value, attr: &str) -> Option<Value> {
        let Value::Unknown(refs) = v else {
            return None;
        };
        let [address] = refs.as_slice() else {
            return None;
        };
        if matches!(
            attr,
            "count" | "for_each" | "provider" | "depends_on" | "lifecycle"
        ) {
            return None;
        }
        let local = address.strip_prefix(self.prefix.as_str())?;
        let (rtype, rest) = local.split_once('.')?;
        let (name, suffix) = match rest.find('[') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        if rtype == "data" || rtype == "module" || name.contains('.') {
            return None;
        }
        let decl = self.find_resource(rtype, name)?;
        let expr = &decl.block.body.get_attribute(attr)?.value;
        let keys = self.resource_keys(decl);
        if !keys.known {
            return None;
        }
        let scope = keys
            .list
            .iter()
            .find(|(s, _, _)| s == suffix)
            .map(|(_, _, scope)| scope.clone())?;
        let guard = format!("{address}.{attr}");
        if !self.following.borrow_mut().insert(guard.clone()) {
            return None;
        }
        let outer = self.env.current_file.replace(Some(decl.file));
        let value = self.eval(expr, &scope);
        self.env.current_file.set(outer);
        self.following.borrow_mut().remove(&guard);
        // A known value keeps naming the instance it was read from: rules match resources
        // by reference (`certificate = google_compute_ssl_certificate.x.name`); so does one
        // that is not known and refers to nothing (`cluster_identifier = var.name` without a
        // value): following it would lose the reference (terraform-aws-rds-aurora's
        // `"cluster:${aws_rds_cluster.this[0].cluster_identifier}"`).
        (value.contains_unknown() && !value.contains_opaque_unknown()).then_some(value)
    }
}
