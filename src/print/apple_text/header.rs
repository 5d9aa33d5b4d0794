//! The header block and the exception block, with Application Specific
//! Information and Kernel Triage.
//!
//! iOS pads keys to 21 columns (`Incident Identifier: `) and macOS to 23
//! (`Process:               `); the exception keys of iOS are padded
//! each its own way (`Exception Type:  `, `Exception Codes: `), as Apple
//! writes them.

use std::fmt::Write as _;

use super::{Family, Layout};
use crate::hex::Hex;
use crate::model::timestamp::Timestamp;
use crate::model::{CodeType, Report, Termination};

/// `Key:` padded to the family's column, then the value and a line end.
fn field(out: &mut String, family: Family, key: &str, value: &str) {
    let width: usize = match family {
        Family::Embedded => 21,
        Family::Mac => 23,
    };
    out.push_str(key);
    out.push(':');
    super::pad(out, width.saturating_sub(key.len() + 1).max(1));
    out.push_str(value);
    out.push('\n');
}

/// `Name [pid]`, or the name alone.
fn name_and_number(name: &str, number: Option<u64>) -> String {
    match number {
        Some(number) => format!("{name} [{number}]"),
        None => name.to_string(),
    }
}

/// The header block: identity, process, versions, dates, OS.
pub(super) fn write_header(r: &Report<'_>, layout: Layout, out: &mut String) {
    let family = layout.header;
    let p = &r.process;
    let mut f = |key: &str, value: Option<String>| {
        if let Some(value) = value {
            field(out, family, key, &value);
        }
    };
    let process = p.name.as_deref().map(|name| name_and_number(name, p.pid.map(u64::from)));
    let parent = p.parent_name.as_deref().map(|name| name_and_number(name, p.parent_pid.map(u64::from)));
    let coalition = p.coalition.as_deref().map(|name| name_and_number(name, p.coalition_id));
    let code_type = r.code_type.map(|c| code_type(c, r));
    let os = os_version(r);
    let report_version = r.report_version.as_deref().unwrap_or(match family {
        Family::Embedded => "104",
        Family::Mac => "12",
    });
    let owned = |v: Option<&str>| v.map(str::to_string);
    match family {
        Family::Embedded => {
            f("Incident Identifier", owned(r.incident_id.as_deref()));
            f("CrashReporter Key", owned(r.crash_reporter_key.as_deref()));
            f("Hardware Model", owned(r.hardware_model.as_deref()));
            f("Process", process);
            f("Path", owned(p.path.as_deref()));
            f("Identifier", owned(r.app.bundle_id.as_deref()));
            f("Version", version(r));
            f("Code Type", code_type);
            f("Role", owned(p.role.as_deref()));
            f("Parent Process", parent);
            f("Coalition", coalition);
            f("Responsible Process", owned(p.responsible.as_deref()));
            out.push('\n');
            let mut f = |key: &str, value: Option<String>| {
                if let Some(value) = value {
                    field(out, family, key, &value);
                }
            };
            f("Date/Time", r.timestamp.map(date));
            f("Launch Time", r.launch_time.map(date));
            f("OS Version", os);
            f("Release Type", owned(r.os.release_type.as_deref()));
            f("Baseband Version", owned(r.baseband_version.as_deref()));
            f("Report Version", Some(report_version.to_string()));
        }
        Family::Mac => {
            f("Process", process);
            f("Path", owned(p.path.as_deref()));
            f("Identifier", owned(r.app.bundle_id.as_deref()));
            f("Version", version(r));
            f("Code Type", code_type);
            f("Role", owned(p.role.as_deref()));
            f("Parent Process", parent);
            f("Coalition", coalition);
            f("Responsible", owned(p.responsible.as_deref()));
            f("User ID", p.user_id.map(|id| id.to_string()));
            out.push('\n');
            let mut f = |key: &str, value: Option<String>| {
                if let Some(value) = value {
                    field(out, family, key, &value);
                }
            };
            f("Date/Time", r.timestamp.map(date));
            f("Launch Time", r.launch_time.map(date));
            f("Hardware Model", owned(r.hardware_model.as_deref()));
            f("OS Version", os);
            f("Release Type", owned(r.os.release_type.as_deref()));
            f("Report Version", Some(report_version.to_string()));
            f("Incident Identifier", owned(r.incident_id.as_deref()));
            f("CrashReporter Key", owned(r.crash_reporter_key.as_deref()));
        }
    }
    out.push('\n');
}

