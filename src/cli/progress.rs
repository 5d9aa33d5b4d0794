//! What a run tells the person running it, on stderr: a progress bar on a
//! terminal (a line every few seconds in a CI log), notices for skipped
//! files, warnings, errors (each naming its file), and the run summary with
//! the exit status it implies.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anstyle::{AnsiColor, Style};
use crashport::bulk::convert::Outcome;
use crashport::bulk::walk::WalkError;
use crashport::upload::{Event, Observer, describe_retry};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

const BAD: Style = AnsiColor::Red.on_default().bold();
const WARN: Style = AnsiColor::Yellow.on_default().bold();
const NOTE: Style = AnsiColor::Cyan.on_default();
const GOOD: Style = AnsiColor::Green.on_default();

/// How much to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// Errors only.
    Quiet,
    /// Errors, notices, counts of warnings, the summary.
    Normal,
    /// All that, every warning, and a line per file.
    Verbose,
}

/// Which command runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// `convert`.
    Convert,
    /// `render`.
    Render,
    /// `upload`, sending.
    Upload,
    /// `upload --dry-run`.
    Plan,
    /// `summary`.
    Summary,
}

/// One file that failed.
#[derive(Debug, Serialize)]
pub struct FailedFile {
    pub path: PathBuf,
    pub reason: String,
}

/// One input that is a copy of a crash another input carries.
#[derive(Debug, Serialize)]
pub struct DuplicateFile {
    pub path: PathBuf,
    pub of: PathBuf,
}

/// The run summary, also written as JSON by `--summary-json`.
#[derive(Debug, Default, Serialize)]
pub struct Summary {
    /// Inputs looked at.
    pub files: usize,
    /// Inputs converted (by `render`: rendered).
    pub converted: usize,
    /// Crashes the destination acknowledged (`upload`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent: Option<usize>,
    /// Crashes a dry run would send.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub would_send: Option<usize>,
    /// Crashes the journal records as sent by an earlier run.
    #[serde(skip_serializing_if = "is_zero")]
    pub already_sent: usize,
    /// Inputs skipped, by kind (`not_a_report`, `jetsam` ...).
    pub skipped: BTreeMap<&'static str, usize>,
    /// Copies of a crash that another input carries.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub duplicates: Vec<DuplicateFile>,
    /// Crashes older than the destination keeps (not sent by `upload`).
    #[serde(skip_serializing_if = "is_zero")]
    pub stale: usize,
    /// Crashes sent with the upload time (`--restamp`).
    #[serde(skip_serializing_if = "is_zero")]
    pub restamped: usize,
    /// Inputs and crashes that failed, with the reason.
    pub failed: Vec<FailedFile>,
    /// Warnings, by kind.
    pub warnings: BTreeMap<&'static str, usize>,
    /// The journal of the run (`upload`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub journal: Option<PathBuf>,
    /// Why the run stopped early.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    /// The signal that interrupted the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interrupted: Option<usize>,
    /// Wall-clock time of the run.
    pub seconds: f64,
    /// Threads used.
    pub jobs: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Counts outcomes and prints them as they come.
pub struct Reporter {
    verbosity: Verbosity,
    job: Job,
    stderr: anstream::Stderr,
    bar: ProgressBar,
    bar_wanted: bool,
    started: Instant,
    /// When the last progress line was printed (runs without a terminal).
    last_line: Instant,
    /// The age limit of the destination, for the stale line.
    max_age_days: Option<i64>,
    /// (inputs, time left) from the last progress event.
    left: Option<Duration>,
    rate_limit: Option<u32>,
    summary: Summary,
}

/// A run shorter than this gets no progress bar at all.
const BAR_AFTER: Duration = Duration::from_millis(400);

/// Without a terminal, a progress line this often (CI logs).
const LINE_EVERY: Duration = Duration::from_secs(5);

impl Reporter {
    pub fn new(verbosity: Verbosity, job: Job, jobs: usize) -> Self {
        let bar_wanted = verbosity != Verbosity::Quiet && std::io::stderr().is_terminal();
        Reporter {
            verbosity,
            job,
            stderr: anstream::stderr(),
            bar: ProgressBar::hidden(),
            bar_wanted,
            started: Instant::now(),
            last_line: Instant::now(),
            max_age_days: None,
            left: None,
            rate_limit: None,
            summary: Summary { jobs, ..Summary::default() },
        }
    }

