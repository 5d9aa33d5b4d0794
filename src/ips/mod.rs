//! The reader for JSON `.ips` crash reports (iOS 15+, macOS 12+).
//!
//! An `.ips` file is a one-line JSON header (`bug_type`, app and OS facts)
//! followed by a JSON body; some tools save the body alone, and macOS exports
//! append a system profile in plain text after it. The body is read with
//! serde into borrowed types (module `schema`) and then mapped onto the crash model.

pub(crate) mod schema;

use std::borrow::Cow;

use serde::Deserialize;

use crate::arch::{Arch, CodeType};
use crate::error::{Location, ParseError, Warning, excerpt};
use crate::model::{
    self, ExceptionInfo, Image, ImageUuid, Platform, RegisterFlavor, RegisterState, Report, SourceFormat,
    SourceLocation, Termination,
};
use crate::text::frames::parse_frame_line;
use crate::timestamp::Timestamp;
use schema::{Body, Header, Str};

/// Reads a header line. Returns `None` when `line` is not one complete JSON object.
pub(crate) fn parse_header(line: &str) -> Option<Header<'_>> {
    // A body minified onto one line would also read as a header object.
    if memchr::memmem::find(line.as_bytes(), b"\"threads\"").is_some() {
        return None;
    }
    let mut de = serde_json::Deserializer::from_str(line);
    let header = Header::deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(header)
}

/// Reads an `.ips` body (the first JSON value of `body`; text after it is
/// ignored). `first_line` is the number of the body's first line in the input.
pub(crate) fn parse_body(body: &str, first_line: u32) -> Result<Body<'_>, ParseError> {
    let mut de = serde_json::Deserializer::from_str(body);
    match Body::deserialize(&mut de) {
        Ok(body) => Ok(body),
        Err(error) => Err(json_error(body, first_line, &error)),
    }
}

/// Describes a JSON failure with its line, column and JSON path.
fn json_error(body: &str, first_line: u32, error: &serde_json::Error) -> ParseError {
    // The path is only worth its cost once something failed: read again,
    // this time tracking where the reader is.
    let mut de = serde_json::Deserializer::from_str(body);
    let path = match serde_path_to_error::deserialize::<_, Body<'_>>(&mut de) {
        // A `?` segment is a key the reader had not reached yet.
        Err(e) => Some(e.path().to_string().trim_end_matches(".?").to_string()).filter(|p| p != "." && !p.is_empty()),
        Ok(_) => None,
    };
    let line = (error.line() as u32).saturating_add(first_line.saturating_sub(1));
    let location = Location { line: Some(line), column: Some(error.column() as u32), json_path: path };
    let (expected, found) = match error.classify() {
        serde_json::error::Category::Eof => {
            ("the rest of the JSON body".to_string(), "the end of the file (the report is cut off)".to_string())
        }
        serde_json::error::Category::Syntax => {
            let found = body
                .lines()
                .nth(error.line().saturating_sub(1))
                .map(|l| excerpt(l.get(error.column().saturating_sub(1)..).unwrap_or(l).trim(), 40))
                .unwrap_or_default();
            let message = strip_position(error);
            let expected = match message.strip_prefix("expected ") {
                Some(what) => format!("a JSON {what}"),
                None => format!("valid JSON ({message})"),
            };
            (expected, found)
        }
        _ => (strip_position(error), "a value of another type".to_string()),
    };
    ParseError::malformed(location, expected, found)
}

