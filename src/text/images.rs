//! `Binary Images` lines.
//!
//! ```text
//! 0x100618000 - 0x10061ffff icdab_nsdata arm64  <8ce6a4f1ad09385e8422b60f540b9a23> /var/containers/.../icdab_nsdata
//! 0x10e7a9000 -        0x10e7b0ff7 +com.example.App (1.0 - 1) <6D6B1C7A-...> /Applications/App.app/Contents/MacOS/App
//! 0x7ff80f7f9000 - 0x7ff80f830fff libsystem_kernel.dylib (*) <4a5f1c2e-...> /usr/lib/system/libsystem_kernel.dylib
//! 0x10864e000 - 0x10ee0ffff +YetAnotherMac x86_64 (400.9.4 - 1.0.0) <2d90...> /Users/.../YetAnotherMac
//! 0x1017ff000 - 0x101885fff +com.AlphaSoft.iTubeDownloader (x86_64)  <7B639009-...> /Users/...
//! ```
//!
//! Like frame lines, image lines are scanned byte by byte for speed.
//! The end address is inclusive. Between the range and the `<uuid>` stand the
//! name (spaces allowed, `+` for a non-system image on old reports), then an
//! architecture and/or a parenthesised version (`*` when unknown).

use std::borrow::Cow;

use super::{LineError, scan};
use crate::arch::Arch;
use crate::model::{Image, ImageUuid};

/// A parsed image line, with a note when part of it was unusable.
pub struct ImageLine<'a> {
    /// The image.
    pub image: Image<'a>,
    /// What could not be read (the image is kept without it).
    pub problem: Option<String>,
}

/// True when a line starts like an image line (`  0x...`).
pub fn looks_like_image_line(line: &str) -> bool {
    line.trim_ascii_start().starts_with("0x")
}

/// Reads one `Binary Images` line.
pub fn parse_image_line(line: &str) -> Result<ImageLine<'_>, LineError> {
    let bytes = line.as_bytes();
    let range_error = |at| LineError::new(at, "an address range `0xSTART - 0xEND` and a name");
    let at = scan::skip_blanks(bytes, 0);
    let (start, after_start) = scan::hex_at(bytes, at).ok_or(range_error(at))?;
    let dash = scan::skip_blanks(bytes, after_start);
    if bytes.get(dash) != Some(&b'-') {
        return Err(range_error(dash));
    }
    let at = scan::skip_blanks(bytes, dash + 1);
    let (end, after_end) = scan::hex_at(bytes, at).ok_or(range_error(at))?;
    if !bytes.get(after_end).copied().is_some_and(scan::is_blank) {
        return Err(range_error(after_end));
    }
    let rest = &line[after_end..];
    let column = after_end;

    let mut problem = None;
    let (middle, uuid, path) = match split_uuid(rest) {
        Some((middle, uuid_text, path)) => {
            let uuid = ImageUuid::parse(uuid_text);
            if uuid.is_none() {
                problem = Some(format!("the image UUID `<{uuid_text}>` is not 32 hex digits; image kept without it"));
            }
            (middle, uuid, path)
        }
        None => {
            problem = Some("no `<uuid>` on the image line; image kept without it".to_string());
            match rest.find(" /") {
                Some(at) => (&rest[..at], None, rest[at..].trim_ascii()),
                None => (rest, None, ""),
            }
        }
    };
    let (name, arch, version, marked_user) = split_name(middle.trim_ascii());
    if name.is_empty() {
        return Err(LineError::new(column, "an image name after the address range"));
    }
    if end < start {
        problem = Some(format!("the image ends ({end:#x}) before it starts ({start:#x})"));
    }
    let uuid = uuid.filter(|u| !u.is_nil());
    let image = Image {
        start,
        end,
        name: Some(Cow::Borrowed(name)),
        arch,
        version: version.map(Cow::Borrowed),
        uuid,
        path: (!path.is_empty()).then_some(Cow::Borrowed(path)),
        marked_user,
    };
    Ok(ImageLine { image, problem })
}

/// Splits `name arch  <uuid> /path` into the part before the UUID, the UUID
/// text and the path.
fn split_uuid(rest: &str) -> Option<(&str, &str, &str)> {
    let open = memchr::memchr(b'<', rest.as_bytes())?;
    let close = open + memchr::memchr(b'>', &rest.as_bytes()[open..])?;
    Some((&rest[..open], &rest[open + 1..close], rest[close + 1..].trim_ascii()))
}

