//! Command-line parsing and dispatch.

mod inspect;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Turn Apple crash reports (.crash text, .ips JSON) into App Center crash logs.
#[derive(Debug, Parser)]
#[command(name = "crashport", version, about, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Read crash reports and show what crashport understood of them.
    Inspect(InspectArgs),
}

/// Options of `crashport inspect`.
#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// Crash report files (.crash, .ips, .txt ...; the content decides).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Print the crash model as JSON, one object per file (JSON Lines).
    #[arg(long)]
    pub json: bool,
    /// How many frames of the crashed thread to show.
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub frames: usize,
}

/// Runs the command line; returns the process exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Inspect(args) => inspect::run(&args),
    }
}
