//! `crashport inspect`: what crashport understood of each report, for a person
//! (or, with `--json`, the crash model itself).

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anstyle::{AnsiColor, Style};
use crashport::limits::Limits;
use crashport::model::{Frame, Report};
use crashport::pipeline::{ReadFailure, read_file};
use crashport::{Input, Parsed};
use serde::Serialize;

use super::InspectArgs;

const LABEL: Style = Style::new().bold();
const HEADING: Style = AnsiColor::Cyan.on_default().bold();
const BAD: Style = AnsiColor::Red.on_default().bold();
const WARN: Style = AnsiColor::Yellow.on_default();
const DIM: Style = Style::new().dimmed();

pub fn run(args: &InspectArgs) -> ExitCode {
    let mut out = anstream::stdout().lock();
    let mut err = anstream::stderr().lock();
    let mut failed = 0;
    for path in &args.files {
        let bytes = match read_file(path, &Limits::default()) {
            Ok(bytes) => bytes,
            Err(ReadFailure::Io(e)) => {
                failed += 1;
                let _ = writeln!(err, "{BAD}error{BAD:#}: {}: cannot read: {e}", path.display());
                continue;
            }
            Err(ReadFailure::Refused(error)) => {
                failed += 1;
                if args.json {
                    let _ = out.write_all(json_record(path, Err(&error), true, 0).as_bytes());
                }
                let error = crashport::error::FileError { path: path.clone(), error };
                let _ = writeln!(err, "{BAD}error{BAD:#}: {error}");
                continue;
            }
        };
        let parsed = render_file(path, &bytes, args);
        match parsed {
            Ok(text) => {
                let _ = out.write_all(text.as_bytes());
            }
            Err(error) => {
                failed += 1;
                if args.json {
                    let _ = out.write_all(json_record(path, Err(&error), true, 0).as_bytes());
                }
                let error = crashport::error::FileError { path: path.clone(), error };
                let _ = writeln!(err, "{BAD}error{BAD:#}: {error}");
            }
        }
    }
    let _ = out.flush();
    if failed > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

/// Reads one file's bytes and renders what was understood.
fn render_file(path: &Path, bytes: &[u8], args: &InspectArgs) -> Result<String, crashport::ParseError> {
    let input = Input::from_bytes(bytes)?;
    let parsed = input.parse()?;
    Ok(json_record(path, Ok(&parsed), args.json, args.frames))
}

/// One file's output: the JSON line, or the human summary.
fn json_record(path: &Path, parsed: Result<&Parsed<'_>, &crashport::ParseError>, json: bool, frames: usize) -> String {
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
    if json {
        let record = match parsed {
            Ok(p) => Record { path: path.display().to_string(), parsed: Some(p), error: None, outcome: None },
            Err(e) => Record {
                path: path.display().to_string(),
                parsed: None,
                error: Some(e.to_string()),
                outcome: Some("error"),
            },
        };
        let mut line = serde_json::to_string(&record).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
        line.push('\n');
        return line;
    }
    match parsed {
        Ok(Parsed::Crash(report)) => describe(path, report, frames),
        Ok(Parsed::Skipped(skipped)) => {
            format!("{HEADING}{}{HEADING:#}\n  {LABEL}skipped{LABEL:#}    {}\n\n", path.display(), skipped.reason())
        }
        Err(_) => String::new(),
    }
}

fn describe(path: &Path, r: &Report<'_>, max_frames: usize) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let mut line = |label: &str, value: String| {
        if !value.trim().is_empty() {
            let _ = writeln!(s, "  {LABEL}{label:<10}{LABEL:#} {value}");
        }
    };
    let opt = |v: Option<&str>| v.unwrap_or("?").to_string();

    let mut head = format!("{HEADING}{}{HEADING:#}\n", path.display());
    let _ = write!(head, "");
    line("kind", format!("crash, {}", r.format.describe()));
    line(
        "process",
        format!(
            "{}{}  {}",
            opt(r.process.name.as_deref()),
            r.process.pid.map(|p| format!(" [{p}]")).unwrap_or_default(),
            r.app.bundle_id.as_deref().unwrap_or("")
        ),
    );
    line(
        "version",
        match (&r.app.short_version, &r.app.bundle_version) {
            (None, None) => String::new(),
            (short, build) => format!("{} (build {})", opt(short.as_deref()), opt(build.as_deref())),
        },
    );
    line(
        "os",
        format!(
            "{} {}{}",
            r.os.name().or(r.os.product.as_deref()).unwrap_or("?"),
            opt(r.os.version.as_deref()),
            r.os.build.as_deref().map(|b| format!(" ({b})")).unwrap_or_default()
        ),
    );
    line("device", r.hardware_model.as_deref().unwrap_or("").to_string());
    line(
        "arch",
        r.code_type
            .map(|c| format!("{}{}", c.arch, if c.translated { " (translated by Rosetta)" } else { "" }))
            .unwrap_or_default(),
    );
    line("date", r.timestamp.map(|t| format!("{t}  ({} UTC)", t.to_utc_millis_string())).unwrap_or_default());
    line("incident", r.incident_id.as_deref().unwrap_or("").to_string());
    let e = &r.exception;
    let mut exception = opt(e.exception_type.as_deref());
    if let Some(signal) = e.signal.as_deref().filter(|s| Some(*s) != e.exception_type.as_deref()) {
        exception.push_str(&format!(" ({signal})"));
    }
    if let Some(subtype) = &e.subtype {
        exception.push_str(&format!("  {subtype}"));
    }
    line("exception", exception);
    line("codes", e.codes.as_deref().unwrap_or("").to_string());
    line("address", e.address.map(|a| format!("{a:#x}")).unwrap_or_default());
    if let Some(u) = &r.uncaught_exception {
        line("reason", format!("{}: {}", u.name, u.reason.as_deref().unwrap_or("")));
    }
    let mut out = head;
    out.push_str(&s);
    match r.crashed_thread() {
        Some(t) => {
            let name = t.display_name().map(|n| format!("  {n}")).unwrap_or_default();
            let _ = writeln!(out, "  {LABEL}{:<10}{LABEL:#} thread {}{name}", "crashed", t.number);
            for (i, frame) in t.frames.iter().take(max_frames).enumerate() {
                let _ = writeln!(out, "    {DIM}{i:<3}{DIM:#} {}", frame_text(r, frame));
            }
            if t.frames.len() > max_frames {
                let _ = writeln!(out, "    {DIM}... {} more{DIM:#}", t.frames.len() - max_frames);
            }
        }
        None => {
            let _ = writeln!(out, "  {LABEL}{:<10}{LABEL:#} no crashed thread found", "crashed");
        }
    }
    let frames: usize = r.threads.iter().map(|t| t.frames.len()).sum();
    let _ = writeln!(
        out,
        "  {LABEL}{:<10}{LABEL:#} {} threads, {frames} frames, {} images",
        "counts",
        r.threads.len(),
        r.images.len()
    );
    if let Some(leb) = &r.last_exception_backtrace {
        let _ = writeln!(out, "  {LABEL}{:<10}{LABEL:#} last exception backtrace: {} frames", "", leb.len());
    }
    for w in &r.warnings {
        let _ = writeln!(out, "  {WARN}warning{WARN:#}    {w}");
    }
    out.push('\n');
    out
}

fn frame_text(r: &Report<'_>, f: &Frame<'_>) -> String {
    let image = f.image_name.as_deref().or_else(|| r.frame_image(f).and_then(|i| i.name.as_deref())).unwrap_or("???");
    let width = r.pointer_hex_digits();
    let mut text = format!("{image:<28} 0x{:0width$x}", f.address);
    match (&f.symbol, f.symbol_offset) {
        (Some(symbol), Some(offset)) => text.push_str(&format!(" {symbol} + {offset}")),
        (Some(symbol), None) => text.push_str(&format!(" {symbol}")),
        (None, _) => {
            if let Some(image) = r.frame_image(f) {
                text.push_str(&format!(" {:#x} + {}", image.start, f.address.wrapping_sub(image.start)));
            }
        }
    }
    if let Some(source) = &f.source {
        text.push_str(&format!(" ({}:{})", source.file, source.line.unwrap_or(0)));
    }
    if f.inlined {
        text.push_str(" [inlined]");
    }
    text
}
