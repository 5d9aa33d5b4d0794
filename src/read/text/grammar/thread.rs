//! Thread headers.
//!
//! ```text
//! Thread 0 name:  Dispatch queue: com.apple.main-thread
//! Thread 0 Crashed:
//! Thread 3:
//! Thread 0 Crashed:: Dispatch queue: com.apple.main-thread      (macOS)
//! Thread 1:: com.apple.uikit.eventfetch-thread                   (macOS)
//! Thread 0 crashed with ARM Thread State (64-bit):
//! Thread 2 instruction stream:                                   (macOS 13+)
//! ```

use nom::Parser;
use nom::branch::alt;
use nom::bytes::complete::tag;
use nom::combinator::{map, rest};
use nom::sequence::preceded;

use super::{LineError, PResult, decimal, expect};

/// What a `Thread N ...` line says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThreadLine<'a> {
    /// `Thread N name: text`: the thread's name and/or queue, for the thread
    /// listed next.
    Name(u32, &'a str),
    /// `Thread N Crashed: label` / `Thread N: label`: its frames follow.
    Start {
        /// The thread number.
        number: u32,
        /// Marked `Crashed`.
        crashed: bool,
        /// Whatever follows the colons (`Dispatch queue: q`, a name), trimmed.
        label: &'a str,
    },
    /// `Thread N crashed with <state>:`: its register block follows.
    State(u32, &'a str),
    /// A block that is not crash-model data (macOS 13+ instruction streams
    /// and branch records).
    Skipped(u32),
}

/// Reads a line that starts with `Thread `.
pub fn parse(line: &str) -> Result<ThreadLine<'_>, LineError> {
    match thread_line(line) {
        Ok((_, parsed)) => Ok(parsed),
        Err(error) => Err(LineError::from_nom(line, error, "a thread header")),
    }
}

fn thread_line(input: &str) -> PResult<'_, ThreadLine<'_>> {
    let (input, number) =
        preceded(tag("Thread "), expect("a thread number after `Thread`", decimal::<u32>)).parse(input)?;
    expect(
        "` name:`, ` Crashed:`, `:` or ` crashed with ... State:` after the thread number",
        alt((
            map(preceded(tag(" name:"), rest), |name: &str| ThreadLine::Name(number, name.trim_ascii())),
            map(preceded(tag(" crashed with "), rest), |header: &str| {
                ThreadLine::State(number, header.trim_ascii_end().trim_end_matches(':'))
            }),
            map(preceded(tag(" Crashed"), rest), |tail| ThreadLine::Start {
                number,
                crashed: true,
                label: label(tail),
            }),
            map((tag(":"), rest), |(_, tail)| ThreadLine::Start { number, crashed: false, label: label(tail) }),
            map(alt((tag(" instruction stream"), tag(" last branch register state"))), |_| ThreadLine::Skipped(number)),
        )),
    )
    .parse(input)
}

/// What follows the colons of a thread header, trimmed.
fn label(text: &str) -> &str {
    text.trim_start_matches(':').trim_ascii()
}

/// Splits a thread's label: `Dispatch queue: q` is a queue, `name Dispatch
/// queue: q` both, anything else a name.
pub fn name_and_queue(text: &str) -> (Option<&str>, Option<&str>) {
    const QUEUE: &str = "Dispatch queue:";
    match text.find(QUEUE) {
        Some(at) => {
            let name = text[..at].trim_ascii();
            let queue = text[at + QUEUE.len()..].trim_ascii();
            ((!name.is_empty()).then_some(name), (!queue.is_empty()).then_some(queue))
        }
        None => (Some(text.trim_ascii()), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_forms() {
        assert_eq!(parse("Thread 0 name:  Dispatch queue: q"), Ok(ThreadLine::Name(0, "Dispatch queue: q")));
        assert_eq!(parse("Thread 3:"), Ok(ThreadLine::Start { number: 3, crashed: false, label: "" }));
        assert_eq!(
            parse("Thread 0 Crashed:: Dispatch queue: com.apple.main-thread"),
            Ok(ThreadLine::Start { number: 0, crashed: true, label: "Dispatch queue: com.apple.main-thread" })
        );
        assert_eq!(
            parse("Thread 1:: com.apple.uikit.eventfetch-thread"),
            Ok(ThreadLine::Start { number: 1, crashed: false, label: "com.apple.uikit.eventfetch-thread" })
        );
        assert_eq!(
            parse("Thread 0 crashed with ARM Thread State (64-bit):"),
            Ok(ThreadLine::State(0, "ARM Thread State (64-bit)"))
        );
        assert_eq!(parse("Thread 2 instruction stream:"), Ok(ThreadLine::Skipped(2)));
    }

    #[test]
    fn bad_headers_say_where() {
        let err = parse("Thread x:").unwrap_err();
        assert_eq!((err.column, err.expected), (7, "a thread number after `Thread`"));
        assert_eq!(parse("Thread 4 is odd").unwrap_err().column, 8);
    }

    #[test]
    fn queues_and_names() {
        assert_eq!(name_and_queue("Dispatch queue: com.apple.main-thread"), (None, Some("com.apple.main-thread")));
        assert_eq!(name_and_queue("WebThread"), (Some("WebThread"), None));
        assert_eq!(name_and_queue("Worker Dispatch queue: q"), (Some("Worker"), Some("q")));
    }
}
