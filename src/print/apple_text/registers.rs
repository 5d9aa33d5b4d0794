//! The crashed thread's state: `Thread 0 crashed with ARM Thread State
//! (64-bit):` and its registers in Apple's rows.
//!
//! ```text
//!     x0: 0x8000000102236830   x1: 0x0000000281d76520   x2: 0x0000000000000001   x3: 0x000000019eca7a84
//!    x28: 0x0000000000000000   fp: 0x000000016dbcceb0   lr: 0x000000018a98520c
//!     sp: 0x000000016dbcce30   pc: 0x000000018a98520c cpsr: 0x60001000
//!    far: 0x00000001e7fcd448  esr: 0xf2000001 (Breakpoint) brk 1
//! ```
//!
//! Each register is its name right-aligned in five columns, `: `, and its
//! value; ARM rows start one column in. Registers the rows do not name
//! (PLCrashReporter's `cs`, an `.ips` `x29`) follow in rows of four, so that
//! every register the report has is printed.

use std::borrow::Cow;

use super::{Family, right};
use crate::hex::Hex;
use crate::model::{Register, RegisterFlavor, RegisterState, Report};

/// The states of the crashed threads, after a blank line.
pub(super) fn write_states(r: &Report<'_>, _family: Family, out: &mut String) {
    for thread in r.threads.iter().filter(|t| t.crashed) {
        let Some(state) = &thread.registers else { continue };
        out.push('\n');
        out.push_str("Thread ");
        out.push_str(itoa::Buffer::new().format(thread.number));
        out.push_str(" crashed with ");
        out.push_str(state_name(state.flavor));
        out.push_str(":\n");
        write_state(state, out);
        out.push('\n');
    }
}

/// The state's name as its header line writes it.
fn state_name(flavor: RegisterFlavor) -> &'static str {
    match flavor {
        RegisterFlavor::Arm64 => "ARM Thread State (64-bit)",
        RegisterFlavor::Arm32 => "ARM Thread State (32-bit)",
        RegisterFlavor::X86_64 => "X86 Thread State (64-bit)",
        RegisterFlavor::X86 => "X86 Thread State (32-bit)",
        RegisterFlavor::Unknown => "Unknown Thread State",
    }
}

/// Apple's rows for a flavor, by the model's register names.
fn rows(flavor: RegisterFlavor) -> &'static [&'static [&'static str]] {
    match flavor {
        RegisterFlavor::Arm64 => &[
            &["x0", "x1", "x2", "x3"],
            &["x4", "x5", "x6", "x7"],
            &["x8", "x9", "x10", "x11"],
            &["x12", "x13", "x14", "x15"],
            &["x16", "x17", "x18", "x19"],
            &["x20", "x21", "x22", "x23"],
            &["x24", "x25", "x26", "x27"],
            &["x28", "fp", "lr"],
            &["sp", "pc", "cpsr"],
            &["far", "esr"],
        ],
        RegisterFlavor::Arm32 => &[
            &["r0", "r1", "r2", "r3"],
            &["r4", "r5", "r6", "r7"],
            &["r8", "r9", "r10", "r11"],
            &["r12", "ip", "sp", "lr", "pc"],
            &["cpsr", "far", "esr"],
        ],
        RegisterFlavor::X86_64 => &[
            &["rax", "rbx", "rcx", "rdx"],
            &["rdi", "rsi", "rbp", "rsp"],
            &["r8", "r9", "r10", "r11"],
            &["r12", "r13", "r14", "r15"],
            &["rip", "rflags", "cr2"],
        ],
        RegisterFlavor::X86 => &[
            &["eax", "ebx", "ecx", "edx"],
            &["edi", "esi", "ebp", "esp"],
            &["ss", "eflags", "eip", "cs"],
            &["ds", "es", "fs", "gs"],
        ],
        RegisterFlavor::Unknown => &[],
    }
}

/// The x86 machine state Apple prints under the registers, by the names
/// the text (`Logical CPU`) and `.ips` (`cpu`) readers give it.
const MACHINE: [(&str, &str, &str); 3] = [
    ("Logical CPU", "cpu", "Logical CPU:     "),
    ("Error Code", "err", "Error Code:      "),
    ("Trap Number", "trap", "Trap Number:     "),
];

