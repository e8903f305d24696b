//! `relcheck`: catches unreliable infrastructure in Terraform code before it merges.
//!
//! Pipeline ([`check`]): [`workspace::Workspace`] finds and reads the files (in parallel) and
//! the modules they call, [`parse`] turns each into a syntax tree (through [`hcl_compat`]
//! for the valid HCL hcl-edit rejects; `.tf.json` through [`tfjson`]), the root modules are
//! evaluated with [`eval::eval_root`] (variables, locals, module calls, `count`/`for_each`,
//! `dynamic` blocks) into [`eval::Instance`]s, [`graph::Graph`] indexes them, and every
//! rule in [`rules::RULES`] looks at the instances of its resource types. The [`Report`]
//! then goes through [`suppress`] (`relcheck:ignore`), [`config`] (`.relcheck.toml`),
//! [`baseline`] and [`changed`] (`--changed-since`), and one of the six renderers in
//! [`render`]: text, JSON, SARIF, GitHub annotations, JUnit XML, Markdown.
//!
//! `relcheck lsp` ([`lsp`]) runs the same check for an editor, on its unsaved texts
//! ([`parse::Overlay`]).
//!
//! With `--plan`, [`plan::check`] builds the same instances from a Terraform JSON plan
//! (`terraform show -json`) instead of the evaluator; everything after is the same.

pub mod baseline;
pub mod changed;
mod check;
pub mod config;
pub mod eval;
pub mod finding;
pub mod fix;
pub mod functions;
pub mod graph;
pub mod hcl_compat;
pub mod instance;
pub mod locate;
pub mod lsp;
pub mod module;
pub mod parse;
pub mod plan;
pub mod render;
mod report;
pub mod rules;
pub mod suppress;
pub mod syntax;
pub mod tfjson;
pub mod value;
pub mod workspace;

pub use check::{check, check_overlay, check_with, evaluate_instances};
pub use eval::Inputs;
pub use report::Report;
