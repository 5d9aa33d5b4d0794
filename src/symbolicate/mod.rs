//! Symbolication: a report's frames named from dSYMs and binaries, on any OS.
//!
//! [`DebugFileIndex`] finds the debug files under the paths a user gives
//! (`.dSYM` bundles, folders, Mach-O files thin or fat, zip archives,
//! `.xcarchive` bundles) and indexes every slice by its UUID;
//! [`DebugFiles`] answers [`SymbolProvider`] questions from them, through a
//! symcache built once per UUID.

mod archive;
mod error;
mod index;
mod macho;
mod provider;

pub use archive::ArchiveLimits;
pub use error::{DebugFileError, DebugFilePath};
pub use index::{DebugFileIndex, DebugFileInfo};
pub use macho::DebugFileKind;
pub use provider::{DebugFiles, ImageKey, Located, Lookup, SymbolFrame, SymbolProvider};
