//! What `crashport summary` makes of a file: bytes -> `bulk::convert::read_bytes`
//! -> crash id, `CrashFacts` (signature, normal names, device, version, OS)
//! -> a `Triage` of it, finished into a `Summary`, printed as a table and as
//! JSON; plus the quick incident-id look (`read::identity::incident_id`,
//! `may_follow`) `bulk::copies` makes on the raw bytes.
//!
//! The low bit of the first byte picks the short or full name style.
#![no_main]

use std::path::Path;

use crashport::bulk::convert::{Options, Origin, Read, read_bytes};
use crashport::model::crash_id::crash_id;
use crashport::print::triage::{TableOptions, table};
use crashport::read::identity::{FIRST_LOOK, incident_id, may_follow};
use crashport::symbolicate::{NameStyle, Names};
use crashport::triage::{CrashFacts, Triage};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // As `bulk::copies` looks: the first kilobytes, then further when the
    // identifier may still follow.
    let head = &data[..data.len().min(FIRST_LOOK)];
    if incident_id(head).is_none() && may_follow(head) {
        let _ = incident_id(data);
    }

    let style = if data.first().is_some_and(|b| b & 1 == 1) { NameStyle::Full } else { NameStyle::Short };
    let names = Names::new(style);
    let path = Path::new("f.crash");
    let read = read_bytes(path, data, Origin::Walked, &Options::default(), |report, bytes| {
        CrashFacts::new(&report, crash_id(&report, bytes), path, &names)
    });
    let mut triage = Triage::new();
    match read {
        Read::Crash(facts) => {
            let _ = (facts.signature.id(), facts.signature.canonical(), facts.signature.top_frame());
            let copy = facts.clone();
            let _ = triage.add(facts);
            assert!(triage.add(copy).is_err(), "a crash id counts once");
        }
        Read::Skipped(skipped) => triage.add_not_crash(skipped.kind.id()),
        Read::Failed(failure) => triage.add_failed(failure.path(), failure.reason()),
    }
    let summary = triage.finish(None);
    let _ = table(&summary, TableOptions { by_version: true, markdown: false });
    let _ = table(&summary, TableOptions { by_version: false, markdown: true });
    let _ = serde_json::to_string_pretty(&summary).expect("the summary serializes");
});
