//! Frame lines and the parenthesised address list of `Last Exception Backtrace`.
//!
//! ```text
//! 0   libsystem_kernel.dylib                   0x19cc40b84 __ulock_wait + 8
//! 2   iOSCrashingTest                          0x1022364bc 0x102230000 + 25788
//! 4   Demo                              0x0000000100f8a2c8 -[ViewController crash:] + 40 (ViewController.m:42)
//! 7   Demo                              0x0000000100f8a2c8 closure #1 in f() + 12 (main.swift:3:5) [inlined]
//! 5   Crash-Tester                    0x0000f6d9 0x8000 + 30425 (-[Crasher throwException] + 101)
//! ```
//!
//! Image names may contain spaces, so the address is found as the first
//! `0x` token after white space; the rest of the line is read from both ends.
//! Frame lines are most of a report, so they are scanned byte by byte
//! (module `scan`); nom reads the small grammar of source locations.

use std::borrow::Cow;

use nom::Parser;
use nom::bytes::complete::tag;
use nom::character::complete::digit1;
use nom::combinator::{all_consuming, map_res, opt};

use super::LineError;
use super::scan;
use crate::model::{Frame, SourceLocation};

/// Reads one frame line.
pub fn parse_frame_line(line: &str) -> Result<Frame<'_>, LineError> {
    let bytes = line.as_bytes();
    let start = scan::skip_blanks(bytes, 0);
    let digits = bytes[start..].iter().take_while(|c| c.is_ascii_digit()).count();
    let after_number = start + digits;
    if digits == 0 || !bytes.get(after_number).copied().is_some_and(scan::is_blank) {
        return Err(LineError::new(start, "a frame number and white space"));
    }
    let Some((address_at, address, digits)) = find_address(bytes, after_number) else {
        return Err(LineError::new(scan::skip_blanks(bytes, after_number), "an address `0x...` after the image name"));
    };
    if digits > 16 {
        return Err(LineError::new(address_at, "an address of at most 16 hex digits"));
    }
    let (name_end, after) = (address_at, address_at + 2 + digits);
    let tail = line[after..].trim_ascii();
    if tail.is_empty() {
        // Every writer puts a symbol or `base + offset` after the address;
        // a line that stops here was cut off.
        return Err(LineError::new(
            line.len(),
            "a symbol or `0xBASE + offset` after the address (is the line cut off?)",
        ));
    }
    let name = line[after_number..name_end].trim_ascii();
    let mut frame =
        Frame { address, image_name: (!name.is_empty()).then_some(Cow::Borrowed(name)), ..Frame::default() };
    read_frame_tail(tail, &mut frame);
    Ok(frame)
}

/// Finds the address after the image name: the first `0x` that follows a
/// blank and whose hex digits end at a blank or the end of the line.
/// Returns (its start, its value, its number of digits), reading the digits
/// once.
fn find_address(bytes: &[u8], from: usize) -> Option<(usize, u64, usize)> {
    let mut search = from;
    while let Some(found) = memchr::memchr(b'0', &bytes[search..]) {
        let at = search + found;
        if at > 0
            && scan::is_blank(bytes[at - 1])
            && let Some((value, digits)) = scan::hex_run(bytes, at)
            && digits > 0
            && bytes.get(at + 2 + digits).is_none_or(|&c| scan::is_blank(c))
        {
            return Some((at, value, digits));
        }
        search = at + 1;
    }
    None
}

/// Fills symbol, offsets, source location and the inlined flag from what
/// follows the address.
fn read_frame_tail<'a>(tail: &'a str, frame: &mut Frame<'a>) {
    let mut tail = tail;
    if let Some(rest) = tail.strip_suffix("[inlined]") {
        frame.inlined = true;
        tail = rest.trim_ascii_end();
    }
    if let Some((offset, rest)) = base_plus_offset(tail) {
        frame.image_offset = Some(offset);
        // KSCrash appends the symbol in parentheses: `(sym + 97)`.
        let rest = rest.trim_ascii();
        if let Some(inner) = rest.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
            let (symbol, offset) = split_symbol_offset(inner.trim_ascii());
            frame.symbol = (!symbol.is_empty()).then_some(Cow::Borrowed(symbol));
            frame.symbol_offset = offset;
        }
        return;
    }
    let (rest, source) = split_source_location(tail);
    frame.source = source;
    let (symbol, offset) = split_symbol_offset(rest);
    frame.symbol = (!symbol.is_empty()).then_some(Cow::Borrowed(symbol));
    frame.symbol_offset = offset;
}

