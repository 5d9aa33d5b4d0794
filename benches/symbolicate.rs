//! Symbolication speed: crashport's lookups and demangling against one
//! `llvm-symbolizer --inlines --demangle` process fed the same addresses of
//! the same dSYM, in the same run, rounds interleaved; then 1,000 reports
//! symbolicated against one dSYM, which must parse it once.
//!
//! ```sh
//! cargo bench --bench symbolicate
//! ```
//!
//! Both sides start from nothing: crashport indexes the dSYM, maps it,
//! builds its symcache, then looks every address up and turns each name
//! into the one people see (demangled once per distinct name, as a run
//! does); llvm-symbolizer starts, reads the dSYM, and answers every address
//! on stdin. Times are wall clock and CPU (crashport's thread; the child's
//! user + system time). Prints the per-round ratios and their median, and
//! exits with status 1 when the median CPU ratio is under 5. Skips with a
//! notice when llvm-symbolizer is not installed.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crashport::symbolicate::{self, DebugFiles, ImageKey, Lookup, NameStyle, Names, SymbolProvider};
use crashport::{Input, Parsed};
use rayon::prelude::*;
use serde_json::Value;

/// Each distinct address is asked this many times (the list repeated), so
/// that both sides run long enough to measure: 255 x 400 = 102,000.
const REPEAT: usize = 400;
const ROUNDS: usize = 7;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/symbols")
}

fn thread_cpu_seconds() -> f64 {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime only writes the struct it is given.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    assert_eq!(status, 0);
    t.tv_sec as f64 + t.tv_nsec as f64 / 1e9
}

struct Timing {
    wall: f64,
    cpu: f64,
}

/// One dSYM and the addresses llvm-symbolizer's recording asked about.
struct Case {
    arch: &'static str,
    dwarf: PathBuf,
    vmaddr: u64,
    uuid: uuid::Uuid,
    addresses: Vec<u64>,
}

