//! `crashport convert`: crash reports in, App Center log JSON out.

use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crashport::appcenter::logs::Log;
use crashport::appcenter::{ConvertOptions, stale_warning};
use crashport::inputs::{InputFile, for_each_file};
use crashport::limits::Limits;
use crashport::pipeline::{ConvertedFile, Options, Outcome, convert_file};
use serde::{Serialize, Serializer};
use time::OffsetDateTime;

use super::ConvertArgs;
use super::report::Reporter;

pub fn run(args: &ConvertArgs) -> ExitCode {
    let options = Options {
        limits: Limits { max_file_size: args.max_file_size, ..Limits::default() },
        convert: ConvertOptions {
            locale: args.locale.clone(),
            user_id: args.user_id.clone(),
            app_version: args.app_version.clone(),
            app_build: args.app_build.clone(),
            sdk_name: args.sdk_name.clone(),
            attachment: !args.no_attachment,
            all_binaries: args.all_binaries,
        },
    };
    let mut reporter = Reporter::new(args.quiet);
    let mut files = Vec::new();
    for_each_file(&args.paths, |file| files.push(file), |problem| reporter.walk_problem(&problem));

    let now = OffsetDateTime::now_utc();
    let outcomes = files.iter().map(|file: &InputFile| (file, convert_file(&file.path, file.origin, &options)));
    // Every outcome passes the reporter (notices, warnings, errors on
    // stderr); only conversions go on to the output.
    let converted = outcomes.filter_map(|(file, outcome)| {
        reporter.outcome(&outcome);
        match outcome {
            Outcome::Converted(c) => {
                if let Some(warning) = stale_warning(c.timestamp, now) {
                    reporter.warning(&format!("{}: {warning}", c.path.display()));
                }
                Some((file, c))
            }
            _ => None,
        }
    });

    let result = if let Some(dir) = &args.out_dir {
        write_files(dir, converted, args.pretty)
    } else if args.ndjson {
        write_lines(converted)
    } else {
        write_document(converted, args.pretty)
    };
    if let Err(e) = result {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: writing the output: {e}");
        }
        return ExitCode::FAILURE;
    }
    reporter.exit_code()
}

#[derive(Serialize)]
struct Container<T: Serialize> {
    logs: T,
}

/// A JSON array serialized from an iterator as it is pulled, so that a
/// document holding every log of a large batch is never in memory at once.
struct Streamed<I>(RefCell<Option<I>>);

impl<I: Iterator<Item = Log>> Serialize for Streamed<I> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.borrow_mut().take().into_iter().flatten())
    }
}

/// One `{"logs": [...]}` document with every report's logs. Nothing at all
/// is written when no report converted (an empty `logs` is not a valid request).
fn write_document<'a>(
    mut converted: impl Iterator<Item = (&'a InputFile, ConvertedFile)>,
    pretty: bool,
) -> std::io::Result<()> {
    let Some((_, first)) = converted.next() else { return Ok(()) };
    let logs = first.logs.into_iter().chain(converted.flat_map(|(_, c)| c.logs));
    let container = Container { logs: Streamed(RefCell::new(Some(logs))) };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if pretty {
        serde_json::to_writer_pretty(&mut out, &container)?;
    } else {
        serde_json::to_writer(&mut out, &container)?;
    }
    out.write_all(b"\n")?;
    out.flush()
}

/// One compact `{"logs": [...]}` line per report.
fn write_lines<'a>(converted: impl Iterator<Item = (&'a InputFile, ConvertedFile)>) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (_, c) in converted {
        serde_json::to_writer(&mut out, &Container { logs: &c.logs })?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// One file per report, `DIR/<path relative to the input>.json`, each
/// written to a temporary name and renamed, so a reader never sees half a file.
fn write_files<'a>(
    dir: &Path,
    converted: impl Iterator<Item = (&'a InputFile, ConvertedFile)>,
    pretty: bool,
) -> std::io::Result<()> {
    for (file, c) in converted {
        let target = output_path(dir, &file.relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let container = Container { logs: &c.logs };
        let mut bytes = if pretty { serde_json::to_vec_pretty(&container)? } else { serde_json::to_vec(&container)? };
        bytes.push(b'\n');
        let temporary = target.with_extension("json.partial");
        std::fs::write(&temporary, &bytes)?;
        std::fs::rename(&temporary, &target)?;
    }
    Ok(())
}

/// `DIR/a/b.crash.json` for `a/b.crash`.
fn output_path(dir: &Path, relative: &Path) -> PathBuf {
    let mut name = relative.as_os_str().to_os_string();
    name.push(".json");
    dir.join(name)
}
