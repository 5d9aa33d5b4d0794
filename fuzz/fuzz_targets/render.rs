//! Apple's text layout and back: bytes -> `bulk::convert::read_bytes` (the
//! path `crashport render` takes) -> `print::apple_text::render` for a crash,
//! then the rendered text is read again with `Input::from_bytes` + `parse`.
//!
//! Covers every part of the printer (header and exception block in both
//! families, backtraces, threads, thread states, binary images) on whatever
//! the readers make of the input, and the text reader on the printer's
//! output. Errors are fine (reading the text back may fail); panics are not.
#![no_main]

use std::path::Path;

use crashport::bulk::convert::{Options, Origin, Read, read_bytes};
use crashport::print::apple_text;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options = Options::default();
    let read =
        read_bytes(Path::new("f.crash"), data, Origin::Walked, &options, |report, _| apple_text::render(&report));
    if let Read::Crash(text) = read {
        assert!(text.ends_with("EOF\n"), "rendered text ends with EOF");
        if let Ok(input) = crashport::Input::from_bytes(text.as_bytes()) {
            let _ = input.parse();
        }
    }
});
