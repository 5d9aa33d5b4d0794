//! crashport side by side with Sentry's `apple-crash-report-parser` (and,
//! for `.ips`, with serde_json skipping the same bytes), on the same inputs
//! in the same run. See docs/PERFORMANCE.md for how to read the figures.
//!
//! Inputs: the project's fixtures and, when present, ../shared/corpus.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use apple_crash_report_parser::AppleCrashReport;
use crashport::appcenter::ConvertOptions;
use crashport::pipeline::{Options, Origin, Outcome, convert_bytes};
use crashport::{Input, Parsed};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

struct Corpus {
    /// Text reports that both readers read.
    text: Vec<Vec<u8>>,
    /// `.ips` crash reports.
    ips: Vec<Vec<u8>>,
}

fn corpus() -> Corpus {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let roots = [root.join("fixtures/reports"), root.join("../shared/corpus")];
    let mut corpus = Corpus { text: Vec::new(), ips: Vec::new() };
    // A missing ../shared/corpus is a walk error: skipped.
    for path in crashport::inputs::walk(&roots).filter_map(Result::ok).map(|file| file.path) {
        let bytes = std::fs::read(&path).unwrap();
        let Ok(input) = Input::from_bytes(&bytes) else { continue };
        let Ok(Parsed::Crash(report)) = input.parse() else { continue };
        let converts =
            matches!(convert_bytes(&path, &bytes, Origin::Explicit, &Options::default()), Outcome::Converted(_));
        match report.format {
            crashport::model::SourceFormat::Text if converts => {
                let text = std::str::from_utf8(&bytes).ok();
                if text.is_some_and(|t| t.parse::<AppleCrashReport>().is_ok()) {
                    corpus.text.push(bytes.clone());
                }
            }
            crashport::model::SourceFormat::Ips if converts => corpus.ips.push(bytes.clone()),
            _ => {}
        }
    }
    eprintln!(
        "corpus: {} text reports ({} KiB), {} .ips reports ({} KiB)",
        corpus.text.len(),
        corpus.text.iter().map(Vec::len).sum::<usize>() / 1024,
        corpus.ips.len(),
        corpus.ips.iter().map(Vec::len).sum::<usize>() / 1024
    );
    corpus
}

fn bytes(set: &[Vec<u8>]) -> u64 {
    set.iter().map(|b| b.len() as u64).sum()
}

fn benches(c: &mut Criterion) {
    let corpus = corpus();
    let options = Options::default();

    let mut group = c.benchmark_group("parse_text");
    group.throughput(Throughput::Bytes(bytes(&corpus.text)));
    group.bench_function("crashport", |b| {
        b.iter(|| {
            for report in &corpus.text {
                let input = Input::from_bytes(report).unwrap();
                black_box(input.parse().unwrap());
            }
        })
    });
    group.bench_function("apple-crash-report-parser", |b| {
        b.iter(|| {
            for report in &corpus.text {
                let text = std::str::from_utf8(report).unwrap();
                black_box(text.parse::<AppleCrashReport>().unwrap());
            }
        })
    });
    group.finish();

    let mut group = c.benchmark_group("text_to_json");
    group.throughput(Throughput::Bytes(bytes(&corpus.text)));
    group.bench_function("crashport", |b| {
        b.iter(|| {
            for report in &corpus.text {
                let Outcome::Converted(c) = convert_bytes(Path::new("r.crash"), report, Origin::Explicit, &options)
                else {
                    panic!("converts")
                };
                black_box(crashport::appcenter::json::container_json(&c.logs, false).unwrap());
            }
        })
    });
    // The same without the attachment (the original report, base64): the
    // output then holds what the other crate's does, the report's content.
    let bare =
        Options { convert: ConvertOptions { attachment: false, ..ConvertOptions::default() }, ..Options::default() };
    group.bench_function("crashport_without_attachment", |b| {
        b.iter(|| {
            for report in &corpus.text {
                let Outcome::Converted(c) = convert_bytes(Path::new("r.crash"), report, Origin::Explicit, &bare) else {
                    panic!("converts")
                };
                black_box(crashport::appcenter::json::container_json(&c.logs, false).unwrap());
            }
        })
    });
    group.bench_function("apple-crash-report-parser", |b| {
        b.iter(|| {
            for report in &corpus.text {
                let text = std::str::from_utf8(report).unwrap();
                let parsed = text.parse::<AppleCrashReport>().unwrap();
                black_box(serde_json::to_vec(&parsed).unwrap());
            }
        })
    });
    group.finish();

    let mut group = c.benchmark_group("parse_ips");
    group.throughput(Throughput::Bytes(bytes(&corpus.ips)));
    group.bench_function("crashport", |b| {
        b.iter(|| {
            for report in &corpus.ips {
                let input = Input::from_bytes(report).unwrap();
                black_box(input.parse().unwrap());
            }
        })
    });
    group.bench_function("serde_json_ignored_any", |b| {
        b.iter(|| {
            for report in &corpus.ips {
                // The same work of reading the JSON, keeping nothing: every
                // value of the header line and the body is skipped.
                let mut stream = serde_json::Deserializer::from_slice(report).into_iter::<serde::de::IgnoredAny>();
                black_box(stream.next());
                black_box(stream.next());
            }
        })
    });
    group.finish();
}

criterion_group! {
    name = compare;
    config = Criterion::default().measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1)).sample_size(40);
    targets = benches
}
criterion_main!(compare);
