//! `relcheck`: catches unreliable infrastructure in Terraform code before it merges.
//!
//! Pipeline: [`module::Workspace::load`] reads and parses every file (in parallel), the
//! root modules are evaluated with [`eval::eval_root`] (variables, locals, module calls,
//! `count`/`for_each`), [`graph::Graph`] indexes the instances once, and every rule in
//! [`rules::RULES`] looks at the instances of its resource types. Renderers in [`render`]
//! turn the [`Report`] into text or JSON.

pub mod baseline;
pub mod changed;
pub mod config;
pub mod eval;
pub mod functions;
pub mod graph;
pub mod locate;
pub mod module;
pub mod parse;
pub mod render;
pub mod rules;
pub mod suppress;
pub mod tfjson;
pub mod value;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use rayon::prelude::*;

pub use eval::Inputs;
use parse::{LoadError, SourceFile};
use rules::{Finding, Severity};

/// The result of a check: what renderers need.
pub struct Report {
    pub files: Vec<SourceFile>,
    pub findings: Vec<Finding>,
    pub errors: Vec<LoadError>,
    /// Module calls that were not evaluated (remote sources not installed).
    pub skipped: Vec<String>,
    pub roots: usize,
}

impl Report {
    /// Highest severity found, if any.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.rule.severity).max()
    }

    /// 1-based line and column of a finding.
    pub fn position(&self, f: &Finding) -> (usize, usize) {
        self.files[f.file].line_col(f.span.start)
    }
}

/// Every resource instance of every root module (for tools and tests).
pub fn evaluate_instances(paths: &[PathBuf], inputs: &Inputs) -> Vec<eval::Instance> {
    let ws = module::Workspace::load(paths);
    let files = &ws.files;
    let modules: HashMap<PathBuf, module::Module> = ws
        .dirs
        .iter()
        .map(|(dir, ids)| (dir.clone(), module::Module::build(dir, ids, files)))
        .collect();
    let mut out = Vec::new();
    for root in &ws.roots {
        let res = eval::eval_root(files, &modules, ws.installed.get(root), root, inputs);
        out.extend(res.instances);
    }
    out
}

/// Checks the given paths. Never panics on bad input: problems become [`Report::errors`].
pub fn check(paths: &[PathBuf], inputs: &Inputs) -> Report {
    check_with(paths, inputs, rules::Thresholds::default())
}

/// [`check`] with thresholds from the configuration (`[thresholds]`).
pub fn check_with(paths: &[PathBuf], inputs: &Inputs, thresholds: rules::Thresholds) -> Report {
    let pool = rayon::ThreadPoolBuilder::new().stack_size(64 << 20).build();
    match pool {
        Ok(pool) => pool.install(|| check_inner(paths, inputs, thresholds)),
        Err(_) => check_inner(paths, inputs, thresholds),
    }
}

fn check_inner(paths: &[PathBuf], inputs: &Inputs, thresholds: rules::Thresholds) -> Report {
    let ws = module::Workspace::load(paths);
    let bases: Vec<PathBuf> = paths
        .iter()
        .filter_map(|p| p.canonicalize().ok())
        .map(|p| {
            if p.is_file() {
                p.parent().map(|d| d.to_path_buf()).unwrap_or(p)
            } else {
                p
            }
        })
        .collect();
    let files = &ws.files;
    let modules: HashMap<PathBuf, module::Module> = ws
        .dirs
        .iter()
        .map(|(dir, ids)| (dir.clone(), module::Module::build(dir, ids, files)))
        .collect();
    let results: Vec<(Vec<Finding>, Vec<LoadError>, Vec<String>)> = ws
        .roots
        .par_iter()
        .map(|root| {
            let installed = ws.installed.get(root);
            let evaluated = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                eval::eval_root(files, &modules, installed, root, inputs)
            }));
            let res = match evaluated {
                Ok(res) => res,
                Err(_) => eval::RootResult {
                    errors: vec![LoadError {
                        file: root.display().to_string(),
                        line: 0,
                        column: 0,
                        message:
                            "internal error while evaluating this root module (please report it)"
                                .into(),
                    }],
                    ..Default::default()
                },
            };
            let mut graph = graph::Graph::build(&res.instances);
            graph.default_tags = res.default_tags.clone();
            let mut findings = rules::run_with(&graph, thresholds);
            // A finding inside a called module says which root module it comes from.
            let root_name = bases
                .iter()
                .find(|b| root.starts_with(b))
                .map(|b| parse::relative_to(root, b))
                .unwrap_or_else(|| root.display().to_string());
            for f in &mut findings {
                if !files[f.file].path.starts_with(root) {
                    f.message
                        .push_str(&format!(" (in root module `{root_name}`)"));
                }
            }
            (findings, res.errors, res.skipped)
        })
        .collect();
    let mut findings = Vec::new();
    let mut errors = ws.errors.clone();
    let mut dirs: Vec<&PathBuf> = modules.keys().collect();
    dirs.sort();
    for d in dirs {
        errors.extend(modules[d].validate(files));
    }
    let mut skipped = Vec::new();
    let mut seen = HashSet::new();
    let mut seen_err = HashSet::new();
    for e in &errors {
        seen_err.insert((e.file.clone(), e.line, e.column, e.message.clone()));
    }
    for (f, e, s) in results {
        for x in f {
            let key = (
                x.rule.id,
                x.file,
                x.span.start,
                x.resource.clone(),
                x.message.clone(),
            );
            if seen.insert(key) {
                findings.push(x);
            }
        }
        for x in e {
            if seen_err.insert((x.file.clone(), x.line, x.column, x.message.clone())) {
                errors.push(x);
            }
        }
        skipped.extend(s);
    }
    skipped.sort();
    skipped.dedup();
    // Files named on the command line: report only on them (and under directories named).
    let canon: Vec<PathBuf> = paths.iter().filter_map(|p| p.canonicalize().ok()).collect();
    if canon.iter().any(|p| p.is_file()) {
        findings.retain(|f: &Finding| {
            let path = &files[f.file].path;
            canon.iter().any(|c| {
                if c.is_file() {
                    c == path
                } else {
                    path.starts_with(c)
                }
            })
        });
    }
    findings.sort_by(|a, b| {
        (&files[a.file].display, a.span.start, a.rule.id, &a.resource).cmp(&(
            &files[b.file].display,
            b.span.start,
            b.rule.id,
            &b.resource,
        ))
    });
    errors.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    let roots = ws.roots.len();
    drop(modules);
    Report {
        files: ws.files,
        findings,
        errors,
        skipped,
        roots,
    }
}