/// `Version:` as the report wrote it; from an `.ips`, Apple's modern
/// `short (build)`. A report's own line is kept as written because its
/// order says something: iOS before 15 wrote the build first.
fn version(r: &Report<'_>) -> Option<String> {
    if let Some(text) = r.app.version_text.as_deref() {
        return Some(text.to_string());
    }
    match (r.app.short_version.as_deref(), r.app.bundle_version.as_deref()) {
        (Some(short), Some(build)) => Some(format!("{short} ({build})")),
        (Some(short), None) => Some(short.to_string()),
        (None, Some(build)) => Some(format!("??? ({build})")),
        (None, None) => None,
    }
}

/// `ARM-64 (Native)`: Apple's name of the architecture, and the mode. Apple
/// writes the mode on every modern report; a text report that did not
/// (PLCrashReporter's) keeps its line without one, since the mode is how
/// readers tell the two writers apart.
fn code_type(c: CodeType, r: &Report<'_>) -> String {
    let name = code_type_name(c);
    let from_json = !matches!(r.format, crate::model::SourceFormat::Text | crate::model::SourceFormat::IpsHeaderText);
    match (c.explicit_mode || from_json, c.translated) {
        (false, _) => name.to_string(),
        (true, false) => format!("{name} (Native)"),
        (true, true) => format!("{name} (Translated)"),
    }
}

/// Apple's `Code Type` name of an architecture.
pub(crate) fn code_type_name(c: CodeType) -> &'static str {
    use symbolic_common::CpuFamily;
    match c.arch.cpu_family() {
        CpuFamily::Arm64 => "ARM-64",
        CpuFamily::Arm64_32 => "ARM64_32",
        CpuFamily::Arm32 => "ARM",
        CpuFamily::Amd64 => "X86-64",
        CpuFamily::Intel32 => "X86",
        CpuFamily::Ppc32 => "PPC",
        CpuFamily::Ppc64 => "PPC-64",
        _ => c.arch.name(),
    }
}

/// `iPhone OS 16.0 (20A362)`.
fn os_version(r: &Report<'_>) -> Option<String> {
    let os = &r.os;
    let mut text = String::new();
    for part in [os.product.as_deref(), os.version.as_deref()].into_iter().flatten() {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(part);
    }
    if let Some(build) = os.build.as_deref() {
        let _ = write!(text, " ({build})");
    }
    (!text.trim().is_empty()).then(|| text.trim().to_string())
}

/// `2022-09-18 15:28:37.3451 +0900`: four fractional digits, as Apple
/// writes them, or more when the report had more.
pub(crate) fn date(t: Timestamp) -> String {
    let l = t.local;
    let mut text = format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        l.year(),
        u8::from(l.month()),
        l.day(),
        l.hour(),
        l.minute(),
        l.second()
    );
    let nanos = l.nanosecond();
    let fraction = format!("{nanos:09}");
    let fraction = fraction.trim_end_matches('0');
    let _ = write!(text, ".{fraction:0<4}");
    if t.has_offset {
        let minutes = t.offset_minutes();
        let sign = if minutes < 0 { '-' } else { '+' };
        let _ = write!(text, " {sign}{:02}{:02}", minutes.unsigned_abs() / 60, minutes.unsigned_abs() % 60);
    }
    text
}

