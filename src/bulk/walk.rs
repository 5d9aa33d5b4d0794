//! Expanding the paths a user names into the files to process.
//!
//! Files are taken as named; directories are walked recursively in a stable
//! (sorted) order, skipping hidden directories (`.git`, `.Trashes`) and never
//! looping on symbolic links. Hidden files (`.DS_Store`) are walked like any
//! other, so that they are counted as skipped.

use std::path::{Path, PathBuf};

use super::convert::Origin;

/// One file to process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    /// Where it is.
    pub path: PathBuf,
    /// Its path relative to the named input (the file name for a file
    /// named directly), for `--out-dir`.
    pub relative: PathBuf,
    /// Named directly, or found in a directory.
    pub origin: Origin,
}

/// A path that could not be expanded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", path.display())]
pub struct WalkError {
    /// The path.
    pub path: PathBuf,
    /// What went wrong.
    pub message: String,
}

/// Every file under `paths`, in order, found lazily: a directory of a
/// million files is never listed whole. A problem (a missing path, an
/// unreadable directory, a symlink loop) comes as an `Err` in its place and
/// the walk goes on.
pub fn walk(paths: &[PathBuf]) -> impl Iterator<Item = Result<InputFile, WalkError>> + '_ {
    paths.iter().flat_map(|root| walk_root(root))
}

/// How many items [`walk`] yields (files and problems), for a progress bar.
/// It walks the directories once more; the operating system has their
/// entries cached by then, and nothing is kept.
pub fn count(paths: &[PathBuf]) -> usize {
    walk(paths).count()
}

fn walk_root(root: &PathBuf) -> Box<dyn Iterator<Item = Result<InputFile, WalkError>> + '_> {
    let metadata = match std::fs::metadata(root) {
        Ok(m) => m,
        Err(e) => return Box::new(std::iter::once(Err(WalkError { path: root.clone(), message: e.to_string() }))),
    };
    if !metadata.is_dir() {
        let relative = root.file_name().map(PathBuf::from).unwrap_or_else(|| root.clone());
        return Box::new(std::iter::once(Ok(InputFile { path: root.clone(), relative, origin: Origin::Explicit })));
    }
    let walker = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !(e.file_type().is_dir() && is_hidden(e.file_name())));
    Box::new(walker.filter_map(move |entry| match entry {
        Ok(entry) if entry.file_type().is_file() => {
            let path = entry.into_path();
            let relative = path.strip_prefix(root).map(Path::to_path_buf).unwrap_or_else(|_| path.clone());
            Some(Ok(InputFile { path, relative, origin: Origin::Walked }))
        }
        Ok(_) => None,
        Err(e) => {
            let path = e.path().map(Path::to_path_buf).unwrap_or_else(|| root.clone());
            let message = if e.loop_ancestor().is_some() {
                "symbolic link loop; not followed".to_string()
            } else {
                e.io_error().map_or_else(|| e.to_string(), |io| io.to_string())
            };
            Some(Err(WalkError { path, message }))
        }
    }))
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|n| n.starts_with('.'))
}
