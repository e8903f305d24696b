//! `relcheck`: catches unreliable infrastructure in Terraform code before it merges.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "relcheck", version, about = "Catch unreliable infrastructure in Terraform code")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check Terraform code for reliability problems.
    Check {
        /// Files or directories to check (default: the current directory).
        paths: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { paths } => {
            let paths = if paths.is_empty() { vec![PathBuf::from(".")] } else { paths };
            for p in &paths {
                if !p.exists() {
                    eprintln!("error: {}: no such file or directory", p.display());
                    return ExitCode::from(2);
                }
            }
            println!("0 findings in {} path(s)", paths.len());
            ExitCode::SUCCESS
        }
    }
}
