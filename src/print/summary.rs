//! The person view of `crashport inspect`: a few aligned lines per report.

use std::path::Path;

use anstyle::{AnsiColor, Style};

use crate::hex::{self, Hex};
use crate::model::{Frame, Report, Skipped};

/// How the summary is printed.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// How many frames of the crashed thread to show.
    pub frames: usize,
    /// Colour and bold as ANSI escapes (for a terminal).
    pub styled: bool,
}

struct Styles {
    bold: Style,
    heading: Style,
    dim: Style,
    warn: Style,
}

impl Options {
    fn styles(&self) -> Styles {
        if self.styled {
            Styles {
                bold: Style::new().bold(),
                heading: AnsiColor::Cyan.on_default().bold(),
                dim: Style::new().dimmed(),
                warn: AnsiColor::Yellow.on_default(),
            }
        } else {
            Styles { bold: Style::new(), heading: Style::new(), dim: Style::new(), warn: Style::new() }
        }
    }
}

/// A report that is not a crash, and why it is skipped.
pub fn skipped(path: &Path, skipped: &Skipped, options: &Options) -> String {
    let Styles { bold, heading, .. } = options.styles();
    format!("{heading}{}{heading:#}\n  {bold}skipped{bold:#}    {}\n\n", path.display(), skipped.reason())
}

/// What crashport understood of a crash report, for a person: kind and
/// format, process, version, OS, device, architecture, date, exception,
/// the uncaught exception's reason, the crashed thread's top frames,
/// counts, and every warning with its place.
pub fn crash(path: &Path, r: &Report<'_>, options: &Options) -> String {
    let max_frames = options.frames;
    let Styles { bold, heading, dim, warn } = options.styles();
    use std::fmt::Write as _;
    let mut s = String::new();
    let mut line = |label: &str, value: String| {
        if !value.trim().is_empty() {
            let _ = writeln!(s, "  {bold}{label:<10}{bold:#} {value}");
        }
    };
    let opt = |v: Option<&str>| v.unwrap_or("?").to_string();

    let head = format!("{heading}{}{heading:#}\n", path.display());
    line("kind", format!("crash, {}", r.format.describe()));
    line(
        "process",
        format!(
            "{}{}  {}",
            opt(r.process.name.as_deref()),
            r.process.pid.map(|p| format!(" [{p}]")).unwrap_or_default(),
            r.app.bundle_id.as_deref().unwrap_or("")
        ),
    );
    line(
        "version",
        match (&r.app.short_version, &r.app.bundle_version) {
            (None, None) => String::new(),
            (short, build) => format!("{} (build {})", opt(short.as_deref()), opt(build.as_deref())),
        },
    );
    line(
        "os",
        format!(
            "{} {}{}",
            r.os.name().or(r.os.product.as_deref()).unwrap_or("?"),
            opt(r.os.version.as_deref()),
            r.os.build.as_deref().map(|b| format!(" ({b})")).unwrap_or_default()
        ),
    );
    line("device", r.hardware_model.as_deref().unwrap_or("").to_string());
    line(
        "arch",
        r.code_type
            .map(|c| format!("{}{}", c.arch, if c.translated { " (translated by Rosetta)" } else { "" }))
            .unwrap_or_default(),
    );
    line("date", r.timestamp.map(|t| format!("{t}  ({} UTC)", t.to_utc_millis_string())).unwrap_or_default());
    line("incident", r.incident_id.as_deref().unwrap_or("").to_string());
    let e = &r.exception;
    let mut exception = opt(e.exception_type.as_deref());
    if let Some(signal) = e.signal.as_deref().filter(|s| Some(*s) != e.exception_type.as_deref()) {
        exception.push_str(&format!(" ({signal})"));
    }
    if let Some(subtype) = &e.subtype {
        exception.push_str(&format!("  {subtype}"));
    }
    line("exception", exception);
    line("codes", e.codes.as_deref().unwrap_or("").to_string());
    line("address", e.address.map(|a| hex::prefixed(a).to_string()).unwrap_or_default());
    if let Some(u) = &r.uncaught_exception {
        let reason = u.reason.as_deref().unwrap_or("");
        line("reason", u.name.as_deref().map_or_else(|| reason.to_string(), |name| format!("{name}: {reason}")));
    }
    let mut out = head;
    out.push_str(&s);
    match r.crashed_thread() {
        Some(t) => {
            let name = t.display_name().map(|n| format!("  {n}")).unwrap_or_default();
            let _ = writeln!(out, "  {bold}{:<10}{bold:#} thread {}{name}", "crashed", t.number);
            for (i, f) in t.frames.iter().take(max_frames).enumerate() {
                let _ = writeln!(out, "    {dim}{i:<3}{dim:#} {}", frame(r, f));
            }
            if t.frames.len() > max_frames {
                let _ = writeln!(out, "    {dim}... {} more{dim:#}", t.frames.len() - max_frames);
            }
        }
        None => {
            let _ = writeln!(out, "  {bold}{:<10}{bold:#} no crashed thread found", "crashed");
        }
    }
    let frames: usize = r.threads.iter().map(|t| t.frames.len()).sum();
    let _ = writeln!(
        out,
        "  {bold}{:<10}{bold:#} {} threads, {frames} frames, {} images",
        "counts",
        r.threads.len(),
        r.images.len()
    );
    if let Some(leb) = &r.last_exception_backtrace {
        let _ = writeln!(out, "  {bold}{:<10}{bold:#} last exception backtrace: {} frames", "", leb.len());
    }
    for w in &r.warnings {
        let _ = writeln!(out, "  {warn}warning{warn:#}    {w}");
    }
    out.push('\n');
    out
}

/// One frame: image, address, symbol or `base + offset`, source, inlined.
pub fn frame(r: &Report<'_>, f: &Frame<'_>) -> String {
    let image = f.image_name.as_deref().or_else(|| r.frame_image(f).and_then(|i| i.name.as_deref())).unwrap_or("???");
    let mut text = format!("{image:<28} {}", Hex::prefixed(f.address, r.pointer_hex_digits()));
    match (&f.symbol, f.symbol_offset) {
        (Some(symbol), Some(offset)) => text.push_str(&format!(" {symbol} + {offset}")),
        (Some(symbol), None) => text.push_str(&format!(" {symbol}")),
        (None, _) => {
            if let Some(image) = r.frame_image(f) {
                text.push_str(&format!(" {} + {}", hex::prefixed(image.start), f.address.wrapping_sub(image.start)));
            }
        }
    }
    if let Some(source) = &f.source {
        text.push_str(&format!(" ({}:{})", source.file, source.line.unwrap_or(0)));
    }
    if f.inlined {
        text.push_str(" [inlined]");
    }
    text
}
