//! The reader for legacy text crash reports (`.crash`).
//!
//! A text report is a sequence of sections separated by blank lines: a
//! header of `Key: value` lines, the exception block, optional
//! multi-line blocks (Application Specific Information, Kernel Triage, VM
//! Region Info), `Last Exception Backtrace`, the threads, one register block,
//! and `Binary Images`. Apple has reshuffled and renamed these over fifteen
//! years; the reader recognises each section by its first line wherever it
//! stands, so an unexpected order costs nothing.
//!
//! A line that cannot be read costs a [`Warning`] with its line number; the
//! rest of the report is kept. Whatever follows the binary images (macOS
//! `External Modification Summary`, KSCrash's `Extra Information`) is not
//! part of the crash model and is not read.

mod grammar;
pub(crate) mod lines;
mod version;

use std::borrow::Cow;
use std::collections::HashMap;

use crate::error::{Location, ParseError, Warning, WarningSink, excerpt};
use crate::limits::{ElementBudget, Limits};
use crate::model::arch::CodeType;
use crate::model::timestamp::Timestamp;
use crate::model::{
    Frame, Platform, RegisterFlavor, RegisterState, Report, SourceFormat, Termination, Thread, UncaughtException,
};
pub(crate) use grammar::frame::parse as frame_line;
use grammar::header::{self, non_empty};
pub(crate) use grammar::header::{name_and_pid, os_version};
use grammar::thread::ThreadLine;
use grammar::{LineError, frame, image, register};
use lines::LineCursor;

/// Reads a text report. `first_line` is the number of the first line of
/// `text` within the whole input (2 when a JSON header line precedes it).
///
/// A line that cannot be read becomes a warning; only a limit crossed (a
/// line too long, too many threads, frames and images) fails the read.
/// Whether the result is a usable crash is for the caller to judge.
pub(crate) fn parse<'a>(text: &'a str, first_line: u32, limits: &Limits) -> Result<Report<'a>, ParseError> {
    let mut reader = TextReader {
        lines: LineCursor::with_max_len(text, first_line, limits.max_line_length),
        report: Report { format: SourceFormat::Text, ..Report::default() },
        thread_slots: None,
        highest_thread: None,
        pending_name: None,
        pending_names: HashMap::new(),
        frame_scratch: Vec::new(),
        states: Vec::new(),
        code_type_text: None,
        address_widths: 0,
        highlighted_thread: None,
        saw_images: false,
        budget: ElementBudget::new(limits.max_elements),
        too_large: None,
        warnings: WarningSink::default(),
    };
    reader.run();
    if let Some((line, length)) = reader.lines.overlong() {
        // A line past the limit, wherever it was read, ends the read.
        reader.too_large = Some(ParseError::TooLarge {
            location: Location::line(line),
            what: "the line's length".to_string(),
            limit: limits.max_line_length as u64,
            actual: length as u64,
        });
    }
    match reader.too_large.take() {
        Some(error) => Err(error),
        None => Ok(reader.finish()),
    }
}

/// A register block waiting to be attached to its thread.
struct PendingState<'a> {
    thread: u32,
    line: u32,
    state: RegisterState<'a>,
}

struct TextReader<'a> {
    lines: LineCursor<'a>,
    report: Report<'a>,
    /// Thread number to index in `report.threads`, built only once threads
    /// come out of order (they almost never do).
    thread_slots: Option<HashMap<u32, usize>>,
    /// The highest thread number so far: a higher one is new.
    highest_thread: Option<u32>,
    /// The `Thread N name:` line just read (it usually comes right before
    /// its thread).
    pending_name: Option<(u32, &'a str)>,
    /// Other `Thread N name:` lines not yet matched to their thread.
    pending_names: HashMap<u32, &'a str>,
    /// Frames of the thread being read (reused, so it does not reallocate).
    frame_scratch: Vec<Frame<'a>>,
    states: Vec<PendingState<'a>>,
    code_type_text: Option<&'a str>,
    /// The digit counts of the frame addresses read so far, as bits.
    address_widths: u32,
    /// `Highlighted Thread:`, the crashed thread when no other says which.
    highlighted_thread: Option<u32>,
    saw_images: bool,
    /// Threads, frames and images the report may still add.
    budget: ElementBudget,
    /// Set when the report passes a limit; reading stops there.
    too_large: Option<ParseError>,
    warnings: WarningSink,
}

