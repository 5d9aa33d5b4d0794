//! Frame lines, thread sections, and the backtraces of the exception block.
//!
//! ```text
//! 0   libswiftCore.dylib            →       0x18a98520c _assertionFailure(_:_:file:line:flags:) + 312
//! 2   iOSCrashingTest               →       0x1022364bc 0x102230000 + 25788
//! 23  FocusTogether                 →       0x104efe7b4 send_message + 28 (mod.rs:178) [inlined]
//! ```
//!
//! The number is left-aligned in four columns, the image name in thirty,
//! then a tab (`→` above) and the address right-aligned in eighteen:
//! Apple's columns.

use super::{Family, left, right};
use crate::hex::Hex;
use crate::model::{Frame, Report, Thread};

/// `Last Exception Backtrace` and macOS's `Application Specific Backtrace N`.
pub(super) fn write_backtraces(r: &Report<'_>, out: &mut String) {
    for (n, frames) in r.application_specific_backtraces.iter().enumerate() {
        out.push_str("Application Specific Backtrace ");
        out.push_str(itoa::Buffer::new().format(n));
        out.push_str(":\n");
        write_frames(r, frames, out);
        out.push('\n');
    }
    if let Some(frames) = &r.last_exception_backtrace {
        out.push_str("Last Exception Backtrace:\n");
        if frames.iter().all(is_bare) {
            address_list(frames, out);
        } else {
            write_frames(r, frames, out);
        }
        out.push('\n');
    }
}

/// A frame that is only an address: the `(0x... 0x...)` list of old
/// reports gives nothing else.
fn is_bare(frame: &Frame<'_>) -> bool {
    frame.image_name.is_none() && frame.symbol.is_none() && frame.image_offset.is_none()
}

/// `(0x1a6b5c9d8 0x1a68c8b54 ...)`, the form the report had.
fn address_list(frames: &[Frame<'_>], out: &mut String) {
    out.push('(');
    for (i, frame) in frames.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(Hex::prefixed(frame.address, 1).as_str());
    }
    out.push_str(")\n");
}

/// Every thread: its name and queue, its frames, a blank line.
pub(super) fn write_threads(r: &Report<'_>, family: Family, out: &mut String) {
    for thread in &r.threads {
        thread_header(thread, family, out);
        write_frames(r, &thread.frames, out);
        out.push('\n');
    }
}

/// iOS: `Thread 0 name:   Dispatch queue: q` (when there is a name or a
/// queue), then `Thread 0 Crashed:`; macOS: `Thread 0 Crashed::  Dispatch
/// queue: q`, `Thread 1:: name`, or `Thread 2:` for neither.
fn thread_header(thread: &Thread<'_>, family: Family, out: &mut String) {
    let number = itoa::Buffer::new().format(thread.number).to_string();
    let label = label(thread);
    match family {
        Family::Embedded => {
            if let Some(label) = &label {
                out.push_str("Thread ");
                out.push_str(&number);
                out.push_str(" name:  ");
                out.push_str(label);
                out.push('\n');
            }
            out.push_str("Thread ");
            out.push_str(&number);
            out.push_str(if thread.crashed { " Crashed:\n" } else { ":\n" });
        }
        Family::Mac => {
            out.push_str("Thread ");
            out.push_str(&number);
            if thread.crashed {
                out.push_str(" Crashed");
            }
            match &label {
                Some(label) => {
                    out.push_str(":: ");
                    out.push_str(label);
                    out.push('\n');
                }
                None => out.push_str(":\n"),
            }
        }
    }
}

/// `name Dispatch queue: q`, ` Dispatch queue: q` or `name`: Apple joins the
/// name and the queue with a space, so a queue alone leads with one.
fn label(thread: &Thread<'_>) -> Option<String> {
    match (thread.name.as_deref(), thread.queue.as_deref()) {
        (Some(name), Some(queue)) => Some(format!("{name} Dispatch queue: {queue}")),
        (None, Some(queue)) => Some(format!(" Dispatch queue: {queue}")),
        (Some(name), None) => Some(name.to_string()),
        (None, None) => None,
    }
}

/// Numbered frame lines.
pub(super) fn write_frames(r: &Report<'_>, frames: &[Frame<'_>], out: &mut String) {
    let mut number = itoa::Buffer::new();
    for (n, frame) in frames.iter().enumerate() {
        // `%-4d`, with a space kept after numbers of four digits.
        left(out, number.format(n), 3);
        out.push(' ');
        write_frame(r, frame, out);
    }
}

