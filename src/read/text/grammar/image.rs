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
//! ```text
//! image   = blanks address blanks "-" blanks address blank+ details
//! details = ["+"] name [blank+ arch] [" (" version-or-arch ")"] blanks "<" uuid ">" blanks path
//! ```
//!
//! The end address is inclusive. The name may hold spaces, so the
//! architecture and the parenthesised version are split off its right end;
//! an architecture is only taken in its lower-case spelling (`arm64e`,
//! `x86_64`), since an upper-case word could be part of a name. A line
//! without `<uuid>` keeps its image, with a problem noted.

use std::borrow::Cow;

use nom::Parser;
use nom::bytes::complete::{tag, take_till1};
use nom::character::complete::char;
use nom::combinator::opt;
use nom::sequence::{delimited, preceded};

use super::{LineError, PResult, address, blanks, blanks1, expect, fail, is_blank, last_group, until_byte};
use crate::hex;
use crate::model::arch::{self, Arch};
use crate::model::{Image, parse_uuid};

/// A parsed image line, with notes on what was unusable.
#[derive(Debug)]
pub struct ImageLine<'a> {
    /// The image.
    pub image: Image<'a>,
    /// What could not be read (the image is kept without it).
    pub problems: Vec<String>,
}

/// True when a line starts like an image line (`  0x...`).
pub fn looks_like_image_line(line: &str) -> bool {
    line.trim_ascii_start().starts_with("0x")
}

/// `Binary Images:`, and the `Binary Images (dpkg):`, `(App Store):` and
/// `(Other):` sections into which jailbreak crash reporters split the list.
pub fn is_section_header(line: &str) -> bool {
    let group = preceded(blanks1, delimited(char('('), take_till1(|c| c == ')'), char(')')));
    let header: PResult<'_, _> = (tag("Binary Images"), opt(group), blanks, char(':')).parse(line);
    header.is_ok()
}

/// Reads one `Binary Images` line.
pub fn parse(line: &str) -> Result<ImageLine<'_>, LineError> {
    match image(line) {
        Ok((_, image)) => Ok(image),
        Err(error) => Err(LineError::from_nom(line, error, "an image line")),
    }
}

const RANGE: &str = "an address range `0xSTART - 0xEND` and a name";

fn image(input: &str) -> PResult<'_, ImageLine<'_>> {
    let (input, (_, start, _, _, _, end)) =
        (blanks, expect(RANGE, address), blanks, expect(RANGE, char('-')), blanks, expect(RANGE, address))
            .parse(input)?;
    let (details, _) = expect(RANGE, blanks1).parse(input)?;
    let mut problems = Vec::new();
    let (middle, uuid, path) = match uuid_and_path(details) {
        Ok((path, (middle, uuid_text))) => {
            let uuid = parse_uuid(uuid_text);
            if uuid.is_none() && !is_nil(uuid_text) {
                problems.push(format!("the image UUID `<{uuid_text}>` is not 32 hex digits; image kept without it"));
            }
            (middle, uuid, without_package(path.trim_ascii()))
        }
        Err(_) => {
            problems.push("no `<uuid>` on the image line; image kept without it".to_string());
            match details.find(" /") {
                Some(at) => (&details[..at], None, details[at..].trim_ascii()),
                None => (details, None, ""),
            }
        }
    };
    let (name, arch, version, marked_user) = name_arch_version(middle.trim_ascii());
    if name.is_empty() {
        return fail(details, "an image name after the address range");
    }
    if end < start {
        problems.push(format!("the image ends ({}) before it starts ({})", hex::prefixed(end), hex::prefixed(start)));
    }
    let image = Image {
        start,
        end,
        name: Some(Cow::Borrowed(name)),
        arch,
        version: version.map(Cow::Borrowed),
        bundle_id: None,
        uuid,
        path: (!path.is_empty()).then_some(Cow::Borrowed(path)),
        marked_user,
    };
    Ok(("", ImageLine { image, problems }))
}

/// `name arch  <uuid> /path`: (the part before the UUID, the UUID text),
/// and the path as the rest.
fn uuid_and_path(details: &str) -> PResult<'_, (&str, &str)> {
    (until_byte(b'<'), delimited(char('<'), until_byte(b'>'), char('>'))).parse(details)
}

/// The path without the package description (`{"name":"Cydia Substrate",
/// ...}`) that jailbreak crash reporters append to the images a package
/// installed.
fn without_package(path: &str) -> &str {
    if !path.ends_with('}') {
        return path;
    }
    match memchr::memmem::find(path.as_bytes(), b" {\"") {
        Some(at) => path[..at].trim_ascii_end(),
        None => path,
    }
}

