//! Evaluating modules the way Terraform would before apply: variables, locals, module
//! calls, `count`/`for_each`, `dynamic` blocks. What cannot be known stays
//! [`Value::Unknown`]. The evaluator reads no file: the variable values of a root module
//! come from [`inputs`] (tfvars files, `--var`), the syntax trees from the workspace.
//!
//! [`expand`] expands module calls, resources and blocks into [`Instance`]s, [`expr`]
//! evaluates expressions, [`convert`] applies declared variable types, and [`budget`]
//! bounds the work per root module (steps, value sizes).

mod budget;
mod convert;
mod expand;
mod expr;
pub mod inputs;
mod refs;

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use hcl_edit::expr::{Expression, TraversalOperator};

pub use crate::instance::{EvalAttr, EvalBlock, EvalBody, Instance};
use crate::module::{span_of, Module};
use crate::parse::{FileId, LoadError, SourceFile};
use crate::value::Value;
pub use budget::MAX_STEPS;
use convert::convert;
pub(crate) use expand::agreed_default_tags;
pub(crate) use expr::source_text;
pub use inputs::{GivenInput, InputValue, Inputs, RootInputs};

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
    /// The `default_tags` of every AWS provider configuration, by key (see
    /// [`Instance::provider`]): `Value::Null` when it sets none.
    pub provider_tags: HashMap<String, Value>,
    /// Where each AWS provider configuration (same keys) creates resources, where known
    /// from literals: its `region`, and its account (the one of `allowed_account_ids`, or
    /// that of the `assume_role` role's ARN).
    pub provider_places: HashMap<String, ProviderPlace>,
    /// Evaluation steps taken (at most a little over [`budget::MAX_STEPS`]): the work
    /// done, independent of the machine's speed.
    pub steps: u64,
}

/// The region and account of an AWS provider configuration (`None`: not known).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProviderPlace {
    pub region: Option<String>,
    pub account: Option<String>,
}

/// Values given for a module's variables, with where they were set.
type Given = HashMap<String, (Value, String)>;

/// Environment shared by all module instances of one root.
pub struct Env<'a> {
    pub files: &'a [SourceFile],
    pub modules: &'a HashMap<PathBuf, Module<'a>>,
    pub installed: Option<&'a HashMap<String, PathBuf>>,
    pub out: RefCell<RootResult>,
    /// Evaluation steps taken (see [`budget::MAX_STEPS`]).
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
    /// The instance keys of this module instance's resources (`None` while evaluated).
    resource_keys: RefCell<HashMap<usize, Option<Rc<refs::Keys>>>>,
    /// Provider configuration addresses as this module instance names them (`aws`,
    /// `aws.dr`) → the configuration's key in [`RootResult::provider_tags`].
    providers: HashMap<String, String>,
    /// This module's managed resources by (type, name), built on first use.
    resource_index: std::cell::OnceCell<HashMap<(&'a str, &'a str), usize>>,
    /// `address.attr` being followed (see `refs.rs`), against reference cycles.
    following: RefCell<HashSet<String>>,
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

/// The (key, value) pairs of a list (index, element) or map, in order; anything else is
/// given back.
fn entries(v: Value) -> Result<Vec<(Value, Value)>, Value> {
    match v {
        Value::List(l) => Ok(l
            .into_iter()
            .enumerate()
            .map(|(i, v)| (Value::Number(i as f64), v))
            .collect()),
        Value::Map(m) => Ok(m.into_iter().map(|(k, v)| (Value::String(k), v)).collect()),
        other => Err(other),
    }
}

fn kv(key: Value, value: Value) -> Value {
    let mut m = BTreeMap::new();
    m.insert("key".to_string(), key);
    m.insert("value".to_string(), value);
    Value::Map(m)
}

/// Evaluates a root module and everything it calls, with the variable values given to it
/// ([`inputs::load`]).
pub fn eval_root<'a>(
    files: &'a [SourceFile],
    modules: &'a HashMap<PathBuf, Module<'a>>,
    installed: Option<&'a HashMap<String, PathBuf>>,
    root: &Path,
    inputs: &RootInputs,
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
    env.out
        .borrow_mut()
        .errors
        .extend(inputs.errors.iter().cloned());
    // Variables files are evaluated outside any module (literals and functions only).
    let no_module = Module::empty(Path::new(""));
    let mut given: Given = HashMap::new();
    for input in &inputs.values {
        let value = match &input.value {
            InputValue::File(e) => Ctx::empty(&env, &no_module).eval(e, &Scope::default()),
            InputValue::Flag { text, parsed } => match parsed {
                Some(e) => Ctx::empty(&env, module).eval(e, &Scope::default()),
                None => Value::String(text.clone()),
            },
        };
        given.insert(input.name.clone(), (value, input.origin.clone()));
    }
    let mut ctx = Ctx::new(&env, module, String::new(), String::new(), given, true);
    ctx.expand(0, &[root.to_path_buf()]);
    let default_tags = ctx.aws_default_tags();
    let mut out = env.out.into_inner();
    out.default_tags = default_tags;
    out.steps = env.steps.get();
    out
}

impl<'a, 'e> Ctx<'a, 'e> {
    pub(super) fn empty(env: &'e Env<'a>, module: &'a Module<'a>) -> Ctx<'a, 'e> {
        Ctx {
            env,
            module,
            prefix: String::new(),
            key: String::new(),
            vars: HashMap::new(),
            var_origins: HashMap::new(),
            locals: RefCell::new(HashMap::new()),
            children: HashMap::new(),
            resource_keys: RefCell::new(HashMap::new()),
            following: RefCell::new(HashSet::new()),
            resource_index: std::cell::OnceCell::new(),
            providers: HashMap::new(),
            depth: Cell::new(0),
            certain: true,
        }
    }

    pub(super) fn new(
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
    pub(super) fn origin_of(&self, e: &Expression) -> Option<String> {
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

    pub(super) fn error(&self, file: FileId, span: Range<usize>, message: String) {
        let f = &self.env.files[file];
        let (line, column) = f.line_col(span.start);
        self.env.out.borrow_mut().errors.push(LoadError {
            file: f.display.clone(),
            line,
            column,
            message,
        });
    }
}
