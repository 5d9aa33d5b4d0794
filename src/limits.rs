//! Bounds on what a report may make crashport read and hold.
//!
//! Real crash reports are tens or hundreds of kilobytes with at most a few
//! thousand threads, frames and images. A file far beyond that is damaged
//! or made to hurt; these limits turn it into a clear error instead of
//! exhausting memory, while staying far above anything real.

use std::cell::Cell;

/// The limits a read observes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest input accepted, in bytes (64 MiB).
    pub max_file_size: u64,
    /// Longest line of a text report, in bytes (1 MiB).
    pub max_line_length: usize,
    /// Most threads, frames and images together in one report (250,000).
    pub max_elements: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_file_size: 64 * 1024 * 1024, max_line_length: 1024 * 1024, max_elements: 250_000 }
    }
}

/// Most threads in one list (real reports: a few hundred).
pub const MAX_THREADS: usize = 10_000;
/// Most frames in one thread (Apple stops at 512).
pub const MAX_FRAMES: usize = 20_000;
/// Most images in one report (real processes: about a thousand).
pub const MAX_IMAGES: usize = 20_000;
/// Most entries in the small lists (codes, reasons, backtrace texts).
pub const MAX_SMALL: usize = 4_096;

/// The threads, frames and images one read may still create, shared by
/// every list of the report. Each reader is given one and counts down as it
/// goes, so a hostile file is refused at the element that passes the limit
/// rather than after it has been held in memory.
#[derive(Debug)]
pub(crate) struct ElementBudget {
    left: Cell<usize>,
    limit: usize,
}

impl ElementBudget {
    /// A budget of `limit` elements.
    pub(crate) fn new(limit: usize) -> Self {
        ElementBudget { left: Cell::new(limit), limit }
    }

    /// Takes `count` elements; `Err(limit)` when fewer are left.
    pub(crate) fn take(&self, count: usize) -> Result<(), usize> {
        match self.left.get().checked_sub(count) {
            Some(left) => {
                self.left.set(left);
                Ok(())
            }
            None => Err(self.limit),
        }
    }

    /// How many elements were taken, or asked for past the limit when
    /// `asked` more were refused.
    pub(crate) fn used(&self, asked: usize) -> usize {
        self.limit - self.left.get() + asked
    }

    /// The limit.
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }
}

/// Parses a size such as `64MiB`, `100M`, `2G`, `512k` or `1048576`: a
/// whole number and a binary unit.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let digits = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    if unit.starts_with(['.', ',']) {
        // `1.5MiB` is `1536KiB`: say so, in the next smaller unit.
        let fraction_end = digits + 1 + unit[1..].find(|c: char| !c.is_ascii_digit()).unwrap_or(unit.len() - 1);
        let value: f64 = text[..fraction_end].replace(',', ".").parse().unwrap_or(0.0);
        let smaller = match text[fraction_end..].trim().to_ascii_lowercase().as_str() {
            "k" | "kb" | "kib" => format!(" (write {}B)", (value * 1024.0).round()),
            "m" | "mb" | "mib" => format!(" (write {}KiB)", (value * 1024.0).round()),
            "g" | "gb" | "gib" => format!(" (write {}MiB)", (value * 1024.0).round()),
            _ => String::new(),
        };
        return Err(format!("expected a whole number of B, KiB, MiB or GiB, found `{text}`{smaller}"));
    }
    let number: u64 = number.parse().map_err(|_| format!("expected a size such as 64MiB, found `{text}`"))?;
    let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        other => return Err(format!("unknown size unit `{other}` (use B, KiB, MiB or GiB)")),
    };
    number.checked_mul(multiplier).ok_or_else(|| format!("`{text}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("100M"), Ok(100 << 20));
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert_eq!(parse_size("2g"), Ok(2 << 30));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("5 parsecs").is_err());
        assert!(parse_size("99999999999999999999G").is_err());
        assert_eq!(
            parse_size("1.5MiB").unwrap_err(),
            "expected a whole number of B, KiB, MiB or GiB, found `1.5MiB` (write 1536KiB)"
        );
    }

    #[test]
    fn budget_counts_down() {
        let budget = ElementBudget::new(3);
        assert_eq!(budget.take(1), Ok(()));
        assert_eq!(budget.take(2), Ok(()));
        assert_eq!(budget.take(1), Err(3));
        assert_eq!(budget.used(1), 4);
    }
}
