//! Zip archives of dSYMs, as Xcode, fastlane and CI artefacts ship them.
//!
//! A member is unpacked only when its first bytes are Mach-O magic, into an
//! unnamed temporary file that is then mapped like any debug file on disk:
//! a 2 GB dSYM in a zip costs disk while the run lasts, not memory. What one
//! archive may unpack is bounded by [`ArchiveLimits`], counted on the bytes
//! actually produced (a zip's own size fields are not trusted).

use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::Path;

use memmap2::Mmap;

use super::error::{Chain, DebugFileError, DebugFilePath};
use super::macho;

/// Bounds on what one zip archive may unpack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArchiveLimits {
    /// Most bytes unpacked from one archive, every member together (16 GiB:
    /// the dSYMs of the largest apps are a few GiB).
    pub max_total_size: u64,
    /// Most bytes one member may unpack to for each byte it holds
    /// compressed (100). DWARF deflates about 4:1 and code about 2:1; a zip
    /// bomb deflates up to 1032:1.
    pub max_ratio: u64,
    /// Members smaller than this unpacked are not held to `max_ratio`
    /// (1 MiB): a tiny file of zeros is no threat.
    pub ratio_floor: u64,
    /// Most members one archive may list (100,000).
    pub max_members: usize,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        ArchiveLimits { max_total_size: 16 << 30, max_ratio: 100, ratio_floor: 1 << 20, max_members: 100_000 }
    }
}

/// A Mach-O member of an archive, unpacked and mapped.
pub(crate) struct Unpacked {
    pub path: DebugFilePath,
    pub data: Mmap,
}

/// Unpacks the Mach-O members of the zip archive at `path`. A member that
/// cannot be read is an error in `errors` and the others are still
/// unpacked; passing a limit ends the archive. A `.dSYM` bundle in the
/// archive without a Mach-O file is an error too.
pub(crate) fn unpack(path: &Path, limits: &ArchiveLimits, errors: &mut Vec<DebugFileError>) -> Vec<Unpacked> {
    let archive_path = DebugFilePath::file(path);
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) => {
            errors.push(DebugFileError::unreadable(&archive_path, e));
            return Vec::new();
        }
    };
    let mut archive = match zip::ZipArchive::new(BufReader::new(file)) {
        Ok(archive) => archive,
        Err(e) => {
            errors.push(DebugFileError::malformed(&archive_path, "a zip archive", Chain(&e)));
            return Vec::new();
        }
    };
    if archive.len() > limits.max_members {
        errors.push(DebugFileError::TooLarge {
            path: archive_path,
            what: "the number of members".to_string(),
            limit: limits.max_members as u64,
            actual: archive.len() as u64,
        });
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut total = 0u64;
    // The .dSYM bundles the members are in, with how many Mach-O files each held.
    let mut bundles: Vec<(String, usize)> = Vec::new();
    for index in 0..archive.len() {
        let name = archive.name_for_index(index).unwrap_or("?").to_string();
        let bundle = dsym_bundle(&name);
        if let Some(bundle) = bundle
            && !bundles.iter().any(|(b, _)| b == bundle)
        {
            bundles.push((bundle.to_string(), 0));
        }
        let mut member = match archive.by_index(index) {
            Ok(member) => member,
            Err(e) => {
                errors.push(DebugFileError::malformed(
                    &DebugFilePath::member(path, &name),
                    "a readable zip member (stored or deflated, not encrypted)",
                    Chain(&e),
                ));
                continue;
            }
        };
        if !member.is_file() {
            continue;
        }
        let member_path = DebugFilePath::member(path, member.name());
        let budget = limits.max_total_size.saturating_sub(total);
        let allowed = budget.min(member.compressed_size().saturating_mul(limits.max_ratio).max(limits.ratio_floor));
        match unpack_member(&mut member, &member_path, allowed) {
            Ok(Some((data, size))) => {
                total += size;
                out.push(Unpacked { path: member_path, data });
                if let Some(entry) = bundles.iter_mut().find(|(b, _)| Some(b.as_str()) == bundle) {
                    entry.1 += 1;
                }
            }
            Ok(None) => {}
            Err(Unpack::Error(error)) => errors.push(error),
            Err(Unpack::Over(read)) => {
                let (what, limit, actual) = if allowed == budget {
                    ("what the archive unpacks to".to_string(), limits.max_total_size, total + read)
                } else {
                    (
                        format!(
                            "what this member unpacks to ({} bytes compressed, at most {}:1 allowed)",
                            member.compressed_size(),
                            limits.max_ratio
                        ),
                        allowed,
                        read,
                    )
                };
                errors.push(DebugFileError::TooLarge { path: member_path, what, limit, actual });
                // A bomb in one member says what the archive is: stop reading it.
                return out;
            }
        }
    }
    for (bundle, count) in bundles {
        if count == 0 {
            errors.push(DebugFileError::malformed(
                &DebugFilePath::member(path, &bundle),
                "a Mach-O DWARF file in Contents/Resources/DWARF/",
                "none",
            ));
        }
    }
    out
}

