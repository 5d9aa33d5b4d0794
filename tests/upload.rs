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

/// The clock of every run: the fixtures' crashes are months or years
/// older, so the tests that are not about age send them `--restamp`ed.
const NOW: &str = "2026-11-20T10:00:00Z";

/// A directory with copies of some fixture reports.
fn reports(names: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("in")).unwrap();
    for name in names {
        std::fs::copy(common::fixtures_dir().join("reports").join(name), dir.path().join("in").join(name)).unwrap();
    }
    dir
}

/// An upload to the test server; old crashes are sent with the run's time.
fn command(server: &Server, dir: &Path, extra: &[&str]) -> Command {
    let mut cmd = plain_command(server, dir, extra);
    cmd.arg("--restamp");
    cmd
}

/// An upload to the test server with no `--restamp`.
fn plain_command(server: &Server, dir: &Path, extra: &[&str]) -> Command {
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
        .env("CRASHPORT_NOW", NOW)
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

/// How often each error id reached the server, whatever the answer.
fn reached_ids(received: &[Received]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for id in received.iter().flat_map(Received::error_ids) {
        *counts.entry(id).or_default() += 1;
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
    let reached = reached_ids(&server.received());
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
    let out = run(&server, dir.path(), &["--dry-run", "--show-requests"]);
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
    assert_eq!(stamp, "2026-11-20T10:00:00.000Z");
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

/// The fixtures are older than App Center keeps: without `--restamp` none
/// is sent, none is journalled, and the run says so and fails.
#[test]
fn stale_crashes_are_not_sent_unless_restamped() {
    let server = Server::start(vec![]);
    let dir = reports(&["ios16-arm64e.ips", "macos13-arm64.crash"]);
    let out = plain_command(&server, dir.path(), &[]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(server.received().is_empty(), "a stale crash was sent");
    let log = text(&out);
    assert!(log.contains("stale: 2 not sent") && log.contains("--restamp sends them"), "{log}");
    let journal = std::fs::read_to_string(dir.path().join("journal.jsonl")).unwrap();
    assert_eq!(journal.lines().count(), 1, "only the header: nothing journalled as sent\n{journal}");
    // Later, restamped, they are sent.
    let out = command(&server, dir.path(), &[]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(accepted_ids(&server.received()).len(), 2);
}

/// A crash within App Center's 25 days goes without `--restamp`.
#[test]
fn a_recent_crash_is_sent_with_its_own_time() {
    let server = Server::start(vec![]);
    let dir = reports(&["ios16-arm64e.ips"]);
    // The crash happened on 2023-03-04; ten days later is within the limit.
    let out = plain_command(&server, dir.path(), &[]).env("CRASHPORT_NOW", "2023-03-14T00:00:00Z").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let body = server.received()[0].json();
    assert!(body["logs"][0]["timestamp"].as_str().unwrap().starts_with("2023-03-04"), "{body}");
}

#[test]
fn a_rate_over_app_centers_limit_is_refused_for_its_endpoint() {
    let dir = reports(&["ios16-arm64e.ips"]);
    let out = Command::new(env!("CARGO_BIN_EXE_crashport"))
        .args(["upload", "--rate-limit", "120", "--dry-run"])
        .arg(dir.path().join("in"))
        .env_remove("APPCENTER_INGESTION_URL")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--rate-limit 120 is over App Center's 60 crashes a minute"), "{}", text(&out));
    // A compatible service elsewhere may go faster.
    let server = Server::start(vec![]);
    let out = run(&server, dir.path(), &["--rate-limit", "120"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn a_dead_endpoint_stops_the_run_after_one_file_naming_it() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}/logs");
    let dir = reports(&["ios16-arm64e.ips", "macos13-arm64.crash", "ios9-armv7.crash"]);
    let out = Command::new(env!("CARGO_BIN_EXE_crashport"))
        .args(["upload", "--restamp", "--retry-delay", "0.01", "--max-retries", "2", "--endpoint", &url])
        .arg("--journal")
        .arg(dir.path().join("journal.jsonl"))
        .arg(dir.path().join("in"))
        .env("APPCENTER_APP_SECRET", SECRET)
        .env("CRASHPORT_NOW", NOW)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let log = text(&out);
    assert!(log.contains(&format!("cannot reach {url}")), "{log}");
    assert!(log.contains("rerun to continue"), "{log}");
    // Only the first file's attempts: two retries, then the stop.
    assert_eq!(log.matches("retry:").count(), 2, "{log}");
    assert_no_secret(&out, dir.path());
}

/// Writes `bytes` under `dir/in/<relative>`.
fn add(dir: &Path, relative: &str, bytes: &[u8]) {
    let path = dir.join("in").join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn the_copies_of_one_crash_are_sent_once_and_never_again() {
    let server = Server::start(vec![]);
    let dir = reports(&["ios16-arm64e.ips", "ios16-arm64e.crash", "macos13-arm64.crash"]);
    let out = run(&server, dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let ids = accepted_ids(&server.received());
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(ids.values().all(|&n| n == 1), "{ids:?}");
    assert!(text(&out).contains("ios16-arm64e.ips: the same crash as"), "{}", text(&out));
    // Another copy of an acknowledged crash, in a later run: not sent.
    let copy = std::fs::read(common::fixtures_dir().join("reports/ios16-arm64e.crash")).unwrap();
    add(dir.path(), "later/copy.crash", &copy);
    let out = run(&server, dir.path(), &["-v"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(server.received().len(), 2, "nothing more sent: {}", text(&out));
    assert!(text(&out).contains("already sent"), "{}", text(&out));
    // Unless forced (the copies still go once).
    let out = run(&server, dir.path(), &["--force"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(server.received().len(), 4);
}

/// An `.xccrashpoint` holds a symbolicated and an unsymbolicated copy of
/// each crash: the symbolicated one is sent.
#[test]
fn an_xccrashpoint_sends_its_symbolicated_copy() {
    let server = Server::start(vec![]);
    let dir = reports(&[]);
    let symbolicated = std::fs::read_to_string(common::fixtures_dir().join("reports/ios16-arm64e.crash")).unwrap();
    // The same report as the device wrote it: the app's frames unnamed.
    let unsymbolicated: String = symbolicated
        .lines()
        .map(|line| match line.find("Sprocket  ") {
            Some(_) if line.contains(" + ") && !line.starts_with("Binary") => {
                let address = line.split_whitespace().nth(2).unwrap_or("0x0");
                format!("{}{address} 0x100c40000 + 4242", &line[..line.find(address).unwrap_or(0)])
            }
            _ => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let point = "Sprocket 2.4.1 (381) Crash.xccrashpoint/Filters/Filter_1/Logs";
    add(dir.path(), &format!("{point}/LocallySymbolicated/a.crash"), symbolicated.as_bytes());
    add(dir.path(), &format!("{point}/Unsymbolicated/a.crash"), unsymbolicated.as_bytes());
    add(
        dir.path(),
        "Sprocket 2.4.1 (381) Crash.xccrashpoint/DistributionInfo.json",
        b"{\"distribution\":\"App Store\"}",
    );
    let out = run(&server, dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let received = server.received();
    assert_eq!(received.len(), 1, "{}", text(&out));
    use base64::Engine;
    let body = received[0].json();
    let data = base64::engine::general_purpose::STANDARD.decode(body["logs"][1]["data"].as_str().unwrap()).unwrap();
    assert_eq!(String::from_utf8_lossy(&data), symbolicated, "the symbolicated copy was sent");
    assert!(text(&out).contains("Unsymbolicated/a.crash: the same crash as"), "{}", text(&out));
}

#[test]
fn a_signal_ends_the_run_resumably() {
    let names = ["ios16-arm64e.ips", "macos13-arm64.crash", "ios9-armv7.crash", "body-only.ips"];
    let server =
        Server::start(vec![Reply::Status(200, vec![], String::new()), Reply::Slow(Duration::from_secs(2), 200)]);
    let dir = reports(&names);
    let child = command(&server, dir.path(), &["--timeout", "10"]).stdout(Stdio::null()).stderr(Stdio::piped()).spawn();
    let child = child.unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while server.received().len() < 2 {
        assert!(Instant::now() < deadline, "the client never reached the second request");
        std::thread::sleep(Duration::from_millis(10));
    }
    // SAFETY: kill only sends a signal to the child started above.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", text(&out));
    let log = text(&out);
    assert!(log.contains("interrupted (Ctrl-C): 2 of 4 files sent; rerun to continue"), "{log}");
    let out = run(&server, dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // Counted over every request (the slow one was answered 200 too).
    let reached = reached_ids(&server.received());
    assert_eq!(reached.len(), names.len(), "{reached:?}");
    assert!(reached.values().all(|&n| n == 1), "none twice: the request in flight ended before the stop: {reached:?}");
}

#[test]
fn the_journal_is_checked_locked_and_named() {
    let server = Server::start(vec![]);
    let dir = reports(&["ios16-arm64e.ips"]);
    // Not a journal: refused, and left as it was.
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "my notes\n").unwrap();
    let out = run(&server, dir.path(), &["--journal", notes.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("not a crashport journal"), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "my notes\n");
    // A folder that does not exist is not created.
    let missing = dir.path().join("no/such/folder/j.jsonl");
    let out = run(&server, dir.path(), &["--journal", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("does not exist") && !missing.parent().unwrap().exists(), "{}", text(&out));
    // A second run on a journal in use is refused.
    let slow = Server::start(vec![Reply::Slow(Duration::from_secs(3), 200)]);
    let first = command(&slow, dir.path(), &["--timeout", "10"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn();
    let mut first = first.unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while slow.received().is_empty() {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = run(&server, dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("another crashport run is using it"), "{}", text(&out));
    first.wait().unwrap();
    // The summary names the journal.
    let out = run(&server, dir.path(), &[]);
    assert!(text(&out).contains(&format!("journal: {}", dir.path().join("journal.jsonl").display())), "{}", text(&out));
}

#[test]
fn a_dry_run_is_a_plan_that_needs_no_secret() {
    let server = Server::start(vec![]);
    let dir = reports(&["ios16-arm64e.ips", "ios16-arm64e.crash", "macos13-arm64.crash", "ios9-armv7.crash"]);
    // One of them sent already.
    let out = run(&server, dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let sent = server.received().len();
    add(
        dir.path(),
        "new/watch.crash",
        &std::fs::read(common::fixtures_dir().join("reports/watchos-arm64_32.crash")).unwrap(),
    );
    let out = plain_command(&server, dir.path(), &["--dry-run"]).env_remove("APPCENTER_APP_SECRET").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(server.received().len(), sent, "a dry run sends nothing");
    let log = text(&out);
    assert!(log.contains("0 would be sent, 3 already sent"), "{log}");
    assert!(log.contains("stale: 1 not sent"), "{log}");
    assert!(log.contains("duplicate:"), "{log}");
    assert!(!log.contains("POST "), "requests only with --show-requests: {log}");
    let out = plain_command(&server, dir.path(), &["--dry-run", "--restamp"]).output().unwrap();
    assert!(text(&out).contains("plan: would send 1 crash, under 1 s at 60000 a minute"), "{}", text(&out));
    assert!(text(&out).contains("1 crash would be sent with the upload time"), "{}", text(&out));
}

#[test]
fn a_private_certificate_authority_is_trusted_when_given() {
    let (server, ca) = Server::start_tls(vec![]);
    let dir = reports(&["ios16-arm64e.ips"]);
    // Unknown to the system: refused.
    let out = run(&server, dir.path(), &["--max-retries", "0"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(server.received().is_empty());
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca).unwrap();
    let out = run(&server, dir.path(), &["--ca-cert", ca_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(accepted_ids(&server.received()).len(), 1);
}

#[test]
fn a_proxy_from_the_environment_is_used_unless_no_proxy_says_otherwise() {
    let proxy = Server::start(vec![]);
    let proxy_url = proxy.url.trim_end_matches("/logs?api-version=1.0.0").to_string();
    let server = Server::start(vec![]);
    let dir = reports(&["ios16-arm64e.ips"]);
    let out = command(&server, dir.path(), &[]).env("HTTP_PROXY", &proxy_url).env_remove("NO_PROXY").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let via = proxy.received();
    assert_eq!(via.len(), 1, "the request went through the proxy");
    assert!(via[0].target.starts_with("http://127.0.0.1:"), "absolute form: {}", via[0].target);
    assert!(server.received().is_empty());
    let dir = reports(&["macos13-arm64.crash"]);
    let out =
        command(&server, dir.path(), &[]).env("HTTP_PROXY", &proxy_url).env("NO_PROXY", "127.0.0.1").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(server.received().len(), 1, "NO_PROXY sends it directly");
    assert_eq!(proxy.received().len(), 1);
}

#[test]
fn without_a_terminal_a_long_upload_prints_a_progress_line() {
    // The first request takes longer than the 5 s between two progress
    // lines; stderr is a pipe here, as in a CI log, so no bar is drawn.
    let server = Server::start(vec![Reply::Slow(Duration::from_millis(5500), 200)]);
    let dir = reports(&["ios16-arm64e.ips", "macos13-arm64.crash"]);
    let out = run(&server, dir.path(), &["--timeout", "10"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let log = text(&out);
    assert!(log.contains("crashport: 1 of 2 files, 1 sent"), "{log}");
    assert_eq!(log.matches("crashport: 1 of 2 files").count(), 1, "{log}");
}
