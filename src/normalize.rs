//! Finishing touches that both readers share: tying frames to images,
//! settling which thread crashed, and reading the uncaught exception out of
//! Application Specific Information.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::error::Warning;
use crate::model::{Frame, ImageIndex, Report, UncaughtException};

/// Completes a freshly read report in place.
pub(crate) fn finish(report: &mut Report<'_>) {
    resolve_frame_images(report);
    settle_crashed_thread(report);
    if report.uncaught_exception.is_none() {
        report.uncaught_exception = report.application_specific_info.iter().find_map(|l| uncaught_exception(l));
    }
    if report.objc_selector.is_none() {
        report.objc_selector = report.application_specific_info.iter().find_map(|l| objc_selector(l));
    }
    if report.threads.is_empty() && report.exception.is_empty() {
        report.warnings.push(Warning::general(
            "the report has no exception block and no threads: it looks cut off after its header",
        ));
    }
}

/// Sets `image_index` on frames that do not have one: by address (the
/// smallest image containing it), else by the image name the frame line wrote.
fn resolve_frame_images(report: &mut Report<'_>) {
    let index = ImageIndex::new(&report.images);
    let images = &report.images;
    // Built on first use: most reports place every frame by address.
    let mut by_name: Option<HashMap<&str, usize>> = None;
    let mut resolve = |frames: &mut [Frame<'_>]| {
        for frame in frames.iter_mut().filter(|f| f.image_index.is_none()) {
            frame.image_index = index.find(frame.address).or_else(|| {
                let name = frame.image_name.as_deref()?;
                let map = by_name.get_or_insert_with(|| {
                    let mut map = HashMap::with_capacity(images.len());
                    for (n, image) in images.iter().enumerate().rev() {
                        if let Some(name) = image.name.as_deref() {
                            map.insert(name, n);
                        }
                    }
                    map
                });
                map.get(name).copied()
            });
        }
    };
    for thread in &mut report.threads {
        resolve(&mut thread.frames);
    }
    if let Some(frames) = &mut report.last_exception_backtrace {
        resolve(frames);
    }
    for frames in &mut report.application_specific_backtraces {
        resolve(frames);
    }
}

/// Makes the report-level crashed thread and the per-thread flags agree.
///
/// When they disagree (a hand-edited report says `Crashed Thread: 5` but
/// marks `Thread 1 Crashed:`), the thread marked in the thread list wins: it
/// is the more specific statement and usually the one carrying registers.
fn settle_crashed_thread(report: &mut Report<'_>) {
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
        _ => {}
    }
}

/// `*** Terminating app due to uncaught exception 'Name', reason: 'text'`,
/// and libc++abi's `terminating due to uncaught exception of type T: text`.
pub(crate) fn uncaught_exception<'a>(line: &Cow<'a, str>) -> Option<UncaughtException<'a>> {
    const OBJC: &str = "Terminating app due to uncaught exception '";
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
        return Some(UncaughtException { name: sub(name), reason: reason.map(sub) });
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
            return Some(UncaughtException { name: sub(name), reason: reason.map(sub) });
        }
    }
    None
}

/// `objc_msgSend() selector name: respondsToSelector:`.
fn objc_selector<'a>(line: &Cow<'a, str>) -> Option<Cow<'a, str>> {
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
        assert_eq!(e.name, "NSInvalidArgumentException");
        assert_eq!(
            e.reason.as_deref(),
            Some("-[__NSArrayI objectForKey:]: unrecognized selector sent to instance 0x1e59bc50")
        );
    }

    #[test]
    fn cxx_uncaught_exception() {
        let line = Cow::Borrowed("libc++abi: terminating due to uncaught exception of type std::out_of_range: vector");
        let e = uncaught_exception(&line).unwrap();
        assert_eq!((e.name.as_ref(), e.reason.as_deref()), ("std::out_of_range", Some("vector")));
        assert!(
            uncaught_exception(&Cow::Borrowed("terminating with uncaught exception of type NSException")).is_none()
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
