//! Sending requests, retrying what can be retried.
//!
//! What an answer means is the destination's call ([`Answer`]); what to do
//! about it is the same everywhere: a passing problem (5xx, 408, 429,
//! timeouts, connections refused or reset) is retried with exponential
//! backoff (half fixed, half random, as App Center's SDKs do), honouring the
//! wait the service asks for; a refusal fails that crash; refused
//! credentials stop the run. Every wait can be cut short by a signal.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::destination::{Answer, Destination};
use super::pace::Pacer;
use super::request::Request;

/// How retries go.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// The first wait (doubling after each failure).
    pub first_delay: Duration,
    /// The longest wait between attempts.
    pub max_delay: Duration,
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// Time allowed for one attempt (connecting, sending, the response).
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            max_retries: 6,
            timeout: Duration::from_secs(30),
        }
    }
}

/// How a request ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// The service took it.
    Accepted {
        /// Attempts made.
        attempts: u32,
    },
    /// The service refused this crash: not retried.
    Rejected(String),
    /// The credentials were refused: the run must stop.
    Unauthorized(String),
    /// Every attempt failed with a passing problem.
    GaveUp {
        /// The last problem.
        last: String,
        /// Attempts made.
        attempts: u32,
        /// True when no attempt reached the service at all (connection
        /// refused, no route, name not resolved): the endpoint is dead for
        /// every crash, not only this one.
        unreachable: bool,
    },
    /// A signal asked the run to stop before the request went through.
    Interrupted,
}

/// One failed attempt that will be retried, for progress messages.
#[derive(Debug, Clone)]
pub struct Retry {
    /// What went wrong.
    pub problem: String,
    /// How long until the next attempt.
    pub wait: Duration,
    /// The attempt that failed (1 for the first).
    pub attempt: u32,
}

/// Why a client could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The certificate authority file is unreadable or not PEM.
    #[error("{}: {message}", path.display())]
    CaCert {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The HTTP client could not be built.
    #[error("cannot set up the HTTP client: {0}")]
    Build(String),
}

/// Sends requests over one reused connection pool. Proxies come from the
/// environment (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`), as curl and most
/// tools read them.
pub struct Sender {
    client: reqwest::blocking::Client,
    policy: RetryPolicy,
}

impl Sender {
    /// A sender with `policy`, trusting the system's certificate
    /// authorities and, when given, those of the PEM file `ca_cert` (a
    /// self-hosted service's private authority).
    pub fn new(policy: RetryPolicy, ca_cert: Option<&Path>) -> Result<Sender, ClientError> {
        // reqwest is built with rustls and no crypto provider of its own;
        // ring is installed once per process (later calls are no-ops).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::blocking::Client::builder()
            .timeout(policy.timeout)
            .connect_timeout(policy.timeout.min(Duration::from_secs(10)))
            .pool_max_idle_per_host(2)
            .user_agent(concat!("crashport/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = ca_cert {
            let error = |message: String| ClientError::CaCert { path: path.to_path_buf(), message };
            let pem = std::fs::read(path).map_err(|e| error(format!("cannot read the certificate: {e}")))?;
            let certificates = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| error(format!("expected PEM certificates, found something else ({e})")))?;
            if certificates.is_empty() {
                return Err(error("expected PEM certificates (-----BEGIN CERTIFICATE-----), found none".into()));
            }
            builder = builder.tls_certs_merge(certificates);
        }
        let client = builder.build().map_err(|e| ClientError::Build(e.to_string()))?;
        Ok(Sender { client, policy })
    }

    /// Sends `request` to `destination`, pacing every attempt with
    /// `pacer`, retrying as the policy allows; `on_retry` hears about each
    /// retry. A non-zero `stop` (a signal's number) ends the waits.
    pub fn send<D: Destination>(
        &self,
        destination: &D,
        request: &Request,
        pacer: &mut Pacer,
        stop: &AtomicUsize,
        mut on_retry: impl FnMut(&Retry),
    ) -> Sent {
        let mut attempt = 0;
        let mut reached = false;
        loop {
            attempt += 1;
            if !sleep_unless_stopped(pacer.wait_needed(Instant::now()), stop) {
                return Sent::Interrupted;
            }
            pacer.sent(request.crashes, Instant::now());
            let (problem, server_wait) = match self.attempt(destination, request) {
                Ok(answer) => {
                    reached = true;
                    match answer {
                        Answer::Accepted => return Sent::Accepted { attempts: attempt },
                        Answer::Rejected(reason) => return Sent::Rejected(reason),
                        Answer::Unauthorized(reason) => return Sent::Unauthorized(reason),
                        Answer::Retry { problem, wait } => (problem, wait),
                    }
                }
                Err(Failure { problem, connected }) => {
                    reached |= connected;
                    (problem, None)
                }
            };
            if attempt > self.policy.max_retries {
                return Sent::GaveUp { last: problem, attempts: attempt, unreachable: !reached };
            }
            let wait = server_wait.map_or_else(|| self.backoff(attempt), |w| w.min(Duration::from_secs(300)));
            on_retry(&Retry { problem, wait, attempt });
            if !sleep_unless_stopped(wait, stop) {
                return Sent::Interrupted;
            }
        }
    }

