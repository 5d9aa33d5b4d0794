//! Deterministic log ids.
//!
//! The same report must always give the same ids, so that a re-run (or the
//! `.ips` and text forms of one crash) is recognised by App Center as the
//! same error rather than a second crash.

use crate::model::Report;
pub use crate::model::crash_id::{NAMESPACE, uuid_v5};
use crate::model::crash_id::{crash_id, upper};

/// The error id: the crash id ([`crate::model::crash_id`]).
pub fn error_id(report: &Report<'_>, original: &[u8]) -> String {
    crash_id(report, original)
}

/// The attachment id: a UUIDv5 of the error id.
pub fn attachment_id(error_id: &str) -> String {
    upper(uuid_v5(&NAMESPACE, error_id.as_bytes()))
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    #[test]
    fn attachment_ids_follow_error_ids() {
        let a = error_id(&Report::default(), b"report bytes");
        assert_eq!(attachment_id(&a), attachment_id(&a));
        assert_ne!(attachment_id(&a), a);
        assert_eq!(Uuid::parse_str(&attachment_id(&a)).unwrap().get_version_num(), 5);
    }
}
