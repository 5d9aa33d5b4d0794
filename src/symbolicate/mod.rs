//! Symbolication: a report's frames named from dSYMs and binaries, on any OS.
//!
//! A device report names the app's own frames only as `0x102230000 +
//! 25788`. This stage, model in and model out, looks each address up in the
//! debug file whose UUID is the image's, and writes the function, the
//! offset into it, the file and line, and the calls inlined there as frames
//! of their own.
//!
//! ```no_run
//! use std::path::PathBuf;
//! use crashport::symbolicate::{self, DebugFiles, NameStyle, Names};
//!
//! // Once a run: find and index the debug files, then share them.
//! let files = DebugFiles::open(&[PathBuf::from("build/Demo.xcarchive")], None);
//! for error in files.index().errors() {
//!     eprintln!("{error}"); // names the file
//! }
//! let names = Names::new(NameStyle::Short);
//!
//! let bytes = std::fs::read("Demo.ips")?;
//! if let crashport::Parsed::Crash(mut report) = crashport::Input::from_bytes(&bytes)?.parse()? {
//!     let summary = symbolicate::symbolicate(&mut report, &files, &names);
//!     println!("{} of {} frames named", summary.symbolicated, summary.frames);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The pieces: [`DebugFileIndex`] finds debug files (`index`), and
//! [`DebugFiles`] answers the [`SymbolProvider`] questions from them
//! (`provider`); [`symbolicate()`] rewrites a report's frames (`frames`), with
//! names demangled by [`Names`]; [`status()`] says which debug files a report
//! needs and which were found. How files are found and addresses looked
//! up, and how this differs from Apple's tools: docs/SYMBOLICATION.md.

mod address;
mod archive;
mod error;
mod frames;
mod index;
mod macho;
mod names;
mod provider;
mod status;

pub use archive::ArchiveLimits;
pub use error::{DebugFileError, DebugFilePath};
pub use frames::{Summary, symbolicate};
pub use index::{DebugFileIndex, DebugFileInfo};
pub use macho::DebugFileKind;
pub use names::{NameStyle, Names};
pub use provider::{DebugFiles, ImageKey, Located, Lookup, SymbolFrame, SymbolProvider};
pub use status::{ImageStatus, ReportStatus, status};

/// What a run names frames with: its debug files, indexed once, and its
/// names, each demangled once. Shared by every thread of the run (see
/// [`crate::bulk::convert::Options::symbols`]), so that every command that
/// reads reports symbolicates them alike.
pub struct Symbolicator {
    /// The debug files.
    pub files: DebugFiles,
    /// The names of the run.
    pub names: Names,
}

impl Symbolicator {
    /// Names the frames of `report` (see [`symbolicate()`]).
    pub fn symbolicate(&self, report: &mut crate::model::Report<'_>) -> Summary {
        symbolicate(report, &self.files, &self.names)
    }
}

impl std::fmt::Debug for Symbolicator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Symbolicator")
            .field("debug_files", &self.files.index().len())
            .field("names", &self.names.style())
            .finish()
    }
}
