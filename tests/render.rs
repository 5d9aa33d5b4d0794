//! `crashport render`: Apple's text from the model.
//!
//! - Against Apple: the `.ips` of ../shared/corpus/inket__MacSymbolicator
//!   renders to the text Apple's own tools made of it (the `.crash` with the
//!   same incident identifier), line for line, except for the differences
//!   docs/RENDER.md names.
//! - Round trip: every fixture and corpus crash, rendered and read again,
//!   gives the same threads, frames, images, exception and header facts, as
//!   far as the text carries them.
//! - Golden files: the rendering of a few fixtures (`tests/golden/render/`,
//!   regenerated with `CRASHPORT_BLESS=1`).

mod common;

use std::fmt::Debug;
use std::path::{Path, PathBuf};

use crashport::model::{Frame, Image, Report};
use crashport::print::apple_text::{self, Family, Layout};
use crashport::symbolicate::{self, DebugFiles, Names};
use crashport::{Input, Parsed};

/// `f` of the crash in `bytes`; `None` for other reports and unreadable files.
fn with_crash<T>(bytes: &[u8], f: impl FnOnce(&Report<'_>) -> T) -> Option<T> {
    let input = Input::from_bytes(bytes).ok()?;
    match input.parse().ok()? {
        Parsed::Crash(report) => Some(f(&report)),
        Parsed::Skipped(_) => None,
    }
}

/// Every fixture file that holds a crash report (the debug files under
/// fixtures/symbols are not reports and are passed over by `crash`).
fn fixture_files() -> Vec<PathBuf> {
    common::files_below(&common::fixtures_dir())
}

/// Collects `what: before != after` for each fact that changed.
struct Diff<'p> {
    path: &'p Path,
    problems: Vec<String>,
}

impl Diff<'_> {
    fn same<T: PartialEq + Debug>(&mut self, what: &str, before: T, after: T) {
        if before != after {
            self.problems.push(format!("{}: {what}: {before:?} became {after:?}", self.path.display()));
        }
    }
}

/// A frame as the text shows it: image column, address, symbol or
/// `base + offset`, source location with a line, inlined.
fn frame_facts(r: &Report<'_>, f: &Frame<'_>) -> String {
    let image = r.frame_image(f).filter(|i| !i.is_placeholder());
    let name = f.image_name.as_deref().or_else(|| image.and_then(|i| i.name.as_deref())).unwrap_or("???");
    let source = f
        .source
        .as_ref()
        .filter(|s| s.line.is_some())
        .map(|s| format!("{}:{:?}:{:?}", s.file, s.line, s.column))
        .unwrap_or_default();
    // The text writes `???` for a frame in no image; read again, that is
    // its symbol.
    let symbol = f.symbol.as_deref().filter(|s| *s != "???" || f.symbol_offset.is_some());
    let place = match (symbol, image) {
        (Some(symbol), _) => format!("{symbol} + {:?}", f.symbol_offset),
        (None, Some(image)) => format!("{:#x} + {}", image.start, f.address - image.start),
        (None, None) => String::from("???"),
    };
    format!("{name} {:#x} {place} {source} inlined={} image={:?}", f.address, f.inlined, image.map(|i| i.start))
}

fn frames_facts(r: &Report<'_>, frames: &[Frame<'_>]) -> Vec<String> {
    frames.iter().map(|f| frame_facts(r, f)).collect()
}

/// An image as the text shows it: macOS names a bundle by its identifier
/// and gives no architecture; iOS gives no version.
fn image_facts(family: Family, i: &Image<'_>) -> String {
    let end = if i.is_placeholder() { u64::MAX } else { i.end };
    let (name, arch_or_version) = match family {
        Family::Embedded => (i.name.as_deref(), i.arch.map(|a| a.name().to_string())),
        Family::Mac => (i.bundle_id.as_deref().or(i.name.as_deref()), i.version.as_deref().map(str::to_string)),
    };
    // The text writes `???` for an image without a name or a path.
    let name = name.filter(|n| *n != "???");
    let path = i.path.as_deref().filter(|p| *p != "???");
    format!(
        "{:#x}-{end:#x} {} {name:?} {arch_or_version:?} {:?} {:?}",
        i.start,
        if i.marked_user { "+" } else { "" },
        i.uuid,
        path
    )
}

