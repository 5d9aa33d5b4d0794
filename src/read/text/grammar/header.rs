//! `Key: value` lines, and the values that have structure of their own.
//!
//! ```text
//! Process:             TouchCanvas [1052]
//! OS Version:          iPhone OS 16.0 (20A362)
//! Exception Type:      EXC_BAD_ACCESS (SIGSEGV)
//! Exception Codes:     KERN_INVALID_ADDRESS at 0x0000000000000000
//! Termination Reason:  Namespace SIGNAL, Code 0xb
//! Crashed Thread:      0  Dispatch queue: com.apple.main-thread
//! ```

use std::borrow::Cow;

use nom::Parser;
use nom::branch::alt;
use nom::bytes::complete::{tag, take_till1, take_while};
use nom::character::complete::{char, satisfy};
use nom::combinator::{eof, opt, peek, recognize, verify};
use nom::multi::{many0_count, separated_list1};
use nom::sequence::{delimited, terminated};

use super::{PResult, address, blanks, blanks1, decimal, is_blank, last_group, whole, word_end};
use crate::hex;

/// The longest key a header line may have.
const MAX_KEY: usize = 64;

/// `Key: value` with a plausible key: a letter first, at most 64 letters,
/// digits, spaces and `/-_().`, and the colon followed by white space or
/// the end of the line. Returns the key and the trimmed value.
pub fn key_value(line: &str) -> Option<(&str, &str)> {
    let key_char = |c: char| c.is_ascii_alphanumeric() || " /-_().".contains(c);
    let key =
        verify(recognize((satisfy(|c| c.is_ascii_alphabetic()), take_while(key_char))), |k: &str| k.len() <= MAX_KEY);
    let (value, key) = terminated(key, (char(':'), peek(alt((eof, blanks1))))).parse(line).ok()?;
    Some((key.trim_ascii_end(), value.trim_ascii()))
}

/// `Name [1234]` gives (`Name`, Some(1234)); a name alone gives (name, None).
pub fn name_and_pid(value: &str) -> (&str, Option<u32>) {
    let value = value.trim_ascii();
    if let Some(open) = value.rfind('[')
        && let Some(pid) = whole(delimited((char('['), blanks), decimal::<u32>, (blanks, char(']'))), &value[open..])
    {
        return (value[..open].trim_ascii_end(), Some(pid));
    }
    (value, None)
}

/// `iPhone OS 16.0 (20A362)` gives (`iPhone OS`, `16.0`, `20A362`);
/// `macOS 11.0.1` gives no build; `macOS 13.0 ()` an empty build (None).
pub fn os_version(value: &str) -> (Option<&str>, Option<&str>, Option<&str>) {
    let value = value.trim_ascii();
    let (main, build) = match last_group(value) {
        Some((open, build)) => (value[..open].trim_ascii_end(), Some(build.trim_ascii())),
        None => (value, None),
    };
    let build = build.filter(|b| !b.is_empty());
    // The product is the words before the first one that starts with a
    // digit, which is the version.
    let word = || take_till1(|c: char| c == ' ');
    let product_word = verify(word(), |w: &str| !w.starts_with(|c: char| c.is_ascii_digit()));
    let parsed: PResult<'_, (&str, Option<&str>)> =
        (recognize(many0_count((product_word, many0_count(char(' '))))), opt(word())).parse(main);
    let (product, version) = match parsed {
        Ok((_, (product, version))) => (product.trim_ascii(), version),
        Err(_) => (main, None),
    };
    ((!product.is_empty()).then_some(product), version, build)
}

/// `EXC_BAD_ACCESS (SIGSEGV)` gives (`EXC_BAD_ACCESS`, Some(`SIGSEGV`));
/// `SIGSEGV` gives (`SIGSEGV`, Some(`SIGSEGV`)); `0 (0)` gives (`0`, None).
pub fn exception_type(value: &str) -> (&str, Option<&str>) {
    let value = value.trim_ascii();
    let (kind, paren) = match last_group(value) {
        Some((open, inner)) => (value[..open].trim_ascii_end(), Some(inner.trim_ascii())),
        None => (value, None),
    };
    let signal = paren.filter(|s| s.starts_with("SIG")).or(kind.starts_with("SIG").then_some(kind));
    (kind, signal)
}

