//! From the `.ips` schema to the crash model: each value of the wrong type
//! becomes a warning naming its JSON path, and the rest is kept.

use std::borrow::Cow;

use uuid::Uuid;

use super::schema::{self, Body, Header, List, Obj, Scalar};
use crate::error::{Location, Warning, WarningSink, excerpt};
use crate::hex;
use crate::model::arch::{self, CodeType};
use crate::model::timestamp::Timestamp;
use crate::model::{
    self, ExceptionInfo, Image, Platform, RegisterFlavor, RegisterState, Report, SourceFormat, SourceLocation,
    Termination,
};
use crate::read::text::{frame_line, os_version};

/// Reads scalar fields, turning values of the wrong type into warnings.
struct Fields {
    warnings: WarningSink,
}

impl Fields {
    fn wrong(&mut self, path: String, wanted: &str, found: &Scalar<'_>) {
        self.warnings.push(Warning {
            location: Location { json_path: Some(path), ..Location::default() },
            message: format!("expected {wanted}, found {}; ignored", found.describe()),
        });
    }

    fn str<'a>(&mut self, value: &Scalar<'a>, path: impl FnOnce() -> String) -> Option<Cow<'a, str>> {
        let out = value.str();
        if out.is_none() && value.is_present() && !matches!(value, Scalar::Str(_)) {
            self.wrong(path(), "a string", value);
        }
        out
    }

    fn u64(&mut self, value: &Scalar<'_>, path: impl FnOnce() -> String) -> Option<u64> {
        let out = value.u64();
        if out.is_none() && value.is_present() {
            self.wrong(path(), "a non-negative integer", value);
        }
        out
    }

    fn u32(&mut self, value: &Scalar<'_>, path: impl FnOnce() -> String) -> Option<u32> {
        let out = value.u64().and_then(|n| u32::try_from(n).ok());
        if out.is_none() && value.is_present() {
            self.wrong(path(), "an integer below 2^32", value);
        }
        out
    }

    fn bool(&mut self, value: &Scalar<'_>, path: impl FnOnce() -> String) -> Option<bool> {
        let out = value.bool();
        if out.is_none() && value.is_present() {
            self.wrong(path(), "true or false", value);
        }
        out
    }

    fn obj<'o, T>(&mut self, value: &'o Obj<T>, path: impl FnOnce() -> String) -> Option<&'o T> {
        if let Obj::Invalid(what) = value {
            self.wrong(path(), "an object", &Scalar::Other(what));
        }
        value.get()
    }

    fn list<T, const MAX: usize>(&mut self, value: List<T, MAX>, path: impl FnOnce() -> String) -> Vec<T> {
        if let List::Invalid(what) = &value {
            self.wrong(path(), "an array", &Scalar::Other(what));
        }
        value.into_items()
    }
}

