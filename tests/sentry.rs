//! `crashport upload --to sentry` against Sentry's own event normaliser:
//! a loopback server (tests/sentry/server.py, started by each test on
//! 127.0.0.1) parses every envelope as Relay does and runs every event
//! through `sentry_relay`'s `StoreNormalizer` with Sentry's limits. A test
//! fails on any error the normaliser finds.
//!
//! The server needs a Python with PyPI's `sentry-relay`
//! (`tests/sentry/setup.sh` makes one in `target/sentry-venv`; or name it
//! with `CRASHPORT_SENTRY_PYTHON`). Without one the tests print a notice and
//! skip; `.ci/run` sets `CRASHPORT_REQUIRE_SENTRY=1`, which makes that a
//! failure.

mod common;

use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const KEY: &str = "0123456789abcdef0123456789abcdef";

/// The Python that has `sentry_relay`, or `None` (with a notice) to skip.
fn python(test: &str) -> Option<PathBuf> {
    let candidate = std::env::var_os("CRASHPORT_SENTRY_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/sentry-venv/bin/python"));
    let works = Command::new(&candidate)
        .args(["-c", "import sentry_relay.processing"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if works {
        return Some(candidate);
    }
    if std::env::var("CRASHPORT_REQUIRE_SENTRY").is_ok_and(|v| v == "1") {
        panic!(
            "{test}: a Python with sentry-relay is required (CRASHPORT_REQUIRE_SENTRY=1); run tests/sentry/setup.sh"
        );
    }
    let _ = writeln!(
        std::io::stderr().lock(),
        "NOTICE: {test} skipped: no Python with sentry-relay at {} (tests/sentry/setup.sh makes one)",
        candidate.display()
    );
    None
}

/// The loopback Sentry of one test.
struct Sentry {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Sentry {
    fn start(python: &Path) -> Sentry {
        let dir = tempfile::tempdir().unwrap();
        let port_file = dir.path().join("port");
        let server = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sentry/server.py");
        let child = Command::new(python)
            .arg(server)
            .args(["--exit-on-stdin-eof", "--public-key", KEY, "--project", "42", "--port-file"])
            .arg(&port_file)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        let port = loop {
            if let Ok(text) = std::fs::read_to_string(&port_file) {
                break text.trim().parse().unwrap();
            }
            assert!(Instant::now() < deadline, "the Sentry test server did not start");
            std::thread::sleep(Duration::from_millis(20));
        };
        Sentry { child, port, _dir: dir }
    }

    fn dsn(&self) -> String {
        format!("http://{KEY}@127.0.0.1:{}/42", self.port)
    }

    /// One request to the control API.
    fn control(&self, method: &str, path: &str, body: &str) -> Value {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        serde_json::from_str(body).unwrap_or(Value::Null)
    }

    fn faults(&self, faults: Value) {
        self.control("POST", "/control/faults", &faults.to_string());
    }

    /// Every envelope accepted so far.
    fn received(&self) -> Vec<Value> {
        self.control("GET", "/control/received", "")["envelopes"].as_array().cloned().unwrap_or_default()
    }

    fn stats(&self) -> Value {
        self.control("GET", "/control/stats", "")
    }
}

impl Drop for Sentry {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn upload(sentry: &Sentry, inputs: &[&Path], journal: &Path, extra: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_crashport"));
    cmd.args(["upload", "--to", "sentry", "--retry-delay", "0.01", "--timeout", "5"])
        .arg("--journal")
        .arg(journal)
        .args(extra)
        .args(inputs)
        .env("SENTRY_DSN", sentry.dsn())
        .env("NO_COLOR", "1")
        .env_remove("CRASHPORT_NOW");
    cmd
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// Every event's normaliser errors, by event id, failing on any.
fn assert_clean(received: &[Value]) {
    for envelope in received {
        for event in envelope["events"].as_array().unwrap() {
            let errors = event["errors"].as_array().cloned().unwrap_or_default();
            assert!(errors.is_empty(), "Sentry's normaliser found errors in event {}: {errors:?}", event["event_id"]);
            assert!(event["normalize_exception"].is_null(), "{}", event["normalize_exception"]);
        }
    }
}

/// The crash reports of the fixtures and, when present, the corpus.
fn crash_inputs(test: &str) -> Vec<PathBuf> {
    let mut inputs = vec![common::fixtures_dir().join("reports")];
    if let Some(corpus) = common::corpus_dir(test) {
        inputs.push(corpus);
    }
    inputs
}

/// How many crashes `convert` finds under `inputs` (each copy of a crash once).
fn expected_crashes(inputs: &[PathBuf]) -> usize {
    let out = Command::new(env!("CARGO_BIN_EXE_crashport"))
        .args(["convert", "--to", "sentry", "--ndjson", "--quiet", "--no-attachment"])
        .args(inputs)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).lines().count()
}

#[test]
fn every_crash_arrives_once_through_faults_and_passes_the_normaliser() {
    let Some(python) = python("every_crash_arrives_once_through_faults_and_passes_the_normaliser") else { return };
    let sentry = Sentry::start(&python);
    sentry.faults(serde_json::json!([
        {"status": 503},
        {"status": 500},
        {"status": 429, "headers": {"Retry-After": "0", "X-Sentry-Rate-Limits": "0:error:organization"}},
        {"reset": true},
        {"status": 502}
    ]));
    let inputs = crash_inputs("every_crash_arrives_once_through_faults_and_passes_the_normaliser");
    let expected = expected_crashes(&inputs);
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let paths: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
    let out = upload(&sentry, &paths, &journal, &["--restamp", "--jobs", "2"]).output().unwrap();
    // The corpus holds three files that are not readable crashes (each
    // named): the run fails for them, not for anything sent.
    let log = text(&out);
    assert!(!log.contains("not sent") && !log.contains("rejected"), "{log}");
    let received = sentry.received();
    let ids: HashSet<String> = received.iter().map(|e| e["event_id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids.len(), expected, "every crash once: {} envelopes", received.len());
    assert_eq!(received.len(), expected, "no envelope twice");
    assert!(received.iter().all(|e| e["attachments"].as_array().is_some_and(|a| a.len() == 1)), "attachments");
    assert_clean(&received);
    let faulted = sentry.stats()["faulted"].as_u64().unwrap();
    assert_eq!(faulted, 5, "every fault was met and recovered");
    // The original time is kept beside the upload time.
    let event = &received[0]["events"][0]["event"];
    assert!(event["extra"]["crash_time"].is_string(), "{event}");
    // The key is in the auth header only.
    assert!(!log.contains(KEY), "the DSN's key appeared in the output");
    assert!(!std::fs::read_to_string(&journal).unwrap().contains(KEY), "the key appeared in the journal");
    for envelope in &received {
        for (name, value) in
            envelope["headers"].as_array().unwrap().iter().map(|h| (h[0].as_str().unwrap(), h[1].as_str().unwrap()))
        {
            assert!(name.eq_ignore_ascii_case("x-sentry-auth") || !value.contains(KEY), "{name}: {value}");
        }
    }
    // A rerun sends nothing more.
    let out = upload(&sentry, &paths, &journal, &["--restamp"]).output().unwrap();
    assert_eq!(sentry.received().len(), expected, "{}", text(&out));
}

#[test]
fn a_sigkill_and_a_rerun_deliver_each_crash_once() {
    let Some(python) = python("a_sigkill_and_a_rerun_deliver_each_crash_once") else { return };
    let sentry = Sentry::start(&python);
    // The fourth request hangs long enough for the kill to land during it.
    sentry.faults(serde_json::json!([{}, {}, {}, {"delay": 3}]));
    let reports = common::fixtures_dir().join("reports");
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let mut child = upload(&sentry, &[&reports], &journal, &["--restamp", "--jobs", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while sentry.stats()["requests"].as_u64().unwrap_or(0) < 4 {
        assert!(Instant::now() < deadline, "the client never reached the fourth request");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let out = upload(&sentry, &[&reports], &journal, &["--restamp"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let received = sentry.received();
    let mut counts: HashMap<String, usize> = HashMap::new();
    for envelope in &received {
        *counts.entry(envelope["event_id"].as_str().unwrap().to_string()).or_default() += 1;
    }
    assert_eq!(counts.len(), expected_crashes(&[reports]));
    // Only the request in flight may have reached Sentry twice; it carries
    // the same event id, so Sentry keeps one event.
    assert!(counts.values().filter(|&&n| n > 1).count() <= 1, "{counts:?}");
    assert_clean(&received);
}

#[test]
fn a_dry_run_sends_nothing_and_a_wrong_key_stops_the_run() {
    let Some(python) = python("a_dry_run_sends_nothing_and_a_wrong_key_stops_the_run") else { return };
    let sentry = Sentry::start(&python);
    let reports = common::fixtures_dir().join("reports");
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let out = upload(&sentry, &[&reports], &journal, &["--dry-run", "--restamp"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("would be sent"), "{}", text(&out));
    assert_eq!(sentry.stats()["requests"], 0);
    let wrong = format!("http://{}@127.0.0.1:{}/42", "f".repeat(32), sentry.port);
    let out = upload(&sentry, &[&reports], &journal, &["--restamp"]).env("SENTRY_DSN", &wrong).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let log = text(&out);
    assert!(log.contains("Sentry refused the DSN") && log.contains("SENTRY_DSN"), "{log}");
    assert_eq!(sentry.stats()["requests"], 1, "nothing after the refusal");
    assert!(!log.contains(&"f".repeat(32)), "the key appeared in the output: {log}");
}

#[test]
fn stale_crashes_wait_for_restamp_and_too_large_ones_fail_with_their_size() {
    let Some(python) = python("stale_crashes_wait_for_restamp_and_too_large_ones_fail_with_their_size") else { return };
    let sentry = Sentry::start(&python);
    let report = common::fixtures_dir().join("reports/ios16-arm64e.ips");
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let out = upload(&sentry, &[&report], &journal, &[]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("stale: 1 not sent") && text(&out).contains("30 days"), "{}", text(&out));
    assert_eq!(sentry.stats()["requests"], 0);
    sentry.faults(serde_json::json!([{"status": 413}]));
    let out = upload(&sentry, &[&report], &journal, &["--restamp"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("too large for Sentry: the envelope is"), "{}", text(&out));
}

#[test]
fn scrubbed_events_and_attachments_hold_no_personal_data() {
    let Some(python) = python("scrubbed_events_and_attachments_hold_no_personal_data") else { return };
    let sentry = Sentry::start(&python);
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(common::fixtures_dir().join("reports/macos13-arm64.crash")).unwrap();
    let personal = original.replace("/Applications/", "/Users/jane.doe/Applications/").replacen(
        "Hardware Model:",
        "Anonymous UUID:       4C8A3E1B-9D2F-4A6E-B1C7-3F5E8D2A9B04\nHardware Model:",
        1,
    );
    let report = dir.path().join("personal.crash");
    std::fs::write(&report, &personal).unwrap();
    let journal = dir.path().join("journal.jsonl");
    let out =
        upload(&sentry, &[&report], &journal, &["--restamp", "--scrub", "--tag", "team=qa", "--environment", "qa"])
            .output()
            .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let received = sentry.received();
    assert_clean(&received);
    let event = received[0]["events"][0]["event"].to_string();
    assert!(!event.contains("jane.doe") && event.contains("/Users/USER/"), "{event}");
    assert!(event.contains("\"environment\":\"qa\"") && event.contains("\"team\":\"qa\""), "{event}");
    let attachment = &received[0]["attachments"][0];
    use sha2_free::sha256_hex;
    let scrubbed = String::from_utf8(crashport::scrub::scrub(personal.as_bytes())).unwrap();
    assert!(!scrubbed.contains("jane.doe") && !scrubbed.contains("4C8A3E1B"), "{scrubbed}");
    assert_eq!(
        attachment["sha256"].as_str().unwrap(),
        sha256_hex(scrubbed.as_bytes()),
        "the scrubbed report was attached"
    );
}

/// SHA-256 for the attachment check, by the Python standard library the
/// server runs on (the project has no SHA-256 of its own to trust instead).
mod sha2_free {
    pub fn sha256_hex(bytes: &[u8]) -> String {
        use std::io::Write;
        let mut child = std::process::Command::new("python3")
            .args(["-c", "import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(bytes).unwrap();
        String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap().trim().to_string()
    }
}

#[test]
fn events_named_from_dsyms_pass_the_normaliser() {
    let Some(python) = python("events_named_from_dsyms_pass_the_normaliser") else { return };
    let sentry = Sentry::start(&python);
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let symbols = common::fixtures_dir().join("symbols");
    let reports = symbols.join("reports");
    let dsyms = symbols.to_str().unwrap();
    let out = upload(&sentry, &[&reports], &journal, &["--restamp", "--dsym", dsyms]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let received = sentry.received();
    assert_clean(&received);
    // Every report's crash site, named from its debug file, survives
    // normalisation as the crashed thread's last frame.
    let mut sites = 0;
    for envelope in &received {
        for event in envelope["events"].as_array().unwrap() {
            let threads = event["normalized"]["threads"]["values"].as_array().unwrap();
            let crashed = threads.iter().find(|t| t["crashed"] == true).unwrap();
            let top = crashed["stacktrace"]["frames"].as_array().unwrap().last().unwrap().clone();
            assert_eq!(top["in_app"], true, "{top}");
            assert!(top["function"].as_str().is_some_and(|f| f.starts_with("demo")), "{top}");
            sites += 1;
        }
    }
    assert!(sites >= 6, "{sites} events");
}
