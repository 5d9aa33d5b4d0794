//! The grammar of each kind of line of a text report, as nom parsers: one
//! small module per line kind, each with its own tests. The reader around
//! them (`super`) decides which kind a line is, keeps the state between
//! lines and turns a failure into a warning.
//!
//! Every parser works on `&str` and returns pieces borrowed from it. A
//! failure is an [`Expected`]: where on the line the parser stood and what
//! it was looking for, which becomes `path:line:col: expected ..., found ...`.
//!
//! Two things are not left to nom's general-purpose combinators. Hex
//! addresses are read byte-wise through [`crate::hex`] (they are most of a
//! report's characters). And where a piece of a line can hold any text at
//! all (an image name with spaces, a C++ symbol with `+` and parentheses),
//! the grammar says what comes *after* it, and the split point is the
//! first (or last) place where that can begin; the pieces on each side are
//! then read with their own parsers.

pub mod frame;
pub mod header;
pub mod image;
pub mod register;
pub mod thread;

use nom::error::{ErrorKind, ParseError};
use nom::{IResult, Parser};

use crate::hex;

/// A parse failure: the rest of the input where the failing parser
/// started, and what it expected there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected<'a> {
    /// The input from the failing parser's position on.
    pub at: &'a str,
    /// What was expected there (`""` until a parser names it).
    pub what: &'static str,
}

impl<'a> ParseError<&'a str> for Expected<'a> {
    fn from_error_kind(input: &'a str, _kind: ErrorKind) -> Self {
        Expected { at: input, what: "" }
    }

    fn append(_input: &'a str, _kind: ErrorKind, other: Self) -> Self {
        other
    }
}

/// The result of a parser of this grammar.
pub type PResult<'a, T> = IResult<&'a str, T, Expected<'a>>;

/// A failure of a whole line: the byte column where the grammar stopped
/// and what it expected there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// 0-based byte column on the line.
    pub column: usize,
    /// What the reader was looking for.
    pub expected: &'static str,
}

impl LineError {
    /// A failure at `column`.
    #[cfg(test)]
    pub fn new(column: usize, expected: &'static str) -> Self {
        LineError { column, expected }
    }

    /// The line error for a parse failure of (a piece of) `line`.
    pub fn from_nom(line: &str, error: nom::Err<Expected<'_>>, fallback: &'static str) -> LineError {
        match error {
            nom::Err::Error(e) | nom::Err::Failure(e) => {
                let what = if e.what.is_empty() { fallback } else { e.what };
                LineError { column: offset_in(line, e.at), expected: what }
            }
            nom::Err::Incomplete(_) => LineError { column: line.len(), expected: fallback },
        }
    }
}

/// Where `part`, a slice of `line` (or the empty slice at its end), starts
/// in it; the end of the line for anything else.
pub fn offset_in(line: &str, part: &str) -> usize {
    let start = line.as_ptr() as usize;
    let at = part.as_ptr() as usize;
    if (start..=start + line.len()).contains(&at) { at - start } else { line.len() }
}

/// Names what `parser` expects: its failure becomes `Expected { at: where
/// it started, what }`.
pub fn expect<'a, O>(
    what: &'static str,
    mut parser: impl Parser<&'a str, Output = O, Error = Expected<'a>>,
) -> impl Parser<&'a str, Output = O, Error = Expected<'a>> {
    move |input: &'a str| parser.parse(input).map_err(|e| e.map(|_| Expected { at: input, what }))
}

/// A failure at `at`.
pub fn fail<'a, T>(at: &'a str, what: &'static str) -> PResult<'a, T> {
    Err(nom::Err::Error(Expected { at, what }))
}

/// True for a space or a tab.
#[inline]
pub fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// Spaces and tabs, possibly none.
pub fn blanks(input: &str) -> PResult<'_, &str> {
    let n = input.bytes().take_while(|&c| is_blank(c)).count();
    Ok((&input[n..], &input[..n]))
}

/// At least one space or tab.
pub fn blanks1(input: &str) -> PResult<'_, &str> {
    match blanks(input)? {
        (_, "") => fail(input, "white space"),
        done => Ok(done),
    }
}

/// Decimal digits as a number of type `T`.
pub fn decimal<T: std::str::FromStr>(input: &str) -> PResult<'_, T> {
    let n = input.bytes().take_while(u8::is_ascii_digit).count();
    match input[..n].parse() {
        Ok(value) => Ok((&input[n..], value)),
        Err(_) => fail(input, "a decimal number"),
    }
}