    /// The destination's limits, for the messages of `upload`.
    pub fn destination(&mut self, max_age_days: i64, rate_limit: u32, journal: Option<&Path>) {
        self.max_age_days = Some(max_age_days);
        // 0: no pace of crashport's own (the service's 429s pace the run).
        self.rate_limit = (rate_limit > 0).then_some(rate_limit);
        self.summary.journal = journal.map(Path::to_path_buf);
    }

    /// Announces the run and, when known, how many inputs it holds.
    pub fn start(&mut self, files: Option<usize>) {
        self.bar.set_length(files.unwrap_or(0) as u64);
        // One estimate of the time left: the bar's own for a conversion;
        // for an upload the pace of the rate limit decides it, so the
        // message carries that one and the bar none.
        let template = match self.job {
            Job::Convert => "{spinner} converting [{bar:30}] {pos}/{len} files, ETA {eta} {msg}",
            Job::Render => "{spinner} rendering [{bar:30}] {pos}/{len} files, ETA {eta} {msg}",
            Job::Upload => "{spinner} uploading [{bar:30}] {pos}/{len} files {msg}",
            Job::Plan => "{spinner} planning [{bar:30}] {pos}/{len} files {msg}",
            Job::Summary => "{spinner} reading [{bar:30}] {pos}/{len} files, ETA {eta} {msg}",
        };
        let style = ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        self.bar.set_style(style);
    }

    /// Prints a line without tearing the progress bar.
    fn line(&mut self, text: String) {
        let stderr = &mut self.stderr;
        self.bar.suspend(|| {
            let _ = writeln!(stderr, "{text}");
        });
    }

    pub fn outcome(&mut self, outcome: &Outcome) {
        self.summary.files += 1;
        match outcome {
            Outcome::Converted(c) => {
                self.summary.converted += 1;
                for warning in &c.warnings {
                    self.warning(warning);
                }
                if self.verbosity == Verbosity::Verbose {
                    self.line(format!("{GOOD}converted{GOOD:#}: {} (error id {})", c.path.display(), c.error_id));
                }
            }
            Outcome::Skipped(s) => {
                *self.summary.skipped.entry(s.kind.id()).or_default() += 1;
                if self.verbosity >= Verbosity::Normal {
                    self.line(format!("{NOTE}notice{NOTE:#}: {}: skipped: {}", s.path.display(), s.kind.reason()));
                }
            }
            Outcome::Failed(f) => self.failure(f.path(), f.to_string(), f.reason()),
        }
    }

    /// A crash read (`summary`): counted as converted, its warnings counted.
    pub fn crash_read(&mut self, path: &Path, warnings: &[String]) {
        self.summary.files += 1;
        self.summary.converted += 1;
        for warning in warnings {
            self.warning(warning);
        }
        if self.verbosity == Verbosity::Verbose {
            let verb = if self.job == Job::Render { "rendered" } else { "read" };
            self.line(format!("{GOOD}{verb}{GOOD:#}: {}", path.display()));
        }
    }

    /// A converted input that is a copy of a crash another input carries.
    pub fn duplicate(&mut self, path: &Path, of: &Path) {
        self.summary.files += 1;
        self.summary.duplicates.push(DuplicateFile { path: path.to_path_buf(), of: of.to_path_buf() });
        if self.verbosity >= Verbosity::Normal {
            self.line(format!(
                "{NOTE}notice{NOTE:#}: {}: the same crash as {}; {}",
                path.display(),
                of.display(),
                match self.job {
                    Job::Convert | Job::Render => "written once, from that file",
                    Job::Upload | Job::Plan => "sent once, from that file",
                    Job::Summary => "counted once",
                }
            ));
        }
    }

    /// A crash older than the App Center keeps (`convert` only counts them).
    pub fn stale(&mut self) {
        self.summary.stale += 1;
    }

    fn failure(&mut self, path: &Path, message: String, reason: String) {
        self.line(format!("{BAD}error{BAD:#}: {message}"));
        self.summary.failed.push(FailedFile { path: path.to_path_buf(), reason });
    }

    /// Prints to stdout without tearing the progress bar.
    pub fn stdout(&mut self, text: &str) {
        self.bar.suspend(|| {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
        });
    }

