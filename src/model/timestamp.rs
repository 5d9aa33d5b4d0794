//! Report timestamps (`Date/Time:`, `Launch Time:`, `captureTime`, `procLaunch`).
//!
//! Reports write local time with a numeric offset, `2022-09-18 15:28:37.3451 +0900`,
//! with 0 to 4 (sometimes more) fractional digits, and some writers leave the
//! offset out. The offset matters twice: the UTC instant is computed from it,
//! and App Center wants it as `timeZoneOffset`.

use std::fmt;

use serde::Serialize;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// A point in time as a report states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp {
    /// The instant, carrying the report's own offset (UTC when it had none).
    pub local: OffsetDateTime,
    /// False when the report wrote no offset and UTC was assumed.
    pub has_offset: bool,
}

impl Timestamp {
    /// Reads `YYYY-MM-DD HH:MM:SS[.fraction] [±HHMM]` (a `T` separator and a
    /// `±HH:MM` or `Z` offset are accepted too). Returns `None` for anything else.
    pub fn parse(text: &str) -> Option<Timestamp> {
        let b = text.trim().as_bytes();
        let year = digits(b, 0, 4)? as i32;
        expect(b, 4, b'-')?;
        let month = Month::try_from(digits(b, 5, 2)? as u8).ok()?;
        expect(b, 7, b'-')?;
        let day = digits(b, 8, 2)? as u8;
        if !matches!(b.get(10), Some(b' ' | b'T')) {
            return None;
        }
        let hour = digits(b, 11, 2)? as u8;
        expect(b, 13, b':')?;
        let minute = digits(b, 14, 2)? as u8;
        expect(b, 16, b':')?;
        let second = digits(b, 17, 2)? as u8;
        let mut pos = 19;
        let mut nanos: u32 = 0;
        if b.get(pos) == Some(&b'.') {
            pos += 1;
            let start = pos;
            while pos < b.len() && b[pos].is_ascii_digit() {
                // Digits past nanosecond precision carry no information.
                if pos - start < 9 {
                    nanos = nanos * 10 + u32::from(b[pos] - b'0');
                }
                pos += 1;
            }
            let count = (pos - start).min(9);
            if count == 0 {
                return None;
            }
            nanos *= 10u32.pow(9 - count as u32);
        }
        let date = Date::from_calendar_date(year, month, day).ok()?;
        let clock = Time::from_hms_nano(hour, minute, second, nanos).ok()?;
        let rest = std::str::from_utf8(&b[pos..]).ok()?.trim();
        let (offset, has_offset) = if rest.is_empty() { (UtcOffset::UTC, false) } else { (parse_offset(rest)?, true) };
        let local = PrimitiveDateTime::new(date, clock).assume_offset(offset);
        // Year 9999 at -14:00 is year 10000 in UTC, outside what `time` can
        // represent; such a date is as good as no date.
        local.checked_to_offset(UtcOffset::UTC)?;
        Some(Timestamp { local, has_offset })
    }

    /// The report's UTC offset in minutes (`+0900` is 540); 0 when it had none.
    pub fn offset_minutes(&self) -> i32 {
        i32::from(self.local.offset().whole_minutes())
    }

    /// The instant in UTC.
    pub fn utc(&self) -> OffsetDateTime {
        self.local.to_offset(UtcOffset::UTC)
    }

    /// UTC as `YYYY-MM-DDTHH:MM:SS.sssZ` (milliseconds, truncated), the form
    /// App Center takes.
    pub fn to_utc_millis_string(&self) -> String {
        format_utc_millis(self.utc())
    }
}

/// Formats an instant as `YYYY-MM-DDTHH:MM:SSZ` in UTC (reports give
/// seconds; milliseconds would only say `.000`).
pub fn format_utc_seconds(at: OffsetDateTime) -> String {
    let mut text = format_utc_millis(at);
    // `.sssZ` is the last five characters, whatever the year's width.
    text.truncate(text.len() - 5);
    text.push('Z');
    text
}

/// Formats an instant as `YYYY-MM-DDTHH:MM:SS.sssZ` in UTC.
pub fn format_utc_millis(at: OffsetDateTime) -> String {
    let at = at.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    )
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in the report's own offset (`2022-09-18T15:28:37.3451+09:00`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.local;
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )?;
        let nanos = t.nanosecond();
        if nanos != 0 {
            let fraction = format!("{nanos:09}");
            write!(f, ".{}", fraction.trim_end_matches('0'))?;
        }
        if !self.has_offset {
            return Ok(());
        }
        let minutes = self.offset_minutes();
        let sign = if minutes < 0 { '-' } else { '+' };
        write!(f, "{sign}{:02}:{:02}", minutes.abs() / 60, minutes.abs() % 60)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Timestamp", 3)?;
        s.serialize_field("local", &self.to_string())?;
        s.serialize_field("utc", &self.to_utc_millis_string())?;
        s.serialize_field("offset_minutes", &self.has_offset.then(|| self.offset_minutes()))?;
        s.end()
    }
}

fn digits(b: &[u8], start: usize, len: usize) -> Option<u32> {
    let slice = b.get(start..start + len)?;
    slice.iter().try_fold(0u32, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0')))
}

fn expect(b: &[u8], at: usize, want: u8) -> Option<()> {
    (b.get(at) == Some(&want)).then_some(())
}

/// `+0900`, `-0700`, `+09:00`, `Z`.
fn parse_offset(text: &str) -> Option<UtcOffset> {
    if text == "Z" || text == "UTC" || text == "GMT" {
        return Some(UtcOffset::UTC);
    }
    let b = text.as_bytes();
    let sign: i8 = match b.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (hours, minutes) = match b.len() {
        5 => (digits(b, 1, 2)?, digits(b, 3, 2)?),
        6 if b[3] == b':' => (digits(b, 1, 2)?, digits(b, 4, 2)?),
        _ => return None,
    };
    if hours > 14 || minutes > 59 {
        return None;
    }
    UtcOffset::from_hms(sign * hours as i8, sign * minutes as i8, 0).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_report_forms() {
        let t = Timestamp::parse("2022-09-18 15:28:37.3451 +0900").unwrap();
        assert_eq!(t.offset_minutes(), 540);
        assert_eq!(t.to_utc_millis_string(), "2022-09-18T06:28:37.345Z");
        assert_eq!(t.to_string(), "2022-09-18T15:28:37.3451+09:00");

        let t = Timestamp::parse("2019-01-09 17:42:22 +0000").unwrap();
        assert_eq!(t.to_utc_millis_string(), "2019-01-09T17:42:22.000Z");

        let t = Timestamp::parse("2021-03-08 13:57:06.00 -0800").unwrap();
        assert_eq!(t.offset_minutes(), -480);
        assert_eq!(t.to_utc_millis_string(), "2021-03-08T21:57:06.000Z");

        let t = Timestamp::parse("2020-03-27 18:06:51").unwrap();
        assert!(!t.has_offset);
        assert_eq!(t.offset_minutes(), 0);

        let t = Timestamp::parse("2024-01-02 03:04:05.5 +0530").unwrap();
        assert_eq!(t.offset_minutes(), 330);
        assert_eq!(t.to_utc_millis_string(), "2024-01-01T21:34:05.500Z");
        assert_eq!(format_utc_seconds(t.utc()), "2024-01-01T21:34:05Z");
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "yesterday",
            "2022-13-01 00:00:00",
            "2022-09-18 15:28",
            "2022-09-18 15:28:37 +9",
            "2022-09-18 15:28:37.",
        ] {
            assert_eq!(Timestamp::parse(bad), None, "{bad}");
        }
    }
}
