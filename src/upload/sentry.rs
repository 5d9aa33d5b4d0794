//! Sentry as a destination (sentry.io or a self-hosted Sentry).
//!
//! One envelope per crash, `POST {scheme}://{host}/api/{project}/envelope/`,
//! authenticated by the DSN's public key in `X-Sentry-Auth`: the event
//! (built by [`crate::sentry`]) and the original report as an attachment
//! item. The event id comes from the crash id, so a crash sent twice is one
//! event: Sentry keeps the first event of an id and drops the others.
//!
//! Sentry's answers: 200 with the event id; 429 with `Retry-After` and
//! `X-Sentry-Rate-Limits` (waited out); 413 the envelope is too large (that
//! crash fails, with its size); 401/403 the key or the project is refused
//! (the run stops); 5xx and dropped connections are retried.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::HeaderMap;
use sentry_types::Dsn;
use time::OffsetDateTime;

use super::client::{is_retryable, retry_after};
use super::destination::{Answer, Delivery, Destination, Prepared};
use super::request::{Header, Request};
use crate::bulk::convert::{self, Failure, Options, Outcome};
use crate::bulk::walk::InputFile;
use crate::sentry::{EventOptions, MAX_AGE_DAYS, SentryEvent, event};

/// Envelopes of at least this many bytes are sent gzip-compressed.
pub const GZIP_FROM: usize = 1400;

/// One crash for Sentry: its event, and the original report to attach.
#[derive(Debug, Clone)]
pub struct Crash {
    /// The event.
    pub event: SentryEvent,
    /// The report's file name, for the attachment.
    pub file_name: String,
    /// The report as read (scrubbed with `--scrub`).
    pub report: Vec<u8>,
}

/// A Sentry project, reached through its DSN.
#[derive(Debug, Clone)]
pub struct Sentry {
    dsn: Dsn,
    endpoint: Url,
    /// What the events carry besides the report.
    pub options: EventOptions,
    /// Attach the original report.
    pub attachment: bool,
}

/// A DSN that cannot be used; the message never repeats the key.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct DsnError(String);

impl Sentry {
    /// Reads a DSN (`https://KEY@o1.ingest.sentry.io/42`). Plain `http` is
    /// accepted only to this machine: the key would cross the network in
    /// clear.
    pub fn new(dsn: &str, options: EventOptions, attachment: bool) -> Result<Sentry, DsnError> {
        let parsed = Dsn::from_str(dsn.trim()).map_err(|e| {
            DsnError(format!(
                "the DSN is not one Sentry gives (https://KEY@HOST/PROJECT): {}",
                e.to_string().replace(dsn.trim(), "…")
            ))
        })?;
        let endpoint =
            super::appcenter::endpoint::parse_endpoint(parsed.envelope_api_url().as_str()).map_err(|message| {
                DsnError(message.replace("the endpoint", "the DSN's host").replace("App Secret", "DSN's key"))
            })?;
        Ok(Sentry { dsn: parsed, endpoint, options, attachment })
    }

    /// The DSN's key: for the auth header only.
    fn auth(&self) -> String {
        self.dsn.to_auth(Some(concat!("crashport/", env!("CARGO_PKG_VERSION")))).to_string()
    }

    /// The envelope of one crash: the event item, then the attachment.
    pub fn envelope(&self, crash: &Crash, restamp: Option<OffsetDateTime>) -> Vec<u8> {
        envelope(crash, restamp)
    }
}

