//! crashport side by side with Sentry's `apple-crash-report-parser` (and,
//! for `.ips`, with serde_json skipping the same bytes), on the same inputs
//! in the same run. See docs/PERFORMANCE.md for how to read the figures.
//!
//! Inputs: the project's fixtures and, when present, ../shared/corpus.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use apple_crash_report_parser::AppleCrashReport;
use crashport::appcenter::ConvertOptions;
use crashport::bulk::convert::{Options, Origin, Outcome, convert_bytes};
use crashport::{Input, Parsed};
use criterion::{Criterion, Throughput, criterion_group};

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
    for path in crashport::bulk::walk::walk(&roots).filter_map(Result::ok).map(|file| file.path) {
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

/// One pass of a contender over its share of the corpus.
type Pass<'c> = Box<dyn Fn() + 'c>;

/// A comparison: crashport's pass beside the reference's, on the same bytes.
struct Comparison<'c> {
    group: &'static str,
    bytes: u64,
    contenders: Vec<(&'static str, Pass<'c>)>,
}

fn comparisons(corpus: &Corpus) -> Vec<Comparison<'_>> {
    let options = Options::default();
    // Without the attachment (the original report, base64) the output holds
    // what the other crate's does: the report's content.
    let bare =
        Options { convert: ConvertOptions { attachment: false, ..ConvertOptions::default() }, ..Options::default() };
    let to_json = move |options: Options| -> Pass<'_> {
        Box::new(move || {
            for report in &corpus.text {
                let Outcome::Converted(c) = convert_bytes(Path::new("r.crash"), report, Origin::Explicit, &options)
                else {
                    panic!("converts")
                };
                black_box(crashport::appcenter::json::container_json(&c.logs, false).unwrap());
            }
        })
    };
    let parse = |set: &'static str| -> Pass<'_> {
        let reports = if set == "text" { &corpus.text } else { &corpus.ips };
        Box::new(move || {
            for report in reports {
                let input = Input::from_bytes(report).unwrap();
                black_box(input.parse().unwrap());
            }
        })
    };
    vec![
        Comparison {
            group: "parse_text",
            bytes: bytes(&corpus.text),
            contenders: vec![
                ("crashport", parse("text")),
                (
                    "apple-crash-report-parser",
                    Box::new(|| {
                        for report in &corpus.text {
                            let text = std::str::from_utf8(report).unwrap();
                            black_box(text.parse::<AppleCrashReport>().unwrap());
                        }
                    }),
                ),
            ],
        },
        Comparison {
            group: "text_to_json",
            bytes: bytes(&corpus.text),
            contenders: vec![
                ("crashport", to_json(options)),
                ("crashport_without_attachment", to_json(bare)),
                (
                    "apple-crash-report-parser",
                    Box::new(|| {
                        for report in &corpus.text {
                            let text = std::str::from_utf8(report).unwrap();
                            let parsed = text.parse::<AppleCrashReport>().unwrap();
                            black_box(serde_json::to_vec(&parsed).unwrap());
                        }
                    }),
                ),
            ],
        },
        Comparison {
            group: "parse_ips",
            bytes: bytes(&corpus.ips),
            contenders: vec![
                ("crashport", parse("ips")),
                (
                    "serde_json_ignored_any",
                    Box::new(|| {
                        for report in &corpus.ips {
                            // The same work of reading the JSON, keeping
                            // nothing: every value of the header line and
                            // the body is skipped.
                            let mut stream =
                                serde_json::Deserializer::from_slice(report).into_iter::<serde::de::IgnoredAny>();
                            black_box(stream.next());
                            black_box(stream.next());
                        }
                    }),
                ),
            ],
        },
    ]
}

fn benches(c: &mut Criterion) {
    let corpus = corpus();
    for comparison in comparisons(&corpus) {
        let mut group = c.benchmark_group(comparison.group);
        group.throughput(Throughput::Bytes(comparison.bytes));
        for (name, pass) in &comparison.contenders {
            group.bench_function(*name, |b| b.iter(pass));
        }
        group.finish();
    }
}

/// Ratios measured pass against pass, alternating the contenders: on a
/// shared machine a burst of load then slows both sides of a pair alike,
/// where criterion's separate runs can catch it on one side only. Prints
/// the median and the quartiles of (reference time / contender time) per
/// pair of passes: above 1, the contender is faster.
fn interleaved_ratios() {
    let corpus = corpus();
    let rounds = std::env::var("CRASHPORT_RATIO_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(300);
    println!("\ninterleaved ratios over {rounds} rounds (reference time / contender time; median [quartiles]):");
    for comparison in comparisons(&corpus) {
        let (reference_name, reference) = comparison.contenders.last().expect("a reference");
        for (name, pass) in &comparison.contenders[..comparison.contenders.len() - 1] {
            for _ in 0..5 {
                pass();
                reference();
            }
            let mut ratios: Vec<f64> = (0..rounds)
                .map(|_| {
                    let started = Instant::now();
                    pass();
                    let ours = started.elapsed();
                    let started = Instant::now();
                    reference();
                    started.elapsed().as_secs_f64() / ours.as_secs_f64()
                })
                .collect();
            ratios.sort_by(f64::total_cmp);
            let at = |q: f64| ratios[((ratios.len() - 1) as f64 * q).round() as usize];
            println!(
                "  {:<13} {name} vs {reference_name}: {:.2}x [{:.2}x .. {:.2}x]",
                comparison.group,
                at(0.5),
                at(0.25),
                at(0.75)
            );
        }
    }
}

criterion_group! {
    name = compare;
    config = Criterion::default().measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1)).sample_size(40);
    targets = benches
}

fn main() {
    compare();
    Criterion::default().configure_from_args().final_summary();
    interleaved_ratios();
}
