//! Expanding the paths a user names into the files to process.
//!
//! Files are taken as named; directories are walked recursively in a stable
//! (sorted) order, skipping hidden directories (`.git`, `.Trashes`) and never
//! looping on symbolic links. Hidden files (`.DS_Store`) are walked like any
//! other, so that they are counted as skipped.

use std::path::{Path, PathBuf};

use crate::pipeline::Origin;

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

/// Calls `each` for every file under `paths`, in order; problems (a missing
/// path, an unreadable directory, a symlink loop) go to `problem` and the
/// walk goes on.
pub fn for_each_file(paths: &[PathBuf], mut each: impl FnMut(InputFile), mut problem: impl FnMut(WalkError)) {
    for root in paths {
        let metadata = match std::fs::metadata(root) {
            Ok(m) => m,
            Err(e) => {
                problem(WalkError { path: root.clone(), message: e.to_string() });
                continue;
            }
        };
        if !metadata.is_dir() {
            let relative = root.file_name().map(PathBuf::from).unwrap_or_else(|| root.clone());
            each(InputFile { path: root.clone(), relative, origin: Origin::Explicit });
            continue;
        }
        let walker = walkdir::WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !(e.file_type().is_dir() && is_hidden(e.file_name())));
        for entry in walker {
            match entry {
                Ok(entry) if entry.file_type().is_file() => {
                    let path = entry.into_path();
                    let relative = path.strip_prefix(root).map(Path::to_path_buf).unwrap_or_else(|_| path.clone());
                    each(InputFile { path, relative, origin: Origin::Walked });
                }
                Ok(_) => {}
                Err(e) => {
                    let path = e.path().map(Path::to_path_buf).unwrap_or_else(|| root.clone());
                    let message = if e.loop_ancestor().is_some() {
                        "symbolic link loop; not followed".to_string()
                    } else {
                        e.io_error().map_or_else(|| e.to_string(), |io| io.to_string())
                    };
                    problem(WalkError { path, message });
                }
            }
        }
    }
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|n| n.starts_with('.'))
}
