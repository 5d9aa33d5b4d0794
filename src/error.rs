//! Errors and warnings, each able to say where in the input it happened.
//!
//! A [`ParseError`] means the input could not be read as a report at all; a
//! [`Warning`] means one piece of it (a line, a JSON element) was dropped or
//! guessed while the rest of the report was kept.

use std::fmt;

use serde::Serialize;

/// Where in an input a problem was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Location {
    /// 1-based line number in the original input, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// 1-based column (in bytes) on that line, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    /// Path of the JSON value (`threads[1].frames[3].imageIndex`), for `.ips` input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub json_path: Option<String>,
}

impl Location {
    /// A location naming a line only.
    pub fn line(line: u32) -> Self {
        Location { line: Some(line), ..Location::default() }
    }

    /// A location naming a line and column.
    pub fn line_column(line: u32, column: u32) -> Self {
        Location { line: Some(line), column: Some(column), json_path: None }
    }

    /// True when nothing is known about the place.
    pub fn is_unknown(&self) -> bool {
        self.line.is_none() && self.json_path.is_none()
    }
}

impl fmt::Display for Location {
    /// Writes `line:column` (or `line`), then ` (at json.path)` when known.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => write!(f, "{line}:{column}")?,
            (Some(line), None) => write!(f, "{line}")?,
            _ => {}
        }
        if let Some(path) = &self.json_path {
            if self.line.is_some() {
                f.write_str(" ")?;
            }
            write!(f, "(at {path})")?;
        }
        Ok(())
    }
}

/// Why an input could not be read as a crash report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ParseError {
    /// The bytes are not a crash report of any kind (an image, an archive,
    /// unrelated text, an empty file).
    #[error("not a crash report: {reason}")]
    NotAReport {
        /// What the input looks like instead.
        reason: String,
    },
    /// The input is a report, but something essential in it is malformed.
    #[error("{}expected {expected}, found {found}", location_prefix(.location))]
    Malformed {
        /// Where the problem is.
        location: Location,
        /// What the reader was looking for.
        expected: String,
        /// What it found there (shortened).
        found: String,
    },
    /// The input is larger than a limit that no real report reaches.
    #[error("{}{what} is {actual}, over the limit of {limit}", location_prefix(.location))]
    TooLarge {
        /// Where the limit was crossed.
        location: Location,
        /// What was counted (`file size`, `line length`, `threads` ...).
        what: String,
        /// The limit.
        limit: u64,
        /// The size found (or how far counting got).
        actual: u64,
    },
}

fn location_prefix(location: &Location) -> String {
    if location.is_unknown() { String::new() } else { format!("{location}: ") }
}

impl ParseError {
    /// A malformed-input error at `location`.
    pub fn malformed(location: Location, expected: impl Into<String>, found: impl Into<String>) -> Self {
        ParseError::Malformed { location, expected: expected.into(), found: found.into() }
    }

    /// A not-a-report error.
    pub fn not_a_report(reason: impl Into<String>) -> Self {
        ParseError::NotAReport { reason: reason.into() }
    }

    /// The error's text without its place.
    pub fn message(&self) -> String {
        match self {
            ParseError::NotAReport { reason } => format!("not a crash report: {reason}"),
            ParseError::Malformed { expected, found, .. } => format!("expected {expected}, found {found}"),
            ParseError::TooLarge { what, limit, actual, .. } => {
                format!("{what} is {actual}, over the limit of {limit}")
            }
        }
    }

    /// Where the error is, when it has a place.
    pub fn location(&self) -> Option<&Location> {
        match self {
            ParseError::NotAReport { .. } => None,
            ParseError::Malformed { location, .. } | ParseError::TooLarge { location, .. } => Some(location),
        }
    }
}

/// A [`ParseError`] with the file it came from, shown as
/// `path:line:column: expected ..., found ...` (or `path: reason` when the
/// error has no place).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct FileError {
    /// The file.
    pub path: std::path::PathBuf,
    /// What is wrong with it.
    pub error: ParseError,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let location = self.error.location().cloned().unwrap_or_default();
        write!(f, "{}: {}", place(&self.path, &location), self.error.message())
    }
}

