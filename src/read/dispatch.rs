//! Deciding what an input is, from its content alone, and handing it to
//! the reader for that kind.
//!
//! File names lie (`.crash`, `.ips`, `.txt`, `.log`, `.md` are all seen), so
//! the first bytes decide: a JSON header line, a JSON body, Xcode's
//! `Translated Report` wrapper, or a legacy text report, possibly pasted into
//! a ticket after some prose. Reports that are not crashes are recognised
//! here and returned as [`Skipped`].

use std::borrow::Cow;
use std::cell::OnceCell;

use super::ips;
use super::text;
use super::text::lines::{LineCursor, line_at};
use crate::error::{Location, ParseError, Warning, excerpt};
use crate::limits::Limits;
use crate::model::{Parsed, Platform, Report, ReportKind, Skipped, SourceFormat};

const TRANSLATED_MARKER: &str = "Translated Report (Full Report Below)";

/// What a read needs besides the text.
pub(crate) struct Context<'a> {
    /// Holds the repaired copy of a JSON body that was cut off, when one is needed.
    pub scratch: &'a OnceCell<String>,
    /// Holds the text of a quoted or indented paste without its prefix.
    pub unquoted: &'a OnceCell<String>,
    /// The limits to observe.
    pub limits: Limits,
}

/// Reads decoded text as a report of whatever kind it is.
pub(crate) fn read<'a>(text: &'a str, cx: &Context<'a>) -> Result<Parsed<'a>, ParseError> {
    let start = text.len() - text.trim_start().len();
    let body = &text[start..];
    if body.starts_with('{') {
        return parse_json(text, start, cx);
    }
    // A file that opens with a report's first line is that report: only
    // other text (a ticket, an export) needs the search for the marker,
    // which must stand on a line of its own (a document may mention it).
    let first_line = body.split('\n').next().unwrap_or("");
    if is_report_start(first_line.trim_end()) {
        return parse_plain_text(text, cx);
    }
    if memchr::memmem::find(text.as_bytes(), TRANSLATED_MARKER.as_bytes()).is_some()
        && let Some(marker) = find_line(text, 0, TRANSLATED_MARKER)
    {
        return parse_translated(text, marker, cx);
    }
    if let Some(parsed) = parse_json_after_first_line(text, start, first_line, cx) {
        return parsed;
    }
    parse_plain_text(text, cx)
}

/// An `.ips` under a first line that is not JSON: a header line that lost
/// its start (copied from a viewer that scrolled), or the shell prompt of a
/// terminal paste (`host:~ user# cat x.ips`). The JSON after it is read,
/// with a warning; `None` when there is none, or it reads as no report.
fn parse_json_after_first_line<'a>(
    text: &'a str,
    start: usize,
    first_line: &str,
    cx: &Context<'a>,
) -> Option<Result<Parsed<'a>, ParseError>> {
    let after_first = start + first_line.len();
    let json_start = after_first + text[after_first..].len() - text[after_first..].trim_start().len();
    if !text[json_start..].starts_with('{') {
        return None;
    }
    let parsed = match parse_json(text, json_start, cx) {
        Err(ParseError::NotAReport { .. }) => return None,
        Err(error) => {
            // A broken body is this file's error only when the file says
            // it is a crash report; other text keeps its own diagnosis.
            let json_line = text[json_start..].split('\n').next().unwrap_or("");
            return (ips::declares_crash(first_line) || ips::declares_crash(json_line)).then_some(Err(error));
        }
        Ok(parsed) => parsed,
    };
    let Parsed::Crash(mut report) = parsed else { return Some(Ok(parsed)) };
    let line = line_at(text, start);
    report.warnings.insert(
        0,
        Warning::at_line(
            line,
            format!(
                "line {line} is not JSON ({}): a header line cut at its start, or a shell prompt; \
                 ignored, and the .ips from line {} read",
                excerpt(first_line.trim(), 40),
                line_at(text, json_start)
            ),
        ),
    );
    Some(Ok(Parsed::Crash(report)))
}

