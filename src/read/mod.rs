//! Reading a report: bytes in, the crash model out.
//!
//! [`Input`] is the one way in. It decodes the bytes ([`decode`]: BOM,
//! UTF-16, invalid UTF-8, binary files), decides from the content what the
//! input is (`dispatch`: a JSON header line, a JSON body, Xcode's
//! `Translated Report` wrapper, legacy text, a report that is not a crash),
//! runs the matching reader (`text`, `ips`), and completes the result the
//! same way for both (`link`: frames tied to their images, the crashed
//! thread settled, the uncaught exception found). The readers are not
//! public: a report that skipped the last step would hold frames without
//! images.

pub mod decode;
mod dispatch;
pub mod identity;
mod ips;
mod link;
mod settle;
pub(crate) mod text;

use std::borrow::Cow;
use std::cell::OnceCell;

use crate::error::{ParseError, Warning};
use crate::limits::Limits;
use crate::model::{Parsed, Report};

/// Decoded input text, ready to parse.
#[derive(Debug, Clone)]
pub struct Input<'a> {
    text: Cow<'a, str>,
    limits: Limits,
    warnings: Vec<Warning>,
    /// A repaired copy of a JSON body that was cut off, made on demand.
    scratch: OnceCell<String>,
    /// A copy of a quoted or indented paste without its prefix, made on demand.
    unquoted: OnceCell<String>,
}

impl<'a> Input<'a> {
    /// Decodes `bytes`: strips a BOM, decodes UTF-16 when a UTF-16 BOM says
    /// so, replaces invalid UTF-8 (with a warning), and refuses binary data.
    pub fn from_bytes(bytes: &'a [u8]) -> Result<Input<'a>, ParseError> {
        Self::with_limits(bytes, Limits::default())
    }

    /// [`Input::from_bytes`] with other [`Limits`] than the defaults.
    pub fn with_limits(bytes: &'a [u8], limits: Limits) -> Result<Input<'a>, ParseError> {
        let mut warnings = Vec::new();
        let text = decode::decode(bytes, &limits, &mut warnings)?;
        Ok(Input { text, limits, warnings, scratch: OnceCell::new(), unquoted: OnceCell::new() })
    }

    /// The decoded text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Warnings from decoding (invalid UTF-8 replaced, UTF-16 decoded).
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// Reads the input as a report: decides what it is from its content
    /// (see `docs/FORMATS.md`), then reads it with the matching reader.
    pub fn parse(&self) -> Result<Parsed<'_>, ParseError> {
        let context = dispatch::Context { scratch: &self.scratch, unquoted: &self.unquoted, limits: self.limits };
        let mut parsed = dispatch::read(&self.text, &context)?;
        if let Parsed::Crash(report) = &mut parsed {
            report.warnings.splice(0..0, self.warnings.iter().cloned());
        }
        Ok(parsed)
    }
}

/// Completes a freshly read report in place: what both readers leave to
/// be worked out from the whole report.
fn complete(report: &mut Report<'_>) {
    link::link_frames(report);
    settle::settle_crashed_thread(report);
    settle::complete_uncaught_exception(report);
    if report.objc_selector.is_none() {
        report.objc_selector = report.application_specific_info.iter().find_map(|l| settle::objc_selector(l));
    }
    if report.threads.is_empty() && report.exception.is_empty() {
        report.warnings.push(Warning::general(
            "the report has no exception block and no threads: it looks cut off after its header",
        ));
    }
}
