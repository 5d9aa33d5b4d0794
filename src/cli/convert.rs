//! `crashport convert`: crash reports in, App Center log JSON out, in
//! parallel, in input order.

use std::io::Write;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crashport::appcenter::json;
use crashport::appcenter::logs::Log;
use crashport::appcenter::stale_warning;
use crashport::bulk::convert::{Failure, Outcome, convert_file};
use crashport::bulk::ordered::run_ordered;
use crashport::bulk::walk::{self, InputFile};
use time::OffsetDateTime;

use super::ConvertArgs;
use super::progress::Reporter;

/// Where the logs go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// One `{"logs": [...]}` document on stdout.
    Document { pretty: bool },
    /// One line per report on stdout.
    Lines,
    /// One file per report.
    Directory { pretty: bool },
}

/// A converted file's output, made on a worker thread.
struct Rendered {
    outcome: Outcome,
    /// Bytes for stdout: a document fragment or a line.
    bytes: Vec<u8>,
}

pub fn run(args: &ConvertArgs) -> ExitCode {
    let options = args.conversion.options();
    let mode = match (&args.out_dir, args.ndjson) {
        (Some(_), _) => Mode::Directory { pretty: args.pretty },
        (None, true) => Mode::Lines,
        (None, false) => Mode::Document { pretty: args.pretty },
    };
    let jobs = args.run.jobs();
    let mut reporter = Reporter::new(args.run.verbosity(), jobs);
    reporter.start(reporter.shows_progress().then(|| walk::count(&args.paths)), "converting");

    let now = OffsetDateTime::now_utc();
    let out_dir = args.out_dir.as_deref();
    // A converted report is some tens of kilobytes of JSON: a buffer of a
    // few reports makes one write call of several.
    let mut stdout = std::io::BufWriter::with_capacity(256 * 1024, std::io::stdout().lock());
    let mut document = DocumentWriter::new(mode);
    let mut write_error = None;
    run_ordered(
        walk::walk(&args.paths),
        jobs,
        jobs * 16,
        |item| item.map(|file| render(&file, convert_file(&file.path, file.origin, &options), mode, out_dir)),
        |_, rendered| {
            let rendered = match rendered {
                Ok(rendered) => rendered,
                Err(problem) => {
                    reporter.walk_problem(&problem);
                    reporter.tick();
                    return ControlFlow::Continue(());
                }
            };
            if let Outcome::Converted(c) = &rendered.outcome
                && let Some(warning) = stale_warning(c.timestamp, now)
            {
                reporter.warning(&format!("{}: {warning}", c.path.display()));
            }
            reporter.outcome(&rendered.outcome);
            reporter.tick();
            if write_error.is_none()
                && let Err(e) = document.write(&mut stdout, &rendered.bytes)
            {
                write_error = Some(e);
            }
            ControlFlow::Continue(())
        },
    );
    let finished = document.finish(&mut stdout).and_then(|()| stdout.flush());
    if let Some(e) = write_error.or(finished.err()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: writing the output: {e}");
        }
        return ExitCode::FAILURE;
    }
    reporter.finish(args.run.summary_json.as_deref(), "converted")
}

/// Serializes a conversion's logs for the output mode (or writes its file),
/// on the worker thread, and keeps only what the reporter needs.
fn render(file: &InputFile, outcome: Outcome, mode: Mode, out_dir: Option<&Path>) -> Rendered {
    let Outcome::Converted(mut converted) = outcome else { return Rendered { outcome, bytes: Vec::new() } };
    let logs = std::mem::take(&mut converted.logs);
    let bytes = match mode {
        Mode::Document { pretty } => fragment(&logs, pretty),
        Mode::Lines => json::container_json(&logs, false).unwrap_or_default(),
        Mode::Directory { pretty } => {
            let dir = out_dir.unwrap_or(Path::new("."));
            let target = output_path(dir, &file.relative);
            if let Err(e) = write_file(&target, &logs, pretty) {
                let message = format!("cannot write {}: {e}", target.display());
                return Rendered {
                    outcome: Outcome::Failed(Failure::Io { path: file.path.clone(), message }),
                    bytes: Vec::new(),
                };
            }
            Vec::new()
        }
    };
    Rendered { outcome: Outcome::Converted(converted), bytes }
}

