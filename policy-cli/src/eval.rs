//! Evaluating modules the way Terraform would before apply: variables, locals, module
//! calls, `count`/`for_each`, `dynamic` blocks. What cannot be known stays [`Value::Unknown`].

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};

use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::structure::{Block, Body};
use hcl_edit::template::{Element, Template};

use crate::functions;
use crate::module::{span_of, Module};
use crate::parse::{FileId, LoadError, SourceFile};
use crate::value::Value;
use crate::workspace::is_local_source;

/// Deepest expression nesting evaluated; deeper expressions are unknown.
const MAX_DEPTH: usize = 128;
/// Deepest module nesting followed.
const MAX_MODULE_DEPTH: usize = 24;
/// Evaluation steps per root module before the rest is cut short (unknown).
const MAX_STEPS: u64 = 4_000_000;
/// Largest list/map (in elements, nested) or string (in bytes) a value may grow to.
const MAX_VALUE_SIZE: usize = 100_000;
const MAX_STRING_LEN: usize = 1 << 20;
/// Most instances expanded from one `count`/`for_each`.
const MAX_INSTANCES: usize = 1000;

/// An evaluated attribute: its value and where it was written.
#[derive(Debug, Clone)]
pub struct EvalAttr {
    pub name: String,
    pub value: Value,
    pub span: Range<usize>,
    /// The expression's source text when it is not a plain literal (`var.multi_az`).
    pub source: Option<String>,
    /// For a plain `var.NAME`: where the variable's value was set.
    pub origin: Option<String>,
}

/// An evaluated block body.
#[derive(Debug, Clone, Default)]
pub struct EvalBody {
    pub attrs: Vec<EvalAttr>,
    pub blocks: Vec<EvalBlock>,
}

#[derive(Debug, Clone)]
pub struct EvalBlock {
    pub kind: String,
    pub span: Range<usize>,
    pub body: EvalBody,
}

impl EvalBody {
    pub fn attr(&self, name: &str) -> Option<&EvalAttr> {
        self.attrs.iter().find(|a| a.name == name)
    }

    /// The attribute's value; a missing attribute or `null` is `None` (provider default).
    pub fn value(&self, name: &str) -> Option<&Value> {
        self.attr(name).map(|a| &a.value).filter(|v| !v.is_null())
    }

    pub fn blocks<'s>(&'s self, kind: &'s str) -> impl Iterator<Item = &'s EvalBlock> + 's {
        self.blocks.iter().filter(move |b| b.kind == kind)
    }

    pub fn block(&self, kind: &str) -> Option<&EvalBlock> {
        self.blocks.iter().find(|b| b.kind == kind)
    }
}

/// One instance of a resource or data source after expansion.
#[derive(Debug, Clone)]
pub struct Instance {
    pub data: bool,
    pub rtype: String,
    pub name: String,
    /// Address without instance key: `module.db.aws_db_instance.this`.
    pub base: String,
    /// Full address: `module.db.aws_db_instance.this[0]`.
    pub address: String,
    pub file: FileId,
    pub span: Range<usize>,
    pub body: EvalBody,
    /// `false` when `count`/`for_each` could not be evaluated (maybe zero, maybe many).
    pub count_known: bool,
}

/// Everything one root module expands to.
#[derive(Default)]
pub struct RootResult {
    pub instances: Vec<Instance>,
    pub errors: Vec<LoadError>,
    /// Module calls that were not evaluated (remote source not installed).
    pub skipped: Vec<String>,
    /// The AWS provider's `default_tags` in the root module: `None` when there are none,
    /// an unknown value when they cannot be known (or differ between aliases).
    pub default_tags: Option<Value>,
}

/// Values given for a module's variables, with where they were set.
type Given = HashMap<String, (Value, String)>;

/// Values given for a root module's variables.
#[derive(Default, Clone)]
pub struct Inputs {
    pub var_files: Vec<PathBuf>,
    pub vars: Vec<(String, String)>,
}

/// Environment shared by all module instances of one root.
pub struct Env<'a> {
    pub files: &'a [SourceFile],
    pub modules: &'a HashMap<PathBuf, Module<'a>>,
    pub installed: Option<&'a HashMap<String, PathBuf>>,
    pub out: RefCell<RootResult>,
    /// Evaluation steps taken (see [`MAX_STEPS`]).
    steps: Cell<u64>,
    /// Set once the budget is exhausted: everything after is unknown.
    exhausted: Cell<bool>,
    /// The file whose expressions are being evaluated (for the budget error).
    current_file: Cell<Option<FileId>>,
}