/// `0x102230000 + 25788` (or `0 + 4326720839` as some old reports write
/// for unknown images); returns the offset and what follows it.
fn base_plus_offset(text: &str) -> Option<(u64, &str)> {
    let bytes = text.as_bytes();
    let after_base = match scan::hex_at(bytes, 0) {
        Some((_, end)) => end,
        None if bytes.first() == Some(&b'0') => 1,
        None => return None,
    };
    let plus = scan::skip_blanks(bytes, after_base);
    if plus == after_base || bytes.get(plus) != Some(&b'+') {
        return None;
    }
    let digits_at = scan::skip_blanks(bytes, plus + 1);
    if digits_at == plus + 1 {
        return None;
    }
    let digits = bytes[digits_at..].iter().take_while(|c| c.is_ascii_digit()).count();
    let end = digits_at + digits;
    if digits == 0 || bytes.get(end).is_some_and(|&c| !scan::is_blank(c)) {
        return None;
    }
    let offset = text[digits_at..end].parse().ok()?;
    Some((offset, &text[end..]))
}

/// `sym + 40` gives (`sym`, Some(40)); anything else is the whole symbol.
fn split_symbol_offset(text: &str) -> (&str, Option<u64>) {
    if let Some((symbol, offset)) = scan::rsplit_plus(text)
        && let Ok(offset) = offset.trim_ascii().parse::<u64>()
    {
        return (symbol.trim_ascii_end(), Some(offset));
    }
    (text.trim_ascii(), None)
}

/// Takes a trailing `(File.swift:12)` / `(File.swift:12:5)` off `text`.
fn split_source_location(text: &str) -> (&str, Option<SourceLocation<'_>>) {
    let Some(open) = scan::last_group_start(text) else { return (text, None) };
    let inner = &text[open + 2..text.len() - 1];
    match parse_source_location(inner) {
        Some(location) => (text[..open].trim_ascii_end(), Some(location)),
        None => (text, None),
    }
}

fn parse_source_location(inner: &str) -> Option<SourceLocation<'_>> {
    let number = || map_res(digit1::<&str, nom::error::Error<&str>>, str::parse::<u32>);
    let (file, rest) = inner.split_once(':')?;
    if file.is_empty() || file.contains(['(', ')']) {
        return None;
    }
    let (_, (line, column)) = all_consuming((number(), opt((tag(":"), number()).map(|(_, c)| c)))).parse(rest).ok()?;
    Some(SourceLocation { file: Cow::Borrowed(file), line: Some(line), column })
}

/// Reads `(0x1a6b5c9d8 0x1a68c8b54 ...)`: returns the addresses and whether
/// the closing parenthesis was seen (the list may run over several lines).
pub fn parse_address_list(line: &str, addresses: &mut Vec<u64>) -> Result<bool, LineError> {
    let body = line.trim_ascii();
    let body = body.strip_prefix('(').unwrap_or(body);
    let (body, closed) = match body.strip_suffix(')') {
        Some(body) => (body, true),
        None => (body, false),
    };
    for token in body.split_ascii_whitespace() {
        let address = parse_hex(token).ok_or_else(|| {
            let column = token.as_ptr() as usize - line.as_ptr() as usize;
            LineError::new(column, "an address `0x...` in the list")
        })?;
        addresses.push(address);
    }
    Ok(closed)
}

