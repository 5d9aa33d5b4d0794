//! Expanding the paths a user names into the inputs to process.
//!
//! Files are taken as named; `-` is standard input; directories are walked
//! recursively in a stable (sorted) order, skipping hidden directories
//! (`.git`, `.Trashes`) and never looping on symbolic links. Hidden files
//! (`.DS_Store`) are walked like any other, so that they are counted as
//! skipped. Zip archives (QA folders arrive zipped) are read entry by entry,
//! each entry named `logs.zip!/dir/x.crash`: a named file is recognised as
//! an archive by its first bytes, a file met in a directory by its `.zip`
//! name (looking inside every file of a directory would cost an extra read
//! per file). Finder's `__MACOSX/` resource forks inside archives are not
//! reports and are passed over.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::convert::Origin;

/// Where an input's bytes are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file.
    File(PathBuf),
    /// An entry of a zip archive.
    ZipEntry {
        /// The archive.
        archive: PathBuf,
        /// The entry's index in the archive.
        index: usize,
        /// The size it declares once decompressed.
        size: u64,
        /// Its compressed size.
        compressed: u64,
    },
    /// Standard input (`-`).
    Stdin,
}

/// One input to process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    /// Where its bytes are.
    pub source: Source,
    /// How messages name it: the file's path, `logs.zip!/dir/x.crash`, or `-`.
    pub path: PathBuf,
    /// Its path below the named input, for `--out-dir`: the file name for a
    /// file named directly, the path below the directory or archive for
    /// the others; with several named inputs, each input's own name leads.
    pub relative: PathBuf,
    /// Named directly, or found in a directory or archive.
    pub origin: Origin,
}

impl InputFile {
    /// A file named directly (as a command line names it).
    pub fn named(path: impl Into<PathBuf>) -> InputFile {
        let path = path.into();
        let relative = path.file_name().map(PathBuf::from).unwrap_or_else(|| path.clone());
        InputFile { source: Source::File(path.clone()), path, relative, origin: Origin::Explicit }
    }
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

/// The most entries one archive may list (real crash folders hold
/// hundreds); a central directory claiming more is refused.
const MAX_ARCHIVE_ENTRIES: usize = 200_000;

/// Every input under `paths`, in order, found lazily: the walk itself
/// lists no directory whole (the commands then keep the paths it found,
/// see [`collect`]). A problem (a missing path, an
/// unreadable directory, a symlink loop, a damaged archive) comes as an
/// `Err` in its place and the walk goes on.
pub fn walk(paths: &[PathBuf]) -> impl Iterator<Item = Result<InputFile, WalkError>> + '_ {
    let several = paths.len() > 1;
    paths.iter().flat_map(move |root| walk_root(root, several))
}

/// What a walk found, in walk order: each input, or a problem met.
pub type Walked = Vec<Result<InputFile, WalkError>>;

/// Walks `paths` once and keeps what it found (paths, not contents: a few
/// hundred bytes a file, some 25 MB for 100,000 files), so that a run's
/// look for copies and its conversion go through the same list without
/// walking the directories again. The look for copies keeps a path for
/// every file with an incident identifier anyway.
pub fn collect(paths: &[PathBuf]) -> Walked {
    walk(paths).collect()
}

type Items<'a> = Box<dyn Iterator<Item = Result<InputFile, WalkError>> + 'a>;

fn walk_root(root: &Path, several: bool) -> Items<'_> {
    if root.as_os_str() == "-" {
        let input = InputFile {
            source: Source::Stdin,
            path: PathBuf::from("-"),
            relative: PathBuf::from("stdin"),
            origin: Origin::Explicit,
        };
        return Box::new(std::iter::once(Ok(input)));
    }
    let metadata = match std::fs::metadata(root) {
        Ok(m) => m,
        Err(e) => {
            return Box::new(std::iter::once(Err(WalkError { path: root.to_path_buf(), message: e.to_string() })));
        }
    };
    let own_name = root.file_name().map(PathBuf::from).unwrap_or_else(|| root.to_path_buf());
    if !metadata.is_dir() {
        if starts_like_zip(root) {
            let prefix = if several { own_name } else { PathBuf::new() };
            return archive_entries(root, prefix);
        }
        let input = InputFile {
            source: Source::File(root.to_path_buf()),
            path: root.to_path_buf(),
            relative: own_name,
            origin: Origin::Explicit,
        };
        return Box::new(std::iter::once(Ok(input)));
    }
    let prefix = if several { own_name } else { PathBuf::new() };
    let walker = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !(e.file_type().is_dir() && is_hidden(e.file_name())));
    Box::new(walker.flat_map(move |entry| -> Items<'_> {
        match entry {
            Ok(entry) if entry.file_type().is_file() => {
                let path = entry.into_path();
                let below = path.strip_prefix(root).map(Path::to_path_buf).unwrap_or_else(|_| path.clone());
                let relative = prefix.join(&below);
                if has_zip_name(&path) {
                    return archive_entries_owned(path, relative);
                }
                Box::new(std::iter::once(Ok(InputFile {
                    source: Source::File(path.clone()),
                    path,
                    relative,
                    origin: Origin::Walked,
                })))
            }
            Ok(_) => Box::new(std::iter::empty()),
            Err(e) => {
                let path = e.path().map(Path::to_path_buf).unwrap_or_else(|| root.to_path_buf());
                let message = if e.loop_ancestor().is_some() {
                    "symbolic link loop; not followed".to_string()
                } else {
                    e.io_error().map_or_else(|| e.to_string(), |io| io.to_string())
                };
                Box::new(std::iter::once(Err(WalkError { path, message })))
            }
        }
    }))
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|n| n.starts_with('.'))
}