/// serde_json's message without its own ` at line L column C` suffix.
fn strip_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// Builds the crash model from a header (when present) and a body.
pub(crate) fn to_report<'a>(header: Option<&Header<'a>>, body: Body<'a>) -> Report<'a> {
    let mut report = Report { format: SourceFormat::Ips, ..Report::default() };
    let mut warnings = Vec::new();
    let h = header;

    report.bug_type = Str::non_empty(&body.bug_type).or_else(|| h.and_then(|h| Str::non_empty(&h.bug_type)));
    report.incident_id = Str::non_empty(&body.incident).or_else(|| h.and_then(|h| Str::non_empty(&h.incident_id)));
    report.crash_reporter_key = Str::non_empty(&body.crash_reporter_key);

    let p = &mut report.process;
    p.name = Str::non_empty(&body.proc_name)
        .or_else(|| h.and_then(|h| Str::non_empty(&h.name).or_else(|| Str::non_empty(&h.app_name))));
    p.pid = body.pid.and_then(|v| u32::try_from(v).ok());
    p.path = Str::non_empty(&body.proc_path);
    p.role = Str::non_empty(&body.proc_role);
    p.parent_name = Str::non_empty(&body.parent_proc);
    p.parent_pid = body.parent_pid.and_then(|v| u32::try_from(v).ok());
    p.responsible = Str::non_empty(&body.responsible_proc);
    p.coalition = Str::non_empty(&body.coalition_name);
    p.user_id = body.user_id.and_then(|v| u32::try_from(v).ok());

    let bundle = body.bundle_info.as_ref();
    // The header's versions are the truth (FORMATS.md); bundleInfo fills in.
    report.app.bundle_id =
        bundle.and_then(|b| Str::non_empty(&b.identifier)).or_else(|| h.and_then(|h| Str::non_empty(&h.bundle_id)));
    report.app.short_version = h
        .and_then(|h| Str::non_empty(&h.app_version))
        .or_else(|| bundle.and_then(|b| Str::non_empty(&b.short_version)));
    report.app.bundle_version = h
        .and_then(|h| Str::non_empty(&h.build_version))
        .or_else(|| bundle.and_then(|b| Str::non_empty(&b.bundle_version)));

    read_os(&mut report, h, &body);
    report.hardware_model = Str::non_empty(&body.model_code);
    report.code_type = Str::non_empty(&body.cpu_type).and_then(|t| CodeType::parse(&t)).map(|mut c| {
        c.translated = body.translated.unwrap_or(false);
        c
    });
    report.timestamp = Str::non_empty(&body.capture_time)
        .or_else(|| h.and_then(|h| Str::non_empty(&h.timestamp)))
        .and_then(|t| timestamp_or_warn(&t, "captureTime", &mut warnings));
    report.launch_time =
        Str::non_empty(&body.proc_launch).and_then(|t| timestamp_or_warn(&t, "procLaunch", &mut warnings));

    report.exception = read_exception(&body);
    read_diagnostics(&mut report, &body, &mut warnings);

    let images: Vec<Image<'a>> = body.used_images.unwrap_or_default().into_iter().map(to_image).collect();
    if let Some(frames) = body.last_exception_backtrace {
        report.last_exception_backtrace = Some(to_frames(frames, &images, "lastExceptionBacktrace", &mut warnings));
    }
    let faulting = body.faulting_thread.and_then(|v| u32::try_from(v).ok());
    for (index, thread) in body.threads.unwrap_or_default().into_iter().enumerate() {
        let number = index as u32;
        let path = format!("threads[{index}].frames");
        report.threads.push(model::Thread {
            number,
            id: thread.id,
            name: Str::non_empty(&thread.name),
            queue: Str::non_empty(&thread.queue),
            crashed: thread.triggered.unwrap_or(false) || faulting == Some(number),
            frames: to_frames(thread.frames.unwrap_or_default(), &images, &path, &mut warnings),
            registers: thread.thread_state.map(to_register_state),
        });
    }
    report.crashed_thread = faulting;
    if faulting.is_some_and(|f| f as usize >= report.threads.len()) {
        warnings.push(Warning::general(format!(
            "faultingThread is {} but the report has {} thread(s)",
            faulting.unwrap_or_default(),
            report.threads.len()
        )));
    }
    report.images = images;
    report.warnings = warnings;
    report
}

fn read_os<'a>(report: &mut Report<'a>, h: Option<&Header<'a>>, body: &Body<'a>) {
    let os = body.os_version.as_ref();
    let train = os.and_then(|o| Str::non_empty(&o.train));
    let header_os = h.and_then(|h| Str::non_empty(&h.os_version));
    // `train` is `iPhone OS 16.0`; the header's `os_version` adds the build.
    if let Some(text) = train.as_ref().or(header_os.as_ref()) {
        let (product, version, build) = split_os(text);
        report.os.product = product;
        report.os.version = version;
        report.os.build = build;
    }
    if report.os.build.is_none()
        && let Some(text) = &header_os
    {
        report.os.build = split_os(text).2;
    }
    if let Some(build) = os.and_then(|o| Str::non_empty(&o.build)) {
        report.os.build = Some(build);
    }
    report.os.release_type = os.and_then(|o| Str::non_empty(&o.release_type));
    report.os.platform = h
        .and_then(|h| h.platform)
        .and_then(Platform::from_ips_number)
        .or_else(|| report.os.product.as_deref().and_then(Platform::from_product_name));
}

/// Splits an OS string, keeping borrowed pieces borrowed.
/// Product, version and build of an OS string.
type OsParts<'a> = (Option<Cow<'a, str>>, Option<Cow<'a, str>>, Option<Cow<'a, str>>);