/// The exception block, the crashed thread, Kernel Triage and Application
/// Specific Information.
pub(super) fn write_exception(r: &Report<'_>, layout: Layout, out: &mut String) {
    let family = layout.header;
    let e = &r.exception;
    let key =
        |out: &mut String, key: &str, embedded: &str, value: &str| exception_line(out, family, key, embedded, value);
    let exception_type = match (e.exception_type.as_deref(), e.signal.as_deref()) {
        (Some(kind), Some(signal)) if kind != signal => Some(format!("{kind} ({signal})")),
        (Some(kind), _) => Some(kind.to_string()),
        (None, signal) => signal.map(str::to_string),
    };
    // KSCrash writes the faulting address after the numeric codes
    // (`0x00000000 at 0x3618da1c`) where there is no symbolic subtype to
    // carry it; it stays there.
    let codes = e.codes.as_deref().map(|codes| match e.address {
        Some(address) if !e.subtype.as_deref().is_some_and(|s| s.contains(" at ")) => {
            format!("{codes} at {}", Hex::prefixed(address, 16))
        }
        _ => codes.to_string(),
    });
    let termination = e.termination.as_ref();
    let wrote_any = exception_type.is_some() || e.subtype.is_some() || e.codes.is_some() || termination.is_some();
    if family == Family::Mac
        && let Some(thread) = r.crashed_thread
    {
        let mut value = thread.to_string();
        if let Some(t) = r.threads.iter().find(|t| t.number == thread) {
            if let Some(name) = t.name.as_deref() {
                let _ = write!(value, "  {name}");
            }
            if let Some(queue) = t.queue.as_deref() {
                let _ = write!(value, "  Dispatch queue: {queue}");
            }
        }
        field(out, family, "Crashed Thread", &value);
        out.push('\n');
    }
    if let Some(kind) = &exception_type {
        key(out, "Exception Type", "Exception Type:  ", kind);
    }
    match family {
        Family::Embedded => {
            if let Some(subtype) = e.subtype.as_deref() {
                key(out, "Exception Subtype", "Exception Subtype: ", subtype);
            }
            if let Some(message) = e.message.as_deref() {
                key(out, "Exception Message", "Exception Message: ", message);
            }
            if let Some(codes) = codes.as_deref() {
                key(out, "Exception Codes", "Exception Codes: ", codes);
            }
            if !e.vm_region_info.is_empty() {
                // The region table runs to a blank line.
                vm_region_info(r, out);
                out.push('\n');
            }
            if let Some(note) = e.note.as_deref() {
                key(out, "Exception Note", "Exception Note:  ", note);
            }
            if let Some(reason) = exception_reason(r) {
                key(out, "Exception Reason", "Exception Reason: ", reason);
            }
            if let Some(t) = termination {
                termination_lines(t, family, out);
            }
            if let Some(thread) = r.crashed_thread {
                if wrote_any {
                    out.push('\n');
                }
                let _ = writeln!(out, "Triggered by Thread:  {thread}");
                out.push('\n');
            } else if wrote_any {
                out.push('\n');
            }
        }
        Family::Mac => {
            // macOS writes the symbolic code as a second `Exception Codes` line.
            if let Some(subtype) = e.subtype.as_deref() {
                field(out, family, "Exception Codes", subtype);
            }
            if let Some(codes) = codes.as_deref() {
                field(out, family, "Exception Codes", codes);
            }
            if let Some(message) = e.message.as_deref() {
                field(out, family, "Exception Message", message);
            }
            if let Some(note) = e.note.as_deref() {
                field(out, family, "Exception Note", note);
            }
            if let Some(reason) = exception_reason(r) {
                field(out, family, "Exception Reason", reason);
            }
            if exception_type.is_some() || e.subtype.is_some() || e.codes.is_some() {
                out.push('\n');
            }
            if let Some(t) = termination {
                termination_lines(t, family, out);
                out.push('\n');
            }
            if !e.vm_region_info.is_empty() {
                vm_region_info(r, out);
                out.push('\n');
            }
        }
    }
    // Each of these ends with two blank lines in Apple's text.
    block(out, "Kernel Triage:", &r.kernel_triage);
    block(out, "Application Specific Information:", &r.application_specific_info);
}

