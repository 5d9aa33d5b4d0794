//! CPU architectures: named by symbolic's [`Arch`], numbered as Mach-O
//! `cputype` / `cpusubtype` pairs with goblin's constants.
//!
//! Reports spell architectures many ways (`ARM-64 (Native)`, `arm64e`,
//! `X86-64 (Translated)`, `ARM64_32`); symbolic's `Arch` is the one name
//! crashport keeps, the same one its debug-file support reads out of a
//! Mach-O. App Center wants the Mach-O numbers, which symbolic does not
//! give: they come from goblin's constants here, so that they agree with
//! what a binary (and a dSYM) carries.

use goblin::mach::constants::cputype::{
    CPU_SUBTYPE_ARM_ALL, CPU_SUBTYPE_ARM_V5TEJ, CPU_SUBTYPE_ARM_V6, CPU_SUBTYPE_ARM_V6M, CPU_SUBTYPE_ARM_V7,
    CPU_SUBTYPE_ARM_V7EM, CPU_SUBTYPE_ARM_V7F, CPU_SUBTYPE_ARM_V7K, CPU_SUBTYPE_ARM_V7M, CPU_SUBTYPE_ARM_V7S,
    CPU_SUBTYPE_ARM64_32_V8, CPU_SUBTYPE_ARM64_ALL, CPU_SUBTYPE_ARM64_E, CPU_SUBTYPE_ARM64_V8, CPU_SUBTYPE_I386_ALL,
    CPU_SUBTYPE_MASK, CPU_SUBTYPE_POWERPC_ALL, CPU_SUBTYPE_X86_64_ALL, CPU_SUBTYPE_X86_64_H, CPU_TYPE_ARM,
    CPU_TYPE_ARM64, CPU_TYPE_ARM64_32, CPU_TYPE_I386, CPU_TYPE_POWERPC, CPU_TYPE_POWERPC64, CPU_TYPE_X86_64,
};
use serde::Serialize;
use symbolic_common::CpuFamily;

pub use symbolic_common::Arch;

/// Mach-O `cputype` and `cpusubtype`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MachIds {
    /// `cputype` (16777228 for arm64).
    pub cpu_type: u32,
    /// `cpusubtype` without the capability bits (2 for arm64e).
    pub cpu_subtype: u32,
}

/// The Mach-O numbers of an architecture; `None` for the ones no Apple
/// binary has (wasm, mips, the `*Unknown` families).
pub fn mach_ids(arch: Arch) -> Option<MachIds> {
    let (cpu_type, cpu_subtype) = match arch {
        Arch::X86 => (CPU_TYPE_I386, CPU_SUBTYPE_I386_ALL),
        Arch::Amd64 => (CPU_TYPE_X86_64, CPU_SUBTYPE_X86_64_ALL),
        Arch::Amd64h => (CPU_TYPE_X86_64, CPU_SUBTYPE_X86_64_H),
        Arch::Arm64 => (CPU_TYPE_ARM64, CPU_SUBTYPE_ARM64_ALL),
        Arch::Arm64V8 => (CPU_TYPE_ARM64, CPU_SUBTYPE_ARM64_V8),
        Arch::Arm64e => (CPU_TYPE_ARM64, CPU_SUBTYPE_ARM64_E),
        // Real watchOS binaries (and App Center) carry ARM64_32_V8, which
        // goblin's name table does not: it maps `arm64_32` to subtype 0.
        Arch::Arm64_32 | Arch::Arm64_32V8 => (CPU_TYPE_ARM64_32, CPU_SUBTYPE_ARM64_32_V8),
        Arch::Arm => (CPU_TYPE_ARM, CPU_SUBTYPE_ARM_ALL),
        Arch::ArmV5 => (CPU_TYPE_ARM, CPU_SUBTYPE_ARM_V5TEJ),
        Arch::ArmV6 => (CPU_TYPE_ARM, CPU_SUBTYPE_ARM_V6),
        Arch::ArmV6m => (CPU_TYPE_ARM, CPU_SUBTYPE_ARM_V6M),
        Arch::ArmV7 => (CPU_TYPE_ARM, CPU_SUBTYPE_ARM_V7),
        Arch::ArmV7f => (CPU_TYPE_ARM, CPU_SUBTYPE_ARM_V7F),
        Arch::ArmV7s => (CPU_TYPE_ARM, CPU_SUBTYPE_ARM_V7S),
        Arch::ArmV7k => (CPU_TYPE_ARM, CPU_SUBTYPE_ARM_V7K),
        Arch::ArmV7m => (CPU_TYPE_ARM, CPU_SUBTYPE_ARM_V7M),
        Arch::ArmV7em => (CPU_TYPE_ARM, CPU_SUBTYPE_ARM_V7EM),
        Arch::Ppc => (CPU_TYPE_POWERPC, CPU_SUBTYPE_POWERPC_ALL),
        Arch::Ppc64 => (CPU_TYPE_POWERPC64, CPU_SUBTYPE_POWERPC_ALL),
        _ => return None,
    };
    Some(MachIds { cpu_type, cpu_subtype })
}

