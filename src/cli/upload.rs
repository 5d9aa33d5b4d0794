//! `crashport upload`: the flags turned into a destination and the delivery
//! core's settings; the core does the rest.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use crashport::upload::appcenter::endpoint::parse_endpoint;
use crashport::upload::appcenter::secret::AppSecret;
use crashport::upload::appcenter::{self, AppCenter};
use crashport::upload::client::{RetryPolicy, Sender};
use crashport::upload::journal::{self, Journal};
use crashport::upload::{self, Destination, Mode, Settings};

use super::progress::{Job, Reporter};
use super::{UploadArgs, usage_error};

pub fn run(args: &UploadArgs) -> ExitCode {
    let endpoint = match parse_endpoint(&args.endpoint) {
        Ok(endpoint) => endpoint,
        Err(message) => return usage_error(&message),
    };
    if appcenter::is_app_center(&endpoint) && args.rate_limit > appcenter::MAX_RATE {
        return usage_error(&format!(
            "--rate-limit {} is over App Center's {} crashes a minute: it keeps {} and drops the rest without an error; a compatible service at another --endpoint may go faster",
            args.rate_limit,
            appcenter::MAX_RATE,
            appcenter::MAX_RATE
        ));
    }
    let secret = match (&args.app_secret, args.dry_run) {
        (Some(text), _) => match AppSecret::parse(text) {
            Ok(secret) => Some(secret),
            Err(message) => return usage_error(&message),
        },
        (None, true) => None,
        (None, false) => {
            return usage_error(
                "the App Secret is missing: give --app-secret or set APPCENTER_APP_SECRET (a dry run, --dry-run, needs none)",
            );
        }
    };
    if let Some(id) = &args.install_id
        && uuid::Uuid::try_parse(id).is_err()
    {
        return usage_error(&format!("--install-id `{id}` is not a UUID"));
    }
    let retry = match retry_policy(args) {
        Ok(retry) => retry,
        Err(message) => return usage_error(&message),
    };
    let now = match super::now() {
        Ok(now) => now,
        Err(message) => return usage_error(&message),
    };

    // The journal: named, or the default one of this endpoint and secret (a
    // dry run without a secret reads none).
    let scope = format!("appcenter {endpoint}");
    let default_journal = secret.as_ref().map(|s| Journal::default_path(&scope, &s.fingerprint()));
    let journal_path: Option<PathBuf> = args.journal.clone().or(default_journal);
    let options = args.conversion.options();
    let jobs = args.run.jobs();
    let mut reporter = Reporter::new(args.run.verbosity(), if args.dry_run { Job::Plan } else { Job::Upload }, jobs);
    let stop = super::signals::install();
    let settings = Settings {
        inputs: &args.paths,
        options: &options,
        jobs,
        rate_limit: args.rate_limit,
        restamp: args.restamp,
        force: args.force,
        now,
        stop: &stop,
    };

    let summary = if args.dry_run {
        let contents = match journal_path.as_deref().map(journal::read).transpose() {
            Ok(contents) => contents.unwrap_or_default(),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
        let install_id = args
            .install_id
            .clone()
            .or(contents.install_id)
            .unwrap_or_else(|| "(a new id, kept in the journal on the first upload)".to_string());
        let destination = AppCenter { endpoint, secret: secret.unwrap_or_else(AppSecret::placeholder), install_id };
        reporter.destination(destination.max_age_days(), args.rate_limit, journal_path.as_deref());
        reporter.start(None);
        let mode = Mode::Plan { sent: contents.sent, show_requests: args.show_requests };
        upload::run(&destination, &settings, mode, &mut reporter)
    } else {
        let Some(secret) = secret else { return usage_error("the App Secret is missing") };
        let Some(path) = journal_path else { return usage_error("no journal") };
        let mut journal = match Journal::open(&path, &scope, args.install_id.as_deref(), args.journal.is_none()) {
            Ok(journal) => journal,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
        if journal.skipped_lines > 0 {
            reporter.notice(&format!(
                "{}: {} unreadable line(s) ignored (a run killed while writing)",
                journal.path().display(),
                journal.skipped_lines
            ));
        }
        let sender = match Sender::new(retry, args.ca_cert.as_deref()) {
            Ok(sender) => sender,
            Err(e) => return usage_error(&e.to_string()),
        };
        let destination = AppCenter { endpoint, secret, install_id: journal.install_id().to_string() };
        reporter.destination(destination.max_age_days(), args.rate_limit, Some(&path));
        reporter.start(None);
        let mode = Mode::Send { sender: &sender, journal: &mut journal };
        upload::run(&destination, &settings, mode, &mut reporter)
    };
    reporter.ended(&summary);
    reporter.finish(args.run.summary_json.as_deref(), args.run.fail_on_empty)
}

fn retry_policy(args: &UploadArgs) -> Result<RetryPolicy, String> {
    let seconds = |value: f64, name: &str| {
        if value.is_finite() && (0.0..=3600.0).contains(&value) {
            Ok(Duration::from_secs_f64(value))
        } else {
            Err(format!("{name} must be a number of seconds between 0 and 3600"))
        }
    };
    Ok(RetryPolicy {
        first_delay: seconds(args.retry_delay, "--retry-delay")?,
        max_delay: Duration::from_secs(60),
        max_retries: args.max_retries,
        timeout: seconds(args.timeout, "--timeout")?.max(Duration::from_millis(1)),
    })
}
