//! Where the time of a conversion goes, phase by phase, on the reports of
//! some directories: reading (decode + parse), the App Center mapping (and
//! within it the SHA-1 of reports without an incident id), and JSON
//! writing (and how much of it the attachment costs). See
//! docs/PERFORMANCE.md.
//!
//! ```sh
//! cargo run --release --example phases -- fixtures/reports ../shared/corpus
//! # stop after one phase, for a profiler (callgrind counts instructions,
//! # so a busy machine does not disturb it):
//! cargo build --profile profiling --example phases
//! valgrind --tool=callgrind target/profiling/examples/phases --only read fixtures/reports
//! ```

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crashport::appcenter::{self, ConvertOptions, json};
use crashport::{Input, Parsed};

/// Each phase's total time over every pass.
#[derive(Default)]
struct Phases {
    read: Duration,
    convert: Duration,
    convert_without_attachment: Duration,
    error_id: Duration,
    write: Duration,
    write_without_attachment: Duration,
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut only = None;
    if let Some(at) = args.iter().position(|a| a == "--only")
        && at + 1 < args.len()
    {
        only = Some(args.remove(at + 1));
        args.remove(at);
    }
    let roots: Vec<PathBuf> = args.iter().map(PathBuf::from).collect();
    let paths: Vec<PathBuf> =
        crashport::bulk::walk::walk(&roots).filter_map(Result::ok).map(|file| file.path).collect();
    let options = ConvertOptions::default();
    let without_attachment = ConvertOptions { attachment: false, ..ConvertOptions::default() };
    // Only reports that convert: the phases are those of a conversion.
    let reports: Vec<Vec<u8>> = paths
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .filter(|bytes| {
            let Ok(input) = Input::from_bytes(bytes) else { return false };
            matches!(input.parse(), Ok(Parsed::Crash(r)) if appcenter::convert(&r, bytes, None, &options).is_ok())
        })
        .collect();
    let total: usize = reports.iter().map(Vec::len).sum();
    let passes = 100;
    let mut phases = Phases::default();
    for _ in 0..passes {
        for bytes in &reports {
            let started = Instant::now();
            let Ok(input) = Input::from_bytes(bytes) else { continue };
            let Ok(Parsed::Crash(report)) = input.parse() else { continue };
            phases.read += started.elapsed();
            if only.as_deref() == Some("read") {
                continue;
            }
            let started = Instant::now();
            let Ok(converted) = appcenter::convert(&report, bytes, None, &options) else { continue };
            phases.convert += started.elapsed();
            let started = Instant::now();
            let Ok(bare) = appcenter::convert(&report, bytes, None, &without_attachment) else { continue };
            phases.convert_without_attachment += started.elapsed();
            let started = Instant::now();
            black_box(appcenter::error_id(&report, bytes));
            phases.error_id += started.elapsed();
            if only.as_deref() == Some("convert") {
                continue;
            }
            let started = Instant::now();
            black_box(json::container_json(&converted.logs, false).ok());
            phases.write += started.elapsed();
            let started = Instant::now();
            black_box(json::container_json(&bare.logs, false).ok());
            phases.write_without_attachment += started.elapsed();
        }
    }
    let per_pass = |d: Duration| d.as_secs_f64() * 1000.0 / f64::from(passes);
    let whole = per_pass(phases.read + phases.convert + phases.write);
    let share = |d: Duration| 100.0 * per_pass(d) / whole;
    println!("{} reports, {} KiB; per pass over all of them:", reports.len(), total / 1024);
    println!("  read (decode + parse)   {:7.3} ms  {:4.1} %", per_pass(phases.read), share(phases.read));
    println!("  convert                 {:7.3} ms  {:4.1} %", per_pass(phases.convert), share(phases.convert));
    println!("    without attachment    {:7.3} ms", per_pass(phases.convert_without_attachment));
    println!("    of which the error id {:7.3} ms", per_pass(phases.error_id));
    println!("  write JSON              {:7.3} ms  {:4.1} %", per_pass(phases.write), share(phases.write));
    println!("    without attachment    {:7.3} ms", per_pass(phases.write_without_attachment));
}