/// Builds the crash model from a header (when present) and a body.
pub(crate) fn to_report<'a>(header: Option<&Header<'a>>, body: Body<'a>) -> Report<'a> {
    let mut report = Report { format: SourceFormat::Ips, ..Report::default() };
    let mut f = Fields { warnings: WarningSink::default() };
    let h = header;
    let hstr = |get: for<'h> fn(&'h Header<'a>) -> &'h Scalar<'a>| h.and_then(|h| get(h).str());

    report.bug_type = f.str(&body.bug_type, || "bug_type".into()).or_else(|| hstr(|h| &h.bug_type));
    report.incident_id = f.str(&body.incident, || "incident".into()).or_else(|| hstr(|h| &h.incident_id));
    report.crash_reporter_key = f.str(&body.crash_reporter_key, || "crashReporterKey".into());

    let p = &mut report.process;
    p.name =
        f.str(&body.proc_name, || "procName".into()).or_else(|| hstr(|h| &h.name)).or_else(|| hstr(|h| &h.app_name));
    p.pid = f.u32(&body.pid, || "pid".into());
    p.path = f.str(&body.proc_path, || "procPath".into());
    p.role = f.str(&body.proc_role, || "procRole".into());
    p.parent_name = f.str(&body.parent_proc, || "parentProc".into());
    p.parent_pid = f.u32(&body.parent_pid, || "parentPid".into());
    p.responsible = f.str(&body.responsible_proc, || "responsibleProc".into());
    p.coalition = f.str(&body.coalition_name, || "coalitionName".into());
    p.coalition_id = f.u64(&body.coalition_id, || "coalitionID".into());
    p.user_id = f.u32(&body.user_id, || "userID".into());

    let bundle = f.obj(&body.bundle_info, || "bundleInfo".into());
    // The header's versions are the truth (FORMATS.md); bundleInfo fills in.
    report.app.bundle_id = bundle.and_then(|b| b.identifier.str()).or_else(|| hstr(|h| &h.bundle_id));
    report.app.short_version = hstr(|h| &h.app_version).or_else(|| bundle.and_then(|b| b.short_version.str()));
    report.app.bundle_version = hstr(|h| &h.build_version).or_else(|| bundle.and_then(|b| b.bundle_version.str()));

    read_os(&mut report, h, &body, &mut f);
    report.hardware_model = f.str(&body.model_code, || "modelCode".into());
    report.baseband_version = f.str(&body.baseband_version, || "basebandVersion".into());
    let translated = f.bool(&body.translated, || "translated".into()).unwrap_or(false);
    report.code_type = f.str(&body.cpu_type, || "cpuType".into()).and_then(|t| CodeType::parse(&t)).map(|mut c| {
        c.translated = translated;
        c
    });
    report.timestamp = f
        .str(&body.capture_time, || "captureTime".into())
        .or_else(|| hstr(|h| &h.timestamp))
        .and_then(|t| timestamp_or_warn(&t, "captureTime", &mut f));
    report.launch_time =
        f.str(&body.proc_launch, || "procLaunch".into()).and_then(|t| timestamp_or_warn(&t, "procLaunch", &mut f));

    report.exception = read_exception(&body, &mut f);
    read_diagnostics(&mut report, &body, &mut f);

    let images: Vec<Image<'a>> = f
        .list(body.used_images, || "usedImages".into())
        .into_iter()
        .enumerate()
        .filter_map(|(i, image)| f.obj(&image, || format!("usedImages[{i}]")).map(|image| to_image(image, i, &mut f)))
        .collect();
    let leb = body.last_exception_backtrace;
    if leb.is_present() {
        let frames = f.list(leb, || "lastExceptionBacktrace".into());
        report.last_exception_backtrace = Some(to_frames(frames, &images, FrameList::LastException, &mut f));
    } else {
        f.list(leb, || "lastExceptionBacktrace".into());
    }
    let faulting = f.u32(&body.faulting_thread, || "faultingThread".into());
    let threads = f.list(body.threads, || "threads".into());
    report.threads.reserve(threads.len());
    for (index, thread) in threads.into_iter().enumerate() {
        let number = index as u32;
        let Obj::Ok(thread) = thread else {
            f.obj(&thread, || format!("threads[{index}]"));
            continue;
        };
        // Paths are only written out for warnings.
        let path = |field: &str| format!("threads[{index}].{field}");
        let frames = f.list(thread.frames, || path("frames"));
        report.threads.push(model::Thread {
            number,
            id: f.u64(&thread.id, || path("id")),
            name: f.str(&thread.name, || path("name")),
            queue: f.str(&thread.queue, || path("queue")),
            crashed: f.bool(&thread.triggered, || path("triggered")).unwrap_or(false) || faulting == Some(number),
            frames: to_frames(frames, &images, FrameList::Thread(index), &mut f),
            registers: match thread.thread_state {
                Obj::Ok(state) => Some(to_register_state(state)),
                other => {
                    f.obj(&other, || path("threadState"));
                    None
                }
            },
        });
    }
    report.crashed_thread = faulting;
    if let Some(faulting) = faulting.filter(|&n| n as usize >= report.threads.len()) {
        f.warnings.push(Warning::general(format!(
            "faultingThread is {faulting} but the report has {} thread(s)",
            report.threads.len()
        )));
    }
    report.images = images;
    report.warnings = f.warnings.into_vec();
    report
}