/// Splits `+YetAnotherMac x86_64 (400.9.4 - 1.0.0)` into name, arch, version
/// and the `+` mark.
fn split_name(middle: &str) -> (&str, Option<Arch>, Option<&str>, bool) {
    let (mut name, marked_user) = match middle.strip_prefix('+') {
        Some(rest) => (rest.trim_ascii_start(), true),
        None => (middle, false),
    };
    let mut arch = None;
    let mut version = None;
    if let Some(open) = scan::last_group_start(name) {
        let body = &name[..name.len() - 1];
        let inner = body[open + 2..].trim_ascii();
        match arch_token(inner) {
            Some(a) => arch = Some(a),
            None if inner == "*" || inner.is_empty() => {}
            None => version = Some(inner),
        }
        name = body[..open].trim_ascii_end();
    }
    if let Some(space) = name.as_bytes().iter().rposition(|&c| scan::is_blank(c))
        && let Some(a) = arch_token(&name[space + 1..])
    {
        let head = &name[..space];
        arch = arch.or(Some(a));
        name = head.trim_ascii_end();
    }
    (name, arch, version, marked_user)
}

/// An architecture token as image lines write them (lower case: `arm64e`,
/// `x86_64`, `armv7`); names like `ARM` are not taken, as they could be a
/// binary's name.
fn arch_token(token: &str) -> Option<Arch> {
    let plausible =
        !token.is_empty() && token.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if plausible { Arch::from_name(token) } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(line: &str) -> Image<'_> {
        let parsed = parse_image_line(line).unwrap_or_else(|e| panic!("{line}: {e:?}"));
        assert!(parsed.problem.is_none(), "{line}: {:?}", parsed.problem);
        parsed.image
    }

    #[test]
    fn ios_line() {
        let i = image(
            "       0x102230000 -        0x102237fff iOSCrashingTest arm64  <82d13d98219e3040b62a07a297007a7c> /private/var/containers/Bundle/Application/13D0/iOSCrashingTest.app/iOSCrashingTest",
        );
        assert_eq!((i.start, i.end), (0x102230000, 0x102237fff));
        assert_eq!(i.name.as_deref(), Some("iOSCrashingTest"));
        assert_eq!(i.arch.map(|a| a.name()), Some("arm64"));
        assert_eq!(i.uuid.unwrap().to_string(), "82d13d98-219e-3040-b62a-07a297007a7c");
        assert!(i.path.unwrap().ends_with("/iOSCrashingTest"));
    }

    #[test]
    fn name_with_spaces_and_path_with_spaces() {
        let i = image(
            "       0x10211c000 -        0x1024b3fff App Namespace arm64  <debeff4e26534f38e59bc9de7b8daade> /private/var/App Namespace Some.app/App Namespace",
        );
        assert_eq!(i.name.as_deref(), Some("App Namespace"));
        assert_eq!(i.path.as_deref(), Some("/private/var/App Namespace Some.app/App Namespace"));
    }

    #[test]
    fn macos_version_forms() {
        let i = image(
            "0x10542c000 -        0x1062b8ff7 +js (??? - ???) <8183C357-C5B2-3F40-A0A5-E02D8E9FD1AD> /Users/*/js",
        );
        assert!(i.marked_user);
        assert_eq!((i.name.as_deref(), i.version.as_deref(), i.arch), (Some("js"), Some("??? - ???"), None));
        let i = image(
            "       0x10864e000 -        0x10ee0ffff +YetAnotherMac x86_64 (400.9.4 - 1.0.0) <2d903291397d3d14bfca52c7fb8c5e00> /Users/b/Y.app/Contents/MacOS/YetAnotherMac",
        );
        assert_eq!(i.arch.map(|a| a.name()), Some("x86_64"));
        assert_eq!(i.version.as_deref(), Some("400.9.4 - 1.0.0"));
        let i = image(
            "       0x1018b6000 -        0x1018c2fff  ch.pitaya.xcdyoutubekit (x86_64)  <31136917-6868-3472-B768-EB12D00E37E9> /Users/r/XCDYouTubeKit",
        );
        assert_eq!(i.arch.map(|a| a.name()), Some("x86_64"));
        assert_eq!(i.name.as_deref(), Some("ch.pitaya.xcdyoutubekit"));
        let i = image(
            "       0x19cc3e000 -        0x19cc76feb libsystem_kernel.dylib (*) <b8898079-5424-3e89-92b0-33022c3be1bb> /usr/lib/system/libsystem_kernel.dylib",
        );
        assert_eq!((i.arch, i.version.as_deref()), (None, None));
    }

    #[test]
    fn placeholder_line() {
        let i = image("               0x0 - 0xffffffffffffffff ??? (*) <00000000-0000-0000-0000-000000000000> ???");
        assert_eq!(i.name.as_deref(), Some("???"));
        assert!(i.uuid.is_none());
        assert!(i.is_placeholder());
    }

    #[test]
    fn damaged_lines_keep_what_they_can() {
        let parsed = parse_image_line("0x100000000 -        0x200000000 +a.out (0) <@UUID@> @EXEC@").unwrap();
        assert!(parsed.image.uuid.is_none());
        assert!(parsed.problem.unwrap().contains("@UUID@"));
        let parsed = parse_image_line("0x1000 - 0x1fff Foo arm64 /usr/lib/Foo").unwrap();
        assert_eq!(parsed.image.path.as_deref(), Some("/usr/lib/Foo"));
        assert!(parsed.problem.is_some());
        assert!(parse_image_line("0x1000 - zz Foo").is_err());
    }
}
