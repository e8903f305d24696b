//! `relcheck check --plan PLAN.json`: the resource instances come from a Terraform JSON
//! plan (`terraform show -json`) instead of the evaluator, and become the same
//! [`Instance`]s, so every rule runs unchanged.
//!
//! [`read`] checks the file and lists what the plan leaves in place (`planned_values`:
//! a deleted resource is absent; created and updated ones carry their planned values, with
//! `after_unknown` marking what is only known after apply). [`config`] reads the plan's
//! `configuration` (which attributes are set, which resources an expression refers to),
//! [`values`] turns planned values into evaluated bodies, and [`locate`] finds the `.tf`
//! block under `PATH` that declares each resource (through local module sources and
//! `.terraform/modules`) for positions, code frames, suppressions, baselines and
//! `--changed-since`. A resource no file declares points at the plan file.

pub mod config;
mod json;
pub mod locate;
pub mod read;
pub mod values;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::eval::{Instance, ProviderPlace};
use crate::graph::Graph;
use crate::module::span_of;
use crate::parse::{self, SourceFile};
use crate::report::{sort_findings, Report};
use crate::rules::{self, Thresholds};
use crate::workspace::Workspace;
use values::{Builder, Source};

/// Checks the instances of the plan at `plan`, made from the configuration at `paths`.
/// `Err` when the plan cannot be read (exit status 2).
pub fn check(plan: &Path, paths: &[PathBuf], thresholds: Thresholds) -> Result<Report, String> {
    let pool = rayon::ThreadPoolBuilder::new().stack_size(64 << 20).build();
    match pool {
        Ok(pool) => pool.install(|| check_inner(plan, paths, thresholds)),
        Err(_) => check_inner(plan, paths, thresholds),
    }
}

fn check_inner(
    plan_path: &Path,
    paths: &[PathBuf],
    thresholds: Thresholds,
) -> Result<Report, String> {
    let plan = read::read(plan_path)?;
    let (places, provider_tags) = config::aws_providers(&plan.configuration);
    let mut ws = Workspace::load(paths);
    let plan_file = ws.files.len();
    let instances = {
        let modules = ws.modules();
        let root = locate::root_dir(paths).unwrap_or_default();
        let sources = locate::Sources {
            installed: ws.installed.get(&root),
            root,
            modules: &modules,
        };
        instances(&plan, &sources, &ws.files, plan_file, &places)?
    };
    let root = locate::root_dir(paths).unwrap_or_default();
    let mut graph = Graph::build(&instances);
    graph.default_tags = config::aws_default_tags(&plan.configuration);
    graph.provider_places = places;
    graph.provider_tags = provider_tags;
    let mut findings = rules::run_with(&graph, thresholds);
    // The plan's values are not the text: no fixes from a plan (`--fix` refuses `--plan`).
    for f in &mut findings {
        f.fix = None;
    }
    let root_name = paths
        .first()
        .and_then(|p| p.canonicalize().ok())
        .map(|b| {
            let b = if b.is_file() {
                b.parent().map(Path::to_path_buf).unwrap_or(b)
            } else {
                b
            };
            parse::relative_to(&root, &b)
        })
        .unwrap_or_else(|| root.display().to_string());
    for f in &mut findings {
        if f.file != plan_file && !ws.files[f.file].path.starts_with(&root) {
            f.message
                .push_str(&format!(" (in root module `{root_name}`)"));
        }
    }
    for f in &mut ws.files {
        f.body = None;
    }
    let display = plan_path.display().to_string();
    let path = plan_path
        .canonicalize()
        .unwrap_or_else(|_| plan_path.to_path_buf());
    // The plan's text is not kept: `terraform show -json` writes it on one line, which no
    // code frame could show, and a finding points at the file itself.
    ws.files
        .push(SourceFile::unparsed(path, display, String::new()));
    sort_findings(&mut findings, &ws.files);
    let mut errors = ws.errors;
    errors.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    Ok(Report {
        files: ws.files,
        findings,
        errors,
        skipped: Vec::new(),
        roots: 1,
        max_eval_steps: 0,
        plan_file: Some(plan_file),
    })
}

/// The plan's instances as the evaluator gives them.
fn instances(
    plan: &read::Plan,
    sources: &locate::Sources<'_>,
    files: &[SourceFile],
    plan_file: usize,
    places: &HashMap<String, ProviderPlace>,
) -> Result<Vec<Instance>, String> {
    let mut out = Vec::new();
    let list = plan.instances()?;
    for p in list {
        let levels = config::levels(&plan.configuration, p.module_address);
        let cfg = levels
            .as_ref()
            .and_then(|l| l.last())
            .and_then(|l| config::resource(l.module, p.data, p.rtype, p.name));
        let found = sources.find(&p.calls, p.data, p.rtype, p.name);
        let (file, span, source) = match found {
            Some((file, block)) => (
                file,
                span_of(block),
                Some(Source {
                    body: &block.body,
                    text: &files[file].text,
                }),
            ),
            None => (plan_file, 0..0, None),
        };
        let levels = levels.unwrap_or_default();
        let kind = if p.data { "data." } else { "" };
        let base_len = p.module_address.len()
            + usize::from(!p.module_address.is_empty())
            + kind.len()
            + p.rtype.len()
            + 1
            + p.name.len();
        let builder = Builder {
            levels: &levels,
            data: p.data,
            fallback: span.start..span.start,
            key: p.address.get(base_len..).unwrap_or(""),
        };
        let body = builder.body(
            p.values,
            p.unknown,
            cfg.map(|c| c.get("expressions").unwrap_or(&serde_json::Value::Null)),
            source,
            0,
        );
        let prefix = if p.module_address.is_empty() {
            String::new()
        } else {
            format!("{}.", p.module_address)
        };
        let kind = if p.data { "data." } else { "" };
        out.push(Instance {
            data: p.data,
            rtype: p.rtype.to_string(),
            name: p.name.to_string(),
            base: format!("{prefix}{kind}{}.{}", p.rtype, p.name),
            address: p.address.to_string(),
            file,
            span,
            body,
            count_known: true,
            // The AWS provider configuration it uses (Terraform resolves inherited ones).
            provider: cfg
                .and_then(|c| c.get("provider_config_key"))
                .and_then(serde_json::Value::as_str)
                .filter(|k| places.contains_key(*k))
                .map(str::to_string),
        });
    }
    Ok(out)
}
