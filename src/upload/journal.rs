//! The upload journal: what the ingestion service has acknowledged.
//!
//! One JSON object per line, appended and flushed to disk (fsync) after
//! each acknowledged report, before the next request. A run killed at any
//! moment — SIGKILL included — leaves every acknowledged report in the
//! journal, so a rerun sends exactly the others; only a request whose
//! acknowledgement arrived but was not yet written can go twice, and it
//! carries the same ids, so App Center sees a duplicate id, not a new crash.
//! A line cut short by the kill is ignored.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The first line of a journal.
#[derive(Debug, Serialize, Deserialize)]
struct Header {
    crashport_journal: u32,
    install_id: String,
    endpoint: String,
}

/// One acknowledged report.
#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    sent: String,
    error_id: String,
    file: String,
    at: String,
}

/// An open journal.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
    sent: HashSet<String>,
    install_id: String,
    /// Lines that could not be read (a line cut off by a kill, say).
    pub skipped_lines: usize,
}

/// Why a journal could not be used.
#[derive(Debug, thiserror::Error)]
#[error("the journal {}: {message}", path.display())]
pub struct JournalError {
    /// The journal file.
    pub path: PathBuf,
    /// What went wrong.
    pub message: String,
}

impl Journal {
    /// Opens (or creates) the journal at `path`. `install_id`, when given,
    /// overrides the one the journal holds; a new journal without one gets
    /// a fresh random id, kept for later runs.
    pub fn open(path: &Path, endpoint: &str, install_id: Option<&str>) -> Result<Journal, JournalError> {
        let error = |message: String| JournalError { path: path.to_path_buf(), message };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| error(format!("cannot create its directory: {e}")))?;
        }
        let mut sent = HashSet::new();
        let mut stored_install_id = None;
        let mut skipped_lines = 0;
        if path.exists() {
            let file = File::open(path).map_err(|e| error(format!("cannot read it: {e}")))?;
            for (index, line) in BufReader::new(file).lines().enumerate() {
                let line = line.map_err(|e| error(format!("cannot read it: {e}")))?;
                if line.trim().is_empty() {
                    continue;
                }
                if index == 0
                    && let Ok(header) = serde_json::from_str::<Header>(&line)
                {
                    stored_install_id = Some(header.install_id);
                    continue;
                }
                match serde_json::from_str::<Entry>(&line) {
                    Ok(entry) => {
                        sent.insert(entry.sent);
                    }
                    Err(_) => skipped_lines += 1,
                }
            }
        }
        let is_new = stored_install_id.is_none() && sent.is_empty();
        let install_id = install_id
            .map(str::to_string)
            .or(stored_install_id)
            .unwrap_or_else(|| Uuid::new_v4().hyphenated().to_string().to_uppercase());
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| error(format!("cannot open it for writing: {e}")))?;
        // A line cut off by a kill must not swallow the next one.
        let ends_cleanly = std::fs::read(path).map(|b| b.is_empty() || b.ends_with(b"\n")).unwrap_or(true);
        if !ends_cleanly {
            file.write_all(b"\n").map_err(|e| error(format!("cannot write it: {e}")))?;
        }
        if is_new {
            let header =
                Header { crashport_journal: 1, install_id: install_id.clone(), endpoint: endpoint.to_string() };
            let mut line = serde_json::to_string(&header).map_err(|e| error(e.to_string()))?;
            line.push('\n');
            file.write_all(line.as_bytes())
                .and_then(|()| file.sync_data())
                .map_err(|e| error(format!("cannot write it: {e}")))?;
        }
        Ok(Journal { path: path.to_path_buf(), file, sent, install_id, skipped_lines })
    }

    /// The default journal for an endpoint and app: in the user's state
    /// directory (`$XDG_STATE_HOME/crashport`, else `~/.local/state/crashport`),
    /// named after a fingerprint of the endpoint and the secret.
    pub fn default_path(endpoint: &str, secret_fingerprint: &str) -> PathBuf {
        let dir = std::env::var_os("XDG_STATE_HOME")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME").filter(|h| !h.is_empty()).map(|h| PathBuf::from(h).join(".local/state"))
            })
            .map(|d| d.join("crashport"))
            .unwrap_or_else(|| PathBuf::from(".crashport"));
        use sha1::{Digest, Sha1};
        let tag = crate::hex::encode_bytes(&Sha1::digest(format!("{endpoint} {secret_fingerprint}").as_bytes())[..6]);
        dir.join(format!("upload-{tag}.jsonl"))
    }

    /// The Install-ID an existing journal keeps, without opening it for writing.
    pub fn peek_install_id(path: &Path) -> Option<String> {
        let file = File::open(path).ok()?;
        let line = BufReader::new(file).lines().next()?.ok()?;
        serde_json::from_str::<Header>(&line).ok().map(|h| h.install_id)
    }

    /// The journal file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The Install-ID this journal keeps.
    pub fn install_id(&self) -> &str {
        &self.install_id
    }

    /// True when `key` was acknowledged by an earlier run.
    pub fn contains(&self, key: &str) -> bool {
        self.sent.contains(key)
    }

    /// Records an acknowledged report and waits until it is on disk.
    pub fn record(&mut self, key: &str, error_id: &str, file: &Path) -> Result<(), JournalError> {
        let entry = Entry {
            sent: key.to_string(),
            error_id: error_id.to_string(),
            file: file.display().to_string(),
            at: crate::model::timestamp::format_utc_millis(time::OffsetDateTime::now_utc()),
        };
        let mut line = serde_json::to_string(&entry)
            .map_err(|e| JournalError { path: self.path.clone(), message: e.to_string() })?;
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .and_then(|()| self.file.sync_data())
            .map_err(|e| JournalError { path: self.path.clone(), message: format!("cannot write it: {e}") })?;
        self.sent.insert(entry.sent);
        Ok(())
    }
}

/// The journal key of a report: its error id and a hash of its bytes, so a
/// changed file with the same incident id is sent again.
pub fn key(error_id: &str, bytes: &[u8]) -> String {
    use sha1::{Digest, Sha1};
    let digest = Sha1::digest(bytes);
    let hex = crate::hex::encode_bytes(&digest);
    format!("{error_id}:{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_across_opens_and_survives_a_cut_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j/upload.jsonl");
        let mut journal = Journal::open(&path, "http://127.0.0.1/", None).unwrap();
        let install = journal.install_id().to_string();
        journal.record("A:1", "A", Path::new("a.crash")).unwrap();
        drop(journal);
        // A kill in the middle of writing the next line.
        std::fs::OpenOptions::new().append(true).open(&path).unwrap().write_all(b"{\"sent\":\"B:2\",\"err").unwrap();
        let mut journal = Journal::open(&path, "http://127.0.0.1/", None).unwrap();
        journal.record("C:3", "C", Path::new("c.crash")).unwrap();
        drop(journal);
        let journal = Journal::open(&path, "http://127.0.0.1/", None).unwrap();
        assert!(journal.contains("A:1") && journal.contains("C:3"));
        assert!(!journal.contains("B:2"));
        assert_eq!(journal.skipped_lines, 1);
        assert_eq!(journal.install_id(), install);
        let other = Journal::open(&path, "http://127.0.0.1/", Some("FIXED")).unwrap();
        assert_eq!(other.install_id(), "FIXED");
    }
}