/// The all-zero UUID that placeholder lines carry is no UUID, not a bad one.
fn is_nil(text: &str) -> bool {
    uuid::Uuid::try_parse(text.trim_ascii()).is_ok_and(|u| u.is_nil())
}

/// Splits `+YetAnotherMac x86_64 (400.9.4 - 1.0.0)` into name, arch, version
/// and the `+` mark.
fn name_arch_version(middle: &str) -> (&str, Option<Arch>, Option<&str>, bool) {
    let (mut name, marked_user) = match middle.strip_prefix('+') {
        Some(rest) => (rest.trim_ascii_start(), true),
        None => (middle, false),
    };
    let mut arch = None;
    let mut version = None;
    if let Some((open, inner)) = last_group(name) {
        let inner = inner.trim_ascii();
        match arch_token(inner) {
            Some(a) => arch = Some(a),
            None if inner == "*" || inner.is_empty() => {}
            None => version = Some(inner),
        }
        name = name[..open].trim_ascii_end();
    }
    if let Some(space) = name.as_bytes().iter().rposition(|&c| is_blank(c)) {
        let token = &name[space + 1..];
        // iOS writes `unknown-arch` where an image has no architecture
        // (the `???` placeholder): it is not part of the name.
        if let Some(a) = arch_token(token) {
            arch = arch.or(Some(a));
            name = name[..space].trim_ascii_end();
        } else if token == "unknown-arch" {
            name = name[..space].trim_ascii_end();
        }
    }
    (name, arch, version, marked_user)
}

/// An architecture token as image lines write them (lower case: `arm64e`,
/// `x86_64`, `armv7`); names like `ARM` are not taken, as they could be a
/// binary's name.
fn arch_token(token: &str) -> Option<Arch> {
    let plausible =
        !token.is_empty() && token.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if plausible { arch::parse(token) } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(line: &str) -> Image<'_> {
        let parsed = parse(line).unwrap_or_else(|e| panic!("{line}: {e:?}"));
        assert!(parsed.problems.is_empty(), "{line}: {:?}", parsed.problems);
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
        let i =
            image("               0x0 - 0xffffffffffffffff ??? unknown-arch  <00000000000000000000000000000000> ???");
        assert_eq!((i.name.as_deref(), i.arch), (Some("???"), None));
        assert!(i.is_placeholder());
    }

    #[test]
    fn damaged_lines_keep_what_they_can() {
        let parsed = parse("0x100000000 -        0x200000000 +a.out (0) <@UUID@> @EXEC@").unwrap();
        assert!(parsed.image.uuid.is_none());
        assert!(parsed.problems[0].contains("@UUID@"));
        let parsed = parse("0x1000 - 0x1fff Foo arm64 /usr/lib/Foo").unwrap();
        assert_eq!(parsed.image.path.as_deref(), Some("/usr/lib/Foo"));
        assert_eq!(parsed.problems.len(), 1);
        let err = parse("0x1000 - zz Foo").unwrap_err();
        assert_eq!((err.column, err.expected), (9, RANGE));
    }

    #[test]
    fn jailbreak_sections_and_package_descriptions() {
        for header in
            ["Binary Images:", "Binary Images (dpkg):", "Binary Images (App Store):", "Binary Images (Other):"]
        {
            assert!(is_section_header(header), "{header}");
        }
        assert!(!is_section_header("Binary Images of the app"));
        assert!(!is_section_header("Binary Images (dpkg)"));
        let i = image(
            r#"0x10041c000 - 0x100433fff + Velvet.dylib arm64  <246e8ca725d638c4a3296d93765b4505> /Library/MobileSubstrate/DynamicLibraries/Velvet.dylib {"name":"Velvet","version":"1.3-2","identifier":"com.example.velvet"}"#,
        );
        assert_eq!((i.name.as_deref(), i.marked_user), (Some("Velvet.dylib"), true));
        assert_eq!(i.path.as_deref(), Some("/Library/MobileSubstrate/DynamicLibraries/Velvet.dylib"));
    }

    #[test]
    fn every_problem_of_a_line_is_kept() {
        let parsed = parse("0x2000 - 0x1000 Foo arm64 <zz> /usr/lib/Foo").unwrap();
        assert_eq!(parsed.problems.len(), 2, "{:?}", parsed.problems);
    }
}
