//! The few text forms App Center logs are made of, written without the
//! general formatting machinery: a report has hundreds of frames and
//! images, each with several of them.

/// Lower-case hex digits.
const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Appends `value` in lower-case hex, zero-padded to `width` digits.
pub fn push_hex(out: &mut String, value: u64, width: usize) {
    let mut buf = [0u8; 16];
    let mut at = buf.len();
    let mut rest = value;
    loop {
        at -= 1;
        buf[at] = DIGITS[(rest & 0xf) as usize];
        rest >>= 4;
        if rest == 0 {
            break;
        }
    }
    let digits = buf.len() - at;
    for _ in digits..width {
        out.push('0');
    }
    // The buffer holds ASCII digits only.
    out.push_str(std::str::from_utf8(&buf[at..]).unwrap_or_default());
}

/// `0x` + zero-padded lower-case hex: 8 digits on 32-bit processes, 16 on
/// 64-bit ones, and 16 for a value too large for 8.
pub fn padded(value: u64, width: usize) -> String {
    let width = if value > u64::from(u32::MAX) { 16 } else { width };
    let mut out = String::with_capacity(2 + width);
    out.push_str("0x");
    push_hex(&mut out, value, width);
    out
}

/// `0x` + lower-case hex, not padded.
pub fn hex(value: u64) -> String {
    let mut out = String::with_capacity(18);
    out.push_str("0x");
    push_hex(&mut out, value, 0);
    out
}

/// `<symbol> + <offset>`.
pub fn symbol_plus(symbol: &str, offset: u64) -> String {
    let mut buffer = itoa::Buffer::new();
    let offset = buffer.format(offset);
    let mut out = String::with_capacity(symbol.len() + 3 + offset.len());
    out.push_str(symbol);
    out.push_str(" + ");
    out.push_str(offset);
    out
}

/// `0x<base> + <offset>`.
pub fn base_plus(base: u64, offset: u64) -> String {
    let mut out = hex(base);
    out.push_str(" + ");
    out.push_str(itoa::Buffer::new().format(offset));
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
