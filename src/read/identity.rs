//! A report's incident identifier, found without reading the report.
//!
//! Finding the copies of one crash in a folder (an `.ips` and its `.crash`,
//! the two copies of an `.xccrashpoint`) must not cost a full read of every
//! file: the incident identifier stands near the top of every form (the
//! text header's `Incident Identifier:`, the `.ips` header line's
//! `incident_id`, the body's `incident`), so the first kilobytes are
//! searched for it. A file whose identifier is found this way but that is
//! not a readable crash is sorted out by the full read that picks among the
//! copies.

use uuid::Uuid;

/// How far into a file the identifier is looked for. Text reports have it
/// on their first line; `.ips` bodies after a kilobyte of process facts; a
/// ticket may put some prose before a pasted report.
pub const SEARCH_BYTES: usize = 16 * 1024;

/// How much is looked at first: text reports and `.ips` header lines give
/// the identifier in their first lines, and most reports are searched no
/// further (a quick look at thousands of files is mostly the copying of
/// their heads).
pub const FIRST_LOOK: usize = 4 * 1024;

/// Whether an identifier not in `head` may still come further on: not
/// when `head` holds a text report past its header (its exception or its
/// threads), where the identifier would have stood before.
pub fn may_follow(head: &[u8]) -> bool {
    const PAST_THE_HEADER: [&[u8]; 3] = [b"\nException Type:", b"\nCrashed Thread:", b"\nThread 0"];
    !PAST_THE_HEADER.iter().any(|marker| memchr::memmem::find(head, marker).is_some())
}

/// The incident identifier in the first [`SEARCH_BYTES`] of `bytes`, as a
/// UUID (the form crash ids are made of); `None` when there is none, or it
/// is not a valid UUID (such a report's id is a hash of its bytes, unique
/// to the file).
pub fn incident_id(bytes: &[u8]) -> Option<Uuid> {
    let head = &bytes[..bytes.len().min(SEARCH_BYTES)];
    const KEYS: [&[u8]; 3] = [b"Incident Identifier:", b"\"incident_id\"", b"\"incident\""];
    KEYS.iter().filter_map(|key| value_after(head, key)).find_map(|value| Uuid::try_parse_ascii(value).ok())
}

/// The 36 or 32 characters of a UUID after `key`, skipping blanks, a colon
/// and a quote.
fn value_after<'a>(head: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let at = memchr::memmem::find(head, key)? + key.len();
    let rest = &head[at..];
    let start = rest.iter().position(|b| !matches!(b, b' ' | b'\t' | b':' | b'"'))?;
    let rest = &rest[start..];
    let len = rest.iter().take_while(|b| b.is_ascii_hexdigit() || **b == b'-').count();
    (len == 36 || len == 32).then(|| &rest[..len])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_gives_its_id() {
        let id = "6156848E-344E-4D9E-84E0-87AFD0D0AE7B";
        let want = Uuid::try_parse(id).ok();
        assert_eq!(incident_id(format!("Incident Identifier: {id}\nProcess: X [1]\n").as_bytes()), want);
        assert_eq!(incident_id(format!("{{\"bug_type\":\"309\",\"incident_id\":\"{id}\"}}\n{{}}").as_bytes()), want);
        assert_eq!(incident_id(format!("{{\n  \"incident\" : \"{id}\",\n}}").as_bytes()), want);
        assert_eq!(incident_id(b"Process: X [1]\nIncident Identifier: not-a-uuid\n"), None);
        assert_eq!(incident_id(b"no id here"), None);
    }

    #[test]
    fn a_text_header_without_an_id_ends_the_search() {
        assert!(!may_follow(b"Process: X [1]\nPath: /X\n\nException Type: EXC_CRASH\n"));
        assert!(may_follow(b"{\"bug_type\":\"309\"}\n{\n  \"procName\" : \"X\",\n"));
        assert!(may_follow(b"Some words of a ticket before the report.\n"));
    }
}
