//! Symbolication against the real Mach-O files and dSYMs of
//! fixtures/symbols (made by clang, lld and dsymutil; see its README):
//! every fixture report names its frames as `reports/expected.json` says,
//! from every kind of source; crashport answers as llvm-symbolizer does,
//! every difference explained; damaged debug files give errors that name
//! them, never a panic; a debug file is parsed once however many reports
//! ask.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use crashport::model::{Frame, SymbolOrigin};
use crashport::symbolicate::{
    self, ArchiveLimits, DebugFileError, DebugFileIndex, DebugFilePath, DebugFiles, ImageKey, Lookup, NameStyle, Names,
    SymbolProvider,
};
use crashport::{Input, Parsed, Report};
use proptest::prelude::*;
use rayon::prelude::*;
use serde_json::Value;
use uuid::Uuid;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/symbols")
}

fn fixture(relative: &str) -> PathBuf {
    fixtures().join(relative)
}

fn report(name: &str) -> Report<'static> {
    let bytes = std::fs::read(fixture(&format!("reports/{name}"))).unwrap();
    // Leaked: each test reads a handful of 5 KB reports.
    let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    let input: &'static Input<'static> = Box::leak(Box::new(Input::from_bytes(bytes).unwrap()));
    match input.parse().unwrap() {
        Parsed::Crash(report) => *report,
        Parsed::Skipped(skipped) => panic!("{name}: {}", skipped.reason()),
    }
}

fn expected() -> &'static Value {
    static EXPECTED: OnceLock<Value> = OnceLock::new();
    EXPECTED.get_or_init(|| serde_json::from_slice(&std::fs::read(fixture("reports/expected.json")).unwrap()).unwrap())
}

fn manifest() -> &'static Value {
    static MANIFEST: OnceLock<Value> = OnceLock::new();
    MANIFEST.get_or_init(|| serde_json::from_slice(&std::fs::read(fixture("manifest.json")).unwrap()).unwrap())
}

fn hex(value: &Value) -> u64 {
    let text = value.as_str().unwrap_or_else(|| panic!("not a hex string: {value}"));
    u64::from_str_radix(text.trim_start_matches("0x"), 16).unwrap()
}

/// The debug-file sources a report of `arch` is checked against: each one
/// alone must name every frame.
fn sources(report_arch: &str, rosetta: bool) -> Vec<(&'static str, Vec<PathBuf>)> {
    let dsyms = |arch: &str| vec![fixture(&format!("{arch}/Demo.dSYM")), fixture(&format!("{arch}/DemoKit.dSYM"))];
    if rosetta {
        return vec![
            ("fat/", vec![fixture("fat")]),
            ("fat dSYMs", dsyms("fat")),
            (
                "fat binaries",
                vec![
                    fixture("fat/Demo.dSYM/Contents/Resources/DWARF/Demo"),
                    fixture("fat/DemoKit.dSYM/Contents/Resources/DWARF/DemoKit"),
                    fixture("fat/Demo"),
                ],
            ),
        ];
    }
    let mut out = vec![("arch folder", vec![fixture(report_arch)]), ("dSYM bundles", dsyms(report_arch))];
    match report_arch {
        "arm64" => {
            out.push(("xcarchive", vec![fixture("archives/Demo.xcarchive")]));
            out.push(("dSYMs.zip", vec![fixture("archives/dSYMs.zip")]));
            out.push((
                "DWARF files named alone",
                vec![
                    fixture("arm64/Demo.dSYM/Contents/Resources/DWARF/Demo"),
                    fixture("arm64/DemoKit.dSYM/Contents/Resources/DWARF/DemoKit"),
                ],
            ));
        }
        // The x86_64 slice of the fat files has the thin file's UUID.
        "x86_64" => out.push(("fat/", vec![fixture("fat")])),
        _ => {}
    }
    out
}

/// How crashport names what llvm-symbolizer prints: Swift names, which
/// llvm-symbolizer does not demangle, in Apple's short form.
fn our_name(llvm: &str) -> &str {
    match llvm {
        "$s4Demo14ViewControllerC11viewDidLoadyyF" => "ViewController.viewDidLoad",
        other => other,
    }
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// How a report wrote a backtrace: frame lines (text threads), `.ips`
/// frames, or the text Last Exception Backtrace's bare list of addresses
/// (as printed, PAC bits included, and no names).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Written {
    Frames,
    AddressList,
}

