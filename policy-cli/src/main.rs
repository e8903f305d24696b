//! `relcheck`: catches unreliable infrastructure in Terraform code before it merges.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use relcheck::rules::{self, Severity};
use relcheck::{render, Inputs};

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
        /// Files or directories to check (default: the current directory).
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Exit with status 1 when a finding at or above this severity is found.
        #[arg(long, value_enum, default_value = "warning")]
        fail_on: FailOn,
        /// A variables file for the root modules (like `terraform plan -var-file`).
        #[arg(long = "var-file", value_name = "FILE")]
        var_files: Vec<PathBuf>,
        /// A root module variable, `NAME=VALUE` (like `terraform plan -var`).
        #[arg(long = "var", value_name = "NAME=VALUE")]
        vars: Vec<String>,
        /// When to use colours in text output.
        #[arg(long, value_enum, default_value = "auto")]
        color: Color,
    },
    /// List the rules.
    Rules,
    /// Print the documentation of one rule (by id or name).
    Explain {
        /// Rule id (`RC101`) or name (`db-instance-single-az`).
        rule: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Rules => {
            let mut out = String::new();
            for r in rules::RULES {
                let m = r.meta();
                out.push_str(&format!(
                    "{:<6} {:<32} {:<23} {:<8} {}\n",
                    m.id,
                    m.name,
                    m.category.as_str(),
                    m.severity.as_str(),
                    m.types.join(", ")
                ));
            }
            print_out(&out);
            ExitCode::SUCCESS
        }
        Command::Explain { rule } => match rules::find(&rule) {
            Some(r) => {
                let m = r.meta();
                print_out(&format!(
                    "# {} {}\n\ncategory: {} · default severity: {} · resources: {}\n\n{}\n",
                    m.id,
                    m.name,
                    m.category.as_str(),
                    m.severity.as_str(),
                    m.types.join(", "),
                    m.documentation().trim_end()
                ));
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("error: no rule `{rule}` (see `relcheck rules`)");
                ExitCode::from(2)
            }
        },
        Command::Check {
            paths,
            format,
            fail_on,
            var_files,
            vars,
            color,
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
            let report = relcheck::check(&paths, &inputs);
            let out = match format {
                Format::Json => render::json::render(&report),
                Format::Text => {
                    let use_color = match color {
                        Color::Always => true,
                        Color::Never => false,
                        Color::Auto => {
                            std::io::stdout().is_terminal()
                                && std::env::var_os("NO_COLOR").is_none()
                        }
                    };
                    render::text::render(&report, use_color)
                }
            };
            print_out(&out);
            if !report.skipped.is_empty() {
                eprintln!(
                    "note: {} module call(s) not evaluated (source not installed; run `terraform init` to include them): {}",
                    report.skipped.len(),
                    report.skipped.join(", ")
                );
            }
            let threshold = match fail_on {
                FailOn::Error => Some(Severity::Error),
                FailOn::Warning => Some(Severity::Warning),
                FailOn::Note => Some(Severity::Note),
                FailOn::Never => None,
            };
            if !report.errors.is_empty() {
                ExitCode::from(2)
            } else if matches!((threshold, report.worst()), (Some(t), Some(w)) if w >= t) {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
    }
}

/// Writes to stdout, ignoring a closed pipe (`relcheck check | head`).
fn print_out(s: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(s.as_bytes());
    let _ = out.flush();
}
