//! Conversion to App Center logs: schema validity, the corpus, and the same
//! crash in different forms converting to the same appleError.

mod common;

use std::path::Path;

use crashport::appcenter::logs::LogContainer;
use crashport::bulk::convert::{Failure, Options, Origin, Outcome, convert_bytes};
use serde_json::Value;

fn convert(path: &Path) -> Outcome {
    let bytes = std::fs::read(path).unwrap();
    convert_bytes(path, &bytes, Origin::Explicit, &Options::default())
}

fn document(outcome: &Outcome) -> Value {
    match outcome {
        Outcome::Converted(c) => serde_json::to_value(LogContainer { logs: c.logs.clone() }).unwrap(),
        other => panic!("not converted: {other:?}"),
    }
}

/// The appleError of a document, as JSON.
fn apple_error(outcome: &Outcome) -> Value {
    document(outcome)["logs"][0].clone()
}

#[test]
fn every_corpus_crash_converts_to_valid_logs() {
    let Some(dir) = common::corpus_dir("every_corpus_crash_converts_to_valid_logs") else { return };
    let Some(schema) = common::SchemaCheck::load("every_corpus_crash_converts_to_valid_logs") else { return };
    let mut converted = 0;
    for path in common::files_below(&dir) {
        let name = path.strip_prefix(&dir).unwrap().to_string_lossy().to_string();
        let outcome = convert(&path);
        // Three corpus files are fragments made for other tools' tests, not
        // whole crash reports; each must fail with a message that says why.
        let expected_failure = match name.as_str() {
            "llvm__llvm-project/a.out.ips" => {
                Some("a.out.ips:128:24 (at threads[0].frames[0].imageOffset): expected a JSON value")
            }
            "getsentry__apple-crash-report-parser/xcode16.txt" => {
                Some("cannot convert: the report has neither an exception block nor a thread")
            }
            "getsentry__apple-crash-report-parser/spaces.txt" => Some("cannot convert: the report has no date"),
            _ => None,
        };
        match (expected_failure, &outcome) {
            (Some(expected), Outcome::Failed(failure)) => {
                let message = failure.to_string();
                assert!(message.contains(expected), "{name}: {message}");
            }
            (None, Outcome::Converted(c)) => {
                schema.assert_valid(&document(&outcome), &name);
                assert_eq!(c.logs.len(), 2, "{name}: an appleError and its attachment");
                converted += 1;
            }
            (_, other) => panic!("{name}: unexpected outcome {other:?}"),
        }
    }
    assert_eq!(converted, 28);
}

#[test]
fn one_crash_in_three_forms_converts_to_one_apple_error() {
    let Some(dir) = common::corpus_dir("one_crash_in_three_forms_converts_to_one_apple_error") else { return };
    let base = dir.join("inket__MacSymbolicator");
    let ips = apple_error(&convert(&base.join("ios-crash-in-ips-format.ips")));
    for other in ["ios-crash-with-json-header.crash", "ios-crash-without-json-header.crash"] {
        let text = apple_error(&convert(&base.join(other)));
        assert_eq!(text, ips, "{other}");
    }
    assert_eq!(ips["id"], "356753AC-2172-45DC-977A-11F2328980D0");
}

#[test]
fn multithread_test_pair_converts_to_one_apple_error() {
    let Some(dir) = common::corpus_dir("multithread_test_pair_converts_to_one_apple_error") else { return };
    let base = dir.join("llvm__llvm-project");
    let mut text = apple_error(&convert(&base.join("multithread-test.crash")));
    let mut ips = apple_error(&convert(&base.join("multithread-test.ips")));
    // What only one form carries: the .ips has an incident id, the hardware
    // model, the launch time and each image's own architecture (the text
    // writes `(*)`); the text has `Identifier:` and the extra image LLVM's
    // test added (`bogus.dylib`, kept because register x4 points into it).
    assert_eq!(ips["appLaunchTimestamp"], "2022-07-28T18:10:19.412Z");
    assert_eq!(text["device"]["appNamespace"], "multithread-test");
    let bogus = text["binaries"].as_array_mut().unwrap().pop().unwrap();
    assert_eq!(bogus["name"], "bogus.dylib");
    for error in [&mut text, &mut ips] {
        let e = error.as_object_mut().unwrap();
        e.remove("id");
        e.remove("appLaunchTimestamp");
        e["device"].as_object_mut().unwrap().remove("model");
        e["device"].as_object_mut().unwrap().remove("appNamespace");
        for binary in e["binaries"].as_array_mut().unwrap() {
            binary.as_object_mut().unwrap().remove("architectureVariantId");
        }
    }
    assert_eq!(text, ips);
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let path = common::fixtures_dir().join("reports");
    for entry in std::fs::read_dir(&path).unwrap() {
        let path = entry.unwrap().path();
        let a = match convert(&path) {
            Outcome::Converted(c) => serde_json::to_vec(&c.logs).unwrap(),
            _ => continue,
        };
        let b = match convert(&path) {
            Outcome::Converted(c) => serde_json::to_vec(&c.logs).unwrap(),
            _ => unreachable!(),
        };
        assert_eq!(a, b, "{}", path.display());
    }
}