fn read_os<'a>(report: &mut Report<'a>, h: Option<&Header<'a>>, body: &Body<'a>, f: &mut Fields) {
    let os = f.obj(&body.os_version, || "osVersion".into());
    let train = os.and_then(|o| o.train.str());
    let header_os = h.and_then(|h| h.os_version.str());
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
    if let Some(build) = os.and_then(|o| o.build.str()) {
        report.os.build = Some(build);
    }
    report.os.release_type = os.and_then(|o| o.release_type.str());
    report.os.platform = h
        .and_then(|h| h.platform.i64())
        .and_then(Platform::from_ips_number)
        .or_else(|| report.os.product.as_deref().and_then(Platform::from_product_name));
}

/// Product, version and build of an OS string.
type OsParts<'a> = (Option<Cow<'a, str>>, Option<Cow<'a, str>>, Option<Cow<'a, str>>);

/// Splits an OS string, keeping borrowed pieces borrowed.
fn split_os<'a>(text: &Cow<'a, str>) -> OsParts<'a> {
    match text {
        Cow::Borrowed(t) => {
            let (product, version, build) = os_version(t);
            (product.map(Cow::Borrowed), version.map(Cow::Borrowed), build.map(Cow::Borrowed))
        }
        Cow::Owned(t) => {
            let (product, version, build) = os_version(t);
            let own = |s: &str| Cow::Owned(s.to_string());
            (product.map(own), version.map(own), build.map(own))
        }
    }
}

fn timestamp_or_warn(text: &str, field: &str, f: &mut Fields) -> Option<Timestamp> {
    let parsed = Timestamp::parse(text);
    if parsed.is_none() {
        f.warnings.push(Warning {
            location: Location { json_path: Some(field.to_string()), ..Location::default() },
            message: format!("expected a date `YYYY-MM-DD HH:MM:SS[.ffff] [+HHMM]`, found {}", excerpt(text, 40)),
        });
    }
    parsed
}

fn read_exception<'a>(body: &Body<'a>, f: &mut Fields) -> ExceptionInfo<'a> {
    let mut info = ExceptionInfo::default();
    if let Some(e) = f.obj(&body.exception, || "exception".into()) {
        info.exception_type = f.str(&e.kind, || "exception.type".into());
        info.signal = f.str(&e.signal, || "exception.signal".into());
        info.subtype = f.str(&e.subtype, || "exception.subtype".into());
        info.codes = f.str(&e.codes, || "exception.codes".into());
        info.message = f.str(&e.message, || "exception.message".into());
        info.code_values = if e.raw_codes.is_present() {
            e.raw_codes.items().iter().filter_map(Scalar::u64).collect()
        } else {
            info.codes
                .as_deref()
                .map(|c| c.split(',').filter_map(|p| hex::parse_prefixed(p.trim())).collect())
                .unwrap_or_default()
        };
        info.address = info
            .subtype
            .as_deref()
            .and_then(|s| s.rsplit_once(" at "))
            .and_then(|(_, a)| hex::parse_prefixed(a.trim()));
    }
    if let Some(t) = f.obj(&body.termination, || "termination".into()) {
        info.termination = Some(Termination {
            namespace: f.str(&t.namespace, || "termination.namespace".into()),
            code: f.u64(&t.code, || "termination.code".into()),
            indicator: f.str(&t.indicator, || "termination.indicator".into()),
            by_process: f.str(&t.by_proc, || "termination.byProc".into()),
            by_pid: f.u32(&t.by_pid, || "termination.byPid".into()),
            reasons: t.reasons.0.clone(),
        });
    }
    // The process was a corpse when the report was taken: Apple's text says
    // so as the exception note.
    if f.bool(&body.is_corpse, || "isCorpse".into()) == Some(true) {
        info.note = Some(Cow::Borrowed("EXC_CORPSE_NOTIFY"));
    }
    if let Some(vm) = f.str(&body.vm_region_info, || "vmRegionInfo".into()) {
        info.vm_region_info = split_lines(vm);
    }
    info
}