/// Checks `frames` (after symbolication) against expected.json's frames.
fn check_frames(what: &str, frames: &[Frame<'_>], expected: &[Value], written: Written, failures: &mut Vec<String>) {
    let mut at = 0;
    for e in expected {
        let index = e["index"].as_u64().unwrap();
        let address = match written {
            Written::AddressList => hex(e.get("printed_address").unwrap_or(&e["address"])),
            Written::Frames => hex(&e["address"]),
        };
        let mut fail = |message: String| failures.push(format!("{what} frame {index}: {message}"));
        let symbolizer = e.get("symbolizer").and_then(Value::as_array).filter(|_| !e["debug_file"].is_null());
        let Some(symbolizer) = symbolizer else {
            // A system image without a debug file: the report's own name, untouched.
            let Some(frame) = frames.get(at) else { return fail("missing".into()) };
            at += 1;
            let printed = frame.symbol.as_deref().map(|s| format!("{s} + {}", frame.symbol_offset.unwrap_or(0)));
            let (want_printed, want_origin) = match written {
                Written::Frames => (e["printed_symbol"].as_str(), Some(SymbolOrigin::Report)),
                Written::AddressList => (None, None),
            };
            if frame.address != address
                || printed.as_deref() != want_printed
                || frame.symbol_origin != want_origin
                || frame.inlined
            {
                fail(format!("system frame changed: {frame:?}"));
            }
            continue;
        };
        for (n, s) in symbolizer.iter().enumerate() {
            let Some(frame) = frames.get(at) else { return fail("missing".into()) };
            at += 1;
            let name = our_name(s["function"].as_str().unwrap());
            let line = s["line"].as_u64().filter(|&l| l != 0).map(|l| l as u32);
            let file = s["file"].as_str().filter(|f| !f.is_empty()).map(file_name);
            let inlined = s["inlined"].as_bool().unwrap();
            let got = (
                frame.symbol.as_deref(),
                frame.source.as_ref().map(|s| s.file.as_ref()),
                frame.source.as_ref().and_then(|s| s.line),
                frame.inlined,
                frame.symbol_origin,
                frame.address,
            );
            let want = (Some(name), file, line, inlined, Some(SymbolOrigin::DebugFile), address);
            if got != want {
                fail(format!("#{n}: got {got:?}, want {want:?}"));
            }
            // The offset of the frame's own address into its function, as
            // the symbol table sees it; inlined calls have none.
            let offset = if inlined { None } else { e["symbol_table"]["offset"].as_u64() };
            if n + 1 == symbolizer.len() && frame.symbol_offset != offset {
                fail(format!("offset {:?}, want {offset:?}", frame.symbol_offset));
            }
        }
    }
    if at != frames.len() {
        failures.push(format!("{what}: {} frames, expected {at}", frames.len()));
    }
}

#[test]
fn every_report_symbolicates_as_expected_from_every_source() {
    let mut failures = Vec::new();
    let mut checked = 0;
    let names = Names::new(NameStyle::Short);
    for r in expected()["reports"].as_array().unwrap() {
        let arch = r["arch"].as_str().unwrap();
        let rosetta = r["code_type"].as_str().unwrap().contains("Translated");
        for (source, paths) in sources(arch, rosetta) {
            let files = DebugFiles::open(&paths, None);
            assert!(files.index().errors().is_empty(), "{source}: {:?}", files.index().errors());
            for file in r["files"].as_array().unwrap() {
                let file = file.as_str().unwrap();
                let what = format!("{file} from {source}");
                let mut report = report(file);
                let summary = symbolicate::symbolicate(&mut report, &files, &names);
                assert!(summary.errors.is_empty(), "{what}: {:?}", summary.errors);
                for (n, t) in r["threads"].as_array().unwrap().iter().enumerate() {
                    let frames = &report.threads[n].frames;
                    let expected = t["frames"].as_array().unwrap();
                    check_frames(&format!("{what} thread {n}"), frames, expected, Written::Frames, &mut failures);
                }
                if let Some(leb) = r.get("last_exception_backtrace") {
                    let frames = report.last_exception_backtrace.as_deref().unwrap_or_default();
                    let written = if file.ends_with(".crash") { Written::AddressList } else { Written::Frames };
                    check_frames(&format!("{what} LEB"), frames, leb.as_array().unwrap(), written, &mut failures);
                }
                checked += 1;
            }
        }
    }
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
    assert!(checked >= 30, "{checked}");
}

#[test]
fn the_signed_return_address_is_placed_once_stripped() {
    let files = DebugFiles::open(&[fixture("arm64e")], None);
    let mut report = report("ios-arm64e.crash");
    let summary = symbolicate::symbolicate(&mut report, &files, &Names::default());
    assert_eq!(summary.pointer_auth_stripped, 1);
    let leb = report.last_exception_backtrace.as_ref().unwrap();
    // Frame 1 expands into the inlined call and its caller, both keeping the
    // address as the report wrote it, placed at its stripped offset.
    for frame in &leb[1..3] {
        assert_eq!(frame.address, 0x2d1b_8001_02e9_4040);
        assert_eq!(frame.image_offset, Some(0x4040));
        assert_eq!(frame.image_index, Some(0));
    }
}

#[test]
fn full_names_on_request() {
    let files = DebugFiles::open(&[fixture("arm64")], None);
    let mut report = report("ios-arm64.ips");
    symbolicate::symbolicate(&mut report, &files, &Names::new(NameStyle::Full));
    let names: Vec<_> = report.threads[0].frames.iter().filter_map(|f| f.symbol.as_deref()).collect();
    assert!(names.contains(&"Demo.ViewController.viewDidLoad() -> ()"), "{names:?}");
    assert!(names.contains(&"demo::Renderer::draw(int)"), "{names:?}");
}

#[test]
fn the_person_view_shows_function_offset_and_line() {
    use crashport::print::summary::{Options, crash};
    let options = Options { frames: 20, styled: false };
    let plain = report("ios-arm64.crash");
    let before = crash(Path::new("r.crash"), &plain, &options);
    assert!(before.contains("0x104a3c000 + 16392"), "{before}");
    let mut report = report("ios-arm64.crash");
    symbolicate::symbolicate(&mut report, &DebugFiles::open(&[], None), &Names::default());
    assert_eq!(crash(Path::new("r.crash"), &report, &options), before, "no debug file: the same view");
    symbolicate::symbolicate(&mut report, &DebugFiles::open(&[fixture("arm64")], None), &Names::default());
    let after = crash(Path::new("r.crash"), &report, &options);
    for line in [
        "Demo                         0x0000000104a40008 demo_crash_site + 8 (demo.c:48)",
        "Demo                         0x0000000104a4003c demo_validate (demo_inline.h:10) [inlined]",
        "Demo                         0x0000000104a4003c demo_process + 44 (demo.c:55)",
        "Demo                         0x0000000104a401e0 demo_nodebug_helper + 32\n",
        "dyld                         0x00000001c0c79dcc start + 2220",
    ] {
        assert!(after.contains(line), "{line:?} not in\n{after}");
    }
}

#[test]
fn the_model_json_says_where_names_came_from() {
    let mut report = report("ios-arm64.ips");
    let plain = serde_json::to_value(&report).unwrap();
    assert!(!plain.to_string().contains("symbol_origin"));
    symbolicate::symbolicate(&mut report, &DebugFiles::open(&[fixture("arm64")], None), &Names::default());
    let json = serde_json::to_value(&report).unwrap();
    let frames = &json["threads"][0]["frames"];
    assert_eq!(frames[1]["symbol"], "demo_validate");
    assert_eq!(frames[1]["inlined"], true);
    assert_eq!(frames[1]["symbol_origin"], "debug_file");
    assert_eq!(frames[1]["source"], serde_json::json!({"file": "demo_inline.h", "line": 10}));
    assert_eq!(frames[7]["symbol"], "start");
    assert_eq!(frames[7]["symbol_origin"], "report");
}

#[test]
fn dsyms_status_lists_needed_images_and_what_was_found() {
    let files = DebugFiles::open(&[fixture("arm64/Demo.dSYM")], None);
    let status = symbolicate::status(&report("ios-arm64-demokit.ips"), &files);
    let rows: Vec<_> = status
        .images
        .iter()
        .map(|i| {
            (i.name.as_deref().unwrap(), i.app, i.crashed_thread_frames, i.debug_file.as_ref().map(|d| d.path.clone()))
        })
        .collect();
    let demo = fixture("arm64/Demo.dSYM/Contents/Resources/DWARF/Demo").display().to_string();
    assert_eq!(
        rows,
        [
            ("Demo", true, 2, Some(demo)),
            ("DemoKit", true, 2, None),
            ("dyld", false, 1, None),
            ("libsystem_kernel.dylib", false, 0, None),
            ("libsystem_pthread.dylib", false, 0, None),
        ]
    );
    assert!(status.crashed_app_image_missing());
    assert_eq!(status.missing().count(), 4);
    let files = DebugFiles::open(&[fixture("arm64")], None);
    assert!(!symbolicate::status(&report("ios-arm64-demokit.ips"), &files).crashed_app_image_missing());
    // An app image without frames is listed too: the app's own debug files are always wanted.
    let status = symbolicate::status(&report("ios-arm64.crash"), &files);
    let demokit = status.images.iter().find(|i| i.name.as_deref() == Some("DemoKit")).unwrap();
    assert_eq!((demokit.frames, demokit.debug_file.is_some()), (0, true));
    let json = serde_json::to_value(&status).unwrap();
    assert_eq!(json["images"][0]["uuid"], "4c4c4461-5555-3144-a125-54bed328bcd7");
    assert_eq!(json["images"][0]["arch"]["name"], "arm64");
}

#[test]
fn the_rosetta_report_takes_the_x86_64_slice_of_the_fat_files() {
    let files = DebugFiles::open(&[fixture("fat")], None);
    let status = symbolicate::status(&report("macos-rosetta.crash"), &files);
    let demo = &status.images[0];
    let found = demo.debug_file.as_ref().unwrap();
    assert_eq!(found.arch.name(), "x86_64");
    assert!(found.path.ends_with("fat/Demo.dSYM/Contents/Resources/DWARF/Demo (x86_64 slice)"), "{}", found.path);
}

#[test]
fn uuids_match_whatever_their_spelling() {
    let text = std::fs::read_to_string(fixture("reports/ios-arm64.crash")).unwrap();
    let spelled = text.replace("<4c4c446155553144a12554bed328bcd7>", "<4C4C4461-5555-3144-A125-54BED328BCD7>");
    assert_ne!(spelled, text);
    let input = Input::from_bytes(spelled.as_bytes()).unwrap();
    let Parsed::Crash(mut report) = input.parse().unwrap() else { panic!() };
    let summary =
        symbolicate::symbolicate(&mut report, &DebugFiles::open(&[fixture("arm64")], None), &Names::default());
    assert_eq!(summary.symbolicated, 8);
}

// ---- The index: what is found, and what is said about what is not usable.

#[test]
fn the_index_finds_every_kind_of_source() {
    let index = DebugFileIndex::build(&[fixtures()]);
    let errors: Vec<String> = index.errors().iter().map(ToString::to_string).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // Every slice of manifest.json and of the archives, and the zip's two members.
    let slices = manifest()["slices"].as_array().unwrap().len();
    let dsym_slices = 12; // a dSYM per thin file (8), fat dSYMs (2 x 2)
    let archive = manifest()["archive_copies"].as_array().unwrap().len();
    assert_eq!(index.len(), slices + dsym_slices + archive + 2);
    let demo = Uuid::parse_str("4c4c4461-5555-3144-a125-54bed328bcd7").unwrap();
    let found: Vec<String> = index.find(demo).map(|i| i.to_string()).collect();
    assert_eq!(found.len(), 5, "{found:#?}");
    assert!(found.iter().any(|p| p.ends_with("dSYMs.zip!/Demo.app.dSYM/Contents/Resources/DWARF/Demo")), "{found:#?}");
}

#[test]
fn a_file_named_twice_is_indexed_once() {
    let index = DebugFileIndex::build(&[fixture("arm64"), fixture("arm64/Demo"), fixture("arm64/./Demo.dSYM")]);
    assert_eq!(index.len(), 4);
}

#[test]
fn unusable_paths_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let plist = dir.path().join("Info.plist");
    std::fs::write(&plist, "<?xml").unwrap();
    let missing = dir.path().join("nothing.dSYM");
    let index = DebugFileIndex::build(&[missing.clone(), plist.clone()]);
    let errors: Vec<String> = index.errors().iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 2);
    assert!(errors[0].starts_with(&format!("{}: expected a readable file, found ", missing.display())), "{errors:?}");
    assert!(errors[1].starts_with(&format!("{}: expected a Mach-O file", plist.display())), "{errors:?}");
    assert!(errors[1].ends_with("found a file starting with 3c3f786d"), "{errors:?}");
}