/// Input starting (at `start`) with `{`: a header line and a body, or a body alone.
fn parse_json<'a>(text: &'a str, start: usize, cx: &Context<'a>) -> Result<Parsed<'a>, ParseError> {
    let rest = &text[start..];
    let line_end = memchr::memchr(b'\n', rest.as_bytes()).unwrap_or(rest.len());
    let first_line = rest[..line_end].trim_end_matches('\r');
    let after = &rest[(line_end + 1).min(rest.len())..];
    let after_start = after.len() - after.trim_start().len();
    let body_text = &after[after_start..];
    let header = if body_text.is_empty() { None } else { ips::parse_header(first_line) };

    let Some(header) = header else {
        // No header line: the whole document is the body.
        let (body, cut_off) = ips::read_body(rest, line_at(text, start), &cx.limits, cx.scratch)?;
        return classify_body(None, body, cut_off);
    };
    let kind = header.bug_type.str().map(|b| ReportKind::from_bug_type(&b));
    if let Some(kind) = kind.filter(|k| *k != ReportKind::Crash) {
        return Ok(skipped(kind, header.bug_type.str().map(Cow::into_owned), SourceFormat::Ips, &header));
    }
    let body_line = line_at(text, start + line_end + 1 + after_start);
    if body_text.starts_with('{') {
        let (body, cut_off) = ips::read_body(body_text, body_line, &cx.limits, cx.scratch)?;
        return classify_body(Some(&header), body, cut_off);
    }
    // A JSON header over a legacy text body (bug_type 109, or 309 over text).
    let mut report = text::parse(body_text, body_line, &cx.limits)?;
    apply_header(&mut report, &header);
    report.format = SourceFormat::IpsHeaderText;
    Ok(finish(report))
}

fn skipped(
    kind: ReportKind,
    bug_type: Option<String>,
    format: SourceFormat,
    header: &ips::schema::Header<'_>,
) -> Parsed<'static> {
    Parsed::Skipped(Skipped {
        kind,
        bug_type,
        format,
        incident_id: header.incident_id.str().map(Cow::into_owned),
        process_name: header.app_name.str().or_else(|| header.name.str()).map(Cow::into_owned),
    })
}

/// Decides what a JSON body is, then builds the crash model for crashes.
fn classify_body<'a>(
    header: Option<&ips::schema::Header<'a>>,
    body: ips::schema::Body<'a>,
    cut_off: Option<Warning>,
) -> Result<Parsed<'a>, ParseError> {
    let bug_type = body.bug_type.str().or_else(|| header.and_then(|h| h.bug_type.str())).map(Cow::into_owned);
    let kind = match &bug_type {
        Some(bug_type) => ReportKind::from_bug_type(bug_type),
        None if body.threads.is_present() || body.used_images.is_present() => ReportKind::Crash,
        None if body.memory_status || body.largest_process => ReportKind::Jetsam,
        None if body.panic_string => ReportKind::KernelPanic,
        None if body.process_by_pid => ReportKind::Stackshot,
        None => {
            return Err(ParseError::not_a_report(
                "a JSON document without `bug_type`, `threads` or `usedImages`: not an Apple diagnostic report",
            ));
        }
    };
    if kind != ReportKind::Crash {
        let empty = ips::schema::Header::default();
        let mut skip = skipped(kind, bug_type, SourceFormat::Ips, header.unwrap_or(&empty));
        if let Parsed::Skipped(s) = &mut skip {
            s.incident_id = s.incident_id.take().or(body.incident.str().map(Cow::into_owned));
            s.process_name = s.process_name.take().or(body.proc_name.str().map(Cow::into_owned));
        }
        return Ok(skip);
    }
    if !body.threads.is_present() && !body.used_images.is_present() && !body.exception.is_ok() {
        if let Some(cut_off) = cut_off {
            // Cut off before anything of the crash itself.
            return Err(ParseError::malformed(cut_off.location, "the rest of the JSON body", "the end of the file"));
        }
        // A crash header with nothing under it: a crash report cut off
        // after its first line, not some other file.
        return Err(ParseError::malformed(
            Location::line(2),
            "the crash report body after the .ips header line",
            "the end of the file",
        ));
    }
    let mut report = ips::to_report(header, body);
    report.warnings.splice(0..0, cut_off);
    Ok(finish(report))
}