/// A line of the exception block: macOS pads its keys to the header's
/// column, iOS pads each its own way (`embedded` is the key and its padding).
fn exception_line(out: &mut String, family: Family, key: &str, embedded: &str, value: &str) {
    match family {
        Family::Embedded => {
            out.push_str(embedded);
            out.push_str(value);
            out.push('\n');
        }
        Family::Mac => field(out, family, key, value),
    }
}

/// `VM Region Info: first line` and the lines under it.
fn vm_region_info(r: &Report<'_>, out: &mut String) {
    let mut lines = r.exception.vm_region_info.iter();
    if let Some(first) = lines.next() {
        let _ = writeln!(out, "VM Region Info: {first}");
        for line in lines {
            out.push_str(line);
            out.push('\n');
        }
    }
}

/// `Termination Reason:` and `Terminating Process:`, and the reasons under
/// them (a watchdog's `<RBSTerminateContext| ...>`).
fn termination_lines(t: &Termination<'_>, family: Family, out: &mut String) {
    let mut reason = String::new();
    let parts = [
        t.namespace.as_deref().map(|n| match family {
            Family::Embedded => n.to_string(),
            Family::Mac => format!("Namespace {n},"),
        }),
        t.code.map(|c| match family {
            Family::Embedded => c.to_string(),
            Family::Mac => format!("Code {c}"),
        }),
        t.indicator.as_deref().map(str::to_string),
    ];
    for part in parts.into_iter().flatten() {
        if !reason.is_empty() {
            reason.push(' ');
        }
        reason.push_str(&part);
    }
    // A namespace without a code would end on its comma.
    let reason = reason.trim_end_matches(',');
    if !reason.is_empty() {
        exception_line(out, family, "Termination Reason", "Termination Reason: ", reason);
    }
    for extra in &t.reasons {
        out.push_str(extra);
        out.push('\n');
    }
    if let Some(by) = t.by_process.as_deref() {
        let by = name_and_number(by, t.by_pid.map(u64::from));
        exception_line(out, family, "Terminating Process", "Terminating Process: ", &by);
    }
}

/// The uncaught exception's reason, for an `Exception Reason:` line, when
/// Application Specific Information does not already state it (iOS 18's
/// `exceptionReason` without `asi`): printed once, never twice.
fn exception_reason<'r>(r: &'r Report<'_>) -> Option<&'r str> {
    let reason = r.uncaught_exception.as_ref()?.reason.as_deref()?;
    let stated = r.application_specific_info.iter().any(|line| line.contains(reason));
    (!stated && !reason.contains('\n')).then_some(reason)
}

/// `Heading:`, its lines, and two blank lines; nothing for no lines.
fn block(out: &mut String, heading: &str, lines: &[std::borrow::Cow<'_, str>]) {
    if lines.is_empty() {
        return;
    }
    out.push_str(heading);
    out.push('\n');
    for line in lines {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str("\n\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_keep_four_digits_and_the_offset() {
        let t = Timestamp::parse("2022-09-18 15:28:37.3451 +0900").unwrap();
        assert_eq!(date(t), "2022-09-18 15:28:37.3451 +0900");
        let t = Timestamp::parse("2015-01-28 13:05:37.009 -0130").unwrap();
        assert_eq!(date(t), "2015-01-28 13:05:37.0090 -0130");
        let t = Timestamp::parse("2020-01-01 00:00:00").unwrap();
        assert_eq!(date(t), "2020-01-01 00:00:00.0000");
        let t = Timestamp::parse("2020-01-01 00:00:00.123456 +0000").unwrap();
        assert_eq!(date(t), "2020-01-01 00:00:00.123456 +0000");
    }
}
