//! The few text forms App Center logs are made of, written without the
//! general formatting machinery: a report has hundreds of frames and
//! images, each with several of them.

use compact_str::CompactString;

use crate::hex::Hex;

/// `0x` + zero-padded lower-case hex: 8 digits on 32-bit processes, 16 on
/// 64-bit ones, and 16 for a value too large for 8.
pub fn padded(value: u64, width: usize) -> CompactString {
    let width = if value > u64::from(u32::MAX) { 16 } else { width };
    CompactString::from(Hex::prefixed(value, width).as_str())
}

/// `0x` + lower-case hex, not padded.
pub fn hex(value: u64) -> CompactString {
    CompactString::from(Hex::prefixed(value, 0).as_str())
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
    let base = Hex::prefixed(base, 0);
    let mut digits = itoa::Buffer::new();
    let offset = digits.format(offset);
    let mut out = CompactString::with_capacity(base.as_str().len() + 3 + offset.len());
    out.push_str(base.as_str());
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
    }

    proptest::proptest! {
        #[test]
        fn same_as_the_formatter(value: u64, width in 0usize..=16) {
            let expected = if value > u64::from(u32::MAX) { format!("{value:#018x}") } else { format!("{value:#0w$x}", w = width.max(1) + 2) };
            proptest::prop_assert_eq!(padded(value, width), expected);
            proptest::prop_assert_eq!(base_plus(value, 7), format!("{value:#x} + 7"));
        }
    }
}
