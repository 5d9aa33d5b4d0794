//! Hexadecimal numbers, read and written in one place.
//!
//! Reports are full of hex: every frame address, image range, register and
//! exception code. Reading goes through one digit table; writing goes
//! through one routine that turns eight nibbles into eight digits at once
//! (a report writes thousands of addresses, so the general formatting
//! machinery is not used on that path).

use std::fmt;

/// The value of each byte as a hex digit, or `NOT_HEX`.
const DIGIT: [u8; 256] = {
    let mut table = [NOT_HEX; 256];
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

const NOT_HEX: u8 = 0xff;

/// The value of a hex digit (either case).
#[inline]
pub fn digit(byte: u8) -> Option<u8> {
    let value = DIGIT[usize::from(byte)];
    (value != NOT_HEX).then_some(value)
}

/// True for `0-9a-fA-F`.
#[inline]
pub fn is_digit(byte: u8) -> bool {
    DIGIT[usize::from(byte)] != NOT_HEX
}

/// Reads the run of hex digits that starts `bytes`: its value (the last 16
/// digits, so it is the number only when there are at most 16) and its
/// length.
#[inline]
pub fn leading_digits(bytes: &[u8]) -> (u64, usize) {
    let mut value: u64 = 0;
    let mut count = 0;
    for &byte in bytes {
        let d = DIGIT[usize::from(byte)];
        if d == NOT_HEX {
            break;
        }
        value = (value << 4) | u64::from(d);
        count += 1;
    }
    (value, count)
}

/// 1 to 16 hex digits and nothing else, as a number.
pub fn parse_digits(text: &str) -> Option<u64> {
    let (value, count) = leading_digits(text.as_bytes());
    ((1..=16).contains(&count) && count == text.len()).then_some(value)
}

/// `0x` and 1 to 16 hex digits and nothing else (`0X` too), as a number.
pub fn parse_prefixed(text: &str) -> Option<u64> {
    let digits = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X"))?;
    parse_digits(digits)
}

/// The eight nibbles of `half`, one per byte, the most significant nibble
/// in the first byte, each turned into its lower-case hex digit: no loop
/// and no table.
fn word(half: u32) -> [u8; 8] {
    let mut x = u64::from(half);
    x = (x | (x << 16)) & 0x0000_ffff_0000_ffff;
    x = (x | (x << 8)) & 0x00ff_00ff_00ff_00ff;
    x = (x | (x << 4)) & 0x0f0f_0f0f_0f0f_0f0f;
    // 1 in each byte whose nibble is 10 or more, then `a`..`f` are 39
    // past where `0`..`9` would continue.
    let letters = ((x + 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101;
    (x + 0x3030_3030_3030_3030 + letters * 39).to_be_bytes()
}

/// A number written in hex, on the stack: `0x` and at least `min_digits`
/// lower-case digits (zero-padded), or the digits alone.
#[derive(Clone, Copy)]
pub struct Hex {
    buf: [u8; 18],
    start: usize,
}

impl Hex {
    /// `0x` + `value`, zero-padded to `min_digits` digits (at most 16).
    pub fn prefixed(value: u64, min_digits: usize) -> Hex {
        let mut buf = [b'0'; 18];
        buf[2..10].copy_from_slice(&word((value >> 32) as u32));
        buf[10..].copy_from_slice(&word(value as u32));
        let digits = (64 - value.leading_zeros() as usize).div_ceil(4).max(1).max(min_digits.min(16));
        let start = 16 - digits;
        buf[start] = b'0';
        buf[start + 1] = b'x';
        Hex { buf, start }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits and `x` are ever written, so this never falls back.
        std::str::from_utf8(&self.buf[self.start..]).unwrap_or_default()
    }

    /// The digits without `0x`.
    pub fn digits(&self) -> &str {
        &self.as_str()[2..]
    }
}

impl fmt::Display for Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `0x` + lower-case hex, not padded (`0x1a2b`).
pub fn prefixed(value: u64) -> Hex {
    Hex::prefixed(value, 0)
}

/// Bytes as lower-case hex digits, two per byte (digests).
pub fn encode_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for chunk in bytes.chunks(4) {
        let mut half = [0u8; 4];
        half[..chunk.len()].copy_from_slice(chunk);
        let digits = word(u32::from_be_bytes(half));
        // Only ASCII digits are written.
        out.push_str(std::str::from_utf8(&digits[..chunk.len() * 2]).unwrap_or_default());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading() {
        assert_eq!(parse_prefixed("0x1aF"), Some(0x1af));
        assert_eq!(parse_prefixed("0xffffffffffffffff"), Some(u64::MAX));
        assert_eq!(parse_prefixed("0x11112222333344445"), None);
        assert_eq!(parse_prefixed("0x"), None);
        assert_eq!(parse_prefixed("12"), None);
        assert_eq!(parse_prefixed("0x12 "), None);
        assert_eq!(parse_digits("00ff"), Some(255));
        assert_eq!(leading_digits(b"11112222333344445 "), (0x1112_2223_3334_4445, 17));
        assert_eq!(leading_digits(b"zz"), (0, 0));
    }

    #[test]
    fn writing() {
        assert_eq!(prefixed(0).as_str(), "0x0");
        assert_eq!(prefixed(0x18a98520c).as_str(), "0x18a98520c");
        assert_eq!(Hex::prefixed(0x1a, 8).as_str(), "0x0000001a");
        assert_eq!(Hex::prefixed(u64::MAX, 16).digits(), "ffffffffffffffff");
        assert_eq!(encode_bytes(&[0x00, 0xab, 0x12, 0xff, 0x7c]), "00ab12ff7c");
    }

    proptest::proptest! {
        #[test]
        fn same_as_the_formatter(value: u64, width in 0usize..=16) {
            let written = Hex::prefixed(value, width);
            proptest::prop_assert_eq!(written.as_str(), format!("{value:#0w$x}", w = width.max(1) + 2));
            proptest::prop_assert_eq!(parse_prefixed(&format!("{value:#x}")), Some(value));
        }

        #[test]
        fn bytes_as_the_formatter(bytes: Vec<u8>) {
            let expected: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            proptest::prop_assert_eq!(encode_bytes(&bytes), expected);
        }
    }
}
