//! What can go wrong with a debug file, always naming the file.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where a debug file is: a file on disk, or a member of a zip archive on
/// disk. Displayed as `path` or `archive.zip!/member`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DebugFilePath {
    /// The file on disk (the archive, for a member of one).
    pub file: PathBuf,
    /// The member's name inside the zip archive `file`, as the archive writes it.
    pub member: Option<String>,
}

impl DebugFilePath {
    /// A file on disk.
    pub fn file(path: &Path) -> Self {
        DebugFilePath { file: path.to_path_buf(), member: None }
    }

    /// A member of the zip archive at `archive`.
    pub fn member(archive: &Path, member: &str) -> Self {
        DebugFilePath { file: archive.to_path_buf(), member: Some(member.to_string()) }
    }
}

impl fmt::Display for DebugFilePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(member) = &self.member {
            // The `!/` of jar URLs: a reader knows the rest is inside the archive.
            write!(f, "!/{member}")?;
        }
        Ok(())
    }
}

/// Why a debug file (or one slice of a fat file) could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DebugFileError {
    /// The file could not be opened, read or mapped.
    #[error("{path}: expected a readable file, found {source}")]
    Unreadable {
        /// The file.
        path: DebugFilePath,
        /// What the system said.
        source: std::io::Error,
    },
    /// A symcache could not be written to the symcache folder.
    #[error("{path}: expected a writable symcache folder, found {source}")]
    Unwritable {
        /// The symcache file that was being written.
        path: DebugFilePath,
        /// What the system said.
        source: std::io::Error,
    },
    /// The file is not what it claims to be, or is damaged.
    #[error("{path}: expected {expected}, found {found}")]
    Malformed {
        /// The file.
        path: DebugFilePath,
        /// What crashport was looking for (names the slice of a fat file).
        expected: String,
        /// What it found instead.
        found: String,
    },
    /// An archive would unpack to more than a limit allows (a zip bomb, or
    /// an archive far larger than any set of dSYMs).
    #[error("{path}: {what} is {actual}, over the limit of {limit}")]
    TooLarge {
        /// The archive or member.
        path: DebugFilePath,
        /// What was counted.
        what: String,
        /// The limit.
        limit: u64,
        /// The size found, or how far counting got before stopping.
        actual: u64,
    },
}

impl DebugFileError {
    /// The file the error is about.
    pub fn path(&self) -> &DebugFilePath {
        match self {
            DebugFileError::Unreadable { path, .. }
            | DebugFileError::Unwritable { path, .. }
            | DebugFileError::Malformed { path, .. }
            | DebugFileError::TooLarge { path, .. } => path,
        }
    }

    pub(crate) fn malformed(path: &DebugFilePath, expected: impl Into<String>, found: impl fmt::Display) -> Self {
        DebugFileError::Malformed { path: path.clone(), expected: expected.into(), found: found.to_string() }
    }

    pub(crate) fn unreadable(path: &DebugFilePath, source: std::io::Error) -> Self {
        DebugFileError::Unreadable { path: path.clone(), source }
    }
}

/// An error and its sources, `outer: inner: innermost`: symbolic's errors
/// say "invalid MachO file" and keep the useful part (goblin's) as a source.
pub(crate) struct Chain<'e>(pub &'e (dyn std::error::Error + 'static));

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(error) = source {
            write!(f, ": {error}")?;
            source = error.source();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_file() {
        let path = DebugFilePath::member(Path::new("ci/dSYMs.zip"), "App.dSYM/Contents/Resources/DWARF/App");
        let error = DebugFileError::malformed(&path, "a Mach-O header", "the end of the file at byte 12");
        assert_eq!(
            error.to_string(),
            "ci/dSYMs.zip!/App.dSYM/Contents/Resources/DWARF/App: expected a Mach-O header, found the end of the file at byte 12"
        );
    }
}