// ---- Hostile debug files, made here from the good ones.

/// Indexes `paths` and looks up every function start of every slice found;
/// returns every error message. Panics (the test fails) on a panic, and on
/// an error that does not name `expected_path`.
fn use_debug_files(paths: &[PathBuf], expected_path: &str) -> Vec<String> {
    let files = DebugFiles::open(paths, None);
    let mut messages: Vec<String> = files.index().errors().iter().map(ToString::to_string).collect();
    let keys: Vec<ImageKey> =
        files.index().debug_files().map(|i| ImageKey { uuid: i.uuid, arch: Some(i.arch) }).collect();
    for key in keys {
        for address in [0, 0x4000, 0x4008, 0x403b, 0x8000, 0x660, 0x41c3, u64::from(u32::MAX) + 5] {
            if let Lookup::Failed(error) = files.lookup(&key, address) {
                messages.push(error.to_string());
            }
        }
    }
    for message in &messages {
        assert!(message.starts_with(expected_path), "{message:?} does not start with {expected_path}");
        assert!(!message.contains("a panic in the reader"), "{message}");
    }
    messages
}

fn every_debug_file() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for arch in ["arm64", "arm64e", "x86_64", "arm64_32", "fat"] {
        for name in ["Demo", "DemoKit"] {
            out.push(fixture(&format!("{arch}/{name}")));
            out.push(fixture(&format!("{arch}/{name}.dSYM/Contents/Resources/DWARF/{name}")));
        }
    }
    out
}