/// Lets a JSON header's facts override a text body's (FORMATS.md: the
/// header's `app_version` / `build_version` are the truth).
fn apply_header<'a>(report: &mut Report<'a>, header: &ips::schema::Header<'a>) {
    report.bug_type = header.bug_type.str();
    if let Some(version) = header.app_version.str() {
        report.app.short_version = Some(version);
    }
    if let Some(build) = header.build_version.str() {
        report.app.bundle_version = Some(build);
    }
    report.incident_id = report.incident_id.take().or_else(|| header.incident_id.str());
    report.app.bundle_id = report.app.bundle_id.take().or_else(|| header.bundle_id.str());
    if let Some(platform) = header.platform.i64().and_then(Platform::from_ips_number) {
        report.os.platform = Some(platform);
    }
}

/// Xcode / Console export: a translated text part, `EOF`, then `Full Report`
/// and the `.ips`. The JSON is the complete record, so it is preferred.
fn parse_translated<'a>(text: &'a str, marker: usize, cx: &Context<'a>) -> Result<Parsed<'a>, ParseError> {
    let after_marker = marker + memchr::memchr(b'\n', &text.as_bytes()[marker..]).unwrap_or(text.len() - marker);
    let full = find_line(text, after_marker, "Full Report");
    let mut json_error = None;
    if let Some(full) = full
        && let Some(brace) = memchr::memchr(b'{', &text.as_bytes()[full..])
    {
        match parse_json(text, full + brace, cx) {
            Ok(Parsed::Crash(mut report)) => {
                report.format = SourceFormat::Translated;
                return Ok(Parsed::Crash(report));
            }
            Ok(skipped @ Parsed::Skipped(_)) => return Ok(skipped),
            Err(error) => json_error = Some(error),
        }
    }
    // Fall back to the translated text: from the line after the marker to
    // `EOF` (which some pastes lose) or the `Full Report` heading.
    let text_start = after_marker + memchr::memchr(b'\n', &text.as_bytes()[after_marker..]).map_or(0, |p| p + 1);
    let text_end = find_line(text, text_start, "EOF").or(full).unwrap_or(text.len()).max(text_start);
    let part = &text[text_start..text_end];
    if !part.lines().any(is_report_start) {
        // The banner stands on a line of its own only in Apple's exports:
        // this is a damaged export, and the JSON's error says most.
        if let Some(error) = json_error {
            return Err(error);
        }
        return Err(ParseError::malformed(
            Location::line(line_at(text, marker)),
            "the translated text or the `Full Report` JSON after this line",
            "neither",
        ));
    }
    let mut report = text::parse(part, line_at(text, text_start), &cx.limits)?;
    report.format = SourceFormat::TranslatedText;
    let reason = json_error.map_or_else(|| "no `Full Report` part follows the text".to_string(), |e| e.to_string());
    report.warnings.insert(
        0,
        Warning::general(format!("the JSON full report could not be read ({reason}); used the translated text part")),
    );
    Ok(finish(report))
}

/// Offset of the first line at or after `from` whose trimmed text is `wanted`.
fn find_line(text: &str, from: usize, wanted: &str) -> Option<usize> {
    lines(&text[from..]).find(|line| line.trim().trim_matches('`').trim() == wanted).map(|line| offset_of(text, line))
}

/// The lines of `text` without their ends, split with the vectorised
/// `memchr` (`str::lines` finds each line end a byte at a time).
fn lines(text: &str) -> impl Iterator<Item = &str> {
    LineCursor::new(text, 1).map(|(_, line)| line)
}

/// Where `part`, a slice of `text`, starts in it.
fn offset_of(text: &str, part: &str) -> usize {
    part.as_ptr() as usize - text.as_ptr() as usize
}

