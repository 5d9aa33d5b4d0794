//! One file in, one outcome out: load, read, convert.
//!
//! Both `crashport convert` and `crashport upload` push every input through
//! [`convert_file`]; a bulk run calls it on many files and reports each
//! [`Outcome`] in input order.

use std::path::{Path, PathBuf};

use time::OffsetDateTime;

use super::load::{ReadFailure, load};
use super::walk::InputFile;
use crate::appcenter::logs::Log;
use crate::appcenter::{self, ConvertError, ConvertOptions};
use crate::error::{FileError, ParseError};
use crate::limits::Limits;
use crate::model::{Parsed, Report, Skipped};
use crate::read::Input;

/// What happened to one input file.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// The file was a crash report and became logs.
    Converted(ConvertedFile),
    /// The file is a report of another kind, or (met while walking a
    /// directory) not a report at all.
    Skipped(SkippedFile),
    /// The file could not be converted.
    Failed(Failure),
}

/// A converted file.
#[derive(Debug, Clone)]
pub struct ConvertedFile {
    /// The input.
    pub path: PathBuf,
    /// The `appleError` (and attachment).
    pub logs: Vec<Log>,
    /// The error id.
    pub error_id: String,
    /// When the crash happened (UTC).
    pub timestamp: OffsetDateTime,
    /// What was dropped or guessed while reading and converting.
    pub warnings: Vec<String>,
}

/// A skipped file.
#[derive(Debug, Clone)]
pub struct SkippedFile {
    /// The input.
    pub path: PathBuf,
    /// What it is.
    pub kind: SkipKind,
}

/// Why a file was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipKind {
    /// A diagnostic report that is not a crash.
    Report(Skipped),
    /// Not a report at all (met while walking a directory).
    NotAReport(String),
}

impl SkipKind {
    /// A short identifier for summaries (`jetsam`, `not_a_report` ...).
    pub fn id(&self) -> &'static str {
        match self {
            SkipKind::Report(s) => s.kind.id(),
            SkipKind::NotAReport(_) => "not_a_report",
        }
    }

    /// A sentence for a person.
    pub fn reason(&self) -> String {
        match self {
            SkipKind::Report(s) => s.reason(),
            SkipKind::NotAReport(why) => format!("not a crash report ({why})"),
        }
    }
}

/// A file that could not be converted, and why.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Failure {
    /// It could not be read.
    #[error("{}: cannot read: {message}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The system's message.
        message: String,
    },
    /// It could not be parsed.
    #[error("{0}")]
    Parse(FileError),
    /// Its output could not be written.
    #[error("{}: {message}", path.display())]
    Write {
        /// The input.
        path: PathBuf,
        /// What went wrong, naming the output.
        message: String,
    },
    /// It parsed, but lacks something a Sentry event needs.
    #[error("{}: cannot convert: {message}", path.display())]
    Event {
        /// The file.
        path: PathBuf,
        /// What is missing.
        message: String,
    },
    /// It holds App Center log JSON (`{"logs": [...]}`) that is not valid.
    #[error("{}: invalid App Center logs: {message}", path.display())]
    InvalidLogs {
        /// The file.
        path: PathBuf,
        /// What is wrong, by JSON path.
        message: String,
    },
    /// It parsed, but lacks something App Center needs.
    #[error("{}: cannot convert: {error}", path.display())]
    Convert {
        /// The file.
        path: PathBuf,
        /// What is missing.
        error: ConvertError,
    },
}

impl Failure {
    /// Why it failed, without the file's path (but with the place in it).
    pub fn reason(&self) -> String {
        match self {
            Failure::Io { message, .. } => format!("cannot read: {message}"),
            Failure::InvalidLogs { message, .. } => format!("invalid App Center logs: {message}"),
            Failure::Write { message, .. } => message.clone(),
            Failure::Event { message, .. } => format!("cannot convert: {message}"),
            Failure::Parse(e) => e.error.to_string(),
            Failure::Convert { error, .. } => format!("cannot convert: {error}"),
        }
    }

    /// The file that failed.
    pub fn path(&self) -> &Path {
        match self {
            Failure::Io { path, .. }
            | Failure::Write { path, .. }
            | Failure::Event { path, .. }
            | Failure::InvalidLogs { path, .. }
            | Failure::Convert { path, .. } => path,
            Failure::Parse(e) => &e.path,
        }
    }
}

/// How a file reached the batch: named by the user, or met in a directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Named on the command line: anything but a crash or a known report
    /// kind is a failure.
    Explicit,
    /// Found while walking a directory: files that are plainly not reports
    /// (images, archives, unrelated text) are skipped.
    Walked,
}

/// How files are read and converted.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Bounds on what one file may make crashport read and hold.
    pub limits: Limits,
    /// Map large files into memory instead of copying them (see
    /// [`load`](super::load)); off unless the caller asks.
    pub memory_map: bool,
    /// Take personal data out of every report before it is read
    /// ([`crate::scrub`]).
    pub scrub: bool,
    /// Name frames from debug files before anything is made of a report
    /// (`--dsym`).
    pub symbols: Option<std::sync::Arc<crate::symbolicate::Symbolicator>>,
    /// App Center mapping options.
    pub convert: ConvertOptions,
}

