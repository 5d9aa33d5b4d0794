//! Delivering crashes to a service without losing or repeating one.
//!
//! The delivery core ([`run`]) is the same for every destination: files
//! are read and converted in parallel and handed over in input order; the
//! copies of one crash are found first and only the richest is sent; a
//! crash the journal records as acknowledged is not sent again; a crash
//! older than the service keeps is not sent unless re-stamped; requests go
//! one at a time, paced to the service's rate ([`pace`]), retried when the
//! failure is passing ([`client`]), and recorded in the journal once
//! acknowledged ([`journal`]), so that an interrupted run resumes where it
//! stopped. A dry run makes the same decisions and sends nothing.
//!
//! A [`Destination`] says how a file becomes crashes to send, how a crash
//! becomes a request, how an answer is read and what the service's limits
//! are; [`appcenter`] is App Center's.

pub mod appcenter;
pub mod client;
pub mod destination;
pub mod journal;
pub mod pace;
pub mod request;
pub mod sentry;

use std::collections::{BTreeMap, HashSet};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;
use time::OffsetDateTime;

use crate::bulk::convert::{Options, Outcome};
use crate::bulk::copies;
use crate::bulk::ordered::run_ordered;
use crate::bulk::walk::{self, WalkError};
use client::{Retry, Sender, Sent};
pub use destination::{Answer, Delivery, Destination, Prepared};
use journal::Journal;
use pace::Pacer;

/// How a delivery run goes.
#[derive(Debug, Clone, Copy)]
pub struct Settings<'a> {
    /// The files and directories named.
    pub inputs: &'a [PathBuf],
    /// How files are read and converted.
    pub options: &'a Options,
    /// Threads that read and convert.
    pub jobs: usize,
    /// Crashes a minute at most.
    pub rate_limit: u32,
    /// Send crashes older than the service keeps, with `now` as their time.
    pub restamp: bool,
    /// Send what the journal records as sent.
    pub force: bool,
    /// The time of the run (the age of crashes is measured from it).
    pub now: OffsetDateTime,
    /// Set to a signal's number to stop the run at the next crash.
    pub stop: &'a AtomicUsize,
}

/// Whether a run sends, or only says what it would send.
pub enum Mode<'a> {
    /// Send, recording each acknowledged crash in the journal.
    Send {
        /// The HTTP client.
        sender: &'a Sender,
        /// The journal (locked for the run).
        journal: &'a mut Journal,
    },
    /// Send nothing and write nothing.
    Plan {
        /// The crash ids a journal records as sent (none without one).
        sent: HashSet<String>,
        /// Also describe each request (secrets masked).
        show_requests: bool,
    },
}

