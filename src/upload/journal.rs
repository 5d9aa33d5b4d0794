//! The upload journal: which crashes a destination has acknowledged.
//!
//! One JSON object per line, appended and flushed to disk (fsync) after
//! each acknowledged crash, before the next request. A run killed at any
//! moment — SIGKILL included — leaves every acknowledged crash in the
//! journal, so a rerun sends exactly the others; only a request whose
//! acknowledgement arrived but was not yet written can go twice, and it
//! carries the same ids, so the service sees a duplicate id, not a new
//! crash. A line cut short by the kill is ignored.
//!
//! Crashes are recorded by their crash id (the incident identifier, or a
//! hash of the report), so a crash acknowledged once is not sent again from
//! any copy of it (the `.ips` and its `.crash`, two copies in an
//! `.xccrashpoint`). The file is locked while a run uses it: two runs
//! sharing a journal would each send what the other is sending.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The first line of a journal.
#[derive(Debug, Serialize, Deserialize)]
struct Header {
    /// The format version: 1 keyed entries by id and content hash, 2 by
    /// crash id alone.
    crashport_journal: u32,
    install_id: String,
    /// The destination the journal is for (`appcenter <endpoint>`); absent
    /// in version 1, which only ever held App Center's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    destination: Option<String>,
    /// Version 1's name for the destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    endpoint: Option<String>,
}

/// One acknowledged crash.
#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    /// The crash id (version 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    crash: Option<String>,
    /// Version 1's key (`ID:content hash`); its `error_id` is the crash id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error_id: Option<String>,
    file: String,
    at: String,
}

/// An open journal, locked for this run.
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

/// What a journal holds, read without opening it for writing (a dry run's
/// plan reads it; it does not lock it).
#[derive(Debug, Default)]
pub struct Contents {
    /// The Install-ID it keeps.
    pub install_id: Option<String>,
    /// The crash ids it records as acknowledged.
    pub sent: HashSet<String>,
    /// Lines that could not be read.
    pub skipped_lines: usize,
}

/// Reads a journal's contents; a missing file is an empty journal. A file
/// whose first line is not a crashport journal header is refused: writing
/// into someone else's file would damage it.
pub fn read(path: &Path) -> Result<Contents, JournalError> {
    let error = |message: String| JournalError { path: path.to_path_buf(), message };
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Contents::default()),
        Err(e) => return Err(error(format!("cannot read it: {e}"))),
    };
    let mut contents = Contents::default();
    let mut header_seen = false;
    for line in BufReader::new(file).lines() {
        let line = line.map_err(|e| error(format!("cannot read it: {e}")))?;
        if line.trim().is_empty() {
            continue;
        }
        if !header_seen {
            let header: Header = serde_json::from_str(&line).map_err(|_| {
                error(format!(
                    "this file is not a crashport journal (it begins {}); name another file with --journal",
                    crate::error::excerpt(line.trim(), 40)
                ))
            })?;
            contents.install_id = Some(header.install_id);
            header_seen = true;
            continue;
        }
        match serde_json::from_str::<Entry>(&line) {
            Ok(entry) => match entry.crash.or(entry.error_id) {
                Some(id) => {
                    contents.sent.insert(id.to_ascii_uppercase());
                }
                None => contents.skipped_lines += 1,
            },
            Err(_) => contents.skipped_lines += 1,
        }
    }
    Ok(contents)
}

