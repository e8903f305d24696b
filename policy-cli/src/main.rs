//! `relcheck`: catches unreliable infrastructure in Terraform code before it merges.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use relcheck::rules::{self, Severity};
use relcheck::{render, Inputs};

/// mimalloc instead of glibc's malloc: relcheck allocates and frees a syntax tree node by
/// node for every file, on two threads; with glibc that was ~25% of the CPU time
/// (arena locking, fastbin consolidation). Transparent huge pages are off (`no_thp`):
/// with them peak RSS doubled on small trees.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "relcheck",
    version,
    about = "Catch unreliable infrastructure in Terraform code"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
    /// SARIF 2.1.0 (code scanning).
    Sarif,
    /// GitHub Actions workflow commands (inline annotations).
    Github,
    /// JUnit XML.
    Junit,
    /// A summary for a pull-request comment.
    Markdown,
    /// reviewdog's diagnostic format (`reviewdog -f=rdjson`), fixes as suggestions.
    Rdjson,
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Note,
    Never,
}

#[derive(Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand)]
enum Command {
    /// Check Terraform code for reliability problems.
    Check {
        /// Files or directories to check (default: the current directory). With `--plan`:
        /// the configuration the plan was made from.
        paths: Vec<PathBuf>,
        /// Check the resources of a Terraform JSON plan (`terraform show -json tfplan >
        /// plan.json`): exact planned values in every module; positions still point at
        /// the `.tf` files under PATH.
        #[arg(long, value_name = "PLAN.json", conflicts_with_all = ["var_files", "vars"])]
        plan: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Exit with status 1 when a finding at or above this severity is found
        /// [default: `fail-on` in .relcheck.toml, else warning].
        #[arg(long, value_enum)]
        fail_on: Option<FailOn>,
        /// Write the report to FILE; the text report still goes to the terminal.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Configuration file [default: the nearest .relcheck.toml at or above the path].
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Ignore `relcheck:ignore` comments: show every finding.
        #[arg(long)]
        no_ignore: bool,
        /// Report only findings whose fingerprint is not in this baseline file.
        #[arg(long, value_name = "FILE")]
        baseline: Option<PathBuf>,
        /// Record the current findings' fingerprints in FILE.
        #[arg(long, value_name = "FILE")]
        write_baseline: Option<PathBuf>,
        /// Report only findings on resources added or changed since this git ref.
        #[arg(long, value_name = "REF")]
        changed_since: Option<String>,
        /// A variables file for the root modules (like `terraform plan -var-file`).
        #[arg(long = "var-file", value_name = "FILE")]
        var_files: Vec<PathBuf>,
        /// A root module variable, `NAME=VALUE` (like `terraform plan -var`).
        #[arg(long = "var", value_name = "NAME=VALUE")]
        vars: Vec<String>,
        /// When to use colours in text output.
        #[arg(long, value_enum, default_value = "auto")]
        color: Color,
        /// Apply the safe local fixes (`relcheck rules` shows which rules fix), then
        /// report what is left. A fix that would leave a new finding or a parse error is
        /// not applied.
        #[arg(long, conflicts_with_all = ["plan", "diff"])]
        fix: bool,
        /// Print the fixes `--fix` would make as a unified diff (nothing is written); exit
        /// status 1 when there is something to fix.
        #[arg(long, conflicts_with = "plan")]
        diff: bool,
    },
    /// List the rules.
    Rules,
    /// Print the documentation of one rule (by id or name).
    Explain {
        /// Rule id (`RC101`) or name (`db-instance-single-az`).
        rule: String,
    },
    /// Run a language server on stdin/stdout (LSP) for editors: findings as diagnostics
    /// while you type, quick fixes, and the rule's explanation on hover.
    Lsp,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Rules => {
            let mut out = String::new();
            for r in rules::RULES {
                let m = r.meta();
                out.push_str(&format!(
                    "{:<6} {:<32} {:<23} {:<8} {:<4} {}\n",
                    m.id,
                    m.name,
                    m.category.as_str(),
                    m.severity.as_str(),
                    if m.fix.is_some() { "fix" } else { "-" },
                    rules::applies_to(m)
                ));
            }
            print_out(&out);
            ExitCode::SUCCESS
        }
        Command::Lsp => {
            let code = relcheck::lsp::serve(std::io::stdin().lock(), std::io::stdout().lock());
            ExitCode::from(code as u8)
        }
        Command::Explain { rule } => match rules::find(&rule) {
            Some(r) => {
                print_out(&rules::explain(r.meta()));
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("error: no rule `{rule}` (see `relcheck rules`)");
                ExitCode::from(2)
            }
        },
        Command::Check {
            paths,
            plan,
            format,
            fail_on,
            output,
            config,
            no_ignore,
            baseline,
            write_baseline,
            changed_since,
            var_files,
            vars,
            color,
            fix,
            diff,
        } => {
            let paths = if paths.is_empty() {
                vec![PathBuf::from(".")]
            } else {
                paths
            };
            let mut inputs = Inputs {
                var_files,
                vars: Vec::new(),
            };
            for v in vars {
                match v.split_once('=') {
                    Some((k, val)) if !k.is_empty() => {
                        inputs.vars.push((k.to_string(), val.to_string()))
                    }
                    _ => {
                        eprintln!("error: --var expects NAME=VALUE, got `{v}`");
                        return ExitCode::from(2);
                    }
                }
            }
            for f in &inputs.var_files {
                if !f.is_file() {
                    eprintln!("error: {}: variables file not found", f.display());
                    return ExitCode::from(2);
                }
            }
            let config_path = config.or_else(|| relcheck::config::find(&paths[0]));
            let config = match config_path.as_deref().map(relcheck::config::Config::load) {
                Some(Ok(c)) => Some(c),
                Some(Err(e)) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
                None => None,
            };
            let known = match baseline.as_deref().map(relcheck::baseline::load) {
                Some(Ok(k)) => Some(k),
                Some(Err(e)) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
                None => None,
            };
            let changes = match changed_since
                .as_deref()
                .map(|r| relcheck::changed::Changes::since(r, &paths[0]))
            {
                Some(Ok(c)) => Some(c),
                Some(Err(e)) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
                None => None,
            };
            let thresholds = config.as_ref().map(|c| c.thresholds).unwrap_or_default();
            // The whole pipeline: check, suppressions, configuration, baselines,
            // `--changed-since`. Run again after `--fix` to report what is left.
            let run = || -> Result<(relcheck::Report, Vec<relcheck::suppress::Suppressed>, usize), String> {
                let mut report = match &plan {
                    Some(plan) => relcheck::plan::check(plan, &paths, thresholds)?,
                    None => relcheck::check_with(&paths, &inputs, thresholds),
                };
                let suppressed = if no_ignore {
                    Vec::new()
                } else {
                    relcheck::suppress::apply(&mut report)
                };
                if let Some(c) = &config {
                    c.apply(&mut report);
                }
                if let Some(file) = &write_baseline {
                    if let Err(e) = std::fs::write(file, relcheck::baseline::to_json(&report)) {
                        return Err(format!("{}: cannot write baseline: {e}", file.display()));
                    }
                }
                let in_baseline = known
                    .as_ref()
                    .map(|k| relcheck::baseline::apply(&mut report, k))
                    .unwrap_or(0);
                if let Some(c) = &changes {
                    c.apply(&mut report);
                }
                Ok((report, suppressed, in_baseline))
            };
            let (mut report, mut suppressed, mut in_baseline) = match run() {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            if diff {
                return show_diff(&report);
            }
            if fix && fix_files(&report, &paths, &inputs, thresholds) {
                (report, suppressed, in_baseline) = match run() {
                    Ok(r) => r,
                    Err(e) => {
                        eprintln!("error: {e}");
                        return ExitCode::from(2);
                    }
                };
            }
            let use_color = |to_terminal: bool| match color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => {
                    to_terminal
                        && std::io::stdout().is_terminal()
                        && std::env::var_os("NO_COLOR").is_none()
                }
            };
            let out = match format {
                Format::Json => render::json::render_with_suppressions(&report, &suppressed),
                Format::Text => render::text::render(&report, use_color(output.is_none())),
                Format::Sarif => render::sarif::render(&report, &suppressed),
                Format::Github => render::github::render(&report),
                Format::Junit => render::junit::render(&report),
                Format::Markdown => render::markdown::render(&report, &suppressed),
                Format::Rdjson => render::rdjson::render(&report),
            };
            match &output {
                Some(file) => {
                    if let Err(e) = std::fs::write(file, &out) {
                        eprintln!("error: {}: cannot write report: {e}", file.display());
                        return ExitCode::from(2);
                    }
                    print_out(&render::text::render(&report, use_color(true)));
                }
                None => print_out(&out),
            }
            if !suppressed.is_empty() {
                eprintln!(
                    "note: {} finding(s) suppressed by `relcheck:ignore` comments (`--no-ignore` shows them)",
                    suppressed.len()
                );
            }
            if in_baseline > 0 {
                eprintln!("note: {in_baseline} finding(s) already in the baseline not shown");
            }
            let in_plan = report
                .findings
                .iter()
                .filter(|f| Some(f.file) == report.plan_file)
                .count();
            if in_plan > 0 {
                eprintln!(
                    "note: {in_plan} finding(s) point at the plan file: no .tf file under the checked path declares their resource (module not installed? run `terraform init`)"
                );
            }
            if !report.skipped.is_empty() {
                eprintln!(
                    "note: {} module call(s) not evaluated (source not installed; run `terraform init` to include them): {}",
                    report.skipped.len(),
                    report.skipped.join(", ")
                );
            }
            let fail_on = match (fail_on, config.as_ref().and_then(|c| c.fail_on)) {
                (Some(f), _) => f,
                (None, Some(Some(Severity::Error))) => FailOn::Error,
                (None, Some(Some(Severity::Note))) => FailOn::Note,
                (None, Some(None)) => FailOn::Never,
                _ => FailOn::Warning,
            };
            let threshold = match fail_on {
                FailOn::Error => Some(Severity::Error),
                FailOn::Warning => Some(Severity::Warning),
                FailOn::Note => Some(Severity::Note),
                FailOn::Never => None,
            };
            let code = if !report.errors.is_empty() {
                2
            } else if matches!((threshold, report.worst()), (Some(t), Some(w)) if w >= t) {
                1
            } else {
                0
            };
            // The output is written and flushed (`print_out`): exit without freeing every
            // parsed file one allocation at a time (a measurable share of the run).
            std::process::exit(code)
        }
    }
}

