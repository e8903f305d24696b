//! Values as Terraform would compute them statically, with an explicit `Unknown`.
//!
//! An unknown value remembers which resources it was derived from (`refs`), so that
//! `aws_backup_selection.resources = [aws_ebs_volume.data.arn]` still tells us which
//! volume it covers even though the ARN itself is only known after apply.

use std::collections::BTreeMap;

const ERROR_MARK: &str = "!error";
/// In the refs of an unknown derived from values of which one was opaque (an unknown that
/// refers to nothing, such as a variable without a value): the value may come from
/// anywhere, not only from the refs beside the mark.
const OPAQUE_MARK: &str = "?";

/// A statically evaluated Terraform value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    List(Vec<Value>),
    Map(BTreeMap<String, Value>),
    /// Not knowable before apply (or not understood). `refs` are the base addresses of the
    /// resources / data sources the value depends on.
    Unknown(Vec<String>),
}

impl Value {
    pub fn unknown() -> Value {
        Value::Unknown(Vec::new())
    }

    /// What Terraform would report as an error (missing attribute, index out of range):
    /// unknown to us, but `try` moves on to its next argument.
    pub fn error() -> Value {
        Value::Unknown(vec![ERROR_MARK.to_string()])
    }

    pub fn is_error(&self) -> bool {
        matches!(self, Value::Unknown(r) if r.len() == 1 && r[0] == ERROR_MARK)
    }

    /// Whether this value or anything inside it is an error: Terraform would fail the whole
    /// expression (unless `try`/`can` catch it).
    pub fn contains_error(&self) -> bool {
        match self {
            Value::Unknown(r) => r.iter().any(|x| x == ERROR_MARK),
            Value::List(l) => l.iter().any(Value::contains_error),
            Value::Map(m) => m.values().any(Value::contains_error),
            _ => false,
        }
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown(_))
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// `true`/`false` when known; strings "true"/"false" convert like Terraform does.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s == "true" => Some(true),
            Value::String(s) if s == "false" => Some(false),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Converts a primitive to its string form (Terraform's automatic conversion).
    pub fn to_str(&self) -> Option<String> {
        match self {
            Value::String(s) => Some(s.clone()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Number(n) => Some(fmt_number(*n)),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// Whether this value or anything inside it is unknown.
    pub fn contains_unknown(&self) -> bool {
        match self {
            Value::Unknown(_) => true,
            Value::List(l) => l.iter().any(Value::contains_unknown),
            Value::Map(m) => m.values().any(Value::contains_unknown),
            _ => false,
        }
    }

    /// Whether some part is unknown without telling what it refers to (could be anything).
    /// An error counts: what Terraform would reject says nothing of what it refers to.
    pub fn contains_opaque_unknown(&self) -> bool {
        match self {
            Value::Unknown(r) => {
                r.is_empty() || r.iter().any(|x| x == OPAQUE_MARK || x == ERROR_MARK)
            }
            Value::List(l) => l.iter().any(Value::contains_opaque_unknown),
            Value::Map(m) => m.values().any(Value::contains_opaque_unknown),
            _ => false,
        }
    }

    /// Every resource address this value was derived from.
    pub fn collect_refs<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Value::Unknown(r) => out.extend(r.iter().map(String::as_str)),
            Value::List(l) => l.iter().for_each(|v| v.collect_refs(out)),
            Value::Map(m) => m.values().for_each(|v| v.collect_refs(out)),
            _ => {}
        }
    }

    pub fn refers_to(&self, address: &str) -> bool {
        let mut refs = Vec::new();
        self.collect_refs(&mut refs);
        refs.contains(&address)
    }

    /// Whether this value refers to the instance `address` of the resource `base`: by its
    /// own address (`aws_s3_bucket.lake["raw"]`, `x[0]`), or by the resource's address
    /// when which instance cannot be told (`x[var.unknown]`: it may be this one). A
    /// reference to a sibling instance does not count.
    pub fn refers_to_instance(&self, base: &str, address: &str) -> bool {
        let mut refs = Vec::new();
        self.collect_refs(&mut refs);
        refs.iter().any(|r| *r == address || *r == base)
    }

    /// Merges the refs of several values into one unknown. When one of them is opaque the
    /// result stays opaque (see [`OPAQUE_MARK`]): `concat(var.x, [aws_subnet.a.id])` is not
    /// derived from `aws_subnet.a` alone.
    /// An error among them makes the result an error (Terraform fails the expression).
    pub fn unknown_from<'a>(vals: impl IntoIterator<Item = &'a Value>) -> Value {
        let mut refs: Vec<String> = Vec::new();
        for v in vals {
            // Evaluated values hold no nested error (the evaluator collapses them).
            if v.is_error() {
                return Value::error();
            }
            if v.contains_opaque_unknown() && !refs.iter().any(|x| x == OPAQUE_MARK) {
                refs.push(OPAQUE_MARK.to_string());
            }
            let mut r = Vec::new();
            v.collect_refs(&mut r);
            for s in r {
                if !refs.iter().any(|x| x == s) {
                    refs.push(s.to_string());
                }
            }
        }
        Value::Unknown(refs)
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Map(_) => "map",
            Value::Unknown(_) => "unknown",
        }
    }

    /// Short HCL-like rendering for messages: `false`, `"LRS"`, `["a"]`.
    pub fn display(&self) -> String {
        let mut s = String::new();
        self.write_display(&mut s, 0);
        s
    }

    fn write_display(&self, s: &mut String, depth: usize) {
        if s.len() > 80 || depth > 4 {
            s.push('…');
            return;
        }
        match self {
            Value::Null => s.push_str("null"),
            Value::Bool(b) => s.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => s.push_str(&fmt_number(*n)),
            Value::String(v) => {
                s.push('"');
                s.push_str(v);
                s.push('"');
            }
            Value::List(l) => {
                s.push('[');
                for (i, v) in l.iter().enumerate() {
                    if i > 0 {
                        s.push_str(", ");
                    }
                    v.write_display(s, depth + 1);
                }
                s.push(']');
            }
            Value::Map(m) => {
                s.push('{');
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        s.push_str(", ");
                    }
                    s.push_str(k);
                    s.push_str(" = ");
                    v.write_display(s, depth + 1);
                }
                s.push('}');
            }
            Value::Unknown(_) => s.push_str("(known after apply)"),
        }
    }
}

pub fn fmt_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// Three-valued truth: `Some(true)`, `Some(false)` or unknown (`None`).
pub type Truth = Option<bool>;
