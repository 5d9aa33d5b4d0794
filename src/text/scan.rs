//! Byte-level helpers for the two line types that make up most of a report
//! (frames and binary images). They avoid building a substring searcher per
//! call, which costs more than the search on lines this short.

/// The value of one hex digit.
#[inline]
pub fn hex_digit(c: u8) -> Option<u64> {
    match c {
        b'0'..=b'9' => Some(u64::from(c - b'0')),
        b'a'..=b'f' => Some(u64::from(c - b'a' + 10)),
        b'A'..=b'F' => Some(u64::from(c - b'A' + 10)),
        _ => None,
    }
}

/// Reads `0x` and 1 to 16 hex digits at `at`; returns the value and the
/// index after the last digit. `None` for no digits or more than 16.
pub fn hex_at(bytes: &[u8], at: usize) -> Option<(u64, usize)> {
    let (value, digits) = hex_run(bytes, at)?;
    (1..=16).contains(&digits).then_some((value, at + 2 + digits))
}

/// Reads `0x` and the run of hex digits after it at `at`: the value and the
/// number of digits. The value holds the last 16 digits, so it is the
/// number only when there are at most 16; callers check.
pub fn hex_run(bytes: &[u8], at: usize) -> Option<(u64, usize)> {
    let digits = bytes.get(at..)?.strip_prefix(b"0x".as_slice())?;
    let mut value: u64 = 0;
    let mut count = 0;
    for &c in digits {
        let Some(d) = hex_digit(c) else { break };
        value = (value << 4) | d;
        count += 1;
    }
    Some((value, count))
}

/// The index of the first byte at or after `at` that is not a space or tab.
#[inline]
pub fn skip_blanks(bytes: &[u8], mut at: usize) -> usize {
    while matches!(bytes.get(at), Some(b' ' | b'\t')) {
        at += 1;
    }
    at
}

/// True for a space or a tab.
#[inline]
pub fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// For text ending in `)`, the index of the ` (` that opens the last
/// parenthesised group (the last `(` preceded by a blank).
pub fn last_group_start(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    if bytes.last() != Some(&b')') {
        return None;
    }
    let mut at = bytes.len() - 1;
    while at > 0 {
        at -= 1;
        if bytes[at] == b'(' && at > 0 && bytes[at - 1] == b' ' {
            return Some(at - 1);
        }
    }
    None
}

/// Splits `text` at its last ` + ` (a blank, a plus sign, a blank).
pub fn rsplit_plus(text: &str) -> Option<(&str, &str)> {
    let bytes = text.as_bytes();
    let mut at = bytes.len();
    while at >= 3 {
        at -= 1;
        if bytes[at] == b' ' && bytes[at - 1] == b'+' && bytes[at - 2] == b' ' {
            return Some((&text[..at - 2], &text[at + 1..]));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex() {
        assert_eq!(hex_at(b"0x1aF rest", 0), Some((0x1af, 5)));
        assert_eq!(hex_at(b"  0xffffffffffffffff", 2), Some((u64::MAX, 20)));
        assert_eq!(hex_at(b"0x11112222333344445", 0), None);
        assert_eq!(hex_at(b"0x", 0), None);
        assert_eq!(hex_at(b"12", 0), None);
        assert_eq!(hex_run(b"0x11112222333344445 ", 0).map(|(_, n)| n), Some(17));
        assert_eq!(hex_run(b"0x", 0), Some((0, 0)));
    }

    #[test]
    fn groups_and_plus() {
        assert_eq!(last_group_start("main (main.m:16)"), Some(4));
        assert_eq!(last_group_start("bar(int) + 20 (x.cpp:7)"), Some(13));
        assert_eq!(last_group_start("f(int)"), None);
        assert_eq!(rsplit_plus("operator+ + 12"), Some(("operator+", "12")));
        assert_eq!(rsplit_plus("a + b + 3"), Some(("a + b", "3")));
        assert_eq!(rsplit_plus("nothing"), None);
    }
}
