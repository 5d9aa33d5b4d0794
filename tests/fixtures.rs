//! The project's own fixtures against the facts written beside them
//! (`tests/facts/<fixture>.json`): an oracle written from the files
//! themselves, independently of the readers.

mod common;

use std::path::{Path, PathBuf};

use crashport::model::{Parsed, Report, SourceFormat};
use crashport::{Input, ReportKind};
use serde_json::Value;

fn facts_files() -> Vec<(PathBuf, PathBuf)> {
    let facts_root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/facts");
    common::files_below(&facts_root)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|facts| {
            let relative = facts.strip_prefix(&facts_root).unwrap().with_extension("");
            (common::fixtures_dir().join(relative), facts)
        })
        .collect()
}

/// Collects mismatches instead of stopping at the first.
struct Check<'a> {
    fixture: &'a str,
    problems: Vec<String>,
}

impl Check<'_> {
    /// `null` in a facts file means "absent": it is checked like any value.
    fn eq(&mut self, what: &str, expected: &Value, actual: Value) {
        if *expected != actual {
            self.problems.push(format!("{}: {what}: expected {expected}, found {actual}", self.fixture));
        }
    }
}

fn s(v: Option<&str>) -> Value {
    v.map_or(Value::Null, |v| Value::String(v.to_string()))
}

fn format_name(format: SourceFormat) -> &'static str {
    match format {
        SourceFormat::Text => "text",
        SourceFormat::Ips => "ips",
        SourceFormat::IpsHeaderText => "ips_header_text",
        SourceFormat::Translated => "translated",
        SourceFormat::TranslatedText => "translated_text",
    }
}

fn check_crash(c: &mut Check<'_>, f: &Value, r: &Report<'_>) {
    c.eq("format", &f["format"], Value::String(format_name(r.format).into()));
    c.eq("incident_id", &f["incident_id"], s(r.incident_id.as_deref()));
    c.eq("process_name", &f["process_name"], s(r.process.name.as_deref()));
    c.eq("pid", &f["pid"], r.process.pid.into());
    c.eq("process_path", &f["process_path"], s(r.process.path.as_deref()));
    c.eq("parent_process", &f["parent_process"], s(r.process.parent_name.as_deref()));
    c.eq("parent_pid", &f["parent_pid"], r.process.parent_pid.into());
    c.eq("bundle_id", &f["bundle_id"], s(r.app.bundle_id.as_deref()));
    c.eq("app_version", &f["app_version"], s(r.app.short_version.as_deref()));
    c.eq("app_build", &f["app_build"], s(r.app.bundle_version.as_deref()));
    c.eq("os_name", &f["os_name"], s(r.os.name()));
    c.eq("os_version", &f["os_version"], s(r.os.version.as_deref()));
    c.eq("os_build", &f["os_build"], s(r.os.build.as_deref()));
    c.eq("hardware_model", &f["hardware_model"], s(r.hardware_model.as_deref()));
    c.eq("code_type", &f["code_type"], s(r.code_type.map(|t| t.arch.name())));
    c.eq("translated", &f["translated"], r.code_type.map(|t| t.translated).into());
    c.eq("timestamp_utc", &f["timestamp_utc"], s(r.timestamp.map(|t| t.to_utc_millis_string()).as_deref()));
    if r.timestamp.is_some_and(|t| t.has_offset) {
        c.eq("tz_offset_minutes", &f["tz_offset_minutes"], r.timestamp.map(|t| t.offset_minutes()).into());
    } else if !f["tz_offset_minutes"].is_null() {
        c.problems
            .push(format!("{}: tz_offset_minutes: expected {}, found no offset", c.fixture, f["tz_offset_minutes"]));
    }
    let e = &r.exception;
    c.eq("exception_type", &f["exception_type"], s(e.exception_type.as_deref()));
    c.eq("signal", &f["signal"], s(e.signal.as_deref()));
    // A report with only a symbolic `Exception Codes: KERN_INVALID_ADDRESS
    // at 0x0` line has it as `exception_codes` in its facts (README), where
    // the model files it as the subtype; with a subtype of its own, each
    // is checked for itself.
    if f["exception_subtype"].is_null() && e.codes.is_none() && f["exception_codes"].is_string() {
        c.eq("exception_codes", &f["exception_codes"], s(e.subtype.as_deref()));
    } else {
        c.eq("exception_codes", &f["exception_codes"], s(e.codes.as_deref()));
        c.eq("exception_subtype", &f["exception_subtype"], s(e.subtype.as_deref()));
    }
    c.eq("fault_address", &f["fault_address"], s(e.address.map(|a| format!("{a:#x}")).as_deref()));
    let u = r.uncaught_exception.as_ref();
    c.eq("uncaught_exception_name", &f["uncaught_exception_name"], s(u.and_then(|u| u.name.as_deref())));
    c.eq("uncaught_exception_reason", &f["uncaught_exception_reason"], s(u.and_then(|u| u.reason.as_deref())));
    c.eq("crashed_thread", &f["crashed_thread"], r.crashed_thread.into());
    c.eq("thread_count", &f["thread_count"], r.threads.len().into());
    c.eq(
        "frames_per_thread",
        &f["frames_per_thread"],
        r.threads.iter().map(|t| t.frames.len()).collect::<Vec<_>>().into(),
    );
    let crashed = r.crashed_thread();
    c.eq("crashed_thread_name_or_queue", &f["crashed_thread_name_or_queue"], s(crashed.and_then(|t| t.display_name())));
    let hex = |a: u64| Value::String(format!("{a:#x}"));
    c.eq(
        "first_crashed_frame_address",
        &f["first_crashed_frame_address"],
        crashed.and_then(|t| t.frames.first()).map_or(Value::Null, |fr| hex(fr.address)),
    );
    let leb = r.last_exception_backtrace.as_ref();
    c.eq("last_exception_backtrace_frames", &f["last_exception_backtrace_frames"], leb.map(Vec::len).into());
    c.eq(
        "first_last_exception_frame_address",
        &f["first_last_exception_frame_address"],
        leb.and_then(|l| l.first()).map_or(Value::Null, |fr| hex(fr.address)),
    );
    let registers = crashed.and_then(|t| t.registers.as_ref());
    c.eq("has_registers", &f["has_registers"], registers.is_some().into());
    c.eq("pc_register", &f["pc_register"], registers.and_then(|s| s.pc()).map_or(Value::Null, hex));
    c.eq("image_count", &f["image_count"], r.images.len().into());
    if let Some(expected) = f["image_uuids"].as_array() {
        let actual: Vec<Value> = r.images.iter().map(|i| s(i.uuid.map(|u| u.to_string()).as_deref())).collect();
        // An all-zero UUID is no UUID.
        let expected: Vec<Value> = expected
            .iter()
            .map(|v| {
                if v.as_str().is_some_and(|u| u.chars().all(|c| c == '0' || c == '-')) {
                    Value::Null
                } else {
                    v.clone()
                }
            })
            .collect();
        c.eq("image_uuids", &Value::Array(expected), Value::Array(actual));
    }
    c.eq("main_image_name", &f["main_image_name"], s(r.main_image().and_then(|i| i.name.as_deref())));
    c.eq("expect_warnings", &f["expect_warnings"], (!r.warnings.is_empty()).into());
}