fn split_os<'a>(text: &Cow<'a, str>) -> OsParts<'a> {
    match text {
        Cow::Borrowed(t) => {
            let (product, version, build) = crate::text::os_version_parts(t);
            (product.map(Cow::Borrowed), version.map(Cow::Borrowed), build.map(Cow::Borrowed))
        }
        Cow::Owned(t) => {
            let (product, version, build) = crate::text::os_version_parts(t);
            let own = |s: &str| Cow::Owned(s.to_string());
            (product.map(own), version.map(own), build.map(own))
        }
    }
}

fn timestamp_or_warn(text: &str, field: &str, warnings: &mut Vec<Warning>) -> Option<Timestamp> {
    let parsed = Timestamp::parse(text);
    if parsed.is_none() {
        warnings.push(Warning {
            location: Location { json_path: Some(field.to_string()), ..Location::default() },
            message: format!("expected a date `YYYY-MM-DD HH:MM:SS[.ffff] [+HHMM]`, found {}", excerpt(text, 40)),
        });
    }
    parsed
}

fn read_exception<'a>(body: &Body<'a>) -> ExceptionInfo<'a> {
    let mut info = ExceptionInfo::default();
    if let Some(e) = &body.exception {
        info.exception_type = Str::non_empty(&e.kind);
        info.signal = Str::non_empty(&e.signal);
        info.subtype = Str::non_empty(&e.subtype);
        info.codes = Str::non_empty(&e.codes);
        info.message = Str::non_empty(&e.message);
        info.code_values = match &e.raw_codes {
            Some(raw) => raw.clone(),
            None => info
                .codes
                .as_deref()
                .map(|c| c.split(',').filter_map(|p| crate::text::frames::parse_hex(p.trim())).collect())
                .unwrap_or_default(),
        };
        info.address = info
            .subtype
            .as_deref()
            .and_then(|s| s.rsplit_once(" at "))
            .and_then(|(_, a)| crate::text::frames::parse_hex(a.trim()));
    }
    if let Some(t) = &body.termination {
        info.termination = Some(Termination {
            namespace: Str::non_empty(&t.namespace),
            code: t.code,
            indicator: Str::non_empty(&t.indicator),
            by_process: Str::non_empty(&t.by_proc),
            by_pid: t.by_pid.and_then(|v| u32::try_from(v).ok()),
            reasons: t.reasons.as_ref().map(|r| r.0.iter().map(|s| s.0.clone()).collect()).unwrap_or_default(),
        });
    }
    if let Some(vm) = Str::non_empty(&body.vm_region_info) {
        info.vm_region_info = split_lines(vm);
    }
    info
}

/// Application Specific Information, its backtraces, kernel triage, and the
/// iOS 18 `exceptionReason`.
fn read_diagnostics<'a>(report: &mut Report<'a>, body: &Body<'a>, warnings: &mut Vec<Warning>) {
    if let Some(asi) = &body.asi {
        for (_, lines) in &asi.0 {
            report.application_specific_info.extend(lines.0.iter().map(|s| s.0.clone()));
        }
    }
    for (index, text) in body.asi_backtraces.iter().flatten().enumerate() {
        let mut frames = Vec::new();
        for (line_index, line) in text.0.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match parse_frame_line(line) {
                Ok(frame) => frames.push(owned_frame(frame)),
                Err(error) => warnings.push(Warning {
                    location: Location { json_path: Some(format!("asiBacktraces[{index}]")), ..Location::default() },
                    message: format!("backtrace line {} skipped: expected {}", line_index + 1, error.expected),
                }),
            }
        }
        report.application_specific_backtraces.push(frames);
    }
    if let Some(triage) = Str::non_empty(&body.ktriageinfo) {
        report.kernel_triage = split_lines(triage);
    }
    if let Some(reason) = &body.exception_reason
        && let Some(name) = Str::non_empty(&reason.name).or_else(|| Str::non_empty(&reason.class))
    {
        report.uncaught_exception = Some(model::UncaughtException {
            name,
            reason: Str::non_empty(&reason.composed_message).or_else(|| Str::non_empty(&reason.reason)),
        });
    }
}