/// `path:line:column`, `path:line (at json.path)`, `path (at json.path)` or
/// `path`: where a message about a file points.
pub fn place(path: &std::path::Path, location: &Location) -> String {
    let path = path.display();
    match (location.line, &location.json_path) {
        (Some(_), _) => format!("{path}:{location}"),
        (None, Some(json_path)) => format!("{path} (at {json_path})"),
        (None, None) => path.to_string(),
    }
}

/// A warning as one line: `path:line: message`, `path (at json.path):
/// message` or `path: message`.
pub fn located(path: &std::path::Path, warning: &Warning) -> String {
    format!("{}: {}", place(path, &warning.location), warning.message)
}

/// Something in a report that was dropped or guessed; the report itself was kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// Where it happened.
    pub location: Location,
    /// What happened, for a person.
    pub message: String,
}

impl Warning {
    /// A warning about a whole line.
    pub fn at_line(line: u32, message: impl Into<String>) -> Self {
        Warning { location: Location::line(line), message: message.into() }
    }

    /// A warning without a precise place.
    pub fn general(message: impl Into<String>) -> Self {
        Warning { location: Location::default(), message: message.into() }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", location_prefix(&self.location), self.message)
    }
}

/// Collects a reader's warnings, keeping at most [`WarningSink::MAX`]: a
/// file of a million damaged lines costs a million checks, not a million
/// messages held in memory.
#[derive(Debug, Default)]
pub(crate) struct WarningSink {
    list: Vec<Warning>,
    dropped: usize,
}

impl WarningSink {
    /// The most warnings kept for one report.
    pub(crate) const MAX: usize = 1000;

    /// Records a warning (or counts it, past the cap).
    pub(crate) fn push(&mut self, warning: Warning) {
        if self.list.len() < Self::MAX {
            self.list.push(warning);
        } else {
            self.dropped += 1;
        }
    }

    /// The warnings, with a last one saying how many were left out.
    pub(crate) fn into_vec(mut self) -> Vec<Warning> {
        if self.dropped > 0 {
            self.list.push(Warning::general(format!("{} more warning(s) not shown", self.dropped)));
        }
        self.list
    }
}

/// Shortens a piece of input for an error message: at most `max` characters,
/// control characters escaped, so that one huge or binary line cannot flood a
/// terminal.
pub fn excerpt(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max) + 8);
    out.push('`');
    for (count, ch) in text.chars().enumerate() {
        if count == max {
            out.push('…');
            break;
        }
        if ch.is_control() {
            out.extend(ch.escape_default());
        } else {
            out.push(ch);
        }
    }
    out.push('`');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_place() {
        let err = ParseError::malformed(Location::line_column(12, 5), "a frame line", "`zz`");
        assert_eq!(err.to_string(), "12:5: expected a frame line, found `zz`");
        let json = Location { line: Some(3), column: Some(9), json_path: Some("threads[0].frames".into()) };
        assert_eq!(json.to_string(), "3:9 (at threads[0].frames)");
        assert_eq!(Warning::at_line(7, "bad").to_string(), "7: bad");
    }

    #[test]
    fn file_errors_lead_with_the_path() {
        let err = ParseError::malformed(Location::line(4), "a frame line", "`zz`");
        let file = FileError { path: "a/b.crash".into(), error: err };
        assert_eq!(file.to_string(), "a/b.crash:4: expected a frame line, found `zz`");
        let file = FileError { path: "x.png".into(), error: ParseError::not_a_report("a PNG image") };
        assert_eq!(file.to_string(), "x.png: not a crash report: a PNG image");
    }

    #[test]
    fn warnings_are_capped() {
        let mut sink = WarningSink::default();
        for n in 0..WarningSink::MAX + 5 {
            sink.push(Warning::at_line(n as u32, "bad"));
        }
        let list = sink.into_vec();
        assert_eq!(list.len(), WarningSink::MAX + 1);
        assert_eq!(list.last().unwrap().message, "5 more warning(s) not shown");
    }

    #[test]
    fn excerpt_bounds_and_escapes() {
        assert_eq!(excerpt("ab\u{0}c", 10), "`ab\\u{0}c`");
        assert_eq!(excerpt("abcdef", 3), "`abc…`");
    }
}
