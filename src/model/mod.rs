//! The crash model: one format-neutral description of a crash report.
//!
//! Both readers (for `.crash` text and `.ips` JSON, in [`crate::read`])
//! produce a [`Report`]; everything downstream (printing, the App Center
//! mapping, symbolication) reads only this model and never the input syntax.
//!
//! Strings are `Cow<'a, str>` borrowed from the input wherever the input holds
//! them verbatim, so reading a report copies little. The JSON form of the
//! model (`crashport inspect --json`) is documented in `docs/MODEL.md`.

pub mod arch;
pub mod crash_id;
mod exception;
mod image;
mod kind;
mod serde_hex;
mod thread;
pub mod timestamp;

use std::borrow::Cow;

use serde::Serialize;

pub use arch::{Arch, CodeType};
pub use exception::{ExceptionInfo, Termination, UncaughtException};
pub use image::{Image, ImageIndex, parse_uuid};
pub use kind::ReportKind;
pub use thread::{Frame, Register, RegisterFlavor, RegisterState, SourceLocation, SymbolOrigin, Thread};

use crate::error::Warning;
use timestamp::Timestamp;

/// The syntax a report was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceFormat {
    /// Legacy text (`Incident Identifier:` ...).
    #[default]
    Text,
    /// JSON `.ips`: a one-line header and a body, or the body alone.
    Ips,
    /// A one-line `.ips` JSON header over a legacy text body (bug_type 109,
    /// and 309 headers on text that Xcode writes).
    IpsHeaderText,
    /// Xcode / Console's `Translated Report (Full Report Below)` export; the
    /// JSON full report was read.
    Translated,
    /// The same export, where only its text part could be read.
    TranslatedText,
}

impl SourceFormat {
    /// A short human name.
    pub fn describe(self) -> &'static str {
        match self {
            SourceFormat::Text => "text report",
            SourceFormat::Ips => ".ips JSON report",
            SourceFormat::IpsHeaderText => "text report with .ips header",
            SourceFormat::Translated => "translated report (JSON full report read)",
            SourceFormat::TranslatedText => "translated report (text part read)",
        }
    }
}

/// What reading an input produced: a crash, or a report of another kind that
/// is deliberately not converted.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Parsed<'a> {
    /// A crash report.
    Crash(Box<Report<'a>>),
    /// A report that is not a crash (Jetsam, stackshot, panic ...).
    Skipped(Skipped),
}

/// A report that is recognised but is not a crash, and why it is skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// What kind of report it is.
    pub kind: ReportKind,
    /// The `bug_type` it declared, when it had one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bug_type: Option<String>,
    /// The syntax it was found in.
    pub format: SourceFormat,
    /// Its incident id, when it had one (useful to find it again).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident_id: Option<String>,
    /// The process or app it is about, when stated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process_name: Option<String>,
}

impl Skipped {
    /// A sentence saying why the report is skipped.
    pub fn reason(&self) -> String {
        let mut reason = self.kind.description().to_string();
        if let Some(bug_type) = &self.bug_type {
            reason.push_str(&format!(" (bug_type {bug_type})"));
        }
        reason.push_str(": not a crash, nothing to convert");
        reason
    }
}

