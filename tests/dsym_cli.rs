//! `--dsym` on the commands, and `crashport dsyms`, on the symbolication
//! fixtures (real Mach-O and dSYMs made by clang, lld and dsymutil; what
//! their frames are is fixtures/symbols/reports/EXPECTED.md, from
//! llvm-symbolizer).

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn crashport(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crashport")).args(args).env("NO_COLOR", "1").output().expect("crashport runs")
}

fn symbols(path: &str) -> String {
    common::fixtures_dir().join("symbols").join(path).to_str().unwrap().to_string()
}

fn json(output: &Output) -> Value {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

/// (methodName, fileName, lineNumber, code) of a frame.
type AppCenterFrame = (Option<String>, Option<String>, Option<u64>, String);

/// The crashed thread's frames.
fn crashed_frames(logs: &Value) -> Vec<AppCenterFrame> {
    let error = &logs["logs"][0];
    let thread = error["threads"].as_array().unwrap().iter().find(|t| t["id"] == error["errorThreadId"]).unwrap();
    thread["frames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["methodName"].as_str().map(str::to_string),
                f["fileName"].as_str().map(str::to_string),
                f["lineNumber"].as_u64(),
                f["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn frame(
    method: &str,
    file: Option<&str>,
    line: Option<u64>,
    code: &str,
) -> (Option<String>, Option<String>, Option<u64>, String) {
    (Some(method.to_string()), file.map(str::to_string), line, code.to_string())
}

#[test]
fn convert_names_the_apps_frames_and_keeps_their_code() {
    let report = symbols("reports/ios-arm64.crash");
    let plain = crashed_frames(&json(&crashport(&["convert", "--quiet", &report])));
    let named = crashed_frames(&json(&crashport(&["convert", "--quiet", "--dsym", &symbols("arm64"), &report])));
    assert_eq!(plain.len() + 1, named.len(), "the inlined call is a frame of its own");
    assert_eq!(
        named,
        [
            frame("demo_crash_site", Some("demo.c"), Some(48), "0x104a3c000 + 16392"),
            frame("demo_validate", Some("demo_inline.h"), Some(10), "0x104a3c000 + 16444"),
            frame("demo_process", Some("demo.c"), Some(55), "0x104a3c000 + 16444"),
            frame("demo::Renderer::draw(int)", Some("renderer.cpp"), Some(20), "0x104a3c000 + 16812"),
            frame("ViewController.viewDidLoad", Some("demo.c"), Some(63), "0x104a3c000 + 16512"),
            frame("demo_nodebug_helper", None, None, "0x104a3c000 + 16864"),
            frame("main", Some("demo.c"), Some(95), "0x104a3c000 + 16748"),
            // No debug file for dyld: as the report named it.
            (None, None, None, "start + 2220".to_string()),
        ]
    );
    // The logs stay valid App Center logs.
    if let Some(schema) = common::SchemaCheck::load("convert_names_the_apps_frames_and_keeps_their_code") {
        schema.assert_valid(&json(&crashport(&["convert", "--quiet", "--dsym", &symbols("arm64"), &report])), &report);
    }
}

#[test]
fn the_ips_form_and_an_xcarchive_give_the_same_names() {
    let text = crashed_frames(&json(&crashport(&[
        "convert",
        "--quiet",
        "--dsym",
        &symbols("arm64"),
        &symbols("reports/ios-arm64.crash"),
    ])));
    let archives: Vec<PathBuf> = std::fs::read_dir(common::fixtures_dir().join("symbols/archives"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(!archives.is_empty());
    for archive in archives {
        let ips = crashed_frames(&json(&crashport(&[
            "convert",
            "--quiet",
            "--dsym",
            archive.to_str().unwrap(),
            &symbols("reports/ios-arm64.ips"),
        ])));
        let names =
            |frames: &[AppCenterFrame]| -> Vec<Option<String>> { frames.iter().take(7).map(|f| f.0.clone()).collect() };
        assert_eq!(names(&ips), names(&text), "{}", archive.display());
    }
}

#[test]
fn inspect_says_where_each_name_came_from() {
    let output = crashport(&["inspect", "--json", "--dsym", &symbols("arm64"), &symbols("reports/ios-arm64.crash")]);
    let model = json(&output);
    let frames = model["threads"][0]["frames"].as_array().unwrap();
    let origins: Vec<&str> = frames.iter().map(|f| f["symbol_origin"].as_str().unwrap_or("-")).collect();
    assert_eq!(
        origins,
        ["debug_file", "debug_file", "debug_file", "debug_file", "debug_file", "debug_file", "debug_file", "report"]
    );
    assert_eq!(frames[1]["inlined"], true);
    let person = crashport(&["inspect", "--dsym", &symbols("arm64"), &symbols("reports/ios-arm64.crash")]);
    let text = String::from_utf8(person.stdout).unwrap();
    assert!(text.contains("demo_process + 44 (demo.c:55)"), "{text}");
}

#[test]
fn sentry_events_carry_the_names() {
    let output = crashport(&[
        "convert",
        "--quiet",
        "--to",
        "sentry",
        "--dsym",
        &symbols("arm64"),
        &symbols("reports/ios-arm64.crash"),
    ]);
    let events = json(&output);
    let event = &events["events"][0];
    let crashed = event["threads"]["values"].as_array().unwrap().iter().find(|t| t["crashed"] == true).unwrap();
    let frames = crashed["stacktrace"]["frames"].as_array().unwrap();
    // Oldest call first: the crash site is last.
    let top = frames.last().unwrap();
    assert_eq!(
        (top["function"].as_str(), top["filename"].as_str(), top["lineno"].as_u64()),
        (Some("demo_crash_site"), Some("demo.c"), Some(48))
    );
    assert_eq!(top["in_app"], true);
    assert_eq!(frames.first().unwrap()["in_app"], false, "dyld's start is not the app's");
}

#[test]
fn dsyms_lists_what_each_report_needs() {
    let report = symbols("reports/ios-arm64.crash");
    let found = crashport(&["dsyms", "--quiet", "--require-all", "--dsym", &symbols("arm64"), &report]);
    assert!(found.status.success());
    let text = String::from_utf8(found.stdout).unwrap();
    let demo = text.lines().find(|l| l.trim_start().starts_with("Demo ")).unwrap();
    assert!(demo.contains("4c4c4461-5555-3144-a125-54bed328bcd7") && demo.contains("Demo.dSYM"), "{text}");
    assert!(text.lines().any(|l| l.trim_start().starts_with("dyld ") && l.ends_with("missing")), "{text}");

    // The arm64e build's dSYMs are not among the arm64 ones.
    let other = symbols("reports/ios-arm64e.ips");
    let missing =
        crashport(&["dsyms", "--json", "--missing-only", "--require-all", "--dsym", &symbols("arm64"), &other]);
    assert_eq!(missing.status.code(), Some(1), "an app image of the crashed thread has no debug file");
    let line: Value = serde_json::from_slice(&missing.stdout).unwrap();
    assert_eq!(line["crashed_app_image_missing"], true);
    let names: Vec<&str> = line["images"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"Demo"), "{names:?}");
    assert!(line["images"].as_array().unwrap().iter().all(|i| i["debug_file"].is_null()));
    // Without --require-all, a report with missing files is no failure.
    assert!(crashport(&["dsyms", "--quiet", "--dsym", &symbols("arm64"), &other]).status.success());
}

#[test]
fn a_dsym_path_that_does_not_exist_is_a_usage_error() {
    for command in ["inspect", "convert", "summary", "dsyms"] {
        let output = crashport(&[command, "--dsym", "/nonexistent/Demo.dSYM", &symbols("reports/ios-arm64.crash")]);
        assert_eq!(output.status.code(), Some(2), "{command}");
        assert!(String::from_utf8_lossy(&output.stderr).contains("/nonexistent/Demo.dSYM"), "{command}");
    }
}

#[test]
fn a_damaged_debug_file_is_named_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("Broken.dSYM/Contents/Resources/DWARF");
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::write(bad.join("Broken"), b"\xcf\xfa\xed\xfe truncated").unwrap();
    let output = crashport(&[
        "convert",
        "--dsym",
        dir.path().to_str().unwrap(),
        "--dsym",
        &symbols("arm64"),
        &symbols("reports/ios-arm64.crash"),
    ]);
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("Broken"), "{}", String::from_utf8_lossy(&output.stderr));
    let frames = crashed_frames(&serde_json::from_slice(&output.stdout).unwrap());
    assert_eq!(frames[0].0.as_deref(), Some("demo_crash_site"));
}
