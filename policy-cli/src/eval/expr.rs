//! Expressions: operators, conditionals, `for` expressions, templates, function calls
//! ([`crate::functions`]), references (`var.`, `local.`, `module.`, resources) and
//! traversals. Never panics; unsupported constructs are unknown.

use std::collections::BTreeMap;

use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::template::{Element, Template};

use super::budget::{weight, MAX_DEPTH, MAX_STRING_LEN, MAX_VALUE_SIZE};
use super::{entries, Ctx, Scope};
use crate::functions;
use crate::module::{span_of, LocalDecl};
use crate::value::Value;

impl Ctx<'_, '_> {
    pub(super) fn local(&self, name: &str) -> Value {
        if let Some(v) = self.locals.borrow().get(name) {
            // None: being evaluated (self-reference) → unknown
            return v.clone().unwrap_or_else(Value::unknown);
        }
        let Some(&LocalDecl { file, expr }) = self.module.locals.get(name) else {
            return Value::unknown();
        };
        self.locals.borrow_mut().insert(name.to_string(), None);
        let outer = self.env.current_file.replace(Some(file));
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
        // An error anywhere fails the whole expression (until `try`/`can`). Every value
        // evaluated here collapses this way, so an error can only be a direct element.
        let has_error = match &v {
            Value::List(l) => l.iter().any(Value::is_error),
            Value::Map(m) => m.values().any(Value::is_error),
            _ => false,
        };
        if has_error {
            return Value::error();
        }
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
        let items = match entries(coll) {
            Ok(items) => items,
            Err(Value::Null) => return Value::unknown(),
            Err(other) => return Value::unknown_from([&other]),
        };
        let key_var = f.intro.key_var.as_ref().map(|k| k.as_str().to_string());
        let val_var = f.intro.value_var.as_str().to_string();
        let mut list = Vec::new();
        let mut map: BTreeMap<String, Value> = BTreeMap::new();
        let mut grouped: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        // Elements whose condition or key is unknown: the result is unknown, but derived
        // from every element it may hold.
        let mut maybe: Vec<Value> = Vec::new();
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
                let cond = self.eval(&c.expr, &s);
                match cond.as_bool() {
                    Some(true) => {}
                    Some(false) => continue,
                    None if cond.contains_error() => return Value::error(),
                    None => {
                        maybe.push(self.eval(&f.value_expr, &s));
                        continue;
                    }
                }
            }
            let val = self.eval(&f.value_expr, &s);
            match &f.key_expr {
                None => list.push(val),
                Some(ke) => {
                    let key = self.eval(ke, &s);
                    if key.contains_error() {
                        return Value::error();
                    }
                    let Some(key) = key.to_str() else {
                        maybe.push(val);
                        continue;
                    };
                    if f.grouping {
                        grouped.entry(key).or_default().push(val);
                    } else {
                        map.insert(key, val);
                    }
                }
            }
        }
        if !maybe.is_empty() {
            let known = list
                .into_iter()
                .chain(map.into_values())
                .chain(grouped.into_values().flatten());
            let all: Vec<Value> = known.chain(maybe).collect();
            return Value::unknown_from(&all);
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
        // A template that is a single interpolation is that expression's value, unconverted
        // (`"${local.tags}"` is a map).
        let mut elements = t.iter();
        if let (Some(Element::Interpolation(i)), None) = (elements.next(), elements.next()) {
            return self.eval(&i.expr, scope);
        }
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
                // A resource reference: its instances (see `refs.rs`); `x[key]` names one
                // without building the others.
                Some(n) => {
                    let key = match ops.get(1) {
                        Some(TraversalOperator::Index(e)) => Some(self.eval(e, scope)),
                        Some(TraversalOperator::LegacyIndex(i)) => {
                            Some(Value::Number(*i.value() as f64))
                        }
                        _ => None,
                    };
                    if let Some(one) = key.and_then(|k| self.resource_instance(name, n, &k)) {
                        return (one, 2);
                    }
                    (self.resource_value(name, n), 1)
                }
                None => (Value::unknown(), ops.len()),
            },
        }
    }

    fn apply_ops(&self, mut v: Value, ops: &[&TraversalOperator], scope: &Scope) -> Value {
        for (i, op) in ops.iter().enumerate() {
            if let Value::Unknown(_) = v {
                if let TraversalOperator::GetAttr(a) = op {
                    if let Some(set) = self.follow_attr(&v, a.as_str()) {
                        v = set;
                        continue;
                    }
                }
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

/// The longest source text kept for an attribute (characters of its first line).
const SOURCE_MAX: usize = 300;

/// Source text of a non-literal expression, for messages.
pub(crate) fn source_text(e: &Expression, text: &str) -> Option<String> {
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
            // The first line whole (messages shorten it, see `rules::quote`; rules may read
            // an ARN template's fields), bounded; `…` marks what was left out.
            let one_line = s.lines().next().unwrap_or(s);
            Some(
                if one_line.len() < s.len() || one_line.chars().count() > SOURCE_MAX {
                    format!("{}…", one_line.chars().take(SOURCE_MAX).collect::<String>())
                } else {
                    one_line.to_string()
                },
            )
        }
    }
}