    /// A warning (`path: message`): counted by kind, printed with `-v`.
    pub fn warning(&mut self, message: &str) {
        *self.summary.warnings.entry(warning_kind(message)).or_default() += 1;
        if self.verbosity == Verbosity::Verbose {
            self.line(format!("{WARN}warning{WARN:#}: {message}"));
        }
    }

    /// A warning about the run itself, always printed (unless quiet).
    pub fn notice(&mut self, message: &str) {
        if self.verbosity >= Verbosity::Normal {
            self.line(format!("{WARN}warning{WARN:#}: {message}"));
        }
    }

    pub fn walk_problem(&mut self, problem: &WalkError) {
        self.summary.files += 1;
        self.failure(&problem.path, problem.to_string(), problem.message.clone());
    }

    /// Advances the bar, showing it once the run has lasted a moment; in a
    /// run without a terminal, prints a progress line every few seconds.
    pub fn tick(&mut self) {
        self.bar.inc(1);
        if self.bar_wanted && self.bar.is_hidden() && self.started.elapsed() > BAR_AFTER {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        let long_job = self.job == Job::Upload;
        if long_job && !self.bar_wanted && self.verbosity >= Verbosity::Normal && self.last_line.elapsed() >= LINE_EVERY
        {
            self.last_line = Instant::now();
            let total = self.bar.length().unwrap_or(0);
            let mut line =
                format!("crashport: {} of {total} files, {} sent", self.bar.position(), self.summary.sent.unwrap_or(0));
            if let (Some(left), Some(rate)) = (self.left, self.rate_limit) {
                line.push_str(&format!(", {} left at {rate} a minute", human(left)));
            }
            self.line(line);
        }
    }

    /// Ends a run that wrote its output to stdout: a failed write fails it
    /// (quietly for a closed pipe: the reader stopped reading), a signal
    /// that stopped it is noted, then [`Reporter::finish`].
    pub fn finish_output(
        mut self,
        written: std::io::Result<()>,
        signal: usize,
        summary_json: Option<&Path>,
        fail_on_empty: bool,
    ) -> ExitCode {
        if let Err(e) = written {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                eprintln!("error: writing the output: {e}");
            }
            return ExitCode::FAILURE;
        }
        if signal != 0 {
            self.interrupted(signal);
        }
        self.finish(summary_json, fail_on_empty)
    }

