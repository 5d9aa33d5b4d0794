//! `crashport summary`: what groups crashes and what splits them, as
//! docs/TRIAGE.md states it, on copies of real-shaped reports changed the
//! way runs of one build change them (incident ids, ASLR slides), and on
//! copies changed the way different bugs differ.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn crashport(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crashport")).args(args).env("NO_COLOR", "1").output().expect("crashport runs")
}

fn summary_json(args: &[&str]) -> Value {
    let mut all = vec!["summary", "--json", "--quiet"];
    all.extend_from_slice(args);
    let output = crashport(&all);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("summary --json is JSON")
}

fn symbols() -> PathBuf {
    common::fixtures_dir().join("symbols")
}

fn text_report() -> String {
    std::fs::read_to_string(symbols().join("reports/ios-arm64.crash")).unwrap()
}

/// `text` as another run of the same build: every address at or above
/// 4 GiB moved by `slide` (frames, image bases, Binary Images, registers),
/// written as wide as before.
fn slide_text(text: &str, slide: u64) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("0x") {
        out.push_str(&rest[..at + 2]);
        rest = &rest[at + 2..];
        let digits = rest.bytes().take_while(u8::is_ascii_hexdigit).count();
        match u64::from_str_radix(&rest[..digits], 16) {
            Ok(value) if value >= 0x1_0000_0000 => {
                out.push_str(&format!("{:0width$x}", value + slide, width = digits));
            }
            _ => out.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

/// The `.ips` form with its images loaded `slide` higher (frames are
/// offsets into their images there).
fn slide_ips(bytes: &[u8], slide: u64) -> Vec<u8> {
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let (header, body) = text.split_once('\n').unwrap();
    let mut body: Value = serde_json::from_str(body).unwrap();
    for image in body["usedImages"].as_array_mut().unwrap() {
        if let Some(base) = image["base"].as_u64().filter(|&b| b != 0) {
            image["base"] = Value::from(base + slide);
        }
    }
    format!("{header}\n{}", serde_json::to_string_pretty(&body).unwrap()).into_bytes()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap();
}

fn groups(summary: &Value) -> Vec<(u64, Vec<String>, String, bool)> {
    summary["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let frames = g["frames"].as_array().unwrap().iter().map(|f| f.as_str().unwrap().to_string()).collect();
            (
                g["count"].as_u64().unwrap(),
                frames,
                g["exception"].as_str().unwrap().to_string(),
                g["app_frames"] == true,
            )
        })
        .collect()
}

#[test]
fn runs_of_one_build_group_together_in_both_forms() {
    let dir = tempfile::tempdir().unwrap();
    let text = text_report();
    assert!(slide_text(&text, 0x10000).contains("0x104a50008 0x104a4c000 + 16392"));
    for (n, slide) in [(1, 0), (2, 0x10000), (3, 0x2340000)] {
        write(dir.path(), &format!("run{n}.crash"), &common::distinct_copy(slide_text(&text, slide).as_bytes(), n));
    }
    let ips = std::fs::read(symbols().join("reports/ios-arm64.ips")).unwrap();
    write(dir.path(), "run4.ips", &common::distinct_copy(&slide_ips(&ips, 0x5550000), 4));
    let summary = summary_json(&[dir.path().to_str().unwrap()]);
    assert_eq!(summary["crashes"], 4);
    assert_eq!(
        groups(&summary),
        [(
            4,
            vec!["Demo+0x4008".into(), "Demo+0x403c".into(), "Demo+0x41ac".into()],
            "EXC_BAD_ACCESS / SIGSEGV".into(),
            true
        )]
    );
    // One device wrote them all.
    assert_eq!(summary["groups"][0]["devices"], 1);
}

#[test]
fn the_same_incident_twice_counts_once() {
    let dir = tempfile::tempdir().unwrap();
    let text = text_report();
    write(dir.path(), "a.crash", text.as_bytes());
    write(dir.path(), "b.ips", &std::fs::read(symbols().join("reports/ios-arm64.ips")).unwrap());
    write(dir.path(), "c.crash", text.as_bytes());
    let summary = summary_json(&[dir.path().to_str().unwrap()]);
    assert_eq!((summary["crashes"].as_u64(), summary["duplicates"].as_u64()), (Some(1), Some(2)));
    assert_eq!(summary["groups"][0]["count"], 1);
}

#[test]
fn another_exception_in_the_same_function_is_another_crash() {
    let dir = tempfile::tempdir().unwrap();
    let text = text_report();
    write(dir.path(), "segv.crash", text.as_bytes());
    let trap = text.replace("Exception Type:  EXC_BAD_ACCESS (SIGSEGV)", "Exception Type:  EXC_BREAKPOINT (SIGTRAP)");
    assert_ne!(trap, text);
    write(dir.path(), "trap.crash", &common::distinct_copy(trap.as_bytes(), 2));
    let summary = summary_json(&[dir.path().to_str().unwrap()]);
    let found = groups(&summary);
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(found[0].1, found[1].1, "the same frames");
    let mut exceptions: Vec<&str> = found.iter().map(|g| g.2.as_str()).collect();
    exceptions.sort();
    assert_eq!(exceptions, ["EXC_BAD_ACCESS / SIGSEGV", "EXC_BREAKPOINT / SIGTRAP"]);
}

#[test]
fn without_an_app_frame_the_top_frames_group() {
    let dir = tempfile::tempdir().unwrap();
    // A process whose executable is none of the report's images: no frame
    // is the app's.
    let text = text_report().replace(
        "Path:                /private/var/containers/Bundle/Application/A4842545-7E3F-5A08-9BDC-423FE78AE74D/Demo.app/Demo",
        "Path:                /usr/libexec/demo-helper",
    );
    write(dir.path(), "a.crash", &common::distinct_copy(text.as_bytes(), 1));
    write(dir.path(), "b.crash", &common::distinct_copy(slide_text(&text, 0x80000).as_bytes(), 2));
    let summary = summary_json(&[dir.path().to_str().unwrap()]);
    let found = groups(&summary);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0, found[0].3), (2, false));
    assert_eq!(found[0].1, ["Demo+0x4008", "Demo+0x403c", "Demo+0x41ac"]);
}