fn trimmed(lines: &[std::borrow::Cow<'_, str>]) -> Vec<String> {
    lines.iter().map(|l| l.trim().to_string()).filter(|l| !l.is_empty()).collect()
}

/// Compares the facts the rendering carries.
fn compare(d: &mut Diff<'_>, a: &Report<'_>, text: &str, b: &Report<'_>) {
    let layout = Layout::of(a);
    if layout.header == layout.body {
        d.same("layout", layout, Layout::of(b));
    } else {
        // An iOS app in the simulator: the text says macOS, and only its
        // layout tells an iOS process; read again, it is a macOS report.
        d.same("layout of the threads and images", layout.body, Layout::of(b).body);
    }
    // Header.
    d.same("incident id", &a.incident_id, &b.incident_id);
    d.same("crash reporter key", &a.crash_reporter_key, &b.crash_reporter_key);
    d.same("hardware model", &a.hardware_model, &b.hardware_model);
    let (pa, pb) = (&a.process, &b.process);
    d.same("process", (&pa.name, pa.pid, &pa.path, &pa.role), (&pb.name, pb.pid, &pb.path, &pb.role));
    d.same("parent", (&pa.parent_name, pa.parent_pid), (&pb.parent_name, pb.parent_pid));
    d.same("coalition", (&pa.coalition, pa.coalition_id), (&pb.coalition, pb.coalition_id));
    d.same("responsible", &pa.responsible, &pb.responsible);
    if layout.header == Family::Mac {
        d.same("user id", pa.user_id, pb.user_id);
    }
    d.same("bundle id", &a.app.bundle_id, &b.app.bundle_id);
    d.same("versions", (&a.app.short_version, &a.app.bundle_version), (&b.app.short_version, &b.app.bundle_version));
    d.same("os", (&a.os.product, &a.os.version, &a.os.build), (&b.os.product, &b.os.version, &b.os.build));
    d.same("release type", &a.os.release_type, &b.os.release_type);
    d.same(
        "code type",
        a.code_type.map(|c| (c.arch.cpu_family(), c.translated)),
        b.code_type.map(|c| (c.arch.cpu_family(), c.translated)),
    );
    d.same("date", a.timestamp, b.timestamp);
    d.same("launch time", a.launch_time, b.launch_time);
    if a.report_version.is_some() {
        d.same("report version", &a.report_version, &b.report_version);
    }
    if layout.header == Family::Embedded {
        d.same("baseband", &a.baseband_version, &b.baseband_version);
    }
    // Exception.
    let (ea, eb) = (&a.exception, &b.exception);
    d.same("exception", (&ea.exception_type, &ea.signal, &ea.subtype), (&eb.exception_type, &eb.signal, &eb.subtype));
    d.same("codes", (&ea.codes, &ea.code_values, ea.address), (&eb.codes, &eb.code_values, eb.address));
    d.same("message and note", (&ea.message, &ea.note), (&eb.message, &eb.note));
    let termination = |r: &Report<'_>| {
        r.exception
            .termination
            .as_ref()
            .map(|t| format!("{:?} {:?} {:?} {:?} {:?}", t.namespace, t.code, t.indicator, t.by_process, t.by_pid))
    };
    d.same("termination", termination(a), termination(b));
    d.same("vm region info", trimmed(&ea.vm_region_info), trimmed(&eb.vm_region_info));
    d.same("crashed thread", a.crashed_thread().map(|t| t.number), b.crashed_thread().map(|t| t.number));
    d.same(
        "application specific information",
        trimmed(&a.application_specific_info),
        trimmed(&b.application_specific_info),
    );
    d.same("kernel triage", trimmed(&a.kernel_triage), trimmed(&b.kernel_triage));
    // The uncaught exception: where Application Specific Information states
    // it, it is read from there again; an iOS 18 `exceptionReason` is
    // printed as `Exception Reason:`, whose reason a reader that knows the
    // line takes (the name is not in the text).
    if let Some(u) = &a.uncaught_exception {
        let in_asi = |text: &str| a.application_specific_info.iter().any(|l| l.contains(text));
        if u.reason.as_deref().is_some_and(in_asi) {
            d.same("uncaught exception", &a.uncaught_exception, &b.uncaught_exception);
        } else if let Some(reason) = &u.reason {
            let line = format!("Exception Reason: {reason}");
            d.same(
                "the Exception Reason line",
                true,
                text.lines().any(|l| l.split_whitespace().eq(line.split_whitespace())),
            );
            if let Some(again) = b.uncaught_exception.as_ref().and_then(|u| u.reason.as_ref()) {
                d.same("uncaught exception reason", reason, again);
            }
        }
    }
    d.same(
        "last exception backtrace",
        a.last_exception_backtrace.as_deref().map(|f| frames_facts(a, f)),
        b.last_exception_backtrace.as_deref().map(|f| frames_facts(b, f)),
    );
    let backtraces = |r: &Report<'_>| -> Vec<Vec<String>> {
        r.application_specific_backtraces.iter().map(|f| frames_facts(r, f)).collect()
    };
    d.same("application specific backtraces", backtraces(a), backtraces(b));
    // Threads.
    d.same("thread count", a.threads.len(), b.threads.len());
    for (ta, tb) in a.threads.iter().zip(&b.threads) {
        let what = format!("thread {}", ta.number);
        d.same(&what, (ta.number, &ta.name, &ta.queue, ta.crashed), (tb.number, &tb.name, &tb.queue, tb.crashed));
        d.same(&format!("{what} frames"), frames_facts(a, &ta.frames), frames_facts(b, &tb.frames));
        if ta.crashed {
            d.same(&format!("{what} registers"), registers(ta.registers.as_ref()), registers(tb.registers.as_ref()));
        }
    }
    // Images.
    let images = |r: &Report<'_>| -> Vec<String> { r.images.iter().map(|i| image_facts(layout.body, i)).collect() };
    d.same("images", images(a), images(b));
}

