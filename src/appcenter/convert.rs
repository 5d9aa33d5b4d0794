//! From the crash model to an `appleError` and its `errorAttachment`.

use std::collections::BTreeMap;

use compact_str::CompactString;
use time::OffsetDateTime;

use super::logs::{AppleError, Binary, Device, ErrorAttachment, Exception, Frame, Log, Thread};
use super::{format, ids};
use crate::model::arch::{self, Arch, MachIds};
use crate::model::timestamp::format_utc_millis;
use crate::model::{self, Image, Platform, Report};
use uuid::Uuid;

/// App Center refuses attachments over 7 MB of raw data.
const MAX_ATTACHMENT_BYTES: usize = 7 * 1024 * 1024;

/// App Center drops logs whose timestamp is more than 25 days old.
const MAX_AGE_DAYS: i64 = 25;

/// What reports do not carry, and choices about the output.
#[derive(Debug, Clone)]
pub struct ConvertOptions {
    /// `device.locale` (reports carry none).
    pub locale: String,
    /// `userId`, when given.
    pub user_id: Option<String>,
    /// App version for reports that have none.
    pub app_version: Option<String>,
    /// App build for reports that have none.
    pub app_build: Option<String>,
    /// `device.sdkName`; default `crashport.<platform>`.
    pub sdk_name: Option<String>,
    /// Attach the original report (default true).
    pub attachment: bool,
    /// Keep every binary image, not only those the crash involves.
    pub all_binaries: bool,
}

impl Default for ConvertOptions {
    fn default() -> Self {
        ConvertOptions {
            locale: "en-US".to_string(),
            user_id: None,
            app_version: None,
            app_build: None,
            sdk_name: None,
            attachment: true,
            all_binaries: false,
        }
    }
}

/// Why a report cannot become an `appleError`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConvertError {
    /// App Center needs the time of the crash.
    #[error("the report has no date (`Date/Time:` / `captureTime`); App Center needs the time of the crash")]
    NoTimestamp,
    /// Nothing says what crashed.
    #[error("the report has neither an exception block nor a thread with frames; there is no crash to convert")]
    NoCrash,
    /// No process name anywhere.
    #[error("the report names no process (`Process:` / `procName`) and has no main executable image")]
    NoProcessName,
    /// No executable path anywhere.
    #[error("the report has no executable path (`Path:` / `procPath`) and no main executable image")]
    NoApplicationPath,
    /// No architecture anywhere.
    #[error("the report states no architecture (`Code Type:` / `cpuType`, or an image architecture)")]
    NoArchitecture,
}

/// The logs for one report, and what was dropped or guessed on the way.
#[derive(Debug, Clone)]
pub struct Converted {
    /// The `appleError`, then the `errorAttachment` (unless disabled or too large).
    pub logs: Vec<Log>,
    /// The error id.
    pub error_id: String,
    /// When the crash happened.
    pub timestamp: OffsetDateTime,
    /// Notes for a person: threads without frames left out, images without
    /// UUID left out, defaults used.
    pub warnings: Vec<String>,
}