    /// The exit status the run's outcome calls for, after the summary.
    pub fn finish(mut self, summary_json: Option<&Path>, fail_on_empty: bool) -> ExitCode {
        self.bar.finish_and_clear();
        self.summary.seconds = (self.started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
        if self.verbosity >= Verbosity::Normal {
            for line in self.summary_lines() {
                let _ = writeln!(self.stderr, "{line}");
            }
        }
        if let Some(path) = summary_json {
            let written =
                serde_json::to_vec_pretty(&self.summary).map_err(std::io::Error::other).and_then(|mut bytes| {
                    bytes.push(b'\n');
                    std::fs::write(path, bytes)
                });
            if let Err(e) = written {
                let _ = writeln!(self.stderr, "{BAD}error{BAD:#}: {}: cannot write the summary: {e}", path.display());
                return ExitCode::FAILURE;
            }
        }
        let s = &self.summary;
        if let Some(signal) = s.interrupted {
            return ExitCode::from(u8::try_from(128 + signal).unwrap_or(130));
        }
        let stale_left = self.job == Job::Upload && s.stale > 0;
        let empty = s.converted == 0 && s.sent.unwrap_or(0) == 0 && s.would_send.unwrap_or(0) == 0;
        if !s.failed.is_empty() || s.stopped.is_some() || stale_left || (fail_on_empty && empty && s.already_sent == 0)
        {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        }
    }

    fn summary_lines(&self) -> Vec<String> {
        let s = &self.summary;
        let mut lines = Vec::new();
        let skipped: usize = s.skipped.values().sum();
        let (done, verb) = match self.job {
            Job::Convert => (s.converted, "converted"),
            Job::Render => (s.converted, "rendered"),
            Job::Upload => (s.sent.unwrap_or(0), "sent"),
            Job::Plan => (s.would_send.unwrap_or(0), "would be sent"),
            Job::Summary => (s.converted, "crashes read"),
        };
        let mut line = format!(
            "crashport: {} in {:.2} s with {}: {done} {verb}",
            plural(s.files, "file", "files"),
            s.seconds,
            plural(s.jobs, "job", "jobs")
        );
        if s.already_sent > 0 {
            line.push_str(&format!(", {} already sent", s.already_sent));
        }
        line.push_str(&format!(", {skipped} skipped"));
        if skipped > 0 {
            let kinds: Vec<String> = s.skipped.iter().map(|(kind, n)| skipped_words(kind, *n)).collect();
            line.push_str(&format!(" ({})", kinds.join(", ")));
        }
        line.push_str(&format!(", {} failed", s.failed.len()));
        lines.push(line);
        if s.files == 0 {
            lines.push("  no files found in what was named".to_string());
        } else if done == 0 && s.failed.is_empty() && s.already_sent == 0 && s.duplicates.is_empty() && s.stale == 0 {
            lines.push("  no crash report among them".to_string());
        }
        if !s.warnings.is_empty() {
            let kinds: Vec<String> = s.warnings.iter().map(|(kind, n)| warning_words(kind, *n)).collect();
            let hint = if self.verbosity == Verbosity::Verbose { "" } else { " (-v shows each)" };
            lines.push(format!("  warnings: {}{hint}", kinds.join(", ")));
        }
        for d in &s.duplicates {
            lines.push(format!("  duplicate: {} (the same crash as {})", d.path.display(), d.of.display()));
        }
        if s.stale > 0 {
            let days = self.max_age_days.unwrap_or(crashport::upload::appcenter::MAX_AGE_DAYS);
            lines.push(match self.job {
                Job::Convert | Job::Render => format!(
                    "  {} older than App Center's {days} days: App Center would drop {}; `upload --restamp` sends {} with the upload time",
                    plural(s.stale, "crash is", "crashes are"),
                    if s.stale == 1 { "it" } else { "them" },
                    if s.stale == 1 { "it" } else { "them" }
                ),
                Job::Upload | Job::Plan | Job::Summary => format!(
                    "  stale: {} not sent (older than the destination's {days} days); --restamp sends {} with the upload time",
                    s.stale,
                    if s.stale == 1 { "it" } else { "them" }
                ),
            });
        }
        if s.restamped > 0 {
            let verb = if self.job == Job::Plan { "would be sent" } else { "sent" };
            lines
                .push(format!("  {} {verb} with the upload time (--restamp)", plural(s.restamped, "crash", "crashes")));
        }
        if self.job == Job::Plan {
            let crashes = plural(s.would_send.unwrap_or(0), "crash", "crashes");
            lines.push(match self.rate_limit {
                Some(rate) => {
                    let seconds = s.would_send.unwrap_or(0) as f64 * 60.0 / f64::from(rate.max(1));
                    let time = human(Duration::from_secs_f64(seconds));
                    format!("  plan: would send {crashes}, {time} at {rate} a minute; nothing was sent")
                }
                None => format!("  plan: would send {crashes}; nothing was sent"),
            });
        }
        for failed in &s.failed {
            lines.push(format!("  failed: {} ({})", failed.path.display(), failed.reason));
        }
        if let Some(reason) = &s.stopped {
            lines.push(format!("  stopped: {reason}"));
        }
        if let Some(journal) = &s.journal {
            lines.push(format!("  journal: {}", journal.display()));
        }
        if let Some(signal) = s.interrupted {
            let name = if signal == 15 { "SIGTERM" } else { "Ctrl-C" };
            lines.push(match self.job {
                Job::Upload => format!(
                    "  interrupted ({name}): {} of {} sent; rerun to continue (the journal keeps what was sent)",
                    s.sent.unwrap_or(0),
                    plural(self.bar.length().unwrap_or(0) as usize, "file", "files")
                ),
                Job::Summary => format!(
                    "  interrupted ({name}) after {} of {}; no summary was printed",
                    s.files,
                    plural(self.bar.length().unwrap_or(0) as usize, "file", "files")
                ),
                Job::Convert | Job::Render | Job::Plan => format!(
                    "  interrupted ({name}) after {} of {}; the output is incomplete",
                    s.files,
                    plural(self.bar.length().unwrap_or(0) as usize, "file", "files")
                ),
            });
        } else if (s.stopped.is_some() || !s.failed.is_empty()) && self.job == Job::Upload {
            lines.push("  rerun to continue: the journal keeps what was sent".to_string());
        }
        lines
    }
}

impl Observer for Reporter {
    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Started { inputs } => {
                self.bar.set_length(inputs as u64);
            }
            Event::Outcome(outcome) => {
                self.outcome(outcome);
                self.tick();
            }
            Event::WalkProblem(problem) => {
                self.walk_problem(problem);
                self.tick();
            }
            Event::Warning(message) => self.warning(message),
            Event::Sent { path, crash_id, attempts } => {
                *self.summary.sent.get_or_insert(0) += 1;
                self.file_done();
                if self.verbosity == Verbosity::Verbose {
                    let retries = if attempts > 1 { format!(" after {attempts} attempts") } else { String::new() };
                    self.line(format!("{GOOD}sent{GOOD:#}: {} (crash {crash_id}){retries}", path.display()));
                }
            }
            Event::WouldSend { path, crash_id, restamped, request } => {
                *self.summary.would_send.get_or_insert(0) += 1;
                self.file_done();
                if let Some(request) = request {
                    self.stdout(&request);
                } else if self.verbosity == Verbosity::Verbose {
                    let note = if restamped { " with the upload time" } else { "" };
                    self.line(format!("{NOTE}would send{NOTE:#}: {} (crash {crash_id}){note}", path.display()));
                }
            }
            Event::AlreadySent { path, crash_id } => {
                self.summary.already_sent += 1;
                self.file_done();
                if self.verbosity == Verbosity::Verbose {
                    self.line(format!(
                        "{NOTE}notice{NOTE:#}: {}: crash {crash_id} already sent (see the journal; --force sends it again)",
                        path.display()
                    ));
                }
            }
            Event::Duplicate { path, of } => {
                self.duplicate(path, of);
                self.tick();
            }
            Event::Stale { path, age_days } => {
                self.summary.stale += 1;
                self.file_done();
                if self.verbosity >= Verbosity::Normal {
                    self.line(format!(
                        "{WARN}warning{WARN:#}: {}: the crash is {age_days} days old, over the {} days the destination keeps; not sent (--restamp sends it with the upload time)",
                        path.display(),
                        self.max_age_days.unwrap_or(0)
                    ));
                }
            }
            Event::Restamped { .. } => self.summary.restamped += 1,
            Event::Failed { path, reason } => {
                self.failure(path, format!("{}: {reason}", path.display()), reason.to_string());
                self.file_done();
            }
            Event::Retrying { path, retry } => {
                if self.verbosity >= Verbosity::Normal {
                    self.line(format!("{NOTE}retry{NOTE:#}: {}: {}", path.display(), describe_retry(retry)));
                }
            }
            Event::Progress { left, .. } => {
                self.left = Some(left);
                if let Some(rate) = self.rate_limit
                    && !left.is_zero()
                {
                    self.bar.set_message(format!("({} left at {rate} a minute)", human(left)));
                }
            }
            Event::Stopped(reason) => {
                self.line(format!("{BAD}error{BAD:#}: {reason}"));
                self.summary.stopped = Some(reason.to_string());
            }
        }
    }
}