/// Registers by name and value, with descriptions trimmed and Rosetta's
/// `.ips` names (`rosetta.tmp0`) as the text writes them (`tmp0`).
fn registers(state: Option<&crashport::model::RegisterState<'_>>) -> Option<Vec<String>> {
    let state = state?;
    let name = |n: &str| match n {
        "cpu" => "Logical CPU".to_string(),
        "err" => "Error Code".to_string(),
        "trap" => "Trap Number".to_string(),
        other => other.strip_prefix("rosetta.").unwrap_or(other).to_string(),
    };
    let mut all: Vec<String> = state
        .registers
        .iter()
        .chain(&state.extra)
        .map(|r| format!("{}={:#x} {}", name(&r.name), r.value, r.description.as_deref().unwrap_or("").trim()))
        .collect();
    all.sort();
    Some(all)
}

/// The first line where two texts differ: (line number, one, other).
fn first_difference(a: &str, b: &str) -> Option<(usize, String, String)> {
    let words = |line: &str| line.split_whitespace().collect::<Vec<_>>().join(" ");
    let (mut a, mut b) = (a.lines().map(words), b.lines().map(words));
    for n in 1.. {
        match (a.next(), b.next()) {
            (None, None) => return None,
            (x, y) if x == y => continue,
            (x, y) => return Some((n, x.unwrap_or_else(|| "(end)".into()), y.unwrap_or_else(|| "(end)".into()))),
        }
    }
    None
}

/// Renders every crash under `files` and reads the text again.
fn round_trip(files: &[PathBuf]) -> (usize, Vec<String>) {
    let mut problems = Vec::new();
    let mut checked = 0;
    for path in files {
        let bytes = std::fs::read(path).unwrap();
        let found = with_crash(&bytes, |report| {
            let text = apple_text::render(report);
            let compared = with_crash(text.as_bytes(), |again| {
                let mut diff = Diff { path, problems: Vec::new() };
                compare(&mut diff, report, &text, again);
                // The rendering of the rendering is the rendering: nothing drifts.
                // The rendering of the rendering is the rendering, white
                // space aside (the readers trim what Apple pads: `--->  `,
                // `esr: 0x56000080  Address size fault`), and but for what
                // the text says and the model cannot: a simulator report
                // reads as a macOS one, and a reader that does not know
                // `Exception Reason:` passes the line over.
                let layout = Layout::of(report);
                let drift = if layout.header != layout.body {
                    let second = apple_text::render(again);
                    with_crash(second.as_bytes(), |third| first_difference(&second, &apple_text::render(third)))
                        .unwrap_or_else(|| Some((0, second.clone(), "does not read as a crash".into())))
                } else {
                    let mut expected = text.clone();
                    if again.uncaught_exception.is_none() {
                        expected = text
                            .lines()
                            .filter(|l| !l.starts_with("Exception Reason:"))
                            .map(|l| format!("{l}\n"))
                            .collect();
                    }
                    first_difference(&expected, &apple_text::render(again))
                };
                diff.same("rendering of the rendering", None, drift);
                diff.problems
            });
            compared.unwrap_or_else(|| vec![format!("{}: its rendering does not read as a crash", path.display())])
        });
        let Some(found) = found else { continue };
        checked += 1;
        problems.extend(found);
    }
    (checked, problems)
}