impl<'a> TextReader<'a> {
    fn warn(&mut self, line: u32, message: impl Into<String>) {
        self.warnings.push(Warning::at_line(line, message));
    }

    fn warn_line(&mut self, number: u32, line: &str, error: &LineError, what: &str) {
        let found = excerpt(line.get(error.column..).unwrap_or(line), 60);
        self.warnings.push(Warning {
            location: Location::line_column(number, error.column as u32 + 1),
            message: format!("{what} skipped: expected {}, found {found}", error.expected),
        });
    }

    /// Takes `count` elements from the budget; on overrun records the error.
    fn take_elements(&mut self, count: usize, line: u32) -> bool {
        if self.budget.take(count).is_ok() {
            return true;
        }
        self.too_large.get_or_insert(ParseError::TooLarge {
            location: Location::line(line),
            what: "the number of threads, frames and images".to_string(),
            limit: self.budget.limit() as u64,
            actual: self.budget.used(count) as u64,
        });
        false
    }

    fn run(&mut self) {
        while let Some((number, line)) = self.lines.next() {
            if self.too_large.is_some() || self.lines.overlong().is_some() {
                break;
            }
            let trimmed = line.trim_ascii();
            if trimmed.is_empty() {
                continue;
            }
            if line.starts_with("Thread ") {
                self.thread_line(number, line);
            } else if line.starts_with("Binary Images") && image::is_section_header(line) {
                self.images();
                // What follows the images is not part of the crash model.
                break;
            } else if line.starts_with("Last Exception Backtrace:") {
                let frames = self.backtrace(number);
                self.report.last_exception_backtrace = Some(frames);
            } else if line.starts_with("Application Specific Backtrace") {
                let frames = self.frames();
                self.report.application_specific_backtraces.push(frames);
            } else if line.starts_with("VM Regions Near") || line.starts_with("VM Region Info:") {
                self.vm_regions(line);
            } else if let Some((key, value)) = header::key_value(line) {
                self.field(number, key, value);
            } else if trimmed == "EOF" || trimmed.bytes().all(|b| matches!(b, b'-' | b'=' | b'`')) {
                // The end marker of a translated report's text part, and the
                // rules and fences around reports pasted into tickets.
            } else if trimmed == "No thread state (register information) available" {
                // Apple's line where the register block would be.
            } else {
                self.warn(number, format!("unrecognised line ignored: {}", excerpt(trimmed, 80)));
            }
        }
    }

