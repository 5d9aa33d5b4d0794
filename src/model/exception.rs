//! What went wrong: the Mach exception, the signal, the codes, the
//! termination, and the uncaught language exception if there was one.

use std::borrow::Cow;

use serde::Serialize;

use super::serde_hex;

/// The exception block of a report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ExceptionInfo<'a> {
    /// The Mach exception (`EXC_BAD_ACCESS`), or the signal for writers that
    /// only record one (`Exception Type: SIGSEGV`).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub exception_type: Option<Cow<'a, str>>,
    /// The BSD signal (`SIGSEGV`, from `EXC_BAD_ACCESS (SIGSEGV)`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signal: Option<Cow<'a, str>>,
    /// The symbolic code and address (`KERN_INVALID_ADDRESS at 0x0`,
    /// `SEGV_MAPERR at 0x88`): `Exception Subtype`, a symbolic `Exception
    /// Codes` line, or `.ips` `exception.subtype`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subtype: Option<Cow<'a, str>>,
    /// The numeric codes as written (`0x0000000000000001, 0x0000000000000000`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub codes: Option<Cow<'a, str>>,
    /// The numeric codes as numbers.
    #[serde(serialize_with = "serde_hex::serialize_vec", skip_serializing_if = "Vec::is_empty")]
    pub code_values: Vec<u64>,
    /// The faulting address, from an `at 0x...` in the subtype or codes.
    #[serde(serialize_with = "serde_hex::serialize_opt", skip_serializing_if = "Option::is_none")]
    pub address: Option<u64>,
    /// `Exception Message` / `exception.message`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<Cow<'a, str>>,
    /// `Exception Note` (`EXC_CORPSE_NOTIFY`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<Cow<'a, str>>,
    /// How the process was terminated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub termination: Option<Termination<'a>>,
    /// `VM Region Info` / `VM Regions Near` lines.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vm_region_info: Vec<Cow<'a, str>>,
}

impl ExceptionInfo<'_> {
    /// The symbolic code without its address (`KERN_INVALID_ADDRESS`).
    pub fn symbolic_code(&self) -> Option<&str> {
        let subtype = self.subtype.as_deref()?;
        let code = subtype.split(" at ").next()?.trim();
        (!code.is_empty()).then_some(code)
    }

    /// True when the block says anything at all.
    pub fn is_empty(&self) -> bool {
        self.exception_type.is_none() && self.signal.is_none() && self.codes.is_none() && self.subtype.is_none()
    }
}

/// `Termination Reason` / `.ips` `termination`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Termination<'a> {
    /// `SIGNAL`, `CODESIGNING`, `FRONTBOARD` ...
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<Cow<'a, str>>,
    /// The code in that namespace.
    #[serde(serialize_with = "serde_hex::serialize_opt", skip_serializing_if = "Option::is_none")]
    pub code: Option<u64>,
    /// What the code means (`Segmentation fault: 11`, `Trace/BPT trap: 5`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indicator: Option<Cow<'a, str>>,
    /// `Terminating Process` / `byProc`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_process: Option<Cow<'a, str>>,
    /// Its pid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_pid: Option<u32>,
    /// Further reasons (`.ips` `termination.reasons`, watchdog texts).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<Cow<'a, str>>,
}

/// An uncaught language exception (`NSInvalidArgumentException` ...).
///
/// Some reports give only one half: AppKit's `Crashing on exception: ...`
/// and macOS 26's `Exception Reason:` line state the reason and never the
/// name, which is then absent rather than guessed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UncaughtException<'a> {
    /// The exception's class or name, when the report states it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Cow<'a, str>>,
    /// Its reason / message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Cow<'a, str>>,
}