/// One frame after its number: image, address, and symbol or `base + offset`.
fn write_frame(r: &Report<'_>, frame: &Frame<'_>, out: &mut String) {
    let image = r.frame_image(frame);
    // A frame in the placeholder image (`.ips`'s trailing all-zero one) is
    // in no image: Apple writes `???` for it.
    let in_placeholder = image.is_some_and(|image| image.is_placeholder());
    let image = image.filter(|_| !in_placeholder);
    let name = frame.image_name.as_deref().or_else(|| image.and_then(|i| i.name.as_deref())).unwrap_or("???");
    left(out, name, 30);
    out.push('\t');
    right(out, Hex::prefixed(frame.address, 1).as_str(), 18);
    out.push(' ');
    match frame.symbol.as_deref() {
        Some(symbol) => {
            out.push_str(symbol);
            if let Some(offset) = frame.symbol_offset {
                out.push_str(" + ");
                out.push_str(itoa::Buffer::new().format(offset));
            }
            if let Some(source) = &frame.source
                && let Some(line) = source.line
            {
                // A file without a line (`<compiler-generated>`) is left
                // out, as Apple does.
                out.push_str(" (");
                out.push_str(&source.file);
                out.push(':');
                out.push_str(itoa::Buffer::new().format(line));
                if let Some(column) = source.column {
                    out.push(':');
                    out.push_str(itoa::Buffer::new().format(column));
                }
                out.push(')');
            }
        }
        None => {
            let base = match (image, frame.image_offset) {
                (Some(image), _) => Some(image.start),
                (None, Some(offset)) if !in_placeholder => Some(frame.address.wrapping_sub(offset)),
                (None, _) => None,
            };
            match base {
                Some(base) => {
                    out.push_str(Hex::prefixed(base, 1).as_str());
                    out.push_str(" + ");
                    out.push_str(itoa::Buffer::new().format(frame.address.wrapping_sub(base)));
                }
                None => out.push_str("???"),
            }
        }
    }
    if frame.inlined {
        out.push_str(" [inlined]");
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::model::{Image, SourceLocation};

    fn report() -> Report<'static> {
        Report {
            images: vec![Image {
                start: 0x102230000,
                end: 0x102237fff,
                name: Some(Cow::Borrowed("Demo")),
                arch: None,
                version: None,
                bundle_id: None,
                uuid: None,
                path: None,
                marked_user: false,
            }],
            ..Report::default()
        }
    }

    fn line(frame: Frame<'static>) -> String {
        let mut out = String::new();
        write_frames(&report(), &[frame], &mut out);
        out
    }

    #[test]
    fn frame_columns() {
        let unsymbolicated = Frame { address: 0x1022364bc, image_index: Some(0), ..Frame::default() };
        assert_eq!(
            line(unsymbolicated),
            "0   Demo                          \t       0x1022364bc 0x102230000 + 25788\n"
        );
        let named = Frame {
            address: 0x1022364bc,
            image_index: Some(0),
            symbol: Some(Cow::Borrowed("main")),
            symbol_offset: Some(12),
            source: Some(SourceLocation { file: Cow::Borrowed("main.swift"), line: Some(3), column: Some(5) }),
            inlined: true,
            ..Frame::default()
        };
        assert_eq!(
            line(named),
            "0   Demo                          \t       0x1022364bc main + 12 (main.swift:3:5) [inlined]\n"
        );
        let nowhere = Frame { address: 0x1744d8153, ..Frame::default() };
        assert_eq!(line(nowhere), "0   ???                           \t       0x1744d8153 ???\n");
    }

    #[test]
    fn thread_headers_by_family() {
        let mut out = String::new();
        let main = Thread { number: 0, crashed: true, queue: Some(Cow::Borrowed("q")), ..Thread::default() };
        thread_header(&main, Family::Embedded, &mut out);
        thread_header(&main, Family::Mac, &mut out);
        let named = Thread { number: 5, name: Some(Cow::Borrowed("worker")), ..Thread::default() };
        thread_header(&named, Family::Embedded, &mut out);
        thread_header(&named, Family::Mac, &mut out);
        let plain = Thread { number: 7, ..Thread::default() };
        thread_header(&plain, Family::Embedded, &mut out);
        thread_header(&plain, Family::Mac, &mut out);
        assert_eq!(
            out,
            "Thread 0 name:   Dispatch queue: q\nThread 0 Crashed:\nThread 0 Crashed::  Dispatch queue: q\n\
             Thread 5 name:  worker\nThread 5:\nThread 5:: worker\nThread 7:\nThread 7:\n"
        );
    }
}
