//! `crashport render`: crash reports in, Apple's text out
//! ([`crashport::print::apple_text`]), in parallel, in input order; on
//! stdout or one file per report.

use std::io::Write;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::Ordering;

use crashport::bulk::convert::{Failure, Options, Outcome, Read, read_file};
use crashport::bulk::ordered::run_ordered;
use crashport::bulk::walk::{self, InputFile};
use crashport::print::apple_text;

use super::file_run::{self, FileRun, OutDir};
use super::out_dir;
use super::progress::Job;
use super::{RenderArgs, usage_error};

/// What a worker makes of one walked item.
enum Item {
    /// A crash, rendered: the text for stdout (empty when it went to a
    /// file) and the warnings of its reading.
    Rendered {
        path: PathBuf,
        text: String,
        warnings: Vec<String>,
    },
    /// Skipped, failed, or not written.
    Other(Outcome),
    Duplicate {
        path: PathBuf,
        of: PathBuf,
    },
    Problem(walk::WalkError),
}

pub fn run(args: &RenderArgs) -> ExitCode {
    if let Err(message) = args.dsym.check() {
        return usage_error(&message);
    }
    // Crash folders are not written to while crashport reads them.
    let mut options = Options { limits: args.size.limits(), memory_map: true, ..Options::default() };
    let out = args.out_dir.as_deref().map(|dir| OutDir { dir, overwrite: args.overwrite, extension: "crash" });
    // With --dsym, each report is symbolicated as it is read, then rendered.
    let FileRun { inputs, jobs, stop, mut reporter, copies } =
        match file_run::start(&args.paths, out, &args.run, Job::Render, &args.dsym, &mut options) {
            Ok(run) => run,
            Err(status) => return status,
        };

    let out_dir = args.out_dir.as_deref();
    // A rendered report is some tens of kilobytes: a buffer of a few makes
    // one write call of several.
    let mut stdout = std::io::BufWriter::with_capacity(256 * 1024, std::io::stdout().lock());
    let mut written = 0usize;
    let mut write_error = None;
    run_ordered(
        inputs.into_iter().enumerate(),
        jobs,
        jobs * 16,
        |(index, item)| match item {
            Err(problem) => Item::Problem(problem),
            // Rendered once, from the copy that is kept.
            Ok(file) if let Some(of) = copies.duplicate_of(index) => {
                Item::Duplicate { path: file.path, of: of.to_path_buf() }
            }
            Ok(file) => render(&file, &options, out_dir),
        },
        |_, item| {
            if stop.load(Ordering::Relaxed) != 0 {
                return ControlFlow::Break(());
            }
            match item {
                Item::Problem(problem) => reporter.walk_problem(&problem),
                Item::Duplicate { path, of } => reporter.duplicate(&path, &of),
                Item::Other(outcome) => reporter.outcome(&outcome),
                Item::Rendered { path, text, warnings } => {
                    reporter.crash_read(&path, &warnings);
                    if write_error.is_none() && !text.is_empty() {
                        // A blank line between two reports, after the first's `EOF`.
                        let separator: &[u8] = if written > 0 { b"\n" } else { b"" };
                        if let Err(e) = stdout.write_all(separator).and_then(|()| stdout.write_all(text.as_bytes())) {
                            write_error = Some(e);
                        }
                        written += 1;
                    }
                }
            }
            reporter.tick();
            ControlFlow::Continue(())
        },
    );
    let flushed = stdout.flush();
    let written = write_error.map_or(flushed, Err);
    let signal = stop.load(Ordering::Relaxed);
    reporter.finish_output(written, signal, args.run.summary_json.as_deref(), args.run.fail_on_empty)
}

/// Reads and renders one input, on a worker thread; with `out_dir`,
/// writes its file there too.
fn render(file: &InputFile, options: &Options, out_dir: Option<&Path>) -> Item {
    let rendered = read_file(file, options, |report, _| {
        let warnings = report.warnings.iter().map(|w| crashport::error::located(&file.path, w)).collect();
        (apple_text::render(&report), warnings)
    });
    let (text, warnings) = match rendered {
        Read::Crash(rendered) => rendered,
        Read::Skipped(skipped) => return Item::Other(Outcome::Skipped(skipped)),
        Read::Failed(failure) => return Item::Other(Outcome::Failed(failure)),
    };
    let path = file.path.clone();
    let Some(dir) = out_dir else { return Item::Rendered { path, text, warnings } };
    let target = out_dir::output_path(dir, &file.relative, "crash");
    match out_dir::write(&target, text.as_bytes()) {
        Ok(()) => Item::Rendered { path, text: String::new(), warnings },
        Err(e) => {
            let message = format!("cannot write {}: {e}", target.display());
            Item::Other(Outcome::Failed(Failure::Write { path, message }))
        }
    }
}
