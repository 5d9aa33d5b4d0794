//! The crash model as a Sentry event.
//!
//! Like the App Center mapping, this reads only [`crate::model`]. The event
//! is built with `sentry-types`' protocol types, then given the two shapes
//! they lack and Relay (Sentry's ingestion) accepts: debug images of type
//! `macho` (`debug_id`, `image_addr`, `image_size`, `arch`, `code_file`),
//! which Sentry symbolicates from uploaded dSYMs, and the `main` flag of the
//! main thread. docs/SENTRY.md gives the mapping field by field.

use std::collections::BTreeMap;
use std::time::SystemTime;

use sentry_types::protocol::v7::{
    AppContext, ClientSdkInfo, Context, DeviceContext, Event, Exception, Frame, Level, MachException, Mechanism,
    MechanismMeta, OsContext, PosixSignal, RegVal, Stacktrace, Thread, ThreadId, Values,
};
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::hex;
use crate::model::{self, Report, arch};

/// Sentry moves events older than this many days to the time they arrive
/// (its `past_timestamp`).
pub const MAX_AGE_DAYS: i64 = 30;

/// What reports do not carry, and choices about the event.
#[derive(Debug, Clone, Default)]
pub struct EventOptions {
    /// `environment` (none unless given).
    pub environment: Option<String>,
    /// `release`, instead of `bundle id@version+build`.
    pub release: Option<String>,
    /// More tags.
    pub tags: BTreeMap<String, String>,
}

/// Why a report cannot become an event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// Sentry needs the time of the crash.
    #[error("the report has no date (`Date/Time:` / `captureTime`); Sentry needs the time of the crash")]
    NoTimestamp,
    /// Nothing says what crashed.
    #[error("the report has neither an exception block nor a thread with frames; there is no crash to send")]
    NoCrash,
}

/// A report as a Sentry event: the event's JSON and its id.
#[derive(Debug, Clone)]
pub struct SentryEvent {
    /// The event id (32 lower-case hex digits).
    pub event_id: String,
    /// When the crash happened.
    pub timestamp: OffsetDateTime,
    /// The event, as Relay takes it.
    pub json: Value,
}

/// A debug image as Relay's `macho` type.
#[derive(Debug, Serialize)]
struct MachoImage {
    #[serde(rename = "type")]
    kind: &'static str,
    debug_id: String,
    code_file: String,
    image_addr: String,
    image_size: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    arch: Option<&'static str>,
}