/// Reads one input and makes its event (also what `convert --to sentry`
/// prints); the original report is kept for the attachment when
/// `attachment`.
pub fn crash(input: &InputFile, options: &Options, event_options: &EventOptions, attachment: bool) -> Prepared<Crash> {
    let path = &input.path;
    let read = convert::read_file(input, options, |report, bytes| {
        let crash_id = crate::model::crash_id::crash_id(&report, bytes);
        let event = event(&report, &crash_id, event_options).map_err(|error| error.to_string())?;
        let warnings: Vec<String> = report.warnings.iter().map(|w| crate::error::located(path, w)).collect();
        let report = if attachment { bytes.to_vec() } else { Vec::new() };
        Ok((crash_id, event, warnings, report))
    });
    let (crash_id, event, warnings, report) = match read {
        convert::Read::Crash(Ok(made)) => made,
        convert::Read::Crash(Err(message)) => {
            return Prepared::Done(Outcome::Failed(Failure::Event { path: path.to_path_buf(), message }));
        }
        convert::Read::Skipped(skipped) => return Prepared::Done(Outcome::Skipped(skipped)),
        convert::Read::Failed(failure) => return Prepared::Done(Outcome::Failed(failure)),
    };
    let file_name = path.file_name().map_or_else(|| "report.crash".to_string(), |n| n.to_string_lossy().into_owned());
    let timestamp = event.timestamp;
    Prepared::Deliveries {
        path: path.to_path_buf(),
        deliveries: vec![Delivery {
            crash_id,
            timestamp: Some(timestamp),
            payload: Crash { event, file_name, report },
        }],
        warnings,
    }
}

/// The envelope of one crash: the event item, then the attachment.
fn envelope(crash: &Crash, restamp: Option<OffsetDateTime>) -> Vec<u8> {
    let mut event = crash.event.clone();
    if let Some(now) = restamp {
        restamp_event(&mut event, now);
    }
    let payload = serde_json::to_vec(&event.json).unwrap_or_default();
    let sent_at = crate::model::timestamp::format_utc_millis(OffsetDateTime::now_utc());
    let mut out = Vec::with_capacity(payload.len() + crash.report.len() + 512);
    let header = serde_json::json!({ "event_id": event.event_id, "sent_at": sent_at });
    out.extend_from_slice(header.to_string().as_bytes());
    out.push(b'\n');
    let item = serde_json::json!({ "type": "event", "length": payload.len() });
    out.extend_from_slice(item.to_string().as_bytes());
    out.push(b'\n');
    out.extend_from_slice(&payload);
    out.push(b'\n');
    if !crash.report.is_empty() {
        let json = crash.report.trim_ascii_start().starts_with(b"{");
        let item = serde_json::json!({
            "type": "attachment",
            "length": crash.report.len(),
            "filename": crash.file_name,
            "content_type": if json { "application/json" } else { "text/plain" },
            "attachment_type": "event.attachment",
        });
        out.extend_from_slice(item.to_string().as_bytes());
        out.push(b'\n');
        out.extend_from_slice(&crash.report);
        out.push(b'\n');
    }
    out
}

/// The event with `now` as its time; its own time goes to `extra.crash_time`
/// (Sentry moves events over 30 days old to their arrival time anyway).
fn restamp_event(event: &mut SentryEvent, now: OffsetDateTime) {
    let original = crate::model::timestamp::format_utc_millis(event.timestamp);
    let seconds = now.unix_timestamp_nanos() as f64 / 1e9;
    event.json["timestamp"] = serde_json::json!(seconds);
    if !event.json["extra"].is_object() {
        event.json["extra"] = serde_json::json!({});
    }
    event.json["extra"]["crash_time"] = serde_json::Value::String(original);
}

impl Destination for Sentry {
    type Payload = Crash;