#[test]
fn fixtures_survive_a_round_trip_through_the_text() {
    let (checked, problems) = round_trip(&fixture_files());
    assert!(checked >= 20, "only {checked} fixture crashes found");
    assert!(problems.is_empty(), "{} differences:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn corpus_reports_survive_a_round_trip_through_the_text() {
    let Some(dir) = common::corpus_dir("corpus_reports_survive_a_round_trip_through_the_text") else { return };
    let (checked, problems) = round_trip(&common::files_below(&dir));
    assert!(checked >= 25, "only {checked} corpus crashes found");
    assert!(problems.is_empty(), "{} differences:\n{}", problems.len(), problems.join("\n"));
}

/// Differences from Apple's own translation that docs/RENDER.md names and
/// explains: (the name in the docs, the line of Apple's text it concerns).
/// Any other difference fails the test.
const NAMED_DIFFERENCES: &[(&str, &str)] = &[];

#[test]
fn the_ips_renders_as_apples_own_translation() {
    let Some(dir) = common::corpus_dir("the_ips_renders_as_apples_own_translation") else { return };
    let dir = dir.join("inket__MacSymbolicator");
    let ips = std::fs::read(dir.join("ios-crash-in-ips-format.ips")).unwrap();
    // Apple's translation, as Xcode saved it: the .ips header line, then
    // the text. The other .crash in the folder is the same text with the
    // header line taken off by hand.
    let apple = std::fs::read_to_string(dir.join("ios-crash-with-json-header.crash")).unwrap();
    let (header_line, apple_text) = apple.split_once('\n').unwrap();
    assert!(ips.starts_with(header_line.as_bytes()), "the .crash is the translation of the .ips (same header line)");
    let ours = with_crash(&ips, apple_text::render).expect("the .ips is a crash");

    let docs = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/RENDER.md")).unwrap();
    let mut unexplained = Vec::new();
    let mut diff = String::new();
    let (apple_lines, our_lines): (Vec<&str>, Vec<&str>) = (apple_text.lines().collect(), ours.lines().collect());
    for n in 0..apple_lines.len().max(our_lines.len()) {
        let (a, o) = (apple_lines.get(n).copied(), our_lines.get(n).copied());
        if a == o {
            continue;
        }
        diff.push_str(&format!("line {}:\n  - {}\n  + {}\n", n + 1, a.unwrap_or("(none)"), o.unwrap_or("(none)")));
        let named = NAMED_DIFFERENCES.iter().find(|(_, line)| a.is_some_and(|a| a.starts_with(line)));
        match named {
            Some((name, _)) => assert!(docs.contains(name), "docs/RENDER.md does not name `{name}`"),
            None => unexplained.push(n + 1),
        }
    }
    if !diff.is_empty() {
        common::notice(&format!("differences from Apple's translation (- Apple, + crashport):\n{diff}"));
    }
    assert!(unexplained.is_empty(), "differences docs/RENDER.md does not name, at lines {unexplained:?}:\n{diff}");
}

/// The LLVM multithread pair was edited by hand (its text is not Apple's
/// layout), but its facts hold: the `.ips` rendered and read again gives
/// the threads and frames the `.crash` gives.
#[test]
fn the_llvm_multithread_pair_agrees_after_rendering() {
    let Some(dir) = common::corpus_dir("the_llvm_multithread_pair_agrees_after_rendering") else { return };
    let dir = dir.join("llvm__llvm-project");
    let ips = std::fs::read(dir.join("multithread-test.ips")).unwrap();
    let crash = std::fs::read(dir.join("multithread-test.crash")).unwrap();
    let threads = |r: &Report<'_>| -> Vec<Vec<String>> {
        r.threads
            .iter()
            .map(|t| {
                t.frames
                    .iter()
                    .map(|f| {
                        let source = f.source.as_ref().map(|s| (s.file.to_string(), s.line));
                        format!("{:#x} {:?} {:?} {source:?}", f.address, f.symbol, f.symbol_offset)
                    })
                    .collect()
            })
            .collect()
    };
    let rendered = with_crash(&ips, apple_text::render).unwrap();
    let from_ips = with_crash(rendered.as_bytes(), threads).unwrap();
    let from_crash = with_crash(&crash, threads).unwrap();
    assert_eq!(from_ips, from_crash);
}

