//! `crashport dsyms`: which debug files each report needs, and which of
//! them were found (as `sentry-cli debug-files check` does for uploads).

use std::io::Write;
use std::process::ExitCode;

use crashport::bulk::convert::{Options, Read, read_file};
use crashport::bulk::walk::walk;
use crashport::symbolicate::{DebugFiles, ImageStatus, ReportStatus, status};
use serde::Serialize;

use super::{DsymsArgs, usage_error};

/// One line of `dsyms --json`.
#[derive(Serialize)]
struct Record<'a> {
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    images: Option<Vec<&'a ImageStatus>>,
    /// True when an image of the app with a frame in the crashed thread
    /// has no debug file.
    #[serde(skip_serializing_if = "Option::is_none")]
    crashed_app_image_missing: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    skipped: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

pub fn run(args: &DsymsArgs) -> ExitCode {
    if let Err(message) = args.dsym.check() {
        return usage_error(&message);
    }
    let mut err = std::io::stderr().lock();
    let files = DebugFiles::open(&args.dsym.dsyms, args.dsym.symcache_dir.clone());
    for error in files.index().errors() {
        let _ = writeln!(err, "warning: {error}");
    }
    let options = Options { limits: args.size.limits(), memory_map: true, ..Options::default() };
    let mut out = std::io::stdout().lock();
    let (mut reports, mut failed, mut incomplete) = (0usize, 0usize, 0usize);
    let (mut needed, mut found) = (0usize, 0usize);
    for item in walk(&args.paths) {
        let input = match item {
            Ok(input) => input,
            Err(problem) => {
                failed += 1;
                let _ = writeln!(err, "error: {problem}");
                continue;
            }
        };
        let path = input.path.display().to_string();
        let mut record = Record { path, images: None, crashed_app_image_missing: None, skipped: None, error: None };
        let text = match read_file(&input, &options, |report, _| status(&report, &files)) {
            Read::Crash(report_status) => {
                reports += 1;
                needed += report_status.images.len();
                found += report_status.images.len() - report_status.missing().count();
                let missing = report_status.crashed_app_image_missing();
                incomplete += usize::from(missing);
                if args.json {
                    record.images = Some(shown(&report_status, args.missing_only));
                    record.crashed_app_image_missing = Some(missing);
                    json_line(&record)
                } else {
                    person_view(&record.path, &report_status, args.missing_only)
                }
            }
            Read::Skipped(skipped) => {
                if args.json {
                    record.skipped = Some(skipped.kind.reason());
                    json_line(&record)
                } else {
                    format!("{}\n  skipped: {}\n", record.path, skipped.kind.reason())
                }
            }
            Read::Failed(failure) => {
                failed += 1;
                let _ = writeln!(err, "error: {failure}");
                if !args.json {
                    continue;
                }
                record.error = Some(failure.reason());
                json_line(&record)
            }
        };
        if out.write_all(text.as_bytes()).is_err() {
            break;
        }
    }
    let _ = out.flush();
    if !args.quiet {
        let _ = writeln!(
            err,
            "crashport: {reports} report(s): {found} of {needed} image(s) with a debug file; {incomplete} report(s) whose crashed thread has app frames without one; {failed} failed"
        );
    }
    if failed > 0 || (args.require_all && incomplete > 0) { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

fn shown(status: &ReportStatus, missing_only: bool) -> Vec<&ImageStatus> {
    status.images.iter().filter(|i| !missing_only || i.debug_file.is_none()).collect()
}

/// A report's images as aligned lines: name, UUID, architecture, what
/// lands in it, and the debug file or `missing`.
fn person_view(path: &str, status: &ReportStatus, missing_only: bool) -> String {
    let images = shown(status, missing_only);
    let mut out = format!("{path}\n");
    if images.is_empty() {
        out.push_str(if missing_only { "  nothing missing\n" } else { "  no image with a frame\n" });
        return out;
    }
    let rows: Vec<[String; 5]> = images
        .iter()
        .map(|image| {
            let mut what = if image.app { "app, ".to_string() } else { String::new() };
            what.push_str(&match (image.frames, image.crashed_thread_frames) {
                (1, 0) => "1 frame".to_string(),
                (n, 0) => format!("{n} frames"),
                (n, c) => format!("{n} frame{} ({c} crashed)", if n == 1 { "" } else { "s" }),
            });
            [
                image.name.clone().unwrap_or_else(|| "???".to_string()),
                image.uuid.map_or_else(|| "(no UUID)".to_string(), |u| u.hyphenated().to_string()),
                image.arch.map_or("?", |a| a.name()).to_string(),
                what,
                image.debug_file.as_ref().map_or_else(|| "missing".to_string(), |f| f.path.clone()),
            ]
        })
        .collect();
    let width = |column: usize| rows.iter().map(|r| r[column].chars().count()).max().unwrap_or(0);
    let (name, uuid, arch, what) = (width(0), width(1), width(2), width(3));
    for [n, u, a, w, file] in &rows {
        out.push_str(&format!("  {n:<name$}  {u:<uuid$}  {a:<arch$}  {w:<what$}  {file}\n"));
    }
    out
}

fn json_line(record: &Record<'_>) -> String {
    let mut line = serde_json::to_string(record).unwrap_or_default();
    line.push('\n');
    line
}
