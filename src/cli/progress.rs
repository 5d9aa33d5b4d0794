//! What a run tells the person running it, on stderr: a progress bar on a
//! terminal, notices for skipped files, warnings, errors (each naming its
//! file), and the run summary.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anstyle::{AnsiColor, Style};
use crashport::bulk::convert::Outcome;
use crashport::bulk::walk::WalkError;
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
    /// Errors, warnings, notices, the summary.
    Normal,
    /// All that, and a line per converted file.
    Verbose,
}

/// The run summary, also written as JSON by `--summary-json`.
#[derive(Debug, Default, Serialize)]
pub struct Summary {
    /// Files looked at.
    pub files: usize,
    /// Files converted.
    pub converted: usize,
    /// Reports acknowledged by the ingestion service (`upload`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent: Option<usize>,
    /// Files skipped, by kind (`not_a_report`, `jetsam` ...).
    pub skipped: BTreeMap<&'static str, usize>,
    /// Files that failed, with the reason.
    pub failed: Vec<FailedFile>,
    /// Warnings printed.
    pub warnings: usize,
    /// Wall-clock time of the run.
    pub seconds: f64,
    /// Threads used.
    pub jobs: usize,
}

/// One failed file.
#[derive(Debug, Serialize)]
pub struct FailedFile {
    pub path: PathBuf,
    pub reason: String,
}

/// Counts outcomes and prints them as they come.
pub struct Reporter {
    verbosity: Verbosity,
    stderr: anstream::Stderr,
    bar: ProgressBar,
    bar_wanted: bool,
    started: Instant,
    summary: Summary,
}

/// A run shorter than this gets no progress bar at all.
const BAR_AFTER: Duration = Duration::from_millis(400);

impl Reporter {
    pub fn new(verbosity: Verbosity, jobs: usize) -> Self {
        let bar_wanted = verbosity != Verbosity::Quiet && std::io::stderr().is_terminal();
        Reporter {
            verbosity,
            stderr: anstream::stderr(),
            bar: ProgressBar::hidden(),
            bar_wanted,
            started: Instant::now(),
            summary: Summary { jobs, ..Summary::default() },
        }
    }

    /// True when a progress bar may be shown (stderr is a terminal and
    /// the run is not quiet), so that counting the files is worth it.
    pub fn shows_progress(&self) -> bool {
        self.bar_wanted
    }

    /// Announces the run and, when known, how many files it holds.
    pub fn start(&mut self, files: Option<usize>, what: &str) {
        self.bar.set_length(files.unwrap_or(0) as u64);
        let style = ProgressStyle::with_template(&format!(
            "{{spinner}} {what} [{{bar:30}}] {{pos}}/{{len}} files, {{per_sec}}, ETA {{eta}} {{msg}}"
        ))
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

    fn failure(&mut self, path: &Path, message: String, reason: String) {
        self.line(format!("{BAD}error{BAD:#}: {message}"));
        self.summary.failed.push(FailedFile { path: path.to_path_buf(), reason });
    }

    /// A file whose deliveries went to the uploader (counted as seen).
    pub fn count_file(&mut self) {
        self.summary.files += 1;
    }

    /// An upload acknowledged by the service.
    pub fn sent(&mut self, path: &Path, error_id: &str, attempts: u32) {
        *self.summary.sent.get_or_insert(0) += 1;
        if self.verbosity == Verbosity::Verbose {
            let retries = if attempts > 1 { format!(" after {attempts} attempts") } else { String::new() };
            self.line(format!("{GOOD}sent{GOOD:#}: {} (error id {error_id}){retries}", path.display()));
        }
    }

    /// A report the journal says an earlier run sent.
    pub fn already_sent(&mut self, path: &Path) {
        *self.summary.skipped.entry("already_sent").or_default() += 1;
        if self.verbosity >= Verbosity::Normal {
            self.line(format!(
                "{NOTE}notice{NOTE:#}: {}: skipped: already sent (see the journal; --force sends it again)",
                path.display()
            ));
        }
    }

    /// A report that could not be sent.
    pub fn upload_failed(&mut self, path: &Path, reason: &str) {
        self.failure(path, format!("{}: {reason}", path.display()), reason.to_string());
    }

    /// A passing failure that is being retried.
    pub fn retrying(&mut self, path: &Path, message: &str) {
        if self.verbosity >= Verbosity::Normal {
            self.line(format!("{NOTE}retry{NOTE:#}: {}: {message}", path.display()));
        }
    }

    /// A problem that ends the run.
    pub fn fatal(&mut self, message: &str) {
        self.line(format!("{BAD}error{BAD:#}: {message}"));
        self.summary.failed.push(FailedFile { path: PathBuf::new(), reason: message.to_string() });
    }

    /// Shows a message in the progress bar (the time left, say).
    pub fn message(&mut self, message: String) {
        self.bar.set_message(message);
    }

    /// Prints to stdout without tearing the progress bar.
    pub fn stdout(&mut self, text: &str) {
        self.bar.suspend(|| {
            use std::io::Write as _;
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
        });
    }

    pub fn warning(&mut self, message: &str) {
        self.summary.warnings += 1;
        if self.verbosity >= Verbosity::Normal {
            self.line(format!("{WARN}warning{WARN:#}: {message}"));
        }
    }

    pub fn walk_problem(&mut self, problem: &WalkError) {
        self.summary.files += 1;
        self.failure(&problem.path, problem.to_string(), problem.message.clone());
    }

    /// Advances the bar, showing it once the run has lasted a moment.
    pub fn tick(&mut self) {
        self.bar.inc(1);
        if self.bar_wanted && self.bar.is_hidden() && self.started.elapsed() > BAR_AFTER {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    /// Prints the summary (and writes it as JSON when asked); returns the
    /// exit code: 0 when nothing failed, 1 otherwise.
    pub fn finish(mut self, summary_json: Option<&Path>, verb: &str) -> ExitCode {
        self.bar.finish_and_clear();
        self.summary.seconds = (self.started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
        let s = &self.summary;
        if self.verbosity >= Verbosity::Normal {
            let skipped: usize = s.skipped.values().sum();
            let done = if verb == "sent" { s.sent.unwrap_or(0) } else { s.converted };
            let mut line = format!(
                "crashport: {} file(s) in {:.2} s with {} job(s): {done} {verb}, {skipped} skipped",
                s.files, s.seconds, s.jobs
            );
            if skipped > 0 {
                let kinds: Vec<String> = s.skipped.iter().map(|(kind, n)| format!("{n} {kind}")).collect();
                line.push_str(&format!(" ({})", kinds.join(", ")));
            }
            line.push_str(&format!(", {} failed", s.failed.len()));
            if s.warnings > 0 {
                line.push_str(&format!(", {} warning(s)", s.warnings));
            }
            let _ = writeln!(self.stderr, "{line}");
            for failed in &s.failed {
                if failed.path.as_os_str().is_empty() {
                    let _ = writeln!(self.stderr, "  stopped: {}", failed.reason);
                } else {
                    let _ = writeln!(self.stderr, "  failed: {} ({})", failed.path.display(), failed.reason);
                }
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
        if self.summary.failed.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
    }
}
