//! Every real report in the shared corpus is read (or classified) without a
//! panic, and what the model says matches what the file says.
//!
//! "What the file says" is computed here by a deliberately naive second
//! reading of each file (line scanning for text, a generic JSON walk for
//! `.ips`), independent of the library's readers.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use crashport::{Input, Parsed, Report};
use serde_json::Value;

/// Facts read naively from a file.
#[derive(Debug, Default, PartialEq)]
struct Facts {
    threads: Vec<(u32, usize)>,
    crashed: Option<u32>,
    exception_type: Option<String>,
    signal: Option<String>,
    uuids: Vec<Option<String>>,
    first_crashed_address: Option<u64>,
}

fn hex(token: &str) -> Option<u64> {
    u64::from_str_radix(token.strip_prefix("0x")?, 16).ok()
}

fn simple_uuid(text: &str) -> Option<String> {
    let s: String = text.chars().filter(|c| *c != '-').collect::<String>().to_lowercase();
    (s.len() == 32 && s.chars().all(|c| c.is_ascii_hexdigit()) && s != "0".repeat(32)).then_some(s)
}

/// A naive reading of a text report: thread headers, the frame lines under
/// them that carry a `0x` address, the exception line, and `<uuid>`s.
fn text_facts(text: &str) -> Facts {
    let mut facts = Facts::default();
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    let mut header_crashed = None;
    let mut marked_crashed = None;
    let mut first_frames: BTreeMap<u32, u64> = BTreeMap::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.starts_with("Binary Images:") {
            i += 1;
            while i < lines.len() {
                let l = lines[i].trim();
                if l.is_empty() {
                    let next = lines[i + 1..].iter().find(|l| !l.trim().is_empty());
                    if next.is_some_and(|n| n.trim_start().starts_with("0x")) {
                        i += 1;
                        continue;
                    }
                    break;
                }
                if !l.starts_with("0x") {
                    break;
                }
                let uuid = l.find('<').and_then(|a| l[a + 1..].find('>').map(|b| &l[a + 1..a + 1 + b]));
                facts.uuids.push(uuid.and_then(simple_uuid));
                i += 1;
            }
            break;
        }
        if let Some(v) = line.strip_prefix("Exception Type:") {
            let v = v.trim();
            match v.split_once(" (") {
                Some((t, s)) => {
                    facts.exception_type = Some(t.to_string());
                    let s = s.trim_end_matches(')');
                    facts.signal = s.starts_with("SIG").then(|| s.to_string());
                }
                None => {
                    facts.exception_type = Some(v.to_string());
                    facts.signal = v.starts_with("SIG").then(|| v.to_string());
                }
            }
        }
        for key in ["Triggered by Thread:", "Crashed Thread:"] {
            if let Some(v) = line.strip_prefix(key) {
                header_crashed = v.split_whitespace().next().and_then(|n| n.parse().ok());
            }
        }
        if let Some(rest) = line.strip_prefix("Thread ") {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            let after = &rest[digits.len()..];
            if let Ok(n) = digits.parse::<u32>()
                && (after.starts_with(':') || after.starts_with(" Crashed"))
            {
                if after.starts_with(" Crashed") {
                    marked_crashed = Some(n);
                }
                let mut count = 0;
                i += 1;
                while i < lines.len() && lines[i].trim_start().starts_with(|c: char| c.is_ascii_digit()) {
                    let address = lines[i].split_whitespace().find(|t| t.starts_with("0x")).and_then(hex);
                    if let Some(address) = address {
                        count += 1;
                        first_frames.entry(n).or_insert(address);
                    }
                    i += 1;
                }
                match facts.threads.iter_mut().find(|(m, _)| *m == n) {
                    Some((_, c)) => *c += count,
                    None => facts.threads.push((n, count)),
                }
                continue;
            }
        }
        i += 1;
    }
    // A header that disagrees with the thread list loses (see normalize.rs).
    facts.crashed = marked_crashed.or(header_crashed);
    facts.first_crashed_address = facts.crashed.and_then(|c| first_frames.get(&c).copied());
    facts
}

