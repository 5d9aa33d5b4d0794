//! Damaged versions of real fixtures: truncated at every line, lines
//! deleted, duplicated and swapped, bytes flipped, re-encoded. Whatever the
//! damage: no panic, and an error (if any) says where; harmless changes
//! (CRLF, a BOM, unknown header lines or JSON keys) change nothing.

mod common;

use std::path::{Path, PathBuf};

use crashport::bulk::convert::{Options, Origin, Outcome, convert_bytes};
use crashport::{Input, ParseError, Parsed};
use proptest::prelude::*;
use serde_json::Value;

fn fixture_paths() -> Vec<PathBuf> {
    common::files_below(&common::fixtures_dir())
}

fn text_fixtures() -> Vec<(String, Vec<u8>)> {
    fixture_paths()
        .into_iter()
        .map(|p| (p.file_name().unwrap().to_string_lossy().to_string(), std::fs::read(&p).unwrap()))
        .filter(|(_, bytes)| !bytes.is_empty() && !bytes.contains(&0))
        .collect()
}

/// Reads bytes as a report; an error must have a place unless the bytes are
/// not a report at all or an input-wide limit was passed.
fn check_parse(bytes: &[u8], what: &str) {
    let outcome = Input::from_bytes(bytes).and_then(|input| input.parse().map(|_| ()));
    if let Err(error) = outcome {
        match &error {
            ParseError::NotAReport { .. } => {}
            ParseError::TooLarge { .. } => {}
            ParseError::Malformed { location, .. } => {
                assert!(!location.is_unknown(), "{what}: an error without a place: {error}")
            }
        }
    }
}

/// [`check_parse`], then the whole conversion and Apple's text of what was
/// read, which must not panic either.
fn check_read(bytes: &[u8], what: &str) {
    check_parse(bytes, what);
    let _ = convert_bytes(Path::new("x.crash"), bytes, Origin::Explicit, &Options::default());
    if let Ok(input) = Input::from_bytes(bytes)
        && let Ok(Parsed::Crash(report)) = input.parse()
    {
        let _ = crashport::print::apple_text::render(&report);
    }
}

#[test]
fn every_fixture_truncated_at_every_line() {
    for (name, bytes) in text_fixtures() {
        let ends: Vec<usize> = bytes.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i + 1).collect();
        for (n, end) in ends.into_iter().enumerate() {
            // Every cut is read; the (slower) whole conversion runs on every
            // eighth, which keeps the test fast enough for every CI run.
            let check = if n % 8 == 0 { check_read } else { check_parse };
            check(&bytes[..end], &format!("{name} cut after byte {end}"));
            // Cut in the middle of the next line too.
            let mid = (end + 7).min(bytes.len());
            check(&bytes[..mid], &format!("{name} cut after byte {mid}"));
        }
    }
}

fn lines_of(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes.split_inclusive(|b| *b == b'\n').map(<[u8]>::to_vec).collect()
}

/// A damage to apply to a report's lines or bytes.
#[derive(Debug, Clone)]
enum Damage {
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    FlipByte(usize, u8),
    InsertBytes(usize, Vec<u8>),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        any::<usize>().prop_map(Damage::DeleteLine),
        any::<usize>().prop_map(Damage::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Damage::SwapLines(a, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(at, bit)| Damage::FlipByte(at, 1 << (bit % 8))),
        (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..16)).prop_map(|(at, b)| Damage::InsertBytes(at, b)),
    ]
}

fn apply(bytes: &[u8], damage: &Damage) -> Vec<u8> {
    let mut lines = lines_of(bytes);
    let n = lines.len().max(1);
    match damage {
        Damage::DeleteLine(i) => {
            if !lines.is_empty() {
                lines.remove(i % n);
            }
        }
        Damage::DuplicateLine(i) => {
            if !lines.is_empty() {
                let line = lines[i % n].clone();
                lines.insert(i % n, line);
            }
        }
        Damage::SwapLines(a, b) => {
            if !lines.is_empty() {
                lines.swap(a % n, b % n);
            }
        }
        Damage::FlipByte(at, mask) => {
            let mut out = bytes.to_vec();
            if !out.is_empty() {
                let at = at % out.len();
                out[at] ^= mask;
            }
            return out;
        }
        Damage::InsertBytes(at, inserted) => {
            let mut out = bytes.to_vec();
            let at = at % (out.len() + 1);
            out.splice(at..at, inserted.iter().copied());
            return out;
        }
    }
    lines.concat()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn damaged_fixtures_never_panic(which in any::<usize>(), damages in proptest::collection::vec(damage(), 1..6)) {
        let fixtures = text_fixtures();
        let (name, original) = &fixtures[which % fixtures.len()];
        let mut bytes = original.clone();
        for d in &damages {
            bytes = apply(&bytes, d);
        }
        check_read(&bytes, &format!("{name} with {damages:?}"));
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        check_read(&bytes, "random bytes");
    }

    #[test]
    fn report_shaped_noise_never_panics(lines in proptest::collection::vec(report_line(), 0..40)) {
        check_read(lines.concat().as_bytes(), "report-shaped lines");
    }
}