/// A symbolicated report renders what the debug files said: every
/// symbolication fixture, symbolicated from its architecture's folder,
/// rendered and read again, has on each thread the functions, files, lines
/// and inlined frames fixtures/symbols/reports/expected.json gives (names as
/// crashport demangles them), and the facts of the symbolicated model.
#[test]
fn symbolicated_reports_render_the_names_of_their_debug_files() {
    let dir = common::fixtures_dir().join("symbols");
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("reports/expected.json")).unwrap()).unwrap();
    let mut problems = Vec::new();
    let mut rendered = 0;
    for report in expected["reports"].as_array().unwrap() {
        for file in report["files"].as_array().unwrap() {
            let file = file.as_str().unwrap();
            let folder = if file.contains("rosetta") { "fat" } else { report["arch"].as_str().unwrap() };
            let path = dir.join("reports").join(file);
            let text = render_symbolicated(&path, folder);
            rendered += 1;
            // The text reads back as the symbolicated model.
            let files = DebugFiles::open(&[dir.join(folder)], None);
            let bytes = std::fs::read(&path).unwrap();
            with_crash(&bytes, |original| {
                let mut symbolicated = original.clone();
                symbolicate::symbolicate(&mut symbolicated, &files, &Names::default());
                with_crash(text.as_bytes(), |again| {
                    let mut diff = Diff { path: &path, problems: Vec::new() };
                    compare(&mut diff, &symbolicated, &text, again);
                    problems.extend(diff.problems);
                    for thread in report["threads"].as_array().unwrap() {
                        let number = thread["index"].as_u64().unwrap() as u32;
                        let Some(frames) = again.threads.iter().find(|t| t.number == number) else {
                            problems.push(format!("{file}: no thread {number} in the rendering"));
                            continue;
                        };
                        let got: Vec<(String, Option<String>, Option<u32>, bool)> = frames
                            .frames
                            .iter()
                            .map(|f| {
                                let source = f.source.as_ref();
                                (
                                    f.symbol.as_deref().unwrap_or("").to_string(),
                                    source.map(|s| s.file.to_string()),
                                    source.and_then(|s| s.line),
                                    f.inlined,
                                )
                            })
                            .collect();
                        let want = expected_frames(thread["frames"].as_array().unwrap());
                        if got != want {
                            problems.push(format!("{file}: thread {number}: rendered {got:?}, expected {want:?}"));
                        }
                    }
                })
            });
        }
    }
    assert_eq!(rendered, 12);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// expected.json's frames as the text shows them, innermost first: for a
/// frame in a debug file, each function llvm-symbolizer gives there (the
/// inlined ones first), with its file's name and line; for a system frame,
/// the symbol the report printed.
fn expected_frames(frames: &[serde_json::Value]) -> Vec<(String, Option<String>, Option<u32>, bool)> {
    let mut out = Vec::new();
    for frame in frames {
        let Some(symbolizer) = frame["symbolizer"].as_array().filter(|_| !frame["debug_file"].is_null()) else {
            let printed = frame["printed_symbol"].as_str().unwrap_or("");
            let name = printed.rsplit_once(" + ").map_or(printed, |(name, _)| name);
            out.push((name.to_string(), None, None, false));
            continue;
        };
        for s in symbolizer {
            let function = s["function"].as_str().unwrap();
            // llvm-symbolizer does not demangle Swift; crashport gives Apple's short form.
            let name = if function == "$s4Demo14ViewControllerC11viewDidLoadyyF" {
                "ViewController.viewDidLoad"
            } else {
                function
            };
            let file =
                s["file"].as_str().filter(|f| !f.is_empty()).map(|f| f.rsplit('/').next().unwrap_or(f).to_string());
            let line = s["line"].as_u64().filter(|l| *l > 0).map(|l| l as u32);
            out.push((
                name.to_string(),
                file.clone(),
                line.filter(|_| file.is_some()),
                s["inlined"].as_bool().unwrap_or(false),
            ));
        }
    }
    out
}