/// One crash report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report<'a> {
    /// The syntax it was read from.
    pub format: SourceFormat,
    /// The declared `bug_type` (`309`, `109`), when the report had one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bug_type: Option<Cow<'a, str>>,
    /// `Incident Identifier` / `incident` / header `incident_id`, as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident_id: Option<Cow<'a, str>>,
    /// `CrashReporter Key` / `crashReporterKey`: an anonymous device key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crash_reporter_key: Option<Cow<'a, str>>,
    /// The crashed process.
    pub process: Process<'a>,
    /// The app bundle the process belongs to.
    pub app: AppInfo<'a>,
    /// The operating system.
    pub os: OsInfo<'a>,
    /// `Hardware Model` / `modelCode` (`iPhone14,2`, `MacBookPro18,2`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hardware_model: Option<Cow<'a, str>>,
    /// `Code Type` / `cpuType`: the process's architecture.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_type: Option<CodeType>,
    /// `Date/Time` / `captureTime`: when the crash happened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<Timestamp>,
    /// `Launch Time` / `procLaunch`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub launch_time: Option<Timestamp>,
    /// `Report Version` (text reports).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_version: Option<Cow<'a, str>>,
    /// `Baseband Version` / `basebandVersion`: the cellular modem's firmware.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseband_version: Option<Cow<'a, str>>,
    /// What went wrong: exception, signal, codes, termination.
    pub exception: ExceptionInfo<'a>,
    /// The number of the thread that crashed (`Triggered by Thread`,
    /// `Crashed Thread`, `faultingThread`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crashed_thread: Option<u32>,
    /// `Application Specific Information` lines (`asi` values in `.ips`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub application_specific_info: Vec<Cow<'a, str>>,
    /// `Application Specific Backtrace N` (macOS) / `asiBacktraces`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub application_specific_backtraces: Vec<Vec<Frame<'a>>>,
    /// `Kernel Triage` / `ktriageinfo` lines.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kernel_triage: Vec<Cow<'a, str>>,
    /// The uncaught language exception behind the crash, when the report
    /// names one (Application Specific Information, `asi`, `exceptionReason`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uncaught_exception: Option<UncaughtException<'a>>,
    /// `objc_msgSend() selector name: ...` from Application Specific Information.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub objc_selector: Option<Cow<'a, str>>,
    /// `Last Exception Backtrace` / `lastExceptionBacktrace`: where the
    /// uncaught exception was thrown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_exception_backtrace: Option<Vec<Frame<'a>>>,
    /// Every thread, in report order.
    pub threads: Vec<Thread<'a>>,
    /// Binary images loaded in the process, in report order.
    pub images: Vec<Image<'a>>,
    /// What was dropped or guessed while reading.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Warning>,
}

/// Facts about the crashed process.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Process<'a> {
    /// `Process: Name [pid]` / `procName`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Cow<'a, str>>,
    /// The pid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    /// `Path` / `procPath`: the executable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<Cow<'a, str>>,
    /// `Role` / `procRole` (`Foreground`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Cow<'a, str>>,
    /// `Parent Process: launchd [1]` / `parentProc`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_name: Option<Cow<'a, str>>,
    /// The parent's pid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_pid: Option<u32>,
    /// `Responsible` / `responsibleProc` (macOS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub responsible: Option<Cow<'a, str>>,
    /// `Coalition` / `coalitionName`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coalition: Option<Cow<'a, str>>,
    /// The coalition's id: `Coalition: name [625]` / `coalitionID`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coalition_id: Option<u64>,
    /// `User ID` / `userID` (macOS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<u32>,
}

/// Facts about the app bundle.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AppInfo<'a> {
    /// `Identifier` / `bundleID` / `CFBundleIdentifier`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bundle_id: Option<Cow<'a, str>>,
    /// CFBundleShortVersionString (the marketing version, `2.4.1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub short_version: Option<Cow<'a, str>>,
    /// CFBundleVersion (the build, `381`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bundle_version: Option<Cow<'a, str>>,
    /// The `Version:` line as written, when the report had one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_text: Option<Cow<'a, str>>,
}

/// The operating system family, as App Center names platforms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// macOS (also Mac Catalyst and simulators, which run on it).
    MacOS,
    /// iOS / iPadOS.
    IOS,
    /// tvOS.
    TvOS,
    /// watchOS.
    WatchOS,
    /// visionOS.
    VisionOS,
    /// bridgeOS (the T2 chip).
    BridgeOS,
}

impl Platform {
    /// The name App Center shows (`iOS`, `macOS` ...).
    pub fn os_name(self) -> &'static str {
        match self {
            Platform::MacOS => "macOS",
            Platform::IOS => "iOS",
            Platform::TvOS => "tvOS",
            Platform::WatchOS => "watchOS",
            Platform::VisionOS => "visionOS",
            Platform::BridgeOS => "bridgeOS",
        }
    }

    /// Lower-case identifier (`ios`, `macos`), used in `sdkName`.
    pub fn id(self) -> &'static str {
        match self {
            Platform::MacOS => "macos",
            Platform::IOS => "ios",
            Platform::TvOS => "tvos",
            Platform::WatchOS => "watchos",
            Platform::VisionOS => "visionos",
            Platform::BridgeOS => "bridgeos",
        }
    }

    /// Reads the product name part of an OS version line (`iPhone OS`,
    /// `iOS`, `Mac OS X`, `Mac OS X Server`, `macOS`, `Watch OS`, `tvOS` ...).
    pub fn from_product_name(name: &str) -> Option<Platform> {
        let lower = name.trim().to_ascii_lowercase();
        let platform = match lower.as_str() {
            "iphone os" | "ios" | "ipados" => Platform::IOS,
            "mac os x" | "mac os x server" | "macos" | "os x" | "macos server" => Platform::MacOS,
            "watch os" | "watchos" => Platform::WatchOS,
            "tvos" | "apple tvos" | "apple tv os" => Platform::TvOS,
            "visionos" | "xros" => Platform::VisionOS,
            "bridgeos" | "bridge os" => Platform::BridgeOS,
            _ => return None,
        };
        Some(platform)
    }

    /// Reads the `.ips` header's numeric `platform`.
    pub fn from_ips_number(number: i64) -> Option<Platform> {
        Some(match number {
            1 | 6 => Platform::MacOS, // 6 is Mac Catalyst: a macOS process
            2 | 7 => Platform::IOS,   // 7 is the iOS simulator
            3 | 8 => Platform::TvOS,
            4 | 9 => Platform::WatchOS,
            5 => Platform::BridgeOS,
            11 | 12 => Platform::VisionOS,
            _ => return None,
        })
    }

    /// True for the embedded platforms (iOS, tvOS, watchOS, visionOS).
    pub fn is_embedded(self) -> bool {
        !matches!(self, Platform::MacOS)
    }
}