/// The `.dSYM` bundle a member is in (`App.dSYM/`), when it is in one.
fn dsym_bundle(member: &str) -> Option<&str> {
    let mut end = 0;
    for component in member.split('/') {
        end += component.len() + 1;
        // Bytes, not characters: a name is input, and may end in any UTF-8.
        let bytes = component.as_bytes();
        if bytes.len() > 5 && bytes[bytes.len() - 5..].eq_ignore_ascii_case(b".dSYM") {
            return member.get(..end.min(member.len()));
        }
    }
    None
}

enum Unpack {
    Error(DebugFileError),
    /// More than the allowed bytes came out (how many were read).
    Over(u64),
}

/// Unpacks `member` into a temporary file and maps it, when it starts with
/// Mach-O magic; `None` for other members (plists, text, images).
fn unpack_member(member: &mut impl Read, path: &DebugFilePath, allowed: u64) -> Result<Option<(Mmap, u64)>, Unpack> {
    let mut head = [0u8; 4];
    let mut got = 0;
    while got < head.len() {
        match member.read(&mut head[got..]) {
            Ok(0) => return Ok(None),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Unpack::Error(DebugFileError::malformed(path, "a readable zip member", e))),
        }
    }
    if macho::magic(&head).is_none() {
        return Ok(None);
    }
    let io_error = |e: io::Error| Unpack::Error(DebugFileError::unreadable(path, e));
    let mut file = tempfile::tempfile().map_err(io_error)?;
    file.write_all(&head).map_err(io_error)?;
    // One byte past the allowance tells "exactly at the limit" from "over".
    let rest_allowed = allowed.saturating_sub(head.len() as u64).saturating_add(1);
    let copied = io::copy(&mut member.take(rest_allowed), &mut file)
        .map_err(|e| Unpack::Error(DebugFileError::malformed(path, "a zip member that inflates cleanly", e)))?;
    let size = head.len() as u64 + copied;
    if size > allowed {
        return Err(Unpack::Over(size));
    }
    // SAFETY: the file is unnamed and private to this process: nothing else
    // can change it while it is mapped.
    let data = unsafe { Mmap::map(&file) }.map_err(io_error)?;
    Ok(Some((data, size)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundles_of_members() {
        assert_eq!(dsym_bundle("App.dSYM/Contents/Resources/DWARF/App"), Some("App.dSYM/"));
        assert_eq!(dsym_bundle("ci/out/App.app.dSYM/Contents/Info.plist"), Some("ci/out/App.app.dSYM/"));
        assert_eq!(dsym_bundle("App.dSYM/"), Some("App.dSYM/"));
        assert_eq!(dsym_bundle("App.dSYM"), Some("App.dSYM"));
        assert_eq!(dsym_bundle("Products/App.app/App"), None);
        assert_eq!(dsym_bundle(".dSYM/x"), None);
        assert_eq!(dsym_bundle("ééé/x"), None);
    }
}
