//! What people paste keeps its crash: one unreadable line inside a thread
//! costs that line's frame and nothing after it, and the text Apple
//! translates from a report's JSON converts as the JSON does.

mod common;

use std::path::Path;
use std::sync::OnceLock;

use crashport::appcenter::ConvertOptions;
use crashport::bulk::convert::{Options, Origin, Outcome, convert_bytes};
use crashport::model::SourceFormat;
use crashport::{Input, Parsed};
use proptest::prelude::*;
use serde_json::{Value, json};

/// What App Center shows of a crash: the thread that crashed, every
/// thread's frames, the exception and where it was thrown.
fn crash_as_shown(name: &str, bytes: &[u8]) -> Value {
    let options =
        Options { convert: ConvertOptions { attachment: false, ..ConvertOptions::default() }, ..Options::default() };
    let Outcome::Converted(converted) = convert_bytes(Path::new(name), bytes, Origin::Explicit, &options) else {
        panic!("{name} did not convert")
    };
    let error = serde_json::to_value(&converted.logs[0]).unwrap();
    json!({
        "errorThreadId": error["errorThreadId"],
        "errorThreadName": error["errorThreadName"],
        "exceptionType": error["exceptionType"],
        "exceptionReason": error["exceptionReason"],
        "osExceptionType": error["osExceptionType"],
        "threads": error["threads"],
    })
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(common::fixtures_dir().join(name)).unwrap()
}

/// An Xcode / Console export's two parts, read apart: the translated text
/// (between the banner and `EOF`) and the JSON after `Full Report`.
fn export_parts(export: &str) -> (&str, &str) {
    let text_start = export.find("Translated Report (Full Report Below)").unwrap();
    let text_start = text_start + export[text_start..].find('\n').unwrap() + 1;
    let text_end = text_start + export[text_start..].find("\nEOF\n").unwrap() + 1;
    let full = text_end + export[text_end..].find("Full Report\n").unwrap();
    let json_start = full + export[full..].find('{').unwrap();
    (&export[text_start..text_end], &export[json_start..])
}

#[test]
fn the_text_and_json_parts_of_an_export_convert_the_same() {
    let export = String::from_utf8(fixture("reports/translated-assert-exception.ips")).unwrap();
    let (text, json) = export_parts(&export);
    let from_text = crash_as_shown("text part", text.as_bytes());
    let from_json = crash_as_shown("JSON part", json.as_bytes());
    assert_eq!(from_text, from_json);
    assert_eq!(from_text["exceptionType"], "NSInternalInconsistencyException");
    let crashed = from_text["threads"].as_array().unwrap().iter().find(|t| t["id"] == 3).unwrap();
    assert_eq!(crashed["frames"].as_array().map(Vec::len), Some(15));
    assert_eq!(crashed["exception"]["frames"].as_array().map(Vec::len), Some(15));

    // The crash model agrees too, frame by frame, where Apple's text can say it.
    let frames = |text: &str| {
        let input = Input::from_bytes(text.as_bytes()).unwrap();
        let Ok(Parsed::Crash(report)) = input.parse() else { panic!("not read") };
        let frame = |f: &crashport::model::Frame<'_>| {
            (f.address, f.symbol.as_deref().map(str::to_string), f.symbol_offset, f.inlined, f.image_index)
        };
        let threads: Vec<_> = report.threads.iter().map(|t| t.frames.iter().map(frame).collect::<Vec<_>>()).collect();
        let leb: Vec<_> = report.last_exception_backtrace.iter().flatten().map(frame).collect();
        let u = report
            .uncaught_exception
            .clone()
            .map(|u| (u.name.map(|n| n.into_owned()), u.reason.map(|r| r.into_owned())));
        (threads, leb, u, report.crashed_thread)
    };
    assert_eq!(frames(text), frames(json));
}

#[test]
fn a_frame_in_no_image_converts_the_same_from_text_and_json() {
    let text = crash_as_shown("text", &fixture("reports/ios17-frame-in-no-image.crash"));
    let json = crash_as_shown("json", &fixture("reports/ios17-frame-in-no-image.ips"));
    assert_eq!(text, json);
    assert_eq!(text["threads"][0]["frames"][0]["code"], "???");
}

/// A fixture's text and its threads' frame addresses as the reader sees them.
struct Fixture {
    name: String,
    lines: Vec<String>,
    threads: Vec<(u32, Vec<u64>)>,
}