/// Reads one fixture and checks it; returns the parse error, if any.
fn check_file(check: &mut Check<'_>, facts: &Value, bytes: &[u8]) -> Result<(), crashport::ParseError> {
    let input = Input::from_bytes(bytes)?;
    match input.parse()? {
        Parsed::Crash(report) => {
            check.eq("outcome", &facts["outcome"], "crash".into());
            check_crash(check, facts, &report);
        }
        Parsed::Skipped(skipped) => {
            check.eq("outcome", &facts["outcome"], "skipped".into());
            check.eq("skip_bug_type", &facts["skip_bug_type"], s(skipped.bug_type.as_deref()));
            assert_ne!(skipped.kind, ReportKind::Crash);
        }
    }
    Ok(())
}

#[test]
fn fixtures_match_their_facts() {
    let files = facts_files();
    assert!(files.len() >= 10, "expected the fixture facts, found {}", files.len());
    let mut problems = Vec::new();
    for (fixture, facts_path) in &files {
        let name = fixture.strip_prefix(common::fixtures_dir()).unwrap().to_string_lossy().to_string();
        let facts: Value = serde_json::from_str(&std::fs::read_to_string(facts_path).unwrap()).unwrap();
        let bytes = std::fs::read(fixture).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut check = Check { fixture: &name, problems: Vec::new() };
        let parsed = check_file(&mut check, &facts, &bytes);
        if let Err(error) = parsed {
            check.eq("outcome", &facts["outcome"], "error".into());
            // Errors that have a place must say it.
            if !matches!(error, crashport::ParseError::NotAReport { .. }) {
                assert!(error.location().is_some_and(|l| !l.is_unknown()), "{name}: {error}");
            }
        }
        problems.extend(check.problems);
    }
    assert!(problems.is_empty(), "{} mismatches:\n{}", problems.len(), problems.join("\n"));
}