fn hex(value: &Value) -> u64 {
    u64::from_str_radix(value.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

fn case(arch: &'static str) -> Case {
    let manifest: Value = serde_json::from_slice(&std::fs::read(fixtures().join("manifest.json")).unwrap()).unwrap();
    let slice = manifest["slices"].as_array().unwrap().iter().find(|s| s["path"] == format!("{arch}/Demo")).unwrap();
    let jsonl = std::fs::read_to_string(fixtures().join(format!("{arch}/llvm-symbolizer.jsonl"))).unwrap();
    let distinct: Vec<u64> =
        jsonl.lines().map(|l| hex(&serde_json::from_str::<Value>(l).unwrap()["Address"])).collect();
    Case {
        arch,
        dwarf: fixtures().join(format!("{arch}/Demo.dSYM/Contents/Resources/DWARF/Demo")),
        vmaddr: hex(&slice["text_vmaddr"]),
        uuid: slice["uuid"].as_str().unwrap().parse().unwrap(),
        addresses: (0..REPEAT).flat_map(|_| distinct.iter().copied()).collect(),
    }
}

/// crashport from nothing: index, map, symcache, every lookup, every name.
fn crashport(case: &Case) -> (Timing, usize) {
    let (wall, cpu) = (Instant::now(), thread_cpu_seconds());
    let files = DebugFiles::open(std::slice::from_ref(&case.dwarf), None);
    let names = Names::new(NameStyle::Short);
    let key = ImageKey { uuid: case.uuid, arch: None };
    let mut answered = 0;
    for &address in &case.addresses {
        if let Lookup::Found(frames) = files.lookup(&key, address - case.vmaddr) {
            for frame in frames {
                // What a symbolicated frame holds: an owned name and file name.
                let name = names.get(&frame.function).to_string();
                let file = frame.file.as_deref().map(|f| f.rsplit('/').next().unwrap_or(f).to_string());
                std::hint::black_box((name, file, frame.line));
                answered += 1;
            }
        }
    }
    assert_eq!(files.total_parses(), 1);
    (Timing { wall: wall.elapsed().as_secs_f64(), cpu: thread_cpu_seconds() - cpu }, answered)
}

/// One llvm-symbolizer process fed every address on stdin.
// The child is reaped by `wait4`, which clippy does not know.
#[allow(clippy::zombie_processes)]
fn llvm_symbolizer(tool: &str, case: &Case) -> (Timing, usize) {
    let input: String = case.addresses.iter().map(|a| format!("{a:#x}\n")).collect();
    let wall = Instant::now();
    let mut child = Command::new(tool)
        .arg(format!("--obj={}", case.dwarf.display()))
        .args(["--inlines", "--demangle", &format!("--default-arch={}", case.arch)])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let mut output = String::new();
    child.stdout.take().unwrap().read_to_string(&mut output).unwrap();
    writer.join().unwrap().unwrap();
    let mut status = 0;
    // SAFETY: wait4 only writes the status and the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as libc::pid_t);
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    let cpu = seconds(usage.ru_utime) + seconds(usage.ru_stime);
    // Each function is a name line and a location line; `??` is no answer.
    let lines: Vec<&str> = output.lines().filter(|l| !l.is_empty()).collect();
    let answered = lines.chunks(2).filter(|pair| pair[0] != "??").count();
    (Timing { wall: wall.elapsed().as_secs_f64(), cpu }, answered)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn thousand_reports() {
    let dsym = fixtures().join("arm64/Demo.dSYM");
    let bytes = std::fs::read(fixtures().join("reports/ios-arm64.ips")).unwrap();
    let start = Instant::now();
    let files = DebugFiles::open(std::slice::from_ref(&dsym), None);
    let names = Names::new(NameStyle::Short);
    let symbolicated: usize = (0..1000)
        .into_par_iter()
        .map(|_| {
            let input = Input::from_bytes(&bytes).unwrap();
            let Ok(Parsed::Crash(mut report)) = input.parse() else { panic!("the fixture reads") };
            symbolicate::symbolicate(&mut report, &files, &names).symbolicated
        })
        .sum();
    println!(
        "1,000 reports (ios-arm64.ips) against arm64/Demo.dSYM, {} threads: {:.3} s, {symbolicated} frames named, \
         the dSYM parsed {} time(s), {} distinct names demangled",
        rayon::current_num_threads(),
        start.elapsed().as_secs_f64(),
        files.total_parses(),
        names.len()
    );
    assert_eq!(files.total_parses(), 1);
}

fn main() {
    let Some(tool) = ["llvm-symbolizer-14", "llvm-symbolizer"]
        .into_iter()
        .find(|t| Command::new(t).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok())
    else {
        println!("NOTICE: llvm-symbolizer is not installed; the comparison is skipped");
        thousand_reports();
        return;
    };
    let mut worst = f64::INFINITY;
    for arch in ["arm64", "x86_64"] {
        let case = case(arch);
        println!(
            "{arch}/Demo.dSYM, {} addresses ({} distinct x {REPEAT}), {ROUNDS} rounds, {tool}",
            case.addresses.len(),
            case.addresses.len() / REPEAT
        );
        println!("  round   crashport wall / cpu    llvm-symbolizer wall / cpu    ratio wall / cpu");
        let (mut wall_ratios, mut cpu_ratios) = (Vec::new(), Vec::new());
        for round in 1..=ROUNDS {
            // Interleaved, so a busy moment of the machine hits both sides.
            let (ours, our_frames) = crashport(&case);
            let (theirs, their_frames) = llvm_symbolizer(tool, &case);
            if round == 1 {
                // x86_64: llvm-symbolizer also names the padding between
                // functions (tests/symbolicate.rs explains why crashport does not).
                println!("          functions answered: crashport {our_frames}, llvm-symbolizer {their_frames}");
            }
            let (wall, cpu) = (theirs.wall / ours.wall, theirs.cpu / ours.cpu.max(1e-6));
            println!(
                "  {round:>5}   {:>8.4} s / {:.4} s    {:>8.4} s / {:.4} s          {wall:>5.1} / {cpu:.1}",
                ours.wall, ours.cpu, theirs.wall, theirs.cpu
            );
            wall_ratios.push(wall);
            cpu_ratios.push(cpu);
        }
        let (wall, cpu) = (median(wall_ratios), median(cpu_ratios));
        println!("  median ratio: {wall:.1}x wall, {cpu:.1}x CPU (llvm-symbolizer's time / crashport's)");
        worst = worst.min(cpu);
    }
    thousand_reports();
    if worst < 5.0 {
        eprintln!("crashport is only {worst:.1}x llvm-symbolizer (target: 5x)");
        std::process::exit(1);
    }
}
