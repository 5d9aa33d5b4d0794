//! A crash's signature: what stays the same between crashes of one bug.
//!
//! docs/TRIAGE.md states the rule; in short, the exception (type, signal,
//! the uncaught exception's class) and the top three frames of the crashing
//! stack that are the app's own, each as a function name in one normal
//! form, or as `image+0xoffset` when it has no name. Nothing that differs
//! between two runs of one build goes in: no address (ASLR slides them), no
//! thread number, no date, no incident id, no offset into a function (a
//! symbolicated and an unsymbolicated copy do not both have it).

use serde::Serialize;
use sha1::{Digest, Sha1};

use crate::model::{Frame, Report};
use crate::symbolicate::Names;

/// How many frames a signature holds.
pub const FRAMES: usize = 3;

/// Bumped whenever the rule changes, so that ids from another rule never
/// look like the same group.
pub const VERSION: u32 = 1;

/// What groups crashes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Signature {
    /// `EXC_BAD_ACCESS / SIGSEGV`, `EXC_CRASH / SIGABRT /
    /// NSInvalidArgumentException`.
    pub exception: String,
    /// The frames, innermost first, in normal form.
    pub frames: Vec<String>,
    /// Whether the frames are the app's own (false: no frame of the stack
    /// was, and these are its top frames).
    pub app_frames: bool,
}

impl Signature {
    /// The group's id: the first 10 hex digits of the SHA-1 of the
    /// signature's canonical text (docs/TRIAGE.md).
    pub fn id(&self) -> String {
        let mut hasher = Sha1::new();
        hasher.update(self.canonical().as_bytes());
        crate::hex::encode_bytes(&hasher.finalize()[..5])
    }

    /// The text the id is a hash of: the rule's version, the exception, and
    /// the frames, a line each.
    pub fn canonical(&self) -> String {
        let mut text = format!("crashport signature {VERSION}\n{}\n", self.exception);
        text.push_str(if self.app_frames { "app\n" } else { "top\n" });
        for frame in &self.frames {
            text.push_str(frame);
            text.push('\n');
        }
        text
    }

    /// The first frame, for a table's column.
    pub fn top_frame(&self) -> Option<&str> {
        self.frames.first().map(String::as_str)
    }
}

/// The signature of a crash report. `names` demangles names the report
/// holds mangled, so that they meet the names crashport reads in dSYMs.
pub fn signature(report: &Report<'_>, names: &Names) -> Signature {
    let exception = exception(report);
    let stack = crashing_stack(report);
    let app_images = report.app_images();
    let is_app = |frame: &Frame<'_>| match frame.image_index {
        Some(index) => app_images.get(index).copied().unwrap_or(false),
        None => frame.image_name.is_some() && frame.image_name.as_deref() == report.process.name.as_deref(),
    };
    // An inlined frame sits in the frame after it; a copy symbolicated
    // without inline expansion has only that one, so only those count.
    let concrete = || stack.iter().filter(|f| !f.inlined);
    let app: Vec<String> =
        concrete().filter(|f| is_app(f)).take(FRAMES).map(|f| frame_name(report, f, names)).collect();
    if !app.is_empty() {
        return Signature { exception, frames: app, app_frames: true };
    }
    let top = concrete().take(FRAMES).map(|f| frame_name(report, f, names)).collect();
    Signature { exception, frames: top, app_frames: false }
}

/// The exception part: Mach exception type, signal, uncaught exception.
fn exception(report: &Report<'_>) -> String {
    let e = &report.exception;
    let mut parts: Vec<&str> = Vec::with_capacity(3);
    parts.extend(e.exception_type.as_deref().map(str::trim).filter(|t| !t.is_empty()));
    parts.extend(e.signal.as_deref().map(str::trim).filter(|s| !s.is_empty()));
    parts.extend(report.uncaught_exception.as_ref().and_then(|u| u.name.as_deref()).map(str::trim));
    // Old reports give the signal as the type too (`Exception Type:
    // SIGSEGV`); once is enough.
    parts.dedup();
    if parts.is_empty() { "unknown".to_string() } else { parts.join(" / ") }
}

/// The stack that threw: the Last Exception Backtrace when the report has
/// one (the crashed thread's stack when the exception was raised; by the
/// time it crashed, that thread is in `abort`), else the crashed thread's.
fn crashing_stack<'r, 'a>(report: &'r Report<'a>) -> &'r [Frame<'a>] {
    match report.last_exception_backtrace.as_deref() {
        Some(frames) if !frames.is_empty() => frames,
        _ => report.crashed_thread().map_or(&[], |t| &t.frames),
    }
}

/// A frame as the signature holds it: its function in normal form, else
/// its image and the offset into that image.
fn frame_name(report: &Report<'_>, frame: &Frame<'_>, names: &Names) -> String {
    let image = report.frame_image(frame);
    // The file's name: text on macOS names images by bundle identifier,
    // `.ips` and frame lines by file name.
    let image_name = image
        .and_then(|i| i.file_name())
        .or(frame.image_name.as_deref())
        .or(image.and_then(|i| i.name.as_deref()))
        .unwrap_or("???");
    if let Some(symbol) = frame.symbol.as_deref().filter(|s| !s.is_empty() && *s != "???") {
        return normal_name(symbol, image_name, names);
    }
    let offset = frame.image_offset.or_else(|| image.map(|i| frame.address.wrapping_sub(i.start)));
    match offset {
        Some(offset) => format!("{image_name}+{}", crate::hex::prefixed(offset)),
        None => format!("{image_name}+???"),
    }
}

