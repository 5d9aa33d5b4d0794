//! Command-line parsing and dispatch. Every flag is defined here; the
//! commands' modules turn them into the library's settings.

mod convert;
mod dsyms;
mod file_run;
mod inspect;
mod out_dir;
mod progress;
mod render;
mod signals;
mod summary;
mod upload;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use crashport::appcenter::ConvertOptions;
use crashport::bulk::convert::Options;
use crashport::limits::Limits;
use time::OffsetDateTime;

/// The version line: the package version, the commit it was built from,
/// and the target.
const VERSION: &str =
    concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("CRASHPORT_COMMIT"), ", ", env!("CRASHPORT_TARGET"), ")");

/// Read Apple crash reports (.crash text, .ips JSON) anywhere: inspect them,
/// group them into distinct crashes, turn them into App Center logs or
/// Sentry events and send them.
#[derive(Debug, Parser)]
#[command(name = "crashport", version = VERSION, about, max_term_width = 100, args_override_self = true)]
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
    /// Convert crash reports and send them to App Center (or to Sentry with --to sentry).
    Upload(UploadArgs),
    /// Which debug files each report needs, and which of them --dsym finds.
    Dsyms(DsymsArgs),
    /// Group crash reports into distinct crashes: counts, devices, versions, first and last seen.
    Summary(SummaryArgs),
    /// Print crash reports in Apple's text layout (.ips to .crash), one per crash.
    Render(RenderArgs),
    /// Print a completion script for a shell (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `crashport man > crashport.1`.
    Man,
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
    /// Take personal data out first: user names in paths, CrashReporter Key, Anonymous and Sleep/Wake UUIDs.
    #[arg(long)]
    pub scrub: bool,
    #[command(flatten)]
    pub dsym: DsymArgs,
    #[command(flatten)]
    pub size: SizeArgs,
}

/// Where crashes go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// App Center's ingestion API (`appleError` logs).
    Appcenter,
    /// Sentry (an event and the report as an attachment, in an envelope).
    Sentry,
}

/// What a Sentry event carries besides the report.
#[derive(Debug, clap::Args)]
pub struct SentryArgs {
    /// Where crashes go (for convert: the form they are written in).
    #[arg(long, value_enum, default_value = "appcenter", value_name = "DESTINATION")]
    pub to: Target,
    /// Sentry: the event's environment (`production`, `qa` ...).
    #[arg(long, value_name = "NAME")]
    pub environment: Option<String>,
    /// Sentry: the release, instead of the report's `bundle id@version+build`.
    #[arg(long, value_name = "RELEASE")]
    pub release: Option<String>,
    /// Sentry: a tag for every event (repeatable).
    #[arg(long = "tag", value_name = "KEY=VALUE")]
    pub tags: Vec<String>,
}

impl SentryArgs {
    /// The event options, or a usage error.
    pub fn event_options(&self) -> Result<crashport::sentry::EventOptions, String> {
        if self.to == Target::Appcenter
            && (self.environment.is_some() || self.release.is_some() || !self.tags.is_empty())
        {
            return Err("--environment, --release and --tag are for Sentry events: add --to sentry".to_string());
        }
        Ok(crashport::sentry::EventOptions {
            environment: self.environment.clone(),
            release: self.release.clone(),
            tags: crashport::upload::sentry::parse_tags(&self.tags)?,
        })
    }
}

/// Debug files to name frames from.
#[derive(Debug, clap::Args)]
pub struct DsymArgs {
    /// Name frames from debug files: .dSYM bundles, folders, Mach-O executables and dylibs, zips of dSYMs, .xcarchive bundles (repeatable).
    #[arg(long = "dsym", value_name = "PATH")]
    pub dsyms: Vec<PathBuf>,
    /// Keep the symcaches built from debug files in DIR, for later runs.
    #[arg(long, value_name = "DIR", requires = "dsyms")]
    pub symcache_dir: Option<PathBuf>,
    /// Swift and C++ names from debug files in full (module, parameter and return types), not Apple's short form.
    #[arg(long, requires = "dsyms")]
    pub full_names: bool,
}

impl DsymArgs {
    /// Paths named with `--dsym` that do not exist: a usage error before
    /// anything is read.
    pub fn check(&self) -> Result<(), String> {
        match self.dsyms.iter().find(|p| !p.exists()) {
            Some(missing) => Err(format!("--dsym {}: no such file or folder", missing.display())),
            None => Ok(()),
        }
    }