/// The report as Xcode symbolicates it: names, offsets, files and lines,
/// the inlined call first.
fn symbolicated(text: &str) -> String {
    let lines = [
        ("0x104a40008 0x104a3c000 + 16392", "0x104a40008 demo_crash_site + 8 (demo.c:48)"),
        (
            "1   Demo                          \t       0x104a4003c 0x104a3c000 + 16444",
            "1   Demo                          \t       0x104a4003c demo_validate + 0 (demo_inline.h:10) [inlined]\n\
             1   Demo                          \t       0x104a4003c demo_process + 24 (demo.c:55)",
        ),
        ("0x104a401ac 0x104a3c000 + 16812", "0x104a401ac demo::Renderer::draw(int) + 20 (renderer.cpp:20)"),
    ];
    let mut out = text.to_string();
    for (from, to) in lines {
        assert!(out.contains(from), "{from}");
        out = out.replacen(from, to, 1);
    }
    out
}

#[test]
fn symbolicated_and_unsymbolicated_copies_group_together_with_dsyms() {
    let dir = tempfile::tempdir().unwrap();
    let text = text_report();
    write(dir.path(), "device.crash", text.as_bytes());
    write(dir.path(), "xcode.crash", &common::distinct_copy(symbolicated(&text).as_bytes(), 7));
    let path = dir.path().to_str().unwrap();

    let apart = groups(&summary_json(&[path]));
    assert_eq!(apart.len(), 2, "without debug files the names differ: {apart:?}");

    let dsyms = symbols().join("arm64");
    let together = groups(&summary_json(&["--dsym", dsyms.to_str().unwrap(), path]));
    assert_eq!(
        together,
        [(
            2,
            vec!["demo_crash_site".into(), "demo_process".into(), "demo::Renderer::draw".into()],
            "EXC_BAD_ACCESS / SIGSEGV".into(),
            true
        )]
    );
}

