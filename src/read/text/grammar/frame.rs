//! Frame lines, and the parenthesised address list of `Last Exception
//! Backtrace`.
//!
//! ```text
//! 0   libsystem_kernel.dylib                   0x19cc40b84 __ulock_wait + 8
//! 2   iOSCrashingTest                          0x1022364bc 0x102230000 + 25788
//! 4   Demo                              0x0000000100f8a2c8 -[ViewController crash:] + 40 (ViewController.m:42)
//! 7   Demo                              0x0000000100f8a2c8 closure #1 in f() + 12 (main.swift:3:5) [inlined]
//! 5   Crash-Tester                    0x0000f6d9 0x8000 + 30425 (-[Crasher throwException] + 101)
//! 0       libobjc.A.dylib                   0x18b9e74b4 0x18b9a8000 + 0x3f4b4    // objc_msgSend + 0x10
//! 0   ???                               000000000000000000 0 + 0
//! ```
//!
//! ```text
//! frame    = blanks number blank+ image blank+ address tail
//! image    = any text, up to the first blank+ that an address follows
//! address  = "0x" hex{1,16}, then a blank or the end of the line
//!          | hex+ without "0x", where a location follows that adds up to it   (iOS 11's null PC)
//! tail     = location | symbolic
//! location = (address | "0") " + " decimal [" (" symbol " + " decimal ")"]   (KSCrash adds the symbol)
//!          | address " + " address ["// " symbol " + " address]              (libcrashreport)
//! symbolic = symbol [" + " decimal] [" (" file ":" line [":" column] ")"] [" [inlined]"]
//! ```
//!
//! A symbol may hold any text (C++ operators, Swift closures, parentheses),
//! so its trailing parts are split off from the right: the last ` (...)`
//! group that reads as a source location, then the last ` + N`.

use std::borrow::Cow;

use nom::Parser;
use nom::branch::alt;
use nom::bytes::complete::{tag, take_till1};
use nom::character::complete::{char, digit1, multispace0};
use nom::combinator::{eof, opt, peek};
use nom::sequence::{delimited, preceded, terminated};

use super::{
    LineError, PResult, address, bare_hex, blanks, blanks1, decimal, expect, fail, hex_run, is_blank, last_group,
    split_last_plus, whole, word_end,
};
use crate::hex;
use crate::model::{Frame, SourceLocation};

/// A frame line read.
#[derive(Debug, Clone)]
pub struct FrameLine<'a> {
    /// The frame.
    pub frame: Frame<'a>,
    /// How many hex digits the address was written with.
    pub address_digits: usize,
    /// Where the address touched its symbol (a paste lost the space between
    /// them): the 0-based byte column where the symbol starts. The split is
    /// sure only when other frames of the report write their addresses with
    /// as many digits; the reader decides.
    pub touching_at: Option<usize>,
}

/// Reads one frame line.
pub fn parse(line: &str) -> Result<FrameLine<'_>, LineError> {
    match frame(line) {
        Ok((_, (frame, address_digits, touching))) => {
            Ok(FrameLine { frame, address_digits, touching_at: touching.map(|at| super::offset_in(line, at)) })
        }
        Err(error) => Err(LineError::from_nom(line, error, "a frame line")),
    }
}

/// The image name, the address and its digit count, as a frame line wrote them.
struct ImageAddress<'a> {
    name: &'a str,
    address: u64,
    digits: usize,
}

/// A frame, its address's digit count, and where its address touched its
/// symbol, if it did.
fn frame(input: &str) -> PResult<'_, (Frame<'_>, usize, Option<&str>)> {
    let (input, _) = blanks(input)?;
    let (input, _) = expect("a frame number and white space", (digit1, peek(blanks1))).parse(input)?;
    let mut touching = None;
    let (input, found) = match image_and_address(input) {
        Ok(found) => found,
        Err(error) => match unprefixed_address(input).or_else(|_| address_touching_symbol(input)) {
            Ok((after, found)) => {
                touching = (!after.starts_with(is_blank_char)).then_some(after);
                (after, found)
            }
            Err(_) => return Err(error),
        },
    };
    let ImageAddress { name, address, digits } = found;
    let tail = input.trim_ascii();
    if tail.is_empty() {
        // Every writer puts a symbol or `base + offset` after the address;
        // a line that stops here was cut off.
        let end = &input[input.len()..];
        return fail(end, "a symbol or `0xBASE + offset` after the address (is the line cut off?)");
    }
    let mut frame = Frame { address, ..Frame::default() };
    // libcrashreport marks the image name: `+ ` for an image a package
    // installed, ` (*)` for the executable; neither is part of the name.
    let name = if read_tail(tail, &mut frame) == Writer::Libcrashreport { without_marks(name) } else { name };
    frame.image_name = (!name.is_empty()).then_some(Cow::Borrowed(name));
    Ok(("", (frame, digits, touching)))
}

