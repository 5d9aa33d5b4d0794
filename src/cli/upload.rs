//! `crashport upload`: convert and send, one request per crash, paced,
//! retried, journalled.

use std::ops::ControlFlow;
use std::process::ExitCode;
use std::time::Duration;

use crashport::appcenter::stale_warning;
use crashport::bulk::ordered::run_ordered;
use crashport::bulk::walk;
use crashport::upload::client::RetryPolicy;
use crashport::upload::endpoint::parse_endpoint;
use crashport::upload::journal::Journal;
use crashport::upload::secret::AppSecret;
use crashport::upload::{
    DeliveryResult, Prepared, Settings, Uploader, describe_delivery, describe_retry, prepare_file,
};
use time::OffsetDateTime;

use super::UploadArgs;
use super::progress::Reporter;

pub fn run(args: &UploadArgs) -> ExitCode {
    let settings = match settings(args) {
        Ok(settings) => settings,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let journal_path = args
        .journal
        .clone()
        .unwrap_or_else(|| Journal::default_path(settings.endpoint.as_str(), &settings.secret.fingerprint()));
    let options = args.conversion.options();
    let jobs = args.run.jobs();
    let mut reporter = Reporter::new(args.run.verbosity(), jobs);

    // A dry run writes nothing, not even a journal.
    let (mut uploader, install_id) = if args.dry_run {
        let kept = Journal::peek_install_id(&journal_path);
        (
            None,
            args.install_id
                .clone()
                .or(kept)
                .unwrap_or_else(|| "(a new id, kept in the journal on the first upload)".to_string()),
        )
    } else {
        let journal = match Journal::open(&journal_path, settings.endpoint.as_str(), args.install_id.as_deref()) {
            Ok(journal) => journal,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
        if journal.skipped_lines > 0 {
            reporter.warning(&format!(
                "{}: {} unreadable line(s) ignored (a run killed while writing)",
                journal.path().display(),
                journal.skipped_lines
            ));
        }
        let install_id = journal.install_id().to_string();
        match Uploader::new(settings.clone(), journal) {
            Ok(uploader) => (Some(uploader), install_id),
            Err(message) => {
                eprintln!("error: {message}");
                return ExitCode::FAILURE;
            }
        }
    };

    // Counted first: the pacing estimate needs to know what is left.
    let total = walk::count(&args.paths);
    reporter.start(Some(total), "uploading");
    let now = OffsetDateTime::now_utc();
    let mut remaining = u32::try_from(total).unwrap_or(u32::MAX);
    run_ordered(
        walk::walk(&args.paths),
        jobs,
        jobs * 4,
        |item| item.map(|file| prepare_file(&file.path, file.origin, &options)),
        |_, prepared| {
            remaining = remaining.saturating_sub(1);
            let prepared = match prepared {
                Ok(prepared) => prepared,
                Err(problem) => {
                    reporter.walk_problem(&problem);
                    reporter.tick();
                    return ControlFlow::Continue(());
                }
            };
            let flow = match prepared {
                Prepared::Done(outcome) => {
                    reporter.outcome(&outcome);
                    ControlFlow::Continue(())
                }
                Prepared::Deliveries { path, deliveries, warnings } => {
                    for warning in &warnings {
                        reporter.warning(warning);
                    }
                    let mut flow = ControlFlow::Continue(());
                    for delivery in &deliveries {
                        if let Some(stale) = delivery.timestamp.and_then(|t| stale_warning(t, now)) {
                            let note = if settings.restamp { "; sent with the upload time (--restamp)" } else { "" };
                            reporter.warning(&format!("{}: {stale}{note}", path.display()));
                        }
                        let Some(uploader) = uploader.as_mut() else {
                            reporter.stdout(&describe_delivery(delivery, &settings, &install_id));
                            continue;
                        };
                        if let Some(eta) = Some(uploader.pacer().estimate(remaining)).filter(|d| !d.is_zero()) {
                            reporter.message(format!("(at least {} left at {}/min)", human(eta), settings.rate_limit));
                        }
                        let result =
                            uploader.upload(delivery, &path, |retry| reporter.retrying(&path, &describe_retry(retry)));
                        flow = report(&mut reporter, &path, &delivery.error_id, result);
                        if flow.is_break() {
                            break;
                        }
                    }
                    reporter.count_file();
                    flow
                }
            };
            reporter.tick();
            flow
        },
    );
    if args.dry_run {
        reporter.warning("dry run: nothing was sent and no journal was written");
    }
    reporter.finish(args.run.summary_json.as_deref(), "sent")
}

/// Tells the reporter how a delivery went; breaks the run when it cannot go on.
fn report(reporter: &mut Reporter, path: &std::path::Path, error_id: &str, result: DeliveryResult) -> ControlFlow<()> {
    match result {
        DeliveryResult::Sent { attempts } => reporter.sent(path, error_id, attempts),
        DeliveryResult::AlreadySent => reporter.already_sent(path),
        DeliveryResult::Rejected(reason) => reporter.upload_failed(path, &format!("rejected by the service: {reason}")),
        DeliveryResult::GaveUp(reason) => reporter.upload_failed(path, &format!("not sent: {reason}")),
        DeliveryResult::Unauthorized(status) => {
            reporter.fatal(&format!(
                "the service refused the App Secret (HTTP {status}): check --app-secret / APPCENTER_APP_SECRET and that the app exists and is enabled; nothing more was sent"
            ));
            return ControlFlow::Break(());
        }
        DeliveryResult::JournalFailed(reason) => {
            reporter.fatal(&format!(
                "{}: sent, but {reason}; stopped so that a rerun does not send reports twice",
                path.display()
            ));
            return ControlFlow::Break(());
        }
    }
    ControlFlow::Continue(())
}

fn settings(args: &UploadArgs) -> Result<Settings, String> {
    let secret = AppSecret::parse(&args.app_secret)?;
    let endpoint = parse_endpoint(&args.endpoint)?;
    if let Some(id) = &args.install_id {
        uuid::Uuid::try_parse(id).map_err(|_| format!("--install-id `{id}` is not a UUID"))?;
    }
    let seconds = |value: f64, name: &str| {
        if value.is_finite() && (0.0..=3600.0).contains(&value) {
            Ok(Duration::from_secs_f64(value))
        } else {
            Err(format!("{name} must be a number of seconds between 0 and 3600"))
        }
    };
    Ok(Settings {
        endpoint,
        secret,
        rate_limit: args.rate_limit,
        retry: RetryPolicy {
            first_delay: seconds(args.retry_delay, "--retry-delay")?,
            max_delay: Duration::from_secs(60),
            max_retries: args.max_retries,
            timeout: seconds(args.timeout, "--timeout")?.max(Duration::from_millis(1)),
        },
        restamp: args.restamp,
        force: args.force,
    })
}

fn human(duration: Duration) -> String {
    let seconds = duration.as_secs();
    match seconds {
        0..60 => format!("{seconds} s"),
        60..3600 => format!("{} min", seconds.div_ceil(60)),
        _ => format!("{:.1} h", seconds as f64 / 3600.0),
    }
}