#[test]
fn truncated_debug_files_give_errors_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut errors = 0;
    for original in every_debug_file() {
        let bytes = std::fs::read(&original).unwrap();
        let mut cuts: Vec<usize> = vec![0, 1, 3, 4, 7, 8, 27, 28, 31, 32, 33, 48, 64, 100, 200, 512, 1000, 2000, 4096];
        cuts.extend((1..64).map(|n| bytes.len() * n / 64));
        cuts.extend([bytes.len() - 1, bytes.len() - 100]);
        for cut in cuts.into_iter().filter(|&c| c < bytes.len()) {
            let path = dir.path().join("cut");
            std::fs::write(&path, &bytes[..cut]).unwrap();
            errors += use_debug_files(std::slice::from_ref(&path), &path.display().to_string()).len();
        }
    }
    assert!(errors > 300, "{errors} errors");
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn corrupt_headers_give_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let dwarf = std::fs::read(fixture("arm64/Demo.dSYM/Contents/Resources/DWARF/Demo")).unwrap();
    let set = |at: usize, value: u32| {
        let mut bytes = dwarf.clone();
        bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
        bytes
    };
    let cases = [
        ("ncmds huge", set(16, u32::MAX), "expected a Mach-O header and load commands"),
        ("sizeofcmds huge", set(20, u32::MAX), "expected a Mach-O header and load commands"),
        // goblin stops at a command of size zero: the file reads as one without DWARF.
        ("first command size zero", set(36, 0), "expected DWARF debug information"),
        ("first command size huge", set(36, 0x7fff_ffff), "expected a Mach-O header and load commands"),
    ];
    for (what, bytes, message) in cases {
        let path = write(dir.path(), what, &bytes);
        let messages = use_debug_files(std::slice::from_ref(&path), &path.display().to_string());
        assert!(messages.iter().any(|m| m.contains(message)), "{what}: {messages:#?}");
    }
    // A Mach-O without LC_UUID cannot be matched to any image: say so when it was named.
    let mut no_uuid = dwarf.clone();
    let at = find_load_command(&dwarf, 0x1b).unwrap();
    no_uuid[at..at + 4].copy_from_slice(&0x7fu32.to_le_bytes());
    let path = write(dir.path(), "no-uuid", &no_uuid);
    let messages = use_debug_files(std::slice::from_ref(&path), &path.display().to_string());
    assert_eq!(
        messages,
        [format!("{}: expected an LC_UUID load command (crash reports name images by it), found none", path.display())]
    );
}

