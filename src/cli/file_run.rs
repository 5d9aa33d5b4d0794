//! How `convert`, `render` and `summary` begin a run over files: one
//! sequence, so that the three check, announce and de-duplicate alike.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

use crashport::bulk::convert::Options;
use crashport::bulk::copies::{self, Copies};
use crashport::bulk::walk::{self, Walked};

use super::progress::{Job, Reporter};
use super::{DsymArgs, RunArgs, out_dir};

/// Where one file per report is written (`--out-dir`), checked before the
/// run starts.
pub struct OutDir<'a> {
    /// The folder.
    pub dir: &'a Path,
    /// `--overwrite`.
    pub overwrite: bool,
    /// The extension of the files written (`json`, `crash`).
    pub extension: &'static str,
}

/// A run over files, started.
pub struct FileRun {
    /// The inputs, walked once.
    pub inputs: Walked,
    /// Threads (`--jobs`).
    pub jobs: usize,
    /// The signal that stops the run, 0 until one comes.
    pub stop: Arc<AtomicUsize>,
    /// Progress and the summary.
    pub reporter: Reporter,
    /// Which inputs are copies of a crash another input holds.
    pub copies: Copies,
}

/// Walks `paths` once, checks the output folder before anything is
/// written, catches signals, opens the debug files into
/// `options.symbols`, and finds the copies of one crash. An output folder
/// that cannot take the run fails it here, with one message.
pub fn start(
    paths: &[std::path::PathBuf],
    out: Option<OutDir<'_>>,
    run: &RunArgs,
    job: Job,
    dsym: &DsymArgs,
    options: &mut Options,
) -> Result<FileRun, ExitCode> {
    let inputs = walk::collect(paths);
    if let Some(out) = out
        && let Err(message) = out_dir::check(out.dir, &inputs, out.overwrite, out.extension)
    {
        eprintln!("error: {message}");
        return Err(ExitCode::FAILURE);
    }
    let jobs = run.jobs();
    let stop = super::signals::install();
    let mut reporter = Reporter::new(run.verbosity(), job, jobs);
    options.symbols = dsym.open(|message| reporter.notice(message));
    reporter.start(Some(inputs.len()));
    let copies = copies::find(&inputs, options, jobs);
    Ok(FileRun { inputs, jobs, stop, reporter, copies })
}
