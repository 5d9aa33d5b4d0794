//! Whole directories: order independence, bad and foreign files among good
//! ones, empty directories, unreadable files, symlink loops, summaries.

mod common;

use std::path::Path;
use std::process::{Command, Output};

fn crashport(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crashport")).args(args).env("NO_COLOR", "1").output().expect("crashport runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// A directory holding many copies of the fixtures under different names,
/// so that threads finish out of order; each copy is a crash of its own
/// (its own incident id: copies of one crash are written once).
fn big_tree(dir: &Path, copies: usize) {
    let reports = common::fixtures_dir().join("reports");
    for n in 0..copies {
        let sub = dir.join(format!("device-{}", n % 7));
        std::fs::create_dir_all(&sub).unwrap();
        for entry in std::fs::read_dir(&reports).unwrap() {
            let path = entry.unwrap().path();
            let name = format!("{n:03}-{}", path.file_name().unwrap().to_string_lossy());
            let bytes = common::distinct_copy(&std::fs::read(&path).unwrap(), n as u32 + 1);
            std::fs::write(sub.join(name), bytes).unwrap();
        }
    }
}

#[test]
fn one_job_and_many_jobs_give_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    big_tree(dir.path(), 12);
    let input = dir.path().to_str().unwrap();
    let one = crashport(&["convert", "--jobs", "1", "--quiet", input]);
    assert_eq!(one.status.code(), Some(0), "{}", stderr(&one));
    for jobs in ["2", "3", "8"] {
        let many = crashport(&["convert", "--jobs", jobs, "--quiet", input]);
        assert!(one.stdout == many.stdout, "--jobs {jobs} changed the output");
        let lines_one = crashport(&["convert", "--ndjson", "--jobs", "1", "--quiet", input]);
        let lines_many = crashport(&["convert", "--ndjson", "--jobs", jobs, "--quiet", input]);
        assert!(lines_one.stdout == lines_many.stdout, "--ndjson --jobs {jobs} changed the output");
    }
    let doc: serde_json::Value = serde_json::from_slice(&one.stdout).unwrap();
    // Each copy is its own set of crashes: twelve times what the fixtures
    // give in one run (where the .ips and .crash of one crash count once).
    let reports = common::fixtures_dir().join("reports");
    let single = crashport(&["convert", "--quiet", reports.to_str().unwrap()]);
    let single: serde_json::Value = serde_json::from_slice(&single.stdout).unwrap();
    let per_copy = single["logs"].as_array().unwrap().len();
    assert_eq!(doc["logs"].as_array().unwrap().len(), 12 * per_copy);
}

#[test]
fn a_bad_file_in_the_middle_fails_alone() {
    let dir = tempfile::tempdir().unwrap();
    let reports = common::fixtures_dir().join("reports");
    std::fs::copy(reports.join("ios16-arm64e.ips"), dir.path().join("a.ips")).unwrap();
    std::fs::copy(common::fixtures_dir().join("broken/header-only.ips"), dir.path().join("b.ips")).unwrap();
    std::fs::copy(reports.join("macos13-arm64.crash"), dir.path().join("c.crash")).unwrap();
    let summary = dir.path().join("summary.json");
    let out =
        crashport(&["convert", "--ndjson", "--summary-json", summary.to_str().unwrap(), dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2, "a and c still converted");
    let err = stderr(&out);
    assert!(err.contains("b.ips:2: expected the crash report body"), "{err}");
    assert!(err.contains("3 files") && err.contains("2 converted, 0 skipped, 1 failed"), "{err}");
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(&summary).unwrap()).unwrap();
    assert_eq!(summary["files"], 3);
    assert_eq!(summary["converted"], 2);
    assert_eq!(
        summary["failed"][0]["reason"],
        "2: expected the crash report body after the .ips header line, found the end of the file"
    );
    assert!(summary["failed"][0]["path"].as_str().unwrap().ends_with("b.ips"));
}

#[test]
fn an_empty_directory_is_fine() {
    let dir = tempfile::tempdir().unwrap();
    let out = crashport(&["convert", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    assert!(stderr(&out).contains("0 files") && stderr(&out).contains("no files found"), "{}", stderr(&out));
}

#[test]
fn foreign_files_in_a_directory_are_skipped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(common::fixtures_dir().join("reports/ios16-arm64e.crash"), d.join("crash.crash")).unwrap();
    std::fs::write(d.join("screenshot.png"), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0").unwrap();
    std::fs::write(d.join("shot.heic"), b"\0\0\0\x18ftypheic\0\0\0\0").unwrap();
    std::fs::write(d.join(".DS_Store"), b"\0\0\0\x01Bud1\0\0\x10\0").unwrap();
    std::fs::write(d.join("notes.txt"), "Release notes\n- fixed the login crash\n").unwrap();
    std::fs::create_dir(d.join(".git")).unwrap();
    std::fs::write(d.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    let out = crashport(&["convert", "--ndjson", d.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
    let err = stderr(&out);
    assert!(err.contains("5 files") && err.contains("1 converted, 4 skipped (4 not reports), 0 failed"), "{err}");
    assert!(err.contains("screenshot.png: skipped: not a crash report (a PNG image)"), "{err}");
    assert!(err.contains(".DS_Store: skipped: not a crash report (a Finder .DS_Store file)"), "{err}");
    assert!(!err.contains(".git"), "hidden directories are not walked: {err}");
}

#[test]
fn a_foreign_file_named_explicitly_is_a_failure() {
    let out = crashport(&["convert", &common::fixtures_dir().join("broken/image.png").to_string_lossy()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("image.png: not a crash report: a PNG image"));
}

#[cfg(unix)]
#[test]
fn unreadable_files_and_symlink_loops_are_reported_and_the_rest_goes_on() {
    use std::os::unix::fs::{PermissionsExt, symlink};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(common::fixtures_dir().join("reports/ios16-arm64e.crash"), d.join("good.crash")).unwrap();
    // A loop: d/loop -> d.
    symlink(d, d.join("loop")).unwrap();
    // A link to nothing.
    symlink(d.join("missing.crash"), d.join("dangling.crash")).unwrap();
    // No read permission (root reads it anyway; then the case is covered
    // by the dangling link alone).
    let locked = d.join("locked.crash");
    std::fs::copy(common::fixtures_dir().join("reports/macos13-arm64.crash"), &locked).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let root = std::fs::read(&locked).is_ok();

    let out = crashport(&["convert", "--ndjson", d.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("loop: symbolic link loop; not followed"), "{err}");
    assert!(err.contains("dangling.crash"), "{err}");
    if !root {
        assert!(err.contains("locked.crash: cannot read: Permission denied"), "{err}");
    }
    let converted = String::from_utf8_lossy(&out.stdout).lines().count();
    assert_eq!(converted, if root { 2 } else { 1 });
}
