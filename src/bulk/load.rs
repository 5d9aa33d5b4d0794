//! Reading a file's bytes, refusing what is plainly not a report before
//! reading it whole: a file over the size limit from its metadata, a binary
//! file from its first 8 KiB.

use std::io::Read;
use std::path::Path;

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

/// Reads a file's bytes, refusing oversized files from their metadata and
/// binary files from their first 8 KiB.
///
/// With `memory_map`, files of 1 MiB and more are mapped rather than
/// copied. A mapped file that another process truncates meanwhile makes
/// the reading process fault, so it is the caller's choice: the command
/// line, which reads crash folders nobody writes to at the time, opts in.
pub fn load(path: &Path, limits: &Limits, memory_map: bool) -> Result<FileBytes, ReadFailure> {
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
