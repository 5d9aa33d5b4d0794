//! Apple's legacy text layout of a crash report, printed from the model:
//! the translation Console and Xcode make of an `.ips` (macOS 12+, iOS 15+),
//! for a report of any format crashport reads.
//!
//! ```
//! let bytes = b"Incident Identifier: 6156848E-344E-4D9E-84E0-87AFD0D0AE7B\n\
//! Process:             TouchCanvas [1052]\n\
//! OS Version:          iPhone OS 16.0 (20A362)\n\
//! Exception Type:  EXC_BAD_ACCESS (SIGSEGV)\n\
//! Triggered by Thread:  0\n\n\
//! Thread 0 Crashed:\n\
//! 0   TouchCanvas   0x0000000102268e70 0x10211c000 + 1363568\n";
//! let input = crashport::Input::from_bytes(bytes)?;
//! if let crashport::Parsed::Crash(report) = input.parse()? {
//!     let text = crashport::print::apple_text::render(&report);
//!     assert!(text.contains("Triggered by Thread:  0\n"));
//!     assert!(text.contains("0   TouchCanvas                   \t       0x102268e70 0x10211c000 + 1363568\n"));
//!     assert!(text.ends_with("EOF\n"));
//! }
//! # Ok::<(), crashport::ParseError>(())
//! ```
//!
//! Apple's layout differs by platform, in two places that do not always go
//! together: the header and exception block follow the platform the process
//! was built for (iOS's `Triggered by Thread:  0` and 21-column keys,
//! macOS's `Crashed Thread:` and 23-column keys), and the threads and
//! images follow the system it ran on (iOS's `Thread 0 name:` and
//! `name arch <uuid>`, macOS's `Thread 0::` and `name (version) <uuid>`).
//! An iOS app in the simulator takes the first from iOS and the second from
//! macOS, as Apple's own translation does. What the report does not have is
//! left out. docs/RENDER.md lists each field and where it comes from.

mod frames;
mod header;
mod images;
mod registers;

use crate::model::{Platform, Report};

/// The two families of Apple's layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// iOS, iPadOS, tvOS, watchOS, visionOS.
    Embedded,
    /// macOS.
    Mac,
}

/// Which family each part of the text follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// The header and the exception block: the platform the process was
    /// built for.
    pub header: Family,
    /// Threads, thread state and binary images: the system the process ran on.
    pub body: Family,
}

impl Layout {
    /// The layout Apple gives `report`: its platform for the header (the
    /// `.ips` header's number, else the OS name), the OS it ran on for the
    /// body. A report that says neither is laid out as iOS.
    pub fn of(report: &Report<'_>) -> Layout {
        let family = |platform: Option<Platform>| match platform {
            Some(Platform::MacOS) => Family::Mac,
            _ => Family::Embedded,
        };
        let ran_on = report.os.product.as_deref().and_then(Platform::from_product_name).or(report.os.platform);
        Layout { header: family(report.os.platform.or(ran_on)), body: family(ran_on) }
    }
}

/// The report as Apple's text, ending with the `EOF` line.
pub fn render(report: &Report<'_>) -> String {
    // Reports print to a few tens of kilobytes; one allocation of about
    // the right size saves growing the string a dozen times.
    let frames: usize = report.threads.iter().map(|t| t.frames.len()).sum();
    let mut out = String::with_capacity(2048 + 120 * frames + 200 * report.images.len());
    write(report, &mut out);
    out
}

/// Appends the report as Apple's text to `out`.
pub fn write(report: &Report<'_>, out: &mut String) {
    let layout = Layout::of(report);
    header::write_header(report, layout, out);
    header::write_exception(report, layout, out);
    frames::write_backtraces(report, out);
    frames::write_threads(report, layout.body, out);
    registers::write_states(report, layout.body, out);
    images::write_images(report, layout.body, out);
    out.push_str("EOF\n");
}

/// Appends `count` spaces.
fn pad(out: &mut String, count: usize) {
    out.extend(std::iter::repeat_n(' ', count));
}

/// Appends `text` right-aligned in `width` columns.
fn right(out: &mut String, text: &str, width: usize) {
    pad(out, width.saturating_sub(text.len()));
    out.push_str(text);
}

/// Appends `text` left-aligned in `width` columns (longer text is kept whole).
fn left(out: &mut String, text: &str, width: usize) {
    out.push_str(text);
    pad(out, width.saturating_sub(text.chars().count()));
}