/// The architecture of raw Mach-O numbers. The capability bits real arm64e
/// binaries carry in their subtype (the pointer-authentication ABI) are
/// dropped first.
pub fn from_mach(cpu_type: u32, cpu_subtype: u32) -> Arch {
    let cpu_subtype = cpu_subtype & !CPU_SUBTYPE_MASK;
    match (cpu_type, cpu_subtype) {
        (CPU_TYPE_I386, _) => Arch::X86,
        (CPU_TYPE_X86_64, CPU_SUBTYPE_X86_64_H) => Arch::Amd64h,
        (CPU_TYPE_X86_64, _) => Arch::Amd64,
        (CPU_TYPE_ARM64, CPU_SUBTYPE_ARM64_E) => Arch::Arm64e,
        (CPU_TYPE_ARM64, CPU_SUBTYPE_ARM64_V8) => Arch::Arm64V8,
        (CPU_TYPE_ARM64, _) => Arch::Arm64,
        (CPU_TYPE_ARM64_32, _) => Arch::Arm64_32,
        (CPU_TYPE_ARM, CPU_SUBTYPE_ARM_V5TEJ) => Arch::ArmV5,
        (CPU_TYPE_ARM, CPU_SUBTYPE_ARM_V6) => Arch::ArmV6,
        (CPU_TYPE_ARM, CPU_SUBTYPE_ARM_V6M) => Arch::ArmV6m,
        (CPU_TYPE_ARM, CPU_SUBTYPE_ARM_V7) => Arch::ArmV7,
        (CPU_TYPE_ARM, CPU_SUBTYPE_ARM_V7F) => Arch::ArmV7f,
        (CPU_TYPE_ARM, CPU_SUBTYPE_ARM_V7S) => Arch::ArmV7s,
        (CPU_TYPE_ARM, CPU_SUBTYPE_ARM_V7K) => Arch::ArmV7k,
        (CPU_TYPE_ARM, CPU_SUBTYPE_ARM_V7M) => Arch::ArmV7m,
        (CPU_TYPE_ARM, CPU_SUBTYPE_ARM_V7EM) => Arch::ArmV7em,
        (CPU_TYPE_ARM, _) => Arch::Arm,
        (CPU_TYPE_POWERPC, _) => Arch::Ppc,
        (CPU_TYPE_POWERPC64, _) => Arch::Ppc64,
        _ => Arch::Unknown,
    }
}

/// Reads an architecture as reports write it: `arm64e`, `x86_64`,
/// `ARM-64`, `X86-64 (Native)`, `ARM (Native)`, `ARM64_32`, `armv7k`,
/// `X86`, `i386`. A `(Native)` / `(Translated)` suffix is ignored here (see
/// [`CodeType`]); names that are no Apple architecture give `None`.
pub fn parse(name: &str) -> Option<Arch> {
    let name = strip_mode(name).0;
    // The names every report is full of, without allocating a lower-case
    // copy as symbolic's parser does.
    let arch = match name {
        "arm64" | "ARM-64" | "ARM64" | "arm-64" => Arch::Arm64,
        "arm64e" => Arch::Arm64e,
        "x86_64" | "X86-64" | "x86-64" | "X86_64" => Arch::Amd64,
        "armv7" => Arch::ArmV7,
        "armv7s" => Arch::ArmV7s,
        "armv7k" => Arch::ArmV7k,
        "arm64_32" | "ARM64_32" | "ARM-64_32" => Arch::Arm64_32,
        "i386" | "X86" | "x86" | "I386" => Arch::X86,
        // Old iOS reports write the bare family; the oldest devices that
        // write it (iPhone 3GS, iPhone 4) run armv7 code.
        "ARM" => Arch::ArmV7,
        other => other.parse::<Arch>().ok()?,
    };
    mach_ids(arch).map(|_| arch)
}

/// How many hex digits the report writes an address in: 16 on 64-bit
/// address spaces, 8 on 32-bit ones. arm64_32 is a 64-bit instruction set
/// with 32-bit pointers, so its reports write 8.
pub fn address_digits(arch: Arch) -> usize {
    match arch.cpu_family() {
        CpuFamily::Arm32 | CpuFamily::Arm64_32 | CpuFamily::Intel32 | CpuFamily::Ppc32 | CpuFamily::Mips32 => 8,
        _ => 16,
    }
}

