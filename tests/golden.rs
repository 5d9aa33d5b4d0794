//! Golden files: the crash model (`tests/golden/model/`) and the App Center
//! appleError (`tests/golden/convert/`) of every fixture, reviewed by hand.
//!
//! After an intended change, regenerate with `CRASHPORT_BLESS=1 cargo test
//! --test golden` and review the diff before committing it.

mod common;

use std::path::{Path, PathBuf};

use crashport::appcenter::ConvertOptions;
use crashport::appcenter::logs::LogContainer;
use crashport::bulk::convert::{Options, Origin, Outcome, convert_bytes};
use crashport::{Input, Parsed};

fn golden_dir(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(kind)
}

/// Compares `actual` with the golden file, or writes it when blessing.
fn check(kind: &str, fixture: &Path, actual: String, failures: &mut Vec<String>) {
    let relative = fixture.strip_prefix(common::fixtures_dir()).unwrap();
    let mut name = relative.as_os_str().to_os_string();
    name.push(".json");
    let path = golden_dir(kind).join(name);
    if std::env::var("CRASHPORT_BLESS").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    match std::fs::read_to_string(&path) {
        Ok(expected) if expected == actual => {}
        Ok(_) => failures.push(format!("{} differs from {}", relative.display(), path.display())),
        Err(_) => failures.push(format!("{}: no golden file {}", relative.display(), path.display())),
    }
}

fn model_json(bytes: &[u8]) -> String {
    fn render(bytes: &[u8]) -> Result<String, crashport::ParseError> {
        let input = Input::from_bytes(bytes)?;
        let parsed: Parsed<'_> = input.parse()?;
        Ok(serde_json::to_string_pretty(&parsed).unwrap())
    }
    match render(bytes) {
        Ok(json) => json + "\n",
        Err(error) => {
            serde_json::to_string_pretty(&serde_json::json!({ "outcome": "error", "error": error })).unwrap() + "\n"
        }
    }
}

fn convert_json(path: &Path, bytes: &[u8]) -> Option<String> {
    let options =
        Options { convert: ConvertOptions { attachment: false, ..ConvertOptions::default() }, ..Options::default() };
    match convert_bytes(path, bytes, Origin::Explicit, &options) {
        Outcome::Converted(c) => Some(serde_json::to_string_pretty(&LogContainer { logs: c.logs }).unwrap() + "\n"),
        _ => None,
    }
}

#[test]
fn fixtures_match_golden_files() {
    let mut failures = Vec::new();
    // The report fixtures; the debug files under fixtures/symbols have
    // tests of their own.
    let fixtures: Vec<PathBuf> =
        ["reports", "broken"].iter().flat_map(|dir| common::files_below(&common::fixtures_dir().join(dir))).collect();
    assert!(!fixtures.is_empty());
    for fixture in &fixtures {
        let bytes = std::fs::read(fixture).unwrap();
        check("model", fixture, model_json(&bytes), &mut failures);
        if let Some(json) = convert_json(fixture, &bytes) {
            check("convert", fixture, json, &mut failures);
        }
    }
    assert!(failures.is_empty(), "golden mismatches (CRASHPORT_BLESS=1 regenerates):\n{}", failures.join("\n"));
}