/// Maps one crash report to App Center logs.
///
/// `original` is the report file's bytes (attached as is, and hashed for
/// the id of a report without an incident id); `file_name` names the
/// attachment.
pub fn convert(
    report: &Report<'_>,
    original: &[u8],
    file_name: Option<&str>,
    options: &ConvertOptions,
) -> Result<Converted, ConvertError> {
    let timestamp = report.timestamp.ok_or(ConvertError::NoTimestamp)?;
    let has_frames = report.threads.iter().any(|t| !t.frames.is_empty());
    if report.exception.is_empty() && !has_frames {
        return Err(ConvertError::NoCrash);
    }
    let main_image = report.main_image();
    let process_name = report
        .process
        .name
        .as_deref()
        .or(main_image.and_then(|i| i.name.as_deref()))
        .ok_or(ConvertError::NoProcessName)?;
    let application_path = report
        .process
        .path
        .as_deref()
        .or(main_image.and_then(|i| i.path.as_deref()))
        .ok_or(ConvertError::NoApplicationPath)?;
    let arch =
        main_image.and_then(|i| i.arch).or(report.code_type.map(|c| c.arch)).ok_or(ConvertError::NoArchitecture)?;
    let ids = arch::mach_ids(arch).ok_or(ConvertError::NoArchitecture)?;

    let mut warnings = Vec::new();
    let width = report.pointer_hex_digits();
    let error_id = ids::error_id(report, original);
    let utc = format_utc_millis(timestamp.utc());
    let device = device(report, options, timestamp.offset_minutes(), &mut warnings);

    let crashed = report.crashed_thread();
    let exception = &report.exception;
    let os_exception_type =
        exception.signal.as_deref().or(exception.exception_type.as_deref()).unwrap_or("UNKNOWN").to_string();
    let uncaught = report.uncaught_exception.as_ref();
    let uncaught_name = uncaught.and_then(|u| u.name.as_deref());
    let uncaught_reason = uncaught.and_then(|u| u.reason.as_deref());

    let frames_cx = FrameContext::new(report, width);
    let exception_kind = uncaught_name.unwrap_or(&os_exception_type);
    let mut crashed_exception = thrown_exception(report, exception_kind, uncaught_reason, &frames_cx);
    let mut threads = Vec::with_capacity(report.threads.len());
    for thread in &report.threads {
        if thread.frames.is_empty() {
            warnings.push(format!("thread {} has no frames; left out (App Center needs at least one)", thread.number));
            continue;
        }
        let is_crashed = crashed.is_some_and(|c| c.number == thread.number);
        threads.push(Thread {
            id: u64::from(thread.number),
            name: thread.display_name().map(str::to_string),
            frames: thread.frames.iter().map(|f| frames_cx.frame(f)).collect(),
            exception: if is_crashed { crashed_exception.take() } else { None },
        });
    }

    let error = AppleError {
        id: error_id.clone(),
        timestamp: utc.clone(),
        sid: None,
        user_id: options.user_id.clone(),
        device: device.clone(),
        process_id: report.process.pid.map_or(0, u64::from),
        process_name: process_name.to_string(),
        parent_process_id: report.process.parent_pid.map(u64::from),
        parent_process_name: report.process.parent_name.as_deref().map(str::to_string),
        error_thread_id: crashed.map(|t| u64::from(t.number)),
        error_thread_name: crashed.and_then(|t| t.display_name()).map(str::to_string),
        fatal: true,
        app_launch_timestamp: format_utc_millis(report.launch_time.unwrap_or(timestamp).utc()),
        architecture: None,
        primary_architecture_id: u64::from(ids.cpu_type),
        architecture_variant_id: Some(u64::from(ids.cpu_subtype)),
        application_path: application_path.to_string(),
        os_exception_type,
        os_exception_code: exception_code(report, arch),
        os_exception_address: format::hex(exception_address(report)).into_string(),
        exception_type: uncaught_name.map(str::to_string),
        exception_reason: uncaught_reason.map(str::to_string),
        selector_register_value: report.objc_selector.as_deref().map(str::to_string),
        threads,
        binaries: binaries(report, &frames_cx.app_images, options.all_binaries, ids, width, &mut warnings),
        registers: crashed.and_then(|t| t.registers.as_ref()).map(|state| registers(state, width)),
        exception: None,
    };

    let mut logs = vec![Log::AppleError(Box::new(error))];
    if options.attachment {
        if original.len() > MAX_ATTACHMENT_BYTES {
            warnings.push(format!(
                "the report is {} bytes, over App Center's 7 MB attachment limit; sent without the original attached",
                original.len()
            ));
        } else {
            logs.push(Log::ErrorAttachment(Box::new(ErrorAttachment {
                id: ids::attachment_id(&error_id),
                error_id: error_id.clone(),
                timestamp: utc,
                sid: None,
                user_id: options.user_id.clone(),
                device,
                content_type: "text/plain".to_string(),
                file_name: file_name.map(str::to_string),
                data: base64_simd::STANDARD.encode_to_string(original),
            })));
        }
    }
    Ok(Converted { logs, error_id, timestamp: timestamp.utc(), warnings })
}

/// The crashed thread's exception: where the uncaught exception was thrown.
/// The Last Exception Backtrace says it; without one, the first Application
/// Specific Backtrace (macOS writes the uncaught exception's backtrace
/// there). Any further backtrace is an inner exception.
fn thrown_exception(
    report: &Report<'_>,
    kind: &str,
    reason: Option<&str>,
    frames_cx: &FrameContext<'_, '_>,
) -> Option<Exception> {
    let mut backtraces = report
        .last_exception_backtrace
        .iter()
        .chain(&report.application_specific_backtraces)
        .filter(|frames| !frames.is_empty())
        .map(|frames| Exception {
            kind: kind.to_string(),
            message: None,
            stack_trace: None,
            frames: Some(frames.iter().map(|f| frames_cx.frame(f)).collect()),
            inner_exceptions: None,
            wrapper_sdk_name: None,
        });
    let mut outer = backtraces.next()?;
    outer.message = reason.map(str::to_string);
    let inner: Vec<Exception> = backtraces.collect();
    outer.inner_exceptions = (!inner.is_empty()).then_some(inner);
    Some(outer)
}

