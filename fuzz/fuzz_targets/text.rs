//! Detection and the text reader.
//!
//! 1. The raw bytes go through `Input::from_bytes` + `parse` (binary sniffing,
//!    BOM / UTF-16 / invalid UTF-8 decoding, kind detection, every reader).
//! 2. The same bytes become the body of a text report that already has a
//!    valid header, so the fuzzer reaches the section parsers (exception
//!    block, threads, frames, registers, binary images) without first having
//!    to discover `Incident Identifier:`.
//!
//! A parsed report is also serialized (`crashport inspect --json`).
#![no_main]

use libfuzzer_sys::fuzz_target;

const PREFIX: &[u8] = b"Incident Identifier: 6156848E-344E-4D9E-84E0-87AFD0D0AE7B\nProcess: X [1]\n";

fn parse(bytes: &[u8]) {
    let Ok(input) = crashport::Input::from_bytes(bytes) else { return };
    if let Ok(crashport::Parsed::Crash(report)) = input.parse() {
        let _ = serde_json::to_vec(&*report);
        let _ = report.crashed_thread();
    }
}

fuzz_target!(|data: &[u8]| {
    parse(data);
    let mut body = Vec::with_capacity(PREFIX.len() + data.len());
    body.extend_from_slice(PREFIX);
    body.extend_from_slice(data);
    parse(&body);
});