    /// Dispatches one `Key: value` line.
    fn field(&mut self, number: u32, key: &'a str, value: &'a str) {
        let r = &mut self.report;
        match key {
            "Incident Identifier" => r.incident_id = non_empty(value),
            "CrashReporter Key" | "Crash Reporter Key" | "Beta Identifier" => r.crash_reporter_key = non_empty(value),
            "Hardware Model" => r.hardware_model = non_empty(value),
            "Process" => {
                let (name, pid) = header::name_and_pid(value);
                r.process.name = non_empty(name);
                r.process.pid = pid;
            }
            "Path" => r.process.path = non_empty(value),
            "Identifier" => r.app.bundle_id = non_empty(value),
            "Version" => r.app.version_text = non_empty(value),
            "Code Type" => {
                self.code_type_text = Some(value.trim_ascii());
                r.code_type = CodeType::parse(value);
                if r.code_type.is_none() {
                    self.warn(
                        number,
                        format!("unknown architecture in Code Type: {}", excerpt(value.trim_ascii(), 40)),
                    );
                }
            }
            "Role" => r.process.role = non_empty(value),
            "Parent Process" => {
                let (name, pid) = header::name_and_pid(value);
                r.process.parent_name = non_empty(name);
                r.process.parent_pid = pid;
            }
            "Responsible" | "Responsible Process" => r.process.responsible = non_empty(header::name_and_pid(value).0),
            "Coalition" => {
                let (name, id) = header::name_and_pid(value);
                r.process.coalition = non_empty(name);
                r.process.coalition_id = id.map(u64::from);
            }
            "User ID" => r.process.user_id = value.trim_ascii().parse().ok(),
            "Date/Time" => self.report.timestamp = self.timestamp(number, value),
            "Launch Time" => self.report.launch_time = self.timestamp(number, value),
            "OS Version" => {
                let (product, version, build) = header::os_version(value);
                r.os.platform = product.and_then(Platform::from_product_name);
                r.os.product = product.map(Cow::Borrowed);
                r.os.version = version.map(Cow::Borrowed);
                r.os.build = build.map(Cow::Borrowed);
            }
            "Release Type" => r.os.release_type = non_empty(value),
            "Report Version" => r.report_version = non_empty(value),
            "Baseband Version" => r.baseband_version = non_empty(value),
            "Exception Type" => {
                let (kind, signal) = header::exception_type(value);
                r.exception.exception_type = non_empty(kind);
                r.exception.signal = signal.map(Cow::Borrowed);
            }
            "Exception Subtype" => {
                let codes = header::exception_codes(value);
                r.exception.subtype = non_empty(value);
                r.exception.address = r.exception.address.or(codes.address);
            }
            "Exception Codes" => {
                let codes = header::exception_codes(value);
                if let Some(text) = codes.numeric_text {
                    r.exception.codes = Some(Cow::Borrowed(text));
                    r.exception.code_values = codes.values;
                }
                if let Some(symbolic) = codes.symbolic {
                    r.exception.subtype = r.exception.subtype.take().or(Some(Cow::Borrowed(symbolic)));
                }
                r.exception.address = r.exception.address.or(codes.address);
            }
            "Exception Message" => r.exception.message = non_empty(value),
            // macOS 26: the uncaught exception's reason, without its name
            // (Application Specific Information may name it).
            "Exception Reason" => {
                r.uncaught_exception =
                    non_empty(value).map(|reason| UncaughtException { name: None, reason: Some(reason) });
            }
            "Exception Note" => r.exception.note = non_empty(value),
            "Termination Reason" => {
                let reason = header::termination_reason(value);
                let t = r.exception.termination.get_or_insert_with(Termination::default);
                t.namespace = reason.namespace.map(Cow::Borrowed);
                t.code = reason.code;
                t.indicator = reason.indicator.map(Cow::Borrowed).or(t.indicator.take());
            }
            "Termination Signal" => {
                let t = r.exception.termination.get_or_insert_with(Termination::default);
                t.indicator = t.indicator.take().or(non_empty(value));
            }
            "Termination Description" => {
                let t = r.exception.termination.get_or_insert_with(Termination::default);
                t.reasons.extend(non_empty(value));
            }
            "Terminating Process" => {
                let (name, pid) = header::name_and_pid(value);
                let t = r.exception.termination.get_or_insert_with(Termination::default);
                t.by_process = non_empty(name);
                t.by_pid = pid;
            }
            "Triggered by Thread" | "Crashed Thread" => match header::thread_number(value) {
                Some(thread) => r.crashed_thread = Some(thread),
                // CoreDiagnostics' word when no thread faulted; settling the
                // crashed thread says what that leaves.
                None if value.trim_ascii() == "Unknown" => {}
                None => self.warn(
                    number,
                    format!("expected a thread number after `{key}:`, found {}", excerpt(value.trim_ascii(), 40)),
                ),
            },
            "Application Specific Information" => {
                let mut lines: Vec<Cow<'a, str>> = non_empty(value).into_iter().collect();
                lines.extend(self.block_lines());
                self.report.application_specific_info.extend(lines);
            }
            "Kernel Triage" => {
                let mut lines: Vec<Cow<'a, str>> = non_empty(value).into_iter().collect();
                lines.extend(self.block_lines());
                self.report.kernel_triage.extend(lines);
            }
            // Old iOS names the thread to look at when none crashed (a
            // watchdog or wake-up kill): it stands in for the crashed thread.
            "Highlighted Thread" => match header::thread_number(value) {
                Some(thread) => self.highlighted_thread = Some(thread),
                None => self.warn(
                    number,
                    format!("expected a thread number after `{key}:`, found {}", excerpt(value.trim_ascii(), 40)),
                ),
            },
            "Logical CPU" | "Error Code" | "Trap Number" => self.state_extra(number, key, value),
            "Translated Code Information" if value.is_empty() => self.translated_code(number),
            _ if value.is_empty() => {
                // An unknown section (`Filtered syslog:`, `Global Trace
                // Buffer ...:`, `External Modification Summary:`): its lines
                // are not part of the crash model.
                self.block_lines();
            }
            _ => {
                // Apple adds header keys with nearly every release; unknown
                // ones are harmless and deliberately ignored.
            }
        }
    }

