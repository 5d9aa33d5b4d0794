//! The App Center side: log types ([`logs`]) and the mapping from the crash
//! model to them ([`convert`]).
//!
//! The mapping reads only [`crate::model`]; it never sees report syntax.
//! Field by field it follows `docs/APPCENTER.md` (and, where that is silent, what
//! Microsoft's Apple SDK sends for a PLCrashReporter report).

mod compact;
mod convert;
mod format;
mod ids;
pub mod json;
pub mod logs;
pub mod validate;

pub use convert::{ConvertError, ConvertOptions, Converted, convert, stale_warning};
pub use ids::{NAMESPACE, attachment_id, error_id, uuid_v5};