/// Evaluation context of one module instance.
pub struct Ctx<'a, 'e> {
    pub env: &'e Env<'a>,
    pub module: &'a Module<'a>,
    /// Address prefix: `""` or `module.db.`
    pub prefix: String,
    /// Key of this instance in `modules.json` (`""`, `db`, `db.subnets`).
    pub key: String,
    pub vars: HashMap<String, Value>,
    /// Where each variable's value was set (`set at main.tf:12`, `default at vars.tf:3`).
    var_origins: HashMap<String, String>,
    locals: RefCell<HashMap<String, Option<Value>>>,
    children: HashMap<String, Value>,
    depth: Cell<usize>,
    /// `false` inside a module call whose `count`/`for_each` is unknown.
    certain: bool,
}

/// Variables bound by `count`, `each`, `for` expressions and `dynamic` iterators.
#[derive(Clone, Default)]
pub struct Scope {
    vars: Vec<(String, Value)>,
}

impl Scope {
    fn with(&self, name: &str, v: Value) -> Scope {
        let mut s = self.clone();
        s.vars.push((name.to_string(), v));
        s
    }

    fn get(&self, name: &str) -> Option<&Value> {
        self.vars
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }
}

fn kv(key: Value, value: Value) -> Value {
    let mut m = BTreeMap::new();
    m.insert("key".to_string(), key);
    m.insert("value".to_string(), value);
    Value::Map(m)
}

/// Evaluates a root module and everything it calls.
pub fn eval_root<'a>(
    files: &'a [SourceFile],
    modules: &'a HashMap<PathBuf, Module<'a>>,
    installed: Option<&'a HashMap<String, PathBuf>>,
    root: &Path,
    inputs: &Inputs,
) -> RootResult {
    let env = Env {
        files,
        modules,
        installed,
        out: RefCell::new(RootResult::default()),
        steps: Cell::new(0),
        exhausted: Cell::new(false),
        current_file: Cell::new(None),
    };
    let Some(module) = modules.get(root) else {
        return RootResult::default();
    };
    let mut given: Given = HashMap::new();
    // terraform.tfvars, then *.auto.tfvars (lexical), then --var-file, then --var.
    let mut tfvars: Vec<PathBuf> = Vec::new();
    for name in ["terraform.tfvars", "terraform.tfvars.json"] {
        let default_tfvars = root.join(name);
        if default_tfvars.is_file() {
            tfvars.push(default_tfvars);
        }
    }
    if let Ok(rd) = std::fs::read_dir(root) {
        let mut autos: Vec<PathBuf> = rd
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                n.ends_with(".auto.tfvars") || n.ends_with(".auto.tfvars.json")
            })
            .collect();
        autos.sort();
        tfvars.extend(autos);
    }
    tfvars.extend(inputs.var_files.iter().cloned());
    for path in &tfvars {
        read_tfvars(path, &mut given, &env);
    }
    for (k, v) in &inputs.vars {
        let parsed = if v.starts_with('[') || v.starts_with('{') {
            hcl_edit::parser::parse_expr(v)
                .ok()
                .map(|e| Ctx::empty(&env, module).eval(&e, &Scope::default()))
        } else {
            None
        };
        given.insert(
            k.clone(),
            (
                parsed.unwrap_or_else(|| Value::String(v.clone())),
                format!("set by --var {k}"),
            ),
        );
    }
    let mut ctx = Ctx::new(&env, module, String::new(), String::new(), given, true);
    ctx.expand(0, &[root.to_path_buf()]);
    let default_tags = ctx.aws_default_tags();
    let mut out = env.out.into_inner();
    out.default_tags = default_tags;
    out
}

fn read_tfvars(path: &Path, given: &mut Given, env: &Env) {
    let display = path.display().to_string();
    let Ok(text) = std::fs::read_to_string(path) else {
        env.out.borrow_mut().errors.push(LoadError {
            file: display,
            line: 0,
            column: 0,
            message: "cannot read variables file".into(),
        });
        return;
    };
    let body = if display.ends_with(".json") {
        crate::tfjson::parse(&format!("{{\"locals\": {text}}}"))
            .ok()
            .and_then(|b| b.into_blocks().next().map(|b| b.body))
    } else {
        hcl_edit::parser::parse_body(&text).ok()
    };
    if let Some(span) = body.as_ref().and_then(crate::parse::body_too_deep) {
        let _ = span;
        env.out.borrow_mut().errors.push(LoadError {
            file: display,
            line: 0,
            column: 0,
            message: format!(
                "expression nested deeper than {} levels; variables file not read",
                crate::parse::MAX_EXPR_DEPTH
            ),
        });
        return;
    }
    let Some(body) = body else {
        env.out.borrow_mut().errors.push(LoadError {
            file: display,
            line: 0,
            column: 0,
            message: "cannot parse variables file".into(),
        });
        return;
    };
    let empty = Module {
        dir: PathBuf::new(),
        variables: HashMap::new(),
        locals: HashMap::new(),
        outputs: Vec::new(),
        resources: Vec::new(),
        calls: Vec::new(),
        providers: Vec::new(),
    };
    let ctx = Ctx::empty(env, &empty);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for a in body.attributes() {
        given.insert(
            a.key.as_str().to_string(),
            (
                ctx.eval(&a.value, &Scope::default()),
                format!("set in {name}"),
            ),
        );
    }
}

