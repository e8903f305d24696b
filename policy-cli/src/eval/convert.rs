//! Declared variable types applied to given values: primitive conversions and the
//! defaults of `optional(type, default)` object attributes.

use std::collections::BTreeMap;

use hcl_edit::expr::{Expression, ObjectKey};

use super::budget::MAX_TYPE_DEPTH;
use crate::value::Value;

/// Converts a value to a declared type: primitive conversions (`"true"` → `true`) and the
/// defaults of `optional(type, default)` object attributes, through `map`/`list`/`set`.
pub(super) fn convert(v: Value, ty: Option<&Expression>, depth: usize) -> Value {
    let Some(ty) = ty else { return v };
    if depth > MAX_TYPE_DEPTH {
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
pub(super) fn literal(e: &Expression) -> Value {
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
