//! Crashes into groups: counts, devices, versions and dates per signature.
//!
//! A [`Triage`] takes crashes one at a time, in input order, and keeps only
//! what the summary shows (a few counters and sets per group), never the
//! reports; [`Triage::finish`] orders the groups and marks the new ones.
//! The same input gives the same summary, whatever the number of threads
//! that read it: crashes arrive in input order, and every list is sorted.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::signature::{self, Signature};
use crate::model::Report;
use crate::symbolicate::Names;

/// What triage keeps of one crash.
#[derive(Debug, Clone)]
pub struct CrashFacts {
    /// The crash id (incident identifier, else a hash of the report): a
    /// crash met twice counts once.
    pub crash_id: String,
    /// What groups it.
    pub signature: Signature,
    /// The device (CrashReporter Key), when the report names it.
    pub device: Option<String>,
    /// The app: its bundle identifier, else the process name. Versions are
    /// compared within one app only.
    pub app: Option<String>,
    /// The app's version and build.
    pub version: AppVersion,
    /// `iOS 17.2`, `macOS 14.1`.
    pub os: Option<String>,
    /// `iPhone15,2`, `MacBookPro18,3`.
    pub model: Option<String>,
    /// When it crashed.
    pub timestamp: Option<OffsetDateTime>,
    /// The file it came from.
    pub path: String,
}

impl CrashFacts {
    /// The facts of `report`, read from `path`; `crash_id` as
    /// [`crate::model::crash_id`] gives it.
    pub fn new(report: &Report<'_>, crash_id: String, path: &Path, names: &Names) -> CrashFacts {
        let os = match (report.os.name(), report.os.version.as_deref()) {
            (Some(name), Some(version)) => Some(format!("{name} {version}")),
            (Some(name), None) => Some(name.to_string()),
            (None, Some(version)) => Some(version.to_string()),
            (None, None) => None,
        };
        CrashFacts {
            crash_id,
            signature: signature::signature(report, names),
            device: report.crash_reporter_key.as_deref().map(str::trim).filter(|k| !k.is_empty()).map(str::to_string),
            app: report.app.bundle_id.as_deref().or(report.process.name.as_deref()).map(str::to_string),
            version: AppVersion {
                version: report.app.short_version.as_deref().map(str::to_string),
                build: report.app.bundle_version.as_deref().map(str::to_string),
            },
            os,
            model: report.hardware_model.as_deref().map(str::trim).filter(|m| !m.is_empty()).map(str::to_string),
            timestamp: report.timestamp.map(|t| t.utc()),
            path: path.display().to_string(),
        }
    }
}

/// An app version and build (`CFBundleShortVersionString`,
/// `CFBundleVersion`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AppVersion {
    /// `1.2`.
    pub version: Option<String>,
    /// `42`.
    pub build: Option<String>,
}

impl AppVersion {
    /// `1.2 (42)`, `1.2`, `(42)`, or `unknown`.
    pub fn label(&self) -> String {
        match (&self.version, &self.build) {
            (Some(v), Some(b)) if v != b => format!("{v} ({b})"),
            (Some(v), _) => v.clone(),
            (None, Some(b)) => format!("({b})"),
            (None, None) => "unknown".to_string(),
        }
    }

    fn is_known(&self) -> bool {
        self.version.is_some() || self.build.is_some()
    }
}

/// Versions compared as people number them: `1.10` after `1.9`, `2` after
/// `1.12`, build `100` after build `99`; unknown first.
pub fn compare_versions(a: &AppVersion, b: &AppVersion) -> Ordering {
    compare_numbered(a.version.as_deref(), b.version.as_deref())
        .then_with(|| compare_numbered(a.build.as_deref(), b.build.as_deref()))
}

fn compare_numbered(a: Option<&str>, b: Option<&str>) -> Ordering {
    let (a, b) = match (a, b) {
        (None, None) => return Ordering::Equal,
        (None, Some(_)) => return Ordering::Less,
        (Some(_), None) => return Ordering::Greater,
        (Some(a), Some(b)) => (a, b),
    };
    natural_parts(a).cmp(&natural_parts(b)).then_with(|| a.cmp(b))
}