    fn timestamp(&mut self, number: u32, value: &str) -> Option<Timestamp> {
        let parsed = Timestamp::parse(value);
        if parsed.is_none() {
            self.warn(
                number,
                format!(
                    "expected a date `YYYY-MM-DD HH:MM:SS[.ffff] [+HHMM]`, found {}",
                    excerpt(value.trim_ascii(), 40)
                ),
            );
        }
        parsed
    }

    /// Lines of a multi-line block, up to a blank line or the next section.
    fn block_lines(&mut self) -> Vec<Cow<'a, str>> {
        let mut out = Vec::new();
        while let Some((_, line)) = self.lines.next_if(|l| !l.trim_ascii().is_empty() && !starts_section(l)) {
            out.push(Cow::Borrowed(line.trim_ascii_end()));
        }
        out
    }

    fn vm_regions(&mut self, first: &'a str) {
        let head = first.strip_prefix("VM Region Info:").map(str::trim).unwrap_or(first.trim_ascii());
        let mut lines: Vec<Cow<'a, str>> = non_empty(head).into_iter().collect();
        lines.extend(self.block_lines());
        self.report.exception.vm_region_info = lines;
    }

    /// `Thread N name:`, `Thread N:`, `Thread N Crashed:`, `Thread N crashed with ... State:`.
    fn thread_line(&mut self, number: u32, line: &'a str) {
        match grammar::thread::parse(line) {
            Ok(ThreadLine::Name(thread, name)) => {
                if let Some((other, other_name)) = self.pending_name.replace((thread, name)) {
                    self.pending_names.insert(other, other_name);
                }
            }
            Ok(ThreadLine::State(thread, header)) => self.register_block(number, thread, header),
            Ok(ThreadLine::Start { number: thread, crashed, label }) => self.thread(number, thread, crashed, label),
            // Not crash-model data.
            Ok(ThreadLine::Skipped(_)) => {
                self.block_lines();
            }
            Err(error) => self.warn_line(number, line, &error, "thread line"),
        }
    }

    fn thread(&mut self, number: u32, thread: u32, crashed: bool, label: &'a str) {
        let index = match self.thread_index(thread) {
            Some(index) => {
                self.warn(number, format!("thread {thread} is listed twice; frames added to the first listing"));
                index
            }
            None => {
                if !self.take_elements(1, number) {
                    return;
                }
                let index = self.report.threads.len();
                self.report.threads.push(Thread { number: thread, ..Thread::default() });
                if let Some(slots) = &mut self.thread_slots {
                    slots.insert(thread, index);
                }
                self.highest_thread = self.highest_thread.max(Some(thread));
                index
            }
        };
        let pending = match self.pending_name {
            Some((n, name)) if n == thread => {
                self.pending_name = None;
                Some(name)
            }
            _ => self.pending_names.remove(&thread),
        };
        let frames = self.frames();
        let t = &mut self.report.threads[index];
        t.crashed |= crashed;
        for text in [pending, Some(label)].into_iter().flatten().filter(|t| !t.is_empty()) {
            let (name, queue) = grammar::thread::name_and_queue(text);
            if queue.is_some() {
                t.queue = queue.map(Cow::Borrowed);
            }
            if let Some(name) = name {
                t.name = Some(Cow::Borrowed(name));
            }
        }
        if t.frames.is_empty() {
            t.frames = frames;
        } else {
            t.frames.extend(frames);
        }
    }

    /// The index of thread `number` in the report, when it was listed already.
    fn thread_index(&mut self, number: u32) -> Option<usize> {
        if self.highest_thread.is_none_or(|highest| number > highest) {
            return None;
        }
        let threads = &self.report.threads;
        let slots = self
            .thread_slots
            .get_or_insert_with(|| threads.iter().enumerate().map(|(index, t)| (t.number, index)).collect());
        slots.get(&number).copied()
    }

    /// Frame lines up to the end of the list: a blank line, a thread
    /// header or the next section. A line in between that is not a frame
    /// costs a warning, never the frames after it; one that continues the
    /// frame before it (a symbol holding a line break) is joined to it.
    fn frames(&mut self) -> Vec<Frame<'a>> {
        // Frames gather in a buffer kept across threads, then move to a
        // vector of exactly their number: no regrowth, no slack.
        let mut scratch = std::mem::take(&mut self.frame_scratch);
        // Most threads have under 64 frames: the buffer rarely grows again.
        scratch.reserve(64);
        let mut is_frame = false;
        while let Some((number, line)) = self.lines.next_if(|line| {
            is_frame = is_frame_line_start(line);
            is_frame || !ends_frame_list(line)
        }) {
            if !is_frame {
                if !scratch.last_mut().is_some_and(|last| frame::join_continuation(line, last)) {
                    let found = excerpt(line.trim_ascii(), 60);
                    self.warn(
                        number,
                        format!("line in a list of frames skipped: expected a frame line, found {found}"),
                    );
                }
                continue;
            }
            if !self.take_elements(1, number) {
                break;
            }
            match frame::parse(line) {
                Ok(parsed) => {
                    if self.address_is_sure(number, line, parsed.address_digits, parsed.touching_at) {
                        scratch.push(parsed.frame);
                    }
                }
                Err(error) => self.warn_line(number, line, &error, "frame line"),
            }
        }
        // Moved out element by element, so the buffer keeps its capacity.
        let mut frames = Vec::with_capacity(scratch.len());
        frames.append(&mut scratch);
        self.frame_scratch = scratch;
        frames
    }

    /// Whether a frame line's address is sure: one that touched its symbol
    /// (a paste lost the space) is split where its hex digits end, which is
    /// sure only when frames before it wrote addresses with as many digits
    /// (a damaged address, `0x19c6zz850`, has fewer). Warns either way.
    fn address_is_sure(&mut self, number: u32, line: &str, digits: usize, touching_at: Option<usize>) -> bool {
        let width = 1u32.checked_shl(digits as u32).unwrap_or(0);
        let Some(column) = touching_at else {
            self.address_widths |= width;
            return true;
        };
        let location = Location::line_column(number, column as u32 + 1);
        let sure = self.address_widths & width != 0;
        let message = if sure {
            "the address touches the symbol (a paste lost the space between them); split where the address's hex \
             digits end"
                .to_string()
        } else {
            format!(
                "frame line skipped: expected white space after the address, found {} (no other frame has an \
                 address of {digits} digits to split it at)",
                excerpt(line.get(column..).unwrap_or(line), 60)
            )
        };
        self.warnings.push(Warning { location, message });
        sure
    }

    /// `Last Exception Backtrace:` as frame lines or as `(0x... 0x...)`.
    fn backtrace(&mut self, header_line: u32) -> Vec<Frame<'a>> {
        match self.lines.peek_non_blank() {
            Some((_, line)) if line.trim_ascii_start().starts_with('(') => {
                let mut addresses = Vec::new();
                while let Some((number, line)) = self.lines.next() {
                    match frame::parse_address_list(line, &mut addresses) {
                        Ok(true) => break,
                        Ok(false) => {}
                        Err(error) => {
                            self.warn_line(number, line, &error, "rest of the Last Exception Backtrace");
                            break;
                        }
                    }
                    if matches!(self.lines.peek(), Some((_, next)) if next.trim_ascii().is_empty() || starts_section(next))
                    {
                        self.warn(number, "the Last Exception Backtrace list has no closing `)`");
                        break;
                    }
                }
                addresses.into_iter().map(|address| Frame { address, ..Frame::default() }).collect()
            }
            Some(_) => self.frames(),
            None => {
                self.warn(header_line, "Last Exception Backtrace has no frames");
                Vec::new()
            }
        }
    }

    fn register_block(&mut self, number: u32, thread: u32, header: &'a str) {
        // arm64 has 34 registers, x86-64 21: one allocation for any block.
        let mut registers = Vec::with_capacity(40);
        while let Some((line_number, line)) = self.lines.next_if(register::is_register_line) {
            if let Err(error) = register::parse_line(line, &mut registers) {
                self.warn_line(line_number, line, &error, "rest of the register line");
            }
        }
        let mut flavor = register::flavor_from_header(header);
        if flavor == RegisterFlavor::Unknown {
            flavor = register::flavor_from_registers(&registers);
            self.warn(number, format!("unknown register state `{header}`; registers kept as found"));
        }
        for register in &mut registers {
            if let Cow::Borrowed(name) = register.name {
                register.name = Cow::Borrowed(RegisterFlavor::canonical_name(name));
            }
        }
        // Registers that are not the CPU's own (Rosetta's `tmp0`..) go with
        // the other machine state, as the `.ips` reader files them.
        let order = flavor.canonical_order();
        let (registers, extra) = if order.is_empty() {
            (registers, Vec::new())
        } else {
            let mut cpu = Vec::with_capacity(registers.len());
            let mut extra = Vec::new();
            for register in registers {
                if order.contains(&register.name.as_ref()) { cpu.push(register) } else { extra.push(register) }
            }
            (cpu, extra)
        };
        self.states.push(PendingState { thread, line: number, state: RegisterState { flavor, registers, extra } });
    }

    /// Rosetta's own registers (`tmp0: 0x...`) under `Translated Code
    /// Information:`, which macOS 11 writes after the X86 register block:
    /// other machine state of that block, as the `.ips` reader files them.
    fn translated_code(&mut self, number: u32) {
        let mut registers = Vec::new();
        while let Some((line_number, line)) = self.lines.next_if(register::is_register_line) {
            if let Err(error) = register::parse_line(line, &mut registers) {
                self.warn_line(line_number, line, &error, "rest of the register line");
            }
        }
        match self.states.last_mut() {
            Some(pending) => pending.state.extra.extend(registers),
            None if registers.is_empty() => {}
            None => self.warn(number, "`Translated Code Information` without a register block before it; ignored"),
        }
    }

    /// `Logical CPU`, `Error Code`, `Trap Number` after an x86 register block.
    fn state_extra(&mut self, number: u32, key: &'a str, value: &'a str) {
        let value = value.trim_ascii();
        let (number_text, description) = value.split_once(' ').unwrap_or((value, ""));
        let parsed = crate::hex::parse_prefixed(number_text).or_else(|| number_text.parse().ok());
        match (self.states.last_mut(), parsed) {
            (Some(pending), Some(parsed)) => pending.state.extra.push(crate::model::Register {
                name: Cow::Borrowed(key),
                value: parsed,
                description: non_empty(description),
            }),
            _ => self.warn(number, format!("`{key}` outside a register block or without a number; ignored")),
        }
    }

    fn images(&mut self) {
        self.saw_images = true;
        // The list is a few hundred lines of 120-byte images, usually the
        // last section: reserving once saves growing (and copying) it eight
        // times. Capped, since a report may go on after it.
        self.report.images.reserve(self.lines.remaining_lines().min(2048));
        loop {
            let Some((number, line)) = self.lines.next_if(image::looks_like_image_line) else {
                // A blank line may sit inside the list (macOS 13); the list
                // goes on if an image line follows, or another section of
                // it (jailbreak reporters split it into dpkg, App Store
                // and other images).
                let mut ahead = self.lines.clone();
                match ahead.peek_non_blank() {
                    Some((_, next)) if image::looks_like_image_line(next) => {
                        self.lines = ahead;
                        continue;
                    }
                    Some((_, next)) if image::is_section_header(next) => {
                        ahead.next();
                        self.lines = ahead;
                        continue;
                    }
                    _ => break,
                }
            };
            if !self.take_elements(1, number) {
                break;
            }
            match image::parse(line) {
                Ok(parsed) => {
                    for problem in parsed.problems {
                        self.warn(number, problem);
                    }
                    self.report.images.push(parsed.image);
                }
                Err(error) => self.warn_line(number, line, &error, "image line"),
            }
        }
    }

    fn finish(mut self) -> Report<'a> {
        if let Some((thread, name)) = self.pending_name.take() {
            self.pending_names.insert(thread, name);
        }
        for pending in std::mem::take(&mut self.states) {
            match self.report.threads.iter().position(|t| t.number == pending.thread) {
                Some(index) => self.report.threads[index].registers = Some(pending.state),
                None => self.warn(
                    pending.line,
                    format!("register state for thread {} which the report does not list; ignored", pending.thread),
                ),
            }
        }
        // Sorted: the order of a hash map must not reach the output.
        let mut orphans: Vec<u32> = self.pending_names.keys().copied().collect();
        orphans.sort_unstable();
        for thread in orphans {
            self.warnings
                .push(Warning::general(format!("`Thread {thread} name:` for a thread the report does not list")));
        }
        if self.report.crashed_thread.is_none() && !self.report.threads.iter().any(|t| t.crashed) {
            self.report.crashed_thread = self.highlighted_thread;
        }
        version::resolve(&mut self.report, self.code_type_text);
        if !self.saw_images && !self.report.threads.is_empty() {
            self.warnings.push(Warning::at_line(
                self.lines.next_number(),
                "the report has no Binary Images section (truncated?): frames cannot be tied to images",
            ));
        }
        self.report.warnings = self.warnings.into_vec();
        self.report
    }
}

