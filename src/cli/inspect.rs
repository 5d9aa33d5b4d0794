//! `crashport inspect`: what crashport understood of each report, for a person
//! (or, with `--json`, the crash model itself).

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use anstyle::{AnsiColor, Style};
use crashport::bulk::convert::Origin;
use crashport::bulk::load::{ReadFailure, load};
use crashport::bulk::walk::walk;
use crashport::error::FileError;
use crashport::print::summary;
use crashport::{Input, ParseError, Parsed};
use serde::Serialize;

use super::InspectArgs;

const BAD: Style = AnsiColor::Red.on_default().bold();
const WARN: Style = AnsiColor::Yellow.on_default().bold();

pub fn run(args: &InspectArgs) -> ExitCode {
    let mut out = anstream::stdout().lock();
    let mut err = anstream::stderr().lock();
    // anstream drops the escapes when stdout is not a terminal (or
    // NO_COLOR is set); asking for none there saves making them.
    let options = summary::Options { frames: args.frames, styled: std::io::stdout().is_terminal() };
    let limits = args.size.limits();
    if let Err(message) = args.dsym.check() {
        return super::usage_error(&message);
    }
    let symbols = args.dsym.open(|message| {
        let _ = writeln!(err, "{WARN}warning{WARN:#}: {message}");
    });
    let (mut failed, mut seen) = (0, 0);
    for item in walk(&args.paths) {
        seen += 1;
        let input = match item {
            Ok(input) => input,
            Err(problem) => {
                failed += 1;
                let _ = writeln!(err, "{BAD}error{BAD:#}: {problem}");
                continue;
            }
        };
        let path = &input.path;
        let walked = input.origin == Origin::Walked;
        let bytes = match load(&input.source, &limits, true) {
            Ok(bytes) => bytes,
            Err(ReadFailure::Io(e)) => {
                failed += 1;
                let _ = writeln!(err, "{BAD}error{BAD:#}: {}: cannot read: {e}", path.display());
                continue;
            }
            Err(ReadFailure::Refused(ParseError::NotAReport { .. })) if walked => continue,
            Err(ReadFailure::Refused(error)) => {
                failed += 1;
                report_error(&mut out, &mut err, path, error, args.json);
                continue;
            }
        };
        let parsed = Input::with_limits(&bytes, limits).and_then(|input| {
            let mut parsed = input.parse()?;
            if let (Some(symbols), Parsed::Crash(report)) = (&symbols, &mut parsed) {
                symbols.symbolicate(report);
            }
            Ok(render(path, &parsed, args.json, &options))
        });
        match parsed {
            Ok(text) => {
                let _ = out.write_all(text.as_bytes());
            }
            // In a folder, what is plainly not a report is passed over.
            Err(ParseError::NotAReport { .. }) if walked => {}
            Err(error) => {
                failed += 1;
                report_error(&mut out, &mut err, path, error, args.json);
            }
        }
    }
    let _ = out.flush();
    if seen == 0 {
        let _ = writeln!(err, "crashport: no files found in what was named");
    }
    if failed > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

/// One file's output: the JSON line, or the person view.
fn render(path: &Path, parsed: &Parsed<'_>, json: bool, options: &summary::Options) -> String {
    if json {
        return json_line(&Record {
            path: path.display().to_string(),
            parsed: Some(parsed),
            error: None,
            outcome: None,
        });
    }
    match parsed {
        Parsed::Crash(report) => summary::crash(path, report, options),
        Parsed::Skipped(skipped) => summary::skipped(path, skipped, options),
    }
}

fn report_error(out: &mut impl Write, err: &mut impl Write, path: &Path, error: ParseError, json: bool) {
    if json {
        let record = Record {
            path: path.display().to_string(),
            parsed: None,
            error: Some(error.to_string()),
            outcome: Some("error"),
        };
        let _ = out.write_all(json_line(&record).as_bytes());
    }
    let error = FileError { path: path.to_path_buf(), error };
    let _ = writeln!(err, "{BAD}error{BAD:#}: {error}");
}

/// One line of `inspect --json`.
#[derive(Serialize)]
struct Record<'a, 'r> {
    path: String,
    #[serde(flatten)]
    parsed: Option<&'r Parsed<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    outcome: Option<&'static str>,
}

fn json_line(record: &Record<'_, '_>) -> String {
    let mut line = serde_json::to_string(record).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    line.push('\n');
    line
}