/// True for any ARM flavour.
pub fn is_arm(arch: Arch) -> bool {
    matches!(arch.cpu_family(), CpuFamily::Arm32 | CpuFamily::Arm64 | CpuFamily::Arm64_32)
}

/// True for i386 / x86_64.
pub fn is_x86(arch: Arch) -> bool {
    matches!(arch.cpu_family(), CpuFamily::Intel32 | CpuFamily::Amd64)
}

/// Serializes an architecture as `{"name", "cputype", "cpusubtype"}`, the
/// form of the model's JSON (docs/MODEL.md).
pub fn serialize<S: serde::Serializer>(arch: &Arch, serializer: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeStruct;
    let ids = mach_ids(*arch);
    let mut s = serializer.serialize_struct("Arch", 3)?;
    s.serialize_field("name", arch.name())?;
    s.serialize_field("cputype", &ids.map(|i| i.cpu_type))?;
    s.serialize_field("cpusubtype", &ids.map(|i| i.cpu_subtype))?;
    s.end()
}

/// [`serialize`] for an optional architecture.
pub fn serialize_opt<S: serde::Serializer>(arch: &Option<Arch>, serializer: S) -> Result<S::Ok, S::Error> {
    match arch {
        Some(arch) => serialize(arch, serializer),
        None => serializer.serialize_none(),
    }
}

/// The process architecture a report names (`Code Type:` / `cpuType`), and
/// whether the process ran translated under Rosetta.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CodeType {
    /// The architecture the process's code was built for.
    #[serde(serialize_with = "serialize")]
    pub arch: Arch,
    /// True for `(Translated)`: x86_64 code run by Rosetta on Apple silicon.
    pub translated: bool,
    /// True when the report said `(Native)` or `(Translated)` explicitly.
    /// Apple's own reports do since iOS 9 / OS X 10.10; third-party writers
    /// such as PLCrashReporter do not.
    pub explicit_mode: bool,
}

impl CodeType {
    /// Reads `ARM-64 (Native)`, `X86-64 (Translated)`, `ARM`, `ARM64_32`.
    pub fn parse(text: &str) -> Option<CodeType> {
        let (name, mode) = strip_mode(text.trim());
        let arch = parse(name)?;
        Some(CodeType { arch, translated: mode == Some("Translated"), explicit_mode: mode.is_some() })
    }
}

/// Splits `X86-64 (Translated)` into `X86-64` and `Some("Translated")`.
fn strip_mode(text: &str) -> (&str, Option<&str>) {
    if !text.ends_with(')') {
        return (text, None);
    }
    if let Some(open) = text.find(" (")
        && let Some(inner) = text[open + 2..].strip_suffix(')')
    {
        return (text[..open].trim_end(), Some(inner));
    }
    (text, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_to_mach_ids() {
        let cases = [
            ("arm64", 16777228, 0),
            ("ARM-64", 16777228, 0),
            ("ARM-64 (Native)", 16777228, 0),
            ("arm64e", 16777228, 2),
            ("arm64_32", 33554444, 1),
            ("ARM64_32", 33554444, 1),
            ("x86_64", 16777223, 3),
            ("X86-64 (Translated)", 16777223, 3),
            ("x86_64h", 16777223, 8),
            ("i386", 7, 3),
            ("X86 (Native)", 7, 3),
            ("armv7", 12, 9),
            ("armv7s", 12, 11),
            ("armv7k", 12, 12),
            ("armv6", 12, 6),
            ("ARM", 12, 9),
        ];
        for (name, cpu_type, cpu_subtype) in cases {
            assert_eq!(parse(name).and_then(mach_ids), Some(MachIds { cpu_type, cpu_subtype }), "{name}");
        }
        assert_eq!(parse("pdp11"), None);
        assert_eq!(parse("wasm32"), None);
    }

    #[test]
    fn mach_ids_round_trip() {
        for name in ["arm64", "arm64e", "arm64_32", "x86_64", "x86_64h", "i386", "armv7", "armv7k", "armv7s", "armv6"] {
            let arch = parse(name).unwrap();
            let ids = mach_ids(arch).unwrap();
            assert_eq!(from_mach(ids.cpu_type, ids.cpu_subtype), arch, "{name}");
        }
    }

    #[test]
    fn raw_arm64e_subtype_is_masked() {
        assert_eq!(from_mach(16777228, 0x8000_0002), Arch::Arm64e);
    }

    #[test]
    fn code_type_modes() {
        let rosetta = CodeType::parse("X86-64 (Translated)").unwrap();
        assert!(rosetta.translated && rosetta.explicit_mode);
        let plcr = CodeType::parse("ARM-64").unwrap();
        assert!(!plcr.translated && !plcr.explicit_mode);
        assert_eq!(address_digits(Arch::Arm64_32), 8);
        assert_eq!(address_digits(Arch::Arm64e), 16);
    }
}
