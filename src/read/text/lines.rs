//! A cursor over the lines of a report, keeping 1-based line numbers.

/// 1-based line number of byte `offset` in `text`.
pub(crate) fn line_at(text: &str, offset: usize) -> u32 {
    let newlines = memchr::memchr_iter(b'\n', &text.as_bytes()[..offset]).count();
    u32::try_from(newlines + 1).unwrap_or(u32::MAX)
}

/// Yields `(line number, line)` with the line end (`\n` or `\r\n`) removed.
#[derive(Debug, Clone)]
pub struct LineCursor<'a> {
    rest: &'a str,
    next_number: u32,
    max_len: usize,
    /// The first line longer than `max_len`: (number, length).
    overlong: Option<(u32, usize)>,
}

impl<'a> LineCursor<'a> {
    /// Starts at the beginning of `text`, whose first line is `first_number`.
    pub fn new(text: &'a str, first_number: u32) -> Self {
        Self::with_max_len(text, first_number, usize::MAX)
    }

    /// A cursor that notes the first line longer than `max_len` bytes
    /// (checked as lines are read, so the text is scanned once).
    pub fn with_max_len(text: &'a str, first_number: u32, max_len: usize) -> Self {
        LineCursor { rest: text, next_number: first_number, max_len, overlong: None }
    }

    /// The first line read that was longer than the maximum: (number, length).
    pub fn overlong(&self) -> Option<(u32, usize)> {
        self.overlong
    }

    /// The next line without consuming it.
    pub fn peek(&self) -> Option<(u32, &'a str)> {
        self.clone().next()
    }

    /// How many lines are left (one vectorised pass over the rest).
    pub fn remaining_lines(&self) -> usize {
        memchr::memchr_iter(b'\n', self.rest.as_bytes()).count() + 1
    }

    /// Skips blank lines; returns the next non-blank line without consuming it.
    pub fn peek_non_blank(&mut self) -> Option<(u32, &'a str)> {
        loop {
            let (number, line) = self.peek()?;
            if !line.trim().is_empty() {
                return Some((number, line));
            }
            self.next();
        }
    }

    /// Takes the next line when `wanted` accepts it (one scan of the line,
    /// where a peek followed by a take would scan it twice).
    pub fn next_if(&mut self, wanted: impl FnOnce(&'a str) -> bool) -> Option<(u32, &'a str)> {
        let mut ahead = self.clone();
        let item = ahead.next()?;
        if wanted(item.1) {
            *self = ahead;
            Some(item)
        } else {
            None
        }
    }

    /// The number the next line will have.
    pub fn next_number(&self) -> u32 {
        self.next_number
    }
}

impl<'a> Iterator for LineCursor<'a> {
    type Item = (u32, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let (line, rest) = match memchr::memchr(b'\n', self.rest.as_bytes()) {
            Some(end) => (&self.rest[..end], &self.rest[end + 1..]),
            None => (self.rest, ""),
        };
        self.rest = rest;
        let number = self.next_number;
        if line.len() > self.max_len && self.overlong.is_none() {
            self.overlong = Some((number, line.len()));
        }
        self.next_number = self.next_number.saturating_add(1);
        Some((number, line.strip_suffix('\r').unwrap_or(line)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_lines_and_strips_crlf() {
        let lines: Vec<_> = LineCursor::new("a\r\nb\n\nc", 10).collect();
        assert_eq!(lines, vec![(10, "a"), (11, "b"), (12, ""), (13, "c")]);
    }
}