/// A version's parts for comparing: runs of digits as numbers, runs of
/// letters as text (`1.0b10` → 1, 0, "b", 10); separators are dropped.
fn natural_parts(version: &str) -> Vec<NaturalPart<'_>> {
    let mut parts = Vec::new();
    let mut rest = version;
    while let Some(c) = rest.chars().next() {
        let digits = c.is_ascii_digit();
        let end =
            rest.find(|ch: char| ch.is_ascii_digit() != digits || !ch.is_ascii_alphanumeric()).unwrap_or(rest.len());
        if end == 0 {
            // A separator.
            rest = &rest[c.len_utf8()..];
            continue;
        }
        let run = &rest[..end];
        // A run of digits too long for u64 compares by its text: equal
        // lengths of digits order as numbers do.
        parts.push(if digits {
            run.parse().map_or(NaturalPart::Text(run), NaturalPart::Number)
        } else {
            NaturalPart::Text(run)
        });
        rest = &rest[end..];
    }
    parts
}

/// One part of a version: numbers before text at the same place.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum NaturalPart<'a> {
    Number(u64),
    Text(&'a str),
}

/// A value and how many crashes had it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counted {
    /// The value.
    pub name: String,
    /// How many crashes.
    pub count: usize,
}

/// A version and how many crashes it had.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionCount {
    /// The version.
    #[serde(flatten)]
    pub version: AppVersion,
    /// `1.2 (42)`.
    pub label: String,
    /// How many crashes.
    pub count: usize,
}

/// One distinct crash: the crashes that share a signature.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Group {
    /// Ten hex digits from the signature ([`Signature::id`]).
    pub id: String,
    /// How many crashes (each incident once).
    pub count: usize,
    /// How many distinct devices, of the crashes that name theirs.
    pub devices: usize,
    /// How many crashes name no device.
    pub devices_unknown: usize,
    /// The exception part of the signature.
    pub exception: String,
    /// The first frame of the signature.
    pub top_frame: Option<String>,
    /// The signature's frames, innermost first.
    pub frames: Vec<String>,
    /// Whether those are the app's frames (else the stack's top frames).
    pub app_frames: bool,
    /// Crashes per app version, newest first.
    pub versions: Vec<VersionCount>,
    /// Crashes per OS version, most first.
    pub os_versions: Vec<Counted>,
    /// Crashes per device model, most first.
    pub models: Vec<Counted>,
    /// The earliest crash (RFC 3339, UTC).
    pub first_seen: Option<String>,
    /// The latest crash.
    pub last_seen: Option<String>,
    /// The first file of the group, in input order.
    pub example: String,
    /// Every crash is of its app's latest build in the run, and the run has
    /// older builds of that app.
    pub new_in_latest_build: bool,
    /// Not in the baseline (absent without `--baseline`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_since_baseline: Option<bool>,
}

/// A file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedFile {
    /// The file.
    pub path: String,
    /// Why.
    pub reason: String,
}

/// The latest version of one app in a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LatestBuild {
    /// The app (bundle identifier, else process name).
    pub app: Option<String>,
    /// The version.
    #[serde(flatten)]
    pub version: AppVersion,
    /// `1.2 (42)`.
    pub label: String,
}

/// What the baseline comparison found.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BaselineComparison {
    /// The baseline file.
    pub path: String,
    /// Groups of this run the baseline does not have.
    pub new: usize,
    /// Groups of the baseline this run does not have, by id.
    pub gone: Vec<String>,
}

/// The summary of a pile of reports.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    /// The signature rule the ids come from ([`signature::VERSION`]).
    pub signature_version: u32,
    /// Distinct crashes read (each incident once).
    pub crashes: usize,
    /// Copies of a crash already counted (same incident).
    pub duplicates: usize,
    /// The latest version of each app that has more than one in the run.
    pub latest_builds: Vec<LatestBuild>,
    /// The groups, most crashes first.
    pub groups: Vec<Group>,
    /// Reports that are not crashes, by kind (`jetsam`, `stackshot`, ...).
    pub not_crashes: BTreeMap<String, usize>,
    /// Files that could not be read.
    pub failed: Vec<FailedFile>,
    /// The comparison with `--baseline`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineComparison>,
}