#[test]
fn failures_name_the_file() {
    let outcome = convert_bytes(Path::new("dir/x.crash"), b"hello world\n", Origin::Explicit, &Options::default());
    let Outcome::Failed(failure @ Failure::Parse(_)) = outcome else { panic!("{outcome:?}") };
    assert!(failure.to_string().starts_with("dir/x.crash: not a crash report"), "{failure}");
    let outcome = convert_bytes(Path::new("dir/x.crash"), b"hello world\n", Origin::Walked, &Options::default());
    assert!(matches!(outcome, Outcome::Skipped(_)), "{outcome:?}");
}

#[test]
fn every_fixture_crash_converts_to_valid_logs() {
    let Some(schema) = common::SchemaCheck::load("every_fixture_crash_converts_to_valid_logs") else { return };
    let mut converted = 0;
    for path in common::files_below(&common::fixtures_dir().join("reports")) {
        match convert(&path) {
            outcome @ Outcome::Converted(_) => {
                schema.assert_valid(&document(&outcome), &path.display().to_string());
                converted += 1;
            }
            Outcome::Skipped(_) => {}
            Outcome::Failed(f) => panic!("{f}"),
        }
    }
    assert!(converted >= 15, "{converted}");
}

#[test]
fn fixture_pairs_convert_to_one_apple_error() {
    let dir = common::fixtures_dir().join("reports");
    for (a, b) in [("ios16-arm64e.ips", "ios16-arm64e.crash"), ("watchos-arm64_32.ips", "watchos-arm64_32.crash")] {
        let a_error = apple_error(&convert(&dir.join(a)));
        let b_error = apple_error(&convert(&dir.join(b)));
        assert_eq!(a_error, b_error, "{a} / {b}");
    }
    // macOS text reports carry no incident id, hardware model or launch
    // time, and no architecture per image (Rosetta's runtime is arm64e).
    let mut ips = apple_error(&convert(&dir.join("macos-rosetta.ips")));
    let mut text = apple_error(&convert(&dir.join("macos-rosetta.crash")));
    for e in [&mut ips, &mut text] {
        e.as_object_mut().unwrap().remove("id");
        e.as_object_mut().unwrap().remove("appLaunchTimestamp");
        e["device"].as_object_mut().unwrap().remove("model");
        for binary in e["binaries"].as_array_mut().unwrap() {
            binary.as_object_mut().unwrap().remove("primaryArchitectureId");
            binary.as_object_mut().unwrap().remove("architectureVariantId");
        }
    }
    assert_eq!(ips, text);
}

#[test]
fn converted_logs_pass_the_upload_validation() {
    // The checks `upload` applies to ready-made log files accept every
    // log crashport itself writes.
    for path in common::files_below(&common::fixtures_dir()) {
        if let Outcome::Converted(c) = convert(&path) {
            let container = LogContainer { logs: c.logs };
            if let Err(problems) = crashport::appcenter::validate::validate(&container) {
                panic!("{}: {problems:?}", path.display());
            }
        }
    }
}

/// crashport writes compact JSON with its own string fast path; it must
/// be serde_json's output byte for byte, for every report it converts.
#[test]
fn compact_output_is_serde_json_byte_for_byte() {
    let mut dirs = vec![common::fixtures_dir()];
    dirs.extend(common::corpus_dir("compact_output_is_serde_json_byte_for_byte"));
    let mut compared = 0;
    for path in dirs.iter().flat_map(|dir| common::files_below(dir)) {
        let Outcome::Converted(converted) = convert(&path) else { continue };
        let ours = crashport::appcenter::json::container_json(&converted.logs, false).unwrap();
        let mut reference = serde_json::to_vec(&LogContainer { logs: converted.logs }).unwrap();
        reference.push(b'\n');
        assert!(ours == reference, "{}: compact JSON differs from serde_json's", path.display());
        compared += 1;
    }
    assert!(compared >= 18, "{compared}");
}
