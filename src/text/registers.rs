//! Register blocks: `Thread 0 crashed with ARM Thread State (64-bit):` and
//! the `name: 0xVALUE` lines under it.
//!
//! ```text
//!    far: 0x00000001e7fcd448  esr: 0xf2000001 (Breakpoint) brk 1
//!    r15: 0x0000000000000000 rflags: 0x0000000000010206     cs: 0x000000000000002b
//! ```
//! A register's value may be followed by a description that runs to the end
//! of the line.

use std::borrow::Cow;

use super::LineError;
use super::frames::parse_hex;
use crate::model::{Register, RegisterFlavor};

/// Which registers a `... Thread State ...:` header announces.
pub fn flavor_from_header(header: &str) -> RegisterFlavor {
    let is_64 = header.contains("64-bit") || header.contains("ARM-64") || header.contains("X86-64");
    if header.contains("ARM") {
        if is_64 { RegisterFlavor::Arm64 } else { RegisterFlavor::Arm32 }
    } else if header.contains("X86") || header.contains("x86") {
        if is_64 { RegisterFlavor::X86_64 } else { RegisterFlavor::X86 }
    } else {
        RegisterFlavor::Unknown
    }
}

/// Guesses a flavor from the first register's name, for headers that do not say.
pub fn flavor_from_registers(registers: &[Register<'_>]) -> RegisterFlavor {
    match registers.first().map(|r| r.name.as_ref()) {
        Some("x0") => RegisterFlavor::Arm64,
        Some("r0") => RegisterFlavor::Arm32,
        Some("rax" | "rip") => RegisterFlavor::X86_64,
        Some("eax") => RegisterFlavor::X86,
        _ => RegisterFlavor::Unknown,
    }
}

/// `name: 0xVALUE` after optional blanks: `(rest of the text, (name, value))`.
///
/// Scanned by hand: register lines are about a tenth of a report's lines,
/// and each is read twice (once to recognise it, once to take it).
fn register_pair(text: &str) -> Option<(&str, (&str, &str))> {
    let bytes = text.as_bytes();
    let blanks = |from: usize| from + bytes[from..].iter().take_while(|b| matches!(b, b' ' | b'\t')).count();
    let name_start = blanks(0);
    let name_end =
        name_start + bytes[name_start..].iter().take_while(|b| b.is_ascii_lowercase() || b.is_ascii_digit()).count();
    if name_end == name_start || bytes.get(name_end) != Some(&b':') {
        return None;
    }
    let value_start = blanks(name_end + 1);
    if !bytes[value_start..].starts_with(b"0x") {
        return None;
    }
    let digits = bytes[value_start + 2..].iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits == 0 {
        return None;
    }
    let value_end = value_start + 2 + digits;
    Some((&text[value_end..], (&text[name_start..name_end], &text[value_start..value_end])))
}

/// True when `text` starts (after spaces) with `name:`.
fn looks_like_register_name(text: &str) -> bool {
    let text = text.trim_ascii_start();
    let name_len = text.bytes().take_while(|b| b.is_ascii_lowercase() || b.is_ascii_digit()).count();
    name_len > 0 && text[name_len..].starts_with(':')
}

/// True when a line starts with `name: 0x...`.
pub fn is_register_line(line: &str) -> bool {
    register_pair(line).is_some()
}

/// Reads all `name: 0xVALUE` pairs of a line into `out`.
pub fn parse_register_line<'a>(line: &'a str, out: &mut Vec<Register<'a>>) -> Result<(), LineError> {
    let mut rest = line;
    let mut count = 0;
    while !rest.trim_ascii().is_empty() {
        match register_pair(rest) {
            Some((after, (name, value_text))) => {
                let column = line.len() - rest.len();
                let value = parse_hex(value_text)
                    .ok_or_else(|| LineError::new(column, "a register value of at most 16 hex digits"))?;
                out.push(Register { name: Cow::Borrowed(name), value, description: None });
                count += 1;
                rest = after;
            }
            None if count > 0 => {
                let column = line.len() - rest.len();
                if looks_like_register_name(rest) {
                    // `x13: 0x??????` — a register whose value is damaged.
                    return Err(LineError::new(column, "a register value `0x...`"));
                }
                // Other text after a value describes it
                // (`esr: 0x56000080  Address size fault`).
                if let Some(last) = out.last_mut() {
                    last.description = Some(Cow::Borrowed(rest.trim_ascii()));
                }
                break;
            }
            None => return Err(LineError::new(line.len() - rest.len(), "a register `name: 0xVALUE`")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_and_descriptions() {
        let mut regs = Vec::new();
        parse_register_line("   far: 0x00000001e7fcd448  esr: 0xf2000001 (Breakpoint) brk 1", &mut regs).unwrap();
        parse_register_line(
            "   r15: 0x0000000000000000 rflags: 0x0000000000010206     cs: 0x000000000000002b ",
            &mut regs,
        )
        .unwrap();
        let names: Vec<_> = regs.iter().map(|r| r.name.as_ref()).collect();
        assert_eq!(names, ["far", "esr", "r15", "rflags", "cs"]);
        assert_eq!(regs[1].value, 0xf2000001);
        assert_eq!(regs[1].description.as_deref(), Some("(Breakpoint) brk 1"));
        assert_eq!(regs[4].value, 0x2b);
    }

    #[test]
    fn flavors() {
        assert_eq!(flavor_from_header("ARM Thread State (64-bit)"), RegisterFlavor::Arm64);
        assert_eq!(flavor_from_header("ARM Thread State"), RegisterFlavor::Arm32);
        assert_eq!(flavor_from_header("ARM-64 Thread State"), RegisterFlavor::Arm64);
        assert_eq!(flavor_from_header("X86-64 Thread State"), RegisterFlavor::X86_64);
        assert_eq!(flavor_from_header("X86 Thread State (32-bit)"), RegisterFlavor::X86);
    }

    #[test]
    fn garbage_is_an_error() {
        let mut regs = Vec::new();
        assert!(parse_register_line("  x0: zzzz", &mut regs).is_err());
        let mut regs = Vec::new();
        let err =
            parse_register_line("   x12: 0x000000000000000b  x13: 0x??????????  x14: #&%!", &mut regs).unwrap_err();
        assert_eq!((regs.len(), err.column), (1, 26));
        assert!(!is_register_line("Logical CPU:     2"));
        assert!(is_register_line("    x0: 0x8000000102236830   x1: 0x1"));
    }
}