/// The parts of an `Exception Codes:` or `Exception Subtype:` value.
#[derive(Debug, Default, PartialEq)]
pub struct Codes<'a> {
    /// The numeric codes text (`0x0000000000000001, 0x0000000000000000`).
    pub numeric_text: Option<&'a str>,
    /// The numbers.
    pub values: Vec<u64>,
    /// A symbolic code with its address (`KERN_INVALID_ADDRESS at 0x0`).
    pub symbolic: Option<&'a str>,
    /// The `at 0x...` address.
    pub address: Option<u64>,
}

/// Reads `0x1, 0x0`, `KERN_INVALID_ADDRESS at 0x0000000000000000`,
/// `SEGV_MAPERR at 0x88` and KSCrash's `0x00000000 at 0x3618da1c`.
pub fn exception_codes(value: &str) -> Codes<'_> {
    let value = value.trim_ascii();
    let (head, at) = match value.rsplit_once(" at ").and_then(|(head, at)| Some((head, at_address(at)?))) {
        Some((head, at)) => (head.trim_ascii(), Some(at)),
        None => (value, None),
    };
    let numbers = separated_list1((blanks, char(','), blanks), address);
    match whole(numbers, head) {
        Some(values) => Codes { numeric_text: Some(head), values, symbolic: None, address: at },
        None => Codes { numeric_text: None, values: Vec::new(), symbolic: Some(value), address: at },
    }
}

/// The address after ` at `: the whole rest, trimmed.
pub fn at_address(text: &str) -> Option<u64> {
    hex::parse_prefixed(text.trim_ascii())
}

/// The parts of a `Termination Reason:` value.
#[derive(Debug, Default, PartialEq)]
pub struct TerminationReason<'a> {
    /// `SIGNAL`, `CODESIGNING` ...
    pub namespace: Option<&'a str>,
    /// The code.
    pub code: Option<u64>,
    /// What follows the code.
    pub indicator: Option<&'a str>,
}

/// Reads `Namespace SIGNAL, Code 0xb`, `Namespace SIGNAL, Code 11 Segmentation fault: 11`,
/// `SIGNAL 5 Trace/BPT trap: 5` and `Namespace SPRINGBOARD, Code 0x8badf00d`.
pub fn termination_reason(value: &str) -> TerminationReason<'_> {
    let value = value.trim_ascii();
    let namespace = take_till1(|c: char| c == ',' || c == ' ');
    let separator = take_while(|c: char| c == ',' || c == ' ');
    let head: PResult<'_, _> = (opt(tag("Namespace ")), namespace, separator, opt(tag("Code "))).parse(value);
    let Ok((rest, (_, namespace, _, _))) = head else { return TerminationReason::default() };
    let code: PResult<'_, u64> = terminated(alt((address, decimal)), word_end).parse(rest);
    // Without a number where the code belongs, all of the rest describes.
    let (code, indicator) = match code {
        Ok((after, code)) => (Some(code), after),
        Err(_) => (None, rest),
    };
    let indicator = indicator.trim_ascii();
    TerminationReason { namespace: Some(namespace), code, indicator: (!indicator.is_empty()).then_some(indicator) }
}

/// `Crashed Thread:  0  Dispatch queue: com.apple.main-thread` and
/// `Triggered by Thread: 0, Dispatch Queue: ...` give 0.
pub fn thread_number(value: &str) -> Option<u32> {
    let end = alt((eof, recognize(satisfy(|c| is_blank(c as u8) || c == ','))));
    let parsed: PResult<'_, u32> = terminated(decimal, peek(end)).parse(value.trim_ascii_start());
    parsed.ok().map(|(_, number)| number)
}