fn is_blank_char(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// The image name and an address with the symbol right after it, no blank
/// between (`0x194955ef4__abort_message + 132`, a paste that lost the
/// space). The split is at the end of the hex digits, and only where they
/// end in a decimal digit, which no symbol starts with: a symbol that
/// starts with a hex letter (`abort`, `CFRunLoopRun`) would have lost its
/// first letters to the address, and such a line stays unread.
fn address_touching_symbol(input: &str) -> PResult<'_, ImageAddress<'_>> {
    for at in address_starts(input) {
        if let Ok((after, (address, digits))) = hex_run(&input[at..])
            && digits <= 16
            && input[..input.len() - after.len()].ends_with(|c: char| c.is_ascii_digit())
            && after.starts_with(|c: char| !c.is_whitespace())
        {
            return Ok((after, ImageAddress { name: input[..at].trim_ascii(), address, digits }));
        }
    }
    fail(input, "an address `0x...` after the image name")
}

/// Where an address may start: a `0` after a blank. Image names may hold
/// spaces and even `0x`, so each candidate, found by a byte search, is tried.
fn address_starts(input: &str) -> impl Iterator<Item = usize> + '_ {
    let bytes = input.as_bytes();
    memchr::memchr_iter(b'0', bytes).filter(move |&at| at > 0 && is_blank(bytes[at - 1]))
}

/// Who wrote a frame line, where the layout tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Writer {
    /// Apple's layout, or one of its imitations (KSCrash, PLCrashReporter).
    Apple,
    /// The jailbreak crash reporter's: `0xBASE + 0xOFFSET\t// symbol + 0xOFFSET`.
    Libcrashreport,
}

/// An image name without libcrashreport's `+ ` and ` (*)` marks.
fn without_marks(name: &str) -> &str {
    let name = name.strip_prefix('+').map_or(name, str::trim_ascii_start);
    name.strip_suffix("(*)").map_or(name, str::trim_ascii_end)
}

/// The image name and the address after it: the name runs to the first
/// blank that an address token follows (`0x`, hex digits, then a blank or
/// the end of the line).
fn image_and_address(input: &str) -> PResult<'_, ImageAddress<'_>> {
    for at in address_starts(input) {
        if let Ok((after, (address, digits))) = terminated(hex_run, word_end).parse(&input[at..]) {
            if digits > 16 {
                return fail(&input[at..], "an address of at most 16 hex digits");
            }
            return Ok((after, ImageAddress { name: input[..at].trim_ascii(), address, digits }));
        }
    }
    let (from, _) = blanks(input)?;
    fail(from, "an address `0x...` after the image name")
}

/// The image name and an address written without `0x`, as iOS 11 writes the
/// null PC (`???  000000000000000000 0 + 0`). Taken only where a `base +
/// offset` that adds up to it follows, so that an image name ending in a
/// hex word (`Foo 2`) is never read as an address.
fn unprefixed_address(input: &str) -> PResult<'_, ImageAddress<'_>> {
    let bytes = input.as_bytes();
    for at in (1..bytes.len()).filter(|&at| is_blank(bytes[at - 1]) && hex::is_digit(bytes[at])) {
        let parsed = terminated(bare_hex, word_end).parse(&input[at..]).and_then(|(after, address)| {
            let (_, based) = preceded(blanks1, base_plus_offset).parse(after)?;
            Ok((after, address, based.base.checked_add(based.offset) == Some(address)))
        });
        if let Ok((after, address, true)) = parsed {
            let digits = input.len() - at - after.len();
            return Ok((after, ImageAddress { name: input[..at].trim_ascii(), address, digits }));
        }
    }
    fail(input, "an address `0x...` after the image name")
}

