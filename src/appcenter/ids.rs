//! Deterministic log ids.
//!
//! The same report must always give the same ids, so that a re-run (or the
//! `.ips` and text forms of one crash) is recognised by App Center as the
//! same error rather than a second crash.

use uuid::Uuid;

use crate::model::Report;

/// crashport's UUIDv5 namespace (a fixed random UUID).
pub const NAMESPACE: Uuid = uuid::uuid!("5d1f8e4a-93c2-4b7e-a6d0-2f8c71e94b35");

/// The error id: the report's incident identifier as an upper-case dashed
/// UUID; a report without a valid one gets a UUIDv5 of its bytes.
pub fn error_id(report: &Report<'_>, original: &[u8]) -> String {
    let id = report
        .incident_id
        .as_deref()
        .and_then(|text| Uuid::try_parse(text.trim()).ok())
        .filter(|uuid| !uuid.is_nil())
        .unwrap_or_else(|| Uuid::new_v5(&NAMESPACE, original));
    upper(id)
}

/// The attachment id: a UUIDv5 of the error id.
pub fn attachment_id(error_id: &str) -> String {
    upper(Uuid::new_v5(&NAMESPACE, error_id.as_bytes()))
}

fn upper(id: Uuid) -> String {
    id.hyphenated().encode_upper(&mut Uuid::encode_buffer()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incident_ids_are_normalised() {
        let mut report =
            Report { incident_id: Some("356753ac-2172-45dc-977a-11f2328980d0".into()), ..Report::default() };
        assert_eq!(error_id(&report, b"x"), "356753AC-2172-45DC-977A-11F2328980D0");
        report.incident_id = Some("not-a-uuid".into());
        let a = error_id(&report, b"report bytes");
        assert_eq!(a, error_id(&report, b"report bytes"));
        assert_ne!(a, error_id(&report, b"other bytes"));
        assert_eq!(Uuid::parse_str(&a).unwrap().get_version_num(), 5);
        assert_eq!(attachment_id(&a), attachment_id(&a));
        assert_ne!(attachment_id(&a), a);
    }
}
