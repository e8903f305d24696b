//! The declarations of one module (a directory of `.tf` files): variables, locals,
//! outputs, resources, module calls and providers, borrowed from the syntax trees; and the
//! checks Terraform makes before evaluating ([`Module::validate`]). Finding, reading and
//! grouping the files is [`crate::workspace`]'s.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body};
use hcl_edit::Span;

use crate::parse::{FileId, LoadError, SourceFile};
use crate::syntax::visit_traversals;

/// A string literal attribute.
pub fn attr_str(body: &Body, key: &str) -> Option<String> {
    match &body.get_attribute(key)?.value {
        Expression::String(s) => Some(s.value().clone()),
        _ => None,
    }
}

/// The declarations of one module (a directory).
pub struct Module<'a> {
    pub dir: PathBuf,
    pub variables: HashMap<String, VarDecl<'a>>,
    pub locals: HashMap<String, LocalDecl<'a>>,
    pub outputs: Vec<OutputDecl<'a>>,
    pub resources: Vec<ResourceDecl<'a>>,
    pub calls: Vec<CallDecl<'a>>,
    pub providers: Vec<ProviderDecl<'a>>,
}

/// `NAME = expr` in a `locals` block.
#[derive(Clone, Copy)]
pub struct LocalDecl<'a> {
    pub file: FileId,
    pub expr: &'a Expression,
}

/// An `output "NAME"` block's `value`.
pub struct OutputDecl<'a> {
    pub name: String,
    pub file: FileId,
    pub value: &'a Expression,
}

/// A `provider "NAME"` block.
pub struct ProviderDecl<'a> {
    pub name: String,
    pub block: &'a Block,
}

pub struct VarDecl<'a> {
    pub file: FileId,
    pub default: Option<&'a Expression>,
    pub ty: Option<&'a Expression>,
    pub nullable: bool,
}

pub struct ResourceDecl<'a> {
    pub data: bool,
    pub rtype: String,
    pub name: String,
    pub file: FileId,
    pub block: &'a Block,
}

pub struct CallDecl<'a> {
    pub name: String,
    pub source: Option<String>,
    pub file: FileId,
    pub block: &'a Block,
    /// The directory of a local `source`, resolved once for every instance and root.
    pub(crate) local_dir: std::sync::OnceLock<Option<PathBuf>>,
}

impl<'a> Module<'a> {
    /// A module that declares nothing.
    pub fn empty(dir: &Path) -> Module<'a> {
        Module {
            dir: dir.to_path_buf(),
            variables: HashMap::new(),
            locals: HashMap::new(),
            outputs: Vec::new(),
            resources: Vec::new(),
            calls: Vec::new(),
            providers: Vec::new(),
        }
    }

    pub fn build(dir: &Path, ids: &[FileId], files: &'a [SourceFile]) -> Module<'a> {
        let mut m = Module::empty(dir);
        for &id in ids {
            let Some(body) = &files[id].body else {
                continue;
            };
            for block in body.blocks() {
                let label = |i: usize| block.labels.get(i).map(|l| l.as_str().to_string());
                match block.ident.as_str() {
                    "variable" => {
                        if let Some(n) = label(0) {
                            let nullable = !matches!(
                                block.body.get_attribute("nullable").map(|a| &a.value),
                                Some(Expression::Bool(b)) if !*b.value()
                            );
                            m.variables.insert(
                                n,
                                VarDecl {
                                    file: id,
                                    default: block.body.get_attribute("default").map(|a| &a.value),
                                    ty: block.body.get_attribute("type").map(|a| &a.value),
                                    nullable,
                                },
                            );
                        }
                    }
                    "locals" => {
                        for a in block.body.attributes() {
                            m.locals.insert(
                                a.key.as_str().to_string(),
                                LocalDecl {
                                    file: id,
                                    expr: &a.value,
                                },
                            );
                        }
                    }
                    "output" => {
                        if let (Some(n), Some(v)) = (label(0), block.body.get_attribute("value")) {
                            m.outputs.push(OutputDecl {
                                name: n,
                                file: id,
                                value: &v.value,
                            });
                        }
                    }
                    "resource" | "data" => {
                        if let (Some(t), Some(n)) = (label(0), label(1)) {
                            m.resources.push(ResourceDecl {
                                data: block.ident.as_str() == "data",
                                rtype: t,
                                name: n,
                                file: id,
                                block,
                            });
                        }
                    }
                    "provider" => {
                        if let Some(n) = label(0) {
                            m.providers.push(ProviderDecl { name: n, block });
                        }
                    }
                    "module" => {
                        if let Some(n) = label(0) {
                            m.calls.push(CallDecl {
                                name: n,
                                source: attr_str(&block.body, "source"),
                                file: id,
                                block,
                                local_dir: std::sync::OnceLock::new(),
                            });
                        }
                    }
                    _ => {}
                }
            }
        }
        m
    }
}