/// A group while crashes are still coming.
#[derive(Debug)]
struct Building {
    signature: Signature,
    order: usize,
    count: usize,
    devices: HashSet<String>,
    devices_unknown: usize,
    versions: HashMap<AppVersion, usize>,
    /// Each app's versions among the group's crashes.
    app_versions: HashSet<(Option<String>, AppVersion)>,
    os_versions: HashMap<String, usize>,
    models: HashMap<String, usize>,
    first: Option<OffsetDateTime>,
    last: Option<OffsetDateTime>,
    example: String,
}

/// Crashes coming in, groups going out.
#[derive(Debug, Default)]
pub struct Triage {
    groups: HashMap<String, Building>,
    /// Crash id → the file it was first read from.
    seen: HashMap<String, String>,
    duplicates: usize,
    /// Each app's versions in the run.
    builds: HashMap<Option<String>, HashSet<AppVersion>>,
    not_crashes: BTreeMap<String, usize>,
    failed: Vec<FailedFile>,
}

impl Triage {
    /// An empty triage.
    pub fn new() -> Triage {
        Triage::default()
    }

    /// Counts a crash; when its crash id was counted already, counts a
    /// duplicate instead and gives the file the crash was first read from.
    pub fn add(&mut self, crash: CrashFacts) -> Result<(), String> {
        match self.seen.entry(crash.crash_id) {
            std::collections::hash_map::Entry::Occupied(first) => {
                self.duplicates += 1;
                return Err(first.get().clone());
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(crash.path.clone());
            }
        }
        let order = self.groups.len();
        let id = crash.signature.id();
        let group = self.groups.entry(id).or_insert_with(|| Building {
            signature: crash.signature,
            order,
            count: 0,
            devices: HashSet::new(),
            devices_unknown: 0,
            versions: HashMap::new(),
            app_versions: HashSet::new(),
            os_versions: HashMap::new(),
            models: HashMap::new(),
            first: None,
            last: None,
            example: crash.path,
        });
        group.count += 1;
        match crash.device {
            Some(device) => {
                group.devices.insert(device);
            }
            None => group.devices_unknown += 1,
        }
        if crash.version.is_known() {
            self.builds.entry(crash.app.clone()).or_default().insert(crash.version.clone());
        }
        group.app_versions.insert((crash.app, crash.version.clone()));
        *group.versions.entry(crash.version).or_default() += 1;
        *group.os_versions.entry(crash.os.unwrap_or_else(|| "unknown".into())).or_default() += 1;
        *group.models.entry(crash.model.unwrap_or_else(|| "unknown".into())).or_default() += 1;
        if let Some(at) = crash.timestamp {
            group.first = Some(group.first.map_or(at, |first| first.min(at)));
            group.last = Some(group.last.map_or(at, |last| last.max(at)));
        }
        Ok(())
    }

    /// Counts a copy of a crash that was left out before it was read (the
    /// run keeps the richest copy of an incident).
    pub fn add_duplicate(&mut self) {
        self.duplicates += 1;
    }

    /// Counts a report that is not a crash, by its kind's id.
    pub fn add_not_crash(&mut self, kind: &str) {
        *self.not_crashes.entry(kind.to_string()).or_default() += 1;
    }

    /// Names a file that could not be read.
    pub fn add_failed(&mut self, path: &Path, reason: String) {
        self.failed.push(FailedFile { path: path.display().to_string(), reason });
    }