    /// The debug files of the run, indexed once, or `None` without
    /// `--dsym`. Files that cannot be used are named through `notice`: the
    /// frames they would have named stay as the report wrote them.
    pub fn open(&self, mut notice: impl FnMut(&str)) -> Option<std::sync::Arc<crashport::symbolicate::Symbolicator>> {
        if self.dsyms.is_empty() {
            return None;
        }
        let files = crashport::symbolicate::DebugFiles::open(&self.dsyms, self.symcache_dir.clone());
        for error in files.index().errors() {
            notice(&error.to_string());
        }
        if files.index().is_empty() {
            notice("--dsym: no debug file found in what was named; frames stay as the reports wrote them");
        }
        Some(std::sync::Arc::new(crashport::symbolicate::Symbolicator { files, names: self.names() }))
    }

    /// How names from debug files are written.
    pub fn names(&self) -> crashport::symbolicate::Names {
        use crashport::symbolicate::{NameStyle, Names};
        Names::new(if self.full_names { NameStyle::Full } else { NameStyle::Short })
    }
}

/// The largest input accepted.
#[derive(Debug, clap::Args)]
pub struct SizeArgs {
    /// Refuse files larger than this: a whole number of B, KiB, MiB or GiB.
    #[arg(long, default_value = "64MiB", value_name = "SIZE", value_parser = parse_file_size)]
    pub max_file_size: u64,
}

impl SizeArgs {
    pub fn limits(&self) -> Limits {
        Limits { max_file_size: self.max_file_size, ..Limits::default() }
    }
}

fn parse_file_size(text: &str) -> Result<u64, String> {
    let size = crashport::limits::parse_size(text)?;
    if size == 0 {
        return Err("a size of 0 would refuse every file; give a size such as 64MiB".to_string());
    }
    Ok(size)
}

impl ConversionArgs {
    /// The library options these arguments stand for.
    pub fn options(&self) -> Options {
        Options {
            limits: self.size.limits(),
            // Crash folders are not written to while crashport reads them.
            memory_map: true,
            scrub: self.scrub,
            // Opened by the command, which names the debug files it cannot use.
            symbols: None,
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

/// The most threads `--jobs` takes: more than a machine has cores only
/// adds contention, and a typo (`--jobs 80000`) should not start them.
const MAX_JOBS: usize = 256;

fn parse_jobs(text: &str) -> Result<usize, String> {
    let jobs: usize = text.trim().parse().map_err(|_| format!("expected a number of threads, found `{text}`"))?;
    match jobs {
        0 => Err("0 threads would do nothing; give at least 1 (the default is every core)".to_string()),
        n if n > MAX_JOBS => Err(format!("{n} threads is more than the {MAX_JOBS} crashport starts at most")),
        n => Ok(n),
    }
}

/// How a run goes and what it says: options `convert`, `upload` and `render` share.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Print only errors on stderr (no notices, warnings or summary).
    #[arg(long, short, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Also print a line per file, and every warning.
    #[arg(long, short)]
    pub verbose: bool,
    /// Threads to read and convert with, 1 to 256 (default: every core).
    #[arg(long, short, value_name = "N", value_parser = parse_jobs)]
    pub jobs: Option<usize>,
    /// Write the run summary as JSON to FILE (for CI).
    #[arg(long, value_name = "FILE")]
    pub summary_json: Option<PathBuf>,
    /// Exit with status 1 when no crash report was found (for CI).
    #[arg(long)]
    pub fail_on_empty: bool,
}

impl RunArgs {
    /// The thread count: as asked, else every core.
    pub fn jobs(&self) -> usize {
        self.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
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
    /// Crash report files, directories or zip archives to search, `-` for standard input.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// One `{"logs": [...]}` line per report instead of one document.
    #[arg(long, conflicts_with_all = ["out_dir", "pretty"])]
    pub ndjson: bool,
    /// Write one file per report, DIR/<path relative to the input>.json.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Replace files that already exist in the --out-dir folder.
    #[arg(long, requires = "out_dir")]
    pub overwrite: bool,
    /// Indent the JSON for people.
    #[arg(long)]
    pub pretty: bool,
    #[command(flatten)]
    pub sentry: SentryArgs,
    #[command(flatten)]
    pub conversion: ConversionArgs,
    #[command(flatten)]
    pub run: RunArgs,
}

/// Options of `crashport upload`.
#[derive(Debug, clap::Args)]
pub struct UploadArgs {
    /// Crash report files or App Center log JSON files, directories or zip archives of them, `-` for standard input.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Sentry: the project's DSN (required with --to sentry unless --dry-run). Its key is never printed.
    #[arg(long, env = "SENTRY_DSN", hide_env_values = true, value_name = "DSN")]
    pub dsn: Option<String>,
    /// App Center: the app's App Secret (a UUID; required unless --dry-run). Never printed.
    #[arg(long, env = "APPCENTER_APP_SECRET", hide_env_values = true, value_name = "SECRET")]
    pub app_secret: Option<String>,
    /// The Install-ID header (default: one kept in the journal).
    #[arg(long, env = "APPCENTER_INSTALL_ID", value_name = "UUID")]
    pub install_id: Option<String>,
    /// The ingestion endpoint (https, or http to this machine).
    #[arg(long, env = "APPCENTER_INGESTION_URL", default_value = crashport::upload::appcenter::endpoint::DEFAULT_ENDPOINT, value_name = "URL")]
    pub endpoint: String,
    /// Say what would be sent (counts, time at the rate) and send nothing; needs no secret.
    #[arg(long)]
    pub dry_run: bool,
    /// With --dry-run, also print each request (secrets masked).
    #[arg(long, requires = "dry_run")]
    pub show_requests: bool,
    /// Crashes per minute at most (default for App Center 60: it keeps 60 and drops the rest silently; for Sentry none).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit: Option<u32>,
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
    /// Send crashes older than the service keeps (App Center 25 days, Sentry 30) with the upload time.
    #[arg(long)]
    pub restamp: bool,
    /// Also trust the certificate authorities in this PEM file (a self-hosted service).
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    #[command(flatten)]
    pub sentry: SentryArgs,
    #[command(flatten)]
    pub conversion: ConversionArgs,
    #[command(flatten)]
    pub run: RunArgs,
}

/// Options of `crashport render`.
#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    /// Crash report files, directories or zip archives (the content decides), `-` for standard input.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Write one file per report, DIR/<path relative to the input>.crash.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Replace files that already exist in the --out-dir folder.
    #[arg(long, requires = "out_dir")]
    pub overwrite: bool,
    #[command(flatten)]
    pub dsym: DsymArgs,
    #[command(flatten)]
    pub size: SizeArgs,
    #[command(flatten)]
    pub run: RunArgs,
}

/// Options of `crashport inspect`.
#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// Crash report files, directories or zip archives (the content decides), `-` for standard input.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Print the crash model as JSON, one object per file (JSON Lines).
    #[arg(long)]
    pub json: bool,
    /// How many frames of the crashed thread to show.
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub frames: usize,
    #[command(flatten)]
    pub dsym: DsymArgs,
    #[command(flatten)]
    pub size: SizeArgs,
}

/// Options of `crashport dsyms`.
#[derive(Debug, clap::Args)]
pub struct DsymsArgs {
    /// Crash report files, directories or zip archives, `-` for standard input.
    #[arg(required = true, value_name = "REPORT")]
    pub paths: Vec<PathBuf>,
    /// Show only the images without a debug file.
    #[arg(long)]
    pub missing_only: bool,
    /// One JSON object per report (JSON Lines).
    #[arg(long)]
    pub json: bool,
    /// Exit with status 1 when an image of the app with a frame in the crashed thread has no debug file.
    #[arg(long)]
    pub require_all: bool,
    /// No totals line on stderr.
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub dsym: DsymArgs,
    #[command(flatten)]
    pub size: SizeArgs,
}

/// What `summary --by` adds to the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SummaryBy {
    /// A column of counts per app version and build, newest first.
    Version,
}

