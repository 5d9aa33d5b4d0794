//! What the delivery core needs to know of a destination: how a file
//! becomes crashes to send, how a crash becomes a request, how an answer is
//! read, and the service's limits. Everything else (reading files in
//! parallel, finding copies of one crash, the journal, pacing, retries,
//! dry-run plans, the summary) is the core's, the same for every
//! destination.

use std::path::PathBuf;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::HeaderMap;
use time::OffsetDateTime;

use super::request::Request;
use crate::bulk::convert::{Options, Outcome};
use crate::bulk::walk::InputFile;

/// One crash ready to deliver.
#[derive(Debug, Clone)]
pub struct Delivery<P> {
    /// The crash id: what the journal records and copies share.
    pub crash_id: String,
    /// When the crash happened, when known.
    pub timestamp: Option<OffsetDateTime>,
    /// What the destination sends for it.
    pub payload: P,
}

/// What one input gives to send.
#[derive(Debug, Clone)]
pub enum Prepared<P> {
    /// Crashes to send (usually one).
    Deliveries {
        /// How messages name the input.
        path: PathBuf,
        /// The crashes.
        deliveries: Vec<Delivery<P>>,
        /// What was dropped or guessed while converting.
        warnings: Vec<String>,
    },
    /// Nothing to send: a report of another kind, or a failure.
    Done(Outcome),
}

/// What a service said to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Taken.
    Accepted,
    /// Passing trouble: try again, after the service's own wait when it
    /// gives one.
    Retry {
        /// What went wrong, for messages.
        problem: String,
        /// The wait the service asked for.
        wait: Option<Duration>,
    },
    /// This crash is refused (the run goes on); the reason for people.
    Rejected(String),
    /// The credentials are refused: the run stops; what to check.
    Unauthorized(String),
}

/// A service crashes are delivered to.
pub trait Destination: Sync {
    /// What the destination sends for one crash.
    type Payload: Send + Sync;

    /// Its name for people (`App Center`).
    fn name(&self) -> &'static str;

    /// Where requests go (messages name it; it holds no credential).
    fn endpoint(&self) -> &Url;

    /// What the journal records deliveries against: the service and the
    /// app or project, without credentials.
    fn journal_scope(&self) -> String;

    /// A stable, irreversible tag of the credentials, naming the default
    /// journal (one journal per app).
    fn credential_fingerprint(&self) -> String;

    /// Crashes older than this many days are dropped (or re-stamped) by
    /// the service: they are not sent unless re-stamped.
    fn max_age_days(&self) -> i64;

    /// Turns one input into crashes to send.
    fn prepare(&self, input: &InputFile, options: &Options) -> Prepared<Self::Payload>;

    /// The request for one crash. With `restamp`, the crash's time is
    /// replaced by that time (the original kept where the destination can).
    fn request(&self, delivery: &Delivery<Self::Payload>, restamp: Option<OffsetDateTime>) -> Result<Request, String>;

    /// The request's body as a person reads it (`--show-requests`).
    fn show(&self, delivery: &Delivery<Self::Payload>, restamp: Option<OffsetDateTime>) -> String;

    /// Reads the service's answer to `request`.
    fn answer(&self, status: u16, headers: &HeaderMap, body: &str, request: &Request) -> Answer;
}
