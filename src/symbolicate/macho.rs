//! What a Mach-O file holds: its slices (one, or several in a fat file),
//! and for each the identity a crash report matches it by.
//!
//! The fat header is checked here before any slice is read: symbolic and
//! goblin clamp a slice that lies about its place, which would silently read
//! the wrong bytes; crashport says which slice lies instead.

use std::ops::Range;

use goblin::mach::{MultiArch, fat};
use symbolic_common::Arch;
use symbolic_debuginfo::ObjectKind;
use symbolic_debuginfo::macho::MachObject;
use uuid::Uuid;

use super::error::{Chain, DebugFileError, DebugFilePath};

/// What kind of Mach-O file a slice is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DebugFileKind {
    /// A dSYM's DWARF file (`MH_DSYM`).
    Dsym,
    /// An executable (`MH_EXECUTE`).
    Executable,
    /// A dylib, bundle or framework binary.
    Library,
    /// Another Mach-O file type (object file, core, kext ...).
    Other,
}

/// The first four bytes of a file, as Mach-O magic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Magic {
    Thin,
    Fat,
}

/// The Mach-O magic numbers, as the first four bytes of a file.
pub(crate) fn magic(head: &[u8]) -> Option<Magic> {
    match head.get(..4)? {
        // MH_MAGIC(_64) little-endian (every Apple target), and big-endian (PowerPC).
        [0xce | 0xcf, 0xfa, 0xed, 0xfe] | [0xfe, 0xed, 0xfa, 0xce | 0xcf] => Some(Magic::Thin),
        // FAT_MAGIC is always written big-endian. Java class files share it;
        // the slice count tells them apart (see `slices`).
        [0xca, 0xfe, 0xba, 0xbe] => Some(Magic::Fat),
        _ => None,
    }
}

/// One slice of a Mach-O file: where it is and what it is.
#[derive(Debug, Clone)]
pub(crate) struct SliceInfo {
    pub range: Range<usize>,
    /// `(n, count)` for the n-th (1-based) slice of a fat file.
    pub position: Option<(usize, usize)>,
    pub uuid: Uuid,
    pub arch: Arch,
    pub kind: DebugFileKind,
    pub has_dwarf: bool,
    pub has_symbols: bool,
}

/// Fat files with more slices than this are not Mach-O (Apple ships at most
/// a handful of architectures; a Java class file's version reads as 45+).
const MAX_FAT_SLICES: u32 = 32;

/// The slices of the Mach-O file `data`. A slice that cannot be read is an
/// error in `errors` and the others are still returned. `quiet_without_uuid`
/// drops slices without an LC_UUID silently (object files met while walking
/// a folder are not debug files of any image).
pub(crate) fn slices(
    data: &[u8],
    path: &DebugFilePath,
    quiet_without_uuid: bool,
    errors: &mut Vec<DebugFileError>,
) -> Vec<SliceInfo> {
    let ranges = match magic(data) {
        Some(Magic::Thin) => vec![(0..data.len(), None)],
        Some(Magic::Fat) => match fat_ranges(data, path, errors) {
            Ok(ranges) => ranges,
            Err(error) => {
                errors.push(error);
                return Vec::new();
            }
        },
        None => {
            errors.push(DebugFileError::malformed(path, "Mach-O or fat magic", found_bytes(data)));
            return Vec::new();
        }
    };
    let mut out = Vec::with_capacity(ranges.len());
    for (range, position) in ranges {
        match slice_info(&data[range.clone()], path, position) {
            Ok(info) if info.uuid.is_nil() => {
                if !quiet_without_uuid {
                    errors.push(DebugFileError::malformed(
                        path,
                        format!("{}an LC_UUID load command (crash reports name images by it)", slice_prefix(position)),
                        "none",
                    ));
                }
            }
            Ok(info) => out.push(SliceInfo { range, position, ..info }),
            Err(error) => errors.push(error),
        }
    }
    out
}

/// `slice 2 of 3: `, or nothing for a thin file.
pub(crate) fn slice_prefix(position: Option<(usize, usize)>) -> String {
    match position {
        Some((n, count)) => format!("slice {n} of {count}: "),
        None => String::new(),
    }
}

fn found_bytes(data: &[u8]) -> String {
    match data.len() {
        0 => "an empty file".to_string(),
        n if n < 4 => format!("only {n} bytes"),
        _ => format!("{:02x}{:02x}{:02x}{:02x}", data[0], data[1], data[2], data[3]),
    }
}

/// A slice's byte range and its place among the fat file's slices.
type SliceRange = (Range<usize>, Option<(usize, usize)>);

