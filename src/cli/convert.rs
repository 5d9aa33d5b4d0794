//! `crashport convert`: crash reports in, App Center log JSON out, in
//! parallel, in input order.

use std::io::Write;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::Ordering;

use crashport::appcenter::json;
use crashport::appcenter::logs::Log;
use crashport::bulk::convert::{ConvertedFile, Failure, Options, Outcome, convert_file};
use crashport::bulk::ordered::run_ordered;
use crashport::bulk::walk::{self, InputFile};
use crashport::sentry::EventOptions;
use crashport::upload::Prepared;
use crashport::upload::appcenter::MAX_AGE_DAYS;

use super::file_run::{self, FileRun, OutDir};
use super::out_dir;
use super::progress::Job;
use super::{ConvertArgs, Target, usage_error};

/// What a report becomes.
enum Form {
    /// App Center logs.
    Logs,
    /// A Sentry event (the attachment is not printed).
    Event(EventOptions),
}

/// Where the logs go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// One `{"logs": [...]}` document on stdout.
    Document { pretty: bool },
    /// One line per report on stdout.
    Lines,
    /// One file per report.
    Directory { pretty: bool, overwrite: bool },
}

/// A converted file's output, made on a worker thread.
struct Rendered {
    outcome: Outcome,
    /// Bytes for stdout: a document fragment or a line.
    bytes: Vec<u8>,
}

/// What a worker makes of one walked item.
enum Item {
    Done(Rendered),
    Duplicate { path: PathBuf, of: PathBuf },
    Problem(walk::WalkError),
}

