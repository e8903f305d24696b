//! `.tf.json` files: converted to the same HCL body the native syntax gives.
//!
//! JSON carries no schema, so an object value is read as a nested block unless its key is a
//! well-known map attribute (`tags`, `dimensions`, ...). Positions are not kept: findings in
//! JSON files point at line 1.
//!
//! A string containing `${` or `%{` is a template, parsed as Terraform parses it: the
//! decoded JSON string is the template text, so quoted strings inside an interpolation
//! (`"${var.env == \"prod\"}"` in the file) are HCL strings. A template that does not parse
//! is reported at the JSON string's position and evaluates to an unknown value; the rest of
//! the file is still read.

use hcl_edit::expr::{Array, Expression, Object, ObjectKey, ObjectValue};
use hcl_edit::structure::{Attribute, Block, Body};
use hcl_edit::template::StringTemplate;
use hcl_edit::{Decorated, Ident};
use serde_json::Value as Json;

/// Keys whose object values are attributes (maps), not nested blocks.
const MAP_ATTRS: &[&str] = &[
    "tags",
    "tags_all",
    "dimensions",
    "labels",
    "variables",
    "parameters",
    "default",
    "environment",
    "metadata",
    "triggers",
    "selection_tags",
    "target_tags",
    "inputs",
    "settings_map",
    "user_labels",
    "resource_labels",
    "default_tags",
];

/// What stands for a template that did not parse: a name that evaluates to an unknown
/// value (never a finding).
const UNREADABLE: &str = "unreadable_json_template";

thread_local! {
    /// The templates in JSON strings that did not parse: (string, message).
    static TEMPLATE_ERRORS: std::cell::RefCell<Vec<(String, String)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Parses JSON text into a body, with the first template that did not parse (offset of
/// its JSON string, message); or the offset and message of a JSON syntax error.
#[allow(clippy::type_complexity)]
pub fn parse(text: &str) -> Result<(Body, Option<(usize, String)>), (usize, String)> {
    TEMPLATE_ERRORS.with(|t| t.borrow_mut().clear());
    let body = parse_inner(text);
    let errors = TEMPLATE_ERRORS.with(|t| std::mem::take(&mut *t.borrow_mut()));
    let body = body?;
    let Some((s, msg)) = errors.first() else {
        return Ok((body, None));
    };
    // Where the string is in the file: its JSON encoding (serde_json writes the shortest
    // escapes; a file using others points at the start).
    let offset = serde_json::to_string(s)
        .ok()
        .and_then(|q| text.find(&q))
        .unwrap_or(0);
    let more = match errors.len() {
        1 => String::new(),
        n => format!(" (and {} more in this file)", n - 1),
    };
    Ok((body, Some((offset, format!("{msg}{more}")))))
}

fn parse_inner(text: &str) -> Result<Body, (usize, String)> {
    let json: Json = serde_json::from_str(text).map_err(|e| {
        let off = text
            .lines()
            .take(e.line().saturating_sub(1))
            .map(|l| l.len() + 1)
            .sum::<usize>()
            + e.column().saturating_sub(1);
        (off, format!("cannot parse JSON: {e}"))
    })?;
    let Json::Object(top) = json else {
        return Err((0, "a .tf.json file must contain an object".into()));
    };
    let mut body = Body::new();
    for (kind, v) in &top {
        // number of labels per top-level block kind
        let labels = match kind.as_str() {
            "resource" | "data" => 2,
            "variable" | "output" | "module" | "provider" => 1,
            _ => 0,
        };
        for item in as_items(v) {
            push_blocks(&mut body, kind, labels, item, &mut Vec::new());
        }
    }
    Ok(body)
}

fn as_items(v: &Json) -> Vec<&Json> {
    match v {
        Json::Array(a) => a.iter().collect(),
        other => vec![other],
    }
}

fn push_blocks(body: &mut Body, kind: &str, labels: usize, v: &Json, got: &mut Vec<String>) {
    if got.len() == labels {
        let mut block = Block::new(Ident::new_sanitized(kind));
        block.labels = got
            .iter()
            .map(|l| hcl_edit::structure::BlockLabel::from(l.as_str()))
            .collect();
        let all_attrs = matches!(kind, "locals" | "variable" | "output" | "module");
        fill_body(&mut block.body, v, all_attrs);
        body.push(block);
        return;
    }
    if let Json::Object(m) = v {
        for (k, inner) in m {
            for item in as_items(inner) {
                got.push(k.clone());
                push_blocks(body, kind, labels, item, got);
                got.pop();
            }
        }
    }
}

fn fill_body(body: &mut Body, v: &Json, all_attrs: bool) {
    let Json::Object(m) = v else { return };
    for (k, val) in m {
        if k == "//" {
            continue;
        }
        let is_block = !all_attrs
            && !MAP_ATTRS.contains(&k.as_str())
            && match val {
                Json::Object(_) => true,
                Json::Array(a) => !a.is_empty() && a.iter().all(Json::is_object),
                _ => false,
            };
        if is_block && k == "dynamic" {
            if let Json::Object(dm) = val {
                for (label, inner) in dm {
                    for item in as_items(inner) {
                        let mut b = Block::new(Ident::new_sanitized("dynamic"));
                        b.labels = vec![label.as_str().into()];
                        fill_dynamic(&mut b.body, item);
                        body.push(b);
                    }
                }
            }
        } else if is_block {
            for item in as_items(val) {
                let mut b = Block::new(Ident::new_sanitized(k));
                fill_body(&mut b.body, item, false);
                body.push(b);
            }
        } else {
            body.push(Attribute::new(
                Decorated::new(Ident::new_sanitized(k)),
                to_expr(val),
            ));
        }
    }
}

fn fill_dynamic(body: &mut Body, v: &Json) {
    let Json::Object(m) = v else { return };
    for (k, val) in m {
        if k == "content" {
            let mut b = Block::new(Ident::new_sanitized("content"));
            fill_body(&mut b.body, val, false);
            body.push(b);
        } else {
            body.push(Attribute::new(
                Decorated::new(Ident::new_sanitized(k)),
                to_expr(val),
            ));
        }
    }
}

fn to_expr(v: &Json) -> Expression {
    match v {
        Json::Null => Expression::null(),
        Json::Bool(b) => Expression::from(*b),
        Json::Number(n) => n
            .as_f64()
            .and_then(hcl_edit::Number::from_f64)
            .map(Expression::from)
            .unwrap_or_else(Expression::null),
        Json::String(s) => {
            if s.contains("${") || s.contains("%{") {
                match hcl_edit::parser::parse_template(s) {
                    Ok(t) => Expression::StringTemplate(StringTemplate::from(t)),
                    Err(e) => {
                        let first = e.message().lines().next().unwrap_or("syntax error");
                        let msg = format!("cannot parse template in JSON string: {first}");
                        TEMPLATE_ERRORS.with(|t| t.borrow_mut().push((s.clone(), msg)));
                        Expression::Variable(Decorated::new(Ident::new_sanitized(UNREADABLE)))
                    }
                }
            } else {
                Expression::from(s.as_str())
            }
        }
        Json::Array(a) => Expression::Array(a.iter().map(to_expr).collect::<Array>()),
        Json::Object(m) => {
            let mut o = Object::new();
            for (k, val) in m {
                o.insert(
                    ObjectKey::Expression(Expression::from(k.as_str())),
                    ObjectValue::new(to_expr(val)),
                );
            }
            Expression::Object(o)
        }
    }
}