/// The logs as elements of the `logs` array of the single document.
fn fragment(logs: &[Log], pretty: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, log) in logs.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(if pretty { b",\n" } else { b"," });
        }
        // Indented as serde_json would indent it two levels deep.
        let written =
            if pretty { json::write_indented(&mut out, log, 4) } else { json::write_log(&mut out, log, false) };
        if written.is_err() {
            out.clear();
        }
    }
    out
}

/// Writes stdout for the chosen mode: the single document is opened with
/// the first log and closed at the end; nothing at all is written when no
/// report converted (an empty `logs` is not a valid request).
struct DocumentWriter {
    mode: Mode,
    opened: bool,
}

impl DocumentWriter {
    fn new(mode: Mode) -> Self {
        DocumentWriter { mode, opened: false }
    }

    fn write(&mut self, out: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        let Mode::Document { pretty } = self.mode else { return out.write_all(bytes) };
        match (self.opened, pretty) {
            (false, false) => out.write_all(b"{\"logs\":[")?,
            (false, true) => out.write_all(b"{\n  \"logs\": [\n")?,
            (true, false) => out.write_all(b",")?,
            (true, true) => out.write_all(b",\n")?,
        }
        self.opened = true;
        out.write_all(bytes)
    }

    fn finish(self, out: &mut impl Write) -> std::io::Result<()> {
        match self.mode {
            Mode::Document { pretty: false } if self.opened => out.write_all(b"]}\n"),
            Mode::Document { pretty: true } if self.opened => out.write_all(b"\n  ]\n}\n"),
            _ => Ok(()),
        }
    }
}

/// Writes one report's document to a temporary name and renames it, so a
/// reader never sees half a file.
fn write_file(target: &Path, logs: &[Log], pretty: bool) -> std::io::Result<()> {
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let bytes = json::container_json(logs, pretty)?;
    let temporary = target.with_extension("json.partial");
    std::fs::write(&temporary, &bytes)?;
    std::fs::rename(&temporary, target)
}

/// `DIR/a/b.crash.json` for `a/b.crash`.
fn output_path(dir: &Path, relative: &Path) -> PathBuf {
    let mut name = relative.as_os_str().to_os_string();
    name.push(".json");
    dir.join(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crashport::appcenter::logs::LogContainer;

    #[test]
    fn pretty_fragments_match_serde_json() {
        use crashport::appcenter::logs::Log;
        let log: Log = serde_json::from_str(
            r#"{"type":"handledError","id":"5D1F8E4A-93C2-4B7E-A6D0-2F8C71E94B35","exception":{"type":"E"},"timestamp":"x","device":{}}"#,
        )
        .unwrap();
        let logs = vec![log.clone(), log];
        let mut streamed = Vec::new();
        let mut writer = DocumentWriter::new(Mode::Document { pretty: true });
        writer.write(&mut streamed, &fragment(&logs[..1], true)).unwrap();
        writer.write(&mut streamed, &fragment(&logs[1..], true)).unwrap();
        writer.finish(&mut streamed).unwrap();
        let whole = serde_json::to_string_pretty(&LogContainer { logs: logs.clone() }).unwrap() + "\n";
        assert_eq!(String::from_utf8(streamed).unwrap(), whole);

        let mut compact = Vec::new();
        let mut writer = DocumentWriter::new(Mode::Document { pretty: false });
        writer.write(&mut compact, &fragment(&logs, false)).unwrap();
        writer.finish(&mut compact).unwrap();
        assert_eq!(String::from_utf8(compact).unwrap(), serde_json::to_string(&LogContainer { logs }).unwrap() + "\n");
    }
}