/// True for lines that start with a frame number.
fn is_frame_line_start(line: &str) -> bool {
    line.trim_ascii_start().starts_with(|c: char| c.is_ascii_digit())
}

/// True for lines that end a list of frames: a blank line, a thread
/// header, the next section, and the end marker, rules and fences of
/// exports and tickets.
fn ends_frame_list(line: &str) -> bool {
    let trimmed = line.trim_ascii();
    trimmed.is_empty()
        || starts_section(line)
        || trimmed == "EOF"
        || trimmed.bytes().all(|b| matches!(b, b'-' | b'=' | b'`'))
}

/// True for lines that open a section and so end a free-text block.
fn starts_section(line: &str) -> bool {
    line.starts_with("Thread ")
        || (line.starts_with("Binary Images") && image::is_section_header(line))
        || line.starts_with("Last Exception Backtrace:")
        || line.starts_with("Application Specific Backtrace")
}

#[cfg(test)]
mod tests {
    use super::parse;
    use crate::limits::Limits;

    fn uncaught(asi: &str) -> (Option<String>, Option<String>) {
        let text = format!(
            "Process: W [1]\nTriggered by Thread: 0, Dispatch Queue: com.apple.main-thread\n\
             Exception Type:    EXC_CRASH (SIGABRT)\nException Reason:  index 4 beyond bounds\n\n\
             Application Specific Information:\n{asi}\n\nThread 0 Crashed:\n0   W   0x1000 main + 1\n"
        );
        let input = crate::read::Input::from_bytes(text.as_bytes()).unwrap();
        let Ok(crate::Parsed::Crash(report)) = input.parse() else { panic!("{text}") };
        assert!(report.warnings.iter().all(|w| w.message.contains("Binary Images")), "{:?}", report.warnings);
        let u = report.uncaught_exception.unwrap();
        (u.name.map(|n| n.into_owned()), u.reason.map(|r| r.into_owned()))
    }

