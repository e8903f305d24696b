//! Planned values → [`EvalBody`]: the same attributes and blocks the evaluator gives for
//! HCL input. Only attributes the configuration sets are present (an unset one is judged by
//! its documented default, exactly as for HCL input, even when the plan shows the
//! provider's computed value or "known after apply"); what `after_unknown` marks becomes
//! [`Value::Unknown`] with the resources the expression refers to; spans, source text and
//! nested block positions come from the declaring `.tf` block when it was found.

use std::ops::Range;

use hcl_edit::structure::{Block, Body};
use serde_json::Value as Json;

use super::config::{is_expression, resolve, Level, Refs};
use super::json::with_unknown;
use crate::eval::{source_text, EvalAttr, EvalBlock, EvalBody};
use crate::module::span_of;

/// Where a body was written: its HCL body and the file's text.
#[derive(Clone, Copy)]
pub struct Source<'a> {
    pub body: &'a Body,
    pub text: &'a str,
}

/// What the `origin` of an attribute says for plan input: where its value was set.
const ORIGIN: &str = "as planned";

/// Builds a body from planned values.
pub struct Builder<'p, 'l> {
    pub levels: &'l [Level<'p>],
    /// Data source results are all present (they are read, not configured).
    pub data: bool,
    /// The span of a nested block the `.tf` file does not show (the resource header).
    pub fallback: Range<usize>,
    /// The instance's key as its address writes it (`[0]`, `["raw"]`; empty without one).
    pub key: &'l str,
}

impl Builder<'_, '_> {
    /// `x[count.index].id` / `x[each.key].id` in an instance names the instance of `x` with
    /// this instance's key, as the evaluator reads it; the plan's `references` only say
    /// `x` (and `count.index`), so the expression as written decides. Any other index
    /// (`x[count.index + 1]`) leaves the whole resource.
    fn own_instance(&self, refs: &mut Refs, text: &str) {
        if self.key.is_empty() {
            return;
        }
        let text = text.trim();
        let Some(open) = text.find('[') else { return };
        let (head, rest) = text.split_at(open);
        let Some(after) = ["[count.index]", "[each.key]"]
            .iter()
            .find_map(|i| rest.strip_prefix(i))
        else {
            return;
        };
        if !(after.is_empty() || after.starts_with('.')) {
            return;
        }
        let dots = if head.starts_with("data.") { 2 } else { 1 };
        let plain = head
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
        if !plain || head.matches('.').count() != dots || head.starts_with("module.") {
            return;
        }
        let prefix = self.levels.last().map_or("", |l| l.prefix.as_str());
        let base = format!("{prefix}{head}");
        for b in refs.bases.iter_mut() {
            if *b == base {
                b.push_str(self.key);
            }
        }
    }