/// Byte span of a block, attribute or expression (empty when unknown, e.g. `.tf.json`).
pub fn span_of(s: &impl Span) -> std::ops::Range<usize> {
    s.span().unwrap_or(0..0)
}

/// `local.NAME` / `var.NAME` → `NAME` for a traversal rooted at `root`.
fn traversal_name<'t>(t: &'t hcl_edit::expr::Traversal, root: &str) -> Option<&'t str> {
    let Expression::Variable(v) = &t.expr else {
        return None;
    };
    if v.as_str() != root {
        return None;
    }
    match t.operators.first().map(|o| o.value()) {
        Some(hcl_edit::expr::TraversalOperator::GetAttr(a)) => Some(a.as_str()),
        _ => None,
    }
}

impl Module<'_> {
    /// Errors Terraform would report before evaluating: a variable default that is not a
    /// literal (`default = var.x`), and local values that refer to themselves.
    pub fn validate(&self, files: &[SourceFile]) -> Vec<LoadError> {
        let mut errors = Vec::new();
        let error = |file: FileId, span: std::ops::Range<usize>, message: String| {
            let f = &files[file];
            let (line, column) = f.line_col(span.start);
            LoadError {
                file: f.display.clone(),
                line,
                column,
                message,
            }
        };
        let mut names: Vec<&String> = self.variables.keys().collect();
        names.sort();
        for name in names {
            let decl = &self.variables[name];
            let Some(default) = decl.default else {
                continue;
            };
            let mut first: Option<&hcl_edit::expr::Traversal> = None;
            visit_traversals(default, &mut |t| {
                first.get_or_insert(t);
            });
            if let Some(t) = first {
                let text = files[decl.file]
                    .text
                    .get(span_of(t))
                    .unwrap_or("a reference");
                errors.push(error(
                    decl.file,
                    span_of(default),
                    format!("variable \"{name}\": the default refers to `{text}`; a default must be a literal value"),
                ));
            }
        }
        // Local values: find the ones on a reference cycle.
        let mut deps: HashMap<&str, Vec<&str>> = HashMap::new();
        for (name, LocalDecl { expr, .. }) in &self.locals {
            let mut d = Vec::new();
            visit_traversals(expr, &mut |t| {
                if let Some(n) = traversal_name(t, "local") {
                    d.push(n);
                }
            });
            deps.insert(name.as_str(), d);
        }
        let mut names: Vec<&str> = self.locals.keys().map(String::as_str).collect();
        names.sort();
        for name in names {
            // Is `name` reachable from itself?
            let mut stack: Vec<&str> = deps.get(name).cloned().unwrap_or_default();
            let mut seen: HashSet<&str> = HashSet::new();
            let mut cyclic = false;
            while let Some(n) = stack.pop() {
                if n == name {
                    cyclic = true;
                    break;
                }
                if seen.insert(n) {
                    stack.extend(deps.get(n).into_iter().flatten().copied());
                }
            }
            if cyclic {
                let LocalDecl { file, expr } = self.locals[name];
                errors.push(error(
                    file,
                    span_of(expr),
                    format!("local value `local.{name}` refers to itself (a reference cycle); it is unknown"),
                ));
            }
        }
        errors
    }
}
