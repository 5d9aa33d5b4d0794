//! `crashport upload` against a real HTTP server on 127.0.0.1 started by
//! each test: headers, compression and bodies as the server sees them,
//! faults recovered, refusals, the rate limit, the journal across a
//! SIGKILL, and the App Secret kept out of every output.

mod common;
#[path = "common/http.rs"]
mod http;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use http::{Received, Reply, Server};

const SECRET: &str = "0b9c5d43-7b1a-4f8e-9a47-6f1d2c3b4a59";

/// A directory with copies of some fixture reports.
fn reports(names: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("in")).unwrap();
    for name in names {
        std::fs::copy(common::fixtures_dir().join("reports").join(name), dir.path().join("in").join(name)).unwrap();
    }
    dir
}

fn command(server: &Server, dir: &Path, extra: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_crashport"));
    cmd.arg("upload")
        .arg("--endpoint")
        .arg(&server.url)
        .arg("--journal")
        .arg(dir.join("journal.jsonl"))
        .args(["--retry-delay", "0.01", "--timeout", "2", "--rate-limit", "60000"])
        .args(extra)
        .arg(dir.join("in"))
        .env("APPCENTER_APP_SECRET", SECRET)
        .env("NO_COLOR", "1")
        .env_remove("APPCENTER_INSTALL_ID")
        .env_remove("APPCENTER_INGESTION_URL");
    cmd
}

fn run(server: &Server, dir: &Path, extra: &[&str]) -> Output {
    command(server, dir, extra).output().unwrap()
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// How often each error id reached the server in an accepted request.
fn accepted_ids(received: &[Received]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for r in received.iter().filter(|r| r.accepted()) {
        for id in r.error_ids() {
            *counts.entry(id).or_default() += 1;
        }
    }
    counts
}

fn assert_no_secret(output: &Output, dir: &Path) {
    assert!(!text(output).contains(SECRET), "the secret appeared in the output");
    if let Ok(journal) = std::fs::read_to_string(dir.join("journal.jsonl")) {
        assert!(!journal.contains(SECRET), "the secret appeared in the journal");
    }
}

#[test]
fn requests_carry_the_headers_and_a_gzip_body() {
    let server = Server::start(vec![]);
    let dir = reports(&["ios16-arm64e.ips", "macos13-arm64.crash"]);
    let out = run(&server, dir.path(), &["-v"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let received = server.received();
    assert_eq!(received.len(), 2);
    let install_ids: Vec<&str> = received.iter().map(|r| r.header("Install-ID").unwrap()).collect();
    assert!(uuid::Uuid::try_parse(install_ids[0]).is_ok());
    assert_eq!(install_ids[0], install_ids[1], "one install id per journal");
    for r in &received {
        assert_eq!(r.method, "POST");
        assert_eq!(r.target, "/logs?api-version=1.0.0");
        assert_eq!(r.header("Content-Type"), Some("application/json"));
        assert_eq!(r.header("App-Secret"), Some(SECRET));
        assert_eq!(r.header("Content-Encoding"), Some("gzip"));
        assert!(r.raw.len() < r.body.len(), "compressed");
        let logs = r.json()["logs"].as_array().unwrap().clone();
        assert_eq!(logs.len(), 2);
        assert_eq!(logs[0]["type"], "appleError");
        assert_eq!(logs[1]["type"], "errorAttachment");
        assert_eq!(logs[1]["errorId"], logs[0]["id"]);
    }
    assert_eq!(received[0].error_ids(), vec!["4067A1B4-C85E-4608-86B2-69C8CFFB23C9".to_string()]);
    assert!(text(&out).contains("2 sent"), "{}", text(&out));
    assert_no_secret(&out, dir.path());

    // A rerun sends nothing: the journal has both.
    let again = run(&server, dir.path(), &[]);
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(server.received().len(), 2);
    assert!(text(&again).contains("already sent"), "{}", text(&again));
    // --force sends them again.
    let forced = run(&server, dir.path(), &["--force"]);
    assert_eq!(forced.status.code(), Some(0));
    assert_eq!(server.received().len(), 4);
}

#[test]
fn small_bodies_are_not_compressed_and_ready_made_logs_are_validated() {
    let server = Server::start(vec![]);
    let dir = reports(&[]);
    let handled = r#"{"logs": [{"type": "handledError", "id": "5D1F8E4A-93C2-4B7E-A6D0-2F8C71E94B35",
        "timestamp": "2026-11-01T10:00:00.000Z", "exception": {"type": "E"},
        "device": {"sdkName": "s", "sdkVersion": "1.0.0", "osName": "iOS", "osVersion": "17.0", "locale": "en-US",
                   "timeZoneOffset": 0, "appVersion": "1.0", "appBuild": "1"}}]}"#;
    std::fs::write(dir.path().join("in/handled.json"), handled).unwrap();
    std::fs::write(dir.path().join("in/broken.json"), handled.replace("2026-11-01T10:00:00.000Z", "yesterday"))
        .unwrap();
    let out = run(&server, dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out)
            .contains("broken.json: invalid App Center logs: logs[0].timestamp: expected YYYY-MM-DDTHH:MM:SS.sssZ")
            && !text(&out).contains("cannot read"),
        "{}",
        text(&out)
    );
    let received = server.received();
    assert_eq!(received.len(), 1, "only the valid file is sent");
    assert_eq!(received[0].header("Content-Encoding"), None);
    assert!(received[0].raw.len() < 1400);
}

