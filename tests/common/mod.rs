//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The shared corpus of real reports, when it is present beside the project.
///
/// Absent: prints a notice and returns `None` so the test can skip, unless
/// `CRASHPORT_REQUIRE_CORPUS=1` (set by `.ci/run`), which makes it a failure.
pub fn corpus_dir(test: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("CRASHPORT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CRASHPORT_REQUIRE_CORPUS").is_ok_and(|v| v == "1") {
        panic!("{test}: the shared corpus is required (CRASHPORT_REQUIRE_CORPUS=1) but {} is missing", dir.display());
    }
    notice(&format!("NOTICE: {test} skipped: shared corpus not found at {}", dir.display()));
    None
}

/// The shared spec directory (schema), with the same skip rule as the corpus.
pub fn spec_dir(test: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/spec");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CRASHPORT_REQUIRE_CORPUS").is_ok_and(|v| v == "1") {
        panic!("{test}: ../shared/spec is required (CRASHPORT_REQUIRE_CORPUS=1) but {} is missing", dir.display());
    }
    notice(&format!("NOTICE: {test} skipped: shared spec not found at {}", dir.display()));
    None
}

/// Writes straight to the process's stderr: the test harness captures
/// `eprintln!` of passing tests, and a skip must be seen.
pub fn notice(message: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{message}");
}

/// Every regular file below `dir`, sorted, skipping `SOURCES.tsv` and README files.
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path.file_name().unwrap().to_string_lossy().to_string();
                if name != "SOURCES.tsv" && !name.starts_with("README") {
                    out.push(path);
                }
            }
        }
    }
    out.sort();
    out
}

/// The project's own fixtures directory.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Validates App Center log JSON against `../shared/spec/appcenter-logs.schema.json`.
pub struct SchemaCheck {
    validator: jsonschema::Validator,
}

impl SchemaCheck {
    /// Loads the schema; `None` (with a notice) when ../shared is absent.
    pub fn load(test: &str) -> Option<SchemaCheck> {
        let dir = spec_dir(test)?;
        let text = std::fs::read_to_string(dir.join("appcenter-logs.schema.json")).expect("schema readable");
        let schema: serde_json::Value = serde_json::from_str(&text).expect("schema is JSON");
        let validator = jsonschema::validator_for(&schema).expect("schema compiles");
        Some(SchemaCheck { validator })
    }

    /// Panics with every violation when `document` does not satisfy the schema.
    pub fn assert_valid(&self, document: &serde_json::Value, what: &str) {
        let errors: Vec<String> =
            self.validator.iter_errors(document).map(|e| format!("{} at {}", e, e.instance_path())).collect();
        assert!(errors.is_empty(), "{what}: schema violations:\n{}", errors.join("\n"));
    }
}

/// `bytes` with its incident identifier replaced by one that copy `n` of a
/// report owns (every spelling of it: upper or lower case, dashed or not),
/// so that copies of one fixture are distinct crashes rather than the
/// duplicates of one that a run sends or writes once.
pub fn distinct_copy(bytes: &[u8], n: u32) -> Vec<u8> {
    let Some(id) = crashport::read::identity::incident_id(bytes) else { return bytes.to_vec() };
    let mut new = *id.as_bytes();
    new[..4].copy_from_slice(&n.to_be_bytes());
    let new = uuid::Uuid::from_bytes(new);
    let mut text = String::from_utf8_lossy(bytes).into_owned();
    for (old, replacement) in [
        (id.hyphenated().to_string().to_uppercase(), new.hyphenated().to_string().to_uppercase()),
        (id.hyphenated().to_string(), new.hyphenated().to_string()),
        (id.simple().to_string().to_uppercase(), new.simple().to_string().to_uppercase()),
        (id.simple().to_string(), new.simple().to_string()),
    ] {
        text = text.replace(&old, &replacement);
    }
    text.into_bytes()
}
