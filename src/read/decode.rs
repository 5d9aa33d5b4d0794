//! Turning raw bytes into text a reader can borrow from.
//!
//! Reports arrive with a UTF-8 byte-order mark, as UTF-16 from some Windows
//! tools, with stray Latin-1 bytes from editors, or as something else
//! entirely (a screenshot saved beside them). Valid UTF-8 is borrowed as is;
//! anything else is decoded into an owned string with a warning, and binary
//! files are recognised from their first bytes without reading further.

use std::borrow::Cow;

use crate::error::{Location, ParseError, Warning};
use crate::limits::Limits;

/// Decodes `bytes`: strips a BOM, decodes UTF-16 when a UTF-16 BOM says
/// so, replaces invalid UTF-8 (with a warning), and refuses binary data and
/// inputs over the size limit.
pub(crate) fn decode<'a>(
    bytes: &'a [u8],
    limits: &Limits,
    warnings: &mut Vec<Warning>,
) -> Result<Cow<'a, str>, ParseError> {
    if bytes.len() as u64 > limits.max_file_size {
        return Err(too_big(bytes.len() as u64, limits.max_file_size));
    }
    if let Some(what) = sniff_binary(bytes) {
        return Err(ParseError::not_a_report(what));
    }
    let text = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        decode_utf8(rest, warnings)
    } else if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        Cow::Owned(decode_utf16(rest, u16::from_le_bytes, warnings))
    } else if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        Cow::Owned(decode_utf16(rest, u16::from_be_bytes, warnings))
    } else {
        decode_utf8(bytes, warnings)
    };
    if text.trim().is_empty() {
        return Err(ParseError::not_a_report(if bytes.is_empty() {
            "the file is empty"
        } else {
            "the file holds only blank space"
        }));
    }
    Ok(text)
}

/// The error for an input over the size limit.
pub fn too_big(size: u64, limit: u64) -> ParseError {
    ParseError::TooLarge { location: Location::default(), what: "the file's size".to_string(), limit, actual: size }
}

fn decode_utf8<'a>(bytes: &'a [u8], warnings: &mut Vec<Warning>) -> Cow<'a, str> {
    // Nearly every report is valid UTF-8: check it with SIMD, and ask the
    // standard library only for the position of a fault.
    if let Ok(text) = simdutf8::basic::from_utf8(bytes) {
        return Cow::Borrowed(text);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(error) => {
            let first_bad = error.valid_up_to();
            let line = 1 + bytes[..first_bad].iter().filter(|&&b| b == b'\n').count();
            let text = String::from_utf8_lossy(bytes).into_owned();
            let replaced = text.matches('\u{FFFD}').count();
            warnings.push(Warning::at_line(
                u32::try_from(line).unwrap_or(u32::MAX),
                format!(
                    "the file is not valid UTF-8 (first bad byte {} at offset {first_bad}); {replaced} invalid sequence(s) replaced with U+FFFD",
                    crate::hex::Hex::prefixed(u64::from(bytes[first_bad]), 2)
                ),
            ));
            Cow::Owned(text)
        }
    }
}

fn decode_utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16, warnings: &mut Vec<Warning>) -> String {
    let units = bytes.chunks_exact(2).map(|pair| unit([pair[0], pair[1]]));
    let text: String = char::decode_utf16(units).map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER)).collect();
    warnings.push(Warning::general("the file is UTF-16; decoded it"));
    text
}

