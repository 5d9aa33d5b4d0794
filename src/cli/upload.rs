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
use crashport::upload::sentry::Sentry;
use crashport::upload::{self, Destination, Mode, Settings};

use super::progress::{Job, Reporter};
use super::{Target, UploadArgs, usage_error};

pub fn run(args: &UploadArgs) -> ExitCode {
    let event_options = match args.sentry.event_options() {
        Ok(options) => options,
        Err(message) => return usage_error(&message),
    };
    match args.sentry.to {
        Target::Appcenter => app_center(args),
        Target::Sentry => {
            let Some(dsn) = &args.dsn else {
                return usage_error("the DSN is missing: give --dsn or set SENTRY_DSN");
            };
            let sentry = match Sentry::new(dsn, event_options, !args.conversion.no_attachment) {
                Ok(sentry) => sentry,
                Err(e) => return usage_error(&e.to_string()),
            };
            let fingerprint = sentry.credential_fingerprint();
            deliver(args, sentry.journal_scope(), Some(fingerprint), args.rate_limit.unwrap_or(0), |_| sentry)
        }
    }
}

fn app_center(args: &UploadArgs) -> ExitCode {
    let endpoint = match parse_endpoint(&args.endpoint) {
        Ok(endpoint) => endpoint,
        Err(message) => return usage_error(&message),
    };
    let rate_limit = args.rate_limit.unwrap_or(appcenter::MAX_RATE);
    if appcenter::is_app_center(&endpoint) && rate_limit > appcenter::MAX_RATE {
        return usage_error(&format!(
            "--rate-limit {rate_limit} is over App Center's {max} crashes a minute: it keeps {max} and drops the rest without an error; a compatible service at another --endpoint may go faster",
            max = appcenter::MAX_RATE
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
    let scope = format!("appcenter {endpoint}");
    let fingerprint = secret.as_ref().map(AppSecret::fingerprint);
    let install_id = args.install_id.clone();
    deliver(args, scope, fingerprint, rate_limit, move |kept| AppCenter {
        endpoint,
        secret: secret.unwrap_or_else(AppSecret::placeholder),
        install_id: install_id
            .or(kept.map(str::to_string))
            .unwrap_or_else(|| "(a new id, kept in the journal on the first upload)".to_string()),
    })
}

/// Runs the delivery core with the destination `make` builds (it is given
/// the Install-ID the journal keeps, when there is one).
fn deliver<D: Destination>(
    args: &UploadArgs,
    scope: String,
    fingerprint: Option<String>,
    rate_limit: u32,
    make: impl FnOnce(Option<&str>) -> D,
) -> ExitCode {
    let retry = match retry_policy(args) {
        Ok(retry) => retry,
        Err(message) => return usage_error(&message),
    };
    let now = match super::now() {
        Ok(now) => now,
        Err(message) => return usage_error(&message),
    };
    // The journal: named, or the default one of this destination and its
    // credentials (a dry run without credentials reads none).
    let default_journal = fingerprint.as_deref().map(|f| Journal::default_path(&scope, f));
    let journal_path: Option<PathBuf> = args.journal.clone().or(default_journal);
    if let Err(message) = args.conversion.dsym.check() {
        return usage_error(&message);
    }
    let mut options = args.conversion.options();
    let jobs = args.run.jobs();
    let mut reporter = Reporter::new(args.run.verbosity(), if args.dry_run { Job::Plan } else { Job::Upload }, jobs);
    options.symbols = args.conversion.dsym.open(|message| reporter.notice(message));
    let stop = super::signals::install();
    let settings = Settings {
        inputs: &args.paths,
        options: &options,
        jobs,
        rate_limit,
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
        let destination = make(contents.install_id.as_deref());
        reporter.destination(destination.max_age_days(), rate_limit, journal_path.as_deref());
        reporter.start(None);
        let mode = Mode::Plan { sent: contents.sent, show_requests: args.show_requests };
        upload::run(&destination, &settings, mode, &mut reporter)
    } else {
        let Some(path) = journal_path else { return usage_error("no journal to record what is sent") };
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
        let destination = make(Some(journal.install_id()));
        reporter.destination(destination.max_age_days(), rate_limit, Some(&path));
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
