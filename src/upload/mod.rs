//! Uploading crashes to the App Center ingestion API without losing or
//! duplicating one.
//!
//! Files are prepared (converted, or read as ready-made App Center log
//! JSON and validated) in parallel; requests go one at a time, paced to the
//! service's rate limit ([`pace`]), retried when the failure is passing
//! ([`client`]), and recorded in a journal once acknowledged ([`journal`]),
//! so that an interrupted run resumes where it stopped.

pub mod client;
pub mod endpoint;
pub mod journal;
pub mod pace;
pub mod request;
pub mod secret;

use std::path::{Path, PathBuf};

use reqwest::Url;
use time::OffsetDateTime;

use crate::appcenter::logs::{Log, LogContainer};
use crate::appcenter::validate::validate;
use crate::bulk::convert::{self, Failure, Options, Origin, Outcome};
use crate::bulk::load::{ReadFailure, load};
use crate::error::excerpt;
use client::{Retry, RetryPolicy, Sender, Sent};
use journal::Journal;
use pace::Pacer;
use request::Request;
use secret::AppSecret;

/// One request's worth: an error and its attachments.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The logs.
    pub logs: Vec<Log>,
    /// The error's id.
    pub error_id: String,
    /// The journal key (error id and content hash).
    pub key: String,
    /// When the crash happened, when known.
    pub timestamp: Option<OffsetDateTime>,
}

/// What one input file gives to upload.
#[derive(Debug, Clone)]
pub enum Prepared {
    /// Requests to send.
    Deliveries {
        /// The file.
        path: PathBuf,
        /// One delivery per error.
        deliveries: Vec<Delivery>,
        /// What was dropped or guessed while converting.
        warnings: Vec<String>,
    },
    /// Nothing to send: a report of another kind, or a failure.
    Done(Outcome),
}

/// Reads one file: a crash report is converted; a file of App Center log
/// JSON (`{"logs": [...]}`) is validated and split into one delivery per error.
pub fn prepare_file(path: &Path, origin: Origin, options: &Options) -> Prepared {
    let bytes = match load(path, &options.limits, options.memory_map) {
        Ok(bytes) => bytes,
        Err(ReadFailure::Io(message)) => {
            return Prepared::Done(Outcome::Failed(Failure::Io { path: path.to_path_buf(), message }));
        }
        Err(ReadFailure::Refused(error)) => return Prepared::Done(convert::refused(path, error, origin)),
    };
    if is_log_json(&bytes) {
        return prepare_logs(path, &bytes);
    }
    match convert::convert_bytes(path, &bytes, origin, options) {
        Outcome::Converted(c) => Prepared::Deliveries {
            path: c.path.clone(),
            deliveries: vec![Delivery {
                key: journal::key(&c.error_id, &bytes),
                error_id: c.error_id,
                timestamp: Some(c.timestamp),
                logs: c.logs,
            }],
            warnings: c.warnings,
        },
        other => Prepared::Done(other),
    }
}

/// True for text that starts as `{"logs"` (after white space).
fn is_log_json(bytes: &[u8]) -> bool {
    let text = bytes.trim_ascii_start();
    text.strip_prefix(b"{").is_some_and(|rest| rest.trim_ascii_start().starts_with(b"\"logs\""))
}

fn prepare_logs(path: &Path, bytes: &[u8]) -> Prepared {
    let failure =
        |message: String| Prepared::Done(Outcome::Failed(Failure::InvalidLogs { path: path.to_path_buf(), message }));
    let container: LogContainer = match serde_json::from_slice(bytes) {
        Ok(container) => container,
        Err(e) => return failure(e.to_string()),
    };
    if let Err(problems) = validate(&container) {
        let more = if problems.len() > 5 { format!(" (and {} more)", problems.len() - 5) } else { String::new() };
        return failure(format!("{}{more}", problems.into_iter().take(5).collect::<Vec<_>>().join("; ")));
    }
    // One request per error, with the attachments that name it.
    let mut deliveries: Vec<Delivery> = Vec::new();
    let mut attachments = Vec::new();
    for log in container.logs {
        match error_id_of(&log) {
            Some(id) => {
                deliveries.push(Delivery { error_id: id, key: String::new(), timestamp: None, logs: vec![log] })
            }
            None => attachments.push(log),
        }
    }
    for attachment in attachments {
        let Log::ErrorAttachment(a) = &attachment else { continue };
        match deliveries.iter_mut().find(|d| d.error_id.eq_ignore_ascii_case(&a.error_id)) {
            Some(delivery) => delivery.logs.push(attachment),
            None => {
                let id = a.id.clone();
                deliveries.push(Delivery { error_id: id, key: String::new(), timestamp: None, logs: vec![attachment] });
            }
        }
    }
    for delivery in &mut deliveries {
        let bytes = serde_json::to_vec(&delivery.logs).unwrap_or_default();
        delivery.key = journal::key(&delivery.error_id, &bytes);
        delivery.timestamp = delivery.logs.iter().find_map(timestamp_of);
    }
    Prepared::Deliveries { path: path.to_path_buf(), deliveries, warnings: Vec::new() }
}