/// Reads and converts one file.
///
/// Files over the size limit are refused from their metadata and binary
/// files from their first 8 KiB, without reading the rest.
pub fn convert_file(input: &InputFile, options: &Options) -> Outcome {
    let path = &input.path;
    match load(&input.source, &options.limits, options.memory_map) {
        Ok(bytes) => convert_bytes(path, &bytes, input.origin, options),
        Err(ReadFailure::Io(message)) => Outcome::Failed(Failure::Io { path: path.to_path_buf(), message }),
        Err(ReadFailure::Refused(error)) => refused(path, error, input.origin),
    }
}

/// A file that is not a report: skipped when met in a directory, a failure
/// when named explicitly; any other read error is a failure.
pub fn refused(path: &Path, error: ParseError, origin: Origin) -> Outcome {
    match not_read::<std::convert::Infallible>(path, error, origin) {
        Read::Skipped(skipped) => Outcome::Skipped(skipped),
        Read::Failed(failure) => Outcome::Failed(failure),
        Read::Crash(never) => match never {},
    }
}

fn not_read<T>(path: &Path, error: ParseError, origin: Origin) -> Read<T> {
    if origin == Origin::Walked
        && let ParseError::NotAReport { reason } = &error
    {
        return Read::Skipped(SkippedFile { path: path.to_path_buf(), kind: SkipKind::NotAReport(reason.clone()) });
    }
    Read::Failed(Failure::Parse(FileError { path: path.to_path_buf(), error }))
}

/// What reading one file gave.
#[derive(Debug)]
pub enum Read<T> {
    /// A crash report, and what the caller made of it.
    Crash(T),
    /// A report of another kind, or not a report.
    Skipped(SkippedFile),
    /// It could not be read.
    Failed(Failure),
}

/// Reads one file and, when it is a crash report, hands the report
/// (symbolicated when [`Options::symbols`] says so) and the bytes it was
/// read from (scrubbed when [`Options::scrub`] says so) to `on_crash`. Every consumer of files (convert, upload, summary, render)
/// goes through here, so that files are loaded, refused, scrubbed and
/// skipped alike.
pub fn read_file<T>(input: &InputFile, options: &Options, on_crash: impl FnOnce(Report<'_>, &[u8]) -> T) -> Read<T> {
    let path = &input.path;
    match load(&input.source, &options.limits, options.memory_map) {
        Ok(bytes) => read_bytes(path, &bytes, input.origin, options, on_crash),
        Err(ReadFailure::Io(message)) => Read::Failed(Failure::Io { path: path.to_path_buf(), message }),
        Err(ReadFailure::Refused(error)) => not_read(path, error, input.origin),
    }
}

/// [`read_file`] on bytes already loaded (`path` names them in messages).
pub fn read_bytes<T>(
    path: &Path,
    bytes: &[u8],
    origin: Origin,
    options: &Options,
    on_crash: impl FnOnce(Report<'_>, &[u8]) -> T,
) -> Read<T> {
    // Scrubbed before it is read, so that everything made from it is.
    let scrubbed;
    let bytes = if options.scrub {
        scrubbed = crate::scrub::scrub(bytes);
        &scrubbed[..]
    } else {
        bytes
    };
    let input = match Input::with_limits(bytes, options.limits) {
        Ok(input) => input,
        Err(error) => return not_read(path, error, origin),
    };
    match input.parse() {
        Ok(Parsed::Crash(mut report)) => {
            if let Some(symbols) = &options.symbols {
                symbols.symbolicate(&mut report);
            }
            Read::Crash(on_crash(*report, bytes))
        }
        Ok(Parsed::Skipped(skipped)) => {
            Read::Skipped(SkippedFile { path: path.to_path_buf(), kind: SkipKind::Report(skipped) })
        }
        Err(error) => not_read(path, error, origin),
    }
}

/// Converts the bytes of one file (`path` names it in messages and the attachment).
pub fn convert_bytes(path: &Path, bytes: &[u8], origin: Origin, options: &Options) -> Outcome {
    let converted = read_bytes(path, bytes, origin, options, |report, bytes| {
        let file_name = path.file_name().map(|n| n.to_string_lossy());
        match appcenter::convert(&report, bytes, file_name.as_deref(), &options.convert) {
            Ok(converted) => {
                let mut warnings: Vec<String> =
                    report.warnings.iter().map(|w| crate::error::located(path, w)).collect();
                warnings.extend(converted.warnings.into_iter().map(|w| format!("{}: {w}", path.display())));
                Outcome::Converted(ConvertedFile {
                    path: path.to_path_buf(),
                    logs: converted.logs,
                    error_id: converted.error_id,
                    timestamp: converted.timestamp,
                    warnings,
                })
            }
            Err(error) => Outcome::Failed(Failure::Convert { path: path.to_path_buf(), error }),
        }
    });
    match converted {
        Read::Crash(outcome) => outcome,
        Read::Skipped(skipped) => Outcome::Skipped(skipped),
        Read::Failed(failure) => Outcome::Failed(failure),
    }
}