/// The file offset of the first load command of type `cmd` in a thin 64-bit Mach-O.
fn find_load_command(bytes: &[u8], cmd: u32) -> Option<usize> {
    let u32_at = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
    let mut at = 32;
    for _ in 0..u32_at(16) {
        if u32_at(at) == cmd {
            return Some(at);
        }
        at += u32_at(at + 4) as usize;
    }
    None
}

#[test]
fn a_fat_header_whose_offsets_lie_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let fat = std::fs::read(fixture("fat/Demo.dSYM/Contents/Resources/DWARF/Demo")).unwrap();
    let set = |at: usize, value: u32| {
        let mut bytes = fat.clone();
        bytes[at..at + 4].copy_from_slice(&value.to_be_bytes());
        bytes
    };
    // fat_arch records start at 8, 20 bytes each: cputype, cpusubtype, offset, size, align.
    let cases = [
        ("slice 1 past the end", set(8 + 8, fat.len() as u32 + 10), "slice 1 of 2: a slice after the fat header"),
        ("slice 2 too long", set(28 + 12, u32::MAX), "slice 2 of 2: a slice after the fat header"),
        ("slice 1 over the header", set(8 + 8, 0), "slice 1 of 2: a slice after the fat header"),
        ("slice 2 elsewhere", set(28 + 8, 4100), "slice 2 of 2: a Mach-O header and load commands"),
        ("a thousand slices", set(4, 1000), "a fat header with 1 to 32 slices, found 1000 slices"),
        ("no slices", set(4, 0), "a fat header with 1 to 32 slices, found 0 slices"),
    ];
    for (what, bytes, message) in cases {
        let path = write(dir.path(), what, &bytes);
        let messages = use_debug_files(std::slice::from_ref(&path), &path.display().to_string());
        assert!(messages.iter().any(|m| m.contains(message)), "{what}: {messages:#?}");
    }
    // The slice that does not lie is still used.
    let path = write(dir.path(), "one good slice", &set(28 + 12, u32::MAX));
    let index = DebugFileIndex::build(std::slice::from_ref(&path));
    assert_eq!(index.len(), 1);
    assert_eq!(index.debug_files().next().unwrap().arch.name(), "x86_64");
}

/// A zip of `members` (name, bytes), deflated.
fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in members {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
    out.into_inner()
}

#[test]
fn a_zip_bomb_is_refused_with_the_member_named() {
    let dir = tempfile::tempdir().unwrap();
    // Mach-O magic, then 64 MiB of zeros: about 64 KB deflated, 1000:1.
    let mut bomb = vec![0xcf, 0xfa, 0xed, 0xfe];
    bomb.resize(64 << 20, 0);
    let good = std::fs::read(fixture("arm64/Demo.dSYM/Contents/Resources/DWARF/Demo")).unwrap();
    let path = write(
        dir.path(),
        "dSYMs.zip",
        &zip_of(&[
            ("Bomb.dSYM/Contents/Resources/DWARF/Bomb", &bomb),
            ("Demo.dSYM/Contents/Resources/DWARF/Demo", &good),
        ]),
    );
    drop(bomb);
    let index = DebugFileIndex::build(std::slice::from_ref(&path));
    let errors: Vec<String> = index.errors().iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let prefix = format!("{}!/Bomb.dSYM/Contents/Resources/DWARF/Bomb: what this member unpacks to (", path.display());
    assert!(errors[0].starts_with(&prefix), "{errors:#?}");
    assert!(errors[0].contains("at most 100:1 allowed) is "), "{errors:#?}");
    // Reading stops at the bomb: what it says of the archive is not trusted.
    assert_eq!(index.len(), 0);

    // Many members each within the ratio, too much together.
    let path = write(dir.path(), "many.zip", &zip_of(&[("a/Demo", &good), ("b/Demo", &good), ("c/Demo", &good)]));
    let limit = good.len() as u64 * 2 + 100;
    let limits = ArchiveLimits { max_total_size: limit, ..ArchiveLimits::default() };
    let index = DebugFileIndex::build_with_limits(std::slice::from_ref(&path), &limits);
    let errors: Vec<String> = index.errors().iter().map(ToString::to_string).collect();
    // Counting stops one byte past the limit.
    assert_eq!(
        errors,
        [format!(
            "{}!/c/Demo: what the archive unpacks to is {}, over the limit of {limit}",
            path.display(),
            limit + 1
        )]
    );
    assert_eq!(index.len(), 2);

    // Not a zip at all, though it says so in its first bytes.
    let path = write(dir.path(), "broken.zip", b"PK\x03\x04 and then nothing of a zip");
    let index = DebugFileIndex::build(std::slice::from_ref(&path));
    assert!(index.errors()[0].to_string().starts_with(&format!("{}: expected a zip archive, found ", path.display())));
}

