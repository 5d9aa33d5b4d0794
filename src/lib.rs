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
//! The pieces, each in its own module:
//! - [`input`]: bytes to text (BOM, UTF-16, invalid UTF-8, binary files);
//! - [`detect`](crate::Input::parse): which kind of report it is;
//! - [`text`] and [`ips`]: the two readers, producing the [`model`];
//! - [`arch`], [`timestamp`]: architectures and dates as reports write them.

#![warn(missing_docs)]

pub mod appcenter;
pub mod arch;
pub mod batch;
mod detect;
pub mod error;
pub mod input;
pub mod inputs;
pub mod ips;
pub mod kind;
pub mod limits;
pub mod model;
mod normalize;
pub mod pipeline;
pub mod text;
pub mod timestamp;
pub mod upload;

pub use arch::{Arch, CodeType};
pub use error::{Location, ParseError, Warning};
pub use input::Input;
pub use kind::ReportKind;
pub use model::{Frame, Image, Parsed, Report, Skipped, Thread};
