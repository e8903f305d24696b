//! Expansion: module calls (with their `count`/`for_each` and outputs), resources and data
//! sources into instances, and block bodies (`dynamic` blocks expanded).

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::structure::{Block, Body};

use super::budget::{MAX_BLOCK_DEPTH, MAX_INSTANCES, MAX_MODULE_DEPTH};
use super::expr::source_text;
use super::refs::{KeyKind, Keys};
use super::{entries, kv, Ctx, EvalAttr, EvalBlock, EvalBody, Given, Instance, Scope};
use crate::module::{span_of, CallDecl, OutputDecl, ProviderDecl, ResourceDecl};
use crate::parse::FileId;
use crate::value::Value;
use crate::workspace::is_local_source;

/// The `default_tags` that the root module's AWS provider configurations (each one's tags,
/// null when it sets none) agree on: `None` when none sets any, unknown when they differ
/// (which applies depends on the configuration each resource uses) or are not known.
pub(crate) fn agreed_default_tags(found: &[Value]) -> Option<Value> {
    if found.iter().all(Value::is_null) {
        return None;
    }
    let first = &found[0];
    if found.iter().all(|t| t == first) && !first.contains_unknown() {
        Some(first.clone())
    } else {
        Some(Value::unknown())
    }
}

impl<'a> Ctx<'a, '_> {
    pub(super) fn aws_default_tags(&self) -> Option<Value> {
        let mut found: Vec<Value> = Vec::new();
        for ProviderDecl { name, block } in &self.module.providers {
            if name != "aws" {
                continue;
            }
            let tags = block
                .body
                .get_blocks("default_tags")
                .next()
                .and_then(|dt| dt.body.get_attribute("tags"))
                .map(|a| self.eval(&a.value, &Scope::default()))
                .unwrap_or(Value::Null);
            found.push(tags);
        }
        agreed_default_tags(&found)
    }

    /// Registers the provider configurations this module declares: their key, and for AWS
    /// their `default_tags`.
    fn declare_providers(&mut self) {
        for ProviderDecl { name, block } in &self.module.providers {
            let alias = block
                .body
                .get_attribute("alias")
                .and_then(|a| self.eval(&a.value, &Scope::default()).to_str());
            let local = match alias {
                Some(a) => format!("{name}.{a}"),
                None => name.clone(),
            };
            let key = format!("{}{local}", self.prefix);
            if name == "aws" {
                let place = self.provider_place(block);
                self.env
                    .out
                    .borrow_mut()
                    .provider_places
                    .insert(key.clone(), place);
                let tags = block
                    .body
                    .get_blocks("default_tags")
                    .next()
                    .and_then(|dt| dt.body.get_attribute("tags"))
                    .map(|a| self.eval(&a.value, &Scope::default()))
                    .unwrap_or(Value::Null);
                self.env
                    .out
                    .borrow_mut()
                    .provider_tags
                    .insert(key.clone(), tags);
            }
            self.providers.insert(local, key);
        }
    }

    /// The region and account of an AWS provider block, from literals.
    fn provider_place(&self, block: &Block) -> super::ProviderPlace {
        let scope = Scope::default();
        let value = |b: &Body, name: &str| {
            b.get_attribute(name)
                .map(|a| self.eval(&a.value, &scope))
                .unwrap_or(Value::Null)
        };
        let region = value(&block.body, "region").as_str().map(str::to_string);
        let from_role = block
            .body
            .get_blocks("assume_role")
            .next()
            .and_then(|r| value(&r.body, "role_arn").as_str().map(str::to_string))
            .and_then(|arn| arn.split(':').nth(4).map(str::to_string))
            .filter(|a| !a.is_empty());
        let allowed = match value(&block.body, "allowed_account_ids") {
            Value::List(l) if l.len() == 1 => l[0].to_str(),
            _ => None,
        };
        super::ProviderPlace {
            region,
            account: from_role.or(allowed),
        }
    }

    /// The provider configurations a module call passes to its child: every default
    /// (unaliased) configuration implicitly, and those its `providers` map names.
    fn child_providers(&self, call: &CallDecl) -> HashMap<String, String> {
        let mut out: HashMap<String, String> = self
            .providers
            .iter()
            .filter(|(k, _)| !k.contains('.'))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if let Some(Expression::Object(o)) =
            call.block.body.get_attribute("providers").map(|a| &a.value)
        {
            for (k, v) in o.iter() {
                let key = match k {
                    ObjectKey::Ident(i) => Some(i.as_str().to_string()),
                    ObjectKey::Expression(e) => provider_address(e),
                };
                if let (Some(key), Some(val)) = (key, provider_address(v.expr())) {
                    out.insert(key, self.provider_key(&val));
                }
            }
        }
        out
    }

    /// The key of the provider configuration this module instance calls `local`.
    fn provider_key(&self, local: &str) -> String {
        self.providers
            .get(local)
            .cloned()
            .unwrap_or_else(|| local.to_string())
    }

    /// The provider configuration a resource uses: its `provider` argument, or the default
    /// configuration of the provider its type belongs to (`aws_s3_bucket` → `aws`).
    fn resource_provider(&self, decl: &ResourceDecl) -> String {
        let local = decl
            .block
            .body
            .get_attribute("provider")
            .and_then(|a| provider_address(&a.value))
            .unwrap_or_else(|| {
                decl.rtype
                    .split('_')
                    .next()
                    .unwrap_or(&decl.rtype)
                    .to_string()
            });
        self.provider_key(&local)
    }

    /// Expands the module calls and resources of this instance.
    pub(super) fn expand(&mut self, depth: usize, ancestry: &[PathBuf]) {
        self.declare_providers();
        // Module calls, ordered so that a call using another's outputs comes after it.
        let mut calls: Vec<&CallDecl> = self.module.calls.iter().collect();
        let names: Vec<String> = calls.iter().map(|c| c.name.clone()).collect();
        let deps = |c: &CallDecl| -> Vec<String> {
            let text = self.env.files[c.file]
                .text
                .get(span_of(c.block))
                .unwrap_or("");
            names
                .iter()
                .filter(|n| **n != c.name && text.contains(&format!("module.{n}")))
                .cloned()
                .collect()
        };
        let mut ordered: Vec<&CallDecl> = Vec::new();
        for _ in 0..calls.len() + 1 {
            let done: Vec<String> = ordered.iter().map(|c| c.name.clone()).collect();
            let (ready, rest): (Vec<_>, Vec<_>) = calls
                .into_iter()
                .partition(|c| deps(c).iter().all(|d| done.contains(d)));
            if ready.is_empty() {
                ordered.extend(rest);
                calls = Vec::new();
                break;
            }
            ordered.extend(ready);
            calls = rest;
        }
        ordered.extend(calls);
        for call in ordered {
            let v = self.expand_call(call, depth, ancestry);
            self.children.insert(call.name.clone(), v);
            self.locals.borrow_mut().clear();
            self.resource_keys.borrow_mut().clear();
        }
        for decl in &self.module.resources {
            self.expand_resource(decl);
        }
        // Terraform evaluates every local value, used or not: so do we (their errors, such
        // as an exhausted budget, are reported even when nothing refers to them).
        let mut names: Vec<&String> = self.module.locals.keys().collect();
        names.sort();
        for name in names {
            self.local(name);
        }
    }

    /// Instance keys of a `count`/`for_each` block (see [`Keys`]).
    pub(super) fn instance_keys(&self, body: &Body) -> Keys {
        let base = Scope::default();
        if let Some(count) = body.get_attribute("count") {
            let v = self.eval(&count.value, &base);
            return match v.as_number() {
                Some(n) if n >= 0.0 => Keys {
                    list: (0..(n as usize).min(MAX_INSTANCES))
                        .map(|i| {
                            let mut m = BTreeMap::new();
                            m.insert("index".to_string(), Value::Number(i as f64));
                            (
                                format!("[{i}]"),
                                Value::Number(i as f64),
                                base.with("count", Value::Map(m)),
                            )
                        })
                        .collect(),
                    known: true,
                    kind: KeyKind::Count,
                },
                _ => {
                    let mut m = BTreeMap::new();
                    m.insert("index".to_string(), Value::unknown());
                    Keys::unknown(base.with("count", Value::Map(m)), KeyKind::Count)
                }
            };
        }
        if let Some(fe) = body.get_attribute("for_each") {
            let v = self.eval(&fe.value, &base);
            let each = |k: Value, v: Value| base.with("each", kv(k, v));
            let known = |list| Keys {
                list,
                known: true,
                kind: KeyKind::ForEach,
            };
            return match v {
                Value::Map(m) => known(
                    m.into_iter()
                        .take(MAX_INSTANCES)
                        .map(|(k, v)| {
                            let key = Value::String(k.clone());
                            (format!("[\"{k}\"]"), key.clone(), each(key, v))
                        })
                        .collect(),
                ),
                Value::List(l) if l.iter().all(|v| v.to_str().is_some()) => known(
                    l.into_iter()
                        .take(MAX_INSTANCES)
                        .map(|v| {
                            let k = v.to_str().unwrap_or_default();
                            let key = Value::String(k.clone());
                            (format!("[\"{k}\"]"), key.clone(), each(key, v))
                        })
                        .collect(),
                ),
                _ => Keys::unknown(each(Value::unknown(), Value::unknown()), KeyKind::ForEach),
            };
        }
        Keys {
            list: vec![(String::new(), Value::Null, base)],
            known: true,
            kind: KeyKind::Single,
        }
    }

    fn expand_call(&mut self, call: &CallDecl<'a>, depth: usize, ancestry: &[PathBuf]) -> Value {
        let span = span_of(call.block);
        let key = if self.key.is_empty() {
            call.name.clone()
        } else {
            format!("{}.{}", self.key, call.name)
        };
        let source = call.source.clone().unwrap_or_default();
        let dir: Option<PathBuf> = if is_local_source(&source) {
            // Workspace directories are canonical already.
            call.local_dir
                .get_or_init(|| {
                    crate::workspace::resolve_source(
                        Some(&self.module.dir),
                        &self.module.dir,
                        &source,
                    )
                })
                .clone()
        } else {
            self.env.installed.and_then(|m| m.get(&key)).cloned()
        };
        let Some(dir) = dir.filter(|d| self.env.modules.contains_key(d)) else {
            let why = if is_local_source(&source) {
                format!("{source}: directory not found")
            } else {
                source.clone()
            };
            self.env
                .out
                .borrow_mut()
                .skipped
                .push(format!("{}module.{} ({why})", self.prefix, call.name));
            return Value::Unknown(vec![format!("{}module.{}", self.prefix, call.name)]);
        };
        if ancestry.contains(&dir) {
            self.error(
                call.file,
                span,
                format!(
                    "module \"{}\" calls itself (module cycle); not evaluated",
                    call.name
                ),
            );
            return Value::unknown();
        }
        if depth >= MAX_MODULE_DEPTH {
            self.error(
                call.file,
                span,
                format!(
                    "module \"{}\" is nested deeper than {MAX_MODULE_DEPTH} module calls; not evaluated",
                    call.name
                ),
            );
            return Value::unknown();
        }
        let child_module = &self.env.modules[&dir];
        let Keys {
            list: keys, known, ..
        } = self.instance_keys(&call.block.body);
        let mut results: Vec<(String, Value)> = Vec::new();
        let mut chain = ancestry.to_vec();
        chain.push(dir.clone());
        for (k, _, scope) in keys {
            self.env.current_file.set(Some(call.file));
            let mut given: Given = HashMap::new();
            for a in call.block.body.attributes() {
                let n = a.key.as_str();
                if matches!(
                    n,
                    "source" | "version" | "count" | "for_each" | "providers" | "depends_on"
                ) {
                    continue;
                }
                // A plain `var.X` passed on keeps pointing at where X was set.
                let origin = self.origin_of(&a.value).unwrap_or_else(|| {
                    let f = &self.env.files[call.file];
                    format!("set at {}:{}", f.display, f.line_col(span_of(a).start).0)
                });
                given.insert(n.to_string(), (self.eval(&a.value, &scope), origin));
            }
            let prefix = format!("{}module.{}{}.", self.prefix, call.name, k);
            let mut child = Ctx::new(self.env, child_module, prefix, key.clone(), given, false);
            child.certain = self.certain && known;
            child.providers = self.child_providers(call);
            child.expand(depth + 1, &chain);
            let mut outs = BTreeMap::new();
            for OutputDecl { name, file, value } in &child_module.outputs {
                self.env.current_file.set(Some(*file));
                outs.insert(name.clone(), child.eval(value, &Scope::default()));
            }
            results.push((k, Value::Map(outs)));
        }
        if !known {
            let vals: Vec<Value> = results.into_iter().map(|(_, v)| v).collect();
            return Value::unknown_from(&vals);
        }
        if call.block.body.has_attribute("count") {
            Value::List(results.into_iter().map(|(_, v)| v).collect())
        } else if call.block.body.has_attribute("for_each") {
            Value::Map(
                results
                    .into_iter()
                    .map(|(k, v)| {
                        (
                            k.trim_matches(|c| c == '[' || c == ']' || c == '"')
                                .to_string(),
                            v,
                        )
                    })
                    .collect(),
            )
        } else {
            results.pop().map(|(_, v)| v).unwrap_or(Value::Null)
        }
    }

    fn expand_resource(&self, decl: &ResourceDecl<'a>) {
        let keys = self.resource_keys(decl);
        let known = keys.known;
        let kind = if decl.data { "data." } else { "" };
        let base = format!("{}{}{}.{}", self.prefix, kind, decl.rtype, decl.name);
        let provider = self.resource_provider(decl);
        for (k, _, scope) in keys.list.iter() {
            self.env.current_file.set(Some(decl.file));
            let body = self.eval_body(&decl.block.body, scope, decl.file, 0);
            let inst = Instance {
                data: decl.data,
                rtype: decl.rtype.clone(),
                name: decl.name.clone(),
                address: format!("{base}{k}"),
                base: base.clone(),
                file: decl.file,
                span: span_of(decl.block),
                body,
                count_known: known && self.certain,
                provider: Some(provider.clone()),
            };
            self.env.out.borrow_mut().instances.push(inst);
        }
    }

    /// Evaluates a block body, expanding `dynamic` blocks.
    fn eval_body(&self, body: &Body, scope: &Scope, file: FileId, depth: usize) -> EvalBody {
        let mut out = EvalBody::default();
        if depth > MAX_BLOCK_DEPTH {
            return out;
        }
        // `.tf.json` bodies are built without positions (template spans are relative to
        // the JSON string, not the file): never use them.
        let json = self.env.files[file].display.ends_with(".json");
        for a in body.attributes() {
            let name = a.key.as_str();
            if matches!(name, "count" | "for_each" | "depends_on" | "provider") {
                continue;
            }
            let value = self.eval(&a.value, scope);
            out.attrs.push(EvalAttr {
                name: name.to_string(),
                value,
                span: if json { 0..0 } else { span_of(a) },
                source: if json {
                    None
                } else {
                    source_text(&a.value, &self.env.files[file].text)
                },
                origin: self.origin_of(&a.value),
            });
        }
        for b in body.blocks() {
            let kind = b.ident.as_str();
            if kind == "lifecycle" || kind == "provisioner" || kind == "connection" {
                continue;
            }
            if kind == "dynamic" {
                self.expand_dynamic(b, scope, file, depth, &mut out);
                continue;
            }
            out.blocks.push(EvalBlock {
                kind: kind.to_string(),
                span: span_of(b),
                body: self.eval_body(&b.body, scope, file, depth + 1),
            });
        }
        out
    }

    fn expand_dynamic(
        &self,
        b: &Block,
        scope: &Scope,
        file: FileId,
        depth: usize,
        out: &mut EvalBody,
    ) {
        let Some(label) = b.labels.first().map(|l| l.as_str().to_string()) else {
            return;
        };
        let iter_name = match b.body.get_attribute("iterator").map(|a| &a.value) {
            Some(Expression::Variable(v)) => v.as_str().to_string(),
            _ => label.clone(),
        };
        let Some(content) = b.body.get_blocks("content").next() else {
            return;
        };
        let items: Vec<(Value, Value)> = match b.body.get_attribute("for_each") {
            None => vec![(Value::unknown(), Value::unknown())],
            Some(fe) => match entries(self.eval(&fe.value, scope)) {
                Ok(items) => items,
                Err(Value::Null) => Vec::new(),
                Err(_) => vec![(Value::unknown(), Value::unknown())],
            },
        };
        for (k, v) in items.into_iter().take(MAX_INSTANCES) {
            let s = scope.with(&iter_name, kv(k, v));
            out.blocks.push(EvalBlock {
                kind: label.clone(),
                span: span_of(b),
                body: self.eval_body(&content.body, &s, file, depth + 1),
            });
        }
    }
}

/// A provider configuration address written as a reference (`aws.dr`) or a string
/// (`"aws.dr"` in `.tf.json`).
fn provider_address(e: &Expression) -> Option<String> {
    match e {
        Expression::Variable(v) => Some(v.as_str().to_string()),
        Expression::String(s) => Some(s.value().to_string()),
        Expression::Traversal(t) => {
            let Expression::Variable(root) = &t.expr else {
                return None;
            };
            let mut out = root.as_str().to_string();
            for op in t.operators.iter() {
                match op.value() {
                    TraversalOperator::GetAttr(a) => {
                        out.push('.');
                        out.push_str(a.as_str());
                    }
                    _ => return None,
                }
            }
            Some(out)
        }
        _ => None,
    }
}