fn write_state(state: &RegisterState<'_>, out: &mut String) {
    let flavor = state.flavor;
    let mut printed = vec![false; state.registers.len()];
    for row in rows(flavor) {
        let cells: Vec<&Register<'_>> = row
            .iter()
            .filter_map(|name| {
                let at = state.registers.iter().position(|r| r.name == *name)?;
                printed[at] = true;
                Some(&state.registers[at])
            })
            .collect();
        write_row(flavor, &cells, out);
    }
    let rest: Vec<&Register<'_>> = state.registers.iter().zip(&printed).filter(|(_, p)| !**p).map(|(r, _)| r).collect();
    for row in rest.chunks(4) {
        write_row(flavor, row, out);
    }
    // Rosetta's registers (`tmp0`..), named `rosetta.tmp0` by the `.ips`
    // reader, on a row of their own as Apple's text gives them.
    let mut other: Vec<Register<'_>> = state
        .extra
        .iter()
        .filter(|e| !MACHINE.iter().any(|(text, ips, _)| e.name == *text || e.name == *ips))
        .map(|e| Register {
            name: Cow::Borrowed(e.name.strip_prefix("rosetta.").unwrap_or(&e.name)),
            value: e.value,
            description: e.description.clone(),
        })
        .collect();
    // `.ips` keeps them in no order; `tmp0 tmp1 tmp2`, as Apple prints them.
    other.sort_by_cached_key(|r| numbered(&r.name));
    for row in other.chunks(4) {
        for register in row {
            out.push(' ');
            out.push_str(&register.name);
            out.push_str(": ");
            out.push_str(Hex::prefixed(register.value, 16).as_str());
        }
        out.push('\n');
    }
    let machine: Vec<(&str, &Register<'_>)> = MACHINE
        .iter()
        .filter_map(|(text, ips, label)| {
            state.extra.iter().find(|e| e.name == *text || e.name == *ips).map(|e| (*label, e))
        })
        .collect();
    if !machine.is_empty() {
        // Apple puts a line of two spaces between the registers and these.
        out.push_str("  \n");
    }
    for (label, register) in machine {
        out.push_str(label);
        if label.starts_with("Error") {
            out.push_str(Hex::prefixed(register.value, 8).as_str());
            out.push(' ');
            out.push_str(register.description.as_deref().map(str::trim).unwrap_or(""));
        } else {
            out.push_str(itoa::Buffer::new().format(register.value));
        }
        out.push('\n');
    }
}

/// `tmp10` as (`tmp`, 10), so that names sort by their numbers.
fn numbered(name: &str) -> (String, u64) {
    let digits = name.len() - name.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let (stem, number) = name.split_at(name.len() - digits);
    (stem.to_string(), number.parse().unwrap_or(0))
}

/// One row: ` name: 0x...` cells, the last register's description after it.
/// A description ends its row early, since it runs to the end of the line.
fn write_row(flavor: RegisterFlavor, cells: &[&Register<'_>], out: &mut String) {
    if cells.is_empty() {
        return;
    }
    let arm = matches!(flavor, RegisterFlavor::Arm64 | RegisterFlavor::Arm32);
    let mut start = true;
    for register in cells {
        if start && arm {
            out.push(' ');
        }
        start = false;
        right(out, display_name(flavor, &register.name), 5);
        out.push_str(": ");
        out.push_str(Hex::prefixed(register.value, digits(flavor, &register.name)).as_str());
        if let Some(description) = register.description.as_deref().filter(|d| !d.trim().is_empty()) {
            // `.ips` descriptions may carry a leading space of their own
            // (` Address size fault`), which Apple keeps.
            out.push(' ');
            out.push_str(description.trim_end());
            out.push('\n');
            start = true;
        }
    }
    if !start {
        out.push('\n');
    }
}

/// The register's name as Apple's text writes it (`rfl` for `rflags`).
fn display_name(flavor: RegisterFlavor, name: &str) -> &str {
    match (flavor, name) {
        (RegisterFlavor::X86_64, "rflags") => "rfl",
        (RegisterFlavor::X86, "eflags") => "efl",
        _ => name,
    }
}

/// Hex digits of a value: 16 on 64-bit states (8 for ARM's 32-bit `cpsr`
/// and `esr`), 8 on 32-bit ones.
fn digits(flavor: RegisterFlavor, name: &str) -> usize {
    match flavor {
        RegisterFlavor::Arm64 if matches!(name, "cpsr" | "esr") => 8,
        RegisterFlavor::Arm32 | RegisterFlavor::X86 => 8,
        _ => 16,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn register(name: &'static str, value: u64, description: Option<&'static str>) -> Register<'static> {
        Register { name: Cow::Borrowed(name), value, description: description.map(Cow::Borrowed) }
    }

    #[test]
    fn arm64_rows_as_apple_writes_them() {
        let state = RegisterState {
            flavor: RegisterFlavor::Arm64,
            registers: vec![
                register("x28", 0, None),
                register("fp", 0x16dbcceb0, None),
                register("lr", 0x18a98520c, None),
                register("sp", 0x16dbcce30, None),
                register("pc", 0x18a98520c, None),
                register("cpsr", 0x60001000, None),
                register("far", 0x1e7fcd448, None),
                register("esr", 0xf2000001, Some("(Breakpoint) brk 1")),
            ],
            extra: Vec::new(),
        };
        let mut out = String::new();
        write_state(&state, &mut out);
        assert_eq!(
            out,
            "   x28: 0x0000000000000000   fp: 0x000000016dbcceb0   lr: 0x000000018a98520c\n    \
             sp: 0x000000016dbcce30   pc: 0x000000018a98520c cpsr: 0x60001000\n   \
             far: 0x00000001e7fcd448  esr: 0xf2000001 (Breakpoint) brk 1\n"
        );
    }

    #[test]
    fn x86_machine_state_follows() {
        let state = RegisterState {
            flavor: RegisterFlavor::X86_64,
            registers: vec![register("rip", 0x10b92af70, None), register("rflags", 0x10202, None)],
            extra: vec![
                register("cpu", 2, None),
                register("err", 6, Some("(no mapping for user data write)")),
                register("trap", 14, None),
                register("rosetta.tmp0", 1, None),
            ],
        };
        let mut out = String::new();
        write_state(&state, &mut out);
        assert_eq!(
            out,
            "  rip: 0x000000010b92af70  rfl: 0x0000000000010202\n tmp0: 0x0000000000000001\n  \n\
             Logical CPU:     2\nError Code:      0x00000006 (no mapping for user data write)\nTrap Number:     14\n"
        );
    }
}