/// Converts a value to a declared primitive type (`bool`, `number`, `string`).
/// Converts a value to a declared type: primitive conversions (`"true"` → `true`) and the
/// defaults of `optional(type, default)` object attributes, through `map`/`list`/`set`.
fn convert(v: Value, ty: Option<&Expression>, depth: usize) -> Value {
    let Some(ty) = ty else { return v };
    if depth > 16 {
        return v;
    }
    match ty {
        Expression::Variable(t) => match (t.as_str(), &v) {
            ("bool", Value::String(_)) => v.as_bool().map(Value::Bool).unwrap_or(v),
            ("number", Value::String(_)) => v.as_number().map(Value::Number).unwrap_or(v),
            ("string", Value::Bool(_) | Value::Number(_)) => {
                v.to_str().map(Value::String).unwrap_or(v)
            }
            _ => v,
        },
        Expression::FuncCall(f) => {
            let arg = f.args.iter().next();
            match (f.name.name.as_str(), v) {
                ("map", Value::Map(m)) => Value::Map(
                    m.into_iter()
                        .map(|(k, x)| (k, convert(x, arg, depth + 1)))
                        .collect(),
                ),
                ("list" | "set", Value::List(l)) => {
                    Value::List(l.into_iter().map(|x| convert(x, arg, depth + 1)).collect())
                }
                ("object", Value::Map(mut m)) => {
                    let Some(Expression::Object(attrs)) = arg else {
                        return Value::Map(m);
                    };
                    for (k, texpr) in attrs.iter() {
                        let key = match k {
                            ObjectKey::Ident(i) => i.as_str().to_string(),
                            ObjectKey::Expression(Expression::Variable(i)) => {
                                i.as_str().to_string()
                            }
                            ObjectKey::Expression(Expression::String(s)) => s.value().clone(),
                            _ => continue,
                        };
                        let texpr = texpr.expr();
                        let (inner, default) = match texpr {
                            Expression::FuncCall(o) if o.name.name.as_str() == "optional" => {
                                (o.args.iter().next(), Some(o.args.iter().nth(1)))
                            }
                            other => (Some(other), None),
                        };
                        let present = m.remove(&key).filter(|x| !x.is_null());
                        let value = match (present, default) {
                            (Some(x), _) => convert(x, inner, depth + 1),
                            (None, Some(Some(d))) => convert(literal(d), inner, depth + 1),
                            (None, _) => Value::Null,
                        };
                        m.insert(key, value);
                    }
                    Value::Map(m)
                }
                (_, v) => v,
            }
        }
        _ => v,
    }
}

/// A literal (constant) expression's value; anything else is unknown.
fn literal(e: &Expression) -> Value {
    match e {
        Expression::Null(_) => Value::Null,
        Expression::Bool(b) => Value::Bool(*b.value()),
        Expression::Number(n) => n.as_f64().map(Value::Number).unwrap_or_else(Value::unknown),
        Expression::String(s) => Value::String(s.value().clone()),
        Expression::Array(a) => Value::List(a.iter().map(literal).collect()),
        Expression::Object(o) => {
            let mut m = BTreeMap::new();
            for (k, v) in o.iter() {
                let key = match k {
                    ObjectKey::Ident(i) => i.as_str().to_string(),
                    ObjectKey::Expression(Expression::String(s)) => s.value().clone(),
                    ObjectKey::Expression(Expression::Variable(i)) => i.as_str().to_string(),
                    _ => return Value::unknown(),
                };
                m.insert(key, literal(v.expr()));
            }
            Value::Map(m)
        }
        Expression::Parenthesis(p) => literal(p.inner()),
        _ => Value::unknown(),
    }
}

impl<'a, 'e> Ctx<'a, 'e> {
    fn empty(env: &'e Env<'a>, module: &'a Module<'a>) -> Ctx<'a, 'e> {
        Ctx {
            env,
            module,
            prefix: String::new(),
            key: String::new(),
            vars: HashMap::new(),
            var_origins: HashMap::new(),
            locals: RefCell::new(HashMap::new()),
            children: HashMap::new(),
            depth: Cell::new(0),
            certain: true,
        }
    }

