//! Command-line parsing and dispatch.

mod convert;
mod inspect;
mod progress;
mod upload;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use crashport::appcenter::ConvertOptions;
use crashport::bulk::convert::Options;
use crashport::limits::Limits;

/// Turn Apple crash reports (.crash text, .ips JSON) into App Center crash logs.
#[derive(Debug, Parser)]
#[command(name = "crashport", version, about, max_term_width = 100, args_override_self = true)]
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
    /// Convert crash reports and send them to the App Center ingestion API.
    Upload(UploadArgs),
}

/// How reports become logs: options `convert` and `upload` share.
#[derive(Debug, clap::Args)]
pub struct ConversionArgs {
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
    /// Refuse files larger than this (B, KiB, MiB, GiB).
    #[arg(long, default_value = "64MiB", value_name = "SIZE", value_parser = crashport::limits::parse_size)]
    pub max_file_size: u64,
}

impl ConversionArgs {
    /// The library options these arguments stand for.
    pub fn options(&self) -> Options {
        Options {
            limits: Limits { max_file_size: self.max_file_size, ..Limits::default() },
            // Crash folders are not written to while crashport reads them.
            memory_map: true,
            convert: ConvertOptions {
                locale: self.locale.clone(),
                user_id: self.user_id.clone(),
                app_version: self.app_version.clone(),
                app_build: self.app_build.clone(),
                sdk_name: self.sdk_name.clone(),
                attachment: !self.no_attachment,
                all_binaries: self.all_binaries,
            },
        }
    }
}

/// How a run goes and what it says: options `convert` and `upload` share.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Print only errors on stderr (no notices, warnings or summary).
    #[arg(long, short, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Also print a line per file.
    #[arg(long, short)]
    pub verbose: bool,
    /// Threads to read and convert with (default: all cores).
    #[arg(long, short, value_name = "N")]
    pub jobs: Option<usize>,
    /// Write the run summary as JSON to FILE (for CI).
    #[arg(long, value_name = "FILE")]
    pub summary_json: Option<PathBuf>,
}

impl RunArgs {
    /// The thread count: as asked, else every core.
    pub fn jobs(&self) -> usize {
        self.jobs.filter(|&n| n > 0).unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
    }

    pub fn verbosity(&self) -> progress::Verbosity {
        match (self.quiet, self.verbose) {
            (true, _) => progress::Verbosity::Quiet,
            (false, true) => progress::Verbosity::Verbose,
            (false, false) => progress::Verbosity::Normal,
        }
    }
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
    #[command(flatten)]
    pub conversion: ConversionArgs,
    #[command(flatten)]
    pub run: RunArgs,
}

/// Options of `crashport upload`.
#[derive(Debug, clap::Args)]
pub struct UploadArgs {
    /// Crash report files or App Center log JSON files, or directories of them.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The app's App Secret (a UUID). Never printed.
    #[arg(long, env = "APPCENTER_APP_SECRET", hide_env_values = true, value_name = "SECRET")]
    pub app_secret: String,
    /// The Install-ID header (default: one kept in the journal).
    #[arg(long, env = "APPCENTER_INSTALL_ID", value_name = "UUID")]
    pub install_id: Option<String>,
    /// The ingestion endpoint (https, or http to this machine).
    #[arg(long, env = "APPCENTER_INGESTION_URL", default_value = crashport::upload::endpoint::DEFAULT_ENDPOINT, value_name = "URL")]
    pub endpoint: String,
    /// Print each request instead of sending it.
    #[arg(long)]
    pub dry_run: bool,
    /// Crashes per minute at most (App Center keeps 60 and drops the rest silently).
    #[arg(long, default_value_t = 60, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit: u32,
    /// Seconds before the first retry (doubling, up to 60).
    #[arg(long, default_value_t = 1.0, value_name = "SECONDS")]
    pub retry_delay: f64,
    /// Retries after the first attempt.
    #[arg(long, default_value_t = 6, value_name = "N")]
    pub max_retries: u32,
    /// Seconds allowed for one attempt.
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    pub timeout: f64,
    /// The journal of what was sent (default: in the user's state directory).
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// Send again what the journal says was sent.
    #[arg(long)]
    pub force: bool,
    /// Send reports older than 25 days with the upload time as timestamp.
    #[arg(long)]
    pub restamp: bool,
    #[command(flatten)]
    pub conversion: ConversionArgs,
    #[command(flatten)]
    pub run: RunArgs,
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
        Command::Convert(args) => convert::run(&args),
        Command::Upload(args) => upload::run(&args),
    }
}