/// Options of `crashport summary`.
#[derive(Debug, clap::Args)]
pub struct SummaryArgs {
    /// Crash report files, directories or zip archives, `-` for standard input.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Print the summary as JSON (the input of a later --baseline).
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,
    /// Print the table as Markdown (tickets, CI job summaries).
    #[arg(long)]
    pub markdown: bool,
    /// Add counts per app version and build; groups only seen in the latest build are marked new.
    #[arg(long, value_enum, value_name = "WHAT")]
    pub by: Option<SummaryBy>,
    /// A previous `summary --json`: groups it does not have are marked new.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    #[command(flatten)]
    pub dsym: DsymArgs,
    #[command(flatten)]
    pub size: SizeArgs,
    #[command(flatten)]
    pub run: RunArgs,
}

/// The time of the run: now, or the instant `CRASHPORT_NOW` gives (RFC
/// 3339), so that tests and reproductions judge a crash's age the same on
/// any day.
pub fn now() -> Result<OffsetDateTime, String> {
    match std::env::var("CRASHPORT_NOW") {
        Ok(text) if !text.trim().is_empty() => {
            OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339).map_err(|_| {
                format!("CRASHPORT_NOW must be an RFC 3339 time such as 2026-12-01T12:00:00Z, found `{text}`")
            })
        }
        _ => Ok(OffsetDateTime::now_utc()),
    }
}

/// Runs the command line; returns the process exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Inspect(args) => inspect::run(&args),
        Command::Convert(args) => convert::run(&args),
        Command::Upload(args) => upload::run(&args),
        Command::Summary(args) => summary::run(&args),
        Command::Dsyms(args) => dsyms::run(&args),
        Command::Render(args) => render::run(&args),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "crashport", &mut std::io::stdout());
            ExitCode::SUCCESS
        }
        Command::Man => match clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: writing the manual page: {e}");
                ExitCode::FAILURE
            }
        },
    }
}

/// A usage error: the message, and exit status 2.
pub fn usage_error(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}