/// The rendering of a few fixtures, reviewed by hand: iOS and macOS, text
/// and `.ips`, 32-bit, Rosetta, PLCrashReporter, the address-list backtrace.
const GOLDEN: &[&str] = &[
    "reports/ios16-arm64e.ips",
    "reports/ios16-arm64e.crash",
    "reports/ios9-armv7.crash",
    "reports/ios-lastexception-list.crash",
    "reports/macos-rosetta.ips",
    "reports/macos13-arm64.crash",
    "reports/plcrashreporter-ios.crash",
    "reports/watchos-arm64_32.ips",
];

/// Symbolicated renderings, reviewed by hand: (report under
/// fixtures/symbols/reports, the debug files' folder under fixtures/symbols).
const GOLDEN_SYMBOLICATED: &[(&str, &str)] = &[
    ("ios-arm64.ips", "arm64"),
    ("ios-arm64e.crash", "arm64e"),
    ("ios-arm64-demokit.ips", "arm64"),
    ("macos-x86_64.crash", "x86_64"),
    ("macos-rosetta.ips", "fat"),
    ("watchos-arm64_32.ips", "arm64_32"),
];

/// The report at `path` symbolicated from the debug files under `folder`
/// (fixtures/symbols/<folder>), rendered.
fn render_symbolicated(path: &Path, folder: &str) -> String {
    let files = DebugFiles::open(&[common::fixtures_dir().join("symbols").join(folder)], None);
    let bytes = std::fs::read(path).unwrap();
    with_crash(&bytes, |report| {
        let mut report = report.clone();
        symbolicate::symbolicate(&mut report, &files, &Names::default());
        apple_text::render(&report)
    })
    .unwrap_or_else(|| panic!("{} is a crash", path.display()))
}

#[test]
fn fixtures_render_as_their_golden_files() {
    let bless = std::env::var("CRASHPORT_BLESS").is_ok_and(|v| v == "1");
    let mut failures = Vec::new();
    let plain = GOLDEN.iter().map(|fixture| {
        let bytes = std::fs::read(common::fixtures_dir().join(fixture)).unwrap();
        let text = with_crash(&bytes, apple_text::render).unwrap_or_else(|| panic!("{fixture} is a crash"));
        (fixture.to_string(), text)
    });
    let symbolicated = GOLDEN_SYMBOLICATED.iter().map(|(report, folder)| {
        let fixture = format!("symbols/reports/{report}");
        let text = render_symbolicated(&common::fixtures_dir().join(&fixture), folder);
        (format!("{fixture}.symbolicated"), text)
    });
    for (fixture, text) in plain.chain(symbolicated) {
        let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/render").join(format!("{fixture}.crash"));
        if bless {
            std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
            std::fs::write(&golden, &text).unwrap();
            continue;
        }
        match std::fs::read_to_string(&golden) {
            Ok(expected) => {
                if let Some((line, want, got)) = first_difference(&expected, &text) {
                    failures.push(format!("{fixture}: line {line}: expected `{want}`, rendered `{got}`"));
                } else if expected != text {
                    failures.push(format!("{fixture}: differs from {} in white space", golden.display()));
                }
            }
            Err(_) => failures.push(format!("{fixture}: no golden file {}", golden.display())),
        }
    }
    assert!(failures.is_empty(), "golden mismatches (CRASHPORT_BLESS=1 regenerates):\n{}", failures.join("\n"));
}

// The command.

fn crashport(args: &[&str], stdin: Option<&[u8]>) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_crashport"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("crashport runs");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or_default()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn fixture(name: &str) -> String {
    common::fixtures_dir().join(name).to_string_lossy().to_string()
}

#[test]
fn render_prints_one_text_report_per_crash() {
    let ips = fixture("reports/ios18-exception-reason.ips");
    let text = fixture("reports/macos13-arm64.crash");
    let out = crashport(&["render", &ips, &text], None);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    // Each report as the library renders it, a blank line between them.
    let expected: Vec<String> = [&ips, &text]
        .iter()
        .map(|path| with_crash(&std::fs::read(path).unwrap(), apple_text::render).unwrap())
        .collect();
    assert_eq!(stdout, expected.join("\n"));
    assert_eq!(stdout.matches("\nEOF\n").count(), 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("2 files") && stderr.contains("2 rendered"), "{stderr}");
}

#[test]
fn render_reads_standard_input() {
    let bytes = std::fs::read(fixture("reports/ios16-arm64e.ips")).unwrap();
    let out = crashport(&["render", "-"], Some(&bytes));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), with_crash(&bytes, apple_text::render).unwrap());
}