/// True when the first non-blank line of `text` is the first line of a
/// crash report: a text report's header line (`Incident Identifier:`,
/// `Process:` ...) or an `.ips` header declaring a crash `bug_type`. A file
/// that opens so but cannot be read is a damaged report, which must fail
/// loudly rather than pass for some other file.
pub(crate) fn begins_like_a_report(text: &str) -> bool {
    let first = lines(text).find(|line| !line.trim_ascii().is_empty()).unwrap_or("");
    is_report_start(first.trim_ascii_end()) || ips::declares_crash(first)
}

/// Lines that begin a legacy text report.
fn is_report_start(line: &str) -> bool {
    const KEYS: [&str; 6] = [
        "Incident Identifier:",
        "Process:",
        "Hardware Model:",
        "CrashReporter Key:",
        "Exception Type:",
        "Binary Images:",
    ];
    KEYS.iter().any(|k| line.starts_with(k))
        || line.strip_prefix("Thread ").is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
}

fn parse_plain_text<'a>(text: &'a str, cx: &Context<'a>) -> Result<Parsed<'a>, ParseError> {
    let start = lines(text).find(|line| is_report_start(line.trim_end())).map(|line| offset_of(text, line));
    let Some(start) = start else {
        if cx.unquoted.get().is_none()
            && let Some(quote) = find_quoted_report(text)
        {
            return parse_unquoted(text, &quote, cx);
        }
        let first = lines(text).find(|line| !line.trim().is_empty()).unwrap_or("");
        return Err(ParseError::not_a_report(format!(
            "no line begins with `Incident Identifier:`, `Process:` or another line that opens a report \
             (the first line is {})",
            excerpt(first.trim_end(), 50)
        )));
    };
    let body = &text[start..];
    if let Some(kind) = classify_text(body) {
        return Ok(Parsed::Skipped(Skipped {
            kind,
            bug_type: None,
            format: SourceFormat::Text,
            incident_id: header_value(body, "Incident Identifier").map(str::to_string),
            process_name: header_value(body, "Process").map(|p| text::name_and_pid(p).0.to_string()),
        }));
    }
    let first_line = line_at(text, start);
    let mut report = text::parse(body, first_line, &cx.limits)?;
    if !looks_like_a_report(&report) {
        let line = excerpt(body.lines().next().unwrap_or("").trim(), 40);
        if begins_like_a_report(text) {
            // The file opens as a report: it is one, damaged or cut short.
            return Err(ParseError::malformed(
                Location::line(first_line),
                "a crash report after this line (a date, an OS version, an exception, threads or binary images)",
                format!("{line} and nothing else of one"),
            ));
        }
        return Err(ParseError::not_a_report(format!(
            "text with a line like a report's ({line}) but nothing else of a crash report"
        )));
    }
    let skipped_lines = text[..start].lines().filter(|l| !l.trim().is_empty()).count();
    if skipped_lines > 0 {
        report
            .warnings
            .insert(0, Warning::general(format!("{skipped_lines} line(s) of other text before the report ignored")));
    }
    Ok(finish(report))
}

/// A report pasted with a prefix on every line: indented (a Markdown code
/// block, a ticket's quote) or quoted in an email (`> `, `> > `).
struct Quote<'a> {
    /// The prefix, as the report's first line has it.
    prefix: &'a str,
    /// Where the report's first line starts.
    start: usize,
}

/// The first line that opens a report once its prefix of blanks and `>`
/// is taken off.
fn find_quoted_report(text: &str) -> Option<Quote<'_>> {
    lines(text).find_map(|line| {
        let rest = line.trim_start_matches([' ', '\t', '>']);
        (rest.len() < line.len() && is_report_start(rest.trim_end()))
            .then(|| Quote { prefix: &line[..line.len() - rest.len()], start: offset_of(text, line) })
    })
}