#[test]
fn a_dsym_without_dwarf_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("Empty.dSYM");
    write(&bundle, "Contents/Info.plist", b"<?xml version=\"1.0\"?>");
    std::fs::create_dir_all(bundle.join("Contents/Resources/DWARF")).unwrap();
    let index = DebugFileIndex::build(std::slice::from_ref(&bundle));
    let errors: Vec<String> = index.errors().iter().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        [format!("{}: expected a Mach-O DWARF file in Contents/Resources/DWARF/, found none", bundle.display())]
    );
    // The same in a zip.
    let zip = write(dir.path(), "dSYMs.zip", &zip_of(&[("Empty.dSYM/Contents/Info.plist", b"<?xml")]));
    let index = DebugFileIndex::build(std::slice::from_ref(&zip));
    let errors: Vec<String> = index.errors().iter().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        [format!(
            "{}!/Empty.dSYM/: expected a Mach-O DWARF file in Contents/Resources/DWARF/, found none",
            zip.display()
        )]
    );
    // A DWARF file that holds no DWARF (the executable's bytes, marked MH_DSYM).
    let mut bytes = std::fs::read(fixture("arm64/Demo")).unwrap();
    bytes[12..16].copy_from_slice(&10u32.to_le_bytes());
    let path = write(dir.path(), "Hollow.dSYM/Contents/Resources/DWARF/Hollow", &bytes);
    let files = DebugFiles::open(std::slice::from_ref(&path), None);
    let errors: Vec<String> = files.index().errors().iter().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        [format!(
            "{}: expected DWARF debug information (a __debug_info section); only its symbol table is used, found none",
            path.display()
        )]
    );
    // Its symbol table still names functions.
    let uuid = files.index().debug_files().next().unwrap().uuid;
    let Lookup::Found(frames) = files.lookup(&ImageKey { uuid, arch: None }, 0x4008) else { panic!() };
    assert_eq!(frames[0].function, "demo_crash_site");
    assert_eq!(frames[0].file, None);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, failure_persistence: None, ..ProptestConfig::default() })]

    /// Bytes of a real debug file changed at random: an error naming the
    /// file, or answers; never a panic.
    #[test]
    fn mutated_debug_files_never_panic(
        which in 0usize..20,
        changes in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..32),
    ) {
        let files = every_debug_file();
        let original = &files[which % files.len()];
        let mut bytes = std::fs::read(original).unwrap();
        for (at, value) in changes {
            let at = at.index(bytes.len());
            bytes[at] = value;
        }
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "mutated", &bytes);
        use_debug_files(std::slice::from_ref(&path), &path.display().to_string());
    }
}

// ---- Parsed once.

#[test]
fn a_thousand_reports_parse_each_debug_file_once() {
    let files = DebugFiles::open(&[fixture("arm64")], None);
    let names = Names::default();
    let reports = ["ios-arm64.crash", "ios-arm64.ips", "ios-arm64-demokit.crash", "ios-arm64-demokit.ips"];
    let symbolicated: usize = (0..1000)
        .into_par_iter()
        .map(|n| {
            let mut report = report(reports[n % reports.len()]);
            symbolicate::symbolicate(&mut report, &files, &names).symbolicated
        })
        .sum();
    assert_eq!(symbolicated, 250 * (8 + 8 + 4 + 4));
    let demo = DebugFilePath::file(&fixture("arm64/Demo.dSYM/Contents/Resources/DWARF/Demo"));
    let demokit = DebugFilePath::file(&fixture("arm64/DemoKit.dSYM/Contents/Resources/DWARF/DemoKit"));
    assert_eq!((files.parse_count(&demo), files.parse_count(&demokit)), (1, 1));
    // The executables lend their symbol tables to the dSYMs: read once too.
    assert_eq!(files.total_parses(), 4);
    // Demangling happens once per distinct name (a dozen here), not per frame.
    assert!(names.len() < 20, "{}", names.len());
}