pub fn run(args: &ConvertArgs) -> ExitCode {
    if let Err(message) = args.conversion.dsym.check() {
        return usage_error(&message);
    }
    let mut options = args.conversion.options();
    let mode = match (&args.out_dir, args.ndjson) {
        (Some(_), _) => Mode::Directory { pretty: args.pretty, overwrite: args.overwrite },
        (None, true) => Mode::Lines,
        (None, false) => Mode::Document { pretty: args.pretty },
    };
    let now = match super::now() {
        Ok(now) => now,
        Err(message) => return usage_error(&message),
    };
    let form = match (args.sentry.to, args.sentry.event_options()) {
        (_, Err(message)) => return usage_error(&message),
        (Target::Appcenter, Ok(_)) => Form::Logs,
        (Target::Sentry, Ok(options)) => Form::Event(options),
    };
    let out = args.out_dir.as_deref().map(|dir| OutDir { dir, overwrite: args.overwrite, extension: "json" });
    let FileRun { inputs, jobs, stop, mut reporter, copies } =
        match file_run::start(&args.paths, out, &args.run, Job::Convert, &args.conversion.dsym, &mut options) {
            Ok(run) => run,
            Err(status) => return status,
        };

    let out_dir = args.out_dir.as_deref();
    // A converted report is some tens of kilobytes of JSON: a buffer of a
    // few reports makes one write call of several.
    let mut stdout = std::io::BufWriter::with_capacity(256 * 1024, std::io::stdout().lock());
    let mut document = DocumentWriter::new(mode, if matches!(form, Form::Logs) { "logs" } else { "events" });
    let mut write_error = None;
    run_ordered(
        inputs.into_iter().enumerate(),
        jobs,
        jobs * 16,
        |(index, item)| match item {
            Err(problem) => (None, Item::Problem(problem)),
            // Written once, from the copy that is kept.
            Ok(file) if let Some(of) = copies.duplicate_of(index) => {
                (None, Item::Duplicate { path: file.path, of: of.to_path_buf() })
            }
            Ok(file) => {
                let (outcome, event) = convert(&file, &options, &form);
                let age = match &outcome {
                    Outcome::Converted(c) => Some((now - c.timestamp).whole_days()),
                    _ => None,
                };
                (age, Item::Done(render(&file, outcome, event, mode, out_dir)))
            }
        },
        |_, (age, item)| {
            if stop.load(Ordering::Relaxed) != 0 {
                return ControlFlow::Break(());
            }
            let rendered = match item {
                Item::Problem(problem) => {
                    reporter.walk_problem(&problem);
                    reporter.tick();
                    return ControlFlow::Continue(());
                }
                Item::Duplicate { path, of } => {
                    reporter.duplicate(&path, &of);
                    reporter.tick();
                    return ControlFlow::Continue(());
                }
                Item::Done(rendered) => rendered,
            };
            if age.is_some_and(|days| days > MAX_AGE_DAYS) {
                reporter.stale();
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
    let written = write_error.map_or(finished, Err);
    let signal = stop.load(Ordering::Relaxed);
    reporter.finish_output(written, signal, args.run.summary_json.as_deref(), args.run.fail_on_empty)
}

/// Converts one input into App Center logs (in the outcome) or a Sentry
/// event (beside it).
fn convert(file: &InputFile, options: &Options, form: &Form) -> (Outcome, Option<serde_json::Value>) {
    let Form::Event(event_options) = form else { return (convert_file(file, options), None) };
    match crashport::upload::sentry::crash(file, options, event_options, false) {
        Prepared::Done(outcome) => (outcome, None),
        Prepared::Deliveries { path, deliveries, warnings } => {
            let Some(delivery) = deliveries.into_iter().next() else {
                return (Outcome::Failed(Failure::Event { path, message: "no crash in the report".into() }), None);
            };
            let converted = ConvertedFile {
                path,
                logs: Vec::new(),
                error_id: delivery.crash_id,
                timestamp: delivery.payload.event.timestamp,
                warnings,
            };
            (Outcome::Converted(converted), Some(delivery.payload.event.json))
        }
    }
}

/// Serializes a conversion's logs (or event) for the output mode (or
/// writes its file), on the worker thread, and keeps only what the reporter
/// needs.
fn render(
    file: &InputFile,
    outcome: Outcome,
    event: Option<serde_json::Value>,
    mode: Mode,
    out_dir: Option<&Path>,
) -> Rendered {
    let Outcome::Converted(mut converted) = outcome else { return Rendered { outcome, bytes: Vec::new() } };
    let logs = std::mem::take(&mut converted.logs);
    let event_json = |pretty: bool| {
        let value = event.as_ref().unwrap_or(&serde_json::Value::Null);
        if pretty { serde_json::to_vec_pretty(value) } else { serde_json::to_vec(value) }.unwrap_or_default()
    };
    let bytes = match (mode, &event) {
        (Mode::Document { pretty }, Some(_)) => indent(&event_json(pretty), pretty),
        (Mode::Lines, Some(_)) => {
            let mut line = event_json(false);
            line.push(b'\n');
            line
        }
        (Mode::Document { pretty }, None) => fragment(&logs, pretty),
        (Mode::Lines, None) => json::container_json(&logs, false).unwrap_or_default(),
        (Mode::Directory { pretty, .. }, _) => {
            let dir = out_dir.unwrap_or(Path::new("."));
            let target = out_dir::output_path(dir, &file.relative, "json");
            let written = match &event {
                Some(_) => out_dir::write(&target, &{
                    let mut bytes = event_json(pretty);
                    bytes.push(b'\n');
                    bytes
                }),
                None => write_file(&target, &logs, pretty),
            };
            if let Err(e) = written {
                let message = format!("cannot write {}: {e}", target.display());
                return Rendered {
                    outcome: Outcome::Failed(Failure::Write { path: file.path.clone(), message }),
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

/// A pretty value's lines indented to sit two levels deep in the document.
fn indent(json: &[u8], pretty: bool) -> Vec<u8> {
    if !pretty {
        return json.to_vec();
    }
    let mut out = b"    ".to_vec();
    for &b in json {
        out.push(b);
        if b == b'\n' {
            out.extend_from_slice(b"    ");
        }
    }
    out
}

/// Writes stdout for the chosen mode: the single document is opened with
/// the first log and closed at the end; nothing at all is written when no
/// report converted (an empty `logs` is not a valid request).
struct DocumentWriter {
    mode: Mode,
    /// `logs` (App Center) or `events` (Sentry).
    key: &'static str,
    opened: bool,
}

impl DocumentWriter {
    fn new(mode: Mode, key: &'static str) -> Self {
        DocumentWriter { mode, key, opened: false }
    }

    fn write(&mut self, out: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        let Mode::Document { pretty } = self.mode else { return out.write_all(bytes) };
        match (self.opened, pretty) {
            (false, false) => write!(out, "{{\"{}\":[", self.key)?,
            (false, true) => write!(out, "{{\n  \"{}\": [\n", self.key)?,
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

/// One report's document.
fn write_file(target: &Path, logs: &[Log], pretty: bool) -> std::io::Result<()> {
    out_dir::write(target, &json::container_json(logs, pretty)?)
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
        let mut writer = DocumentWriter::new(Mode::Document { pretty: true }, "logs");
        writer.write(&mut streamed, &fragment(&logs[..1], true)).unwrap();
        writer.write(&mut streamed, &fragment(&logs[1..], true)).unwrap();
        writer.finish(&mut streamed).unwrap();
        let whole = serde_json::to_string_pretty(&LogContainer { logs: logs.clone() }).unwrap() + "\n";
        assert_eq!(String::from_utf8(streamed).unwrap(), whole);

        let mut compact = Vec::new();
        let mut writer = DocumentWriter::new(Mode::Document { pretty: false }, "logs");
        writer.write(&mut compact, &fragment(&logs, false)).unwrap();
        writer.finish(&mut compact).unwrap();
        assert_eq!(String::from_utf8(compact).unwrap(), serde_json::to_string(&LogContainer { logs }).unwrap() + "\n");
    }
}
