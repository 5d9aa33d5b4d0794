//! Register blocks: the `... Thread State ...:` header, and the
//! `name: 0xVALUE` pairs under it.
//!
//! ```text
//!    far: 0x00000001e7fcd448  esr: 0xf2000001 (Breakpoint) brk 1
//!    r15: 0x0000000000000000 rflags: 0x0000000000010206     cs: 0x000000000000002b
//! ```
//!
//! ```text
//! line  = pair+ [description]
//! pair  = blanks name ":" blanks value
//! name  = [a-z0-9]+
//! value = "0x" hex{1,16} | "<unavailable>"            (Rosetta: the register is left out)
//! ```
//! Text after the last pair that is not a pair describes that register.

use std::borrow::Cow;

use nom::Parser;
use nom::branch::alt;
use nom::bytes::complete::{tag, take_while1};
use nom::character::complete::char;
use nom::sequence::terminated;

use super::{Expected, LineError, PResult, address, blanks, expect, fail, hex_run};
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

/// A register name and its colon, after optional blanks.
fn name(input: &str) -> PResult<'_, &str> {
    let (input, _) = blanks(input)?;
    terminated(take_while1(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit()), char(':')).parse(input)
}

/// What Rosetta writes for a register the translated process had no value
/// in (`rip: <unavailable>`).
const UNAVAILABLE: &str = "<unavailable>";

/// `name: 0x...` or `name: <unavailable>`: the name, with the input left
/// where its value starts (the value itself is read by [`value`], which
/// can fail on its own).
fn pair(input: &str) -> PResult<'_, &str> {
    let (at_value, name) = name(input)?;
    (blanks, alt((hex_run.map(|_| ()), tag(UNAVAILABLE).map(|_| ())))).parse(at_value)?;
    Ok((at_value, name))
}

/// The value after `name:`: `0x` and 1 to 16 hex digits, or none.
fn value(input: &str) -> PResult<'_, Option<u64>> {
    let (input, _) = blanks(input)?;
    alt((tag(UNAVAILABLE).map(|_| None), expect("a register value of at most 16 hex digits", address).map(Some)))
        .parse(input)
}

/// True when a line starts with `name: 0x...` (or `name: <unavailable>`).
pub fn is_register_line(line: &str) -> bool {
    pair(line).is_ok()
}

/// Reads all `name: 0xVALUE` pairs of a line into `out`.
pub fn parse_line<'a>(line: &'a str, out: &mut Vec<Register<'a>>) -> Result<(), LineError> {
    pairs(line, out).map(|_| ()).map_err(|error| LineError::from_nom(line, error, "a register `name: 0xVALUE`"))
}

fn pairs<'a>(line: &'a str, out: &mut Vec<Register<'a>>) -> PResult<'a, ()> {
    let mut input = line;
    let mut count = 0;
    // Whether the last pair had a value (and so may have a description).
    let mut last_known = false;
    while !input.trim_ascii().is_empty() {
        match pair(input) {
            Ok((at_value, name)) => {
                let (after, value) = value(at_value).map_err(|e| e.map(|e| Expected { at: input, ..e }))?;
                // An unavailable register is left out: the line's others are kept.
                if let Some(value) = value {
                    out.push(Register { name: Cow::Borrowed(name), value, description: None });
                }
                last_known = value.is_some();
                count += 1;
                input = after;
            }
            Err(_) if count > 0 => {
                if name(input).is_ok() {
                    // `x13: 0x??????`: a register whose value is damaged.
                    return fail(input, "a register value `0x...`");
                }
                // Other text after a value describes it
                // (`esr: 0x56000080  Address size fault`).
                if last_known && let Some(last) = out.last_mut() {
                    last.description = Some(Cow::Borrowed(input.trim_ascii()));
                }
                break;
            }
            Err(_) => return fail(input, "a register `name: 0xVALUE`"),
        }
    }
    Ok(("", ()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_and_descriptions() {
        let mut regs = Vec::new();
        parse_line("   far: 0x00000001e7fcd448  esr: 0xf2000001 (Breakpoint) brk 1", &mut regs).unwrap();
        parse_line("   r15: 0x0000000000000000 rflags: 0x0000000000010206     cs: 0x000000000000002b ", &mut regs)
            .unwrap();
        let names: Vec<_> = regs.iter().map(|r| r.name.as_ref()).collect();
        assert_eq!(names, ["far", "esr", "r15", "rflags", "cs"]);
        assert_eq!(regs[1].value, 0xf2000001);
        assert_eq!(regs[1].description.as_deref(), Some("(Breakpoint) brk 1"));
        assert_eq!(regs[4].value, 0x2b);
    }

    #[test]
    fn unavailable_values_are_left_out_and_the_rest_kept() {
        let line = "  rip: <unavailable>  rfl: 0x0000000000000246";
        assert!(is_register_line(line));
        let mut regs = Vec::new();
        parse_line(line, &mut regs).unwrap();
        assert_eq!(regs, [Register { name: Cow::Borrowed("rfl"), value: 0x246, description: None }]);
        let mut regs = Vec::new();
        parse_line("   x1: 0x1  x2: <unavailable> (Rosetta)", &mut regs).unwrap();
        assert_eq!((regs.len(), regs[0].description.as_deref()), (1, None));
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
        assert!(parse_line("  x0: zzzz", &mut regs).is_err());
        let mut regs = Vec::new();
        let err = parse_line("   x12: 0x000000000000000b  x13: 0x??????????  x14: #&%!", &mut regs).unwrap_err();
        assert_eq!((regs.len(), err.column), (1, 26));
        assert!(!is_register_line("Logical CPU:     2"));
        assert!(is_register_line("    x0: 0x8000000102236830   x1: 0x1"));
        let err = parse_line("   x1: 0x11112222333344445", &mut regs).unwrap_err();
        assert_eq!(err.expected, "a register value of at most 16 hex digits");
    }
}
