//! Which half of `Version: A (B)` is the marketing version.

use std::borrow::Cow;

use super::grammar::last_group;
use crate::model::{Platform, Report};

/// Decides which half of `Version: A (B)` is the marketing version.
///
/// Apple's own iOS reports before iOS 15 write `CFBundleVersion
/// (CFBundleShortVersionString)`; macOS reports, iOS reports translated from
/// `.ips` (iOS 15 on), and PLCrashReporter's (App Center, HockeyApp) write
/// `CFBundleShortVersionString (CFBundleVersion)`. Apple's reports mark
/// `Code Type` with `(Native)` or `(Translated)`; PLCrashReporter's do not,
/// which tells the two apart on old iOS. A JSON header, when there is one,
/// overrides this later.
pub(super) fn resolve(report: &mut Report<'_>, code_type_text: Option<&str>) {
    let Some(text) = report.app.version_text.clone() else { return };
    let (first, second) = match last_group(&text) {
        Some((open, inner)) => (text[..open].trim_ascii(), Some(inner.trim_ascii())),
        None => (text.trim_ascii(), None),
    };
    let known = |v: &str| !v.is_empty() && v != "???";
    let (first, second) = (Some(first).filter(|v| known(v)), second.filter(|v| known(v)));
    let embedded = report.os.platform.is_some_and(Platform::is_embedded);
    let apple_mark = code_type_text.is_some_and(|t| t.ends_with("(Native)") || t.ends_with("(Translated)"));
    let modern = report.os.major_version().is_some_and(|major| match report.os.platform {
        Some(Platform::WatchOS) => major >= 8,
        _ => major >= 15,
    });
    let build_first = embedded && second.is_some() && !modern && apple_mark;
    let (short, build) = if build_first { (second, first) } else { (first, second) };
    let to_cow = |v: &str| -> Cow<'_, str> { Cow::Owned(v.to_string()) };
    report.app.short_version = short.map(to_cow);
    report.app.bundle_version = build.map(to_cow);
}

#[cfg(test)]
mod tests {
    use crate::limits::Limits;

    fn version_of(os: &str, code_type: &str, version: &str) -> (Option<String>, Option<String>) {
        let text = format!("OS Version: {os}\nCode Type: {code_type}\nVersion: {version}\n");
        let report = super::super::parse(&text, 1, &Limits::default()).unwrap();
        (report.app.short_version.map(|v| v.into_owned()), report.app.bundle_version.map(|v| v.into_owned()))
    }

    #[test]
    fn version_order_by_era() {
        let s = |v: &str| Some(v.to_string());
        assert_eq!(version_of("iPhone OS 13.3.1 (17D50)", "ARM-64 (Native)", "1 (3.0)"), (s("3.0"), s("1")));
        assert_eq!(version_of("iPhone OS 16.0 (20A362)", "ARM-64 (Native)", "1.0 (1)"), (s("1.0"), s("1")));
        // PLCrashReporter writes the marketing version first at any time.
        assert_eq!(version_of("iPhone OS 14.4 (18D52)", "ARM-64", "1.0 (12)"), (s("1.0"), s("12")));
        assert_eq!(version_of("Mac OS X 10.15.7 (19H2)", "X86-64 (Native)", "3.1 (310)"), (s("3.1"), s("310")));
        assert_eq!(version_of("macOS 13.0", "ARM-64 (Native)", "???"), (None, None));
        assert_eq!(version_of("macOS 13.0", "ARM-64 (Native)", "4.21.1"), (s("4.21.1"), None));
    }
}
