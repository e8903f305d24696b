//! The one walker over hcl-edit expressions: [`for_each_child`] calls a function with the
//! direct sub-expressions of an expression; the depth check ([`crate::parse`]), the
//! reference walk ([`visit_traversals`]) and the parse workarounds ([`crate::hcl_compat`])
//! are built on it.

use hcl_edit::expr::{Expression, ObjectKey, Traversal, TraversalOperator};
use hcl_edit::structure::Body;
use hcl_edit::template::{Element, Template};

/// Calls `f` with every direct sub-expression of `e`, in source order: elements, object
/// keys (when expressions) and values, template interpolations (directives are never
/// evaluated, so not their contents), operands, call arguments, a traversal's base and
/// index expressions, and a `for` expression's collection, value, key and condition.
pub fn for_each_child<'e, F: FnMut(&'e Expression)>(e: &'e Expression, f: &mut F) {
    let template = |t: &'e Template, f: &mut F| {
        for el in t.iter() {
            if let Element::Interpolation(i) = el {
                f(&i.expr);
            }
        }
    };
    match e {
        Expression::Array(a) => a.iter().for_each(&mut *f),
        Expression::Object(o) => {
            for (k, v) in o.iter() {
                if let ObjectKey::Expression(k) = k {
                    f(k);
                }
                f(v.expr());
            }
        }
        Expression::StringTemplate(t) => template(t, f),
        Expression::HeredocTemplate(h) => template(&h.template, f),
        Expression::Parenthesis(p) => f(p.inner()),
        Expression::Conditional(c) => {
            f(&c.cond_expr);
            f(&c.true_expr);
            f(&c.false_expr);
        }
        Expression::FuncCall(c) => c.args.iter().for_each(&mut *f),
        Expression::Traversal(t) => {
            f(&t.expr);
            for o in &t.operators {
                if let TraversalOperator::Index(i) = o.value() {
                    f(i);
                }
            }
        }
        Expression::UnaryOp(u) => f(&u.expr),
        Expression::BinaryOp(b) => {
            f(&b.lhs_expr);
            f(&b.rhs_expr);
        }
        Expression::ForExpr(x) => {
            f(&x.intro.collection_expr);
            f(&x.value_expr);
            if let Some(k) = &x.key_expr {
                f(k);
            }
            if let Some(c) = &x.cond {
                f(&c.expr);
            }
        }
        _ => {}
    }
}

/// Calls `f` with every traversal (`var.x`, `local.y`, `aws_x.y.id`) in an expression.
pub fn visit_traversals<'e>(e: &'e Expression, f: &mut dyn FnMut(&'e Traversal)) {
    if let Expression::Traversal(t) = e {
        f(t);
    }
    for_each_child(e, &mut |c| visit_traversals(c, f));
}

/// Calls `f` with every expression of a body (attribute values and everything in them,
/// in nested blocks too), parents before children.
pub fn visit_body_exprs<'e>(body: &'e Body, f: &mut dyn FnMut(&'e Expression)) {
    fn go<'e>(e: &'e Expression, f: &mut dyn FnMut(&'e Expression)) {
        f(e);
        for_each_child(e, &mut |c| go(c, f));
    }
    for a in body.attributes() {
        go(&a.value, f);
    }
    for b in body.blocks() {
        visit_body_exprs(&b.body, f);
    }
}

/// Depth of an expression tree (a leaf at `d` is `d`), counting at most to `limit + 1`.
pub fn expr_depth(e: &Expression, d: usize, limit: usize) -> usize {
    if d > limit {
        return d;
    }
    let mut deepest = d;
    for_each_child(e, &mut |c| {
        if deepest <= limit {
            deepest = deepest.max(expr_depth(c, d + 1, limit));
        }
    });
    deepest
}