/// `--diff`: the fixes as a patch on stdout; exit status 1 when there is one.
fn show_diff(report: &relcheck::Report) -> ExitCode {
    let (fixes, refused) = relcheck::fix::plan(report);
    for r in &refused {
        eprintln!("note: {r}");
    }
    let mut out = String::new();
    for f in &fixes {
        let name = &report.files[f.file].display;
        out.push_str(&relcheck::fix::unified_diff(name, &f.old, &f.new));
    }
    print_out(&out);
    let n: usize = fixes.iter().map(|f| f.fixed.len()).sum();
    eprintln!(
        "note: {n} fix(es) in {} file(s) (not written; `--fix` writes them)",
        fixes.len()
    );
    if !report.errors.is_empty() {
        ExitCode::from(2)
    } else if fixes.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// `--fix`: writes the fixed files, checks again, puts back any file where the fixes
/// introduced a finding or an error, and says what it changed (stderr). `true` when a file
/// was written.
fn fix_files(
    report: &relcheck::Report,
    paths: &[PathBuf],
    inputs: &Inputs,
    thresholds: rules::Thresholds,
) -> bool {
    let check = || relcheck::check_with(paths, inputs, thresholds);
    let outcome = relcheck::fix::write_checked(report, check);
    for line in &outcome.messages {
        eprintln!("{line}");
    }
    outcome.written
}

/// Writes to stdout, ignoring a closed pipe (`relcheck check | head`).
fn print_out(s: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(s.as_bytes());
    let _ = out.flush();
}