impl Journal {
    /// Opens (or creates) the journal at `path` for `destination` and locks
    /// it. Only the default journal's folder is created
    /// (`create_folder`); a journal named by the user must be in a folder
    /// that exists. `install_id`, when given, overrides the one the journal
    /// holds; a new journal without one gets a fresh random id, kept for
    /// later runs.
    pub fn open(
        path: &Path,
        destination: &str,
        install_id: Option<&str>,
        create_folder: bool,
    ) -> Result<Journal, JournalError> {
        let error = |message: String| JournalError { path: path.to_path_buf(), message };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            if create_folder {
                std::fs::create_dir_all(parent).map_err(|e| error(format!("cannot create its folder: {e}")))?;
            } else if !parent.is_dir() {
                return Err(error(format!("its folder {} does not exist", parent.display())));
            }
        }
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(path)
            .map_err(|e| error(format!("cannot open it for writing: {e}")))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(error(
                    "another crashport run is using it; wait for that run to end, or name another file with --journal"
                        .to_string(),
                ));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(error(format!("cannot lock it: {e}"))),
        }
        // Read under the lock: another run may have just finished writing.
        let contents = read(path)?;
        let is_new = contents.install_id.is_none() && contents.sent.is_empty();
        let install_id = install_id
            .map(str::to_string)
            .or(contents.install_id)
            .unwrap_or_else(|| Uuid::new_v4().hyphenated().to_string().to_uppercase());
        // A line cut off by a kill must not swallow the next one.
        let ends_cleanly = std::fs::read(path).map(|b| b.is_empty() || b.ends_with(b"\n")).unwrap_or(true);
        if !ends_cleanly {
            file.write_all(b"\n").map_err(|e| error(format!("cannot write it: {e}")))?;
        }
        if is_new {
            let header = Header {
                crashport_journal: 2,
                install_id: install_id.clone(),
                destination: Some(destination.to_string()),
                endpoint: None,
            };
            let mut line = serde_json::to_string(&header).map_err(|e| error(e.to_string()))?;
            line.push('\n');
            file.write_all(line.as_bytes())
                .and_then(|()| file.sync_data())
                .map_err(|e| error(format!("cannot write it: {e}")))?;
        }
        Ok(Journal {
            path: path.to_path_buf(),
            file,
            sent: contents.sent,
            install_id,
            skipped_lines: contents.skipped_lines,
        })
    }

    /// The default journal for a destination: in the user's state directory
    /// (`$XDG_STATE_HOME/crashport`, else `~/.local/state/crashport`), named
    /// after a fingerprint of the destination and its credentials.
    pub fn default_path(destination: &str, credential_fingerprint: &str) -> PathBuf {
        let dir = std::env::var_os("XDG_STATE_HOME")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME").filter(|h| !h.is_empty()).map(|h| PathBuf::from(h).join(".local/state"))
            })
            .map(|d| d.join("crashport"))
            .unwrap_or_else(|| PathBuf::from(".crashport"));
        use sha1::{Digest, Sha1};
        let tag =
            crate::hex::encode_bytes(&Sha1::digest(format!("{destination} {credential_fingerprint}").as_bytes())[..6]);
        dir.join(format!("upload-{tag}.jsonl"))
    }

    /// The journal file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The Install-ID this journal keeps.
    pub fn install_id(&self) -> &str {
        &self.install_id
    }

    /// True when the crash was acknowledged by an earlier run.
    pub fn contains(&self, crash_id: &str) -> bool {
        self.sent.contains(&crash_id.to_ascii_uppercase())
    }

    /// Records an acknowledged crash and waits until it is on disk.
    pub fn record(&mut self, crash_id: &str, file: &Path) -> Result<(), JournalError> {
        let entry = Entry {
            crash: Some(crash_id.to_ascii_uppercase()),
            sent: None,
            error_id: None,
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
        self.sent.insert(crash_id.to_ascii_uppercase());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_across_opens_and_survives_a_cut_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j/upload.jsonl");
        let mut journal = Journal::open(&path, "appcenter http://127.0.0.1/", None, true).unwrap();
        let install = journal.install_id().to_string();
        journal.record("a", Path::new("a.crash")).unwrap();
        drop(journal);
        // A kill in the middle of writing the next line.
        std::fs::OpenOptions::new().append(true).open(&path).unwrap().write_all(b"{\"crash\":\"B\",\"fi").unwrap();
        let mut journal = Journal::open(&path, "appcenter http://127.0.0.1/", None, true).unwrap();
        journal.record("C", Path::new("c.crash")).unwrap();
        drop(journal);
        let journal = Journal::open(&path, "appcenter http://127.0.0.1/", None, true).unwrap();
        assert!(journal.contains("A") && journal.contains("c"));
        assert!(!journal.contains("B"));
        assert_eq!(journal.skipped_lines, 1);
        assert_eq!(journal.install_id(), install);
        drop(journal);
        let other = Journal::open(&path, "appcenter http://127.0.0.1/", Some("FIXED"), true).unwrap();
        assert_eq!(other.install_id(), "FIXED");
    }

    #[test]
    fn version_one_journals_are_read_by_crash_id() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.jsonl");
        std::fs::write(
            &path,
            "{\"crashport_journal\":1,\"install_id\":\"I\",\"endpoint\":\"https://in.appcenter.ms/logs\"}\n\
             {\"sent\":\"ABC:0123\",\"error_id\":\"ABC\",\"file\":\"a.crash\",\"at\":\"2026-01-01T00:00:00.000Z\"}\n",
        )
        .unwrap();
        let journal = Journal::open(&path, "appcenter https://in.appcenter.ms/logs", None, false).unwrap();
        assert!(journal.contains("abc"));
        assert_eq!(journal.install_id(), "I");
    }

    #[test]
    fn refuses_other_files_missing_folders_and_a_second_user() {
        let dir = tempfile::tempdir().unwrap();
        let notes = dir.path().join("notes.txt");
        std::fs::write(&notes, "my shopping list\n").unwrap();
        let err = Journal::open(&notes, "d", None, false).unwrap_err();
        assert!(err.to_string().contains("not a crashport journal"), "{err}");
        assert_eq!(std::fs::read_to_string(&notes).unwrap(), "my shopping list\n");
        let err = Journal::open(&dir.path().join("no/such/j.jsonl"), "d", None, false).unwrap_err();
        assert!(err.to_string().contains("does not exist"), "{err}");
        let path = dir.path().join("j.jsonl");
        let first = Journal::open(&path, "d", None, false).unwrap();
        let err = Journal::open(&path, "d", None, false).unwrap_err();
        assert!(err.to_string().contains("another crashport run"), "{err}");
        drop(first);
        assert!(Journal::open(&path, "d", None, false).is_ok());
    }
}
