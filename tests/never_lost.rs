//! A crash report is never lost quietly: a file that opens as a report but
//! cannot be read fails with the place of the damage, also when it was met
//! while walking a directory (where files that are not reports are skipped).

mod common;

use std::path::Path;

use crashport::bulk::convert::{Failure, Options, Origin, Outcome, convert_bytes};

fn walked(bytes: &[u8]) -> Outcome {
    convert_bytes(Path::new("dir/x.crash"), bytes, Origin::Walked, &Options::default())
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(common::fixtures_dir().join(name)).unwrap()
}

#[test]
fn a_walked_file_that_opens_as_a_report_fails_instead_of_being_skipped() {
    let damaged: [&[u8]; 4] = [
        b"Incident Identifier: 2F0E6BB4-3A1D-4D6C-9E1B-6B0C2C4D5E6F\n",
        b"Process:               Quill [8812]\n\n\x01\x02\x03\n",
        b"{\"app_name\":\"Quill\",\"bug_type\":\"309\"}\n",
        b"{\"app_name\":\"Quill\",\"bug_type\":\"309\"}\n{\"threads\": [1 2]}\n",
    ];
    for bytes in damaged {
        let text = String::from_utf8_lossy(bytes);
        match walked(bytes) {
            Outcome::Failed(Failure::Parse(error)) => {
                assert!(error.to_string().starts_with("dir/x.crash:"), "{error}");
                assert!(error.error.location().is_some_and(|l| !l.is_unknown()), "{text}: {error}");
            }
            other => panic!("{text}: {other:?}"),
        }
    }
}

#[test]
fn foreign_files_met_in_a_directory_are_still_skipped() {
    for bytes in [&b"Release notes\n- fixed the login crash\n"[..], b"{\"name\": \"package\"}\n"] {
        assert!(matches!(walked(bytes), Outcome::Skipped(_)), "{}", String::from_utf8_lossy(bytes));
    }
}

#[test]
fn a_report_cut_off_and_padded_with_nul_bytes_is_read() {
    let mut bytes = fixture("reports/ios16-arm64e.crash");
    bytes.truncate(3000);
    bytes.extend_from_slice(&[0; 300]);
    assert!(matches!(walked(&bytes), Outcome::Converted(_)));
}