/// Application Specific Information, its backtraces, kernel triage, and the
/// iOS 18 `exceptionReason`.
fn read_diagnostics<'a>(report: &mut Report<'a>, body: &Body<'a>, f: &mut Fields) {
    if let Some(asi) = f.obj(&body.asi, || "asi".into()) {
        for (_, lines) in &asi.0 {
            report.application_specific_info.extend(lines.0.iter().cloned());
        }
    }
    for (index, text) in body.asi_backtraces.items().iter().enumerate() {
        let Some(text) = f.str(text, || format!("asiBacktraces[{index}]")) else { continue };
        let mut frames = Vec::new();
        for (line_index, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match frame_line(line) {
                // The JSON holds Apple's own lines: none has lost a space.
                Ok(parsed) if parsed.touching_at.is_none() => frames.push(owned_frame(parsed.frame)),
                Ok(_) => f.warnings.push(Warning {
                    location: Location { json_path: Some(format!("asiBacktraces[{index}]")), ..Location::default() },
                    message: format!(
                        "backtrace line {} skipped: expected white space after the address",
                        line_index + 1
                    ),
                }),
                Err(error) => f.warnings.push(Warning {
                    location: Location { json_path: Some(format!("asiBacktraces[{index}]")), ..Location::default() },
                    message: format!("backtrace line {} skipped: expected {}", line_index + 1, error.expected),
                }),
            }
        }
        report.application_specific_backtraces.push(frames);
    }
    if let Some(triage) = f.str(&body.ktriageinfo, || "ktriageinfo".into()) {
        report.kernel_triage = split_lines(triage);
    }
    if let Some(reason) = f.obj(&body.exception_reason, || "exceptionReason".into()) {
        let name = reason.name.str().or_else(|| reason.class.str());
        let reason = reason.composed_message.str().or_else(|| reason.reason.str());
        if name.is_some() || reason.is_some() {
            report.uncaught_exception = Some(model::UncaughtException { name, reason });
        }
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
        symbol_origin: frame.symbol_origin,
    }
}

fn split_lines(text: Cow<'_, str>) -> Vec<Cow<'_, str>> {
    match text {
        Cow::Borrowed(t) => t.lines().filter(|l| !l.trim().is_empty()).map(Cow::Borrowed).collect(),
        Cow::Owned(t) => t.lines().filter(|l| !l.trim().is_empty()).map(|l| Cow::Owned(l.to_string())).collect(),
    }
}

fn to_image<'a>(image: &schema::Image<'a>, index: usize, f: &mut Fields) -> Image<'a> {
    let path = || format!("usedImages[{index}]");
    let start = f.u64(&image.base, || path() + ".base").unwrap_or(0);
    let size = f.u64(&image.size, || path() + ".size").unwrap_or(0);
    let uuid_text = f.str(&image.uuid, || path() + ".uuid");
    let uuid = uuid_text.as_deref().map(|text| Uuid::try_parse(text.trim()));
    if let (Some(Err(_)), Some(text)) = (&uuid, &uuid_text) {
        f.warnings.push(Warning {
            location: Location { json_path: Some(path() + ".uuid"), ..Location::default() },
            message: format!("expected a UUID, found {}; image kept without it", excerpt(text, 40)),
        });
    }
    Image {
        start,
        end: start.saturating_add(size.saturating_sub(1)),
        name: f.str(&image.name, || path() + ".name"),
        arch: f.str(&image.arch, || path() + ".arch").and_then(|a| arch::parse(&a)),
        version: f.str(&image.short_version, || path() + ".CFBundleShortVersionString"),
        bundle_id: f.str(&image.bundle_id, || path() + ".CFBundleIdentifier"),
        uuid: uuid.and_then(Result::ok).filter(|u| !u.is_nil()),
        path: f.str(&image.path, || path() + ".path"),
        marked_user: false,
    }
}

/// Which list of frames is being read, for the JSON paths of warnings.
#[derive(Clone, Copy)]
enum FrameList {
    LastException,
    Thread(usize),
}

impl std::fmt::Display for FrameList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameList::LastException => f.write_str("lastExceptionBacktrace"),
            FrameList::Thread(index) => write!(f, "threads[{index}].frames"),
        }
    }
}