    #[test]
    fn the_exception_reason_line_takes_its_name_from_the_same_reason_only() {
        let reason = Some("index 4 beyond bounds".to_string());
        assert_eq!(uncaught("abort() called"), (None, reason.clone()));
        assert_eq!(
            uncaught(
                "*** Terminating app due to uncaught exception 'NSRangeException', reason: 'index 4 beyond bounds'"
            ),
            (Some("NSRangeException".to_string()), reason.clone())
        );
        assert_eq!(
            uncaught("*** Terminating app due to uncaught exception 'NSRangeException', reason: 'other'"),
            (None, reason)
        );
    }

    #[test]
    fn a_highlighted_thread_stands_in_only_for_a_crashed_thread_not_named() {
        let threads = "Thread 0:\n0   W   0x1000 main + 1\n\nThread 1:\n0   W   0x1000 main + 1\n";
        let crashed =
            |header: &str| parse(&format!("{header}\n\n{threads}"), 1, &Limits::default()).unwrap().crashed_thread;
        assert_eq!(crashed("Highlighted Thread:  1"), Some(1));
        assert_eq!(crashed("Crashed Thread: 0\nHighlighted Thread:  1"), Some(0));
        assert_eq!(crashed("Triggered by Thread: Unknown"), None);
        let report = parse(
            "Triggered by Thread: Unknown\n\nNo thread state (register information) available\n",
            1,
            &Limits::default(),
        )
        .unwrap();
        assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    }