    fn new(
        env: &'e Env<'a>,
        module: &'a Module<'a>,
        prefix: String,
        key: String,
        mut given: Given,
        root: bool,
    ) -> Ctx<'a, 'e> {
        let mut ctx = Ctx::empty(env, module);
        ctx.prefix = prefix;
        ctx.key = key;
        let mut vars = HashMap::new();
        let mut origins = HashMap::new();
        for (name, decl) in &module.variables {
            let default = || {
                let origin = decl.default.map(|d| {
                    let f = &env.files[decl.file];
                    format!(
                        "default at {}:{}",
                        f.display,
                        f.line_col(span_of(d).start).0
                    )
                });
                let v = decl
                    .default
                    .map(|d| ctx.eval(d, &Scope::default()))
                    .unwrap_or_else(Value::unknown);
                (v, origin.unwrap_or_default())
            };
            let (v, origin) = match given.remove(name) {
                Some((Value::Null, _)) if !decl.nullable || root => default(),
                Some(v) => v,
                None => default(),
            };
            vars.insert(name.clone(), convert(v, decl.ty, 0));
            if !origin.is_empty() {
                origins.insert(name.clone(), origin);
            }
        }
        ctx.vars = vars;
        ctx.var_origins = origins;
        ctx
    }

    /// Where the value of a plain `var.NAME` expression was set.
    fn origin_of(&self, e: &Expression) -> Option<String> {
        let Expression::Traversal(t) = e else {
            return None;
        };
        let Expression::Variable(root) = &t.expr else {
            return None;
        };
        if root.as_str() != "var" || t.operators.len() != 1 {
            return None;
        }
        match t.operators[0].value() {
            TraversalOperator::GetAttr(n) => self.var_origins.get(n.as_str()).cloned(),
            _ => None,
        }
    }

    fn error(&self, file: FileId, span: Range<usize>, message: String) {
        let f = &self.env.files[file];
        let (line, column) = f.line_col(span.start);
        self.env.out.borrow_mut().errors.push(LoadError {
            file: f.display.clone(),
            line,
            column,
            message,
        });
    }

