//! The JSON `.ips` reader.
//!
//! The input is the JSON body under a valid one-line header with
//! `bug_type` 309 (so detection picks the `.ips` crash reader), and, as a
//! second run, the raw input alone (header line included, if the fuzzer
//! wrote one; a body saved alone; a `Translated Report` export ...).
#![no_main]

use libfuzzer_sys::fuzz_target;

const HEADER: &[u8] = br#"{"app_name":"X","timestamp":"2023-03-04 21:47:12.00 +0900","app_version":"1.0","build_version":"1","bundleID":"com.example.x","bug_type":"309","os_version":"iPhone OS 16.3.1 (20D67)","name":"X","incident_id":"4067A1B4-C85E-4608-86B2-69C8CFFB23C9"}
"#;

fn parse(bytes: &[u8]) {
    let Ok(input) = crashport::Input::from_bytes(bytes) else { return };
    if let Ok(crashport::Parsed::Crash(report)) = input.parse() {
        let _ = serde_json::to_vec(&*report);
        let _ = report.crashed_thread();
    }
}

fuzz_target!(|data: &[u8]| {
    let mut file = Vec::with_capacity(HEADER.len() + data.len());
    file.extend_from_slice(HEADER);
    file.extend_from_slice(data);
    parse(&file);
    parse(data);
});
