//! CPU architectures as Mach-O `cputype` / `cpusubtype` pairs.
//!
//! Reports name architectures in several spellings (`ARM-64 (Native)`,
//! `arm64e`, `X86-64 (Translated)`, `ARM64_32`); App Center wants the Mach-O
//! numbers. The numbers come from goblin's constants so that they agree with
//! what a Mach-O binary (and a dSYM) carries.

use std::fmt;

use goblin::mach::constants::cputype::{
    self, CPU_SUBTYPE_ARM64_32_V8, CPU_TYPE_ARM, CPU_TYPE_ARM64, CPU_TYPE_ARM64_32, CPU_TYPE_I386, CPU_TYPE_X86_64,
};
use serde::Serialize;

/// A CPU architecture: the Mach-O `cputype` and `cpusubtype`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Arch {
    /// Mach-O `cputype` (e.g. 16777228 for arm64).
    pub cpu_type: u32,
    /// Mach-O `cpusubtype`, without the capability bits (e.g. 2 for arm64e).
    pub cpu_subtype: u32,
}

/// The pointer-authentication ABI bits that real arm64e binaries carry in
/// their subtype; App Center and every table here use the masked value.
const CPU_SUBTYPE_MASK: u32 = 0xff00_0000;

impl Arch {
    /// Makes an architecture from raw Mach-O numbers, dropping capability bits.
    pub fn from_mach(cpu_type: u32, cpu_subtype: u32) -> Arch {
        Arch { cpu_type, cpu_subtype: cpu_subtype & !CPU_SUBTYPE_MASK }
    }

    /// Reads an architecture name as reports write it: `arm64e`, `x86_64`,
    /// `ARM-64`, `X86-64 (Native)`, `ARM (Native)`, `ARM64_32`, `armv7k`, `X86`, `i386`.
    ///
    /// A `(Native)` / `(Translated)` suffix is ignored here; see [`CodeType`].
    pub fn from_name(name: &str) -> Option<Arch> {
        let name = strip_mode(name).0;
        // The names every report is full of, without a walk through goblin's table.
        match name {
            "arm64" | "ARM-64" => return Some(Arch { cpu_type: CPU_TYPE_ARM64, cpu_subtype: 0 }),
            "arm64e" => return Some(Arch { cpu_type: CPU_TYPE_ARM64, cpu_subtype: 2 }),
            "x86_64" | "X86-64" => return Some(Arch { cpu_type: CPU_TYPE_X86_64, cpu_subtype: 3 }),
            "armv7" => return Some(Arch { cpu_type: CPU_TYPE_ARM, cpu_subtype: 9 }),
            "i386" => return Some(Arch { cpu_type: CPU_TYPE_I386, cpu_subtype: 3 }),
            _ => {}
        }
        let canonical = match name {
            "ARM-64" | "ARM64" | "arm-64" => "arm64",
            "ARM64_32" | "ARM-64_32" => "arm64_32",
            "X86-64" | "x86-64" | "X86_64" => "x86_64",
            "X86" | "x86" | "I386" => "i386",
            // Old iOS reports write the bare family; the oldest devices that
            // write it (iPhone 3GS, iPhone 4) run armv7 code.
            "ARM" => "armv7",
            other => other,
        };
        // goblin's table maps arm64_32 to subtype 0, but real watchOS binaries
        // (and App Center) carry CPU_SUBTYPE_ARM64_32_V8.
        if canonical == "arm64_32" {
            return Some(Arch { cpu_type: CPU_TYPE_ARM64_32, cpu_subtype: CPU_SUBTYPE_ARM64_32_V8 });
        }
        let (cpu_type, cpu_subtype) = cputype::get_arch_from_flag(canonical)?;
        Some(Arch::from_mach(cpu_type, cpu_subtype))
    }

    /// The conventional lower-case name (`arm64e`, `x86_64`, `armv7s` ...), or
    /// `unknown` for a pair that no name is known for.
    pub fn name(&self) -> &'static str {
        if self.cpu_type == CPU_TYPE_ARM64_32 {
            return "arm64_32";
        }
        cputype::get_arch_name_from_types(self.cpu_type, self.cpu_subtype).unwrap_or("unknown")
    }

    /// True for 64-bit address spaces (arm64, arm64e, x86_64).
    ///
    /// arm64_32 is a 64-bit instruction set with 32-bit pointers, so it counts
    /// as 32-bit here: addresses in its reports are 8 hex digits.
    pub fn is_64_bit(&self) -> bool {
        self.cpu_type == CPU_TYPE_ARM64 || self.cpu_type == CPU_TYPE_X86_64
    }

    /// True for any ARM flavour.
    pub fn is_arm(&self) -> bool {
        matches!(self.cpu_type, CPU_TYPE_ARM | CPU_TYPE_ARM64 | CPU_TYPE_ARM64_32)
    }

    /// True for i386 / x86_64.
    pub fn is_x86(&self) -> bool {
        matches!(self.cpu_type, CPU_TYPE_I386 | CPU_TYPE_X86_64)
    }
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Arch {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Arch", 3)?;
        s.serialize_field("name", self.name())?;
        s.serialize_field("cputype", &self.cpu_type)?;
        s.serialize_field("cpusubtype", &self.cpu_subtype)?;
        s.end()
    }
}

/// The process architecture a report names (`Code Type:` / `cpuType`), and
/// whether the process ran translated under Rosetta.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CodeType {
    /// The architecture the process's code was built for.
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
        let arch = Arch::from_name(name)?;
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
            assert_eq!(Arch::from_name(name), Some(Arch { cpu_type, cpu_subtype }), "{name}");
        }
        assert_eq!(Arch::from_name("pdp11"), None);
    }

    #[test]
    fn names_round_trip() {
        for name in ["arm64", "arm64e", "arm64_32", "x86_64", "x86_64h", "i386", "armv7", "armv7k", "armv7s"] {
            assert_eq!(Arch::from_name(name).map(|a| a.name()), Some(name));
        }
    }

    #[test]
    fn raw_arm64e_subtype_is_masked() {
        assert_eq!(Arch::from_mach(16777228, 0x8000_0002).name(), "arm64e");
    }

    #[test]
    fn code_type_modes() {
        let rosetta = CodeType::parse("X86-64 (Translated)").unwrap();
        assert!(rosetta.translated && rosetta.explicit_mode);
        let plcr = CodeType::parse("ARM-64").unwrap();
        assert!(!plcr.translated && !plcr.explicit_mode);
        assert!(!Arch::from_name("arm64_32").unwrap().is_64_bit());
    }
}