    /// Half fixed, half random: `d/2 + random(0..d/2)` with `d` doubling
    /// from the first delay up to the cap.
    fn backoff(&self, attempt: u32) -> Duration {
        let doubling = 2u32.saturating_pow(attempt.saturating_sub(1).min(20));
        let delay = self.policy.first_delay.saturating_mul(doubling).min(self.policy.max_delay);
        let half = delay / 2;
        half + half.mul_f64(fastrand::f64())
    }

    fn attempt<D: Destination>(&self, destination: &D, request: &Request) -> Result<Answer, Failure> {
        let mut builder = self.client.post(request.url.clone()).body(request.body.clone());
        for header in &request.headers {
            builder = builder.header(header.name, &header.value);
        }
        let response = builder.send().map_err(describe_error)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        // The body is only read where it is shown; a 2xx body is ignored.
        let body = if (200..300).contains(&status) {
            String::new()
        } else {
            let text = response.text().unwrap_or_default();
            crate::error::excerpt(text.trim(), 300)
        };
        Ok(destination.answer(status, &headers, &body, request))
    }
}

/// A transport failure: what it was, and whether the service was reached
/// at all (a timeout or a reset after connecting says the endpoint lives).
struct Failure {
    problem: String,
    connected: bool,
}

/// Sleeps for `wait` in short steps; false when a signal asked to stop.
fn sleep_unless_stopped(wait: Duration, stop: &AtomicUsize) -> bool {
    let until = Instant::now() + wait;
    loop {
        if stop.load(Ordering::Relaxed) != 0 {
            return false;
        }
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return true;
        }
        std::thread::sleep(left.min(Duration::from_millis(50)));
    }
}

/// The wait a service asks for: `x-ms-retry-after-ms` (App Center), else
/// `Retry-After` in seconds.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let header =
        |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
    header("x-ms-retry-after-ms").map(Duration::from_millis).or_else(|| header("retry-after").map(Duration::from_secs))
}

/// 5xx, 408 (request timeout) and 429 (too many requests) are worth
/// another try; other statuses are final.
pub fn is_retryable(status: u16) -> bool {
    status >= 500 || status == 408 || status == 429
}

/// A transport error in words, without anything from the request headers.
fn describe_error(error: reqwest::Error) -> Failure {
    if error.is_timeout() {
        Failure { problem: "no response within the timeout".to_string(), connected: true }
    } else if error.is_connect() {
        Failure { problem: format!("cannot connect: {}", root_cause(&error)), connected: false }
    } else {
        Failure { problem: format!("the connection failed: {}", root_cause(&error)), connected: true }
    }
}

fn root_cause(error: &dyn std::error::Error) -> String {
    let mut cause = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_a_cap() {
        let policy = RetryPolicy {
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            ..RetryPolicy::default()
        };
        let sender = Sender::new(policy, None).unwrap();
        for (attempt, full) in [(1, 1.0), (2, 2.0), (3, 4.0), (7, 60.0), (30, 60.0)] {
            for _ in 0..20 {
                let wait = sender.backoff(attempt).as_secs_f64();
                assert!(wait >= full / 2.0 - 1e-9 && wait <= full + 1e-9, "attempt {attempt}: {wait}");
            }
        }
        assert!(
            is_retryable(503) && is_retryable(429) && is_retryable(408) && !is_retryable(400) && !is_retryable(404)
        );
    }

    #[test]
    fn a_stop_cuts_a_wait_short() {
        let stop = AtomicUsize::new(0);
        assert!(sleep_unless_stopped(Duration::from_millis(1), &stop));
        stop.store(15, Ordering::Relaxed);
        assert!(!sleep_unless_stopped(Duration::from_secs(3600), &stop));
    }

    #[test]
    fn a_ca_file_that_is_not_pem_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "not a certificate").unwrap();
        let Err(error) = Sender::new(RetryPolicy::default(), Some(&path)) else { panic!("accepted") };
        assert!(error.to_string().starts_with(&path.display().to_string()), "{error}");
    }
}
