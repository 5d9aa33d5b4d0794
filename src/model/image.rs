//! Binary images: the executables and libraries mapped into the process.

use std::borrow::Cow;

use serde::Serialize;
use uuid::Uuid;

use super::arch::{self, Arch};
use super::serde_hex;

/// One binary image.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Image<'a> {
    /// Load address.
    #[serde(serialize_with = "serde_hex::serialize")]
    pub start: u64,
    /// Last address of the image (inclusive, as text reports write it;
    /// `base + size - 1` for `.ips`).
    #[serde(serialize_with = "serde_hex::serialize")]
    pub end: u64,
    /// Image name (`libdispatch.dylib`; on macOS often a bundle id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Cow<'a, str>>,
    /// The image's architecture; macOS text reports give a version instead
    /// and the report's code type applies.
    #[serde(serialize_with = "arch::serialize_opt", skip_serializing_if = "Option::is_none")]
    pub arch: Option<Arch>,
    /// The version in parentheses on macOS text lines (`1.0 - 1`, `6.9`);
    /// `.ips` `CFBundleShortVersionString`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<Cow<'a, str>>,
    /// `.ips` `CFBundleIdentifier`, for images that are bundles: macOS text
    /// names such an image by it (`com.apple.AppKit`), where frames name it
    /// by `name` (`AppKit`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bundle_id: Option<Cow<'a, str>>,
    /// The LC_UUID, when known and not all zero.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uuid: Option<Uuid>,
    /// Path on the device.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<Cow<'a, str>>,
    /// The `+` mark old reports put on non-system images.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub marked_user: bool,
}

impl Image<'_> {
    /// True when `address` lies within the image.
    pub fn contains(&self, address: u64) -> bool {
        self.start <= address && address <= self.end
    }

    /// The last component of the image's path (`Quillmark` for
    /// `/Applications/Quillmark.app/Contents/MacOS/Quillmark`): macOS names
    /// an image by its bundle id, but its frames by this.
    pub fn file_name(&self) -> Option<&str> {
        self.path.as_deref().and_then(|p| p.rsplit('/').next()).filter(|n| !n.is_empty())
    }

    /// True for the `0x0 - 0xffffffffffffffff ???` line and `.ips`'s trailing
    /// all-zero image: a marker, not a binary.
    pub fn is_placeholder(&self) -> bool {
        self.uuid.is_none() && (self.start == 0 && (self.end == u64::MAX || self.end == 0))
    }
}

/// The images of a report sorted by start address, to find the image
/// holding an address by binary search. Placeholder images (the catch-all
/// `0x0 - 0xffffffffffffffff ???`) are left out.
pub struct ImageIndex {
    /// (start, end, image index), sorted.
    by_start: Vec<(u64, u64, usize)>,
    /// True when some images overlap.
    overlapping: bool,
}

/// How many images before the candidate a lookup examines when images
/// overlap (only hand-edited or hostile reports have overlaps): enough for
/// any real nesting, and a bound on the work per frame.
const OVERLAP_SCAN: usize = 64;

impl ImageIndex {
    /// Indexes `images`.
    pub fn new(images: &[Image<'_>]) -> Self {
        let mut by_start: Vec<_> = images
            .iter()
            .enumerate()
            .filter(|(_, i)| !i.is_placeholder() && i.end >= i.start)
            .map(|(n, i)| (i.start, i.end, n))
            .collect();
        // Reports list their images by address; sort only when one does not.
        if !by_start.is_sorted() {
            by_start.sort_unstable();
        }
        let overlapping = by_start.windows(2).any(|w| w[1].0 <= w[0].1);
        ImageIndex { by_start, overlapping }
    }

    /// The smallest image containing `address` among the nearest starts.
    pub fn find(&self, address: u64) -> Option<usize> {
        let after = self.by_start.partition_point(|(start, _, _)| *start <= address);
        let scan = if self.overlapping { OVERLAP_SCAN } else { 1 };
        self.by_start[..after]
            .iter()
            .rev()
            .take(scan)
            .filter(|(_, end, _)| address <= *end)
            .min_by_key(|(start, end, _)| end - start)
            .map(|(_, _, n)| *n)
    }
}

/// Reads an image UUID (LC_UUID) as reports write it: 32 hex digits,
/// dashed or not, in either case; they are the same UUID. The all-zero UUID
/// of placeholder images is no UUID (`None`).
pub fn parse_uuid(text: &str) -> Option<Uuid> {
    Uuid::try_parse(text.trim_ascii()).ok().filter(|uuid| !uuid.is_nil())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_forms_agree() {
        let a = parse_uuid("8ce6a4f1ad09385e8422b60f540b9a23").unwrap();
        let b = parse_uuid("8CE6A4F1-AD09-385E-8422-B60F540B9A23").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "8ce6a4f1-ad09-385e-8422-b60f540b9a23");
        assert_eq!(a.simple().to_string(), "8ce6a4f1ad09385e8422b60f540b9a23");
    }

    #[test]
    fn uuid_rejects_junk() {
        for bad in [
            "",
            "@UUID@",
            "8ce6a4f1ad09385e8422b60f540b9a2",
            "8ce6a4f1ad09385e8422b60f540b9a233",
            "8ce6-a4f1ad09385e8422b60f540b9a23",
            "00000000-0000-0000-0000-000000000000",
        ] {
            assert_eq!(parse_uuid(bad), None, "{bad}");
        }
    }
}
