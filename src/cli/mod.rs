//! Command-line parsing and dispatch.

mod convert;
mod inspect;
mod report;

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
    /// Convert crash reports into App Center log JSON (`{"logs": [...]}`).
    Convert(ConvertArgs),
}

/// Options of `crashport convert`.
#[derive(Debug, clap::Args)]
pub struct ConvertArgs {
    /// Crash report files, or directories to search for them.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// One `{"logs": [...]}` line per report instead of one document.
    #[arg(long, conflicts_with_all = ["out_dir", "pretty"])]
    pub ndjson: bool,
    /// Write one file per report, DIR/<path relative to the input>.json.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Indent the JSON for people.
    #[arg(long)]
    pub pretty: bool,
    /// `device.locale` (reports carry none).
    #[arg(long, default_value = "en-US", value_name = "LOCALE")]
    pub locale: String,
    /// `userId` to put on every log.
    #[arg(long, value_name = "ID")]
    pub user_id: Option<String>,
    /// App version for reports that do not state one.
    #[arg(long, value_name = "VERSION")]
    pub app_version: Option<String>,
    /// App build for reports that do not state one.
    #[arg(long, value_name = "BUILD")]
    pub app_build: Option<String>,
    /// `device.sdkName` (default: crashport.<platform>).
    #[arg(long, value_name = "NAME")]
    pub sdk_name: Option<String>,
    /// Do not attach the original report.
    #[arg(long)]
    pub no_attachment: bool,
    /// Keep every binary image, not only those the crash involves.
    #[arg(long)]
    pub all_binaries: bool,
    /// Print only errors on stderr (no notices, warnings or summary).
    #[arg(long, short, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Also print a line per converted file.
    #[arg(long, short)]
    pub verbose: bool,
    /// Threads to convert with (default: all cores).
    #[arg(long, short, value_name = "N")]
    pub jobs: Option<usize>,
    /// Write the run summary as JSON to FILE (for CI).
    #[arg(long, value_name = "FILE")]
    pub summary_json: Option<PathBuf>,
    /// Refuse files larger than this (B, KiB, MiB, GiB).
    #[arg(long, default_value = "64MiB", value_name = "SIZE", value_parser = crashport::limits::parse_size)]
    pub max_file_size: u64,
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

/// The thread count: as asked, else every core.
fn jobs(asked: Option<usize>) -> usize {
    asked.filter(|&n| n > 0).unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

fn verbosity(quiet: bool, verbose: bool) -> report::Verbosity {
    match (quiet, verbose) {
        (true, _) => report::Verbosity::Quiet,
        (false, true) => report::Verbosity::Verbose,
        (false, false) => report::Verbosity::Normal,
    }
}

/// Runs the command line; returns the process exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Inspect(args) => inspect::run(&args),
        Command::Convert(args) => convert::run(&args),
    }
}