#[test]
fn a_symcache_folder_spares_the_next_run_the_parse() {
    let cache = tempfile::tempdir().unwrap();
    let first = DebugFiles::open(&[fixture("arm64")], Some(cache.path().to_path_buf()));
    let mut a = report("ios-arm64.ips");
    symbolicate::symbolicate(&mut a, &first, &Names::default());
    assert_eq!((first.total_parses(), first.symcache_reads()), (2, 0));
    assert!(first.symcache_errors().is_empty(), "{:?}", first.symcache_errors());
    let written: Vec<_> = std::fs::read_dir(cache.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(written.len(), 1, "{written:?}");
    assert_eq!(written[0].to_string_lossy(), "4c4c446155553144a12554bed328bcd7-arm64-v9.1-dwarf+symtab.symcache");

    let second = DebugFiles::open(&[fixture("arm64")], Some(cache.path().to_path_buf()));
    let mut b = report("ios-arm64.ips");
    symbolicate::symbolicate(&mut b, &second, &Names::default());
    assert_eq!((second.total_parses(), second.symcache_reads()), (0, 1));
    assert_eq!(format!("{:?}", a.threads), format!("{:?}", b.threads));

    // A folder that cannot be written to: said once per symcache, and the run goes on.
    let blocked = cache.path().join("not-a-folder");
    std::fs::write(&blocked, b"").unwrap();
    let fourth = DebugFiles::open(&[fixture("arm64")], Some(blocked.clone()));
    let mut d = report("ios-arm64.ips");
    assert_eq!(symbolicate::symbolicate(&mut d, &fourth, &Names::default()).symbolicated, 8);
    let errors = fourth.symcache_errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let name = written[0].to_string_lossy();
    let prefix = format!("{}/{name}: expected a writable symcache folder, found ", blocked.display());
    assert!(errors[0].starts_with(&prefix), "{errors:?}");

    // A damaged cache file is rebuilt, not believed.
    let path = cache.path().join(&written[0]);
    std::fs::write(&path, b"SYMC garbage").unwrap();
    let third = DebugFiles::open(&[fixture("arm64")], Some(cache.path().to_path_buf()));
    let mut c = report("ios-arm64.ips");
    symbolicate::symbolicate(&mut c, &third, &Names::default());
    assert_eq!((third.total_parses(), third.symcache_reads()), (2, 0));
    assert_eq!(format!("{:?}", a.threads), format!("{:?}", c.threads));
}

// ---- Against llvm-symbolizer.

/// One answer of a symbolizer: (function, file, line) innermost first.
type Answer = Vec<(String, Option<String>, Option<u32>)>;

/// Reads llvm-symbolizer's JSON lines: address to answer.
fn llvm_answers(jsonl: &str) -> BTreeMap<u64, Answer> {
    jsonl
        .lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).unwrap();
            let answer = v["Symbol"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|s| !s["FunctionName"].as_str().unwrap().is_empty())
                .map(|s| {
                    let file = s["FileName"].as_str().filter(|f| !f.is_empty()).map(str::to_string);
                    let line = s["Line"].as_u64().filter(|&l| l != 0).map(|l| l as u32);
                    (our_name(s["FunctionName"].as_str().unwrap()).to_string(), file, line)
                })
                .collect();
            (hex(&v["Address"]), answer)
        })
        .collect()
}

/// Why crashport's answer at an address may differ from llvm-symbolizer's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Difference {
    /// x86_64 pads functions to 16 bytes with `nop`s that no DWARF function
    /// covers. llvm-symbolizer falls back to the symbol table there;
    /// symbolic's symcache ends each DWARF function at its last byte, so
    /// crashport names nothing. No return address or pc is ever in padding.
    X86Padding,
}

fn classify(address: u64, slice: &Value, ours: &Answer, theirs: &Answer) -> Option<Difference> {
    let in_symbol_table_only = theirs.len() == 1 && theirs[0].1.is_none() && theirs[0].2.is_none();
    // Between the end of a function's DWARF range and the next symbol.
    let in_padding = slice["functions"].as_array().unwrap().iter().any(|f| {
        let (start, size) = (hex(&f["address"]), f["size"].as_u64().unwrap());
        let dwarf_end = f["dwarf_size"].as_u64().map(|s| start + s);
        dwarf_end.is_some_and(|end| end <= address && address < start + size)
    });
    if slice["arch"] == "x86_64" && ours.is_empty() && in_symbol_table_only && in_padding {
        return Some(Difference::X86Padding);
    }
    None
}

struct Case {
    arch: &'static str,
    /// The executable alone (llvm-symbolizer recorded it without its dSYM).
    executable: bool,
    image: &'static str,
    jsonl: String,
    debug_file: PathBuf,
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for arch in ["arm64", "arm64e", "x86_64", "arm64_32"] {
        for (image, jsonl, debug_file) in [
            ("Demo", "llvm-symbolizer.jsonl", "Demo.dSYM/Contents/Resources/DWARF/Demo"),
            ("DemoKit", "llvm-symbolizer-DemoKit.jsonl", "DemoKit.dSYM/Contents/Resources/DWARF/DemoKit"),
            ("Demo", "llvm-symbolizer-Demo-executable.jsonl", "Demo"),
        ] {
            out.push(Case {
                arch,
                executable: jsonl.contains("executable"),
                image,
                jsonl: std::fs::read_to_string(fixture(&format!("{arch}/{jsonl}"))).unwrap(),
                debug_file: fixture(&format!("{arch}/{debug_file}")),
            });
        }
    }
    out
}

fn slice_of(arch: &str, image: &str) -> &'static Value {
    manifest()["slices"].as_array().unwrap().iter().find(|s| s["path"] == format!("{arch}/{image}")).unwrap()
}

/// Compares crashport with `answers` for one debug file; returns the
/// explained differences by kind, and pushes unexplained ones to `failures`.
fn compare(case: &Case, answers: &BTreeMap<u64, Answer>, failures: &mut Vec<String>) -> BTreeMap<Difference, usize> {
    let slice = slice_of(case.arch, case.image);
    let vmaddr = hex(&slice["text_vmaddr"]);
    let uuid = Uuid::parse_str(slice["uuid"].as_str().unwrap()).unwrap();
    // Alone: the executable's check must not borrow a dSYM's answers.
    let files = DebugFiles::open(std::slice::from_ref(&case.debug_file), None);
    assert!(files.index().errors().is_empty(), "{:?}", files.index().errors());
    let names = Names::new(NameStyle::Short);
    let mut explained = BTreeMap::new();
    for (&address, theirs) in answers {
        let Lookup::Found(frames) = files.lookup(&ImageKey { uuid, arch: None }, address - vmaddr) else {
            failures.push(format!("{} {}: no answer at {address:#x}", case.arch, case.debug_file.display()));
            continue;
        };
        let ours: Answer = frames
            .iter()
            .map(|f| (names.get(&f.function).to_string(), f.file.as_deref().map(str::to_string), f.line))
            .collect();
        if ours == *theirs {
            continue;
        }
        match classify(address, slice, &ours, theirs) {
            Some(kind) => *explained.entry(kind).or_default() += 1,
            None => failures.push(format!(
                "{} {} at {address:#x}: crashport {ours:?}, llvm-symbolizer {theirs:?}",
                case.arch,
                case.debug_file.display()
            )),
        }
    }
    explained
}