/// A frame line of a fixture's thread: which line, which thread, which frame.
struct FrameLine {
    fixture: usize,
    line: usize,
    thread: u32,
    frame: usize,
}

fn threads(text: &str) -> Option<Vec<(u32, Vec<u64>)>> {
    let input = Input::from_bytes(text.as_bytes()).ok()?;
    match input.parse().ok()? {
        Parsed::Crash(report) if matches!(report.format, SourceFormat::Text | SourceFormat::IpsHeaderText) => {
            Some(report.threads.iter().map(|t| (t.number, t.frames.iter().map(|f| f.address).collect())).collect())
        }
        _ => None,
    }
}

/// The text fixtures, and the frame lines of their threads found by a naive
/// scan: the lines under `Thread N:` / `Thread N Crashed:` that start with a
/// frame number, up to a blank line (other lines there continue a frame).
fn corpus() -> &'static (Vec<Fixture>, Vec<FrameLine>) {
    static CORPUS: OnceLock<(Vec<Fixture>, Vec<FrameLine>)> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let mut fixtures = Vec::new();
        let mut frame_lines = Vec::new();
        for path in common::files_below(&common::fixtures_dir().join("reports")) {
            let Ok(text) = std::fs::read_to_string(&path) else { continue };
            let Some(threads) = threads(&text) else { continue };
            let lines: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
            let mut current: Option<(u32, usize)> = None;
            for (index, line) in lines.iter().enumerate() {
                let line = line.trim_end();
                if let Some(rest) = line.strip_prefix("Thread ") {
                    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                    let after = &rest[digits.len()..];
                    current = digits
                        .parse()
                        .ok()
                        .filter(|_| after.starts_with(':') || after.starts_with(" Crashed"))
                        .map(|number| (number, 0));
                } else if line.trim().is_empty() {
                    current = None;
                } else if let Some((thread, frame)) = &mut current
                    && line.starts_with(|c: char| c.is_ascii_digit())
                {
                    frame_lines.push(FrameLine {
                        fixture: fixtures.len(),
                        line: index,
                        thread: *thread,
                        frame: *frame,
                    });
                    *frame += 1;
                }
            }
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            fixtures.push(Fixture { name, lines, threads });
        }
        assert!(frame_lines.len() > 500, "found {} frame lines", frame_lines.len());
        (fixtures, frame_lines)
    })
}

/// A line that is no frame, no thread header, no continuation of a frame
/// and opens no section: junk in the middle of a frame list.
fn junk() -> impl Strategy<Value = String> {
    "[A-Za-z#@!%*?<>/~(\\[{][ -~]{0,60}".prop_filter("a line that ends a list of frames", |line| {
        let trimmed = line.trim();
        !["Thread ", "Binary Images", "Last Exception Backtrace", "Application Specific Backtrace"]
            .iter()
            .any(|section| line.starts_with(section))
            && trimmed != "EOF"
            && !trimmed.bytes().all(|b| matches!(b, b'-' | b'=' | b'`'))
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn a_junk_line_in_a_thread_costs_at_most_its_own_frame(which in any::<usize>(), junk in junk()) {
        let (fixtures, frame_lines) = corpus();
        let target = &frame_lines[which % frame_lines.len()];
        let fixture = &fixtures[target.fixture];
        let mut lines = fixture.lines.clone();
        lines[target.line] = format!("{junk}\n");
        let damaged = threads(&lines.concat());
        let mut expected = fixture.threads.clone();
        if let Some((_, frames)) = expected.iter_mut().find(|(number, _)| *number == target.thread) {
            frames.remove(target.frame);
        }
        prop_assert_eq!(
            damaged,
            Some(expected),
            "{} line {} replaced by {:?}",
            &fixture.name,
            target.line + 1,
            junk
        );
    }
}

#[test]
fn the_corpus_pairs_convert_the_same_in_both_forms() {
    let Some(dir) = common::corpus_dir("the_corpus_pairs_convert_the_same_in_both_forms") else { return };
    let shown = |path: &str| crash_as_shown(path, &std::fs::read(dir.join(path)).unwrap());
    let ips = shown("inket__MacSymbolicator/ios-crash-in-ips-format.ips");
    for text in [
        "inket__MacSymbolicator/ios-crash-with-json-header.crash",
        "inket__MacSymbolicator/ios-crash-without-json-header.crash",
    ] {
        assert_eq!(shown(text), ips, "{text}");
    }
    assert_eq!(shown("llvm__llvm-project/multithread-test.crash"), shown("llvm__llvm-project/multithread-test.ips"));
}
