//! The crash id: one id for one crash, whatever file or form it came in.
//!
//! Every consumer that must recognise a crash met twice (the journal of
//! uploads, App Center's error id, Sentry's event id, triage's counts) uses
//! this id, so that the `.ips` and the `.crash` of one incident, or a file
//! read twice, are one crash to all of them.

use uuid::Uuid;

use super::Report;

/// crashport's UUIDv5 namespace (a fixed random UUID).
pub const NAMESPACE: Uuid = uuid::uuid!("5d1f8e4a-93c2-4b7e-a6d0-2f8c71e94b35");

/// The crash id: the report's incident identifier as an upper-case dashed
/// UUID; a report without a valid one gets a UUIDv5 of its bytes.
pub fn crash_id(report: &Report<'_>, original: &[u8]) -> String {
    let id = report
        .incident_id
        .as_deref()
        .and_then(|text| Uuid::try_parse(text.trim()).ok())
        .filter(|uuid| !uuid.is_nil())
        .unwrap_or_else(|| uuid_v5(&NAMESPACE, original));
    upper(id)
}

/// A version 5 (SHA-1, name-based) UUID, as RFC 4122 defines it. The `sha1`
/// crate uses the CPU's SHA instructions where it has them: a report without
/// an incident id is hashed whole, so this is on the path of every such file.
pub fn uuid_v5(namespace: &Uuid, name: &[u8]) -> Uuid {
    use sha1::{Digest, Sha1};
    let mut hasher = Sha1::new();
    hasher.update(namespace.as_bytes());
    hasher.update(name);
    let digest = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_sha1_bytes(bytes).into_uuid()
}

/// A UUID as upper-case dashed text.
pub fn upper(id: Uuid) -> String {
    id.hyphenated().encode_upper(&mut Uuid::encode_buffer()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v5_matches_rfc_4122() {
        // The example of the uuid crate's own tests (and of RFC 4122 tools).
        let id = uuid_v5(&Uuid::NAMESPACE_DNS, b"example.org");
        assert_eq!(id.to_string(), "aad03681-8b63-5304-89e0-8ca8f49461b5");
    }

    #[test]
    fn incident_ids_are_normalised() {
        let mut report =
            Report { incident_id: Some("356753ac-2172-45dc-977a-11f2328980d0".into()), ..Report::default() };
        assert_eq!(crash_id(&report, b"x"), "356753AC-2172-45DC-977A-11F2328980D0");
        report.incident_id = Some("not-a-uuid".into());
        let a = crash_id(&report, b"report bytes");
        assert_eq!(a, crash_id(&report, b"report bytes"));
        assert_ne!(a, crash_id(&report, b"other bytes"));
        assert_eq!(Uuid::parse_str(&a).unwrap().get_version_num(), 5);
    }
}
