//! `--out-dir`: one output file per input, `DIR/<path relative to the
//! input>.<extension>`, checked before anything is written and written so
//! that a reader never sees half a file. `convert` and `render` share it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crashport::bulk::walk;

/// Checks the output folder before anything is made: it can be created
/// and written to; no two inputs map to one output file; no output file
/// exists already unless `overwrite`. One message for the first problem,
/// so that a run does not fail file by file.
pub fn check(dir: &Path, inputs: &walk::Walked, overwrite: bool, extension: &str) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("--out-dir {}: cannot create the folder: {e}", dir.display()))?;
    let probe = dir.join(".crashport-write-test");
    std::fs::write(&probe, b"")
        .and_then(|()| std::fs::remove_file(&probe))
        .map_err(|e| format!("--out-dir {}: cannot write into the folder: {e}", dir.display()))?;
    let mut targets: HashMap<PathBuf, PathBuf> = HashMap::new();
    let mut existing = Vec::new();
    for input in inputs.iter().filter_map(|item| item.as_ref().ok()) {
        let target = output_path(dir, &input.relative, extension);
        // Case-insensitive file systems (macOS, Windows) would merge these too.
        let key = PathBuf::from(target.to_string_lossy().to_lowercase());
        if let Some(first) = targets.insert(key, input.path.clone()) {
            return Err(format!(
                "--out-dir: {} and {} would both be written to {}; name their folders separately or convert them in two runs",
                first.display(),
                input.path.display(),
                target.display()
            ));
        }
        if !overwrite && target.exists() {
            existing.push(target);
        }
    }
    if let Some(first) = existing.first() {
        return Err(format!(
            "--out-dir: {} output file(s) exist already (the first: {}); --overwrite replaces them",
            existing.len(),
            first.display()
        ));
    }
    Ok(())
}

/// `DIR/a/b.crash.json` for `a/b.crash` and `json`.
pub fn output_path(dir: &Path, relative: &Path, extension: &str) -> PathBuf {
    let mut name = relative.as_os_str().to_os_string();
    name.push(".");
    name.push(extension);
    dir.join(name)
}

/// Writes one output to a temporary name beside it and renames it, so a
/// reader never sees half a file.
pub fn write(target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut temporary = target.as_os_str().to_os_string();
    temporary.push(".partial");
    std::fs::write(&temporary, bytes)?;
    std::fs::rename(&temporary, target)
}
