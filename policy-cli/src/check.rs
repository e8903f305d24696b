//! The check: [`crate::workspace::Scan`] lists the files, [`crate::workspace::plan`] splits
//! them into independent units, and each unit is loaded, its root modules evaluated
//! ([`crate::eval::eval_root`], with the variable values of [`crate::eval::inputs`]), indexed
//! ([`crate::graph::Graph`]) and checked by every rule; results are merged in the order of a
//! single load. Never panics on bad input: problems become [`Report::errors`].

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;

use crate::eval::{self, Inputs};
use crate::graph;
use crate::parse::{self, LoadError, Overlay};
use crate::report::{sort_findings, Report};
use crate::rules::{self, Finding};
use crate::workspace;

/// Every resource instance of every root module (for tools and tests).
pub fn evaluate_instances(paths: &[PathBuf], inputs: &Inputs) -> Vec<eval::Instance> {
    let ws = workspace::Workspace::load(paths);
    let files = &ws.files;
    let modules = ws.modules();
    let mut out = Vec::new();
    for root in &ws.roots {
        let given = eval::inputs::load(root, inputs);
        let res = eval::eval_root(files, &modules, ws.installed.get(root), root, &given);
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
    check_overlay(paths, inputs, thresholds, &Arc::default())
}

/// [`check_with`], reading the texts of `overlay` instead of those files on disk (the
/// language server's open documents).
pub fn check_overlay(
    paths: &[PathBuf],
    inputs: &Inputs,
    thresholds: rules::Thresholds,
    overlay: &Arc<Overlay>,
) -> Report {
    let pool = rayon::ThreadPoolBuilder::new().stack_size(64 << 20).build();
    match pool {
        Ok(pool) => pool.install(|| check_inner(paths, inputs, thresholds, overlay)),
        Err(_) => check_inner(paths, inputs, thresholds, overlay),
    }
}

/// What one [`workspace::Unit`] gave: its files (syntax trees dropped) and, per root module,
/// what the root's evaluation and rules found.
struct UnitResult {
    ws: workspace::Workspace,
    /// What each root module gave, in [`workspace::Workspace::roots`] order.
    roots: Vec<RootOut>,
    /// Errors of [`crate::module::Module::validate`], by module directory.
    invalid: Vec<(PathBuf, Vec<LoadError>)>,
}

struct RootOut {
    root: PathBuf,
    /// Only called from a module cycle (checked after the other roots).
    cycle: bool,
    findings: Vec<Finding>,
    errors: Vec<LoadError>,
    skipped: Vec<String>,
    /// Evaluation steps the root took.
    steps: u64,
}

fn check_inner(
    paths: &[PathBuf],
    inputs: &Inputs,
    thresholds: rules::Thresholds,
    overlay: &Arc<Overlay>,
) -> Report {
    let mut scan = workspace::Scan::new(paths);
    scan.overlay = overlay.clone();
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
    let scan_errors = std::mem::take(&mut scan.errors);
    let todo_len = scan.todo.len();
    let scanned = std::mem::take(&mut scan.scanned);
    // Units share no module: each is loaded, evaluated and checked on its own, and its
    // syntax trees are dropped before the next ones are parsed (peak memory is a few units'
    // trees, not the whole workspace's).
    let units = workspace::plan(&mut scan);
    let unit_todo: Vec<Vec<usize>> = units
        .iter()
        .map(|u| u.todo.iter().map(|f| f.scan_index).collect())
        .collect();
    let mut results: Vec<UnitResult> = units
        .into_par_iter()
        .map(|u| check_unit(u, &scanned, &bases, inputs, thresholds))
        .collect();
    // A module call the plan did not see (it reads `source` without parsing) would show
    // as a directory loaded by two units: then check everything as one unit.
    let mut owner: HashMap<&PathBuf, usize> = HashMap::new();
    let mut split_ok = true;
    for (i, r) in results.iter().enumerate() {
        for d in r.ws.dirs.keys() {
            if owner.insert(d, i).is_some() {
                split_ok = false;
            }
        }
    }
    if split_ok {
        for (i, r) in results.iter().enumerate() {
            if r.ws
                .not_root
                .iter()
                .any(|d| owner.get(d).is_some_and(|&o| o != i))
            {
                split_ok = false;
            }
        }
    }
    drop(owner);
    let unit_todo = if split_ok {
        unit_todo
    } else {
        let mut scan = workspace::Scan::new(paths);
        scan.overlay = overlay.clone();
        scan.errors.clear();
        let unit = workspace::Unit::whole(&mut scan);
        let unit_todo = vec![unit.todo.iter().map(|f| f.scan_index).collect()];
        results = vec![check_unit(unit, &scanned, &bases, inputs, thresholds)];
        unit_todo
    };
    // Files in the order of a single load: the scan's files first, then the ones of
    // modules found outside the scan.
    let total: usize = results.iter().map(|r| r.ws.files.len()).sum();
    let mut slots: Vec<Option<parse::SourceFile>> = Vec::with_capacity(total);
    slots.resize_with(total, || None);
    let mut next_extra = todo_len;
    let mut errors = scan_errors;
    let mut roots: Vec<RootOut> = Vec::new();
    let mut invalid: Vec<(PathBuf, Vec<LoadError>)> = Vec::new();
    let mut roots_count = 0;
    for (r, todo) in results.into_iter().zip(&unit_todo) {
        let UnitResult {
            ws,
            roots: unit_roots,
            invalid: unit_invalid,
        } = r;
        let ids: Vec<usize> = (0..ws.files.len())
            .map(|j| match todo.get(j) {
                Some(&i) => i,
                None => {
                    next_extra += 1;
                    next_extra - 1
                }
            })
            .collect();
        for (j, f) in ws.files.into_iter().enumerate() {
            slots[ids[j]] = Some(f);
        }
        errors.extend(ws.errors);
        roots_count += ws.roots.len();
        for mut out in unit_roots {
            for f in &mut out.findings {
                f.file = ids[f.file];
            }
            roots.push(out);
        }
        invalid.extend(unit_invalid);
    }
    debug_assert!(slots.iter().all(Option::is_some));
    let files: Vec<parse::SourceFile> = slots.into_iter().flatten().collect();
    let max_eval_steps = roots.iter().map(|r| r.steps).max().unwrap_or(0);
    // Roots in the order of a single load: by path, those only called from a cycle last.
    roots.sort_by(|a, b| (a.cycle, &a.root).cmp(&(b.cycle, &b.root)));
    invalid.sort_by(|a, b| a.0.cmp(&b.0));
    let mut findings = Vec::new();
    for (_, e) in invalid {
        errors.extend(e);
    }
    let mut skipped = Vec::new();
    let mut seen = HashSet::new();
    let mut seen_err = HashSet::new();
    for e in &errors {
        seen_err.insert((e.file.clone(), e.line, e.column, e.message.clone()));
    }
    for out in roots {
        for x in out.findings {
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
        for x in out.errors {
            if seen_err.insert((x.file.clone(), x.line, x.column, x.message.clone())) {
                errors.push(x);
            }
        }
        skipped.extend(out.skipped);
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
    sort_findings(&mut findings, &files);
    errors.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    Report {
        files,
        findings,
        errors,
        skipped,
        roots: roots_count,
        max_eval_steps,
        plan_file: None,
    }
}

/// Loads, evaluates and checks one unit; drops its syntax trees.
fn check_unit(
    unit: workspace::Unit,
    scanned: &HashSet<PathBuf>,
    bases: &[PathBuf],
    inputs: &Inputs,
    thresholds: rules::Thresholds,
) -> UnitResult {
    let overlay = unit.overlay.clone();
    let mut ws = workspace::Workspace::load_unit(unit, scanned);
    let files = &ws.files;
    let modules = ws.modules();
    let roots: Vec<RootOut> = ws
        .roots
        .par_iter()
        .enumerate()
        .map(|(i, root)| {
            let installed = ws.installed.get(root);
            let given = eval::inputs::load_with(root, inputs, &overlay);
            let evaluated = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                eval::eval_root(files, &modules, installed, root, &given)
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
            graph.provider_tags = res.provider_tags.clone();
            graph.provider_places = res.provider_places.clone();
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
            RootOut {
                root: root.clone(),
                cycle: i >= ws.first_cycle_root,
                findings,
                errors: res.errors,
                skipped: res.skipped,
                steps: res.steps,
            }
        })
        .collect();
    let invalid = modules
        .iter()
        .map(|(d, m)| (d.clone(), m.validate(files)))
        .filter(|(_, e)| !e.is_empty())
        .collect();
    drop(modules);
    for f in &mut ws.files {
        f.body = None;
    }
    UnitResult { ws, roots, invalid }
}
