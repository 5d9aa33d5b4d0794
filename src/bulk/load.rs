//! Reading an input's bytes (a file, an entry of a zip archive, standard
//! input), refusing what is plainly not a report before reading it whole: a
//! file over the size limit from its metadata, a binary file from its first
//! 8 KiB, a zip entry from the sizes its archive declares.

use std::cell::RefCell;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::walk::Source;
use crate::error::ParseError;
use crate::limits::Limits;
use crate::read::decode::{sniff_binary, too_big};

/// How many bytes are looked at to recognise a binary file.
const SNIFF_BYTES: usize = 8192;

/// Files up to this size are read whole before they are sniffed: one
/// read call instead of three, and a directory of reports is mostly
/// system calls apart from the parsing.
const WHOLE_UP_TO: u64 = 256 * 1024;

/// Why a file's bytes were not read.
#[derive(Debug, Clone)]
pub enum ReadFailure {
    /// The system could not read it (the message says why).
    Io(String),
    /// It is over the size limit, or binary: not read past its first bytes.
    Refused(ParseError),
}

/// A file's bytes: read into memory, or mapped when large.
pub enum FileBytes {
    /// Read into a buffer.
    Read(Vec<u8>),
    /// Mapped from the file (files of 1 MiB and more).
    Mapped(memmap2::Mmap),
}

impl std::ops::Deref for FileBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            FileBytes::Read(bytes) => bytes,
            FileBytes::Mapped(map) => map,
        }
    }
}

/// Files from this size on are mapped rather than copied into memory, when
/// the caller allows it.
const MAP_FROM: u64 = 1024 * 1024;

/// Reads an input's bytes (see [`load_file`], [`load_zip_entry`],
/// [`load_stdin`]).
pub fn load(source: &Source, limits: &Limits, memory_map: bool) -> Result<FileBytes, ReadFailure> {
    match source {
        Source::File(path) => load_file(path, limits, memory_map),
        Source::ZipEntry { archive, index, size, compressed } => {
            load_zip_entry(archive, *index, *size, *compressed, limits)
        }
        Source::Stdin => load_stdin(limits),
    }
}

/// Reads a file's bytes, refusing oversized files from their metadata and
/// binary files from their first 8 KiB.
///
/// With `memory_map`, files of 1 MiB and more are mapped rather than
/// copied. A mapped file that another process truncates meanwhile makes
/// the reading process fault, so it is the caller's choice: the command
/// line, which reads crash folders nobody writes to at the time, opts in.
pub fn load_file(path: &Path, limits: &Limits, memory_map: bool) -> Result<FileBytes, ReadFailure> {
    let io = |e: std::io::Error| ReadFailure::Io(e.to_string());
    let file = std::fs::File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    if size > limits.max_file_size {
        return Err(ReadFailure::Refused(too_big(size, limits.max_file_size)));
    }
    if size <= WHOLE_UP_TO {
        // A report-sized file is read in one call (the size is known, so
        // neither growing reads nor a probe for the end), then sniffed.
        let mut bytes = vec![0; size as usize];
        let mut filled = 0;
        while filled < bytes.len() {
            match (&file).read(&mut bytes[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io(e)),
            }
        }
        bytes.truncate(filled);
        if let Some(what) = sniff_binary(&bytes[..bytes.len().min(SNIFF_BYTES)]) {
            return Err(ReadFailure::Refused(ParseError::not_a_report(what)));
        }
        return Ok(FileBytes::Read(bytes));
    }
    // A larger file may be a video or an archive dropped among the reports:
    // its first bytes say so before the rest is read.
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    (&file).take(SNIFF_BYTES as u64).read_to_end(&mut head).map_err(io)?;
    if let Some(what) = sniff_binary(&head) {
        return Err(ReadFailure::Refused(ParseError::not_a_report(what)));
    }
    if memory_map && size >= MAP_FROM {
        // SAFETY: the map is only read. A file truncated by another
        // process while mapped would fault; the caller asked for the map
        // knowing its files are not being written (see above).
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(io)?;
        return Ok(FileBytes::Mapped(map));
    }
    // Read no more than the limit allows, even if the file grows meanwhile.
    let mut bytes = head;
    bytes.reserve(size as usize);
    file.take(limits.max_file_size.saturating_add(1)).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > limits.max_file_size {
        return Err(ReadFailure::Refused(too_big(bytes.len() as u64, limits.max_file_size)));
    }
    Ok(FileBytes::Read(bytes))
}

