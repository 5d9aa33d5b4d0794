//! Triage: a pile of crash reports as a few distinct crashes.
//!
//! After a test run, QA does not want six hundred reports but "these are
//! seven crashes; this one is new in build 42; this one hit thirty
//! devices". Each crash gets a [`Signature`] (what stays the same between
//! crashes of one bug: the exception and the app's top frames, names in one
//! normal form), crashes with one signature are one [`Group`], and a
//! [`Triage`] counts them as they come without keeping any report. The rule
//! is documented in docs/TRIAGE.md and versioned ([`signature::VERSION`]):
//! group ids from one version compare with ids from another run of it.
//!
//! Like every consumer of reports, triage reads only [`crate::model`];
//! symbolicate reports first ([`crate::symbolicate`]) for names from dSYMs.

mod groups;
pub mod signature;

pub use groups::{
    AppVersion, Baseline, BaselineComparison, BaselineError, Counted, CrashFacts, FailedFile, Group, Summary, Triage,
    VersionCount, compare_versions,
};
pub use signature::{Signature, normal_name};