fn to_frames<'a>(
    frames: Vec<Obj<schema::Frame<'a>>>,
    images: &[Image<'a>],
    path: FrameList,
    f: &mut Fields,
) -> Vec<model::Frame<'a>> {
    let mut out = Vec::with_capacity(frames.len());
    // Frames whose image is unknown have no address; one warning per list
    // says how many (a report cut off before `usedImages` loses them all).
    let mut unplaced: Vec<usize> = Vec::new();
    for (index, frame) in frames.into_iter().enumerate() {
        let Obj::Ok(frame) = frame else {
            f.obj(&frame, || format!("{path}[{index}]"));
            continue;
        };
        let image_index = frame.image_index.u64().and_then(|i| usize::try_from(i).ok()).filter(|&i| i < images.len());
        let Some(image_index) = image_index else {
            unplaced.push(index);
            continue;
        };
        let offset = f.u64(&frame.image_offset, || format!("{path}[{index}].imageOffset")).unwrap_or(0);
        let image = &images[image_index];
        // A frame in no image points at the trailing all-zero image, with
        // its address as the offset: it is in no image, as Apple's text says.
        let in_image = !image.is_placeholder();
        out.push(model::Frame {
            address: image.start.wrapping_add(offset),
            image_name: image.name.clone().filter(|_| in_image),
            image_index: in_image.then_some(image_index),
            image_offset: in_image.then_some(offset),
            symbol: f.str(&frame.symbol, || format!("{path}[{index}].symbol")).map(trim_end),
            symbol_offset: f.u64(&frame.symbol_location, || format!("{path}[{index}].symbolLocation")),
            source: f.str(&frame.source_file, || format!("{path}[{index}].sourceFile")).map(|file| SourceLocation {
                file,
                line: f.u32(&frame.source_line, || format!("{path}[{index}].sourceLine")),
                column: f.u32(&frame.source_column, || format!("{path}[{index}].sourceColumn")),
            }),
            inlined: f.bool(&frame.inline, || format!("{path}[{index}].inline")).unwrap_or(false),
            symbol_origin: None,
        });
    }
    if let Some(first) = unplaced.first() {
        f.warnings.push(Warning {
            location: Location { json_path: Some(format!("{path}[{first}].imageIndex")), ..Location::default() },
            message: format!(
                "{} frame(s) skipped: their imageIndex names none of the {} image(s) in usedImages",
                unplaced.len(),
                images.len()
            ),
        });
    }
    out
}

/// A symbol without trailing white space: a C++ assertion message that
/// names an inlined frame ends in a line break, which Apple's text
/// translation cannot show (the frame line ends there).
fn trim_end(symbol: Cow<'_, str>) -> Cow<'_, str> {
    match symbol {
        Cow::Borrowed(s) => Cow::Borrowed(s.trim_end()),
        Cow::Owned(mut s) => {
            s.truncate(s.trim_end().len());
            Cow::Owned(s)
        }
    }
}

fn to_register_state(state: schema::ThreadState<'_>) -> RegisterState<'_> {
    let flavor = match state.flavor.str().as_deref() {
        Some("ARM_THREAD_STATE64") => RegisterFlavor::Arm64,
        Some("ARM_THREAD_STATE" | "ARM_THREAD_STATE32") => RegisterFlavor::Arm32,
        Some("x86_THREAD_STATE" | "x86_THREAD_STATE64") => RegisterFlavor::X86_64,
        Some("x86_THREAD_STATE32") => RegisterFlavor::X86,
        _ if !state.x.is_empty() => RegisterFlavor::Arm64,
        _ => RegisterFlavor::Unknown,
    };
    let mut registers = Vec::with_capacity(state.x.len() + state.named.len());
    for (i, value) in state.x.into_iter().enumerate() {
        let Some(v) = value.value else { continue };
        let name = match flavor.canonical_order().get(i) {
            // x0 .. x28 lead the ARM64 order.
            Some(name) if flavor == RegisterFlavor::Arm64 && i < 29 => Cow::Borrowed(*name),
            _ => Cow::Owned(format!("x{i}")),
        };
        registers.push(model::Register { name, value: v, description: None });
    }
    let order = flavor.canonical_order();
    let mut named = state.named;
    // `.ips` lists registers in no fixed order; print them as Apple's text does.
    named.sort_by_cached_key(|(name, _)| order.iter().position(|o| *o == name).unwrap_or(usize::MAX));
    let mut extra = Vec::new();
    for (name, value) in named {
        let Some(v) = value.value else { continue };
        let name = match name {
            Cow::Borrowed(n) => Cow::Borrowed(RegisterFlavor::canonical_name(n)),
            Cow::Owned(n) => Cow::Owned(RegisterFlavor::canonical_name(&n).to_string()),
        };
        let register =
            model::Register { name, value: v, description: value.description.filter(|d| !d.trim().is_empty()) };
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
