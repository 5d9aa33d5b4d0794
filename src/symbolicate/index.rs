//! Finding debug files: the paths a user gives, walked once, each Mach-O
//! file mapped once, every slice indexed by its UUID.
//!
//! What is found: `.dSYM` bundles, folders (searched recursively, so an
//! `.xcarchive` is found through its `dSYMs/` and `Products/` folders), bare
//! Mach-O executables and dylibs (thin or fat) and `.zip` archives of any of
//! these. Files are recognised by their first bytes, never by their names,
//! except that a folder walk opens only the archives named `*.zip`. A file
//! that cannot be used is an error in [`DebugFileIndex::errors`] and the
//! rest are still indexed.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use memmap2::Mmap;
use symbolic_common::Arch;
use uuid::Uuid;

use super::archive::{self, ArchiveLimits};
use super::error::{DebugFileError, DebugFilePath};
use super::macho::{self, DebugFileKind, SliceInfo};

/// Every usable slice of every debug file found under some paths, by UUID.
pub struct DebugFileIndex {
    files: Vec<Mapped>,
    slices: Vec<Slice>,
    by_uuid: HashMap<Uuid, Vec<usize>>,
    errors: Vec<DebugFileError>,
}

struct Mapped {
    path: DebugFilePath,
    data: Mmap,
}

struct Slice {
    file: usize,
    info: SliceInfo,
}

/// One indexed slice of a debug file, as the index describes it.
#[derive(Debug, Clone, Copy)]
pub struct DebugFileInfo<'i> {
    /// The file (or archive member) holding the slice.
    pub path: &'i DebugFilePath,
    /// Its LC_UUID.
    pub uuid: Uuid,
    /// Its architecture.
    pub arch: Arch,
    /// What kind of Mach-O file it is.
    pub kind: DebugFileKind,
    /// True when it holds DWARF (`__debug_info`): functions, files, lines, inlining.
    pub has_dwarf: bool,
    /// True when it has a symbol table: function names only.
    pub has_symbols: bool,
    /// `(n, count)` for the n-th of `count` slices of a fat file.
    pub slice: Option<(usize, usize)>,
}

impl fmt::Display for DebugFileInfo<'_> {
    /// `path`, or `path (x86_64 slice)` for a slice of a fat file.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path)?;
        if self.slice.is_some() {
            write!(f, " ({} slice)", self.arch)?;
        }
        Ok(())
    }
}

/// The position of a slice in the index.
pub(crate) type SliceId = usize;

impl DebugFileIndex {
    /// Finds and indexes the debug files under `paths`, with the default
    /// [`ArchiveLimits`].
    pub fn build(paths: &[PathBuf]) -> DebugFileIndex {
        DebugFileIndex::build_with_limits(paths, &ArchiveLimits::default())
    }

    /// Finds and indexes the debug files under `paths`; zip archives are
    /// unpacked within `limits`.
    pub fn build_with_limits(paths: &[PathBuf], limits: &ArchiveLimits) -> DebugFileIndex {
        let mut builder = Builder {
            index: DebugFileIndex {
                files: Vec::new(),
                slices: Vec::new(),
                by_uuid: HashMap::new(),
                errors: Vec::new(),
            },
            seen: HashSet::new(),
            limits: *limits,
        };
        for path in paths {
            builder.add_root(path);
        }
        builder.index
    }

    /// The files that could not be used (or only in part), each naming the file.
    pub fn errors(&self) -> &[DebugFileError] {
        &self.errors
    }

    /// Every indexed slice, in the order found.
    pub fn debug_files(&self) -> impl Iterator<Item = DebugFileInfo<'_>> {
        (0..self.slices.len()).map(|id| self.info(id))
    }

    /// The slices whose UUID is `uuid`, in the order found.
    pub fn find(&self, uuid: Uuid) -> impl Iterator<Item = DebugFileInfo<'_>> {
        self.slice_ids(uuid).iter().map(|&id| self.info(id))
    }

    /// How many slices are indexed.
    pub fn len(&self) -> usize {
        self.slices.len()
    }

    /// True when no debug file was found.
    pub fn is_empty(&self) -> bool {
        self.slices.is_empty()
    }

    pub(crate) fn slice_ids(&self, uuid: Uuid) -> &[SliceId] {
        self.by_uuid.get(&uuid).map(Vec::as_slice).unwrap_or(&[])
    }

    pub(crate) fn info(&self, id: SliceId) -> DebugFileInfo<'_> {
        let slice = &self.slices[id];
        DebugFileInfo {
            path: &self.files[slice.file].path,
            uuid: slice.info.uuid,
            arch: slice.info.arch,
            kind: slice.info.kind,
            has_dwarf: slice.info.has_dwarf,
            has_symbols: slice.info.has_symbols,
            slice: slice.info.position,
        }
    }

    /// The bytes of a slice (a part of a mapped file).
    pub(crate) fn bytes(&self, id: SliceId) -> &[u8] {
        let slice = &self.slices[id];
        // The range was checked against this very map when it was indexed.
        self.files[slice.file].data.get(slice.info.range.clone()).unwrap_or_default()
    }

    /// Which mapped file a slice is in (the unit the parse counter counts).
    pub(crate) fn file_of(&self, id: SliceId) -> usize {
        self.slices[id].file
    }

    pub(crate) fn file_count(&self) -> usize {
        self.files.len()
    }

    pub(crate) fn file_path(&self, file: usize) -> &DebugFilePath {
        &self.files[file].path
    }
}