#[test]
fn new_groups_are_marked_by_version_and_against_a_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let text = text_report();
    write(dir.path(), "old.crash", &common::distinct_copy(text.as_bytes(), 1));
    let trap = text
        .replace("Exception Type:  EXC_BAD_ACCESS (SIGSEGV)", "Exception Type:  EXC_BREAKPOINT (SIGTRAP)")
        .replace("Version:             1.0 (1)", "Version:             1.1 (2)");
    write(dir.path(), "new.crash", &common::distinct_copy(trap.as_bytes(), 2));
    let path = dir.path().to_str().unwrap();

    let summary = summary_json(&[path]);
    let new: Vec<(&str, bool)> = summary["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["exception"].as_str().unwrap(), g["new_in_latest_build"] == true))
        .collect();
    assert!(new.contains(&("EXC_BREAKPOINT / SIGTRAP", true)) && new.contains(&("EXC_BAD_ACCESS / SIGSEGV", false)));

    let table = crashport(&["summary", "--quiet", "--by", "version", path]);
    let table = String::from_utf8(table.stdout).unwrap();
    let trap_line = table.lines().find(|l| l.contains("EXC_BREAKPOINT")).unwrap();
    assert!(trap_line.starts_with("new "), "{table}");
    assert!(table.lines().next().unwrap().contains("latest: com.example.demo 1.1 (2)"), "{table}");

    // A baseline of the first crash only: the second is new since then.
    let first = tempfile::tempdir().unwrap();
    write(first.path(), "old.crash", &common::distinct_copy(text.as_bytes(), 1));
    let kept = tempfile::tempdir().unwrap();
    let baseline = kept.path().join("baseline.json");
    let baseline_json = crashport(&["summary", "--json", "--quiet", first.path().to_str().unwrap()]).stdout;
    std::fs::write(&baseline, &baseline_json).unwrap();
    let against = summary_json(&["--baseline", baseline.to_str().unwrap(), path]);
    assert_eq!(against["baseline"]["new"], 1);
    for group in against["groups"].as_array().unwrap() {
        assert_eq!(group["new_since_baseline"] == true, group["exception"] == "EXC_BREAKPOINT / SIGTRAP");
    }

    // Ids of another signature rule are not compared.
    let mut other_rule: Value = serde_json::from_slice(&baseline_json).unwrap();
    other_rule["signature_version"] = Value::from(999);
    std::fs::write(&baseline, other_rule.to_string()).unwrap();
    let refused = crashport(&["summary", "--baseline", baseline.to_str().unwrap(), path]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("signature rule 999"));
}

#[test]
fn reports_that_are_not_crashes_are_counted_apart_and_failures_named() {
    let fixtures = common::fixtures_dir();
    let output = crashport(&[
        "summary",
        "--json",
        "--quiet",
        fixtures.join("reports").to_str().unwrap(),
        fixtures.join("broken/empty.crash").to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1), "a file that cannot be read fails the run");
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap();
    for kind in ["jetsam", "stackshot", "kernel_panic"] {
        assert_eq!(summary["not_crashes"][kind], 1, "{kind}: {}", summary["not_crashes"]);
    }
    let failed = summary["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 1);
    assert!(failed[0]["path"].as_str().unwrap().ends_with("empty.crash"));
    // Not-crashes are never a group's.
    let grouped: u64 = summary["groups"].as_array().unwrap().iter().map(|g| g["count"].as_u64().unwrap()).sum();
    assert_eq!(Some(grouped), summary["crashes"].as_u64());
}

#[test]
fn the_same_input_prints_the_same_bytes_whatever_the_threads() {
    let mut inputs = vec![common::fixtures_dir().join("reports").to_str().unwrap().to_string()];
    if let Some(corpus) = common::corpus_dir("the_same_input_prints_the_same_bytes_whatever_the_threads") {
        inputs.push(corpus.to_str().unwrap().to_string());
    }
    for form in [&[][..], &["--json"], &["--markdown"], &["--by", "version"]] {
        let run = |jobs: &str| {
            let mut args = vec!["summary", "--quiet", "--jobs", jobs];
            args.extend_from_slice(form);
            args.extend(inputs.iter().map(String::as_str));
            crashport(&args).stdout
        };
        let one = run("1");
        assert!(!one.is_empty());
        assert_eq!(one, run("3"), "{form:?}");
        assert_eq!(one, run("2"), "{form:?}");
    }
}
