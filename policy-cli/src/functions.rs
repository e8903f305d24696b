//! The common Terraform built-in functions. Anything else is unknown, remembering the
//! resources its arguments referred to.
//!
//! A call that fails in Terraform on known arguments (`tobool("suspended")`, `lookup`
//! of a missing key without a default, `element` of an empty list, `one` of two
//! elements, `coalesce` of nothing) is an error value ([`Value::error`]), not an unknown:
//! `try` moves on to its next argument and `can` is false. An error in an argument fails
//! the call. Unknown stays for what is not known before apply.

mod pattern;

use std::collections::BTreeMap;

use crate::value::Value;

/// Calls a built-in function on evaluated arguments.
pub fn call(name: &str, args: Vec<Value>) -> Value {
    // Functions that handle unknown arguments themselves.
    match name {
        "try" => {
            for a in &args {
                if a.contains_error() {
                    continue;
                }
                if !a.contains_unknown() {
                    return a.clone();
                }
                return Value::unknown_from([a]);
            }
            // Every argument failed: so does `try`.
            return Value::error();
        }
        "can" => {
            return match args.first() {
                Some(a) if a.contains_error() => Value::Bool(false),
                Some(a) if !a.contains_unknown() => Value::Bool(true),
                _ => Value::unknown(),
            }
        }
        // Evaluated values hold no nested error (`eval` collapses them): a shallow check.
        _ if args.iter().any(Value::is_error) => return Value::error(),
        "coalesce" => {
            for a in &args {
                match a {
                    Value::Unknown(_) => return Value::unknown_from(&args),
                    Value::Null => continue,
                    Value::String(s) if s.is_empty() => continue,
                    other => return other.clone(),
                }
            }
            // "no non-null, non-empty-string arguments"
            return Value::error();
        }
        "concat" => {
            let mut out = Vec::new();
            for a in &args {
                match a {
                    Value::List(l) => out.extend(l.iter().cloned()),
                    // Not a known list: unknown, from the elements of every argument.
                    _ => return Value::unknown_from(&args),
                }
            }
            return Value::List(out);
        }
        "tolist" | "toset" => {
            return match args.into_iter().next() {
                Some(Value::List(l)) if name == "toset" => Value::List(dedup(l)),
                Some(v) => v,
                None => Value::unknown(),
            }
        }
        "tomap" | "sensitive" | "nonsensitive" | "tostring" if args.len() == 1 => {
            let v = args.into_iter().next().unwrap_or(Value::Null);
            if name == "tostring" {
                return v.to_str().map(Value::String).unwrap_or(v);
            }
            return v;
        }
        "compact" => {
            return match args.first() {
                Some(Value::List(l)) => Value::List(
                    l.iter()
                        .filter(|v| !v.is_null() && v.as_str() != Some(""))
                        .cloned()
                        .collect(),
                ),
                _ => Value::unknown_from(&args),
            }
        }
        "merge" => {
            let mut m = BTreeMap::new();
            for a in &args {
                match a {
                    Value::Map(x) => m.extend(x.clone()),
                    Value::Null => {}
                    _ => return Value::unknown_from(&args),
                }
            }
            return Value::Map(m);
        }
        "lookup" => {
            return match (args.first(), args.get(1)) {
                (Some(Value::Map(m)), Some(k)) => match k.to_str().and_then(|k| m.get(&k)) {
                    Some(v) => v.clone(),
                    None if k.contains_unknown() => Value::unknown_from(&args),
                    // Without a default, a missing key is an error.
                    None => args.get(2).cloned().unwrap_or_else(Value::error),
                },
                _ => Value::unknown_from(&args),
            };
        }
        "length" => {
            return match args.first() {
                Some(Value::List(l)) => Value::Number(l.len() as f64),
                Some(Value::Map(m)) => Value::Number(m.len() as f64),
                Some(Value::String(s)) => Value::Number(s.chars().count() as f64),
                _ => Value::unknown_from(&args),
            }
        }
        "flatten" => {
            fn flat(v: &Value, out: &mut Vec<Value>) -> bool {
                match v {
                    Value::List(l) => l.iter().all(|x| flat(x, out)),
                    Value::Unknown(_) => false,
                    other => {
                        out.push(other.clone());
                        true
                    }
                }
            }
            let mut out = Vec::new();
            return match args.first() {
                Some(v) if flat(v, &mut out) => Value::List(out),
                _ => Value::unknown_from(&args),
            };
        }
        "one" => {
            return match args.first() {
                Some(Value::List(l)) if l.is_empty() => Value::Null,
                Some(Value::List(l)) if l.len() == 1 => l[0].clone(),
                Some(Value::List(l)) if !l.iter().any(Value::contains_unknown) => Value::error(),
                _ => Value::unknown_from(&args),
            }
        }
        "element" => {
            return match (args.first(), args.get(1).and_then(Value::as_number)) {
                (Some(Value::List(l)), Some(i)) if !l.is_empty() && i >= 0.0 => {
                    l[(i as usize) % l.len()].clone()
                }
                // "cannot use element function with an empty list"
                (Some(Value::List(l)), Some(_)) if l.is_empty() => Value::error(),
                _ => Value::unknown_from(&args),
            };
        }
        "keys" | "values" => {
            return match args.first() {
                Some(Value::Map(m)) if name == "keys" => {
                    Value::List(m.keys().map(|k| Value::String(k.clone())).collect())
                }
                Some(Value::Map(m)) => Value::List(m.values().cloned().collect()),
                _ => Value::unknown_from(&args),
            }
        }
        "contains" => {
            return match (args.first(), args.get(1)) {
                (Some(Value::List(l)), Some(x)) if !x.contains_unknown() => {
                    if l.contains(x) {
                        Value::Bool(true)
                    } else if l.iter().any(Value::contains_unknown) {
                        Value::unknown()
                    } else {
                        Value::Bool(false)
                    }
                }
                _ => Value::unknown_from(&args),
            }
        }
        _ => {}
    }
    if args.iter().any(Value::contains_unknown) {
        return Value::unknown_from(&args);
    }
    let s = |i: usize| args.get(i).and_then(Value::to_str);
    let n = |i: usize| args.get(i).and_then(Value::as_number);
    let r = match name {
        "lower" => s(0).map(|x| Value::String(x.to_lowercase())),
        "upper" => s(0).map(|x| Value::String(x.to_uppercase())),
        "trimspace" => s(0).map(|x| Value::String(x.trim().to_string())),
        "title" => s(0).map(|x| {
            let mut out = String::new();
            let mut start = true;
            for c in x.chars() {
                if start {
                    out.extend(c.to_uppercase());
                } else {
                    out.push(c);
                }
                start = c.is_whitespace();
            }
            Value::String(out)
        }),
        // A value that does not convert is an error (null converts to null).
        "tobool" => match args.first() {
            Some(Value::Null) => Some(Value::Null),
            Some(v) => Some(v.as_bool().map(Value::Bool).unwrap_or_else(Value::error)),
            None => None,
        },
        "tonumber" => match args.first() {
            Some(Value::Null) => Some(Value::Null),
            Some(Value::Bool(_) | Value::List(_) | Value::Map(_)) => Some(Value::error()),
            Some(_) => Some(n(0).map(Value::Number).unwrap_or_else(Value::error)),
            None => None,
        },
        "abs" => n(0).map(|x| Value::Number(x.abs())),
        "ceil" => n(0).map(|x| Value::Number(x.ceil())),
        "floor" => n(0).map(|x| Value::Number(x.floor())),
        "max" | "min" => {
            let nums: Option<Vec<f64>> = args.iter().map(Value::as_number).collect();
            nums.filter(|v| !v.is_empty()).map(|v| {
                Value::Number(if name == "max" {
                    v.into_iter().fold(f64::MIN, f64::max)
                } else {
                    v.into_iter().fold(f64::MAX, f64::min)
                })
            })
        }
        "join" => match (s(0), args.get(1)) {
            (Some(sep), Some(Value::List(l))) => l
                .iter()
                .map(Value::to_str)
                .collect::<Option<Vec<_>>>()
                .map(|v| Value::String(v.join(&sep))),
            _ => None,
        },
        "split" => match (s(0), s(1)) {
            (Some(sep), Some(x)) if !sep.is_empty() => Some(Value::List(
                x.split(sep.as_str())
                    .map(|p| Value::String(p.to_string()))
                    .collect(),
            )),
            _ => None,
        },
        "replace" => match (s(0), s(1), s(2)) {
            (Some(x), Some(a), Some(b)) if !a.starts_with('/') && !a.is_empty() => {
                Some(Value::String(x.replace(&a, &b)))
            }
            _ => None,
        },
        "startswith" => match (s(0), s(1)) {
            (Some(x), Some(p)) => Some(Value::Bool(x.starts_with(&p))),
            _ => None,
        },
        "endswith" => match (s(0), s(1)) {
            (Some(x), Some(p)) => Some(Value::Bool(x.ends_with(&p))),
            _ => None,
        },
        "substr" => match (s(0), n(1), n(2)) {
            (Some(x), Some(off), Some(len)) if off >= 0.0 => {
                let it = x.chars().skip(off as usize);
                Some(Value::String(if len < 0.0 {
                    it.collect()
                } else {
                    it.take(len as usize).collect()
                }))
            }
            _ => None,
        },
        "format" => s(0).and_then(|f| format(&f, &args[1..])),
        "distinct" => match args.first() {
            Some(Value::List(l)) => Some(Value::List(dedup(l.clone()))),
            _ => None,
        },
        "reverse" => match args.first() {
            Some(Value::List(l)) => Some(Value::List(l.iter().rev().cloned().collect())),
            _ => None,
        },
        "range" => match (n(0), n(1)) {
            (Some(a), None) if (0.0..=1000.0).contains(&a) => Some(Value::List(
                (0..a as i64).map(|i| Value::Number(i as f64)).collect(),
            )),
            (Some(a), Some(b)) if b - a <= 1000.0 && a <= b => Some(Value::List(
                (a as i64..b as i64)
                    .map(|i| Value::Number(i as f64))
                    .collect(),
            )),
            _ => None,
        },
        "zipmap" => match (args.first(), args.get(1)) {
            (Some(Value::List(k)), Some(Value::List(v))) => k
                .iter()
                .zip(v)
                .map(|(k, v)| k.to_str().map(|k| (k, v.clone())))
                .collect::<Option<BTreeMap<_, _>>>()
                .map(Value::Map),
            _ => None,
        },
        "coalescelist" => args
            .iter()
            .find(|a| matches!(a, Value::List(l) if !l.is_empty()))
            .cloned()
            .or(Some(Value::List(Vec::new()))),
        "slice" => match (args.first(), n(1), n(2)) {
            (Some(Value::List(l)), Some(a), Some(b))
                if a >= 0.0 && a <= b && (b as usize) <= l.len() =>
            {
                Some(Value::List(l[a as usize..b as usize].to_vec()))
            }
            // Out of range.
            (Some(Value::List(_)), Some(_), Some(_)) => Some(Value::error()),
            _ => None,
        },
        "setunion" => {
            let mut out = Vec::new();
            for a in &args {
                match a {
                    Value::List(l) => out.extend(l.iter().cloned()),
                    _ => return Value::unknown_from(&args),
                }
            }
            Some(Value::List(dedup(out)))
        }
        "alltrue" | "anytrue" => match args.first() {
            Some(Value::List(l)) => {
                let bs: Option<Vec<bool>> = l.iter().map(Value::as_bool).collect();
                bs.map(|b| {
                    Value::Bool(if name == "alltrue" {
                        b.iter().all(|x| *x)
                    } else {
                        b.iter().any(|x| *x)
                    })
                })
            }
            _ => None,
        },
        "regex" | "regexall" => pattern::call(name == "regexall", &args),
        "jsonencode" | "jsondecode" | "file" | "templatefile" | "base64encode" | "md5"
        | "sha256" | "uuid" | "timestamp" | "cidrsubnet" => None,
        _ => None,
    };
    r.unwrap_or_else(|| Value::unknown_from(&args))
}

fn dedup(l: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for v in l {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// `format` with the verbs `%s`, `%d`, `%v`, `%%`.
fn format(f: &str, args: &[Value]) -> Option<Value> {
    let mut out = String::new();
    let mut it = args.iter();
    let mut chars = f.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '%' => out.push('%'),
            's' | 'd' | 'v' => out.push_str(&it.next()?.to_str()?),
            _ => return None,
        }
    }
    Some(Value::String(out))
}
