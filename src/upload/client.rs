//! Sending requests, retrying what can be retried.
//!
//! 5xx, 408, 429, timeouts and connection errors are retried with
//! exponential backoff (half fixed, half random, as App Center's SDKs do),
//! honouring `x-ms-retry-after-ms` and `Retry-After`. A 400 fails the
//! report (its body says why); 401 and 403 mean the App Secret is refused
//! and stop the run; any other 4xx fails the report.

use std::time::{Duration, Instant};

use super::pace::Pacer;
use super::request::Request;
use super::secret::AppSecret;

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
    /// The service took it (2xx).
    Accepted {
        /// The status.
        status: u16,
        /// Attempts made.
        attempts: u32,
    },
    /// The service refused this report (400 or another 4xx): not retried.
    Rejected {
        /// The status.
        status: u16,
        /// The response body (shortened), which says why.
        body: String,
    },
    /// The App Secret was refused (401, 403): the run must stop.
    Unauthorized {
        /// The status.
        status: u16,
    },
    /// Every attempt failed with a retryable problem.
    GaveUp {
        /// The last problem.
        last: String,
        /// Attempts made.
        attempts: u32,
    },
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

/// Sends requests over one reused connection pool.
pub struct Sender {
    client: reqwest::blocking::Client,
    secret: AppSecret,
    policy: RetryPolicy,
}

impl Sender {
    /// A sender with `policy`, authenticating with `secret`.
    pub fn new(secret: AppSecret, policy: RetryPolicy) -> Result<Sender, String> {
        // reqwest is built with rustls and no crypto provider of its own;
        // ring is installed once per process (later calls are no-ops).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::blocking::Client::builder()
            .timeout(policy.timeout)
            .connect_timeout(policy.timeout.min(Duration::from_secs(10)))
            .pool_max_idle_per_host(2)
            .user_agent(concat!("crashport/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot set up the HTTP client: {e}"))?;
        Ok(Sender { client, secret, policy })
    }

    /// Sends `request`, pacing every attempt with `pacer`, retrying as the
    /// policy allows; `on_retry` hears about each retry.
    pub fn send(&self, request: &Request, pacer: &mut Pacer, mut on_retry: impl FnMut(&Retry)) -> Sent {
        let mut attempt = 0;
        loop {
            attempt += 1;
            pacer.wait();
            pacer.sent(request.crashes, Instant::now());
            let (problem, server_wait) = match self.attempt(request) {
                Ok((status, _)) if (200..300).contains(&status) => return Sent::Accepted { status, attempts: attempt },
                Ok((status @ (401 | 403), _)) => return Sent::Unauthorized { status },
                Ok((status, response)) if is_retryable(status) => (format!("HTTP {status}"), response.retry_after),
                Ok((status, response)) => return Sent::Rejected { status, body: response.body },
                Err(problem) => (problem, None),
            };
            if attempt > self.policy.max_retries {
                return Sent::GaveUp { last: problem, attempts: attempt };
            }
            let wait = server_wait.unwrap_or_else(|| self.backoff(attempt));
            on_retry(&Retry { problem, wait, attempt });
            std::thread::sleep(wait);
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

    fn attempt(&self, request: &Request) -> Result<(u16, Response), String> {
        let mut builder = self.client.post(request.url.clone()).body(request.body.clone());
        for (name, value) in request.headers(&self.secret) {
            builder = builder.header(name, value);
        }
        let response = builder.send().map_err(describe_error)?;
        let status = response.status().as_u16();
        let retry_after = retry_after(response.headers());
        // The body is only read where it is shown; a 2xx body is ignored.
        let body = if (200..300).contains(&status) {
            String::new()
        } else {
            let text = response.text().unwrap_or_default();
            crate::error::excerpt(text.trim(), 300)
        };
        Ok((status, Response { body, retry_after }))
    }
}

struct Response {
    body: String,
    retry_after: Option<Duration>,
}

/// 5xx, 408 (request timeout) and 429 (too many requests) are worth
/// another try; other statuses are final.
fn is_retryable(status: u16) -> bool {
    status >= 500 || status == 408 || status == 429
}

/// The service's own wait: `x-ms-retry-after-ms` (App Center), else
/// `Retry-After` in seconds. Capped at five minutes.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let header =
        |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
    let wait = header("x-ms-retry-after-ms")
        .map(Duration::from_millis)
        .or_else(|| header("retry-after").map(Duration::from_secs))?;
    Some(wait.min(Duration::from_secs(300)))
}

/// A transport error in words, without anything from the request headers.
fn describe_error(error: reqwest::Error) -> String {
    if error.is_timeout() {
        "no response within the timeout".to_string()
    } else if error.is_connect() {
        format!("cannot connect: {}", root_cause(&error))
    } else {
        format!("the connection failed: {}", root_cause(&error))
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
        let secret = AppSecret::parse("0b9c5d43-7b1a-4f8e-9a47-6f1d2c3b4a59").unwrap();
        let sender = Sender::new(secret, policy).unwrap();
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
}