/// The byte ranges of a fat file's slices, each checked to lie after the
/// header and inside the file. A slice that lies is an error in `errors`;
/// the others are still read. A header that lies is the returned error.
fn fat_ranges(
    data: &[u8],
    path: &DebugFilePath,
    errors: &mut Vec<DebugFileError>,
) -> Result<Vec<SliceRange>, DebugFileError> {
    let header = fat::FatHeader::parse(data)
        .map_err(|e| DebugFileError::malformed(path, "a fat header (8 bytes)", Chain(&e)))?;
    let count = header.nfat_arch;
    if count == 0 || count > MAX_FAT_SLICES {
        return Err(DebugFileError::malformed(
            path,
            format!("a fat header with 1 to {MAX_FAT_SLICES} slices"),
            format!("{count} slices"),
        ));
    }
    let header_end = fat::SIZEOF_FAT_HEADER as u64 + u64::from(count) * fat::SIZEOF_FAT_ARCH as u64;
    if header_end > data.len() as u64 {
        return Err(DebugFileError::malformed(
            path,
            format!("a fat header of {count} slices ({header_end} bytes)"),
            format!("a file of {} bytes", data.len()),
        ));
    }
    let multi = MultiArch::new(data).map_err(|e| DebugFileError::malformed(path, "a fat header", Chain(&e)))?;
    let count = count as usize;
    let mut ranges = Vec::with_capacity(count);
    for (n, arch) in multi.iter_arches().enumerate() {
        let position = Some((n + 1, count));
        let arch = match arch {
            Ok(arch) => arch,
            Err(e) => {
                let expected = format!("{}a fat_arch record", slice_prefix(position));
                errors.push(DebugFileError::malformed(path, expected, Chain(&e)));
                continue;
            }
        };
        let start = u64::from(arch.offset);
        let end = start + u64::from(arch.size);
        if start < header_end || end > data.len() as u64 || arch.size == 0 {
            errors.push(DebugFileError::malformed(
                path,
                format!(
                    "{}a slice after the fat header ({header_end} bytes) and inside the file ({} bytes)",
                    slice_prefix(position),
                    data.len()
                ),
                format!("offset {start}, size {}", arch.size),
            ));
            continue;
        }
        // Both ends are at most data.len() (a usize), checked just above.
        ranges.push((start as usize..end as usize, position));
    }
    Ok(ranges)
}

fn slice_info(
    data: &[u8],
    path: &DebugFilePath,
    position: Option<(usize, usize)>,
) -> Result<SliceInfo, DebugFileError> {
    let object = MachObject::parse(data).map_err(|e| {
        DebugFileError::malformed(
            path,
            format!("{}a Mach-O header and load commands", slice_prefix(position)),
            Chain(&e),
        )
    })?;
    let kind = match object.kind() {
        ObjectKind::Debug => DebugFileKind::Dsym,
        ObjectKind::Executable => DebugFileKind::Executable,
        ObjectKind::Library => DebugFileKind::Library,
        _ => DebugFileKind::Other,
    };
    Ok(SliceInfo {
        range: 0..data.len(),
        position,
        uuid: object.debug_id().uuid(),
        arch: object.arch(),
        kind,
        has_dwarf: object.has_debug_info(),
        has_symbols: object.has_symbols(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_numbers() {
        assert_eq!(magic(&[0xcf, 0xfa, 0xed, 0xfe, 0]), Some(Magic::Thin));
        assert_eq!(magic(&[0xce, 0xfa, 0xed, 0xfe]), Some(Magic::Thin));
        assert_eq!(magic(&[0xca, 0xfe, 0xba, 0xbe]), Some(Magic::Fat));
        assert_eq!(magic(b"PK\x03\x04"), None);
        assert_eq!(magic(&[0xcf, 0xfa]), None);
    }

    fn fat_header(slices: &[(u32, u32)], len: usize) -> Vec<u8> {
        let mut data = vec![0u8; len];
        data[..4].copy_from_slice(&[0xca, 0xfe, 0xba, 0xbe]);
        data[4..8].copy_from_slice(&(slices.len() as u32).to_be_bytes());
        for (n, (offset, size)) in slices.iter().enumerate() {
            let at = 8 + n * 20;
            data[at..at + 4].copy_from_slice(&0x0100_000cu32.to_be_bytes());
            data[at + 8..at + 12].copy_from_slice(&offset.to_be_bytes());
            data[at + 12..at + 16].copy_from_slice(&size.to_be_bytes());
        }
        data
    }

    #[test]
    fn lying_fat_offsets_are_named() {
        let path = DebugFilePath::file(std::path::Path::new("x/Demo"));
        let mut errors = Vec::new();
        let data = fat_header(&[(4096, 100), (8192, u32::MAX)], 9000);
        assert!(slices(&data, &path, false, &mut errors).is_empty());
        // Slice 1 is read (and is no Mach-O); slice 2 is refused from the header alone.
        assert!(errors[1].to_string().contains("slice 1 of 2: a Mach-O header"), "{}", errors[1]);
        assert_eq!(
            errors[0].to_string(),
            "x/Demo: expected slice 2 of 2: a slice after the fat header (48 bytes) and inside the file (9000 bytes), \
             found offset 8192, size 4294967295"
        );
        errors.clear();
        let data = fat_header(&[(16, 100)], 9000);
        slices(&data, &path, false, &mut errors);
        assert!(errors[0].to_string().contains("found offset 16, size 100"), "{}", errors[0]);
        errors.clear();
        let mut data = fat_header(&[], 64);
        data[4..8].copy_from_slice(&0x0000_0033u32.to_be_bytes());
        slices(&data, &path, false, &mut errors);
        assert_eq!(errors[0].to_string(), "x/Demo: expected a fat header with 1 to 32 slices, found 51 slices");
    }
}
