//! The reader for JSON `.ips` crash reports (iOS 15+, macOS 12+).
//!
//! An `.ips` file is a one-line JSON header (`bug_type`, app and OS facts)
//! followed by a JSON body; some tools save the body alone, and macOS exports
//! append a system profile in plain text after it. The body is read in one
//! pass with serde into lenient, borrowed types (module `schema`) and then
//! mapped onto the crash model. A value of the wrong type costs a warning
//! naming its JSON path; a body cut off mid-way is closed after its last
//! complete element (module `repair`) and read with a warning.

mod repair;
pub(crate) mod schema;
mod to_model;

use std::cell::OnceCell;

use serde::Deserialize;
use serde::de::DeserializeSeed;

use super::text::lines::line_at;
use crate::error::{Location, ParseError, Warning, excerpt};
use crate::limits::{ElementBudget, Limits};
use crate::model::ReportKind;
use schema::{Body, BodySeed, Header};
pub(crate) use to_model::to_report;

/// Reads a header line. Returns `None` when `line` is not one complete JSON object.
pub(crate) fn parse_header(line: &str) -> Option<Header<'_>> {
    // A body minified onto one line would also read as a header object.
    if memchr::memmem::find(line.as_bytes(), b"\"threads\"").is_some() {
        return None;
    }
    let mut de = serde_json::Deserializer::from_str(line);
    let header = Header::deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(header)
}

/// True when `line` declares a crash `bug_type` (`"bug_type":"309"`,
/// `"bug_type" : 109`), whole or not: a header line cut short still says
/// what the file is.
pub(crate) fn declares_crash(line: &str) -> bool {
    const KEY: &[u8] = b"\"bug_type\"";
    let Some(at) = memchr::memmem::find(line.as_bytes(), KEY) else { return false };
    let rest = line[at + KEY.len()..].trim_ascii_start();
    let Some(value) = rest.strip_prefix(':') else { return false };
    let value = value.trim_ascii_start();
    let value = value.strip_prefix('"').unwrap_or(value);
    let digits = value.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && ReportKind::from_bug_type(&value[..digits]) == ReportKind::Crash
}

/// Reads an `.ips` body (the first JSON value of `body`; text after it is
/// ignored). `first_line` is the number of the body's first line in the
/// input. A body that was cut off is closed after its last complete element
/// and read from `scratch`, with a warning saying where it ended.
pub(crate) fn read_body<'a>(
    body: &'a str,
    first_line: u32,
    limits: &Limits,
    scratch: &'a OnceCell<String>,
) -> Result<(Body<'a>, Option<Warning>), ParseError> {
    let failure = match parse_body(body, first_line, limits) {
        Ok(parsed) => return Ok((parsed, None)),
        Err(failure) => failure,
    };
    if !failure.truncated || scratch.get().is_some() {
        return Err(failure.error);
    }
    let Some((repaired, cut)) = repair::close_truncated(body) else { return Err(failure.error) };
    let repaired = scratch.get_or_init(|| repaired);
    let parsed = parse_body(repaired, first_line, limits).map_err(|_| failure.error.clone())?;
    let location = failure.error.location().cloned().unwrap_or_default();
    let kept_to = line_at(body, cut) + first_line - 1;
    let warning = Warning {
        location,
        message: format!(
            "the report is cut off here; read what was complete, up to line {kept_to} (lists and objects closed there)"
        ),
    };
    Ok((parsed, Some(warning)))
}

/// Why a body could not be read.
struct BodyError {
    /// The error, with its place.
    error: ParseError,
    /// True when the JSON simply ended too soon (the file was cut off).
    truncated: bool,
}

fn parse_body<'a>(body: &'a str, first_line: u32, limits: &Limits) -> Result<Body<'a>, BodyError> {
    let budget = ElementBudget::new(limits.max_elements);
    let mut de = serde_json::Deserializer::from_str(body);
    BodySeed { budget: &budget }.deserialize(&mut de).map_err(|error| BodyError {
        error: json_error(body, first_line, limits, &error),
        truncated: error.classify() == serde_json::error::Category::Eof,
    })
}

/// Describes a JSON failure with its line, column and JSON path.
fn json_error(body: &str, first_line: u32, limits: &Limits, error: &serde_json::Error) -> ParseError {
    // The path is only worth its cost once something failed: read again,
    // this time tracking where the reader is.
    let budget = ElementBudget::new(limits.max_elements);
    let mut de = serde_json::Deserializer::from_str(body);
    let mut track = serde_path_to_error::Track::new();
    let tracked = BodySeed { budget: &budget }.deserialize(serde_path_to_error::Deserializer::new(&mut de, &mut track));
    let path = match tracked {
        // A `?` segment is a key the reader had not reached yet.
        Err(_) => {
            Some(shorten_path(track.path().to_string().trim_end_matches(".?"))).filter(|p| p != "." && !p.is_empty())
        }
        Ok(_) => None,
    };
    let line = (error.line() as u32).saturating_add(first_line.saturating_sub(1));
    let location = Location { line: Some(line), column: Some(error.column() as u32), json_path: path };
    let message = strip_position(error);
    let (expected, found) = match error.classify() {
        serde_json::error::Category::Eof => {
            ("the rest of the JSON body".to_string(), "the end of the file (the report is cut off)".to_string())
        }
        serde_json::error::Category::Syntax if message.contains("recursion limit") => {
            ("JSON nested at most 128 deep".to_string(), "deeper nesting (no real report has it)".to_string())
        }
        serde_json::error::Category::Syntax => {
            let found = body
                .lines()
                .nth(error.line().saturating_sub(1))
                .map(|l| excerpt(l.get(error.column().saturating_sub(1)..).unwrap_or(l).trim(), 40))
                .unwrap_or_default();
            let expected = match message.strip_prefix("expected ") {
                Some(what) => format!("a JSON {what}"),
                None => format!("valid JSON ({message})"),
            };
            (expected, found)
        }
        _ => (message, "more".to_string()),
    };
    ParseError::malformed(location, expected, found)
}

/// A JSON path short enough for a message: a hostile file can nest
/// thousands of levels deep.
fn shorten_path(path: &str) -> String {
    const KEEP: usize = 80;
    if path.len() <= 2 * KEEP {
        return path.to_string();
    }
    let head = path.char_indices().map(|(i, _)| i).take_while(|&i| i <= KEEP).last().unwrap_or(0);
    let tail = path.char_indices().map(|(i, _)| i).find(|&i| i >= path.len() - KEEP).unwrap_or(path.len());
    format!("{}…{}", &path[..head], &path[tail..])
}

/// serde_json's message without its own ` at line L column C` suffix.
fn strip_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}