/// A warning when App Center would drop a log this old (over 25 days).
pub fn stale_warning(timestamp: OffsetDateTime, now: OffsetDateTime) -> Option<String> {
    let age = now - timestamp;
    (age.whole_days() > MAX_AGE_DAYS).then(|| {
        format!("the crash is {} days old; App Center drops logs more than {MAX_AGE_DAYS} days old", age.whole_days())
    })
}

fn device(report: &Report<'_>, options: &ConvertOptions, offset_minutes: i32, warnings: &mut Vec<String>) -> Device {
    let short = report.app.short_version.as_deref().map(str::to_string).or(options.app_version.clone());
    let build = report.app.bundle_version.as_deref().map(str::to_string).or(options.app_build.clone());
    // With only one of the two, it stands for both (a macOS `Version: 4.2`).
    let (app_version, app_build) = match (short, build) {
        (Some(s), Some(b)) => (s, b),
        (Some(v), None) | (None, Some(v)) => (v.clone(), v),
        (None, None) => {
            warnings.push("the report has no app version; sent as `unknown` (see --app-version, --app-build)".into());
            ("unknown".to_string(), "unknown".to_string())
        }
    };
    let platform = report.os.platform.or_else(|| report.os.product.as_deref().and_then(Platform::from_product_name));
    let os_name = report.os.name().map(str::to_string).unwrap_or_else(|| {
        warnings.push("the report names no operating system; sent as `unknown`".into());
        "unknown".to_string()
    });
    let os_version = report.os.version.as_deref().map(str::to_string).unwrap_or_else(|| {
        warnings.push("the report has no OS version; sent as `unknown`".into());
        "unknown".to_string()
    });
    Device {
        sdk_name: options
            .sdk_name
            .clone()
            .unwrap_or_else(|| platform.map_or("crashport".to_string(), |p| format!("crashport.{}", p.id()))),
        sdk_version: env!("CARGO_PKG_VERSION").to_string(),
        os_name,
        os_version,
        os_build: report.os.build.as_deref().map(str::to_string),
        model: report.hardware_model.as_deref().map(str::to_string),
        oem_name: Some("Apple".to_string()),
        locale: options.locale.clone(),
        time_zone_offset: offset_minutes.clamp(-840, 840),
        app_version,
        app_build,
        app_namespace: report.app.bundle_id.as_deref().map(str::to_string),
        other: BTreeMap::new(),
    }
}

/// What every frame's mapping needs, worked out once per report.
struct FrameContext<'r, 'a> {
    report: &'r Report<'a>,
    width: usize,
    /// For each image: is it the app's own?
    app_images: Vec<bool>,
}

impl<'r, 'a> FrameContext<'r, 'a> {
    fn new(report: &'r Report<'a>, width: usize) -> Self {
        FrameContext { report, width, app_images: report.app_images() }
    }

    fn frame(&self, f: &model::Frame<'_>) -> Frame {
        let image = f.image_index.and_then(|i| self.report.images.get(i).map(|image| (i, image)));
        let app_frame = image.is_some_and(|(i, _)| self.app_images.get(i).copied().unwrap_or(false));
        let code = match (&f.symbol, image) {
            (Some(symbol), _) if !app_frame => Some(match f.symbol_offset {
                Some(offset) => format::symbol_plus(symbol, offset),
                None => CompactString::from(symbol.as_ref()),
            }),
            // The offset the report (or symbolication) gives: a return
            // address signed with a pointer-authentication code lies far
            // from its image, and its offset is that of the address without it.
            (_, Some((_, image))) => {
                Some(format::base_plus(image.start, f.image_offset.unwrap_or(f.address.wrapping_sub(image.start))))
            }
            (_, None) => Some(match f.image_offset {
                Some(offset) => format::base_plus(f.address.wrapping_sub(offset), offset),
                // In no image and without a symbol: Apple's text says `???`.
                None => CompactString::const_new("???"),
            }),
        };
        // The app's own frames keep `base + offset` in `code` (so that a
        // server can symbolicate them from its dSYMs); a name the report
        // already gives them is not dropped but goes to `methodName`.
        let method_name = f.symbol.as_deref().filter(|_| app_frame).map(str::to_string);
        Frame {
            address: Some(format::padded(f.address, self.width)),
            code,
            class_name: None,
            method_name,
            line_number: f.source.as_ref().and_then(|s| s.line).map(u64::from),
            file_name: f.source.as_ref().map(|s| CompactString::from(s.file.as_ref())),
        }
    }
}