/// Lines that look like a report's, with random fields.
fn report_line() -> impl Strategy<Value = String> {
    let word = "[ -~]{0,24}";
    prop_oneof![
        word.prop_map(|w| format!("Thread {w}\n")),
        (0u32..40, word).prop_map(|(n, w)| format!("Thread {n} Crashed:{w}\n")),
        (0u32..400, word, any::<u64>(), word).prop_map(|(i, n, a, s)| format!("{i}   {n}   0x{a:x} {s}\n")),
        (any::<u64>(), any::<u64>(), word).prop_map(|(a, b, w)| format!("0x{a:x} - 0x{b:x} {w} <{a:032x}> /x\n")),
        word.prop_map(|w| format!("Exception Codes: {w}\n")),
        word.prop_map(|w| format!("Date/Time: {w}\n")),
        Just("Binary Images:\n".to_string()),
        Just("Last Exception Backtrace:\n".to_string()),
        word.prop_map(|w| format!("({w}\n")),
        (any::<u64>(), word).prop_map(|(v, w)| format!("    x0: 0x{v:x} {w}\n")),
        word.prop_map(|w| format!("{w}\n")),
    ]
}

/// The appleError of a conversion (the attachment carries the raw bytes
/// and so always differs).
fn apple_error(bytes: &[u8]) -> Option<Value> {
    match convert_bytes(Path::new("same-name.crash"), bytes, Origin::Explicit, &Options::default()) {
        Outcome::Converted(c) => Some(serde_json::to_value(&c.logs[0]).unwrap()),
        _ => None,
    }
}

/// Fixtures that convert, with their appleError.
fn converting_fixtures() -> Vec<(String, Vec<u8>, Value)> {
    fixture_paths()
        .into_iter()
        .filter(|p| p.starts_with(common::fixtures_dir().join("reports")))
        .filter_map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            let error = apple_error(&bytes)?;
            Some((p.file_name().unwrap().to_string_lossy().to_string(), bytes, error))
        })
        .collect()
}

/// Ids of reports without an incident id are a hash of their bytes.
fn without_byte_hash_id(mut error: Value, had_incident: bool) -> Value {
    if !had_incident {
        error.as_object_mut().unwrap().remove("id");
    }
    error
}

fn has_incident(bytes: &[u8]) -> bool {
    let input = Input::from_bytes(bytes).unwrap();
    matches!(input.parse(), Ok(Parsed::Crash(r)) if r.incident_id.is_some())
}

#[test]
fn crlf_and_bom_change_nothing() {
    for (name, bytes, expected) in converting_fixtures() {
        let text = String::from_utf8_lossy(&bytes).replace("\r\n", "\n");
        let crlf = text.replace('\n', "\r\n");
        let mut with_bom = b"\xEF\xBB\xBF".to_vec();
        with_bom.extend_from_slice(crlf.as_bytes());
        let incident = has_incident(&bytes);
        let actual = apple_error(&with_bom).unwrap_or_else(|| panic!("{name}: CRLF + BOM no longer converts"));
        assert_eq!(without_byte_hash_id(actual, incident), without_byte_hash_id(expected, incident), "{name}");
    }
}

#[test]
fn latin1_text_is_read_with_a_warning() {
    for (name, bytes, _) in converting_fixtures() {
        let Ok(text) = std::str::from_utf8(&bytes) else { continue };
        // JSON has no `Path:` line (also under a first line that is not JSON).
        if text.trim_start().starts_with('{') || !text.contains("Path:") {
            continue;
        }
        // The path as an editor on a Latin-1 system would save it.
        let mut latin1: Vec<u8> =
            text.replacen("Path:", "Path: Caf\u{e9}", 1).chars().map(|c| c as u32 as u8).collect();
        latin1.truncate(latin1.len());
        let input = Input::from_bytes(&latin1).unwrap();
        let Ok(Parsed::Crash(report)) = input.parse() else { panic!("{name}: no longer a crash") };
        assert!(report.warnings.iter().any(|w| w.message.contains("not valid UTF-8")), "{name}");
    }
}

#[test]
fn unknown_header_lines_and_json_keys_change_nothing() {
    for (name, bytes, expected) in converting_fixtures() {
        let text = String::from_utf8_lossy(&bytes).to_string();
        let incident = has_incident(&bytes);
        let changed = if let Some(body_start) = text.find("\n{\n") {
            // .ips: unknown keys at the top of the body and inside a thread.
            let mut t = text.clone();
            t.insert_str(body_start + 2, "\n  \"zzFutureKey\" : {\"nested\": [1, \"two\", {\"three\": null}]},");
            t.replacen("\"threads\" : [{", "\"threads\" : [{\"zzThreadKey\": [true],", 1)
        } else if let Some(at) = text.find("\nProcess:") {
            // Text: unknown header keys where the header is.
            let mut t = text.clone();
            t.insert_str(at + 1, "Future Key:          some value\nAnother Key (beta):  1.0\n");
            t
        } else {
            continue;
        };
        assert!(changed != text, "{name}: nothing inserted");
        let actual = apple_error(changed.as_bytes()).unwrap_or_else(|| panic!("{name}: no longer converts"));
        assert_eq!(without_byte_hash_id(actual, incident), without_byte_hash_id(expected, incident), "{name}");
    }
}
