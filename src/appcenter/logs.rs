//! App Center ingestion logs as serde types.
//!
//! These mirror the JSON the ingestion API takes (`POST /logs`, body
//! `{"logs": [...]}`) and `appcenter-logs.schema.json`; they know nothing of
//! Apple's report formats. Other Rust programs can build and send them too.

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

/// The request body: `{"logs": [...]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogContainer {
    /// The logs, at least one.
    pub logs: Vec<Log>,
}

/// One log, tagged by its `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Log {
    /// A native Apple crash.
    AppleError(Box<AppleError>),
    /// A file attached to an error (here: the original report).
    ErrorAttachment(Box<ErrorAttachment>),
    /// A managed (.NET / Xamarin) error, accepted for upload as is.
    ManagedError(Box<serde_json::Map<String, serde_json::Value>>),
    /// A handled error, accepted for upload as is.
    HandledError(Box<serde_json::Map<String, serde_json::Value>>),
}

/// An `appleError` log: one native crash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AppleError {
    /// The error id (upper-case dashed UUID).
    pub id: String,
    /// When the crash happened, UTC, `YYYY-MM-DDTHH:MM:SS.sssZ`.
    pub timestamp: String,
    /// Session id, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// A user id the caller supplies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Device, OS and app facts.
    pub device: Device,
    /// The crashed process's pid (0 when unknown).
    pub process_id: u64,
    /// The crashed process's name.
    pub process_name: String,
    /// The parent's pid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_process_id: Option<u64>,
    /// The parent's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_process_name: Option<String>,
    /// The number of the thread that crashed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_thread_id: Option<u64>,
    /// That thread's name or dispatch queue.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_thread_name: Option<String>,
    /// Always true for crash reports.
    pub fatal: bool,
    /// When the process was launched, UTC.
    pub app_launch_timestamp: String,
    /// A free-form architecture name (unused by crashport).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub architecture: Option<String>,
    /// Mach-O cputype of the main executable.
    pub primary_architecture_id: u64,
    /// Mach-O cpusubtype of the main executable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub architecture_variant_id: Option<u64>,
    /// Path of the executable.
    pub application_path: String,
    /// The signal, or the Mach exception when there is no signal.
    pub os_exception_type: String,
    /// The symbolic code, or the first exception code.
    pub os_exception_code: String,
    /// The faulting address, `0x` + lower-case hex.
    pub os_exception_address: String,
    /// The uncaught language exception's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exception_type: Option<String>,
    /// Its reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exception_reason: Option<String>,
    /// The selector of a crashing `objc_msgSend`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector_register_value: Option<String>,
    /// Every thread with at least one frame.
    pub threads: Vec<Thread>,
    /// The images the crash involves.
    pub binaries: Vec<Binary>,
    /// The crashed thread's registers, zero-padded hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registers: Option<std::collections::BTreeMap<CompactString, CompactString>>,
    /// A top-level exception (unused by crashport: the Last Exception
    /// Backtrace goes on the crashed thread).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exception: Option<Exception>,
}

/// Facts about the device, OS, app and sender.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Device {
    /// `crashport.<platform>`.
    pub sdk_name: String,
    /// crashport's version.
    pub sdk_version: String,
    /// `iOS`, `macOS` ...
    pub os_name: String,
    /// `16.0`.
    pub os_version: String,
    /// `20A362`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os_build: Option<String>,
    /// `iPhone14,2`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// `Apple`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oem_name: Option<String>,
    /// `en-US`.
    pub locale: String,
    /// Minutes east of UTC.
    pub time_zone_offset: i32,
    /// CFBundleShortVersionString.
    pub app_version: String,
    /// CFBundleVersion.
    pub app_build: String,
    /// The bundle identifier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_namespace: Option<String>,
    /// Other device fields the schema allows (kept when uploading logs
    /// written by other tools).
    #[serde(flatten)]
    pub other: std::collections::BTreeMap<String, serde_json::Value>,
}

/// A thread of an `appleError`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Thread {
    /// The thread number.
    pub id: u64,
    /// Its name or dispatch queue.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its frames, innermost first (at least one).
    pub frames: Vec<Frame>,
    /// The uncaught exception and its backtrace, on the crashed thread.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exception: Option<Exception>,
}

/// A stack frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Frame {
    /// Zero-padded lower-case hex address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<CompactString>,
    /// `symbol + offset`, or `0xBASE + offset` for frames App Center should symbolicate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<CompactString>,
    /// Class name (managed frames).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class_name: Option<String>,
    /// Method name (managed frames).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method_name: Option<String>,
    /// Source line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line_number: Option<u64>,
    /// Source file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_name: Option<CompactString>,
}

/// An exception with its frames.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Exception {
    /// Exception type (never empty).
    #[serde(rename = "type")]
    pub kind: String,
    /// Its message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// A textual stack trace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stack_trace: Option<String>,
    /// Its frames.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frames: Option<Vec<Frame>>,
    /// Nested exceptions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inner_exceptions: Option<Vec<Exception>>,
    /// Wrapper SDK name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wrapper_sdk_name: Option<String>,
}

/// A binary image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Binary {
    /// UUID, 32 lower-case hex digits.
    pub id: String,
    /// Zero-padded load address.
    pub start_address: CompactString,
    /// Zero-padded last address (inclusive).
    pub end_address: CompactString,
    /// Image name.
    pub name: CompactString,
    /// Path on the device.
    pub path: String,
    /// A free-form architecture name (unused by crashport).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub architecture: Option<String>,
    /// Mach-O cputype.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_architecture_id: Option<u64>,
    /// Mach-O cpusubtype.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub architecture_variant_id: Option<u64>,
}

/// An `errorAttachment` log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ErrorAttachment {
    /// The attachment id.
    pub id: String,
    /// The error it belongs to.
    pub error_id: String,
    /// When (the error's timestamp).
    pub timestamp: String,
    /// Session id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// User id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The same device as the error.
    pub device: Device,
    /// MIME type (`text/plain`).
    pub content_type: String,
    /// File name shown in App Center.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    /// Base64 of the raw bytes.
    pub data: String,
}