/// Reads a quoted or indented paste from a copy without the prefix. Lines
/// keep their numbers; the report ends at the first line that is neither
/// prefixed nor blank (the rest of the email or ticket).
fn parse_unquoted<'a>(text: &'a str, quote: &Quote<'_>, cx: &Context<'a>) -> Result<Parsed<'a>, ParseError> {
    let mut copy = String::with_capacity(text.len());
    let mut last_line = line_at(text, quote.start);
    for (number, line) in LineCursor::new(text, 1) {
        let only_prefix = line.trim_start_matches([' ', '\t', '>']).is_empty();
        match line.strip_prefix(quote.prefix) {
            Some(rest) => copy.push_str(rest),
            None if only_prefix => {}
            // Prose before the report stays as it is, to be passed over.
            None if offset_of(text, line) < quote.start => copy.push_str(line),
            None => break,
        }
        copy.push('\n');
        if !only_prefix {
            last_line = last_line.max(number);
        }
    }
    let copy: &'a str = cx.unquoted.get_or_init(|| copy);
    let mut parsed = read(copy, cx)?;
    if let Parsed::Crash(report) = &mut parsed {
        let what = if quote.prefix.contains('>') { "quoted" } else { "indented" };
        report.warnings.insert(
            0,
            Warning::general(format!(
                "the report is {what}: its lines (to line {last_line}) begin with {}, which was taken off \
                 (columns below count from after it)",
                excerpt(quote.prefix, 20)
            )),
        );
    }
    Ok(parsed)
}

/// True when a text read as a report found at least two of the things
/// every crash report has: one `Process:` line in a document is not a report.
fn looks_like_a_report(report: &Report<'_>) -> bool {
    let signs = [
        report.incident_id.is_some(),
        report.process.name.is_some(),
        report.timestamp.is_some(),
        report.os.version.is_some(),
        report.code_type.is_some(),
        !report.exception.is_empty(),
        !report.threads.is_empty(),
        !report.images.is_empty(),
    ];
    signs.iter().filter(|&&s| s).count() >= 2
}

/// The value of the first `key:` line in the first 200 lines.
fn header_value<'a>(body: &'a str, key: &str) -> Option<&'a str> {
    body.lines().take(200).find_map(|l| l.strip_prefix(key)?.strip_prefix(':').map(str::trim))
}

/// Recognises legacy text diagnostics that are not crashes, from the lines
/// before the first thread or image list (where their telltale keys stand).
fn classify_text(body: &str) -> Option<ReportKind> {
    for line in lines(body).take(200) {
        if line.starts_with("Thread ") || line.starts_with("Binary Images:") {
            break;
        }
        if let Some(event) = line.strip_prefix("Event:") {
            let event = event.trim().to_ascii_lowercase();
            return Some(match event.as_str() {
                "hang" => ReportKind::Hang,
                e if e.contains("spin") => ReportKind::Spin,
                e if e.contains("cpu") || e.contains("wakeups") => ReportKind::CpuResource,
                e if e.contains("disk") => ReportKind::DiskWrites,
                _ => ReportKind::Unknown,
            });
        }
        if line.starts_with("Largest process:") || line.starts_with("Free pages:") {
            return Some(ReportKind::Jetsam);
        }
        if line.starts_with("Exception Note:") && line.contains("NON-FATAL CONDITION") {
            return Some(ReportKind::ResourceException);
        }
        if line.trim_start().starts_with("panic(cpu ") {
            return Some(ReportKind::KernelPanic);
        }
    }
    None
}