/// Fills symbol, offsets, source location and the inlined flag from what
/// follows the address; says whose layout it is.
fn read_tail<'a>(tail: &'a str, frame: &mut Frame<'a>) -> Writer {
    let mut tail = tail;
    if let Some(rest) = tail.strip_suffix("[inlined]") {
        frame.inlined = true;
        tail = rest.trim_ascii_end();
    }
    if let Ok((after, based)) = base_plus_offset(tail) {
        frame.image_offset = Some(based.offset);
        let after = after.trim_ascii();
        // KSCrash appends the symbol in parentheses, `(sym + 97)`;
        // libcrashreport as a comment, `// sym + 0x61`.
        let (symbol, offset) = match (after.strip_prefix('(').and_then(|r| r.strip_suffix(')')), based.writer) {
            (Some(inner), Writer::Apple) => symbol_and_offset(inner.trim_ascii(), decimal),
            (_, Writer::Libcrashreport) => match after.strip_prefix("//") {
                Some(comment) => symbol_and_offset(comment.trim_ascii(), address),
                None => ("", None),
            },
            (None, Writer::Apple) => ("", None),
        };
        frame.symbol = (!symbol.is_empty()).then_some(Cow::Borrowed(symbol));
        frame.symbol_offset = offset;
        return based.writer;
    }
    let (rest, source) = split_source_location(tail);
    frame.source = source;
    let (symbol, offset) = symbol_and_offset(rest, decimal);
    frame.symbol = (!symbol.is_empty()).then_some(Cow::Borrowed(symbol));
    frame.symbol_offset = offset;
    Writer::Apple
}

/// An image's base and an offset into it, as a frame line wrote them.
struct BasePlusOffset {
    base: u64,
    offset: u64,
    /// Apple writes the offset in decimal, libcrashreport in hex.
    writer: Writer,
}

/// `0x102230000 + 25788`, `0 + 4326720839` as some old reports write for
/// unknown images, or libcrashreport's `0x18b9a8000 + 0x3f4b4`; and what
/// follows them.
fn base_plus_offset(input: &str) -> PResult<'_, BasePlusOffset> {
    let base = alt((hex_run.map(|(value, _)| value), tag("0").map(|_| 0)));
    let (input, (base, _, _, _)) = (base, blanks1, char('+'), blanks1).parse(input)?;
    let offset = alt((address.map(|o| (o, Writer::Libcrashreport)), decimal.map(|o| (o, Writer::Apple))));
    let (input, (offset, writer)) = terminated(offset, word_end).parse(input)?;
    Ok((input, BasePlusOffset { base, offset, writer }))
}

/// `sym + 40` (or `sym + 0x28` with a hex `offset` parser) gives (`sym`,
/// Some(40)); anything else is the whole symbol.
fn symbol_and_offset<'a>(
    text: &'a str,
    offset: impl Parser<&'a str, Output = u64, Error = super::Expected<'a>>,
) -> (&'a str, Option<u64>) {
    if let Some((symbol, digits)) = split_last_plus(text)
        && let Some(value) = whole(offset, digits.trim_ascii())
    {
        return (symbol.trim_ascii_end(), Some(value));
    }
    (text.trim_ascii(), None)
}

/// Takes a trailing `(File.swift:12)` / `(File.swift:12:5)` off `text`.
fn split_source_location(text: &str) -> (&str, Option<SourceLocation<'_>>) {
    let Some((open, inner)) = last_group(text) else { return (text, None) };
    match source_location(inner) {
        Some(location) => (text[..open].trim_ascii_end(), Some(location)),
        None => (text, None),
    }
}

/// `file:line[:column]`, the whole of `inner`.
fn source_location(inner: &str) -> Option<SourceLocation<'_>> {
    let (file, numbers) = inner.split_once(':')?;
    if file.is_empty() || file.contains(['(', ')']) {
        return None;
    }
    let (line, column) = whole((decimal::<u32>, opt(preceded(char(':'), decimal::<u32>))), numbers)?;
    Some(SourceLocation { file: Cow::Borrowed(file), line: Some(line), column })
}

