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
    assert!(err.contains("1 file ") && err.contains("1 skipped (1 Jetsam event), 0 failed"), "{err}");
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
    // Counted by kind in the summary; each one with its place with -v.
    assert!(stderr(&out).contains("1 report cut off"), "{}", stderr(&out));
    let out = crashport(&["convert", "-v", &truncated]);
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

fn crashport_in(args: &[&str], stdin: &[u8]) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_crashport"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn out_dir_problems_are_caught_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for sub in ["a/logs", "b/logs"] {
        std::fs::create_dir_all(d.join(sub)).unwrap();
        std::fs::copy(fixture("reports/macos13-arm64.crash"), d.join(sub).join("x.crash")).unwrap();
    }
    // Two roots named alike would write one file twice.
    let out_dir = d.join("out");
    let a = d.join("a/logs");
    let b = d.join("b/logs");
    let out = crashport(&["convert", "--out-dir", out_dir.to_str().unwrap(), a.to_str().unwrap(), b.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("would both be written to"), "{}", stderr(&out));
    assert_eq!(std::fs::read_dir(&out_dir).unwrap().count(), 0, "nothing written");
    // Several roots keep their own names in the output paths.
    let c = d.join("c");
    std::fs::create_dir_all(&c).unwrap();
    std::fs::copy(fixture("reports/ios9-armv7.crash"), c.join("y.crash")).unwrap();
    let out = crashport(&["convert", "--out-dir", out_dir.to_str().unwrap(), a.to_str().unwrap(), c.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out_dir.join("logs/x.crash.json").is_file() && out_dir.join("c/y.crash.json").is_file());
    // Existing files are not replaced without --overwrite.
    let out = crashport(&["convert", "--out-dir", out_dir.to_str().unwrap(), a.to_str().unwrap(), c.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("2 output file(s) exist already") && stderr(&out).contains("--overwrite"),
        "{}",
        stderr(&out)
    );
    let out = crashport(&[
        "convert",
        "--overwrite",
        "--out-dir",
        out_dir.to_str().unwrap(),
        a.to_str().unwrap(),
        c.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // A folder that cannot be made: one clear error, not one per file.
    let blocked = d.join("file-not-folder");
    std::fs::write(&blocked, "x").unwrap();
    let out = crashport(&["convert", "--out-dir", blocked.to_str().unwrap(), a.to_str().unwrap(), c.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.matches("error:").count(), 1, "{err}");
    assert!(err.contains("--out-dir") && !err.contains("cannot read"), "{err}");
}

#[test]
fn standard_input_is_read_by_every_command() {
    let report = std::fs::read(fixture("reports/ios16-arm64e.crash")).unwrap();
    let out = crashport_in(&["convert", "-"], &report);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["logs"][0]["type"], "appleError");
    let out = crashport_in(&["inspect", "-"], &report);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("-\n") && stdout(&out).contains("Sprocket"), "{}", stdout(&out));
    let out = crashport_in(&["upload", "--dry-run", "-"], &report);
    assert!(stderr(&out).contains("crashport: 1 file"), "{}", stderr(&out));
}

#[test]
fn inspect_walks_directories() {
    let out = crashport(&["inspect", &fixture("reports")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("ios16-arm64e.ips") && text.contains("jetsam-298.ips"), "{text}");
    assert!(!text.contains("README"), "{text}");
}

#[test]
fn zip_archives_are_read_entry_by_entry_and_bombs_refused() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("qa-logs.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&archive).unwrap());
    let deflated = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("device-1/crash.ips", deflated).unwrap();
    zip.write_all(&std::fs::read(fixture("reports/macos-rosetta.ips")).unwrap()).unwrap();
    zip.start_file("device-2/old.crash", deflated).unwrap();
    zip.write_all(&std::fs::read(fixture("reports/ios9-armv7.crash")).unwrap()).unwrap();
    zip.start_file("__MACOSX/device-2/._old.crash", deflated).unwrap();
    zip.write_all(b"\0\x05\x16\x07").unwrap();
    // Ten megabytes of one byte: a thousand times its compressed size.
    zip.start_file("device-3/bomb.crash", deflated).unwrap();
    zip.write_all(&vec![b'A'; 10 << 20]).unwrap();
    zip.finish().unwrap();
    let out = crashport(&["convert", "--ndjson", archive.to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(stdout(&out).lines().count(), 2, "{err}");
    assert!(err.contains("qa-logs.zip!/device-3/bomb.crash") && err.contains("zip bomb"), "{err}");
    assert!(!err.contains("__MACOSX"), "{err}");
    let out = crashport(&["inspect", archive.to_str().unwrap()]);
    assert!(stdout(&out).contains("qa-logs.zip!/device-1/crash.ips"), "{}", stdout(&out));
}

#[test]
fn convert_counts_stale_crashes_once_in_its_summary() {
    let out = Command::new(env!("CARGO_BIN_EXE_crashport"))
        .args(["convert", &fixture("reports")])
        .env("NO_COLOR", "1")
        .env("CRASHPORT_NOW", "2026-11-20T10:00:00Z")
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(!err.contains("days old"), "no warning per file: {err}");
    assert_eq!(err.matches("older than App Center's 25 days").count(), 1, "{err}");
}

#[test]
fn flags_are_checked_with_their_units() {
    let report = fixture("reports/ios16-arm64e.crash");
    let out = crashport(&["convert", "--jobs", "0", &report]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--jobs") && stderr(&out).contains("at least 1"), "{}", stderr(&out));
    let out = crashport(&["convert", "--jobs", "100000", &report]);
    assert_eq!(out.status.code(), Some(2));
    let out = crashport(&["convert", "--max-file-size", "1.5MiB", &report]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--max-file-size") && stderr(&out).contains("1536KiB"), "{}", stderr(&out));
    let out = crashport(&["convert", "--max-file-size", "0", &report]);
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(env!("CARGO_BIN_EXE_crashport"))
        .args(["upload", &report])
        .env_remove("APPCENTER_APP_SECRET")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("APPCENTER_APP_SECRET"), "{}", stderr(&out));
    let out = crashport(&["--version"]);
    let version = stdout(&out);
    assert!(version.contains("commit ") && version.contains("linux"), "{version}");
    let out = crashport(&["completions", "bash"]);
    assert!(out.status.success() && stdout(&out).contains("crashport"), "{}", stderr(&out));
    let out = crashport(&["man"]);
    assert!(out.status.success() && stdout(&out).contains(".TH crashport"), "{}", stdout(&out));
}

#[test]
fn an_input_without_reports_says_so_and_can_fail_ci() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "nothing here\n").unwrap();
    let out = crashport(&["convert", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("no crash report among them"), "{}", stderr(&out));
    let out = crashport(&["convert", "--fail-on-empty", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
}