#[test]
fn crashport_answers_as_llvm_symbolizer_recorded() {
    let mut failures = Vec::new();
    let mut explained: BTreeMap<Difference, usize> = BTreeMap::new();
    let mut addresses = 0;
    for case in cases() {
        let answers = llvm_answers(&case.jsonl);
        addresses += answers.len();
        for (kind, count) in compare(&case, &answers, &mut failures) {
            *explained.entry(kind).or_default() += count;
        }
    }
    assert!(failures.is_empty(), "{} unexplained differences:\n{}", failures.len(), failures.join("\n"));
    assert!(addresses > 1900, "{addresses}");
    eprintln!("{addresses} addresses; explained differences: {explained:?}");
    // Padding exists only between x86_64 functions.
    assert!(explained.keys().all(|k| *k == Difference::X86Padding));
}

/// The same comparison against llvm-symbolizer run now, when it is
/// installed (`.ci/run` sets `CRASHPORT_REQUIRE_LLVM=1`: there it must be).
#[test]
fn crashport_answers_as_llvm_symbolizer_does_now() {
    let Some(tool) = ["llvm-symbolizer-14", "llvm-symbolizer"]
        .into_iter()
        .find(|t| Command::new(t).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok())
    else {
        assert!(
            std::env::var("CRASHPORT_REQUIRE_LLVM").map_or(true, |v| v != "1"),
            "llvm-symbolizer is required (CRASHPORT_REQUIRE_LLVM=1) but not on PATH: install llvm-14"
        );
        let _ = writeln!(std::io::stderr(), "NOTICE: llvm-symbolizer not on PATH; the recorded answers were compared");
        return;
    };
    let mut failures = Vec::new();
    for case in cases() {
        let recorded = llvm_answers(&case.jsonl);
        let input: String = recorded.keys().map(|a| format!("{a:#x}\n")).collect();
        let mut child = Command::new(tool)
            .arg(format!("--obj={}", case.debug_file.display()))
            .args(["--inlines", "--demangle", "--output-style=JSON", &format!("--default-arch={}", case.arch)])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        let output = child.wait_with_output().unwrap();
        let mut answers = llvm_answers(&String::from_utf8(output.stdout).unwrap());
        // Run from elsewhere than the recording, an executable may find its
        // dSYM beside it: only names are compared for it, as recorded.
        if case.executable {
            for answer in answers.values_mut() {
                for frame in answer.iter_mut() {
                    frame.1 = None;
                    frame.2 = None;
                }
                answer.drain(..answer.len().saturating_sub(1));
            }
        }
        compare(&case, &answers, &mut failures);
    }
    assert!(failures.is_empty(), "{} unexplained differences:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn errors_are_shared_not_repeated() {
    let dir = tempfile::tempdir().unwrap();
    let dwarf = std::fs::read(fixture("arm64/Demo.dSYM/Contents/Resources/DWARF/Demo")).unwrap();
    // Damage the DWARF, not the load commands: found and indexed, then unreadable.
    let mut bytes = dwarf.clone();
    let debug_info = find_section(&dwarf, "__debug_info").unwrap();
    for b in &mut bytes[debug_info..debug_info + 64] {
        *b = 0xff;
    }
    let path = write(dir.path(), "Demo.dSYM/Contents/Resources/DWARF/Demo", &bytes);
    let files = DebugFiles::open(std::slice::from_ref(&path), None);
    assert!(files.index().errors().is_empty());
    let mut report = report("ios-arm64.crash");
    let summary = symbolicate::symbolicate(&mut report, &files, &Names::default());
    let errors: Vec<String> = summary.errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].starts_with(&format!("{}: expected readable DWARF, found ", path.display())), "{errors:#?}");
    assert_eq!(summary.symbolicated, 0);
    assert!(matches!(&*summary.errors[0], DebugFileError::Malformed { .. }));
}

/// The file offset of a section's data in a thin 64-bit Mach-O.
fn find_section(bytes: &[u8], name: &str) -> Option<usize> {
    let u32_at = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
    let mut at = 32;
    for _ in 0..u32_at(16) {
        let (cmd, size) = (u32_at(at), u32_at(at + 4) as usize);
        if cmd == 0x19 {
            let sections = u32_at(at + 64);
            for n in 0..sections as usize {
                let section = at + 72 + n * 80;
                let sectname = &bytes[section..section + 16];
                if sectname.starts_with(name.as_bytes()) {
                    return Some(u32_at(section + 48) as usize);
                }
            }
        }
        at += size;
    }
    None
}