/// Maps a crash report to a Sentry event. `crash_id` is the report's crash
/// id (its incident identifier, or a hash of its bytes): the event id is
/// made from it, so that a crash sent twice is one event to Sentry.
pub fn event(report: &Report<'_>, crash_id: &str, options: &EventOptions) -> Result<SentryEvent, EventError> {
    let timestamp = report.timestamp.ok_or(EventError::NoTimestamp)?.utc();
    let has_frames = report.threads.iter().any(|t| !t.frames.is_empty());
    if report.exception.is_empty() && !has_frames {
        return Err(EventError::NoCrash);
    }
    let event_id = Uuid::try_parse(crash_id)
        .unwrap_or_else(|_| crate::model::crash_id::uuid_v5(&crate::model::crash_id::NAMESPACE, crash_id.as_bytes()));
    let app_images = report.app_images();
    let frames_of = |frames: &[model::Frame<'_>]| -> Vec<Frame> {
        // Sentry lists a stack oldest call first; reports innermost first.
        frames.iter().rev().map(|f| frame(report, &app_images, f)).collect()
    };
    let crashed = report.crashed_thread();

    let mut exceptions = Vec::new();
    if let Some(uncaught) = report.uncaught_exception.as_ref() {
        let stack = report.last_exception_backtrace.as_deref().filter(|f| !f.is_empty());
        exceptions.push(Exception {
            // Left out below when the report names no class.
            ty: uncaught.name.as_deref().unwrap_or_default().to_string(),
            value: uncaught.reason.as_deref().map(str::to_string),
            thread_id: crashed.map(|t| ThreadId::Int(u64::from(t.number))),
            mechanism: Some(Mechanism { ty: "nsexception".into(), handled: Some(false), ..Mechanism::default() }),
            stacktrace: stack.map(|frames| Stacktrace { frames: frames_of(frames), ..Stacktrace::default() }),
            ..Exception::default()
        });
    }
    exceptions.push(mach_exception(
        report,
        crashed.map(|t| {
            let registers = t.registers.as_ref().map(registers).unwrap_or_default();
            (t.number, Stacktrace { frames: frames_of(&t.frames), registers, ..Stacktrace::default() })
        }),
    ));

    let threads: Vec<Thread> = report
        .threads
        .iter()
        .map(|t| Thread {
            id: Some(ThreadId::Int(u64::from(t.number))),
            name: t.display_name().map(str::to_string),
            crashed: t.crashed,
            current: t.crashed,
            stacktrace: (!t.frames.is_empty()).then(|| Stacktrace {
                frames: frames_of(&t.frames),
                registers: t.registers.as_ref().filter(|_| t.crashed).map(registers).unwrap_or_default(),
                ..Stacktrace::default()
            }),
            ..Thread::default()
        })
        .collect();

    let mut contexts = BTreeMap::new();
    contexts.insert(
        "os".to_string(),
        Context::Os(Box::new(OsContext {
            name: report.os.name().map(str::to_string),
            version: report.os.version.as_deref().map(str::to_string),
            build: report.os.build.as_deref().map(str::to_string),
            ..OsContext::default()
        })),
    );
    let main_arch = report.main_image().and_then(|i| i.arch).or(report.code_type.map(|c| c.arch));
    contexts.insert(
        "device".to_string(),
        Context::Device(Box::new(DeviceContext {
            family: report.os.name().map(str::to_string),
            model: report.hardware_model.as_deref().map(str::to_string),
            arch: main_arch.map(|a| a.name().to_string()),
            ..DeviceContext::default()
        })),
    );
    contexts.insert(
        "app".to_string(),
        Context::App(Box::new(AppContext {
            app_identifier: report.app.bundle_id.as_deref().map(str::to_string),
            app_name: report.process.name.as_deref().map(str::to_string),
            app_version: report.app.short_version.as_deref().map(str::to_string),
            app_build: report.app.bundle_version.as_deref().map(str::to_string),
            app_start_time: report.launch_time.map(|t| SystemTime::from(t.utc())),
            ..AppContext::default()
        })),
    );

    let event = Event {
        event_id,
        level: Level::Fatal,
        platform: "cocoa".into(),
        logger: Some("crashport".to_string()),
        timestamp: SystemTime::from(timestamp),
        release: options.release.clone().or_else(|| release(report)).map(Into::into),
        dist: report.app.bundle_version.as_deref().map(|b| b.to_string().into()),
        environment: options.environment.clone().map(Into::into),
        contexts,
        exception: Values { values: exceptions },
        threads: Values { values: threads },
        tags: options.tags.clone(),
        sdk: Some(std::borrow::Cow::Owned(ClientSdkInfo {
            name: "crashport".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            integrations: Vec::new(),
            packages: Vec::new(),
        })),
        ..Event::default()
    };
    let mut json = serde_json::to_value(&event).unwrap_or(Value::Null);
    // Shapes sentry-types has no field for.
    // An exception whose class the report does not name (AppKit's
    // `Crashing on exception:`) has only its reason: Relay takes a value
    // without a type, and an empty type would be shown as the class.
    if let Some(values) = json["exception"]["values"].as_array_mut() {
        for value in values.iter_mut().filter(|v| v["type"] == "") {
            if let Some(fields) = value.as_object_mut() {
                fields.remove("type");
            }
        }
    }
    if let Some(thread) = json["threads"]["values"].as_array_mut().and_then(|t| t.iter_mut().find(|t| t["id"] == 0)) {
        thread["main"] = Value::Bool(true);
    }
    json["debug_meta"] = serde_json::json!({ "images": images(report, &app_images) });
    Ok(SentryEvent { event_id: event_id.simple().to_string(), timestamp, json })
}

/// `bundle id@version+build`, as Sentry's Apple SDK names releases.
fn release(report: &Report<'_>) -> Option<String> {
    let id = report.app.bundle_id.as_deref()?;
    let version = report.app.short_version.as_deref()?;
    Some(match report.app.bundle_version.as_deref() {
        Some(build) => format!("{id}@{version}+{build}"),
        None => format!("{id}@{version}"),
    })
}

fn frame(report: &Report<'_>, app_images: &[bool], f: &model::Frame<'_>) -> Frame {
    let image = f.image_index.and_then(|i| report.images.get(i).map(|image| (i, image)));
    Frame {
        instruction_addr: Some(f.address.into()),
        image_addr: image.map(|(_, image)| image.start.into()),
        symbol_addr: f.symbol_offset.filter(|_| f.symbol.is_some()).map(|o| f.address.wrapping_sub(o).into()),
        package: image.and_then(|(_, image)| image.path.as_deref().or(image.name.as_deref())).map(str::to_string),
        function: f.symbol.as_deref().map(str::to_string),
        filename: f.source.as_ref().map(|s| s.file.to_string()),
        lineno: f.source.as_ref().and_then(|s| s.line).map(u64::from),
        in_app: Some(image.is_some_and(|(i, _)| app_images.get(i).copied().unwrap_or(false))),
        ..Frame::default()
    }
}

