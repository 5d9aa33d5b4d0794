//! Facts both readers leave for later because they depend on the whole
//! report: which thread crashed (the header and the thread list may
//! disagree), and the uncaught language exception and Objective-C selector
//! that Application Specific Information names.

use std::borrow::Cow;

use crate::error::Warning;
use crate::model::{Report, UncaughtException};

/// Makes the report-level crashed thread and the per-thread flags agree.
///
/// When they disagree (a hand-edited report says `Crashed Thread: 5` but
/// marks `Thread 1 Crashed:`), the thread marked in the thread list wins: it
/// is the more specific statement and usually the one carrying registers.
pub(super) fn settle_crashed_thread(report: &mut Report<'_>) {
    let flagged: Vec<u32> = report.threads.iter().filter(|t| t.crashed).map(|t| t.number).collect();
    match (report.crashed_thread, flagged.first()) {
        (None, Some(&first)) => report.crashed_thread = Some(first),
        (Some(number), Some(&first)) if !flagged.contains(&number) => {
            report.warnings.push(Warning::general(format!(
                "the header names thread {number} as crashed, but the thread list marks thread {first}; using thread {first}"
            )));
            report.crashed_thread = Some(first);
        }
        (Some(number), None) => {
            let count = report.threads.len();
            match report.threads.iter_mut().find(|t| t.number == number) {
                Some(thread) => thread.crashed = true,
                None if count > 0 => report.warnings.push(Warning::general(format!(
                    "the crashed thread {number} is not among the report's {count} thread(s)"
                ))),
                None => {}
            }
        }
        (None, None) if !report.threads.is_empty() => report.warnings.push(Warning::general(
            "no thread is marked as crashed and the report names none (`Triggered by Thread: Unknown`, \
             no `faultingThread`): the crashed thread is unknown",
        )),
        _ => {}
    }
}

/// Fills in the uncaught exception from Application Specific Information:
/// the whole of it when the report had none, or the name a reason-only
/// statement (`Exception Reason:`, `exceptionReason` without a name) leaves
/// out, when both give the same reason.
pub(super) fn complete_uncaught_exception(report: &mut Report<'_>) {
    if report.uncaught_exception.as_ref().is_some_and(|u| u.name.is_some()) {
        return;
    }
    // A statement with the name beats one without (AppKit's).
    let mut stated: Option<UncaughtException<'_>> = None;
    for found in report.application_specific_info.iter().filter_map(uncaught_exception) {
        let named = found.name.is_some();
        if named || stated.is_none() {
            stated = Some(found);
        }
        if named {
            break;
        }
    }
    let Some(stated) = stated else { return };
    match &mut report.uncaught_exception {
        None => report.uncaught_exception = Some(stated),
        Some(known) if known.reason.is_none() || known.reason == stated.reason => {
            known.name = stated.name;
            known.reason = known.reason.take().or(stated.reason);
        }
        Some(_) => {}
    }
}

/// `*** Terminating app due to uncaught exception 'Name', reason: 'text'`,
/// libc++abi's `terminating due to uncaught exception of type T: text`, and
/// AppKit's `Crashing on exception: text` (which names no exception).
pub(crate) fn uncaught_exception<'a>(line: &Cow<'a, str>) -> Option<UncaughtException<'a>> {
    const OBJC: &str = "Terminating app due to uncaught exception '";
    const APPKIT: &str = "Crashing on exception: ";
    const CXX: [&str; 2] =
        ["terminating due to uncaught exception of type ", "terminating with uncaught exception of type "];
    let sub = |s: &str| -> Cow<'a, str> {
        match line {
            Cow::Borrowed(b) => {
                let start = s.as_ptr() as usize - b.as_ptr() as usize;
                Cow::Borrowed(&b[start..start + s.len()])
            }
            Cow::Owned(_) => Cow::Owned(s.to_string()),
        }
    };
    let text: &str = line;
    if let Some(at) = text.find(OBJC) {
        let rest = &text[at + OBJC.len()..];
        let (name, after) = rest.split_once('\'')?;
        let reason = after
            .split_once("reason: '")
            .map(|(_, r)| r.trim_end().strip_suffix('\'').unwrap_or(r.trim_end()))
            .filter(|r| !r.is_empty());
        return Some(UncaughtException { name: Some(sub(name)), reason: reason.map(sub) });
    }
    if let Some(reason) = text.trim_start().strip_prefix(APPKIT).map(str::trim).filter(|r| !r.is_empty()) {
        return Some(UncaughtException { name: None, reason: Some(sub(reason)) });
    }
    for prefix in CXX {
        if let Some(at) = text.find(prefix) {
            let rest = text[at + prefix.len()..].trim();
            // `NSException` here is the Objective-C exception already named above.
            if rest == "NSException" {
                return None;
            }
            let (name, reason) = match rest.split_once(": ") {
                Some((name, reason)) => (name, Some(reason)),
                None => (rest, None),
            };
            return Some(UncaughtException { name: Some(sub(name)), reason: reason.map(sub) });
        }
    }
    None
}

/// `objc_msgSend() selector name: respondsToSelector:`.
pub(super) fn objc_selector<'a>(line: &Cow<'a, str>) -> Option<Cow<'a, str>> {
    const KEY: &str = "selector name: ";
    let at = line.find(KEY)? + KEY.len();
    let value = line[at..].trim();
    if value.is_empty() {
        return None;
    }
    Some(match line {
        Cow::Borrowed(b) => Cow::Borrowed(b[at..].trim()),
        Cow::Owned(_) => Cow::Owned(value.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objc_uncaught_exception() {
        let line = Cow::Borrowed(
            "*** Terminating app due to uncaught exception 'NSInvalidArgumentException', reason: '-[__NSArrayI objectForKey:]: unrecognized selector sent to instance 0x1e59bc50'",
        );
        let e = uncaught_exception(&line).unwrap();
        assert_eq!(e.name.as_deref(), Some("NSInvalidArgumentException"));
        assert_eq!(
            e.reason.as_deref(),
            Some("-[__NSArrayI objectForKey:]: unrecognized selector sent to instance 0x1e59bc50")
        );
    }

    #[test]
    fn cxx_uncaught_exception() {
        let line = Cow::Borrowed("libc++abi: terminating due to uncaught exception of type std::out_of_range: vector");
        let e = uncaught_exception(&line).unwrap();
        assert_eq!((e.name.as_deref(), e.reason.as_deref()), (Some("std::out_of_range"), Some("vector")));
        assert!(
            uncaught_exception(&Cow::Borrowed("terminating with uncaught exception of type NSException")).is_none()
        );
    }

    #[test]
    fn appkit_names_no_exception() {
        let line = Cow::Borrowed(
            "Crashing on exception: -[QLMWidget setTitle:]: unrecognized selector sent to instance 0x600003a1c2d0",
        );
        let e = uncaught_exception(&line).unwrap();
        assert_eq!(e.name, None);
        assert_eq!(
            e.reason.as_deref(),
            Some("-[QLMWidget setTitle:]: unrecognized selector sent to instance 0x600003a1c2d0")
        );
    }

    #[test]
    fn selector() {
        assert_eq!(
            objc_selector(&Cow::Borrowed("objc_msgSend() selector name: respondsToSelector:")).as_deref(),
            Some("respondsToSelector:")
        );
    }
}
