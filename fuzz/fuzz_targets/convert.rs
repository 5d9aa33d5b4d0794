//! The whole pipeline: bytes -> detection -> reader -> App Center mapping,
//! then the logs are serialized as `crashport convert` writes them
//! (`{"logs": [...]}`), and read back with the same types `crashport upload`
//! uses for a logs file.
#![no_main]

use std::path::Path;

use crashport::appcenter::logs::LogContainer;
use crashport::bulk::convert::{Origin, Outcome, convert_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options = Default::default();
    // Explicit and Walked differ only in how a non-report is classified.
    let origin = if data.first().is_some_and(|b| b & 1 == 1) { Origin::Walked } else { Origin::Explicit };
    match convert_bytes(Path::new("f.crash"), data, origin, &options) {
        Outcome::Converted(converted) => {
            let _ = converted.error_id.len();
            let container = LogContainer { logs: converted.logs };
            let json = serde_json::to_vec(&container).expect("the logs serialize");
            let _: LogContainer = serde_json::from_slice(&json).expect("the serialized logs read back");
        }
        Outcome::Skipped(skipped) => {
            let _ = (skipped.kind.id(), skipped.kind.reason());
        }
        Outcome::Failed(failure) => {
            let _ = failure.to_string();
        }
    }
});
