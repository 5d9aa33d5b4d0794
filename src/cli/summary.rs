//! `crashport summary`: a pile of reports as a table of distinct crashes.

use std::io::Write;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::Ordering;

use crashport::bulk::convert::{Failure, Options, Outcome, Read, SkippedFile, read_file};
use crashport::bulk::ordered::run_ordered;
use crashport::bulk::walk;
use crashport::model::crash_id::crash_id;
use crashport::print::triage::{TableOptions, table};
use crashport::triage::{Baseline, CrashFacts, Triage};

use super::file_run::{self, FileRun};
use super::progress::Job;
use super::{SummaryArgs, SummaryBy, usage_error};

/// What a worker makes of one walked item.
enum Item {
    Crash { facts: Box<CrashFacts>, warnings: Vec<String> },
    Skipped(SkippedFile),
    Failed(Failure),
    Duplicate { path: PathBuf, of: PathBuf },
    Problem(walk::WalkError),
}

pub fn run(args: &SummaryArgs) -> ExitCode {
    let baseline = match args.baseline.as_deref().map(Baseline::read).transpose() {
        Ok(baseline) => baseline,
        Err(e) => return usage_error(&e.to_string()),
    };
    if let Err(message) = args.dsym.check() {
        return usage_error(&message);
    }
    let mut options = Options { limits: args.size.limits(), memory_map: true, ..Options::default() };
    let FileRun { inputs, jobs, stop, mut reporter, copies } =
        match file_run::start(&args.paths, None, &args.run, Job::Summary, &args.dsym, &mut options) {
            Ok(run) => run,
            Err(status) => return status,
        };
    // One demangler for the run: a function met in a thousand reports is
    // demangled once. Signatures are in normal form whatever the style.
    let own_names;
    let names = match &options.symbols {
        Some(symbols) => &symbols.names,
        None => {
            own_names = args.dsym.names();
            &own_names
        }
    };
    let mut triage = Triage::new();
    run_ordered(
        inputs.into_iter().enumerate(),
        jobs,
        jobs * 16,
        |(index, item)| match item {
            Err(problem) => Item::Problem(problem),
            Ok(file) if let Some(of) = copies.duplicate_of(index) => {
                Item::Duplicate { path: file.path, of: of.to_path_buf() }
            }
            Ok(file) => {
                let read = read_file(&file, &options, |report, bytes| {
                    let warnings = report.warnings.iter().map(|w| crashport::error::located(&file.path, w)).collect();
                    let id = crash_id(&report, bytes);
                    (CrashFacts::new(&report, id, &file.path, names), warnings)
                });
                match read {
                    Read::Crash((facts, warnings)) => Item::Crash { facts: Box::new(facts), warnings },
                    Read::Skipped(skipped) => Item::Skipped(skipped),
                    Read::Failed(failure) => Item::Failed(failure),
                }
            }
        },
        |_, item| {
            if stop.load(Ordering::Relaxed) != 0 {
                return ControlFlow::Break(());
            }
            match item {
                Item::Problem(problem) => reporter.walk_problem(&problem),
                Item::Duplicate { path, of } => {
                    triage.add_duplicate();
                    reporter.duplicate(&path, &of);
                }
                Item::Crash { facts, warnings } => {
                    let path = PathBuf::from(&facts.path);
                    match triage.add(*facts) {
                        Ok(()) => reporter.crash_read(&path, &warnings),
                        Err(first) => reporter.duplicate(&path, &PathBuf::from(first)),
                    }
                }
                Item::Skipped(skipped) => {
                    triage.add_not_crash(skipped.kind.id());
                    reporter.outcome(&Outcome::Skipped(skipped));
                }
                Item::Failed(failure) => {
                    triage.add_failed(failure.path(), failure.reason());
                    reporter.outcome(&Outcome::Failed(failure));
                }
            }
            reporter.tick();
            ControlFlow::Continue(())
        },
    );
    let signal = stop.load(Ordering::Relaxed);
    if signal != 0 {
        reporter.interrupted(signal);
        return reporter.finish(args.run.summary_json.as_deref(), args.run.fail_on_empty);
    }
    let summary = triage.finish(baseline.as_ref());
    let text = if args.json {
        let mut json = serde_json::to_string_pretty(&summary).unwrap_or_default();
        json.push('\n');
        json
    } else {
        table(&summary, TableOptions { by_version: args.by == Some(SummaryBy::Version), markdown: args.markdown })
    };
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("error: writing the output: {e}");
        return ExitCode::FAILURE;
    }
    reporter.finish(args.run.summary_json.as_deref(), args.run.fail_on_empty)
}