    fn name(&self) -> &'static str {
        "Sentry"
    }

    fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    fn journal_scope(&self) -> String {
        format!("sentry {}", self.endpoint)
    }

    fn credential_fingerprint(&self) -> String {
        use sha1::{Digest, Sha1};
        crate::hex::encode_bytes(&Sha1::digest(format!("crashport journal {}", self.dsn.public_key()).as_bytes())[..6])
    }

    fn max_age_days(&self) -> i64 {
        MAX_AGE_DAYS
    }

    fn prepare(&self, input: &InputFile, options: &Options) -> Prepared<Crash> {
        crash(input, options, &self.options, self.attachment)
    }

    fn request(&self, delivery: &Delivery<Crash>, restamp: Option<OffsetDateTime>) -> Result<Request, String> {
        let headers = vec![
            Header { name: "Content-Type", value: "application/x-sentry-envelope".to_string(), secret: false },
            Header { name: "X-Sentry-Auth", value: self.auth(), secret: true },
        ];
        Request::new(self.endpoint.clone(), headers, self.envelope(&delivery.payload, restamp), GZIP_FROM, 1)
            .map_err(|e| format!("cannot compress the request: {e}"))
    }

    fn show(&self, delivery: &Delivery<Crash>, restamp: Option<OffsetDateTime>) -> String {
        let mut event = delivery.payload.event.clone();
        if let Some(now) = restamp {
            restamp_event(&mut event, now);
        }
        let mut shown = serde_json::to_string_pretty(&event.json).unwrap_or_default();
        if !delivery.payload.report.is_empty() {
            shown.push_str(&format!(
                "\n(attachment: {}, {} bytes)",
                delivery.payload.file_name,
                delivery.payload.report.len()
            ));
        }
        shown
    }

    fn answer(&self, status: u16, headers: &HeaderMap, body: &str, request: &Request) -> Answer {
        match status {
            200..=299 => Answer::Accepted,
            401 | 403 => Answer::Unauthorized(format!(
                "Sentry refused the DSN (HTTP {status}: {body}): check --dsn / SENTRY_DSN, its key and its project"
            )),
            413 => Answer::Rejected(format!(
                "too large for Sentry: the envelope is {} bytes (HTTP 413: {body})",
                request.body.len()
            )),
            429 => Answer::Retry { problem: "HTTP 429 (rate limited)".to_string(), wait: rate_limited(headers) },
            s if is_retryable(s) => Answer::Retry { problem: format!("HTTP {s}"), wait: retry_after(headers) },
            s => Answer::Rejected(format!("HTTP {s}: {body}")),
        }
    }
}

/// The wait a 429 asks for: the longest `X-Sentry-Rate-Limits` quota on
/// errors (or on every category), else `Retry-After`, else a minute (what
/// Sentry's SDKs assume).
fn rate_limited(headers: &HeaderMap) -> Option<Duration> {
    let quotas = headers.get("x-sentry-rate-limits").and_then(|v| v.to_str().ok()).map(|text| {
        text.split(',')
            .filter_map(|quota| {
                let mut fields = quota.trim().split(':');
                let seconds: u64 = fields.next()?.trim().parse().ok()?;
                let categories = fields.next().unwrap_or("");
                let applies = categories.is_empty() || categories.split(';').any(|c| c == "error" || c == "default");
                applies.then_some(seconds)
            })
            .max()
    });
    match quotas.flatten() {
        Some(seconds) => Some(Duration::from_secs(seconds)),
        None => retry_after(headers).or(Some(Duration::from_secs(60))),
    }
}

/// Parses `--tag key=value` arguments.
pub fn parse_tags(tags: &[String]) -> Result<BTreeMap<String, String>, String> {
    tags.iter()
        .map(|tag| match tag.split_once('=') {
            Some((key, value)) if !key.trim().is_empty() => Ok((key.trim().to_string(), value.to_string())),
            _ => Err(format!("--tag `{tag}`: expected key=value")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limits_wait_the_longest_quota_on_errors() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-sentry-rate-limits",
            "60:transaction:key, 2700:default;error;security:organization".parse().unwrap(),
        );
        assert_eq!(rate_limited(&headers), Some(Duration::from_secs(2700)));
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", "7".parse().unwrap());
        assert_eq!(rate_limited(&headers), Some(Duration::from_secs(7)));
        assert_eq!(rate_limited(&HeaderMap::new()), Some(Duration::from_secs(60)));
    }

    #[test]
    fn dsns_are_checked_without_repeating_the_key() {
        let sentry = Sentry::new(
            "https://0123456789abcdef0123456789abcdef@o1.ingest.sentry.io/42",
            EventOptions::default(),
            true,
        )
        .unwrap();
        assert_eq!(sentry.endpoint().as_str(), "https://o1.ingest.sentry.io/api/42/envelope/");
        assert!(!sentry.journal_scope().contains("0123456789abcdef"));
        let error =
            Sentry::new("http://0123456789abcdef0123456789abcdef@sentry.example.com/42", EventOptions::default(), true)
                .unwrap_err();
        assert!(!error.to_string().contains("0123456789abcdef"), "{error}");
        let error = Sentry::new("not a dsn with secretkey", EventOptions::default(), true).unwrap_err();
        assert!(!error.to_string().contains("secretkey"), "{error}");
        assert_eq!(parse_tags(&["a=b".into()]).unwrap()["a"], "b");
        assert!(parse_tags(&["=b".into()]).is_err());
    }
}