fn finish(mut report: Report<'_>) -> Parsed<'_> {
    super::complete(&mut report);
    Parsed::Crash(Box::new(report))
}

#[cfg(test)]
mod tests {
    use crate::error::ParseError;
    use crate::read::Input;

    fn error_of(text: &str) -> ParseError {
        match Input::from_bytes(text.as_bytes()).and_then(|input| input.parse().map(|_| ())) {
            Err(error) => error,
            Ok(()) => panic!("read: {text}"),
        }
    }

    #[test]
    fn a_file_that_opens_as_a_report_fails_where_it_is_damaged() {
        let error = error_of("Incident Identifier: 2F0E6BB4-3A1D-4D6C-9E1B-6B0C2C4D5E6F\n\u{1}\u{2}garbage\n");
        assert!(matches!(error, ParseError::Malformed { .. }), "{error}");
        assert!(error.to_string().starts_with("1: expected a crash report after this line"), "{error}");
        let error = error_of("\n\nProcess:   Foo [12]\n");
        assert_eq!(error.location().and_then(|l| l.line), Some(3), "{error}");
    }

    #[test]
    fn other_text_is_still_not_a_report() {
        assert!(matches!(error_of("hello world\n"), ParseError::NotAReport { .. }));
        let error = error_of("Meeting notes\n\nProcess: agree on the release dates\n");
        assert!(matches!(error, ParseError::NotAReport { .. }), "{error}");
    }

    fn crash_of(text: &str) -> Vec<String> {
        let input = Input::from_bytes(text.as_bytes()).unwrap();
        match input.parse() {
            Ok(crate::Parsed::Crash(report)) => {
                assert_eq!(report.threads[0].frames.len(), 1, "{text}");
                assert_eq!(report.os.version.as_deref(), Some("16.0"));
                report.warnings.iter().map(|w| w.to_string()).collect()
            }
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn quoted_and_indented_pastes_are_read_without_their_prefix() {
        let report =
            ["Process: X [1]", "OS Version: iPhone OS 16.0 (20A362)", "", "Thread 0 Crashed:", "0   X  0x1000 f + 1"];
        for (prefix, blank) in [("> ", ">"), ("> > ", "> >"), (">> ", ">>"), ("    ", ""), ("\t", "")] {
            let quoted: Vec<String> =
                report.iter().map(|l| if l.is_empty() { blank.to_string() } else { format!("{prefix}{l}") }).collect();
            let text = format!("Hi,\n\n{}\n\nthanks\n", quoted.join("\n"));
            let warnings = crash_of(&text);
            assert!(warnings[0].contains("lines (to line 7) begin with"), "{prefix:?}: {warnings:?}");
        }
    }

    #[test]
    fn json_under_a_line_that_is_not_json() {
        let body =
            "{\"bug_type\":\"309\",\"threads\":[{\"frames\":[]}],\"captureTime\":\"2024-01-09 18:27:44.50 +0100\"}\n";
        let input = format!("host:~ root# cat x.ips\n\n{body}");
        let input = Input::from_bytes(input.as_bytes()).unwrap();
        let Ok(crate::Parsed::Crash(report)) = input.parse() else { panic!("not read") };
        assert_eq!(report.warnings[0].location.line, Some(1));
        assert!(report.warnings[0].message.contains("the .ips from line 3 read"), "{:?}", report.warnings);
        // A damaged body fails when a line says the file is a crash report ...
        let error = error_of("ersion\":\"1.0\",\"bug_type\":\"309\"}\n{\"threads\": [1 2]}\n");
        assert!(matches!(error, ParseError::Malformed { .. }), "{error}");
        // ... and other text with some JSON in it is not a report.
        assert!(matches!(error_of("Config:\n{\"name\": 1}\n"), ParseError::NotAReport { .. }));
        assert!(matches!(error_of("Config:\n{\"name\": [1 2]}\n"), ParseError::NotAReport { .. }));
    }

    #[test]
    fn a_refusal_quotes_the_first_line_as_it_is() {
        let error = error_of("  | Process: | X |\n");
        assert_eq!(
            error.to_string(),
            "not a crash report: no line begins with `Incident Identifier:`, `Process:` or another line that opens \
             a report (the first line is `  | Process: | X |`)"
        );
    }

    #[test]
    fn a_translated_export_without_a_readable_part_fails_with_the_json_error() {
        let export = "Translated Report (Full Report Below)\n\nEOF\n\nFull Report\n\n{\"bug_type\":\"309\"}\n{\"threads\": [1 2]}\n";
        let error = error_of(export);
        assert!(matches!(error, ParseError::Malformed { .. }), "{error}");
        assert!(error.location().is_some_and(|l| l.line.is_some_and(|n| n >= 7)), "{error}");
        let error = error_of("Translated Report (Full Report Below)\nnothing here\n");
        assert_eq!(error.location().and_then(|l| l.line), Some(1), "{error}");
    }
}