/// Facts about the operating system.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OsInfo<'a> {
    /// The platform, from the `.ips` header's number or the OS name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    /// The product name as written (`iPhone OS`, `Mac OS X`, `macOS`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<Cow<'a, str>>,
    /// The version (`16.0`, `10.13.4`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<Cow<'a, str>>,
    /// The build (`20A362`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build: Option<Cow<'a, str>>,
    /// `Release Type` / `osVersion.releaseType` (`User`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release_type: Option<Cow<'a, str>>,
}

impl OsInfo<'_> {
    /// The OS name as App Center shows it (`iOS`, `macOS` ...): from the
    /// product name the report wrote, else from the platform. (An iOS
    /// simulator crash is an iOS platform process on a macOS system.)
    pub fn name(&self) -> Option<&'static str> {
        self.product.as_deref().and_then(Platform::from_product_name).or(self.platform).map(Platform::os_name)
    }

    /// The major version number (`16` for `16.0.3`).
    pub fn major_version(&self) -> Option<u32> {
        self.version.as_deref()?.split('.').next()?.parse().ok()
    }
}

impl<'a> Report<'a> {
    /// The thread that crashed: the one the report names, else the one
    /// marked crashed.
    pub fn crashed_thread(&self) -> Option<&Thread<'a>> {
        match self.crashed_thread {
            Some(number) => self.threads.iter().find(|t| t.number == number),
            None => self.threads.iter().find(|t| t.crashed),
        }
    }

    /// The image a frame belongs to.
    pub fn frame_image(&self, frame: &Frame<'a>) -> Option<&Image<'a>> {
        frame.image_index.and_then(|i| self.images.get(i))
    }

    /// The process's own executable image: the image at the process path,
    /// else the one named like the process.
    pub fn main_image(&self) -> Option<&Image<'a>> {
        if let Some(path) = self.process.path.as_deref().map(canonical_path)
            && let Some(image) = self.images.iter().find(|i| i.path.as_deref().map(canonical_path) == Some(path))
        {
            return Some(image);
        }
        let name = self.process.name.as_deref()?;
        self.images.iter().find(|i| i.name.as_deref() == Some(name))
    }

    /// The app's own images: the main executable, and everything inside the
    /// same `.app` bundle (frameworks, extensions).
    pub fn is_app_image(&self, image: &Image<'a>) -> bool {
        let process_path = self.process.path.as_deref().map(canonical_path);
        is_within_app(image, process_path, process_path.and_then(bundle_root))
    }

    /// [`Report::is_app_image`] for every image, in order (the bundle is
    /// worked out once).
    pub fn app_images(&self) -> Vec<bool> {
        let process_path = self.process.path.as_deref().map(canonical_path);
        let root = process_path.and_then(bundle_root);
        self.images.iter().map(|image| is_within_app(image, process_path, root)).collect()
    }

    /// The images a crash involves, by index: those a frame (of a thread or
    /// a backtrace) or a register of the crashed thread points into, and
    /// the app's own (`app_images`, from [`Report::app_images`]). What a
    /// destination sends so that a server can symbolicate the crash.
    pub fn involved_images(&self, app_images: &[bool]) -> Vec<bool> {
        let mut keep = app_images.to_vec();
        keep.resize(self.images.len(), false);
        let mut mark = |index: usize| {
            if let Some(slot) = keep.get_mut(index) {
                *slot = true;
            }
        };
        let frames = self
            .threads
            .iter()
            .flat_map(|t| t.frames.iter())
            .chain(self.last_exception_backtrace.iter().flatten())
            .chain(self.application_specific_backtraces.iter().flatten());
        frames.filter_map(|f| f.image_index).for_each(&mut mark);
        if let Some(state) = self.crashed_thread().and_then(|t| t.registers.as_ref()) {
            let index = ImageIndex::new(&self.images);
            state.registers.iter().filter_map(|r| index.find(r.value)).for_each(&mut mark);
        }
        keep
    }

    /// The address width the report's addresses are written in: 16 hex digits
    /// on 64-bit processes, 8 on 32-bit ones.
    pub fn pointer_hex_digits(&self) -> usize {
        let arch = self.main_image().and_then(|i| i.arch).or(self.code_type.map(|c| c.arch));
        arch.map_or(16, arch::address_digits)
    }
}

