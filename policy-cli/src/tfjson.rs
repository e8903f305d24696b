//! `.tf.json` files: converted to the same HCL body the native syntax gives.
//!
//! JSON carries no schema, so an object value is read as a nested block unless its key is a
//! well-known map attribute (`tags`, `dimensions`, ...). Positions are not kept: findings in
//! JSON files point at line 1.

use hcl_edit::expr::{Array, Expression, Object, ObjectKey, ObjectValue};
use hcl_edit::structure::{Attribute, Block, Body};
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

thread_local! {
    /// The first `${...}` template in a JSON string that did not parse.
    static TEMPLATE_ERROR: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Parses JSON text into a body, or returns the error offset and message.
pub fn parse(text: &str) -> Result<Body, (usize, String)> {
    TEMPLATE_ERROR.with(|t| t.borrow_mut().take());
    let body = parse_inner(text)?;
    match TEMPLATE_ERROR.with(|t| t.borrow_mut().take()) {
        Some(msg) => Err((0, msg)),
        None => Ok(body),
    }
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
            if s.contains("${") {
                let quoted = serde_json::to_string(s).unwrap_or_default();
                hcl_edit::parser::parse_expr(&quoted).unwrap_or_else(|e| {
                    TEMPLATE_ERROR.with(|t| {
                        t.borrow_mut().get_or_insert_with(|| {
                            format!("cannot parse template in JSON string: {}", e.message())
                        });
                    });
                    Expression::from(s.as_str())
                })
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