    /// The summary: groups with the most crashes first (ties by id), each
    /// group's lists sorted, new groups marked.
    pub fn finish(self, baseline: Option<&Baseline>) -> Summary {
        // The latest build of each app that has more than one in the run
        // (with one, every group would be new).
        let latest: HashMap<Option<String>, AppVersion> = self
            .builds
            .into_iter()
            .filter(|(_, builds)| builds.len() > 1)
            .filter_map(|(app, builds)| Some((app, builds.into_iter().max_by(compare_versions)?)))
            .collect();
        let crashes = self.seen.len();
        let mut groups: Vec<(usize, Group)> = self
            .groups
            .into_iter()
            .map(|(id, g)| {
                let new_in_latest_build = g.app_versions.iter().all(|(app, version)| latest.get(app) == Some(version));
                (g.order, group(id, g, new_in_latest_build, baseline))
            })
            .collect();
        groups.sort_by(|(_, a), (_, b)| b.count.cmp(&a.count).then_with(|| a.id.cmp(&b.id)));
        let groups: Vec<Group> = groups.into_iter().map(|(_, g)| g).collect();
        let baseline = baseline.map(|b| {
            let ours: HashSet<&str> = groups.iter().map(|g| g.id.as_str()).collect();
            let mut gone: Vec<String> = b.ids.iter().filter(|id| !ours.contains(id.as_str())).cloned().collect();
            gone.sort();
            BaselineComparison {
                path: b.path.clone(),
                new: groups.iter().filter(|g| g.new_since_baseline == Some(true)).count(),
                gone,
            }
        });
        Summary {
            signature_version: signature::VERSION,
            crashes,
            duplicates: self.duplicates,
            latest_builds: {
                let mut builds: Vec<LatestBuild> = latest
                    .into_iter()
                    .map(|(app, version)| LatestBuild { app, label: version.label(), version })
                    .collect();
                builds.sort_by(|a, b| a.app.cmp(&b.app));
                builds
            },
            groups,
            not_crashes: self.not_crashes,
            failed: self.failed,
            baseline,
        }
    }
}

fn group(id: String, g: Building, new_in_latest_build: bool, baseline: Option<&Baseline>) -> Group {
    let mut versions: Vec<VersionCount> = g
        .versions
        .into_iter()
        .map(|(version, count)| VersionCount { label: version.label(), version, count })
        .collect();
    versions.sort_by(|a, b| compare_versions(&b.version, &a.version));
    let new_since_baseline = baseline.map(|b| !b.ids.contains(&id));
    Group {
        count: g.count,
        devices: g.devices.len(),
        devices_unknown: g.devices_unknown,
        exception: g.signature.exception,
        top_frame: g.signature.frames.first().cloned(),
        frames: g.signature.frames,
        app_frames: g.signature.app_frames,
        versions,
        os_versions: by_count(g.os_versions),
        models: by_count(g.models),
        first_seen: g.first.map(crate::model::timestamp::format_utc_seconds),
        last_seen: g.last.map(crate::model::timestamp::format_utc_seconds),
        example: g.example,
        new_in_latest_build,
        new_since_baseline,
        id,
    }
}

fn by_count(counts: HashMap<String, usize>) -> Vec<Counted> {
    let mut list: Vec<Counted> = counts.into_iter().map(|(name, count)| Counted { name, count }).collect();
    list.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    list
}

/// The group ids of an earlier summary (`crashport summary --json`).
#[derive(Debug, Clone)]
pub struct Baseline {
    path: String,
    ids: HashSet<String>,
}

/// Why a baseline cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// It cannot be read.
    #[error("{path}: cannot read the baseline: {message}")]
    Io {
        /// The file.
        path: String,
        /// The system's message.
        message: String,
    },
    /// It is not the JSON of `crashport summary --json`.
    #[error("{path}: not a `crashport summary --json` output: {message}")]
    Format {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// Its ids come from another signature rule.
    #[error(
        "{path}: its groups come from signature rule {found}, this crashport uses rule {expected}; their ids cannot be compared"
    )]
    Rule {
        /// The file.
        path: String,
        /// The baseline's rule.
        found: u32,
        /// This crashport's rule.
        expected: u32,
    },
}