fn registers(state: &model::RegisterState<'_>) -> BTreeMap<String, RegVal> {
    state.registers.iter().map(|r| (r.name.to_string(), RegVal(r.value))).collect()
}

/// The Mach exception (or, from writers that record only a signal, the
/// signal), on the crashed thread's stack.
fn mach_exception(report: &Report<'_>, crashed: Option<(u32, Stacktrace)>) -> Exception {
    let e = &report.exception;
    let kind = e.exception_type.as_deref().unwrap_or("UNKNOWN");
    let mach = mach_number(kind).map(|number| MachException {
        exception: number,
        code: e.code_values.first().copied().unwrap_or(0),
        subcode: e.code_values.get(1).copied().unwrap_or(0),
        name: Some(kind.to_string()),
    });
    let signal = e
        .signal
        .as_deref()
        .and_then(|name| signal_number(name).map(|number| (number, name)))
        .map(|(number, name)| PosixSignal { number, code: None, name: Some(name.to_string()), code_name: None });
    let mut data = BTreeMap::new();
    if let Some(address) = e.address {
        data.insert("relevant_address".to_string(), Value::String(hex::prefixed(address).to_string()));
    }
    let ty = if mach.is_some() { "mach" } else { "signal" };
    let (thread_id, stacktrace) = match crashed {
        Some((number, stack)) => (Some(ThreadId::Int(u64::from(number))), (!stack.frames.is_empty()).then_some(stack)),
        None => (None, None),
    };
    Exception {
        ty: kind.to_string(),
        value: e.subtype.as_deref().or(e.codes.as_deref()).or(e.message.as_deref()).map(str::to_string),
        thread_id,
        mechanism: Some(Mechanism {
            ty: ty.into(),
            handled: Some(false),
            data,
            meta: MechanismMeta { signal, mach_exception: mach, ..MechanismMeta::default() },
            ..Mechanism::default()
        }),
        stacktrace,
        ..Exception::default()
    }
}

/// The number of a Mach exception (`<mach/exception_types.h>`).
fn mach_number(name: &str) -> Option<i32> {
    Some(match name {
        "EXC_BAD_ACCESS" => 1,
        "EXC_BAD_INSTRUCTION" => 2,
        "EXC_ARITHMETIC" => 3,
        "EXC_EMULATION" => 4,
        "EXC_SOFTWARE" => 5,
        "EXC_BREAKPOINT" => 6,
        "EXC_SYSCALL" => 7,
        "EXC_MACH_SYSCALL" => 8,
        "EXC_RPC_ALERT" => 9,
        "EXC_CRASH" => 10,
        "EXC_RESOURCE" => 11,
        "EXC_GUARD" => 12,
        "EXC_CORPSE_NOTIFY" => 13,
        _ => return None,
    })
}

/// The number of a signal on Apple's systems (`<sys/signal.h>`).
fn signal_number(name: &str) -> Option<i32> {
    Some(match name {
        "SIGHUP" => 1,
        "SIGINT" => 2,
        "SIGQUIT" => 3,
        "SIGILL" => 4,
        "SIGTRAP" => 5,
        "SIGABRT" => 6,
        "SIGEMT" => 7,
        "SIGFPE" => 8,
        "SIGKILL" => 9,
        "SIGBUS" => 10,
        "SIGSEGV" => 11,
        "SIGSYS" => 12,
        "SIGPIPE" => 13,
        "SIGALRM" => 14,
        "SIGTERM" => 15,
        _ => return None,
    })
}

/// The images Sentry needs to symbolicate: those a frame or a register
/// points into and the app's own, with a UUID.
fn images(report: &Report<'_>, app_images: &[bool]) -> Vec<MachoImage> {
    let keep = report.involved_images(app_images);
    report
        .images
        .iter()
        .zip(keep)
        .filter(|(_, keep)| *keep)
        .filter_map(|(image, _)| {
            let uuid = image.uuid?;
            let arch = image.arch.or(report.code_type.map(|c| c.arch));
            Some(MachoImage {
                kind: "macho",
                debug_id: uuid.hyphenated().to_string(),
                code_file: image.path.as_deref().or(image.name.as_deref()).unwrap_or("???").to_string(),
                image_addr: hex::prefixed(image.start).to_string(),
                image_size: image.end.saturating_sub(image.start).saturating_add(1),
                arch: arch.filter(|a| arch::mach_ids(*a).is_some()).map(|a| a.name()),
            })
        })
        .collect()
}
