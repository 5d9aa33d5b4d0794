//! Threads, stack frames and register states.

use std::borrow::Cow;

use serde::Serialize;

use super::serde_hex;

/// One thread of the crashed process.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Thread<'a> {
    /// The thread number: `Thread N` in text, the index in `threads` in `.ips`.
    pub number: u32,
    /// The kernel thread id (`.ips` `id`), not shown in text reports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// The thread's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Cow<'a, str>>,
    /// The dispatch queue it was running.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue: Option<Cow<'a, str>>,
    /// True for the thread that crashed.
    pub crashed: bool,
    /// Its stack, innermost frame first.
    pub frames: Vec<Frame<'a>>,
    /// Its register state, when the report has one (usually only the crashed thread).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registers: Option<RegisterState<'a>>,
}

impl Thread<'_> {
    /// The name, else the dispatch queue.
    pub fn display_name(&self) -> Option<&str> {
        self.name.as_deref().or(self.queue.as_deref())
    }
}

/// One stack frame.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Frame<'a> {
    /// The instruction address.
    #[serde(serialize_with = "serde_hex::serialize")]
    pub address: u64,
    /// The image name as the frame line wrote it (text), or the image's name (`.ips`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_name: Option<Cow<'a, str>>,
    /// Index into the report's images, when the frame could be placed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_index: Option<usize>,
    /// The offset into the image, when the report gave it (`0x1000 + 4660`,
    /// `.ips` `imageOffset`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_offset: Option<u64>,
    /// The symbol, when the report was symbolicated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symbol: Option<Cow<'a, str>>,
    /// The offset into the symbol (`+ 40`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symbol_offset: Option<u64>,
    /// Source file, line and column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceLocation<'a>>,
    /// True for `[inlined]` frames (no call of their own).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub inlined: bool,
    /// Where `symbol` and `source` came from. The readers leave it unset;
    /// symbolication ([`crate::symbolicate`]) sets it on every frame that
    /// has a name afterwards, so a reader of its output can tell a name the
    /// device wrote from one a debug file gave.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symbol_origin: Option<SymbolOrigin>,
}

/// Where a frame's name came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SymbolOrigin {
    /// The report named the frame (the device, or a symbolicator before crashport).
    Report,
    /// crashport looked the address up in a debug file (dSYM or binary).
    DebugFile,
}

/// A source position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceLocation<'a> {
    /// File name (usually without directory).
    pub file: Cow<'a, str>,
    /// Line, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// Column, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

/// Which CPU's registers a state holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RegisterFlavor {
    /// ARM 64-bit (`ARM Thread State (64-bit)`, `ARM_THREAD_STATE64`).
    Arm64,
    /// ARM 32-bit (`ARM Thread State (32-bit)`).
    Arm32,
    /// x86_64 (`X86 Thread State (64-bit)`, `x86_THREAD_STATE`).
    X86_64,
    /// i386 (`X86 Thread State (32-bit)`).
    X86,
    /// A state the reader does not know; registers kept as found.
    Unknown,
}

impl RegisterFlavor {
    /// Register names in the order reports print them.
    pub fn canonical_order(self) -> &'static [&'static str] {
        match self {
            RegisterFlavor::Arm64 => &[
                "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15",
                "x16", "x17", "x18", "x19", "x20", "x21", "x22", "x23", "x24", "x25", "x26", "x27", "x28", "fp", "lr",
                "sp", "pc", "cpsr", "far", "esr",
            ],
            RegisterFlavor::Arm32 => &[
                "r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "ip", "sp", "lr",
                "pc", "cpsr", "far", "esr",
            ],
            RegisterFlavor::X86_64 => &[
                "rax", "rbx", "rcx", "rdx", "rdi", "rsi", "rbp", "rsp", "r8", "r9", "r10", "r11", "r12", "r13", "r14",
                "r15", "rip", "rflags", "cs", "fs", "gs", "cr2",
            ],
            RegisterFlavor::X86 => &[
                "eax", "ebx", "ecx", "edx", "edi", "esi", "ebp", "esp", "ss", "eflags", "eip", "cs", "ds", "es", "fs",
                "gs", "cr2",
            ],
            RegisterFlavor::Unknown => &[],
        }
    }

    /// The name this model uses for a register a report wrote as `name`
    /// (Apple's text abbreviates `rflags` / `eflags` to `rfl` / `efl`).
    pub fn canonical_name(name: &str) -> &str {
        match name {
            "rfl" => "rflags",
            "efl" => "eflags",
            other => other,
        }
    }

    /// The program counter's name in this flavor.
    pub fn pc_name(self) -> &'static str {
        match self {
            RegisterFlavor::Arm64 | RegisterFlavor::Arm32 => "pc",
            RegisterFlavor::X86_64 => "rip",
            RegisterFlavor::X86 => "eip",
            RegisterFlavor::Unknown => "pc",
        }
    }
}

/// A thread's register state.
#[derive(Debug, Clone, Serialize)]
pub struct RegisterState<'a> {
    /// Which CPU.
    pub flavor: RegisterFlavor,
    /// General and special registers, in the report's order.
    pub registers: Vec<Register<'a>>,
    /// Other machine state the report adds: `Logical CPU`, `Error Code`,
    /// `Trap Number`, Rosetta's registers (`rosetta.tmp0`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extra: Vec<Register<'a>>,
}

impl RegisterState<'_> {
    /// The value of a named register.
    pub fn get(&self, name: &str) -> Option<u64> {
        self.registers.iter().find(|r| r.name == name).map(|r| r.value)
    }

    /// The program counter.
    pub fn pc(&self) -> Option<u64> {
        self.get(self.flavor.pc_name())
    }
}

/// One register value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Register<'a> {
    /// Its name (`x0`, `pc`, `rip`).
    pub name: Cow<'a, str>,
    /// Its value.
    #[serde(serialize_with = "serde_hex::serialize")]
    pub value: u64,
    /// What the report says about it (`esr: ... Address size fault`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Cow<'a, str>>,
}