/// An entry decompressing to more than this many times its compressed size
/// (and to more than 1 MiB) is taken for a zip bomb. Text compresses about
/// ten times; crash reports, full of repeated paths and addresses, up to
/// thirty.
const MAX_ZIP_RATIO: u64 = 100;

thread_local! {
    /// The archive this thread read an entry from last: the entries of an
    /// archive come one after another, and reading its central directory
    /// again for each would cost as much as the archive has entries.
    static OPEN_ARCHIVE: RefCell<Option<(PathBuf, zip::ZipArchive<File>)>> = const { RefCell::new(None) };
}

/// Reads entry `index` of a zip archive, refusing from the sizes the
/// archive declares an entry over the size limit or one that would
/// decompress a hundred times over (a zip bomb), and stopping at the limit
/// whatever the entry turns out to hold.
pub fn load_zip_entry(
    archive: &Path,
    index: usize,
    size: u64,
    compressed: u64,
    limits: &Limits,
) -> Result<FileBytes, ReadFailure> {
    if size > limits.max_file_size {
        return Err(ReadFailure::Refused(too_big(size, limits.max_file_size)));
    }
    if size > 1024 * 1024 && size > compressed.saturating_mul(MAX_ZIP_RATIO) {
        return Err(ReadFailure::Refused(ParseError::not_a_report(format!(
            "a zip bomb: {size} bytes from {compressed} compressed, more than {MAX_ZIP_RATIO} times over"
        ))));
    }
    OPEN_ARCHIVE.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.as_ref().is_none_or(|(open, _)| open != archive) {
            let file = File::open(archive).map_err(|e| ReadFailure::Io(e.to_string()))?;
            let zip =
                zip::ZipArchive::new(file).map_err(|e| ReadFailure::Io(format!("cannot read the zip archive: {e}")))?;
            *slot = Some((archive.to_path_buf(), zip));
        }
        let Some((_, zip)) = slot.as_mut() else { return Err(ReadFailure::Io("the zip archive is not open".into())) };
        let entry = zip.by_index(index).map_err(|e| ReadFailure::Io(format!("cannot read the zip entry: {e}")))?;
        let mut bytes = Vec::with_capacity(size as usize);
        entry
            .take(limits.max_file_size.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| ReadFailure::Io(format!("cannot decompress the zip entry: {e}")))?;
        if bytes.len() as u64 > limits.max_file_size {
            return Err(ReadFailure::Refused(too_big(bytes.len() as u64, limits.max_file_size)));
        }
        if let Some(what) = sniff_binary(&bytes[..bytes.len().min(SNIFF_BYTES)]) {
            return Err(ReadFailure::Refused(ParseError::not_a_report(what)));
        }
        Ok(FileBytes::Read(bytes))
    })
}

/// Reads standard input, up to the size limit.
pub fn load_stdin(limits: &Limits) -> Result<FileBytes, ReadFailure> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(limits.max_file_size.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| ReadFailure::Io(e.to_string()))?;
    if bytes.len() as u64 > limits.max_file_size {
        return Err(ReadFailure::Refused(too_big(bytes.len() as u64, limits.max_file_size)));
    }
    if let Some(what) = sniff_binary(&bytes[..bytes.len().min(SNIFF_BYTES)]) {
        return Err(ReadFailure::Refused(ParseError::not_a_report(what)));
    }
    Ok(FileBytes::Read(bytes))
}

/// The first `limit` bytes of an input, for a quick look (the copies of
/// one crash are told apart by their first kilobytes). Standard input can
/// be read only once and gives nothing here.
pub fn load_head(source: &Source, limit: usize) -> Option<Vec<u8>> {
    let mut head = Vec::with_capacity(limit);
    match source {
        Source::File(path) => {
            File::open(path).ok()?.take(limit as u64).read_to_end(&mut head).ok()?;
        }
        Source::ZipEntry { archive, index, .. } => {
            OPEN_ARCHIVE.with(|cell| -> Option<()> {
                let mut slot = cell.borrow_mut();
                if slot.as_ref().is_none_or(|(open, _)| open != archive) {
                    *slot = Some((archive.clone(), zip::ZipArchive::new(File::open(archive).ok()?).ok()?));
                }
                let (_, zip) = slot.as_mut()?;
                zip.by_index(*index).ok()?.take(limit as u64).read_to_end(&mut head).ok()?;
                Some(())
            })?;
        }
        Source::Stdin => return None,
    }
    Some(head)
}
