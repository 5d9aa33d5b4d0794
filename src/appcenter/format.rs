//! The few text forms App Center logs are made of, written without the
//! general formatting machinery: a report has hundreds of frames and
//! images, each with several of them.

use compact_str::CompactString;

/// The eight nibbles of `half`, one per byte, the most significant nibble
/// in the first byte, each turned into its lower-case hex digit: no loop
/// and no table, since a report writes thousands of addresses.
fn hex_word(half: u32) -> [u8; 8] {
    let mut x = u64::from(half);
    x = (x | (x << 16)) & 0x0000_ffff_0000_ffff;
    x = (x | (x << 8)) & 0x00ff_00ff_00ff_00ff;
    x = (x | (x << 4)) & 0x0f0f_0f0f_0f0f_0f0f;
    // 1 in each byte whose nibble is 10 or more, then `a`..`f` are 39
    // past where `0`..`9` would continue.
    let letters = ((x + 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101;
    (x + 0x3030_3030_3030_3030 + letters * 39).to_be_bytes()
}

/// `0x` and `value` in lower-case hex, zero-padded to `width` (at most 16)
/// digits: a stack buffer and where in it the text starts.
fn hex_bytes(value: u64, width: usize) -> ([u8; 18], usize) {
    let mut buf = [b'0'; 18];
    buf[2..10].copy_from_slice(&hex_word((value >> 32) as u32));
    buf[10..].copy_from_slice(&hex_word(value as u32));
    let digits = ((64 - value.leading_zeros() as usize).div_ceil(4)).max(1).max(width.min(16));
    let start = 16 - digits;
    buf[start] = b'0';
    buf[start + 1] = b'x';
    (buf, start)
}

fn ascii(bytes: &[u8]) -> &str {
    // Only ASCII hex digits and `x` are ever written.
    std::str::from_utf8(bytes).unwrap_or_default()
}

/// `0x` + zero-padded lower-case hex: 8 digits on 32-bit processes, 16 on
/// 64-bit ones, and 16 for a value too large for 8.
pub fn padded(value: u64, width: usize) -> CompactString {
    let width = if value > u64::from(u32::MAX) { 16 } else { width };
    let (buf, start) = hex_bytes(value, width);
    CompactString::from(ascii(&buf[start..]))
}

/// `0x` + lower-case hex, not padded.
pub fn hex(value: u64) -> CompactString {
    let (buf, start) = hex_bytes(value, 0);
    CompactString::from(ascii(&buf[start..]))
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
    let (buf, start) = hex_bytes(base, 0);
    let mut digits = itoa::Buffer::new();
    let offset = digits.format(offset);
    let mut out = CompactString::with_capacity(buf.len() - start + 3 + offset.len());
    out.push_str(ascii(&buf[start..]));
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

    proptest::proptest! {
        #[test]
        fn same_as_the_formatter(value: u64, width in 0usize..=16) {
            let expected = if value > u64::from(u32::MAX) { format!("{value:#018x}") } else { format!("{value:#0w$x}", w = width.max(1) + 2) };
            proptest::prop_assert_eq!(padded(value, width), expected);
            proptest::prop_assert_eq!(hex(value), format!("{value:#x}"));
            proptest::prop_assert_eq!(base_plus(value, 7), format!("{value:#x} + 7"));
        }
    }
}