/// Joins ` + 0 [inlined]` (the symbol offset, source location and inlined
/// mark) to `frame` when it is the rest of that frame's line: its symbol
/// ended in a line break (a C++ assertion message as an inlined frame's
/// name), so the frame line stops mid-symbol. Returns false, leaving the
/// frame alone, for any other line, or when the frame has its own offset
/// already.
pub fn join_continuation<'a>(line: &'a str, frame: &mut Frame<'a>) -> bool {
    let open = frame.symbol.is_some()
        && frame.symbol_offset.is_none()
        && frame.image_offset.is_none()
        && frame.source.is_none()
        && !frame.inlined;
    if !open {
        return false;
    }
    let location = delimited(char('('), take_till1(|c| c == ')'), char(')'));
    let inlined = tag("[inlined]");
    let parsed = (
        preceded((blanks1, char('+'), blanks1), decimal::<u64>),
        opt(preceded(blanks1, location)),
        opt(preceded(blanks1, inlined)),
        blanks,
        eof,
    )
        .parse(line);
    let Ok((_, (offset, location, inlined, _, _))) = parsed else { return false };
    let source = match location {
        Some(inner) => match source_location(inner) {
            Some(source) => Some(source),
            None => return false,
        },
        None => None,
    };
    frame.symbol_offset = Some(offset);
    frame.source = source;
    frame.inlined = inlined.is_some();
    true
}

/// Reads `(0x1a6b5c9d8 0x1a68c8b54 ...)` into `addresses`: returns whether
/// the closing parenthesis was seen (the list may run over several lines).
pub fn parse_address_list(line: &str, addresses: &mut Vec<u64>) -> Result<bool, LineError> {
    match address_list(line, addresses) {
        Ok((_, closed)) => Ok(closed),
        Err(error) => Err(LineError::from_nom(line, error, "an address `0x...` in the list")),
    }
}

fn address_list<'a>(input: &'a str, addresses: &mut Vec<u64>) -> PResult<'a, bool> {
    let (mut input, _) = (blanks, opt(char('('))).parse(input)?;
    loop {
        (input, _) = multispace0(input)?;
        if let Ok((after, _)) = (char(')'), blanks, eof).parse(input) {
            return Ok((after, true));
        }
        if input.is_empty() {
            return Ok((input, false));
        }
        let (after, value) =
            expect("an address `0x...` in the list", terminated(address, list_item_end)).parse(input)?;
        addresses.push(value);
        input = after;
    }
}