fn is_within_app(image: &Image<'_>, process_path: Option<&str>, root: Option<&str>) -> bool {
    let Some(path) = image.path.as_deref().map(canonical_path) else { return false };
    process_path == Some(path) || root.is_some_and(|root| path.starts_with(root))
}

/// iOS writes the same file as `/private/var/...` in `Path:` and `/var/...`
/// in Binary Images (`/var` is a link to `/private/var`).
fn canonical_path(path: &str) -> &str {
    path.strip_prefix("/private").filter(|p| p.starts_with("/var/")).unwrap_or(path)
}

/// The app bundle holding the executable at `path`, with its trailing
/// slash: `/var/.../Foo.app/Foo` and `/Applications/Foo.app/Contents/MacOS/Foo`
/// give `.../Foo.app/`; an extension (`Foo.app/PlugIns/Share.appex/Share`)
/// gives the app that holds it. An executable that is not a bundle's own
/// (a tool inside Xcode.app, `Xcode.app/Contents/Developer/.../assetsd`) has
/// none: everything else in that `.app` is not its code.
fn bundle_root(path: &str) -> Option<&str> {
    let dir = &path[..path.rfind('/')?];
    let bundle = dir.strip_suffix("/Contents/MacOS").unwrap_or(dir);
    if bundle.ends_with(".appex") {
        // `Foo.app/PlugIns/Share.appex`: the app is the extension's bundle.
        if let Some(end) = bundle.rfind(".app/") {
            return Some(&path[..end + 5]);
        }
        return Some(&path[..bundle.len() + 1]);
    }
    bundle.ends_with(".app").then(|| &path[..bundle.len() + 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app_images(process_path: &str, images: &[&str]) -> Vec<bool> {
        let report = Report {
            process: Process { path: Some(process_path.into()), ..Process::default() },
            images: images.iter().map(|p| Image { path: Some((*p).into()), ..Image::default() }).collect(),
            ..Report::default()
        };
        report.app_images()
    }

    #[test]
    fn the_app_is_the_bundle_that_holds_the_executable() {
        let ios = "/private/var/containers/Bundle/Application/6B0C/Demo.app/Demo";
        assert_eq!(
            app_images(
                ios,
                &[
                    "/var/containers/Bundle/Application/6B0C/Demo.app/Demo",
                    "/private/var/containers/Bundle/Application/6B0C/Demo.app/Frameworks/DemoKit.framework/DemoKit",
                    "/usr/lib/system/libsystem_kernel.dylib",
                ]
            ),
            [true, true, false]
        );
        let mac = "/Applications/Demo.app/Contents/MacOS/Demo";
        assert_eq!(
            app_images(
                mac,
                &[mac, "/Applications/Demo.app/Contents/Frameworks/K.framework/K", "/Applications/Other.app/O"]
            ),
            [true, true, false]
        );
        // An extension's app holds the frameworks it links.
        let share = "/var/containers/Bundle/Application/6B0C/Demo.app/PlugIns/Share.appex/Share";
        assert_eq!(
            app_images(share, &[share, "/var/containers/Bundle/Application/6B0C/Demo.app/Frameworks/K.framework/K"]),
            [true, true]
        );
        // A tool inside Xcode is not Xcode: the simulator's frameworks in
        // Xcode.app are not its code.
        let tool = "/Applications/Xcode.app/Contents/Developer/Platforms/iPhoneSimulator.platform/Support/assetsd";
        assert_eq!(
            app_images(
                tool,
                &[tool, "/Applications/Xcode.app/Contents/Developer/Library/Frameworks/Photos.framework/Photos"]
            ),
            [true, false]
        );
    }
}
