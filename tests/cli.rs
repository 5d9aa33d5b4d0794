//! The command line: exit codes, what goes to stdout and stderr, and the
//! output modes of `convert`.

mod common;

use std::path::Path;
use std::process::{Command, Output};

fn crashport(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crashport")).args(args).env("NO_COLOR", "1").output().expect("crashport runs")
}

fn fixture(name: &str) -> String {
    common::fixtures_dir().join(name).to_string_lossy().to_string()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

#[test]
fn convert_one_crash_prints_one_document() {
    let out = crashport(&["convert", &fixture("reports/ios16-arm64e.ips")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let logs = doc["logs"].as_array().unwrap();
    assert_eq!(logs.len(), 2);
    assert_eq!(logs[0]["type"], "appleError");
    assert_eq!(logs[1]["type"], "errorAttachment");
    assert_eq!(logs[1]["errorId"], logs[0]["id"]);
    assert_eq!(stdout(&out).lines().count(), 1, "compact JSON is one line");
    // The attachment carries the original bytes.
    use base64::Engine;
    let data = base64::engine::general_purpose::STANDARD.decode(logs[1]["data"].as_str().unwrap()).unwrap();
    assert_eq!(data, std::fs::read(fixture("reports/ios16-arm64e.ips")).unwrap());
}

#[test]
fn convert_is_byte_for_byte_repeatable() {
    let a = crashport(&["convert", "--pretty", &fixture("reports")]);
    let b = crashport(&["convert", "--pretty", &fixture("reports")]);
    assert_eq!(a.status.code(), Some(0), "{}", stderr(&a));
    assert!(!a.stdout.is_empty());
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn a_skipped_report_is_a_notice_not_an_error() {
    let out = crashport(&["convert", &fixture("reports/jetsam-298.ips")]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty(), "no logs, no document");
    let err = stderr(&out);
    let notices: Vec<&str> = err.lines().filter(|l| l.starts_with("notice: ")).collect();
    assert_eq!(notices.len(), 1, "{err}");
    assert!(notices[0].contains("skipped: Jetsam event"), "{err}");
    assert!(err.contains("1 file(s)") && err.contains("1 skipped (1 jetsam), 0 failed"), "{err}");
}

#[test]
fn a_bad_file_is_an_error_naming_the_file_and_the_rest_still_converts() {
    let bad = fixture("broken/not-a-report.txt");
    let good = fixture("reports/ios16-arm64e.crash");
    let out = crashport(&["convert", "--ndjson", &bad, &good]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains(&format!("error: {bad}: not a crash report")), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 1, "the good report is still written");
}

#[test]
fn errors_say_where() {
    // A syntax error in the middle of an .ips body: the error gives the
    // line, the column and the JSON path.
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(fixture("reports/ios16-arm64e.ips")).unwrap();
    let bad = good.replacen("\"imageOffset\":", "\"imageOffset\":@", 1);
    assert!(good != bad, "the fixture has an imageOffset to damage");
    let path = dir.path().join("damaged.ips");
    std::fs::write(&path, bad).unwrap();
    let out = crashport(&["convert", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let prefix = format!("error: {}:", path.display());
    let line = err.lines().find(|l| l.starts_with(&prefix)).unwrap_or_else(|| panic!("{err}"));
    let after = &line[prefix.len()..];
    assert!(after.chars().next().is_some_and(|c| c.is_ascii_digit()), "line number expected: {line}");
    assert!(line.contains("(at ") && line.contains("expected a JSON value"), "{line}");
}

#[test]
fn a_cut_off_report_keeps_what_is_complete() {
    let truncated = fixture("broken/truncated.ips");
    let out = crashport(&["convert", &truncated]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(&format!("warning: {truncated}:38:2956")) && err.contains("cut off"), "{err}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["logs"][0]["osExceptionType"], "SIGSEGV");
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(crashport(&["convert"]).status.code(), Some(2));
    assert_eq!(crashport(&["convert", "--ndjson", "--out-dir", "x", "y"]).status.code(), Some(2));
    assert_eq!(crashport(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn ndjson_gives_one_line_per_report() {
    let out = crashport(&["convert", "--ndjson", "--quiet", &fixture("reports")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "--quiet: {}", stderr(&out));
    let lines: Vec<serde_json::Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(lines.len() >= 10);
    for line in &lines {
        assert_eq!(line["logs"].as_array().unwrap().len(), 2);
    }
}

#[test]
fn out_dir_mirrors_the_input_tree() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(input.join("device-a")).unwrap();
    std::fs::copy(fixture("reports/ios16-arm64e.crash"), input.join("device-a/one.crash")).unwrap();
    std::fs::copy(fixture("reports/macos-x86_64.crash"), input.join("two.txt")).unwrap();
    std::fs::write(input.join("notes.txt"), "not a crash report\n").unwrap();
    let out_dir = dir.path().join("out");
    let out = crashport(&["convert", "--out-dir", out_dir.to_str().unwrap(), input.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    for name in ["device-a/one.crash.json", "two.txt.json"] {
        let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(out_dir.join(name)).unwrap()).unwrap();
        assert_eq!(doc["logs"][0]["type"], "appleError", "{name}");
    }
    assert!(!Path::new(&out_dir.join("notes.txt.json")).exists());
    assert!(stderr(&out).contains("notes.txt: skipped: not a crash report"), "{}", stderr(&out));
}

#[test]
fn inspect_describes_and_skips() {
    let out = crashport(&["inspect", &fixture("reports/ios16-arm64e.ips"), &fixture("reports/jetsam-298.ips")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for expected in ["Sprocket", "EXC_CRASH (SIGABRT)", "NSInvalidArgumentException", "skipped", "Jetsam"] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    assert!(!text.contains('\u{1b}'), "no colour when not on a terminal");
}

#[test]
fn inspect_json_is_one_object_per_file() {
    let out =
        crashport(&["inspect", "--json", &fixture("reports/ios16-arm64e.ips"), &fixture("broken/not-a-report.txt")]);
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["outcome"], "crash");
    assert_eq!(lines[0]["threads"].as_array().unwrap().len(), 8);
    assert_eq!(lines[1]["outcome"], "error");
}