/// What happened, as it happens, for the person watching.
#[derive(Debug)]
pub enum Event<'a> {
    /// How many inputs the run has.
    Started {
        /// Inputs found (files, archive entries, walk problems).
        inputs: usize,
    },
    /// An input that gives nothing to send: a report of another kind, or a
    /// failure to read or convert it.
    Outcome(&'a Outcome),
    /// A path that could not be walked.
    WalkProblem(&'a WalkError),
    /// Something dropped or guessed while converting (`path: message`).
    Warning(&'a str),
    /// A crash the service acknowledged.
    Sent {
        /// The input.
        path: &'a Path,
        /// The crash id.
        crash_id: &'a str,
        /// Attempts it took.
        attempts: u32,
    },
    /// A crash a dry run would send.
    WouldSend {
        /// The input.
        path: &'a Path,
        /// The crash id.
        crash_id: &'a str,
        /// Sent with the run's time instead of its own (`--restamp`).
        restamped: bool,
        /// The request, described (`--show-requests`).
        request: Option<String>,
    },
    /// A crash the journal records as sent by an earlier run.
    AlreadySent {
        /// The input.
        path: &'a Path,
        /// The crash id.
        crash_id: &'a str,
    },
    /// A copy of a crash that another input of the run carries.
    Duplicate {
        /// The input.
        path: &'a Path,
        /// The input whose copy is kept.
        of: &'a Path,
    },
    /// A crash older than the service keeps, not sent.
    Stale {
        /// The input.
        path: &'a Path,
        /// Its age in days.
        age_days: i64,
    },
    /// A crash sent with the run's time instead of its own.
    Restamped {
        /// The input.
        path: &'a Path,
        /// Its age in days.
        age_days: i64,
    },
    /// A crash that was not delivered.
    Failed {
        /// The input.
        path: &'a Path,
        /// Why.
        reason: &'a str,
    },
    /// A passing failure, retried.
    Retrying {
        /// The input.
        path: &'a Path,
        /// The failure and the wait.
        retry: &'a Retry,
    },
    /// Where the run stands.
    Progress {
        /// Inputs handled.
        done: usize,
        /// Inputs in all.
        total: usize,
        /// The time the crashes still to send take at the rate limit.
        left: Duration,
    },
    /// The run cannot go on (credentials refused, endpoint unreachable,
    /// journal not writable).
    Stopped(&'a str),
}

/// Hears a run's events.
pub trait Observer {
    /// One event.
    fn event(&mut self, event: Event<'_>);
}

/// What a run did.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Summary {
    /// Inputs handled.
    pub inputs: usize,
    /// Crashes acknowledged.
    pub sent: usize,
    /// Crashes a dry run would send.
    pub would_send: usize,
    /// Crashes the journal records as sent.
    pub already_sent: usize,
    /// Copies of crashes other inputs carry.
    pub duplicates: usize,
    /// Crashes older than the service keeps, not sent.
    pub stale: usize,
    /// Crashes sent with the run's time.
    pub restamped: usize,
    /// Inputs skipped, by kind.
    pub skipped: BTreeMap<&'static str, usize>,
    /// Inputs or crashes that failed (path, reason).
    pub failed: Vec<(PathBuf, String)>,
    /// Why the run stopped early, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    /// The signal that interrupted the run, when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interrupted: Option<usize>,
    /// For a dry run: how long sending would take at the rate limit.
    pub send_time_seconds: f64,
}

impl Summary {
    /// True when every crash was delivered (or needed no delivery): no
    /// failure, no stale crash left behind, no early stop.
    pub fn complete(&self) -> bool {
        self.failed.is_empty() && self.stale == 0 && self.stopped.is_none() && self.interrupted.is_none()
    }
}

/// How often a progress event is sent at most.
const PROGRESS_EVERY: Duration = Duration::from_millis(200);

/// Delivers the crashes of `settings.inputs` to `destination`.
pub fn run<D: Destination>(
    destination: &D,
    settings: &Settings<'_>,
    mut mode: Mode<'_>,
    observer: &mut dyn Observer,
) -> Summary {
    let mut summary = Summary::default();
    let inputs = walk::collect(settings.inputs);
    let total = inputs.len();
    observer.event(Event::Started { inputs: total });
    let copies = copies::find(&inputs, settings.options, settings.jobs);
    let mut pacer = Pacer::new(settings.rate_limit);
    let mut seen: HashSet<String> = HashSet::new();
    let mut last_progress = Instant::now();
    let max_age = destination.max_age_days();
    let jobs = settings.jobs.max(1);
    run_ordered(
        inputs,
        jobs,
        jobs * 4,
        |item| item.map(|input| destination.prepare(&input, settings.options)),
        |index, prepared| {
            if settings.stop.load(Ordering::Relaxed) != 0 {
                return ControlFlow::Break(());
            }
            summary.inputs += 1;
            let flow = match prepared {
                Err(problem) => {
                    summary.failed.push((problem.path.clone(), problem.message.clone()));
                    observer.event(Event::WalkProblem(&problem));
                    ControlFlow::Continue(())
                }
                Ok(Prepared::Done(outcome)) => {
                    match &outcome {
                        Outcome::Skipped(s) => *summary.skipped.entry(s.kind.id()).or_default() += 1,
                        Outcome::Failed(f) => summary.failed.push((f.path().to_path_buf(), f.reason())),
                        Outcome::Converted(_) => {}
                    }
                    observer.event(Event::Outcome(&outcome));
                    ControlFlow::Continue(())
                }
                Ok(Prepared::Deliveries { path, deliveries, warnings }) => {
                    if let Some(kept) = copies.duplicate_of(index) {
                        summary.duplicates += deliveries.len();
                        observer.event(Event::Duplicate { path: &path, of: kept });
                        ControlFlow::Continue(())
                    } else {
                        for warning in &warnings {
                            observer.event(Event::Warning(warning));
                        }
                        let mut flow = ControlFlow::Continue(());
                        for delivery in &deliveries {
                            flow = deliver(
                                destination,
                                settings,
                                &mut mode,
                                &path,
                                delivery,
                                max_age,
                                &mut seen,
                                &mut pacer,
                                &mut summary,
                                observer,
                            );
                            if flow.is_break() {
                                break;
                            }
                        }
                        flow
                    }
                }
            };
            if last_progress.elapsed() >= PROGRESS_EVERY {
                last_progress = Instant::now();
                let left = pacer.estimate(u32::try_from(total.saturating_sub(summary.inputs)).unwrap_or(u32::MAX));
                observer.event(Event::Progress { done: summary.inputs, total, left });
            }
            flow
        },
    );
    let signal = settings.stop.load(Ordering::Relaxed);
    if signal != 0 {
        summary.interrupted = Some(signal);
    }
    summary.send_time_seconds = pacer.estimate(u32::try_from(summary.would_send).unwrap_or(u32::MAX)).as_secs_f64();
    summary
}

/// Sends (or plans) one crash; breaks when the run must stop.
#[allow(clippy::too_many_arguments)]
fn deliver<D: Destination>(
    destination: &D,
    settings: &Settings<'_>,
    mode: &mut Mode<'_>,
    path: &Path,
    delivery: &Delivery<D::Payload>,
    max_age: i64,
    seen: &mut HashSet<String>,
    pacer: &mut Pacer,
    summary: &mut Summary,
    observer: &mut dyn Observer,
) -> ControlFlow<()> {
    let crash_id = delivery.crash_id.as_str();
    // Within the run: files of ready-made logs may repeat an id.
    if !seen.insert(crash_id.to_ascii_uppercase()) {
        summary.duplicates += 1;
        observer.event(Event::Duplicate { path, of: path });
        return ControlFlow::Continue(());
    }
    let already = match mode {
        Mode::Send { journal, .. } => journal.contains(crash_id),
        Mode::Plan { sent, .. } => sent.contains(&crash_id.to_ascii_uppercase()),
    };
    if already && !settings.force {
        summary.already_sent += 1;
        observer.event(Event::AlreadySent { path, crash_id });
        return ControlFlow::Continue(());
    }
    let age_days = delivery.timestamp.map_or(0, |t| (settings.now - t).whole_days());
    let stale = age_days > max_age;
    if stale && !settings.restamp {
        summary.stale += 1;
        observer.event(Event::Stale { path, age_days });
        return ControlFlow::Continue(());
    }
    let restamp = stale.then_some(settings.now);
    if stale {
        summary.restamped += 1;
        observer.event(Event::Restamped { path, age_days });
    }
    match mode {
        Mode::Plan { show_requests, .. } => {
            summary.would_send += 1;
            let request = show_requests.then(|| match destination.request(delivery, restamp) {
                Ok(request) => request.describe(&destination.show(delivery, restamp)),
                Err(e) => format!("(cannot build the request: {e})\n"),
            });
            observer.event(Event::WouldSend { path, crash_id, restamped: stale, request });
            ControlFlow::Continue(())
        }
        Mode::Send { sender, journal } => {
            let request = match destination.request(delivery, restamp) {
                Ok(request) => request,
                Err(reason) => {
                    summary.failed.push((path.to_path_buf(), reason.clone()));
                    observer.event(Event::Failed { path, reason: &reason });
                    return ControlFlow::Continue(());
                }
            };
            let sent = sender.send(destination, &request, pacer, settings.stop, |retry| {
                observer.event(Event::Retrying { path, retry })
            });
            match sent {
                Sent::Accepted { attempts } => match journal.record(crash_id, path) {
                    Ok(()) => {
                        summary.sent += 1;
                        observer.event(Event::Sent { path, crash_id, attempts });
                        ControlFlow::Continue(())
                    }
                    Err(e) => stop(
                        summary,
                        observer,
                        format!(
                            "{}: sent, but {e}; stopped so that a rerun does not send crashes twice",
                            path.display()
                        ),
                    ),
                },
                Sent::Rejected(reason) => {
                    let reason = format!("rejected by the service: {reason}");
                    summary.failed.push((path.to_path_buf(), reason.clone()));
                    observer.event(Event::Failed { path, reason: &reason });
                    ControlFlow::Continue(())
                }
                Sent::Unauthorized(reason) => stop(summary, observer, format!("{reason}; nothing more was sent")),
                Sent::GaveUp { last, attempts, unreachable: true } => stop(
                    summary,
                    observer,
                    format!(
                        "cannot reach {} ({last}, {attempts} attempts); stopped: every other crash would wait as long",
                        destination.endpoint()
                    ),
                ),
                Sent::GaveUp { last, attempts, unreachable: false } => {
                    let reason = format!("not sent: {last} (after {attempts} attempts)");
                    summary.failed.push((path.to_path_buf(), reason.clone()));
                    observer.event(Event::Failed { path, reason: &reason });
                    ControlFlow::Continue(())
                }
                Sent::Interrupted => ControlFlow::Break(()),
            }
        }
    }
}

fn stop(summary: &mut Summary, observer: &mut dyn Observer, reason: String) -> ControlFlow<()> {
    observer.event(Event::Stopped(&reason));
    summary.stopped = Some(reason);
    ControlFlow::Break(())
}

/// A short description of a retry, for progress output.
pub fn describe_retry(retry: &Retry) -> String {
    format!(
        "attempt {} failed ({}); trying again in {:.1} s",
        retry.attempt,
        crate::error::excerpt(&retry.problem, 80),
        retry.wait.as_secs_f64()
    )
}