/// A frame parsed out of a JSON string borrows from a temporary; own it.
fn owned_frame(frame: model::Frame<'_>) -> model::Frame<'static> {
    let own = |c: Option<Cow<'_, str>>| c.map(|c| Cow::Owned(c.into_owned()));
    model::Frame {
        address: frame.address,
        image_name: own(frame.image_name),
        image_index: None,
        image_offset: frame.image_offset,
        symbol: own(frame.symbol),
        symbol_offset: frame.symbol_offset,
        source: frame.source.map(|s| SourceLocation {
            file: Cow::Owned(s.file.into_owned()),
            line: s.line,
            column: s.column,
        }),
        inlined: frame.inlined,
    }
}

fn split_lines(text: Cow<'_, str>) -> Vec<Cow<'_, str>> {
    match text {
        Cow::Borrowed(t) => t.lines().filter(|l| !l.trim().is_empty()).map(Cow::Borrowed).collect(),
        Cow::Owned(t) => t.lines().filter(|l| !l.trim().is_empty()).map(|l| Cow::Owned(l.to_string())).collect(),
    }
}

fn to_image(image: schema::Image<'_>) -> Image<'_> {
    let start = image.base.unwrap_or(0);
    let size = image.size.unwrap_or(0);
    Image {
        start,
        end: start.saturating_add(size.saturating_sub(1)),
        name: Str::non_empty(&image.name),
        arch: Str::non_empty(&image.arch).and_then(|a| Arch::from_name(&a)),
        version: None,
        uuid: Str::non_empty(&image.uuid).and_then(|u| ImageUuid::parse(&u)).filter(|u| !u.is_nil()),
        path: Str::non_empty(&image.path),
        marked_user: false,
    }
}

fn to_frames<'a>(
    frames: Vec<schema::Frame<'a>>,
    images: &[Image<'a>],
    path: &str,
    warnings: &mut Vec<Warning>,
) -> Vec<model::Frame<'a>> {
    let mut out = Vec::with_capacity(frames.len());
    for (index, frame) in frames.into_iter().enumerate() {
        let image_index = frame.image_index.and_then(|i| usize::try_from(i).ok()).filter(|&i| i < images.len());
        let offset = frame.image_offset.unwrap_or(0);
        let Some(image_index) = image_index else {
            warnings.push(Warning {
                location: Location { json_path: Some(format!("{path}[{index}].imageIndex")), ..Location::default() },
                message: format!(
                    "frame skipped: imageIndex {:?} does not name one of the {} images",
                    frame.image_index,
                    images.len()
                ),
            });
            continue;
        };
        let image = &images[image_index];
        out.push(model::Frame {
            address: image.start.wrapping_add(offset),
            image_name: image.name.clone(),
            image_index: Some(image_index),
            image_offset: Some(offset),
            symbol: Str::non_empty(&frame.symbol),
            symbol_offset: frame.symbol_location,
            source: Str::non_empty(&frame.source_file).map(|file| SourceLocation {
                file,
                line: frame.source_line,
                column: frame.source_column,
            }),
            inlined: frame.inline.unwrap_or(false),
        });
    }
    out
}

fn to_register_state(state: schema::ThreadState<'_>) -> RegisterState<'_> {
    let flavor = match state.flavor.as_ref().map(|f| f.0.as_ref()) {
        Some("ARM_THREAD_STATE64") => RegisterFlavor::Arm64,
        Some("ARM_THREAD_STATE" | "ARM_THREAD_STATE32") => RegisterFlavor::Arm32,
        Some("x86_THREAD_STATE" | "x86_THREAD_STATE64") => RegisterFlavor::X86_64,
        Some("x86_THREAD_STATE32") => RegisterFlavor::X86,
        _ if !state.x.is_empty() => RegisterFlavor::Arm64,
        _ => RegisterFlavor::Unknown,
    };
    let mut registers = Vec::with_capacity(state.x.len() + state.named.len());
    for (i, value) in state.x.into_iter().enumerate() {
        if let Some(v) = value.value {
            registers.push(model::Register { name: Cow::Owned(format!("x{i}")), value: v, description: None });
        }
    }
    let order = flavor.canonical_order();
    let mut named: Vec<_> = state.named;
    // `.ips` lists registers in no fixed order; print them as Apple's text does.
    named.sort_by_key(|(name, _)| order.iter().position(|o| *o == name.0).unwrap_or(usize::MAX));
    let mut extra = Vec::new();
    for (name, value) in named {
        let Some(v) = value.value else { continue };
        let name = match name.0 {
            Cow::Borrowed(n) => Cow::Borrowed(RegisterFlavor::canonical_name(n)),
            Cow::Owned(n) => Cow::Owned(RegisterFlavor::canonical_name(&n).to_string()),
        };
        let register = model::Register {
            name,
            value: v,
            description: value.description.map(|d| d.0).filter(|d| !d.trim().is_empty()),
        };
        if order.contains(&register.name.as_ref()) {
            registers.push(register);
        } else {
            extra.push(register);
        }
    }
    if let Some(rosetta) = state.rosetta {
        let inner = to_register_state(*rosetta);
        for r in inner.registers.into_iter().chain(inner.extra) {
            extra.push(model::Register { name: Cow::Owned(format!("rosetta.{}", r.name)), ..r });
        }
    }
    RegisterState { flavor, registers, extra }
}