    /// `values`/`unknown` of one body, the configuration `expressions` that set it (`None`
    /// when the configuration does not say), the HCL body it was written in and the span
    /// that stands for it when an attribute has no span of its own.
    pub fn body(
        &self,
        values: &Json,
        unknown: &Json,
        expressions: Option<&Json>,
        source: Option<Source<'_>>,
        depth: usize,
    ) -> EvalBody {
        let mut out = EvalBody::default();
        let Json::Object(vals) = values else {
            return out;
        };
        if depth > 32 {
            return out;
        }
        let no = Json::Bool(false);
        let null = Json::Null;
        let exprs = expressions.and_then(Json::as_object);
        // Unknown attributes are absent from the planned values: take them from
        // `after_unknown`, and what the configuration sets from its expressions.
        let mut keys: Vec<&String> = vals.keys().collect();
        if let Json::Object(u) = unknown {
            keys.extend(
                u.iter()
                    .filter(|(_, x)| **x == Json::Bool(true))
                    .map(|(k, _)| k),
            );
        }
        if let Some(e) = exprs {
            keys.extend(e.keys());
        }
        keys.sort_unstable();
        keys.dedup();
        for key in keys {
            let v = vals.get(key).unwrap_or(&null);
            let unk = unknown.get(key).unwrap_or(&no);
            let entry = exprs.and_then(|e| e.get(key));
            let hcl_blocks: Vec<&Block> = source
                .map(|s| s.body.get_blocks(key).collect())
                .unwrap_or_default();
            let dynamic: Option<&Block> = source.and_then(|s| {
                s.body
                    .get_blocks("dynamic")
                    .find(|b| b.labels.first().map(|l| l.as_str()) == Some(key.as_str()))
            });
            let as_blocks = match entry {
                Some(e) => !is_expression(e),
                // Not in the configuration (which leaves `dynamic` blocks out): a block
                // the HCL writes as `dynamic`, or, without the HCL, any list of objects.
                None => {
                    dynamic.is_some()
                        || !hcl_blocks.is_empty()
                        || (source.is_none()
                            && v.as_array()
                                .is_some_and(|a| !a.is_empty() && a.iter().all(Json::is_object)))
                }
            };
            if as_blocks {
                let items: Vec<(&Json, &Json)> = match v {
                    Json::Array(a) => a
                        .iter()
                        .enumerate()
                        .map(|(i, x)| (x, unk.get(i).unwrap_or(&no)))
                        .collect(),
                    Json::Object(_) => vec![(v, unk)],
                    _ => Vec::new(),
                };
                for (i, (item, item_unk)) in items.into_iter().enumerate() {
                    let cfg = match entry {
                        Some(Json::Array(a)) => a.get(i).or(a.first()),
                        Some(o @ Json::Object(_)) => Some(o),
                        _ => None,
                    };
                    let hcl = hcl_blocks.get(i).copied().or(dynamic);
                    let inner = hcl.map(|b| match (dynamic, b) {
                        (Some(d), b) if std::ptr::eq(d, b) => d
                            .body
                            .get_blocks("content")
                            .next()
                            .map(|c| &c.body)
                            .unwrap_or(&d.body),
                        (_, b) => &b.body,
                    });
                    out.blocks.push(EvalBlock {
                        kind: key.clone(),
                        span: hcl.map(span_of).unwrap_or(self.fallback.clone()),
                        body: self.body(
                            item,
                            item_unk,
                            cfg,
                            inner
                                .zip(source)
                                .map(|(body, s)| Source { body, text: s.text }),
                            depth + 1,
                        ),
                    });
                }
                continue;
            }
            let set = entry.is_some() || (exprs.is_none() && !v.is_null()) || self.data;
            if !set || (self.data && entry.is_none() && v.is_null() && unk == &no) {
                continue;
            }
            let mut refs = entry
                .map(|e| resolve(e, self.levels))
                .unwrap_or_else(|| Refs {
                    opaque: true,
                    ..Refs::default()
                });
            let hcl_attr = source.and_then(|s| s.body.get_attribute(key).map(|a| (a, s.text)));
            let (span, text): (Range<usize>, Option<String>) = match hcl_attr {
                Some((a, text)) => (span_of(a), source_text(&a.value, text)),
                None => (0..0, None),
            };
            if let Some(t) = &text {
                self.own_instance(&mut refs, t);
            }
            let value = with_unknown(v, unk, &refs.unknown(), refs.is_identity());
            let constant = entry.is_some_and(|e| e.get("constant_value").is_some());
            out.attrs.push(EvalAttr {
                name: key.clone(),
                value,
                span,
                origin: text
                    .as_ref()
                    .filter(|_| !constant)
                    .map(|_| ORIGIN.to_string()),
                source: text,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;
    use serde_json::json;

    #[test]
    fn after_unknown_marks_become_unknown() {
        let v = json!({"a": [null, "x"], "b": null, "m": {}});
        let u = json!({"a": [true, false], "b": true, "m": {"k": true}});
        let got = with_unknown(&v, &u, &Value::Unknown(vec!["aws_x.y".into()]), false);
        let m = got.as_map().unwrap();
        assert_eq!(
            m["a"],
            Value::List(vec![
                Value::Unknown(vec!["aws_x.y".into()]),
                Value::String("x".into())
            ])
        );
        assert!(m["b"].is_unknown());
        assert!(m["m"].as_map().unwrap()["k"].is_unknown());
    }
}