    fn aws_default_tags(&self) -> Option<Value> {
        let mut found: Vec<Value> = Vec::new();
        for (name, block) in &self.module.providers {
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
        if found.iter().all(Value::is_null) {
            return None;
        }
        let first = found[0].clone();
        if found.iter().all(|t| *t == first) && !first.contains_unknown() {
            Some(first)
        } else {
            Some(Value::unknown())
        }
    }

    /// Expands the module calls and resources of this instance.
    fn expand(&mut self, depth: usize, ancestry: &[PathBuf]) {
        // Module calls, ordered so that a call using another's outputs comes after it.
        let mut calls: Vec<&crate::module::CallDecl> = self.module.calls.iter().collect();
        let names: Vec<String> = calls.iter().map(|c| c.name.clone()).collect();
        let deps = |c: &crate::module::CallDecl| -> Vec<String> {
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
        let mut ordered: Vec<&crate::module::CallDecl> = Vec::new();
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

    /// Instance keys of a `count`/`for_each` block: `None` = single, no key.
    fn instance_keys(&self, body: &Body) -> (Vec<(String, Scope)>, bool) {
        let base = Scope::default();
        if let Some(count) = body.get_attribute("count") {
            let v = self.eval(&count.value, &base);
            return match v.as_number() {
                Some(n) if n >= 0.0 => (
                    (0..(n as usize).min(MAX_INSTANCES))
                        .map(|i| {
                            let mut m = BTreeMap::new();
                            m.insert("index".to_string(), Value::Number(i as f64));
                            (format!("[{i}]"), base.with("count", Value::Map(m)))
                        })
                        .collect(),
                    true,
                ),
                _ => {
                    let mut m = BTreeMap::new();
                    m.insert("index".to_string(), Value::unknown());
                    (
                        vec![(String::new(), base.with("count", Value::Map(m)))],
                        false,
                    )
                }
            };
        }
        if let Some(fe) = body.get_attribute("for_each") {
            let v = self.eval(&fe.value, &base);
            let each = |k: Value, v: Value| base.with("each", kv(k, v));
            return match v {
                Value::Map(m) => (
                    m.into_iter()
                        .take(MAX_INSTANCES)
                        .map(|(k, v)| (format!("[\"{k}\"]"), each(Value::String(k), v)))
                        .collect(),
                    true,
                ),
                Value::List(l) if l.iter().all(|v| v.to_str().is_some()) => (
                    l.into_iter()
                        .take(MAX_INSTANCES)
                        .map(|v| {
                            let k = v.to_str().unwrap_or_default();
                            (format!("[\"{k}\"]"), each(Value::String(k), v))
                        })
                        .collect(),
                    true,
                ),
                _ => (
                    vec![(String::new(), each(Value::unknown(), Value::unknown()))],
                    false,
                ),
            };
        }
        (vec![(String::new(), base)], true)
    }

    fn expand_call(
        &mut self,
        call: &crate::module::CallDecl<'a>,
        depth: usize,
        ancestry: &[PathBuf],
    ) -> Value {
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
        if depth >= MAX_MODULE_DEPTH || ancestry.contains(&dir) {
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
        let child_module = &self.env.modules[&dir];
        let (keys, known) = self.instance_keys(&call.block.body);
        let mut results: Vec<(String, Value)> = Vec::new();
        let mut chain = ancestry.to_vec();
        chain.push(dir.clone());
        for (k, scope) in keys {
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
            child.expand(depth + 1, &chain);
            let mut outs = BTreeMap::new();
            for (name, file, expr) in &child_module.outputs {
                self.env.current_file.set(Some(*file));
                outs.insert(name.clone(), child.eval(expr, &Scope::default()));
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

    fn expand_resource(&self, decl: &crate::module::ResourceDecl<'a>) {
        let (keys, known) = self.instance_keys(&decl.block.body);
        let kind = if decl.data { "data." } else { "" };
        let base = format!("{}{}{}.{}", self.prefix, kind, decl.rtype, decl.name);
        for (k, scope) in keys {
            self.env.current_file.set(Some(decl.file));
            let body = self.eval_body(&decl.block.body, &scope, decl.file, 0);
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
            };
            self.env.out.borrow_mut().instances.push(inst);
        }
    }

    /// Evaluates a block body, expanding `dynamic` blocks.
    fn eval_body(&self, body: &Body, scope: &Scope, file: FileId, depth: usize) -> EvalBody {
        let mut out = EvalBody::default();
        if depth > 32 {
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
            Some(fe) => match self.eval(&fe.value, scope) {
                Value::List(l) => l
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| (Value::Number(i as f64), v))
                    .collect(),
                Value::Map(m) => m.into_iter().map(|(k, v)| (Value::String(k), v)).collect(),
                Value::Null => Vec::new(),
                _ => vec![(Value::unknown(), Value::unknown())],
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

    fn local(&self, name: &str) -> Value {
        if let Some(v) = self.locals.borrow().get(name) {
            // None: being evaluated (self-reference) → unknown
            return v.clone().unwrap_or_else(Value::unknown);
        }
        let Some((file, expr)) = self.module.locals.get(name) else {
            return Value::unknown();
        };
        self.locals.borrow_mut().insert(name.to_string(), None);
        let outer = self.env.current_file.replace(Some(*file));
        let v = self.eval(expr, &Scope::default());
        self.env.current_file.set(outer);
        self.locals
            .borrow_mut()
            .insert(name.to_string(), Some(v.clone()));
        v
    }

    /// Evaluates an expression. Never panics; unsupported constructs are unknown.
    pub fn eval(&self, expr: &Expression, scope: &Scope) -> Value {
        let d = self.depth.get();
        if d > MAX_DEPTH || !self.step(1) {
            return Value::unknown();
        }
        self.depth.set(d + 1);
        let v = self.eval_inner(expr, scope);
        self.depth.set(d);
        if matches!(v, Value::List(_) | Value::Map(_))
            && weight(&v, MAX_VALUE_SIZE) > MAX_VALUE_SIZE
        {
            self.cut_short(format!("a value grew beyond {MAX_VALUE_SIZE} elements"));
            return Value::unknown();
        }
        if let Value::String(s) = &v {
            if s.len() > MAX_STRING_LEN {
                self.cut_short(format!("a string grew beyond {} MiB", MAX_STRING_LEN >> 20));
                return Value::unknown();
            }
        }
        v
    }

    /// Takes `n` steps from the budget; `false` once it is exhausted.
    fn step(&self, n: u64) -> bool {
        if self.env.exhausted.get() {
            return false;
        }
        let steps = self.env.steps.get() + n;
        self.env.steps.set(steps);
        if steps > MAX_STEPS {
            self.cut_short(format!("more than {MAX_STEPS} evaluation steps"));
            return false;
        }
        true
    }

    /// Reports (once per root) that evaluation stopped; everything after is unknown.
    fn cut_short(&self, why: String) {
        if self.env.exhausted.replace(true) {
            return;
        }
        let (file, line, column) = match self.env.current_file.get() {
            Some(id) => (self.env.files[id].display.clone(), 0, 0),
            None => (self.module.dir.display().to_string(), 0, 0),
        };
        self.env.out.borrow_mut().errors.push(LoadError {
            file,
            line,
            column,
            message: format!("evaluation cut short: {why}; the remaining values are unknown"),
        });
    }

    fn eval_inner(&self, expr: &Expression, scope: &Scope) -> Value {
        match expr {
            Expression::Null(_) => Value::Null,
            Expression::Bool(b) => Value::Bool(*b.value()),
            Expression::Number(n) => n.as_f64().map(Value::Number).unwrap_or_else(Value::unknown),
            Expression::String(s) => Value::String(s.value().clone()),
            Expression::Array(a) => Value::List(a.iter().map(|e| self.eval(e, scope)).collect()),
            Expression::Object(o) => {
                let mut m = BTreeMap::new();
                let mut unknown_keys = Vec::new();
                for (k, v) in o.iter() {
                    let val = self.eval(v.expr(), scope);
                    let key = match k {
                        ObjectKey::Ident(i) => Some(i.as_str().to_string()),
                        ObjectKey::Expression(e) => match e {
                            Expression::Variable(i) => Some(i.as_str().to_string()),
                            _ => self.eval(e, scope).to_str(),
                        },
                    };
                    match key {
                        Some(k) => {
                            m.insert(k, val);
                        }
                        None => unknown_keys.push(val),
                    }
                }
                if unknown_keys.is_empty() {
                    Value::Map(m)
                } else {
                    let all: Vec<Value> = m.into_values().chain(unknown_keys).collect();
                    Value::unknown_from(&all)
                }
            }
            Expression::StringTemplate(t) => self.eval_template(t, scope),
            Expression::HeredocTemplate(h) => self.eval_template(&h.template, scope),
            Expression::Parenthesis(p) => self.eval(p.inner(), scope),
            Expression::Variable(v) => self.root_value(v.as_str(), &[], scope).0,
            Expression::Conditional(c) => {
                let cond = self.eval(&c.cond_expr, scope);
                match cond.as_bool() {
                    Some(true) => self.eval(&c.true_expr, scope),
                    Some(false) => self.eval(&c.false_expr, scope),
                    None => {
                        let t = self.eval(&c.true_expr, scope);
                        let f = self.eval(&c.false_expr, scope);
                        if t == f && !t.contains_unknown() {
                            t
                        } else {
                            Value::unknown_from([&cond, &t, &f])
                        }
                    }
                }
            }
            Expression::FuncCall(f) => {
                let name = f.name.name.as_str();
                // `try` and `can` must see errors (unknowns) per argument.
                let args: Vec<Value> = f.args.iter().map(|a| self.eval(a, scope)).collect();
                let args = if f.args.expand_final() {
                    let mut args = args;
                    match args.pop() {
                        Some(Value::List(l)) => args.extend(l),
                        Some(other) => {
                            args.push(other);
                            return Value::unknown_from(&args);
                        }
                        None => {}
                    }
                    args
                } else {
                    args
                };
                functions::call(name, args)
            }
            Expression::Traversal(t) => {
                // Resolve the root (var.x, local.y, module.z.out, aws_x.y, ...) first.
                let ops: Vec<&TraversalOperator> = t.operators.iter().map(|o| o.value()).collect();
                let (root, used) = match &t.expr {
                    Expression::Variable(v) => self.root_value(v.as_str(), &ops, scope),
                    other => (self.eval(other, scope), 0),
                };
                self.apply_ops(root, &ops[used..], scope)
            }
            Expression::UnaryOp(u) => {
                let v = self.eval(&u.expr, scope);
                match u.operator.value() {
                    UnaryOperator::Not => match v.as_bool() {
                        Some(b) => Value::Bool(!b),
                        None => Value::unknown_from([&v]),
                    },
                    UnaryOperator::Neg => match v.as_number() {
                        Some(n) => Value::Number(-n),
                        None => Value::unknown_from([&v]),
                    },
                }
            }
            Expression::BinaryOp(b) => {
                let op = *b.operator.value();
                let l = self.eval(&b.lhs_expr, scope);
                // Short circuit where the answer is known whatever the other side is.
                if op == BinaryOperator::And && l.as_bool() == Some(false) {
                    return Value::Bool(false);
                }
                if op == BinaryOperator::Or && l.as_bool() == Some(true) {
                    return Value::Bool(true);
                }
                let r = self.eval(&b.rhs_expr, scope);
                binary(op, l, r)
            }
            Expression::ForExpr(f) => self.eval_for(f, scope),
        }
    }

    fn eval_for(&self, f: &hcl_edit::expr::ForExpr, scope: &Scope) -> Value {
        let coll = self.eval(&f.intro.collection_expr, scope);
        let items: Vec<(Value, Value)> = match coll {
            Value::List(l) => l
                .into_iter()
                .enumerate()
                .map(|(i, v)| (Value::Number(i as f64), v))
                .collect(),
            Value::Map(m) => m.into_iter().map(|(k, v)| (Value::String(k), v)).collect(),
            Value::Null => return Value::unknown(),
            other => return Value::unknown_from([&other]),
        };
        let key_var = f.intro.key_var.as_ref().map(|k| k.as_str().to_string());
        let val_var = f.intro.value_var.as_str().to_string();
        let mut list = Vec::new();
        let mut map: BTreeMap<String, Value> = BTreeMap::new();
        let mut grouped: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for (k, v) in items {
            if !self.step(1) {
                return Value::unknown();
            }
            let mut s = scope.clone();
            if let Some(kv) = &key_var {
                s = s.with(kv, k.clone());
            }
            s = s.with(&val_var, v);
            if let Some(c) = &f.cond {
                match self.eval(&c.expr, &s).as_bool() {
                    Some(true) => {}
                    Some(false) => continue,
                    None => return Value::unknown(),
                }
            }
            let val = self.eval(&f.value_expr, &s);
            match &f.key_expr {
                None => list.push(val),
                Some(ke) => {
                    let Some(key) = self.eval(ke, &s).to_str() else {
                        return Value::unknown_from([&val]);
                    };
                    if f.grouping {
                        grouped.entry(key).or_default().push(val);
                    } else {
                        map.insert(key, val);
                    }
                }
            }
        }
        if f.key_expr.is_none() {
            Value::List(list)
        } else if f.grouping {
            Value::Map(
                grouped
                    .into_iter()
                    .map(|(k, v)| (k, Value::List(v)))
                    .collect(),
            )
        } else {
            Value::Map(map)
        }
    }

    fn eval_template(&self, t: &Template, scope: &Scope) -> Value {
        let mut s = String::new();
        let mut unknowns: Vec<Value> = Vec::new();
        for el in t.iter() {
            match el {
                Element::Literal(l) => s.push_str(l.value()),
                Element::Interpolation(i) => {
                    let v = self.eval(&i.expr, scope);
                    match v.to_str() {
                        Some(x) if unknowns.is_empty() => s.push_str(&x),
                        Some(_) => {}
                        None => unknowns.push(v),
                    }
                }
                Element::Directive(_) => unknowns.push(Value::unknown()),
            }
        }
        if unknowns.is_empty() {
            Value::String(s)
        } else {
            Value::unknown_from(&unknowns)
        }
    }

    /// Resolves a root name with the operators that belong to it. Returns the value and how
    /// many operators were consumed.
    fn root_value(&self, name: &str, ops: &[&TraversalOperator], scope: &Scope) -> (Value, usize) {
        if let Some(v) = scope.get(name) {
            return (v.clone(), 0);
        }
        let attr = |i: usize| match ops.get(i) {
            Some(TraversalOperator::GetAttr(a)) => Some(a.as_str()),
            _ => None,
        };
        match name {
            "var" => match attr(0) {
                Some(n) => (self.vars.get(n).cloned().unwrap_or_else(Value::unknown), 1),
                None => (Value::unknown(), ops.len()),
            },
            "local" => match attr(0) {
                Some(n) => (self.local(n), 1),
                None => (Value::unknown(), ops.len()),
            },
            "module" => match attr(0) {
                Some(n) => (
                    self.children.get(n).cloned().unwrap_or_else(|| {
                        Value::Unknown(vec![format!("{}module.{n}", self.prefix)])
                    }),
                    1,
                ),
                None => (Value::unknown(), ops.len()),
            },
            "data" => match (attr(0), attr(1)) {
                (Some(t), Some(n)) => (
                    Value::Unknown(vec![format!("{}data.{t}.{n}", self.prefix)]),
                    ops.len(),
                ),
                _ => (Value::unknown(), ops.len()),
            },
            "path" => match attr(0) {
                Some("module") | Some("root") | Some("cwd") => {
                    (Value::String(self.module.dir.display().to_string()), 1)
                }
                _ => (Value::unknown(), ops.len()),
            },
            "terraform" => match attr(0) {
                Some("workspace") => (Value::String("default".into()), 1),
                _ => (Value::unknown(), ops.len()),
            },
            "count" | "each" | "self" => (Value::unknown(), ops.len()),
            _ => match attr(0) {
                // A resource reference: known after apply, but remember which resource.
                Some(n) => (
                    Value::Unknown(vec![format!("{}{name}.{n}", self.prefix)]),
                    ops.len(),
                ),
                None => (Value::unknown(), ops.len()),
            },
        }
    }

    fn apply_ops(&self, mut v: Value, ops: &[&TraversalOperator], scope: &Scope) -> Value {
        for (i, op) in ops.iter().enumerate() {
            if let Value::Unknown(_) = v {
                return v;
            }
            v = match op {
                TraversalOperator::GetAttr(a) => match v {
                    Value::Map(mut m) => m.remove(a.as_str()).unwrap_or_else(Value::error),
                    Value::Null => Value::error(),
                    other => Value::unknown_from([&other]),
                },
                TraversalOperator::Index(e) => {
                    let idx = self.eval(e, scope);
                    index(v, &idx)
                }
                TraversalOperator::LegacyIndex(n) => index(v, &Value::Number(*n.value() as f64)),
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    let items = match v {
                        Value::List(l) => l,
                        Value::Null => Vec::new(),
                        other => vec![other],
                    };
                    let rest = &ops[i + 1..];
                    return Value::List(
                        items
                            .into_iter()
                            .map(|it| self.apply_ops(it, rest, scope))
                            .collect(),
                    );
                }
            };
        }
        v
    }
}

fn index(v: Value, idx: &Value) -> Value {
    match (v, idx) {
        (Value::List(mut l), i) => match i.as_number() {
            Some(n) if n >= 0.0 && (n as usize) < l.len() => l.swap_remove(n as usize),
            Some(_) => Value::error(),
            _ => Value::unknown_from(l.iter()),
        },
        (Value::Map(mut m), i) => match i.to_str() {
            Some(k) => m.remove(&k).unwrap_or_else(Value::error),
            None => Value::unknown_from(m.values()),
        },
        (other, _) => Value::unknown_from([&other]),
    }
}

fn binary(op: BinaryOperator, l: Value, r: Value) -> Value {
    use BinaryOperator::*;
    match op {
        And | Or => match (l.as_bool(), r.as_bool()) {
            (Some(a), Some(b)) => Value::Bool(if op == And { a && b } else { a || b }),
            (_, Some(false)) if op == And => Value::Bool(false),
            (_, Some(true)) if op == Or => Value::Bool(true),
            _ => Value::unknown_from([&l, &r]),
        },
        Eq | NotEq => {
            if l.contains_unknown() || r.contains_unknown() {
                return Value::unknown_from([&l, &r]);
            }
            let eq = match (&l, &r) {
                (Value::Number(_), Value::String(_)) | (Value::String(_), Value::Number(_)) => {
                    l.to_str() == r.to_str()
                }
                _ => l == r,
            };
            Value::Bool(if op == Eq { eq } else { !eq })
        }
        _ => {
            let (Some(a), Some(b)) = (l.as_number(), r.as_number()) else {
                return Value::unknown_from([&l, &r]);
            };
            match op {
                LessEq => Value::Bool(a <= b),
                GreaterEq => Value::Bool(a >= b),
                Less => Value::Bool(a < b),
                Greater => Value::Bool(a > b),
                Plus => Value::Number(a + b),
                Minus => Value::Number(a - b),
                Mul => Value::Number(a * b),
                Div if b != 0.0 => Value::Number(a / b),
                Mod if b != 0.0 => Value::Number(a % b),
                _ => Value::unknown(),
            }
        }
    }
}

/// Number of nodes in a value, counting at most to `cap + 1`.
fn weight(v: &Value, cap: usize) -> usize {
    fn go(v: &Value, n: &mut usize, cap: usize) {
        *n += 1;
        if *n > cap {
            return;
        }
        match v {
            Value::List(l) => l.iter().for_each(|x| go(x, n, cap)),
            Value::Map(m) => m.values().for_each(|x| go(x, n, cap)),
            _ => {}
        }
    }
    let mut n = 0;
    go(v, &mut n, cap);
    n
}

/// Source text of a non-literal expression, for messages.
fn source_text(e: &Expression, text: &str) -> Option<String> {
    match e {
        Expression::Null(_)
        | Expression::Bool(_)
        | Expression::Number(_)
        | Expression::String(_) => None,
        _ => {
            let s = text.get(span_of(e))?.trim();
            if s.is_empty() {
                return None;
            }
            let one_line = s.lines().next().unwrap_or(s);
            Some(
                if one_line.len() < s.len() || one_line.chars().count() > 60 {
                    format!("{}…", one_line.chars().take(60).collect::<String>())
                } else {
                    one_line.to_string()
                },
            )
        }
    }
}
