//! crashport reads Apple crash reports — legacy text `.crash` files of every
//! era and JSON `.ips` files — into one crash model, and turns them into App
//! Center crash logs.
//!
//! ```
//! let bytes = b"Incident Identifier: 6156848E-344E-4D9E-84E0-87AFD0D0AE7B\n\
//! Process:             TouchCanvas [1052]\n\
//! Exception Type:  EXC_BAD_ACCESS (SIGSEGV)\n\
//! Triggered by Thread:  0\n\n\
//! Thread 0 Crashed:\n\
//! 0   TouchCanvas   0x0000000102268e70 0x10211c000 + 1363568\n";
//! let input = crashport::Input::from_bytes(bytes)?;
//! match input.parse()? {
//!     crashport::Parsed::Crash(report) => {
//!         assert_eq!(report.process.name.as_deref(), Some("TouchCanvas"));
//!         assert_eq!(report.crashed_thread().unwrap().frames[0].address, 0x102268e70);
//!     }
//!     crashport::Parsed::Skipped(skipped) => println!("{}", skipped.reason()),
//! }
//! # Ok::<(), crashport::ParseError>(())
//! ```
//!
//! The pieces, in the order a report goes through them:
//! - [`read`]: bytes to the [`model`] (decoding, detection by content, the
//!   text and `.ips` readers, frames tied to images);
//! - [`model`]: the crash as one format-neutral description, with
//!   [`print`](mod@print) beside it for people;
//! - [`symbolicate`](mod@symbolicate): frames named from dSYMs and binaries
//!   (model in, model out);
//! - [`appcenter`]: the model to App Center logs, and their JSON;
//! - [`sentry`]: the model to a Sentry event;
//! - [`triage`]: many crashes as a few distinct ones;
//! - [`bulk`]: folders of files, in parallel, in input order;
//! - [`upload`]: sending the logs without losing or repeating a crash.

#![warn(missing_docs)]

pub mod appcenter;
pub mod bulk;
pub mod error;
pub mod hex;
pub mod limits;
pub mod model;
pub mod print;
pub mod read;
pub mod scrub;
pub mod sentry;
pub mod symbolicate;
pub mod triage;
pub mod upload;

pub use error::{Location, ParseError, Warning};
pub use model::{Frame, Image, Parsed, Report, ReportKind, Skipped, Thread};
pub use read::Input;