impl Reporter {
    /// An input whose crashes went to the destination (or were decided on).
    fn file_done(&mut self) {
        self.summary.files += 1;
        self.summary.converted += 1;
        self.tick();
    }

    /// Notes the run's end as the delivery core reports it.
    pub fn ended(&mut self, summary: &crashport::upload::Summary) {
        self.summary.interrupted = summary.interrupted;
        if self.job == Job::Upload {
            self.summary.sent.get_or_insert(0);
        }
    }

    /// Notes a signal that interrupted a conversion.
    pub fn interrupted(&mut self, signal: usize) {
        self.summary.interrupted = Some(signal);
    }
}

/// `1 file`, `2 files`.
fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A count of skipped inputs in words (`1 not a report`, `2 Jetsam events`).
fn skipped_words(kind: &str, n: usize) -> String {
    let (one, many) = match kind {
        "not_a_report" => ("not a report", "not reports"),
        "jetsam" => ("Jetsam event", "Jetsam events"),
        "stackshot" => ("stackshot", "stackshots"),
        "kernel_panic" => ("kernel panic", "kernel panics"),
        "resource_exception" => ("resource limit report", "resource limit reports"),
        "cpu_resource" => ("CPU resource report", "CPU resource reports"),
        "disk_writes" => ("disk writes report", "disk writes reports"),
        "core_analytics" => ("CoreAnalytics summary", "CoreAnalytics summaries"),
        "hang" => ("hang report", "hang reports"),
        "os_fault" => ("OS fault report", "OS fault reports"),
        "watchdog" => ("watchdog report", "watchdog reports"),
        "spin" => ("spin report", "spin reports"),
        _ => ("report of an unknown kind", "reports of unknown kinds"),
    };
    plural(n, one, many)
}