/// Names the binary format of `bytes` when its first bytes say so.
///
/// Only the first few kilobytes are looked at, so that a 2 GB video dropped
/// into a crash folder costs nothing.
pub fn sniff_binary(bytes: &[u8]) -> Option<&'static str> {
    const MAGICS: &[(&[u8], &str)] = &[
        (b"\x89PNG\r\n\x1a\n", "a PNG image"),
        (b"\xFF\xD8\xFF", "a JPEG image"),
        (b"GIF87a", "a GIF image"),
        (b"GIF89a", "a GIF image"),
        (b"%PDF-", "a PDF document"),
        (b"PK\x03\x04", "a zip archive"),
        (b"PK\x05\x06", "an empty zip archive"),
        (b"\x1F\x8B", "a gzip file"),
        (b"BZh", "a bzip2 file"),
        (b"\xFD7zXZ\x00", "an xz file"),
        (b"7z\xBC\xAF\x27\x1C", "a 7-Zip archive"),
        (b"\xFE\xED\xFA\xCE", "a Mach-O binary"),
        (b"\xFE\xED\xFA\xCF", "a Mach-O binary"),
        (b"\xCE\xFA\xED\xFE", "a Mach-O binary"),
        (b"\xCF\xFA\xED\xFE", "a Mach-O binary"),
        (b"\xCA\xFE\xBA\xBE", "a universal (fat) Mach-O binary"),
        (b"bplist00", "a binary property list"),
        (b"SQLite format 3\x00", "an SQLite database"),
        (b"\x00\x00\x00\x01Bud1", "a Finder .DS_Store file"),
        (b"\x7FELF", "an ELF binary"),
        (b"MZ", "a Windows executable"),
        (b"II*\x00", "a TIFF image"),
        (b"MM\x00*", "a TIFF image"),
    ];
    for (magic, what) in MAGICS {
        if bytes.starts_with(magic) {
            return Some(what);
        }
    }
    if bytes.get(4..8) == Some(b"ftyp") {
        return Some("a media file (HEIC, MP4 or MOV)");
    }
    let head = &bytes[..bytes.len().min(8192)];
    let utf16 = head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF");
    if !utf16
        && let Some(nul) = memchr::memchr(0, head)
        && !opens_as_a_report(&head[..nul])
    {
        return Some("binary data (it contains NUL bytes)");
    }
    None
}

/// True when the text before the first NUL byte opens a crash report: its
/// NUL bytes are damage (padding after a cut), not a sign of binary data.
fn opens_as_a_report(before_nul: &[u8]) -> bool {
    let bytes = before_nul.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(before_nul);
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => std::str::from_utf8(&bytes[..error.valid_up_to()]).unwrap_or_default(),
    };
    super::dispatch::begins_like_a_report(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::Input;

    #[test]
    fn bom_is_stripped_and_text_borrowed() {
        let input = Input::from_bytes(b"\xEF\xBB\xBFProcess: X [1]\n").unwrap();
        assert_eq!(input.text(), "Process: X [1]\n");
        assert!(matches!(decode(b"Process: X [1]\n", &Limits::default(), &mut Vec::new()), Ok(Cow::Borrowed(_))));
        assert!(input.warnings().is_empty());
    }

    #[test]
    fn invalid_utf8_is_replaced_with_a_warning() {
        let input = Input::from_bytes(b"Process: X [1]\nPath: /Users/Jos\xE9/X\n").unwrap();
        assert_eq!(input.text(), "Process: X [1]\nPath: /Users/Jos\u{FFFD}/X\n");
        assert_eq!(input.warnings().len(), 1);
        assert_eq!(input.warnings()[0].location.line, Some(2));
    }

    #[test]
    fn utf16_is_decoded() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "Process: X [1]\n".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        assert_eq!(Input::from_bytes(&bytes).unwrap().text(), "Process: X [1]\n");
    }

    #[test]
    fn binary_files_are_named() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert_eq!(Input::from_bytes(png).unwrap_err().to_string(), "not a crash report: a PNG image");
        assert!(Input::from_bytes(b"").unwrap_err().to_string().contains("empty"));
        assert!(Input::from_bytes(b"abc\0def").unwrap_err().to_string().contains("NUL"));
    }

    #[test]
    fn a_report_padded_with_nul_bytes_is_text() {
        let input = Input::from_bytes(b"Incident Identifier: 1\nProcess: X [1]\n\0\0\0\0").unwrap();
        assert_eq!(input.text(), "Incident Identifier: 1\nProcess: X [1]\n\0\0\0\0");
        assert_eq!(sniff_binary(b"{\"bug_type\":\"309\"}\n{\0"), None);
        assert!(sniff_binary(b"{\"bug_type\":\"288\"}\n{\0").is_some());
    }
}
