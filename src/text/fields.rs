//! Values of `Key: value` lines whose content has structure of its own.

use std::borrow::Cow;

use super::frames::parse_hex;

/// `Name [1234]` gives (`Name`, Some(1234)); a name alone gives (name, None).
pub fn name_and_pid(value: &str) -> (&str, Option<u32>) {
    let value = value.trim_ascii();
    if let Some(body) = value.strip_suffix(']')
        && let Some(open) = body.rfind('[')
        && let Ok(pid) = body[open + 1..].trim_ascii().parse::<u32>()
    {
        return (body[..open].trim_ascii_end(), Some(pid));
    }
    (value, None)
}

/// `iPhone OS 16.0 (20A362)` gives (`iPhone OS`, `16.0`, `20A362`);
/// `macOS 11.0.1` gives no build; `macOS 13.0 ()` an empty build (None).
pub fn os_version(value: &str) -> (Option<&str>, Option<&str>, Option<&str>) {
    let value = value.trim_ascii();
    let (main, build) = match value.strip_suffix(')').and_then(|b| b.rfind(" (").map(|at| (b, at))) {
        Some((body, at)) => (body[..at].trim_ascii_end(), Some(body[at + 2..].trim_ascii())),
        None => (value, None),
    };
    let build = build.filter(|b| !b.is_empty());
    // The version is the first word that starts with a digit.
    let mut product_end = 0;
    for word in main.split(' ') {
        if word.starts_with(|c: char| c.is_ascii_digit()) {
            let start = word.as_ptr() as usize - main.as_ptr() as usize;
            let product = main[..start].trim_ascii_end();
            return ((!product.is_empty()).then_some(product), Some(word), build);
        }
        product_end += word.len() + 1;
    }
    let product = main[..product_end.min(main.len())].trim_ascii();
    ((!product.is_empty()).then_some(product), None, build)
}

/// `EXC_BAD_ACCESS (SIGSEGV)` gives (`EXC_BAD_ACCESS`, Some(`SIGSEGV`));
/// `SIGSEGV` gives (`SIGSEGV`, Some(`SIGSEGV`)); `0 (0)` gives (`0`, None).
pub fn exception_type(value: &str) -> (&str, Option<&str>) {
    let value = value.trim_ascii();
    let (kind, paren) = match value.strip_suffix(')').and_then(|b| b.rfind(" (").map(|at| (b, at))) {
        Some((body, at)) => (body[..at].trim_ascii_end(), Some(body[at + 2..].trim_ascii())),
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
    let (head, address) = match value.rsplit_once(" at ") {
        Some((head, at)) => match parse_hex(at.trim_ascii()) {
            Some(address) => (head.trim_ascii(), Some(address)),
            None => (value, None),
        },
        None => (value, None),
    };
    let numbers: Option<Vec<u64>> = head.split(',').map(|part| parse_hex(part.trim_ascii())).collect();
    match numbers {
        Some(values) if !head.is_empty() => Codes { numeric_text: Some(head), values, symbolic: None, address },
        _ => Codes { numeric_text: None, values: Vec::new(), symbolic: Some(value), address },
    }
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
    let body = value.strip_prefix("Namespace ").unwrap_or(value);
    let (namespace, rest) = match body.find([',', ' ']) {
        Some(at) => (&body[..at], body[at..].trim_start_matches([',', ' '])),
        None => (body, ""),
    };
    let rest = rest.strip_prefix("Code ").unwrap_or(rest);
    let (code_text, indicator) = rest.split_once(' ').unwrap_or((rest, ""));
    let code = parse_hex(code_text).or_else(|| code_text.parse().ok());
    let indicator = if code.is_some() { indicator.trim_ascii() } else { rest.trim_ascii() };
    TerminationReason {
        namespace: (!namespace.is_empty()).then_some(namespace),
        code,
        indicator: (!indicator.is_empty()).then_some(indicator),
    }
}

/// `Crashed Thread:  0  Dispatch queue: com.apple.main-thread` gives 0.
pub fn thread_number(value: &str) -> Option<u32> {
    value.split_whitespace().next()?.parse().ok()
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
    fn process_names() {
        assert_eq!(name_and_pid("iOSCrashingTest [455]"), ("iOSCrashingTest", Some(455)));
        assert_eq!(name_and_pid("Google Chrome Helper [12]"), ("Google Chrome Helper", Some(12)));
        assert_eq!(name_and_pid("launchd_sim"), ("launchd_sim", None));
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
    }
}