/// `0x` and hex digits: the value (the last 16 digits) and how many digits
/// there were; fails without `0x` or without a digit.
pub fn hex_run(input: &str) -> PResult<'_, (u64, usize)> {
    let Some(digits) = input.strip_prefix("0x") else { return fail(input, "`0x`") };
    let (value, count) = hex::leading_digits(digits.as_bytes());
    if count == 0 {
        return fail(input, "hex digits after `0x`");
    }
    Ok((&digits[count..], (value, count)))
}

/// Hex digits without `0x` as a number: at most 16 that count, after any
/// number of leading zeros (iOS 11 writes the null PC as 18 zeros).
pub fn bare_hex(input: &str) -> PResult<'_, u64> {
    let (value, count) = hex::leading_digits(input.as_bytes());
    let padding = count.saturating_sub(16);
    if count == 0 || input.as_bytes()[..padding].iter().any(|&c| c != b'0') {
        return fail(input, "hex digits");
    }
    Ok((&input[count..], value))
}

/// An address: `0x` and 1 to 16 hex digits.
pub fn address(input: &str) -> PResult<'_, u64> {
    let (rest, (value, count)) = hex_run(input)?;
    if count > 16 {
        return fail(input, "an address of at most 16 hex digits");
    }
    Ok((rest, value))
}

/// The end of the input, or a blank (not consumed).
pub fn word_end(input: &str) -> PResult<'_, ()> {
    match input.as_bytes().first() {
        None => Ok((input, ())),
        Some(&c) if is_blank(c) => Ok((input, ())),
        Some(_) => fail(input, "white space or the end of the line"),
    }
}

/// Everything up to (not including) the first `byte`; fails when there is
/// none. nom's `take_until` builds a substring searcher per call, which on
/// lines this short costs more than the search: this is one `memchr`.
pub fn until_byte<'a>(byte: u8) -> impl Fn(&'a str) -> PResult<'a, &'a str> {
    move |input: &'a str| match memchr::memchr(byte, input.as_bytes()) {
        Some(at) => Ok((&input[at..], &input[..at])),
        None => fail(input, "a delimiter"),
    }
}

/// The whole of `input` as one `parser` match: the parser must consume
/// everything.
pub fn whole<'a, O>(mut parser: impl Parser<&'a str, Output = O, Error = Expected<'a>>, input: &'a str) -> Option<O> {
    match parser.parse(input) {
        Ok(("", value)) => Some(value),
        _ => None,
    }
}

/// For text ending in `)`, the index of the ` (` that opens the last
/// parenthesised group (the last `(` preceded by a space), and the group's
/// inside.
pub fn last_group(text: &str) -> Option<(usize, &str)> {
    let body = text.strip_suffix(')')?;
    let bytes = body.as_bytes();
    let mut at = bytes.len();
    while at > 1 {
        at -= 1;
        if bytes[at] == b'(' && bytes[at - 1] == b' ' {
            return Some((at - 1, &body[at + 1..]));
        }
    }
    None
}

/// Splits `text` at its last ` + ` (a blank, a plus sign, a blank).
pub fn split_last_plus(text: &str) -> Option<(&str, &str)> {
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
    fn addresses() {
        assert_eq!(address("0x1aF rest"), Ok((" rest", 0x1af)));
        assert_eq!(address("0xffffffffffffffff"), Ok(("", u64::MAX)));
        assert!(address("0x11112222333344445").is_err());
        assert!(address("0x").is_err());
        assert!(address("12").is_err());
        assert_eq!(hex_run("0x11112222333344445 ").map(|(_, (_, n))| n), Ok(17));
    }

    #[test]
    fn bare_hex_numbers() {
        assert_eq!(bare_hex("000000000000000000 0"), Ok((" 0", 0)));
        assert_eq!(bare_hex("1aF rest"), Ok((" rest", 0x1af)));
        assert!(bare_hex("10000000000000000").is_err());
        assert!(bare_hex("zz").is_err());
    }

    #[test]
    fn expect_names_the_place() {
        let line = "12  zz";
        let error = expect("an address", address).parse(&line[4..]).unwrap_err();
        assert_eq!(LineError::from_nom(line, error, "?"), LineError::new(4, "an address"));
    }

    #[test]
    fn groups_and_plus() {
        assert_eq!(last_group("main (main.m:16)"), Some((4, "main.m:16")));
        assert_eq!(last_group("bar(int) + 20 (x.cpp:7)"), Some((13, "x.cpp:7")));
        assert_eq!(last_group("f(int)"), None);
        assert_eq!(split_last_plus("operator+ + 12"), Some(("operator+", "12")));
        assert_eq!(split_last_plus("a + b + 3"), Some(("a + b", "3")));
        assert_eq!(split_last_plus("nothing"), None);
    }
}
