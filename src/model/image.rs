//! Binary images: the executables and libraries mapped into the process.

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;

use super::hex;
use crate::arch::Arch;

/// One binary image.
#[derive(Debug, Clone, Serialize)]
pub struct Image<'a> {
    /// Load address.
    #[serde(serialize_with = "hex::serialize")]
    pub start: u64,
    /// Last address of the image (inclusive, as text reports write it;
    /// `base + size - 1` for `.ips`).
    #[serde(serialize_with = "hex::serialize")]
    pub end: u64,
    /// Image name (`libdispatch.dylib`; on macOS often a bundle id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Cow<'a, str>>,
    /// The image's architecture; macOS text reports give a version instead
    /// and the report's code type applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arch: Option<Arch>,
    /// The version in parentheses on macOS (`1.0 - 1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<Cow<'a, str>>,
    /// The LC_UUID, when known and not all zero.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uuid: Option<ImageUuid>,
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

/// An image UUID (LC_UUID). Reports write it dashed or not, in either case;
/// it is the same UUID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ImageUuid(pub [u8; 16]);

impl ImageUuid {
    /// Reads 32 hex digits, with or without the four dashes, in any case.
    pub fn parse(text: &str) -> Option<ImageUuid> {
        let text = text.trim_ascii().as_bytes();
        let mut digits = [0u8; 32];
        match text.len() {
            32 => digits.copy_from_slice(text),
            36 if text[8] == b'-' && text[13] == b'-' && text[18] == b'-' && text[23] == b'-' => {
                digits[..8].copy_from_slice(&text[..8]);
                digits[8..12].copy_from_slice(&text[9..13]);
                digits[12..16].copy_from_slice(&text[14..18]);
                digits[16..20].copy_from_slice(&text[19..23]);
                digits[20..].copy_from_slice(&text[24..]);
            }
            _ => return None,
        }
        let mut bytes = [0u8; 16];
        let mut invalid = 0u8;
        for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
            let (high, low) = (HEX[pair[0] as usize], HEX[pair[1] as usize]);
            invalid |= high | low;
            *byte = (high << 4) | (low & 0x0f);
        }
        // Any invalid digit set the top bits (0xff).
        (invalid & 0xf0 == 0).then_some(ImageUuid(bytes))
    }

    /// True for `00000000-0000-0000-0000-000000000000`.
    pub fn is_nil(&self) -> bool {
        self.0 == [0; 16]
    }

    /// 32 lower-case hex digits without dashes, as App Center wants.
    pub fn simple(&self) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; 32];
        for (pair, b) in out.chunks_exact_mut(2).zip(self.0) {
            pair[0] = DIGITS[usize::from(b >> 4)];
            pair[1] = DIGITS[usize::from(b & 0xf)];
        }
        // Only ASCII hex digits were written, so this never falls back.
        std::str::from_utf8(&out).unwrap_or_default().to_string()
    }
}

impl fmt::Display for ImageUuid {
    /// Lower-case dashed form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl Serialize for ImageUuid {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The value of each byte as a hex digit, or 0xff.
const HEX: [u8; 256] = {
    let mut table = [0xff; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 10 + i as u8;
        table[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_forms_agree() {
        let a = ImageUuid::parse("8ce6a4f1ad09385e8422b60f540b9a23").unwrap();
        let b = ImageUuid::parse("8CE6A4F1-AD09-385E-8422-B60F540B9A23").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "8ce6a4f1-ad09-385e-8422-b60f540b9a23");
        assert_eq!(a.simple(), "8ce6a4f1ad09385e8422b60f540b9a23");
    }

    #[test]
    fn uuid_rejects_junk() {
        for bad in [
            "",
            "@UUID@",
            "8ce6a4f1ad09385e8422b60f540b9a2",
            "8ce6a4f1ad09385e8422b60f540b9a233",
            "8ce6-a4f1ad09385e8422b60f540b9a23",
        ] {
            assert_eq!(ImageUuid::parse(bad), None, "{bad}");
        }
        assert!(ImageUuid::parse("00000000-0000-0000-0000-000000000000").unwrap().is_nil());
    }
}