fn error_id_of(log: &Log) -> Option<String> {
    match log {
        Log::AppleError(e) => Some(e.id.clone()),
        Log::ManagedError(m) | Log::HandledError(m) => m.get("id").and_then(|v| v.as_str()).map(str::to_string),
        Log::ErrorAttachment(_) => None,
    }
}

fn timestamp_of(log: &Log) -> Option<OffsetDateTime> {
    let text = match log {
        Log::AppleError(e) => e.timestamp.as_str(),
        Log::ErrorAttachment(a) => a.timestamp.as_str(),
        Log::ManagedError(m) | Log::HandledError(m) => m.get("timestamp")?.as_str()?,
    };
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

/// Settings of an upload run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The ingestion endpoint.
    pub endpoint: Url,
    /// The App Secret.
    pub secret: AppSecret,
    /// Crashes a minute at most.
    pub rate_limit: u32,
    /// Retry behaviour.
    pub retry: RetryPolicy,
    /// Send reports older than 25 days with the upload time as timestamp.
    pub restamp: bool,
    /// Send even what the journal says was sent.
    pub force: bool,
}

/// How one delivery went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryResult {
    /// Acknowledged by the service (and journalled).
    Sent {
        /// Attempts it took.
        attempts: u32,
    },
    /// The journal says an earlier run sent it.
    AlreadySent,
    /// Refused by the service (400 or another 4xx); the reason is its answer.
    Rejected(String),
    /// Every attempt failed.
    GaveUp(String),
    /// The App Secret was refused: stop the run.
    Unauthorized(u16),
    /// Acknowledged, but the journal could not record it: stop the run.
    JournalFailed(String),
}

/// Sends deliveries one at a time.
pub struct Uploader {
    settings: Settings,
    sender: Sender,
    journal: Journal,
    pacer: Pacer,
}

impl Uploader {
    /// An uploader writing to `journal`.
    pub fn new(settings: Settings, journal: Journal) -> Result<Uploader, String> {
        let sender = Sender::new(settings.secret.clone(), settings.retry)?;
        let pacer = Pacer::new(settings.rate_limit);
        Ok(Uploader { settings, sender, journal, pacer })
    }

    /// The pacer (for estimates of the time left).
    pub fn pacer(&self) -> &Pacer {
        &self.pacer
    }

    /// Sends one delivery, unless the journal has it; records it once acknowledged.
    pub fn upload(&mut self, delivery: &Delivery, path: &Path, on_retry: impl FnMut(&Retry)) -> DeliveryResult {
        if !self.settings.force && self.journal.contains(&delivery.key) {
            return DeliveryResult::AlreadySent;
        }
        let logs = prepared_logs(delivery, self.settings.restamp, OffsetDateTime::now_utc());
        let request = match Request::new(&self.settings.endpoint, self.journal.install_id(), &logs) {
            Ok(request) => request,
            Err(e) => return DeliveryResult::GaveUp(format!("cannot build the request: {e}")),
        };
        match self.sender.send(&request, &mut self.pacer, on_retry) {
            Sent::Accepted { attempts, .. } => match self.journal.record(&delivery.key, &delivery.error_id, path) {
                Ok(()) => DeliveryResult::Sent { attempts },
                Err(e) => DeliveryResult::JournalFailed(e.to_string()),
            },
            Sent::Rejected { status, body } => DeliveryResult::Rejected(format!("HTTP {status}: {body}")),
            Sent::Unauthorized { status } => DeliveryResult::Unauthorized(status),
            Sent::GaveUp { last, attempts } => DeliveryResult::GaveUp(format!("{last} (after {attempts} attempts)")),
        }
    }
}

/// The requests a dry run would send, described for a person.
pub fn describe_delivery(delivery: &Delivery, settings: &Settings, install_id: &str) -> String {
    let logs = prepared_logs(delivery, settings.restamp, OffsetDateTime::now_utc());
    match Request::new(&settings.endpoint, install_id, &logs) {
        Ok(request) => request.describe(&settings.secret, &logs),
        Err(e) => format!("(cannot build the request: {e})\n"),
    }
}

/// The logs as they will be sent: with `restamp`, a crash App Center would
/// drop for age gets the upload time as its timestamp (the attached report
/// keeps the original time).
fn prepared_logs(delivery: &Delivery, restamp: bool, now: OffsetDateTime) -> Vec<Log> {
    let stale = delivery.timestamp.is_some_and(|t| crate::appcenter::stale_warning(t, now).is_some());
    if !(restamp && stale) {
        return delivery.logs.clone();
    }
    let stamp = crate::model::timestamp::format_utc_millis(now);
    delivery
        .logs
        .iter()
        .cloned()
        .map(|mut log| {
            match &mut log {
                Log::AppleError(e) => e.timestamp = stamp.clone(),
                Log::ErrorAttachment(a) => a.timestamp = stamp.clone(),
                Log::ManagedError(m) | Log::HandledError(m) => {
                    m.insert("timestamp".into(), serde_json::Value::String(stamp.clone()));
                }
            }
            log
        })
        .collect()
}

/// A short description of a retry, for progress output.
pub fn describe_retry(retry: &Retry) -> String {
    format!(
        "attempt {} failed ({}); trying again in {:.1} s",
        retry.attempt,
        excerpt(&retry.problem, 80),
        retry.wait.as_secs_f64()
    )
}
