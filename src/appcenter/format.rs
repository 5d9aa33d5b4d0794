//! The few text forms App Center logs are made of, written without the
//! general formatting machinery: a report has hundreds of frames and
//! images, each with several of them.

/// Lower-case hex digits.
const DIGITS: &[u8; 16] = b"0123456789abcdef";

use compact_str::CompactString;

/// `0x` and `value` in lower-case hex, zero-padded to `width` (at most 16)
/// digits, written into a stack buffer.
fn hex_bytes(value: u64, width: usize) -> ([u8; 18], usize) {
    let mut buf = [b'0'; 18];
    let digits = ((64 - value.leading_zeros() as usize).div_ceil(4)).max(1).max(width.min(16));
    let mut rest = value;
    for at in (2..2 + digits).rev() {
        buf[at] = DIGITS[(rest & 0xf) as usize];
        rest >>= 4;
    }
    buf[1] = b'x';
    (buf, 2 + digits)
}

fn ascii(bytes: &[u8]) -> &str {
    // Only ASCII digits and `x` are ever written.
    std::str::from_utf8(bytes).unwrap_or_default()
}

/// `0x` + zero-padded lower-case hex: 8 digits on 32-bit processes, 16 on
/// 64-bit ones, and 16 for a value too large for 8.
pub fn padded(value: u64, width: usize) -> CompactString {
    let width = if value > u64::from(u32::MAX) { 16 } else { width };
    let (buf, len) = hex_bytes(value, width);
    CompactString::from(ascii(&buf[..len]))
}

/// `0x` + lower-case hex, not padded.
pub fn hex(value: u64) -> CompactString {
    let (buf, len) = hex_bytes(value, 0);
    CompactString::from(ascii(&buf[..len]))
}

/// `<symbol> + <offset>`.
pub fn symbol_plus(symbol: &str, offset: u64) -> CompactString {
    let mut buffer = itoa::Buffer::new();
    let offset = buffer.format(offset);
    let mut out = CompactString::with_capacity(symbol.len() + 3 + offset.len());
    out.push_str(symbol);
    out.push_str(" + ");
    out.push_str(offset);
    out
}

/// `0x<base> + <offset>`.
pub fn base_plus(base: u64, offset: u64) -> CompactString {
    let (buf, len) = hex_bytes(base, 0);
    let mut digits = itoa::Buffer::new();
    let offset = digits.format(offset);
    let mut out = CompactString::with_capacity(len + 3 + offset.len());
    out.push_str(ascii(&buf[..len]));
    out.push_str(" + ");
    out.push_str(offset);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(padded(0x1a, 8), "0x0000001a");
        assert_eq!(padded(0x1a, 16), "0x000000000000001a");
        assert_eq!(padded(0x1_0000_0000, 8), "0x0000000100000000");
        assert_eq!(padded(u64::MAX, 16), "0xffffffffffffffff");
        assert_eq!(hex(0), "0x0");
        assert_eq!(hex(0x18a98520c), "0x18a98520c");
        assert_eq!(symbol_plus("main", 40), "main + 40");
        assert_eq!(base_plus(0x102230000, 25788), "0x102230000 + 25788");
        for value in [0u64, 1, 0xf, 0x10, 0xdead_beef, u64::MAX] {
            assert_eq!(hex(value), format!("{value:#x}"));
        }
    }
}
