//! `render` beside `convert` on the same reports in the same run: a file's
//! bytes to Apple's text against the same bytes to App Center's JSON. The
//! target is at least half of convert's speed (docs/PERFORMANCE.md,
//! *Rendering Apple's text*).
//!
//! Inputs: every crash in the project's fixtures and, when present,
//! ../shared/corpus that `convert` converts.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use crashport::bulk::convert::{Options, Origin, Outcome, Read, convert_bytes, read_bytes};
use crashport::print::apple_text;
use criterion::{Criterion, Throughput, criterion_group};

fn corpus() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let roots = [root.join("fixtures/reports"), root.join("../shared/corpus")];
    let mut reports = Vec::new();
    // A missing ../shared/corpus is a walk error: skipped.
    for path in crashport::bulk::walk::walk(&roots).filter_map(Result::ok).map(|file| file.path) {
        let bytes = std::fs::read(&path).unwrap();
        if matches!(convert_bytes(&path, &bytes, Origin::Explicit, &Options::default()), Outcome::Converted(_)) {
            reports.push(bytes);
        }
    }
    eprintln!("corpus: {} crash reports ({} KiB)", reports.len(), reports.iter().map(Vec::len).sum::<usize>() / 1024);
    reports
}

/// One pass over the reports: bytes to Apple's text.
fn render(reports: &[Vec<u8>], options: &Options) {
    for report in reports {
        let Read::Crash(text) =
            read_bytes(Path::new("r.ips"), report, Origin::Explicit, options, |r, _| apple_text::render(&r))
        else {
            panic!("renders")
        };
        black_box(text);
    }
}

/// One pass over the reports: bytes to App Center's JSON, as `convert`
/// writes it.
fn convert(reports: &[Vec<u8>], options: &Options) {
    for report in reports {
        let Outcome::Converted(c) = convert_bytes(Path::new("r.ips"), report, Origin::Explicit, options) else {
            panic!("converts")
        };
        black_box(crashport::appcenter::json::container_json(&c.logs, false).unwrap());
    }
}

fn benches(c: &mut Criterion) {
    let reports = corpus();
    let options = Options::default();
    let mut group = c.benchmark_group("render_vs_convert");
    group.throughput(Throughput::Bytes(reports.iter().map(|r| r.len() as u64).sum()));
    group.bench_function("render", |b| b.iter(|| render(&reports, &options)));
    group.bench_function("convert", |b| b.iter(|| convert(&reports, &options)));
    group.finish();
}

/// The ratio measured pass against pass, alternating the two (a burst of
/// load on a shared machine then slows both sides of a pair alike): the
/// median and quartiles of (convert's time / render's time) per round.
/// Above 0.5, render is at least half as fast as convert.
fn interleaved_ratio() {
    let reports = corpus();
    let options = Options::default();
    let rounds = std::env::var("CRASHPORT_RATIO_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(300);
    for _ in 0..5 {
        render(&reports, &options);
        convert(&reports, &options);
    }
    let mut ratios: Vec<f64> = (0..rounds)
        .map(|_| {
            let started = Instant::now();
            render(&reports, &options);
            let rendering = started.elapsed();
            let started = Instant::now();
            convert(&reports, &options);
            started.elapsed().as_secs_f64() / rendering.as_secs_f64()
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    let at = |q: f64| ratios[((ratios.len() - 1) as f64 * q).round() as usize];
    println!(
        "\nrender's speed as a multiple of convert's, over {rounds} interleaved rounds: {:.2}x [{:.2}x .. {:.2}x] (median [quartiles]; the target is at least 0.5x)",
        at(0.5),
        at(0.25),
        at(0.75)
    );
}

criterion_group! {
    name = render_vs_convert;
    config = Criterion::default().measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1)).sample_size(40);
    targets = benches
}

fn main() {
    render_vs_convert();
    Criterion::default().configure_from_args().final_summary();
    interleaved_ratio();
}