impl Baseline {
    /// Reads an earlier `--json` summary.
    pub fn read(path: &Path) -> Result<Baseline, BaselineError> {
        let shown = path.display().to_string();
        let bytes =
            std::fs::read(path).map_err(|e| BaselineError::Io { path: shown.clone(), message: e.to_string() })?;
        #[derive(Deserialize)]
        struct Ids {
            signature_version: u32,
            groups: Vec<Id>,
        }
        #[derive(Deserialize)]
        struct Id {
            id: String,
        }
        let ids: Ids = serde_json::from_slice(&bytes)
            .map_err(|e| BaselineError::Format { path: shown.clone(), message: e.to_string() })?;
        if ids.signature_version != signature::VERSION {
            return Err(BaselineError::Rule {
                path: shown,
                found: ids.signature_version,
                expected: signature::VERSION,
            });
        }
        Ok(Baseline { path: shown, ids: ids.groups.into_iter().map(|g| g.id).collect() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(version: &str, build: &str) -> AppVersion {
        AppVersion { version: Some(version.into()), build: Some(build.into()) }
    }

    #[test]
    fn versions_are_ordered_as_numbers() {
        assert_eq!(compare_versions(&v("1.10", "1"), &v("1.9", "1")), Ordering::Greater);
        assert_eq!(compare_versions(&v("2", "1"), &v("1.12.3", "1")), Ordering::Greater);
        assert_eq!(compare_versions(&v("1.2", "100"), &v("1.2", "99")), Ordering::Greater);
        assert_eq!(compare_versions(&v("1.2", "42"), &v("1.2", "42")), Ordering::Equal);
        assert_eq!(compare_versions(&AppVersion::default(), &v("0.1", "1")), Ordering::Less);
        assert_eq!(compare_versions(&v("1.0b2", "1"), &v("1.0b10", "1")), Ordering::Less);
    }

    fn crash(id: &str, frame: &str, version: AppVersion, device: Option<&str>) -> CrashFacts {
        CrashFacts {
            crash_id: id.into(),
            signature: Signature {
                exception: "EXC_BAD_ACCESS / SIGSEGV".into(),
                frames: vec![frame.into()],
                app_frames: true,
            },
            device: device.map(str::to_string),
            app: Some("com.example.demo".into()),
            version,
            os: Some("iOS 17.2".into()),
            model: None,
            timestamp: None,
            path: format!("{id}.ips"),
        }
    }

    #[test]
    fn groups_count_incidents_once_and_mark_what_is_new_in_the_latest_build() {
        let mut triage = Triage::new();
        assert_eq!(triage.add(crash("a", "A.run", v("1.0", "41"), Some("k1"))), Ok(()));
        assert_eq!(triage.add(crash("a", "A.run", v("1.0", "41"), Some("k1"))), Err("a.ips".to_string()));
        assert_eq!(triage.add(crash("b", "A.run", v("1.1", "42"), Some("k2"))), Ok(()));
        assert_eq!(triage.add(crash("c", "A.run", v("1.1", "42"), None)), Ok(()));
        assert_eq!(triage.add(crash("d", "B.run", v("1.1", "42"), Some("k1"))), Ok(()));
        let summary = triage.finish(None);
        assert_eq!(summary.crashes, 4);
        assert_eq!(summary.duplicates, 1);
        assert_eq!(summary.latest_builds.iter().map(|b| b.label.as_str()).collect::<Vec<_>>(), ["1.1 (42)"]);
        let [a, b] = &summary.groups[..] else { panic!("{:?}", summary.groups) };
        assert_eq!((a.count, a.devices, a.devices_unknown, a.new_in_latest_build), (3, 2, 1, false));
        assert_eq!(
            a.versions.iter().map(|v| (v.label.as_str(), v.count)).collect::<Vec<_>>(),
            [("1.1 (42)", 2), ("1.0 (41)", 1)]
        );
        assert_eq!(a.example, "a.ips");
        assert_eq!((b.count, b.new_in_latest_build), (1, true));
    }

    #[test]
    fn one_build_makes_nothing_new() {
        let mut triage = Triage::new();
        triage.add(crash("a", "A.run", v("1.0", "41"), None)).unwrap();
        assert!(!triage.finish(None).groups[0].new_in_latest_build);
    }
}