#[test]
fn passing_faults_are_retried_and_nothing_is_lost() {
    let server = Server::start(vec![
        Reply::Status(503, vec![], "busy".into()),
        Reply::Status(500, vec![], String::new()),
        Reply::Status(429, vec![("x-ms-retry-after-ms".into(), "50".into())], String::new()),
        Reply::Reset,
        Reply::Slow(Duration::from_millis(1500), 200),
        Reply::Status(408, vec![("Retry-After".into(), "0".into())], String::new()),
    ]);
    let dir = reports(&["ios16-arm64e.ips", "macos13-arm64.crash", "ios9-armv7.crash", "body-only.ips"]);
    let out = run(&server, dir.path(), &["--timeout", "0.5"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let counts = accepted_ids(&server.received());
    assert_eq!(counts.len(), 4, "every report acknowledged: {counts:?}");
    assert!(counts.values().all(|&n| n == 1), "none acknowledged twice: {counts:?}");
    // Only the request whose answer came after the timeout reached the
    // server twice (same ids: App Center sees a duplicate, not a new crash).
    let slow: Vec<Received> = server.received().into_iter().filter(|r| r.reply.starts_with("slow")).collect();
    assert_eq!(slow.len(), 1);
    let log = text(&out);
    for problem in
        ["HTTP 503", "HTTP 500", "HTTP 429", "HTTP 408", "no response within the timeout", "the connection failed"]
    {
        assert!(log.contains(problem), "{problem} not reported:\n{log}");
    }
    assert_no_secret(&out, dir.path());
}

#[test]
fn giving_up_fails_the_report_after_the_last_retry() {
    let server = Server::start(vec![Reply::Status(503, vec![], String::new()); 3]);
    let dir = reports(&["ios16-arm64e.ips"]);
    let out = run(&server, dir.path(), &["--max-retries", "2"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("not sent: HTTP 503 (after 3 attempts)"), "{}", text(&out));
    assert_eq!(server.received().len(), 3);
    // Not journalled: the next run sends it.
    let out = run(&server, dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(accepted_ids(&server.received()).len(), 1);
}

#[test]
fn a_400_fails_that_report_and_the_run_goes_on() {
    let server = Server::start(vec![Reply::Status(400, vec![], "{\"error\":\"invalid log\"}".into())]);
    let dir = reports(&["ios16-arm64e.ips", "macos13-arm64.crash"]);
    let out = run(&server, dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let log = text(&out);
    assert!(
        log.contains("ios16-arm64e.ips: rejected by the service: HTTP 400: `{\"error\":\"invalid log\"}`"),
        "{log}"
    );
    assert_eq!(server.received().len(), 2, "no retry of a 400, and the next report is sent");
    assert_eq!(accepted_ids(&server.received()).len(), 1);
}

#[test]
fn a_403_stops_the_run_with_a_word_about_the_secret() {
    let server = Server::start(vec![Reply::Status(403, vec![], String::new())]);
    let dir = reports(&["ios16-arm64e.ips", "macos13-arm64.crash", "ios9-armv7.crash"]);
    let out = run(&server, dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let log = text(&out);
    assert!(log.contains("the service refused the App Secret (HTTP 403)"), "{log}");
    assert_eq!(server.received().len(), 1, "nothing after the refusal");
    assert_no_secret(&out, dir.path());
}

#[test]
fn the_rate_limit_spaces_the_requests() {
    let server = Server::start(vec![]);
    let dir =
        reports(&["ios16-arm64e.ips", "macos13-arm64.crash", "ios9-armv7.crash", "body-only.ips", "crlf-bom.crash"]);
    // 600 a minute: one request every 100 ms.
    let out = command(&server, dir.path(), &["--rate-limit", "600"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let times: Vec<Instant> = server.received().iter().map(|r| r.at).collect();
    assert_eq!(times.len(), 5);
    for pair in times.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(gap >= Duration::from_millis(90), "requests {gap:?} apart");
    }
}

#[test]
fn a_sigkill_mid_run_loses_nothing_and_duplicates_at_most_the_request_in_flight() {
    let names = [
        "ios16-arm64e.ips",
        "macos13-arm64.crash",
        "ios9-armv7.crash",
        "body-only.ips",
        "crlf-bom.crash",
        "watchos-arm64_32.ips",
    ];
    // The third request hangs, long enough for the kill to land during it.
    let server = Server::start(vec![
        Reply::Status(200, vec![], String::new()),
        Reply::Status(200, vec![], String::new()),
        Reply::Slow(Duration::from_secs(3), 200),
    ]);
    let dir = reports(&names);
    let mut child =
        command(&server, dir.path(), &["--timeout", "10"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while server.received().len() < 3 {
        assert!(Instant::now() < deadline, "the client never reached the third request");
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let out = run(&server, dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let mut reached: HashMap<String, usize> = HashMap::new();
    for r in server.received() {
        for id in r.error_ids() {
            *reached.entry(id).or_default() += 1;
        }
    }
    assert_eq!(reached.len(), names.len(), "every report reached the server: {reached:?}");
    let twice: Vec<_> = reached.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        twice.len() <= 1 && twice.iter().all(|(_, n)| **n == 2),
        "only the request in flight may repeat: {reached:?}"
    );
}

#[test]
fn a_dry_run_sends_nothing_and_masks_the_secret() {
    let server = Server::start(vec![]);
    let dir = reports(&["ios16-arm64e.ips"]);
    let out = run(&server, dir.path(), &["--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(server.received().is_empty());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with(&format!("POST {}", server.url)), "{stdout}");
    assert!(stdout.contains("App-Secret: ********-****-****-****-************"));
    assert!(stdout.contains("\"type\": \"appleError\""));
    assert!(!dir.path().join("journal.jsonl").exists(), "a dry run writes no journal");
    assert_no_secret(&out, dir.path());
}

#[test]
fn restamp_sends_old_crashes_with_the_upload_time() {
    let server = Server::start(vec![]);
    let dir = reports(&["ios16-arm64e.ips"]);
    let out = run(&server, dir.path(), &["--restamp"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let body = server.received()[0].json();
    let stamp = body["logs"][0]["timestamp"].as_str().unwrap().to_string();
    let today = time::OffsetDateTime::now_utc().date().to_string();
    assert!(stamp.starts_with(&today), "{stamp}");
    assert!(text(&out).contains("sent with the upload time"), "{}", text(&out));
    // The attached report still holds the original time.
    use base64::Engine;
    let data = base64::engine::general_purpose::STANDARD.decode(body["logs"][1]["data"].as_str().unwrap()).unwrap();
    assert!(String::from_utf8_lossy(&data).contains("2023-03-04 21:47:09"));
}

#[test]
fn bad_settings_are_usage_errors_that_do_not_repeat_the_secret() {
    let server = Server::start(vec![]);
    let dir = reports(&["ios16-arm64e.ips"]);
    let out = run(&server, dir.path(), &["--endpoint", "http://203.0.113.7/logs"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("plain http to a host that is not this machine"), "{}", text(&out));
    let out = command(&server, dir.path(), &[]).env("APPCENTER_APP_SECRET", "s3cr3t-not-a-uuid").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!text(&out).contains("s3cr3t-not-a-uuid"), "{}", text(&out));
    let _: PathBuf = dir.path().to_path_buf();
}