/// What may follow an address of the list: a blank, `)` or the end.
fn list_item_end(input: &str) -> PResult<'_, ()> {
    match input.as_bytes().first() {
        None | Some(b' ' | b'\t' | b')') => Ok((input, ())),
        _ => fail(input, "an address `0x...` in the list"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(line: &str) -> Frame<'_> {
        match parse(line) {
            Ok(FrameLine { frame, touching_at: None, .. }) => frame,
            Ok(touching) => panic!("{line}: {touching:?}"),
            Err(e) => panic!("{line}: {e:?}"),
        }
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
    fn null_pc_without_0x() {
        let parsed = parse("0   ???                           \t000000000000000000 0 + 0").unwrap();
        assert_eq!((parsed.address_digits, parsed.touching_at), (18, None));
        let f = parsed.frame;
        assert_eq!((f.image_name.as_deref(), f.address, f.image_offset), (Some("???"), 0, Some(0)));
        let f = frame("1   Foo Bar 2                         00001000 0 + 4096");
        assert_eq!((f.image_name.as_deref(), f.address), (Some("Foo Bar 2"), 0x1000));
        // Nothing adds up to the bare number: not an address.
        assert!(parse("0   ???   000000000000000000 0 + 4").is_err());
        assert!(parse("0   Foo 2   000000000000000000 foo + 4").is_err());
    }

    #[test]
    fn libcrashreport_frames() {
        let f =
            frame("0       libobjc.A.dylib               \t0x18b9e74b4 0x18b9a8000 + 0x3f4b4\t// objc_msgSend + 0x10");
        assert_eq!(
            (f.image_name.as_deref(), f.address, f.image_offset),
            (Some("libobjc.A.dylib"), 0x18b9e74b4, Some(0x3f4b4))
        );
        assert_eq!((f.symbol.as_deref(), f.symbol_offset), (Some("objc_msgSend"), Some(0x10)));
        let f = frame(
            "1     + Velvet.dylib                  \t0x10042ea20 0x10041c000 + 0x12a20\t// -[VLVThemeEngine colorForKey:] + 0x44",
        );
        assert_eq!(f.image_name.as_deref(), Some("Velvet.dylib"));
        assert_eq!((f.symbol.as_deref(), f.symbol_offset), (Some("-[VLVThemeEngine colorForKey:]"), Some(0x44)));
        let f = frame("22      Pinwheel (*)                  \t0x100070828 0x100034000 + 0x3c828");
        assert_eq!((f.image_name.as_deref(), f.image_offset, f.symbol), (Some("Pinwheel"), Some(0x3c828), None));
        // Apple's decimal offsets keep their marks: they are no marks there.
        let f = frame("2   Pinwheel (*)   0x100070828 0x100034000 + 247848");
        assert_eq!(f.image_name.as_deref(), Some("Pinwheel (*)"));
    }

    #[test]
    fn an_address_touching_its_symbol_is_split_where_its_digits_end() {
        for (line, address, symbol) in [
            (
                "3   libc++abi.dylib               \t       0x194955ef4__abort_message + 132",
                0x194955ef4,
                "__abort_message",
            ),
            (
                "26  GraphicsServices              \t       0x197c49420GSEventRunModal + 164",
                0x197c49420,
                "GSEventRunModal",
            ),
            ("5   libobjc.A.dylib   0x1949b8db0-[NSObject foo] + 1", 0x1949b8db0, "-[NSObject foo]"),
        ] {
            let parsed = parse(line).unwrap();
            let f = parsed.frame;
            assert_eq!((f.address, f.symbol.as_deref(), f.symbol_offset.is_some()), (address, Some(symbol), true));
            let at = parsed.touching_at.unwrap();
            assert_eq!((&line[at..at + 2], parsed.address_digits), (&symbol[..2], 9), "{line}");
        }
        // A symbol that starts with a hex letter cannot be told from the address.
        for line in
            ["2   libsystem_c.dylib   0x1948c4070abort + 180", "9   CoreFoundation   0x18a53dd84CFRunLoopRun + 5"]
        {
            assert!(parse(line).is_err(), "{line}");
        }
    }

    #[test]
    fn image_names_holding_hex_words() {
        let f = frame("3   libfoo 0x12zz 0x1f00 bar + 1");
        assert_eq!(f.image_name.as_deref(), Some("libfoo 0x12zz"));
    }

    #[test]
    fn bad_lines_are_errors_with_columns() {
        let err = parse("3   a.out                         \t@main@ main + 20 (test.c:8)").unwrap_err();
        assert!(err.expected.contains("address"), "{err:?}");
        assert_eq!(err.column, 4);
        let err = parse("12  UIKitCore                     \t       0x192c4").unwrap_err();
        assert!(err.expected.contains("cut off"), "{err:?}");
        assert_eq!(parse("x   UIKitCore   0x192c4 foo").unwrap_err().column, 0);
        let err = parse("1   UIKitCore   0x11112222333344445 foo").unwrap_err();
        assert_eq!((err.column, err.expected), (16, "an address of at most 16 hex digits"));
    }

    #[test]
    fn a_symbol_broken_over_two_lines_is_one_frame() {
        let mut f = frame(
            "0   Quill.debug.dylib             \t       0x11ece1ee4 /SDKs/MacOSX15.2.sdk/usr/include/c++/v1/vector:1393: assertion __n < size() failed: vector[] index out of bounds",
        );
        assert!(join_continuation(" + 0 [inlined]", &mut f));
        assert!(f.symbol.as_deref().is_some_and(|s| s.ends_with("index out of bounds")));
        assert_eq!((f.symbol_offset, f.inlined), (Some(0), true));
        let mut f = frame("0   Demo   0x1000 message about x");
        assert!(join_continuation(" + 12 (vector:1393)", &mut f));
        assert_eq!((f.symbol_offset, f.source.map(|s| s.line)), (Some(12), Some(Some(1393))));
        // Not the rest of a frame: other lines, or a frame that is whole.
        let mut f = frame("0   Demo   0x1000 message about x");
        for other in ["+ 0 [inlined]", " + x", " + 0 trailing", " + 0 (not a location)", "1   Demo  0x1000 f"] {
            assert!(!join_continuation(other, &mut f), "{other}");
        }
        let mut f = frame("0   Demo   0x1000 f + 4");
        assert!(!join_continuation(" + 0 [inlined]", &mut f));
    }

    #[test]
    fn address_lists() {
        let mut addresses = Vec::new();
        assert_eq!(parse_address_list("(0x1a6b5c9d8 0x1a68c8b54", &mut addresses), Ok(false));
        assert_eq!(parse_address_list("0x1a6a4c8d0)", &mut addresses), Ok(true));
        assert_eq!(addresses, vec![0x1a6b5c9d8, 0x1a68c8b54, 0x1a6a4c8d0]);
        let err = parse_address_list("(0x1 zz)", &mut addresses).unwrap_err();
        assert_eq!(err.column, 5);
    }
}