/// Parses `0x1a2b` (1 to 16 hex digits, nothing after them) into a number.
pub fn parse_hex(text: &str) -> Option<u64> {
    let bytes = text.as_bytes();
    match scan::hex_at(bytes, 0) {
        Some((value, end)) if end == bytes.len() => Some(value),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(line: &str) -> Frame<'_> {
        parse_frame_line(line).unwrap_or_else(|e| panic!("{line}: {e:?}"))
    }

    #[test]
    fn symbolicated_frame() {
        let f = frame("0   libsystem_kernel.dylib        \t       0x19cc40b84 __ulock_wait + 8");
        assert_eq!(f.image_name.as_deref(), Some("libsystem_kernel.dylib"));
        assert_eq!(f.address, 0x19cc40b84);
        assert_eq!(f.symbol.as_deref(), Some("__ulock_wait"));
        assert_eq!(f.symbol_offset, Some(8));
        assert_eq!(f.image_offset, None);
    }

    #[test]
    fn base_plus_offset_frame_with_spaces_in_name() {
        let f = frame("15  App Namespace                       0x000000010212d008 0x10211c000 + 69640");
        assert_eq!(f.image_name.as_deref(), Some("App Namespace"));
        assert_eq!(f.address, 0x10212d008);
        assert_eq!(f.image_offset, Some(69640));
        assert_eq!(f.symbol, None);
    }

    #[test]
    fn source_location_with_column_and_inlined() {
        let f = frame(
            "7   Demo                          \t0x0000000100f8a2c8 closure #1 in f() + 12 (main.swift:3:5) [inlined]",
        );
        assert!(f.inlined);
        assert_eq!(f.symbol.as_deref(), Some("closure #1 in f()"));
        assert_eq!(f.symbol_offset, Some(12));
        let source = f.source.unwrap();
        assert_eq!((source.file.as_ref(), source.line, source.column), ("main.swift", Some(3), Some(5)));
    }

    #[test]
    fn cpp_symbol_with_parentheses_and_location() {
        let f = frame("0   multithread-test              \t       0x100ec58f4 bar(int) + 20 (multithread-test.cpp:7)");
        assert_eq!(f.symbol.as_deref(), Some("bar(int)"));
        assert_eq!(f.source.unwrap().line, Some(7));
        let f = frame("2   libc++.1.dylib                \t       0x19cbd8274 std::__1::thread::join() + 36");
        assert_eq!(f.symbol.as_deref(), Some("std::__1::thread::join()"));
        assert!(f.source.is_none());
    }

    #[test]
    fn symbol_without_offset_but_with_location() {
        let f = frame("13  YetanotherMac                       0x00000000000ea004 main (main.m:16)");
        assert_eq!(f.symbol.as_deref(), Some("main"));
        assert_eq!(f.symbol_offset, None);
        assert_eq!(f.source.unwrap().line, Some(16));
    }

    #[test]
    fn kscrash_symbol_in_parentheses() {
        let f =
            frame("5   Crash-Tester                    0x0000f6d9 0x8000 + 30425 (-[Crasher throwException] + 101)");
        assert_eq!(f.image_offset, Some(30425));
        assert_eq!(f.symbol.as_deref(), Some("-[Crasher throwException]"));
        assert_eq!(f.symbol_offset, Some(101));
    }

    #[test]
    fn unknown_image_with_decimal_zero_base() {
        let f = frame("5   ???                             0x0000000101e48547 0 + 4326720839");
        assert_eq!(f.image_name.as_deref(), Some("???"));
        assert_eq!(f.image_offset, Some(4326720839));
    }

    #[test]
    fn bad_lines_are_errors_with_columns() {
        let err = parse_frame_line("3   a.out                         \t@main@ main + 20 (test.c:8)").unwrap_err();
        assert!(err.expected.contains("address"), "{err:?}");
        assert!(parse_frame_line("12  UIKitCore                     \t       0x192c4").is_err());
        assert!(parse_frame_line("x   UIKitCore   0x192c4 foo").is_err());
        assert!(parse_frame_line("1   UIKitCore   0x11112222333344445 foo").is_err());
    }

    #[test]
    fn address_lists() {
        let mut addresses = Vec::new();
        assert_eq!(parse_address_list("(0x1a6b5c9d8 0x1a68c8b54", &mut addresses), Ok(false));
        assert_eq!(parse_address_list("0x1a6a4c8d0)", &mut addresses), Ok(true));
        assert_eq!(addresses, vec![0x1a6b5c9d8, 0x1a68c8b54, 0x1a6a4c8d0]);
        assert!(parse_address_list("(0x1 zz)", &mut addresses).is_err());
    }
}
