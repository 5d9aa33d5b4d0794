//! App Center's ingestion API as a destination.
//!
//! One request per crash: `POST <endpoint>` with the App Secret and the
//! Install ID in headers, and `{"logs": [...]}` (the `appleError` and its
//! attachment) as the body, gzip-compressed from 1400 bytes on, as App
//! Center's SDKs do. Files that already hold App Center log JSON are
//! validated and sent as they are, one request per error.
//!
//! The service keeps 60 crashes a minute per app and drops the rest with a
//! 200; it drops logs older than 25 days the same way. Its answers: 2xx
//! taken; 400 invalid log (the body says why); 401/403 unknown or disabled
//! App Secret; 5xx, 408, 429 passing (with `x-ms-retry-after-ms`).

pub mod endpoint;
pub mod secret;

use reqwest::Url;
use reqwest::header::HeaderMap;
use time::OffsetDateTime;

use super::client::{is_retryable, retry_after};
use super::destination::{Answer, Delivery, Destination, Prepared};
use super::request::{Header, Request};
use crate::appcenter::json;
use crate::appcenter::logs::{Log, LogContainer};
use crate::appcenter::validate::validate;
use crate::bulk::convert::{self, Failure, Options, Outcome};
use crate::bulk::load::{ReadFailure, load};
use crate::bulk::walk::InputFile;
use secret::AppSecret;

/// Bodies of at least this many bytes are sent gzip-compressed.
pub const GZIP_FROM: usize = 1400;

/// App Center keeps no log older than this many days.
pub const MAX_AGE_DAYS: i64 = 25;

/// App Center keeps this many crashes a minute per app, and drops the rest
/// with a 200.
pub const MAX_RATE: u32 = 60;

/// App Center's ingestion service (or one that speaks its API).
#[derive(Debug, Clone)]
pub struct AppCenter {
    /// Where logs go.
    pub endpoint: Url,
    /// The app's App Secret (never printed).
    pub secret: AppSecret,
    /// The `Install-ID` header (kept in the journal between runs).
    pub install_id: String,
}

impl Destination for AppCenter {
    type Payload = Vec<Log>;

    fn name(&self) -> &'static str {
        "App Center"
    }

    fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    fn journal_scope(&self) -> String {
        format!("appcenter {}", self.endpoint)
    }

    fn credential_fingerprint(&self) -> String {
        self.secret.fingerprint()
    }

    fn max_age_days(&self) -> i64 {
        MAX_AGE_DAYS
    }

    fn prepare(&self, input: &InputFile, options: &Options) -> Prepared<Vec<Log>> {
        prepare(input, options)
    }

    fn request(&self, delivery: &Delivery<Vec<Log>>, restamp: Option<OffsetDateTime>) -> Result<Request, String> {
        let logs = restamped(&delivery.payload, restamp);
        let mut body = json::container_json(&logs, false).map_err(|e| format!("cannot write the logs: {e}"))?;
        // The trailing newline is for files, not requests.
        if body.last() == Some(&b'\n') {
            body.pop();
        }
        let headers = vec![
            Header { name: "Content-Type", value: "application/json".to_string(), secret: false },
            Header { name: "App-Secret", value: self.secret.expose().to_string(), secret: true },
            Header { name: "Install-ID", value: self.install_id.clone(), secret: false },
        ];
        Request::new(self.endpoint.clone(), headers, body, GZIP_FROM, crashes(&logs))
            .map_err(|e| format!("cannot compress the request: {e}"))
    }

    fn show(&self, delivery: &Delivery<Vec<Log>>, restamp: Option<OffsetDateTime>) -> String {
        let logs = restamped(&delivery.payload, restamp);
        json::container_json(&logs, true).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default()
    }

    fn answer(&self, status: u16, headers: &HeaderMap, body: &str, _request: &Request) -> Answer {
        match status {
            200..=299 => Answer::Accepted,
            401 | 403 => Answer::Unauthorized(format!(
                "the service refused the App Secret (HTTP {status}): check --app-secret / APPCENTER_APP_SECRET and that the app exists and is enabled"
            )),
            s if is_retryable(s) => Answer::Retry { problem: format!("HTTP {s}"), wait: retry_after(headers) },
            s => Answer::Rejected(format!("HTTP {s}: {body}")),
        }
    }
}

/// How many crashes (errors) a request's logs hold.
fn crashes(logs: &[Log]) -> u32 {
    logs.iter().filter(|log| matches!(log, Log::AppleError(_) | Log::ManagedError(_) | Log::HandledError(_))).count()
        as u32
}

/// The logs as they will be sent: with `restamp`, every log gets that time
/// (the attached report keeps the original).
fn restamped(logs: &[Log], restamp: Option<OffsetDateTime>) -> Vec<Log> {
    let Some(now) = restamp else { return logs.to_vec() };
    let stamp = crate::model::timestamp::format_utc_millis(now);
    logs.iter()
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

/// Reads one input: a crash report is converted; a file of App Center log
/// JSON (`{"logs": [...]}`) is validated and split into one delivery per
/// error.
pub fn prepare(input: &InputFile, options: &Options) -> Prepared<Vec<Log>> {
    let path = &input.path;
    let bytes = match load(&input.source, &options.limits, options.memory_map) {
        Ok(bytes) => bytes,
        Err(ReadFailure::Io(message)) => {
            return Prepared::Done(Outcome::Failed(Failure::Io { path: path.to_path_buf(), message }));
        }
        Err(ReadFailure::Refused(error)) => return Prepared::Done(convert::refused(path, error, input.origin)),
    };
    if is_log_json(&bytes) {
        return prepare_logs(path, &bytes);
    }
    match convert::convert_bytes(path, &bytes, input.origin, options) {
        Outcome::Converted(c) => Prepared::Deliveries {
            path: c.path.clone(),
            deliveries: vec![Delivery { crash_id: c.error_id, timestamp: Some(c.timestamp), payload: c.logs }],
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

fn prepare_logs(path: &std::path::Path, bytes: &[u8]) -> Prepared<Vec<Log>> {
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
    let mut deliveries: Vec<Delivery<Vec<Log>>> = Vec::new();
    let mut attachments = Vec::new();
    for log in container.logs {
        match error_id_of(&log) {
            Some(id) => deliveries.push(Delivery { crash_id: id, timestamp: None, payload: vec![log] }),
            None => attachments.push(log),
        }
    }
    for attachment in attachments {
        let Log::ErrorAttachment(a) = &attachment else { continue };
        match deliveries.iter_mut().find(|d| d.crash_id.eq_ignore_ascii_case(&a.error_id)) {
            Some(delivery) => delivery.payload.push(attachment),
            None => {
                let id = a.id.clone();
                deliveries.push(Delivery { crash_id: id, timestamp: None, payload: vec![attachment] });
            }
        }
    }
    for delivery in &mut deliveries {
        delivery.timestamp = delivery.payload.iter().find_map(timestamp_of);
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

/// True for App Center's own ingestion host, whose limits crashport must
/// keep (a custom endpoint may be a compatible service with other limits).
pub fn is_app_center(endpoint: &Url) -> bool {
    endpoint.host_str().is_some_and(|host| host.eq_ignore_ascii_case("in.appcenter.ms"))
}