fn registers(state: &model::RegisterState<'_>, width: usize) -> BTreeMap<CompactString, CompactString> {
    state.registers.iter().map(|r| (CompactString::from(r.name.as_ref()), format::padded(r.value, width))).collect()
}

/// The symbolic code, else one derived from the exception type and first
/// code, else the first code as written.
fn exception_code(report: &Report<'_>, arch: Arch) -> String {
    let e = &report.exception;
    if let Some(code) = e.symbolic_code() {
        return code.to_string();
    }
    if let Some(code) = derive_symbolic_code(e.exception_type.as_deref(), e.code_values.first().copied(), arch) {
        return code.to_string();
    }
    if let Some(first) = e.codes.as_deref().and_then(|c| c.split(',').next()).map(str::trim).filter(|c| !c.is_empty()) {
        return first.to_string();
    }
    e.code_values.first().map_or_else(|| "0".to_string(), |v| crate::hex::prefixed(*v).to_string())
}

/// Mach exception codes (xnu `kern_return.h`, `mach/arm/exception.h`,
/// `mach/i386/exception.h`) for the common crash types.
fn derive_symbolic_code(exception_type: Option<&str>, code: Option<u64>, arch: Arch) -> Option<&'static str> {
    let code = code?;
    Some(match (exception_type?, code) {
        ("EXC_BAD_ACCESS", 1) => "KERN_INVALID_ADDRESS",
        ("EXC_BAD_ACCESS", 2) => "KERN_PROTECTION_FAILURE",
        ("EXC_BAD_ACCESS", 0x32) => "KERN_CODESIGN_ERROR",
        ("EXC_BAD_ACCESS", 0x101) if arch::is_arm(arch) => "EXC_ARM_DA_ALIGN",
        ("EXC_BAD_ACCESS", 0x102) if arch::is_arm(arch) => "EXC_ARM_DA_DEBUG",
        ("EXC_BAD_ACCESS", 0x0d) if arch::is_x86(arch) => "EXC_I386_GPFLT",
        ("EXC_BREAKPOINT", 1) if arch::is_arm(arch) => "EXC_ARM_BREAKPOINT",
        ("EXC_BREAKPOINT", 1) if arch::is_x86(arch) => "EXC_I386_SGL",
        ("EXC_BREAKPOINT", 2) if arch::is_x86(arch) => "EXC_I386_BPT",
        ("EXC_BAD_INSTRUCTION", 1) if arch::is_arm(arch) => "EXC_ARM_UNDEFINED",
        ("EXC_BAD_INSTRUCTION", 1) if arch::is_x86(arch) => "EXC_I386_INVOP",
        _ => return None,
    })
}

/// The `at 0x...` address; else the second code of EXC_BAD_ACCESS and
/// EXC_BREAKPOINT (the faulting address / the trapping PC); else 0.
fn exception_address(report: &Report<'_>) -> u64 {
    let e = &report.exception;
    if let Some(address) = e.address {
        return address;
    }
    match e.exception_type.as_deref() {
        Some("EXC_BAD_ACCESS" | "EXC_BREAKPOINT") => e.code_values.get(1).copied().unwrap_or(0),
        _ => 0,
    }
}

/// The images App Center needs: those a frame or register points into, and
/// the app's own; or all of them. Images without a UUID cannot be matched
/// to symbols and are left out.
fn binaries(
    report: &Report<'_>,
    app_images: &[bool],
    all: bool,
    fallback: MachIds,
    width: usize,
    warnings: &mut Vec<String>,
) -> Vec<Binary> {
    let keep = if all { vec![true; report.images.len()] } else { report.involved_images(app_images) };
    let mut out = Vec::new();
    let mut without_uuid = Vec::new();
    for (index, image) in report.images.iter().enumerate() {
        if !keep[index] {
            continue;
        }
        let Some(uuid) = image.uuid else {
            if !image.is_placeholder() {
                without_uuid.push(image.name.as_deref().unwrap_or("?").to_string());
            }
            continue;
        };
        out.push(binary(image, uuid, fallback, width));
    }
    if !without_uuid.is_empty() {
        warnings.push(format!(
            "{} image(s) without a UUID left out of binaries: {}",
            without_uuid.len(),
            without_uuid.join(", ")
        ));
    }
    out
}

