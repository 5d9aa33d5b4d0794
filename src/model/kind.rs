//! What kind of diagnostic report a file is.
//!
//! Apple's diagnostic system writes many reports that look alike; only crashes
//! become App Center errors. Every other kind is named here so that it can be
//! skipped with its reason instead of failing or vanishing.

use serde::Serialize;

/// The kind of an Apple diagnostic report.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// A process crash (bug_type 309, 109, legacy 9).
    Crash,
    /// A Jetsam (memory pressure) event: a list of killed processes (298).
    Jetsam,
    /// A stackshot of the whole system (288, 188, 509).
    Stackshot,
    /// A kernel panic (210, 110; legacy 10).
    KernelPanic,
    /// An EXC_RESOURCE diagnostic: a process over a limit (185, 385).
    ResourceException,
    /// CPU usage over a limit (202; 206 fatal).
    CpuResource,
    /// Disk writes over a limit (145).
    DiskWrites,
    /// CoreAnalytics summaries (211).
    CoreAnalytics,
    /// A hang / unresponsive run loop (222, 223, 228, 310; legacy 12).
    Hang,
    /// An OS fault report (308).
    OsFault,
    /// A system watchdog timeout (409).
    Watchdog,
    /// A spin report (legacy 11).
    Spin,
    /// A report with a bug_type that crashport does not know.
    Unknown,
}

impl ReportKind {
    /// Classifies a `bug_type` value.
    pub fn from_bug_type(bug_type: &str) -> ReportKind {
        match bug_type.trim() {
            "309" | "109" | "9" => ReportKind::Crash,
            "298" => ReportKind::Jetsam,
            "288" | "188" | "509" => ReportKind::Stackshot,
            "210" | "110" | "10" => ReportKind::KernelPanic,
            "185" | "385" => ReportKind::ResourceException,
            "202" | "206" => ReportKind::CpuResource,
            "145" => ReportKind::DiskWrites,
            "211" => ReportKind::CoreAnalytics,
            "222" | "223" | "228" | "310" | "12" => ReportKind::Hang,
            "308" => ReportKind::OsFault,
            "409" => ReportKind::Watchdog,
            "11" => ReportKind::Spin,
            _ => ReportKind::Unknown,
        }
    }

    /// A human name for the kind.
    pub fn description(&self) -> &'static str {
        match self {
            ReportKind::Crash => "crash report",
            ReportKind::Jetsam => "Jetsam event (memory pressure)",
            ReportKind::Stackshot => "stackshot",
            ReportKind::KernelPanic => "kernel panic",
            ReportKind::ResourceException => "resource limit diagnostic (EXC_RESOURCE)",
            ReportKind::CpuResource => "CPU resource diagnostic",
            ReportKind::DiskWrites => "disk writes resource diagnostic",
            ReportKind::CoreAnalytics => "CoreAnalytics summary",
            ReportKind::Hang => "hang diagnostic",
            ReportKind::OsFault => "OS fault report",
            ReportKind::Watchdog => "system watchdog report",
            ReportKind::Spin => "spin report",
            ReportKind::Unknown => "diagnostic report of an unknown kind",
        }
    }

    /// A short identifier (`jetsam`, `stackshot`), for summaries.
    pub fn id(&self) -> &'static str {
        match self {
            ReportKind::Crash => "crash",
            ReportKind::Jetsam => "jetsam",
            ReportKind::Stackshot => "stackshot",
            ReportKind::KernelPanic => "kernel_panic",
            ReportKind::ResourceException => "resource_exception",
            ReportKind::CpuResource => "cpu_resource",
            ReportKind::DiskWrites => "disk_writes",
            ReportKind::CoreAnalytics => "core_analytics",
            ReportKind::Hang => "hang",
            ReportKind::OsFault => "os_fault",
            ReportKind::Watchdog => "watchdog",
            ReportKind::Spin => "spin",
            ReportKind::Unknown => "unknown",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bug_types_from_the_table() {
        for (bug_type, kind) in [
            ("309", ReportKind::Crash),
            ("109", ReportKind::Crash),
            ("298", ReportKind::Jetsam),
            ("288", ReportKind::Stackshot),
            ("509", ReportKind::Stackshot),
            ("210", ReportKind::KernelPanic),
            ("385", ReportKind::ResourceException),
            ("206", ReportKind::CpuResource),
            ("145", ReportKind::DiskWrites),
            ("211", ReportKind::CoreAnalytics),
            ("228", ReportKind::Hang),
            ("308", ReportKind::OsFault),
            ("409", ReportKind::Watchdog),
            ("11", ReportKind::Spin),
            ("4242", ReportKind::Unknown),
        ] {
            assert_eq!(ReportKind::from_bug_type(bug_type), kind, "{bug_type}");
        }
    }
}