/// The kind of a warning, by its wording: the summary counts each kind;
/// `-v` prints every warning.
fn warning_kind(message: &str) -> &'static str {
    WARNING_KINDS.iter().find(|kind| message.contains(kind.wording)).map_or(OTHER_WARNING.one, |kind| kind.one)
}

/// A kind of warning: the words that tell it, and its name for one and
/// for many.
struct WarningKind {
    wording: &'static str,
    one: &'static str,
    many: &'static str,
}

const fn kind(wording: &'static str, one: &'static str, many: &'static str) -> WarningKind {
    WarningKind { wording, one, many }
}

/// What is not one of [`WARNING_KINDS`].
const OTHER_WARNING: WarningKind = kind("", "other warning", "other warnings");

/// The kinds, most specific wording first.
const WARNING_KINDS: [WarningKind; 18] = [
    kind("without a UUID", "image without a UUID", "images without a UUID"),
    kind("has no frames; left out", "thread without frames", "threads without frames"),
    kind("frame(s) skipped", "list of frames without their image", "lists of frames without their image"),
    kind("skipped: expected", "line not read", "lines not read"),
    kind("unrecognised line", "line not read", "lines not read"),
    kind("unrecognised thread line", "line not read", "lines not read"),
    kind("which was taken off", "quoted or indented paste", "quoted or indented pastes"),
    kind("of other text before the report", "report with other text before it", "reports with other text before them"),
    kind("the address touches the symbol", "address split from its symbol", "addresses split from their symbol"),
    kind("is not JSON (", "`.ips` whose first line is not JSON", "`.ips` whose first line is not JSON"),
    kind("the crashed thread is unknown", "report without a crashed thread", "reports without a crashed thread"),
    kind("cut off", "report cut off", "reports cut off"),
    kind("not valid UTF-8", "file not valid UTF-8", "files not valid UTF-8"),
    kind("UTF-16", "file in UTF-16", "files in UTF-16"),
    kind("no app version", "report without an app version", "reports without an app version"),
    kind("names no operating system", "report without an OS", "reports without an OS"),
    kind("no OS version", "report without an OS version", "reports without an OS version"),
    kind("expected ", "value not read", "values not read"),
];

/// `3 lines not read`: a count of a warning kind in words.
fn warning_words(one: &str, n: usize) -> String {
    if n == 1 {
        return format!("1 {one}");
    }
    let many = WARNING_KINDS.iter().chain([&OTHER_WARNING]).find(|kind| kind.one == one).map_or(one, |kind| kind.many);
    format!("{n} {many}")
}

/// A duration for people: `45 s`, `12 min`, `1.5 h`.
pub fn human(duration: Duration) -> String {
    let seconds = duration.as_secs();
    match seconds {
        0 => "under 1 s".to_string(),
        1..60 => format!("{seconds} s"),
        60..3600 => format!("{} min", seconds.div_ceil(60)),
        _ => format!("{:.1} h", seconds as f64 / 3600.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warning_kinds_are_counted_in_words() {
        let quoted = "the report is quoted: its lines (to line 9) begin with `> `, which was taken off";
        assert_eq!(warning_words(warning_kind(quoted), 2), "2 quoted or indented pastes");
        assert_eq!(warning_words(warning_kind("something new"), 9), "9 other warnings");
        assert_eq!(warning_words(warning_kind("something new"), 1), "1 other warning");
        let glued = "the address touches the symbol (a paste lost the space between them); split";
        assert_eq!(warning_words(warning_kind(glued), 4), "4 addresses split from their symbol");
        assert_eq!(warning_words(warning_kind("thread 2 has no frames; left out"), 6), "6 threads without frames");
    }
}