fn binary(image: &Image<'_>, uuid: Uuid, fallback: MachIds, width: usize) -> Binary {
    let path = image.path.as_deref().filter(|p| !p.is_empty());
    let name = image.name.as_deref().filter(|n| !n.is_empty());
    let file_name = path.and_then(|p| p.rsplit('/').next()).filter(|n| !n.is_empty());
    let ids = image.arch.and_then(arch::mach_ids).unwrap_or(fallback);
    Binary {
        id: uuid.simple().to_string(),
        start_address: format::padded(image.start, width),
        end_address: format::padded(image.end, width),
        // The file name, as Apple's SDK sends it: macOS text reports name
        // images by bundle id, `.ips` files by file name.
        name: CompactString::from(file_name.or(name).unwrap_or("???")),
        path: path.or(name).unwrap_or("???").to_string(),
        architecture: None,
        primary_architecture_id: Some(u64::from(ids.cpu_type)),
        architecture_variant_id: Some(u64::from(ids.cpu_subtype)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbolic_codes_from_numbers() {
        let arm = Arch::Arm64;
        let x86 = Arch::Amd64;
        assert_eq!(derive_symbolic_code(Some("EXC_BAD_ACCESS"), Some(1), arm), Some("KERN_INVALID_ADDRESS"));
        assert_eq!(derive_symbolic_code(Some("EXC_BAD_ACCESS"), Some(0x101), arm), Some("EXC_ARM_DA_ALIGN"));
        assert_eq!(derive_symbolic_code(Some("EXC_BREAKPOINT"), Some(1), arm), Some("EXC_ARM_BREAKPOINT"));
        assert_eq!(derive_symbolic_code(Some("EXC_BREAKPOINT"), Some(2), x86), Some("EXC_I386_BPT"));
        assert_eq!(derive_symbolic_code(Some("EXC_CRASH"), Some(0), arm), None);
    }

    fn exception_of(text: &str) -> Option<Exception> {
        let input = crate::read::Input::from_bytes(text.as_bytes()).unwrap();
        let Ok(crate::model::Parsed::Crash(report)) = input.parse() else { panic!("{text}") };
        let converted = convert(&report, text.as_bytes(), None, &ConvertOptions::default()).unwrap();
        let Log::AppleError(error) = &converted.logs[0] else { panic!("no appleError") };
        error.threads[0].exception.clone()
    }

    const HEADER: &str = "Process: X [1]\nPath: /Applications/X.app/Contents/MacOS/X\nCode Type: X86-64 (Native)\n\
                          Date/Time: 2020-01-01 00:00:00 +0000\nOS Version: macOS 11.0 (20A1)\n\
                          Exception Type: EXC_CRASH (SIGABRT)\n\nApplication Specific Information:\n\
                          *** Terminating app due to uncaught exception 'E', reason: 'R'\n\n";
    const ASB: &str =
        "Application Specific Backtrace 1:\n0   CoreFoundation   0x00007fff2c9bd061 __exceptionPreprocess + 171\n\n";
    const LEB: &str =
        "Last Exception Backtrace:\n0   libobjc.A.dylib   0x00007fff564d79e4 objc_exception_throw + 48\n\n";
    const THREAD: &str = "Thread 0 Crashed:\n0   libsystem_kernel.dylib   0x00007fff565698ad __pthread_kill + 10\n";

    #[test]
    fn an_application_specific_backtrace_is_the_exception_without_a_last_exception_backtrace() {
        let e = exception_of(&format!("{HEADER}{ASB}{THREAD}")).unwrap();
        assert_eq!((e.kind.as_str(), e.message.as_deref()), ("E", Some("R")));
        assert_eq!(e.frames.unwrap()[0].code.as_deref(), Some("__exceptionPreprocess + 171"));
        assert!(e.inner_exceptions.is_none());
    }

    #[test]
    fn with_both_the_last_exception_backtrace_is_the_exception_and_the_others_are_inner() {
        let e = exception_of(&format!("{HEADER}{ASB}{LEB}{THREAD}")).unwrap();
        assert_eq!(e.frames.unwrap()[0].code.as_deref(), Some("objc_exception_throw + 48"));
        let inner = e.inner_exceptions.unwrap();
        assert_eq!(inner.len(), 1);
        assert_eq!(inner[0].kind, "E");
        assert_eq!(inner[0].frames.as_ref().unwrap()[0].code.as_deref(), Some("__exceptionPreprocess + 171"));
        assert!(exception_of(&format!("{HEADER}{THREAD}")).is_none());
    }

    #[test]
    fn stale_after_25_days() {
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        assert!(stale_warning(now - time::Duration::days(26), now).is_some());
        assert!(stale_warning(now - time::Duration::days(24), now).is_none());
    }
}
