//! Hostile and huge inputs: refused with bounded memory, and with messages
//! that say which limit was passed and where. What is bounded is counted
//! (the child's peak resident set), not timed: the time these take is in
//! docs/ROBUSTNESS.md.

mod common;

use std::io::{Read, Write};
use std::process::{Command, Stdio};

/// Runs crashport on `args`; returns (exit code, stderr, the run's own
/// peak resident set in bytes).
// The child is reaped by `wait4`, which clippy does not know.
#[allow(clippy::zombie_processes)]
fn run(args: &[&str]) -> (Option<i32>, String, u64) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_crashport"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    // wait4 gives this child's own usage (getrusage's RUSAGE_CHILDREN would
    // mix in the children of the tests running beside this one).
    let mut status = 0;
    // SAFETY: wait4 only writes the status and the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as libc::pid_t);
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    // Linux reports kilobytes.
    (code, stderr, usage.ru_maxrss as u64 * 1024)
}

const MIB: u64 = 1024 * 1024;

#[test]
fn a_one_gib_file_is_refused_from_its_size_without_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.crash");
    let mut file = std::fs::File::create(&path).unwrap();
    file.write_all(b"Process: Huge [1]\n").unwrap();
    file.write_all(&vec![b'A'; 8192]).unwrap();
    // The rest is a hole: one long line of 1 GiB that costs no disk.
    file.set_len(1 << 30).unwrap();
    drop(file);
    let (code, stderr, rss) = run(&["convert", path.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("the file's size is 1073741824, over the limit of 67108864"), "{stderr}");
    assert!(rss < 32 * MIB, "peak RSS {} MiB: the file was read", rss / MIB);
}

/// With the size cap lifted, the same file reaches the line limit: the
/// message names the line. (Its resident set includes the mapped file's
/// pages, which are page cache, not heap, so it is not measured here.)
#[test]
fn a_one_gib_line_under_a_lifted_size_cap_is_refused_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.crash");
    let mut file = std::fs::File::create(&path).unwrap();
    file.write_all(b"Incident Identifier: 3F1C5E1A-7D64-4E43-9A84-1F0E5C7B2A90\nProcess: Huge [1]\nPath: ").unwrap();
    file.write_all(&vec![b'A'; 8192]).unwrap();
    file.set_len(1 << 30).unwrap();
    drop(file);
    let (code, stderr, _) = run(&["convert", "--max-file-size", "2GiB", path.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("huge.crash:3: the line's length is 1073741748, over the limit of 1048576"), "{stderr}");
}

#[test]
fn a_60_mib_line_is_refused_with_its_line_number() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long-line.crash");
    // Written in pieces: a test process that held the whole file would
    // pass its own peak memory to the child it starts (Linux counts the
    // parent's peak at fork in the child's).
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    file.write_all(b"Incident Identifier: 3F1C5E1A-7D64-4E43-9A84-1F0E5C7B2A90\nProcess: Long [1]\nPath: ").unwrap();
    let block = vec![b'A'; 1 << 20];
    for _ in 0..60 {
        file.write_all(&block).unwrap();
    }
    file.write_all(b"\n").unwrap();
    drop(file);
    let (code, stderr, rss) = run(&["convert", path.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("long-line.crash:3: the line's length is 62914566, over the limit of 1048576"), "{stderr}");
    assert!(rss < 256 * MIB, "peak RSS {} MiB", rss / MIB);
}

/// Writes a text report with `threads` threads of one frame each to
/// `path`, in pieces (see above); returns its size.
fn write_many_threads(path: &std::path::Path, threads: usize) -> u64 {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    file.write_all(
        b"Incident Identifier: 3F1C5E1A-7D64-4E43-9A84-1F0E5C7B2A90\nProcess: Many [1]\nPath: /Applications/Many.app/Many\n\
         Code Type: ARM-64 (Native)\nDate/Time: 2024-01-01 00:00:00 +0000\nOS Version: macOS 14.0 (23A344)\n\
         Exception Type: EXC_BAD_ACCESS (SIGSEGV)\n\n",
    )
    .unwrap();
    for t in 0..threads {
        write!(file, "Thread {t}:\n0   Many   0x0000000100001000 main + 1\n\n").unwrap();
    }
    drop(file);
    std::fs::metadata(path).unwrap().len()
}

#[test]
fn a_million_tiny_threads_stop_at_the_element_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("threads.crash");
    let size = write_many_threads(&path, 1_000_000);
    assert!(size > 40 * MIB && size < 64 * MIB, "{size}");
    let (code, stderr, rss) = run(&["convert", path.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("the number of threads, frames and images is 250001, over the limit of 250000"),
        "{stderr}"
    );
    assert!(rss < 256 * MIB, "peak RSS {} MiB", rss / MIB);
}

#[test]
fn many_threads_within_the_limit_convert() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("threads.crash");
    write_many_threads(&path, 5_000);
    let (code, stderr, _) = run(&["convert", "--quiet", "--no-attachment", path.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn deeply_nested_json_is_an_error_not_a_stack_overflow() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deep.ips");
    let depth = 100_000;
    // Rosetta's state nests inside a thread state; a hostile file nests it
    // without end. Deep nesting in keys crashport ignores is skipped without
    // recursion and costs nothing.
    let state = format!("{}{{}}{}", "{\"rosetta\": ".repeat(depth), "}".repeat(depth));
    let ignored = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let body = format!("{{\"ignored\": {ignored}, \"threads\": [{{\"threadState\": {state}}}]}}");
    std::fs::write(&path, format!("{{\"bug_type\":\"309\"}}\n{body}\n")).unwrap();
    let (code, stderr, _) = run(&["convert", path.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("deep.ips:2:") && stderr.contains("nested at most 128 deep"), "{stderr}");
    let line = stderr.lines().find(|l| l.starts_with("error:")).unwrap();
    assert!(line.len() < 400, "the message stays short: {line}");
}

#[test]
fn huge_json_lists_stop_at_the_element_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frames.ips");
    let frame = r#"{"imageOffset":1,"imageIndex":0},"#;
    let frames = frame.repeat(300_000);
    let body = format!(
        "{{\"usedImages\":[{{\"base\":4096,\"size\":4096,\"uuid\":\"15a96be2-8f28-3974-b5bf-8d989945ac8c\"}}],\
         \"threads\":[{{\"frames\":[{}]}}]}}",
        frames.trim_end_matches(',')
    );
    std::fs::write(&path, format!("{{\"bug_type\":\"309\"}}\n{body}\n")).unwrap();
    let (code, stderr, rss) = run(&["convert", path.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("(at threads[0].frames") && stderr.contains("at most 20000 elements"), "{stderr}");
    assert!(rss < 256 * MIB, "peak RSS {} MiB", rss / MIB);
}

#[test]
fn binary_files_are_named_from_their_first_bytes() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in
        [("shot.png", &b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"[..]), ("App", &b"\xcf\xfa\xed\xfe\x0c\0\0\x01"[..])]
    {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let (code, stderr, _) = run(&["convert", path.to_str().unwrap()]);
        assert_eq!(code, Some(1), "{name}");
        assert!(stderr.contains(&format!("{name}: not a crash report: a")), "{stderr}");
    }
    // A zip archive is read entry by entry; one cut after its first bytes
    // cannot be, and says so.
    let path = dir.path().join("logs.zip");
    std::fs::write(&path, b"PK\x03\x04\x14\0\0\0").unwrap();
    let (code, stderr, _) = run(&["convert", path.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("logs.zip: cannot read the zip archive"), "{stderr}");
}