fn has_zip_name(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("zip"))
}

/// True when the file starts with a zip archive's local header.
fn starts_like_zip(path: &Path) -> bool {
    let mut magic = [0u8; 4];
    File::open(path).and_then(|mut f| f.read_exact(&mut magic)).is_ok() && &magic == b"PK\x03\x04"
}

fn archive_entries(archive: &Path, prefix: PathBuf) -> Items<'static> {
    archive_entries_owned(archive.to_path_buf(), prefix)
}

/// The entries of an archive that may be reports, sorted by name, each
/// with `prefix` before its path in `relative`.
fn archive_entries_owned(archive: PathBuf, prefix: PathBuf) -> Items<'static> {
    let error = |message: String| -> Items<'static> {
        Box::new(std::iter::once(Err(WalkError { path: archive.clone(), message })))
    };
    let file = match File::open(&archive) {
        Ok(file) => file,
        Err(e) => return error(e.to_string()),
    };
    let mut zip = match zip::ZipArchive::new(file) {
        Ok(zip) => zip,
        Err(e) => return error(format!("cannot read the zip archive: {e}")),
    };
    if zip.len() > MAX_ARCHIVE_ENTRIES {
        return error(format!("the zip archive lists {} entries, over the limit of {MAX_ARCHIVE_ENTRIES}", zip.len()));
    }
    let mut entries = Vec::new();
    for index in 0..zip.len() {
        let entry = match zip.by_index_raw(index) {
            Ok(entry) => entry,
            Err(e) => return error(format!("cannot read the zip archive's entry {index}: {e}")),
        };
        if entry.is_dir() {
            continue;
        }
        // Names that are not UTF-8 (nor zip's old code page) come lossily.
        let name = entry.name().to_string();
        let inside = Path::new(&name);
        // Resource forks and hidden folders, as in a directory walk.
        let hidden_folder = inside.parent().is_some_and(|p| p.components().any(|c| is_hidden(c.as_os_str())));
        if name.starts_with("__MACOSX/") || hidden_folder {
            continue;
        }
        entries.push((name, index, entry.size(), entry.compressed_size()));
    }
    entries.sort();
    let shown = archive.display().to_string();
    Box::new(entries.into_iter().map(move |(name, index, size, compressed)| {
        Ok(InputFile {
            source: Source::ZipEntry { archive: archive.clone(), index, size, compressed },
            path: PathBuf::from(format!("{shown}!/{name}")),
            relative: prefix.join(&name),
            origin: Origin::Walked,
        })
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(path: &Path, entries: &[(&str, &[u8])]) {
        let mut writer = zip::ZipWriter::new(File::create(path).unwrap());
        let options: zip::write::SimpleFileOptions =
            zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in entries {
            writer.start_file(*name, options).unwrap();
            writer.write_all(bytes).unwrap();
        }
        writer.finish().unwrap();
    }

    #[test]
    fn archives_are_walked_entry_by_entry() {
        let dir = tempfile::tempdir().unwrap();
        let archive = dir.path().join("logs.zip");
        zip_of(
            &archive,
            &[("b/x.crash", b"x"), ("a.ips", b"y"), ("__MACOSX/b/._x.crash", b"z"), (".git/config", b"w")],
        );
        let inputs: Vec<InputFile> = walk(std::slice::from_ref(&archive)).map(Result::unwrap).collect();
        let names: Vec<String> = inputs.iter().map(|i| i.path.display().to_string()).collect();
        let shown = archive.display();
        assert_eq!(names, [format!("{shown}!/a.ips"), format!("{shown}!/b/x.crash")]);
        assert_eq!(inputs[1].relative, PathBuf::from("b/x.crash"));
        assert!(matches!(inputs[1].source, Source::ZipEntry { size: 1, .. }));
    }

    #[test]
    fn several_roots_keep_their_own_names() {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["one", "two"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
            std::fs::write(dir.path().join(sub).join("x.crash"), "x").unwrap();
        }
        let roots = [dir.path().join("one"), dir.path().join("two")];
        let relative: Vec<PathBuf> = walk(&roots).map(|i| i.unwrap().relative).collect();
        assert_eq!(relative, [PathBuf::from("one/x.crash"), PathBuf::from("two/x.crash")]);
        let single: Vec<PathBuf> = walk(&roots[..1]).map(|i| i.unwrap().relative).collect();
        assert_eq!(single, [PathBuf::from("x.crash")]);
    }

    #[test]
    fn a_damaged_archive_is_a_walk_error() {
        let dir = tempfile::tempdir().unwrap();
        let archive = dir.path().join("logs.zip");
        std::fs::write(&archive, b"PK\x03\x04 and then nothing of a zip").unwrap();
        let items: Vec<_> = walk(std::slice::from_ref(&archive)).collect();
        assert_eq!(items.len(), 1);
        assert!(items[0].as_ref().unwrap_err().message.contains("zip archive"));
    }
}