/// A naive reading of an `.ips` body with serde_json's generic `Value`.
fn ips_facts(text: &str) -> Facts {
    let mut facts = Facts::default();
    let body_start = text.find("\n{").map(|p| p + 1).unwrap_or(0);
    let body: Value = serde_json::Deserializer::from_str(&text[body_start..]).into_iter().next().unwrap().unwrap();
    let images = body["usedImages"].as_array().cloned().unwrap_or_default();
    for image in &images {
        facts.uuids.push(image["uuid"].as_str().and_then(simple_uuid));
    }
    let faulting = body["faultingThread"].as_u64().map(|n| n as u32);
    for (n, thread) in body["threads"].as_array().unwrap().iter().enumerate() {
        let frames = thread["frames"].as_array().map_or(0, Vec::len);
        facts.threads.push((n as u32, frames));
        if Some(n as u32) == faulting || thread["triggered"] == Value::Bool(true) {
            facts.crashed = Some(n as u32);
            let frame = &thread["frames"][0];
            let base = images[frame["imageIndex"].as_u64().unwrap() as usize]["base"].as_u64().unwrap();
            facts.first_crashed_address = Some(base + frame["imageOffset"].as_u64().unwrap());
        }
    }
    facts.exception_type = body["exception"]["type"].as_str().map(str::to_string);
    facts.signal = body["exception"]["signal"].as_str().map(str::to_string);
    facts
}

fn model_facts(report: &Report<'_>) -> Facts {
    Facts {
        threads: report.threads.iter().map(|t| (t.number, t.frames.len())).collect(),
        crashed: report.crashed_thread,
        exception_type: report.exception.exception_type.as_deref().map(str::to_string),
        signal: report.exception.signal.as_deref().map(str::to_string),
        uuids: report.images.iter().map(|i| i.uuid.map(|u| u.simple().to_string())).collect(),
        first_crashed_address: report.crashed_thread().and_then(|t| t.frames.first()).map(|f| f.address),
    }
}

/// The model's facts, or why the file was skipped, or the parse error.
fn read_facts(bytes: &[u8]) -> Result<Result<Facts, String>, crashport::ParseError> {
    let input = Input::from_bytes(bytes)?;
    let parsed = input.parse()?;
    Ok(match parsed {
        Parsed::Crash(report) => Ok(model_facts(&report)),
        Parsed::Skipped(s) => Err(s.reason()),
    })
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_corpus_report_matches_what_the_file_says() {
    let Some(dir) = common::corpus_dir("every_corpus_report_matches_what_the_file_says") else { return };
    let files = common::files_below(&dir);
    assert!(files.len() >= 31, "expected the 31 corpus reports, found {}", files.len());
    let mut checked = 0;
    for path in &files {
        let name = path.strip_prefix(&dir).unwrap().to_string_lossy().to_string();
        let bytes = read(path);
        let text = String::from_utf8_lossy(&bytes).to_string();
        let parsed = read_facts(&bytes);
        if name.ends_with("a.out.ips") {
            // LLVM's test template: `"imageOffset": @foo@` is a placeholder,
            // not JSON. The error must say where.
            let error = parsed.expect_err("a.out.ips is not valid JSON").to_string();
            assert!(error.starts_with("128:24 (at threads[0].frames[0].imageOffset)"), "{error}");
            continue;
        }
        let model = match parsed {
            Ok(Ok(facts)) => facts,
            Ok(Err(skipped)) => panic!("{name}: unexpectedly skipped: {skipped}"),
            Err(error) => panic!("{name}: {error}"),
        };
        let is_json = text.trim_start().starts_with('{') && !text.contains("\nIncident Identifier:");
        let expected = if is_json { ips_facts(&text) } else { text_facts(&text) };
        assert_eq!(model, expected, "{name}");
        checked += 1;
    }
    assert_eq!(checked, files.len() - 1);
}

fn parse_report(path: &Path) -> Report<'static> {
    let bytes: &'static [u8] = Box::leak(read(path).into_boxed_slice());
    let input: &'static Input<'static> = Box::leak(Box::new(Input::from_bytes(bytes).unwrap()));
    match input.parse().unwrap() {
        Parsed::Crash(report) => *report,
        Parsed::Skipped(s) => panic!("{}: skipped: {}", path.display(), s.reason()),
    }
}