#[test]
fn render_counts_skipped_and_failed_files_as_convert_does() {
    // A Jetsam report is skipped, not failed: exit 0, nothing on stdout.
    let out = crashport(&["render", &fixture("reports/jetsam-298.ips")], None);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("0 rendered, 1 skipped (1 Jetsam event)"), "{stderr}");
    // With --fail-on-empty, no crash at all is a failure.
    let out = crashport(&["render", "--fail-on-empty", &fixture("reports/jetsam-298.ips")], None);
    assert_eq!(out.status.code(), Some(1));
    // A damaged file fails and is named; the crashes beside it are rendered.
    let out = crashport(&["render", &fixture("broken/header-only.ips"), &fixture("reports/ios16-arm64e.ips")], None);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("1 rendered") && stderr.contains("1 failed"), "{stderr}");
    assert!(stderr.contains("failed: ") && stderr.contains("header-only.ips"), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).matches("\nEOF\n").count(), 1);
    // A usage error.
    assert_eq!(crashport(&["render", "--overwrite", "x"], None).status.code(), Some(2));
}

#[test]
fn render_out_dir_writes_one_file_per_crash_and_checks_first() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(input.join("qa")).unwrap();
    std::fs::copy(fixture("reports/ios18-exception-reason.ips"), input.join("qa/a.ips")).unwrap();
    std::fs::copy(fixture("reports/macos13-arm64.crash"), input.join("b.crash")).unwrap();
    std::fs::copy(fixture("reports/jetsam-298.ips"), input.join("jetsam.ips")).unwrap();
    let out_dir = dir.path().join("out");
    let (input_arg, out_arg) = (input.to_str().unwrap(), out_dir.to_str().unwrap());
    let out = crashport(&["render", "--out-dir", out_arg, input_arg], None);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty());
    for (written, source) in [("qa/a.ips.crash", "qa/a.ips"), ("b.crash.crash", "b.crash")] {
        let text = std::fs::read_to_string(out_dir.join(written)).unwrap();
        let expected = with_crash(&std::fs::read(input.join(source)).unwrap(), apple_text::render).unwrap();
        assert_eq!(text, expected, "{written}");
    }
    assert!(!out_dir.join("jetsam.ips.crash").exists(), "skipped reports write nothing");
    // Again: the files exist, and nothing is written without --overwrite.
    let before = std::fs::metadata(out_dir.join("b.crash.crash")).unwrap().modified().unwrap();
    let out = crashport(&["render", "--out-dir", out_arg, input_arg], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--overwrite replaces them"));
    assert_eq!(std::fs::metadata(out_dir.join("b.crash.crash")).unwrap().modified().unwrap(), before);
    let out = crashport(&["render", "--overwrite", "--out-dir", out_arg, input_arg], None);
    assert_eq!(out.status.code(), Some(0));
}

/// An iOS app in the simulator: Apple's text names the responsible process
/// `Responsible Process:`, which reads back.
#[test]
fn the_responsible_process_line_reads_back() {
    let text = "Incident Identifier: 70EF603D-03AD-4ECC-9532-0A3BEBD2ADE8\n\
                Process:             Runner [97214]\n\
                Responsible Process: SimulatorTrampoline [2442]\n\
                OS Version:          macOS 15.5 (24F74)\n\n\
                Exception Type:  EXC_CRASH (SIGABRT)\n\
                Triggered by Thread:  0\n\n\
                Thread 0 Crashed:\n\
                0   Runner   0x0000000104eb5d14 0x104eb0000 + 23828\n";
    let responsible = with_crash(text.as_bytes(), |r| r.process.responsible.as_deref().map(str::to_string));
    assert_eq!(responsible, Some(Some("SimulatorTrampoline".to_string())));
}

#[test]
fn render_dsym_prints_the_symbolicated_text() {
    let report = common::fixtures_dir().join("symbols/reports/ios-arm64.ips");
    let dsyms = common::fixtures_dir().join("symbols/arm64");
    let out = crashport(&["render", "--dsym", dsyms.to_str().unwrap(), report.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text, render_symbolicated(&report, "arm64"));
    assert!(text.contains("demo_validate (demo_inline.h:10) [inlined]"), "{text}");
    // A --dsym that names nothing is a usage error, before anything is read.
    let out = crashport(&["render", "--dsym", "/no/such/dSYM", report.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
}