/// One form for the names of one function, whoever wrote them: Apple's
/// reports (`ViewController.tap(_:)`, older ones
/// `Demo.ViewController.tap(_:) -> ()`), a dSYM's mangled name demangled,
/// C++ with or without parameter types. Demangled, then without parameter
/// lists, return types, the module prefix of the function's own image, and
/// repeated white space. Objective-C names (`-[Foo bar:]`) stay as they are:
/// their parentheses name a category.
pub fn normal_name(raw: &str, image_name: &str, names: &Names) -> String {
    let raw = raw.trim();
    if raw.starts_with("-[") || raw.starts_with("+[") {
        return raw.to_string();
    }
    let demangled = names.get(raw);
    let without_parameters = strip_groups(&demangled);
    let mut out = String::with_capacity(without_parameters.len());
    let mut words = without_parameters.split_whitespace();
    while let Some(word) = words.next() {
        if word == "->" {
            // The return type: a group, or one word.
            words.next();
            continue;
        }
        let word = strip_module(word, image_name);
        if word.is_empty() || word == GROUP {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// What [`strip_groups`] leaves where a group was: a word of its own, so
/// that a return type that was a group (`-> ()`) is still one word.
const GROUP: &str = "\u{1}";

/// `name` with each balanced `( ... )` group as the word [`GROUP`]; a `->`
/// glued to a group (`()->()`) is kept apart as a word.
fn strip_groups(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut depth = 0usize;
    for c in name.chars() {
        match c {
            '(' => {
                if depth == 0 {
                    out.push(' ');
                    out.push_str(GROUP);
                }
                depth += 1;
            }
            ')' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    out.push(' ');
                }
            }
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out.replace("->", " -> ")
}

/// `Demo.ViewController.tap` → `ViewController.tap` in image `Demo`.
fn strip_module<'w>(word: &'w str, module: &str) -> &'w str {
    match word.strip_prefix(module).and_then(|rest| rest.strip_prefix('.')) {
        Some(rest) if !module.is_empty() && !rest.is_empty() => rest,
        _ => word,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::symbolicate::NameStyle;

    fn normal(raw: &str) -> String {
        normal_name(raw, "Demo", &Names::new(NameStyle::Short))
    }

    #[test]
    fn apple_and_dsym_names_of_one_function_agree() {
        let forms = [
            "ViewController.tap(_:)",
            "Demo.ViewController.tap(_:) -> ()",
            "ViewController.tap",
            "@objc ViewController.tap(_:)",
        ];
        assert_eq!(normal(forms[0]), "ViewController.tap");
        assert_eq!(normal(forms[1]), "ViewController.tap");
        assert_eq!(normal(forms[2]), "ViewController.tap");
        assert_eq!(normal(forms[3]), "@objc ViewController.tap");
        assert_eq!(normal("$s4Demo14ViewControllerC11viewDidLoadyyF"), "ViewController.viewDidLoad");
        assert_eq!(normal("ViewController.viewDidLoad()"), "ViewController.viewDidLoad");
        assert_eq!(
            normal("closure #1 (Swift.Int) -> () in Demo.ViewController.viewDidLoad() -> ()"),
            "closure #1 in ViewController.viewDidLoad"
        );
        assert_eq!(
            normal("$s4Demo14ViewControllerC11viewDidLoadyyFyycfU_"),
            "closure #1 in ViewController.viewDidLoad"
        );
        assert_eq!(normal("_ZN4demo8Renderer4drawEi"), "demo::Renderer::draw");
        assert_eq!(normal("demo::Renderer::draw(int)"), "demo::Renderer::draw");
        assert_eq!(normal("demo::Renderer::draw(int) const"), "demo::Renderer::draw const");
        assert_eq!(normal("Foo.compute() -> Swift.Int"), "Foo.compute");
    }

    #[test]
    fn objective_c_names_keep_their_category() {
        assert_eq!(normal("-[NSObject(Demo) crash]"), "-[NSObject(Demo) crash]");
        assert_eq!(normal("+[Foo bar:]"), "+[Foo bar:]");
    }

    #[test]
    fn another_module_is_not_stripped() {
        assert_eq!(normal("DemoKit.Store.save()"), "DemoKit.Store.save");
        assert_eq!(normal("Demo"), "Demo");
    }

    #[test]
    fn ids_are_stable_and_depend_on_every_part() {
        let signature = Signature {
            exception: "EXC_BAD_ACCESS / SIGSEGV".into(),
            frames: vec!["ViewController.tap".into(), "main".into()],
            app_frames: true,
        };
        // The id is part of the output's contract: a change to the rule
        // must change VERSION, not this value. It is
        // `printf 'crashport signature 1\nEXC_BAD_ACCESS / SIGSEGV\napp\nViewController.tap\nmain\n' | sha1sum`.
        assert_eq!(signature.id(), "64d181f8d8");
        let mut other = signature.clone();
        other.app_frames = false;
        assert_ne!(other.id(), signature.id());
        let mut other = signature.clone();
        other.exception = "EXC_CRASH / SIGABRT".into();
        assert_ne!(other.id(), signature.id());
        let mut other = signature;
        other.frames.pop();
        assert_ne!(other.id(), "64d181f8d8");
    }
}