struct Builder {
    index: DebugFileIndex,
    /// Files already read (canonical paths), so a file reached twice (named
    /// and inside a named folder) is mapped and indexed once.
    seen: HashSet<PathBuf>,
    limits: ArchiveLimits,
}

impl Builder {
    fn add_root(&mut self, path: &Path) {
        match std::fs::metadata(path) {
            Ok(metadata) if metadata.is_dir() => self.walk(path),
            Ok(_) => {
                self.add_file(path, true);
            }
            Err(e) => self.index.errors.push(DebugFileError::unreadable(&DebugFilePath::file(path), e)),
        }
    }

    fn walk(&mut self, root: &Path) {
        // The .dSYM bundles met, with how many Mach-O files each held.
        let mut bundles: Vec<(PathBuf, usize)> = Vec::new();
        let walker = walkdir::WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !(e.file_type().is_dir() && is_hidden(e.file_name())));
        for entry in walker {
            match entry {
                Ok(entry) if entry.file_type().is_dir() => {
                    if is_dsym_bundle(entry.path()) {
                        bundles.push((entry.into_path(), 0));
                    }
                }
                Ok(entry) if entry.file_type().is_file() => {
                    if self.add_file(entry.path(), false)
                        && let Some((_, count)) = bundles.iter_mut().rev().find(|(b, _)| entry.path().starts_with(b))
                    {
                        *count += 1;
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    let path = DebugFilePath::file(e.path().unwrap_or(root));
                    if e.loop_ancestor().is_some() {
                        self.index.errors.push(DebugFileError::malformed(
                            &path,
                            "a folder",
                            "a symbolic link loop (not followed)",
                        ));
                    } else {
                        let io = e.into_io_error().unwrap_or_else(|| std::io::Error::other("walk failed"));
                        self.index.errors.push(DebugFileError::unreadable(&path, io));
                    }
                }
            }
        }
        for (bundle, count) in bundles {
            if count == 0 {
                self.index.errors.push(DebugFileError::malformed(
                    &DebugFilePath::file(&bundle),
                    "a Mach-O DWARF file in Contents/Resources/DWARF/",
                    "none",
                ));
            }
        }
    }

    /// Reads one file; true when it was a Mach-O file (usable or not), so a
    /// bundle holding only a damaged DWARF file is reported once, by that file.
    fn add_file(&mut self, path: &Path, explicit: bool) -> bool {
        let debug_path = DebugFilePath::file(path);
        let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if !self.seen.insert(canonical) {
            return true;
        }
        let mut file = match File::open(path) {
            Ok(file) => file,
            Err(e) => {
                self.index.errors.push(DebugFileError::unreadable(&debug_path, e));
                return false;
            }
        };
        let mut head = [0u8; 4];
        let head_len = match read_head(&mut file, &mut head) {
            Ok(n) => n,
            Err(e) => {
                self.index.errors.push(DebugFileError::unreadable(&debug_path, e));
                return false;
            }
        };
        let head = &head[..head_len];
        if macho::magic(head).is_some() {
            // SAFETY: the map is only read. A debug file truncated by another
            // process while crashport runs would fault; debug files are build
            // products, not being written (docs/SYMBOLICATION.md).
            match unsafe { Mmap::map(&file) } {
                Ok(data) => self.add_macho(debug_path, data, explicit),
                Err(e) => self.index.errors.push(DebugFileError::unreadable(&debug_path, e)),
            }
            return true;
        }
        if head == b"PK\x03\x04" && (explicit || has_extension(path, "zip")) {
            let mut errors = Vec::new();
            let unpacked = archive::unpack(path, &self.limits, &mut errors);
            self.index.errors.append(&mut errors);
            for member in unpacked {
                self.add_macho(member.path, member.data, explicit);
            }
            return false;
        }
        if explicit {
            self.index.errors.push(DebugFileError::malformed(
                &debug_path,
                "a Mach-O file (executable, dylib or dSYM DWARF file, thin or fat), a .zip archive, \
                 a .dSYM bundle or a folder",
                match head_len {
                    0 => "an empty file".to_string(),
                    _ => format!("a file starting with {}", hex_bytes(head)),
                },
            ));
        }
        false
    }

    fn add_macho(&mut self, path: DebugFilePath, data: Mmap, explicit: bool) {
        let mut errors = Vec::new();
        let slices = macho::slices(&data, &path, !explicit, &mut errors);
        for slice in &slices {
            if slice.kind == DebugFileKind::Dsym && !slice.has_dwarf {
                errors.push(DebugFileError::malformed(
                    &path,
                    format!(
                        "{}DWARF debug information (a __debug_info section); only its symbol table is used",
                        macho::slice_prefix(slice.position)
                    ),
                    "none",
                ));
            }
        }
        self.index.errors.append(&mut errors);
        if slices.is_empty() {
            return;
        }
        let file = self.index.files.len();
        self.index.files.push(Mapped { path, data });
        for info in slices {
            let id = self.index.slices.len();
            self.index.by_uuid.entry(info.uuid).or_default().push(id);
            self.index.slices.push(Slice { file, info });
        }
    }
}

fn read_head(file: &mut File, head: &mut [u8; 4]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < head.len() {
        match file.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

fn hex_bytes(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|n| n.starts_with('.'))
}

fn has_extension(path: &Path, extension: &str) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case(extension))
}

fn is_dsym_bundle(path: &Path) -> bool {
    has_extension(path, "dSYM")
}