    #[test]
    fn an_address_touching_its_symbol_is_split_only_at_a_width_other_frames_have() {
        let text = "Thread 0 Crashed:\n0   A   0x194955ef4__abort_message + 132\n1   A   0x194955ef8 f + 1\n\
                    2   A   0x194955ef4__abort_message + 132\n3   A   0x19c6zz850 __CFRunLoopServiceMachPort + 160\n";
        let report = parse(text, 1, &Limits::default()).unwrap();
        let addresses: Vec<u64> = report.threads[0].frames.iter().map(|f| f.address).collect();
        assert_eq!(addresses, [0x194955ef8, 0x194955ef4]);
        let columns: Vec<_> = report.warnings.iter().map(|w| (w.location.line, w.location.column)).collect();
        assert_eq!(&columns[..3], [(Some(2), Some(20)), (Some(4), Some(20)), (Some(5), Some(15))]);
    }

    #[test]
    fn binary_images_split_into_sections_are_one_list() {
        let text = "Thread 0 Crashed:\n0   Velvet.dylib  \t0x10041c010 0x10041c000 + 0x10\n\n\
                    Binary Images (dpkg):\n0x10041c000 - 0x100433fff + Velvet.dylib arm64  <246e8ca725d638c4a3296d93765b4505> /L/Velvet.dylib {\"name\":\"Velvet\"}\n\n\
                    Binary Images (App Store):\n0x100034000 - 0x1001dbfff   App arm64  <192090db12a236a6b84bd4f87b91bc25> /var/App.app/App\n\n\
                    Binary Images (Other):\n0x18b9a8000 - 0x18ba47fff   libobjc.A.dylib arm64  <837c3c769e6c3dbab18e10ab9cbc63d8> /usr/lib/libobjc.A.dylib\n";
        let report = parse(text, 1, &Limits::default()).unwrap();
        let names: Vec<_> = report.images.iter().map(|i| i.name.as_deref().unwrap_or("")).collect();
        assert_eq!(names, ["Velvet.dylib", "App", "libobjc.A.dylib"]);
        assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    }
}