/// Threads as (number, crashed, frame addresses).
fn thread_summary(report: &Report<'_>) -> Vec<(u32, bool, Vec<u64>)> {
    report.threads.iter().map(|t| (t.number, t.crashed, t.frames.iter().map(|f| f.address).collect())).collect()
}

/// Images as (start, end, uuid, path), placeholders left out.
fn image_summary(report: &Report<'_>) -> Vec<(u64, u64, String, String)> {
    let mut images: Vec<_> = report
        .images
        .iter()
        .filter(|i| !i.is_placeholder())
        .map(|i| {
            (
                i.start,
                i.end,
                i.uuid.map(|u| u.to_string()).unwrap_or_default(),
                i.path.as_deref().unwrap_or("").to_string(),
            )
        })
        .collect();
    images.sort();
    images
}

#[test]
fn one_crash_in_three_forms_reads_the_same() {
    let Some(dir) = common::corpus_dir("one_crash_in_three_forms_reads_the_same") else { return };
    let base = dir.join("inket__MacSymbolicator");
    let ips = parse_report(&base.join("ios-crash-in-ips-format.ips"));
    let with_header = parse_report(&base.join("ios-crash-with-json-header.crash"));
    let plain = parse_report(&base.join("ios-crash-without-json-header.crash"));
    for other in [&with_header, &plain] {
        assert_eq!(thread_summary(other), thread_summary(&ips));
        assert_eq!(image_summary(other), image_summary(&ips));
        assert_eq!(other.crashed_thread, ips.crashed_thread);
        assert_eq!(other.incident_id, ips.incident_id);
        assert_eq!(other.exception.exception_type, ips.exception.exception_type);
        assert_eq!(other.exception.signal, ips.exception.signal);
        assert_eq!(other.exception.code_values, ips.exception.code_values);
        assert_eq!(other.app.short_version, ips.app.short_version);
        assert_eq!(other.app.bundle_version, ips.app.bundle_version);
        assert_eq!(other.os.version, ips.os.version);
        assert_eq!(other.os.build, ips.os.build);
        assert_eq!(other.timestamp, ips.timestamp);
        let pc = |r: &Report<'_>| r.crashed_thread().and_then(|t| t.registers.as_ref()).and_then(|s| s.pc());
        assert_eq!(pc(other), pc(&ips));
    }
    assert_eq!(ips.threads.len(), 8);
}

#[test]
fn multithread_test_pair_reads_the_same() {
    let Some(dir) = common::corpus_dir("multithread_test_pair_reads_the_same") else { return };
    let base = dir.join("llvm__llvm-project");
    let text = parse_report(&base.join("multithread-test.crash"));
    let ips = parse_report(&base.join("multithread-test.ips"));
    assert_eq!(thread_summary(&text), thread_summary(&ips));
    assert_eq!(text.crashed_thread, Some(2));
    assert_eq!(ips.crashed_thread, Some(2));
    // LLVM's test adds one image to the text form (`bogus.dylib`, to test
    // lldb's handling of a bad image); every other image is the same.
    let mut text_images = image_summary(&text);
    text_images.retain(|i| !i.3.ends_with("bogus.dylib"));
    assert_eq!(text_images, image_summary(&ips));
    let registers = |r: &Report<'_>| {
        r.crashed_thread()
            .and_then(|t| t.registers.as_ref())
            .map(|s| s.registers.iter().map(|reg| (reg.name.to_string(), reg.value)).collect::<Vec<_>>())
    };
    assert_eq!(registers(&text), registers(&ips));
}