/// A `Cow` of a trimmed, non-empty value.
pub fn non_empty(value: &str) -> Option<Cow<'_, str>> {
    let value = value.trim_ascii();
    (!value.is_empty()).then_some(Cow::Borrowed(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_values() {
        assert_eq!(key_value("Process:             TouchCanvas [1052]"), Some(("Process", "TouchCanvas [1052]")));
        assert_eq!(key_value("Date/Time:           2020-03-27"), Some(("Date/Time", "2020-03-27")));
        assert_eq!(key_value("Application Specific Information:"), Some(("Application Specific Information", "")));
        assert_eq!(key_value("objc[55788]: garbage collection is OFF"), None);
        assert_eq!(key_value("  Calls made by this process:"), None);
        assert_eq!(key_value("http://example.com"), None);
        assert_eq!(key_value(&format!("{}: x", "k".repeat(65))), None);
    }

    #[test]
    fn process_names() {
        assert_eq!(name_and_pid("iOSCrashingTest [455]"), ("iOSCrashingTest", Some(455)));
        assert_eq!(name_and_pid("Google Chrome Helper [12]"), ("Google Chrome Helper", Some(12)));
        assert_eq!(name_and_pid("launchd_sim"), ("launchd_sim", None));
        assert_eq!(name_and_pid("odd [name] [7]"), ("odd [name]", Some(7)));
    }

    #[test]
    fn os_versions() {
        assert_eq!(os_version("iPhone OS 16.0 (20A362)"), (Some("iPhone OS"), Some("16.0"), Some("20A362")));
        assert_eq!(
            os_version("Mac OS X Server 10.7.2 (11C74)"),
            (Some("Mac OS X Server"), Some("10.7.2"), Some("11C74"))
        );
        assert_eq!(os_version("macOS 11.0.1"), (Some("macOS"), Some("11.0.1"), None));
        assert_eq!(os_version("macOS 13.0 ()"), (Some("macOS"), Some("13.0"), None));
        assert_eq!(os_version("iOS 9.3.5 (13G36)"), (Some("iOS"), Some("9.3.5"), Some("13G36")));
        assert_eq!(os_version("Watch OS"), (Some("Watch OS"), None, None));
    }

    #[test]
    fn exception_types() {
        assert_eq!(exception_type("EXC_BAD_ACCESS (SIGSEGV)"), ("EXC_BAD_ACCESS", Some("SIGSEGV")));
        assert_eq!(exception_type("SIGSEGV"), ("SIGSEGV", Some("SIGSEGV")));
        assert_eq!(exception_type("0 (0)"), ("0", None));
    }

    #[test]
    fn codes() {
        let c = exception_codes("0x0000000000000001, 0x000000018a98520c");
        assert_eq!(c.values, vec![1, 0x18a98520c]);
        assert_eq!(c.symbolic, None);
        let c = exception_codes("KERN_INVALID_ADDRESS at 0x0000000000000000");
        assert_eq!((c.symbolic, c.address), (Some("KERN_INVALID_ADDRESS at 0x0000000000000000"), Some(0)));
        let c = exception_codes("0x00000000 at 0x3618da1c");
        assert_eq!((c.numeric_text, c.address), (Some("0x00000000"), Some(0x3618da1c)));
        let c = exception_codes("SEGV_MAPERR at 0x88");
        assert_eq!(c.address, Some(0x88));
    }

    #[test]
    fn termination_reasons() {
        let t = termination_reason("Namespace SIGNAL, Code 0xb");
        assert_eq!((t.namespace, t.code, t.indicator), (Some("SIGNAL"), Some(11), None));
        let t = termination_reason("Namespace SIGNAL, Code 11 Segmentation fault: 11");
        assert_eq!((t.code, t.indicator), (Some(11), Some("Segmentation fault: 11")));
        let t = termination_reason("SIGNAL 5 Trace/BPT trap: 5");
        assert_eq!((t.namespace, t.code, t.indicator), (Some("SIGNAL"), Some(5), Some("Trace/BPT trap: 5")));
        let t = termination_reason("Namespace SPRINGBOARD, Code 0x8badf00d");
        assert_eq!(t.code, Some(0x8badf00d));
        let t = termination_reason("Namespace WATCHDOG, Code none given");
        assert_eq!((t.namespace, t.code, t.indicator), (Some("WATCHDOG"), None, Some("none given")));
    }

    #[test]
    fn thread_numbers() {
        assert_eq!(thread_number("  0  Dispatch queue: com.apple.main-thread"), Some(0));
        assert_eq!(thread_number("12"), Some(12));
        assert_eq!(thread_number("0, Dispatch Queue: com.apple.main-thread"), Some(0));
        assert_eq!(thread_number("zero"), None);
        assert_eq!(thread_number("3x"), None);
    }
}
