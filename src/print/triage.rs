//! `crashport summary` for people: the groups as a table, for a terminal or
//! as Markdown (tickets, CI job summaries). The JSON form is the
//! [`Summary`]'s own `Serialize`.

use std::fmt::Write;

use crate::triage::{Counted, Group, Summary};

/// How the table is laid out.
#[derive(Debug, Clone, Copy, Default)]
pub struct TableOptions {
    /// A column of counts per app version and build (newest first).
    pub by_version: bool,
    /// Markdown instead of aligned text.
    pub markdown: bool,
}

/// The most version columns `--by version` shows; older versions share one.
const VERSION_COLUMNS: usize = 6;

/// The summary as a table with its totals.
pub fn table(summary: &Summary, options: TableOptions) -> String {
    let versions = if options.by_version { version_columns(summary) } else { Vec::new() };
    let older = options.by_version && summary_versions(summary).len() > versions.len();
    let mut header: Vec<String> =
        ["", "COUNT", "DEVICES", "GROUP", "EXCEPTION", "TOP FRAME"].iter().map(|s| s.to_string()).collect();
    header.extend(versions.iter().cloned());
    if older {
        header.push("OLDER".to_string());
    }
    let list_limit = if options.markdown { usize::MAX } else { 2 };
    header.extend(["VERSIONS", "OS", "MODELS", "FIRST SEEN", "LAST SEEN", "EXAMPLE"].iter().map(|s| s.to_string()));
    let mut rows = vec![header];
    for group in &summary.groups {
        let mut row = vec![
            marker(group, options.by_version).to_string(),
            group.count.to_string(),
            devices(group),
            group.id.clone(),
            group.exception.clone(),
            top_frame(group),
        ];
        for label in &versions {
            let count = group.versions.iter().find(|v| &v.label == label).map_or(0, |v| v.count);
            row.push(if count == 0 { String::new() } else { count.to_string() });
        }
        if older {
            let count: usize = group.versions.iter().filter(|v| !versions.contains(&v.label)).map(|v| v.count).sum();
            row.push(if count == 0 { String::new() } else { count.to_string() });
        }
        let version_list: Vec<Counted> =
            group.versions.iter().map(|v| Counted { name: v.label.clone(), count: v.count }).collect();
        row.push(list(&version_list, list_limit));
        row.push(list(&group.os_versions, list_limit));
        row.push(list(&group.models, list_limit));
        row.push(group.first_seen.as_deref().map_or(String::new(), day_and_time));
        row.push(group.last_seen.as_deref().map_or(String::new(), day_and_time));
        row.push(group.example.clone());
        rows.push(row);
    }
    let mut out = String::new();
    headline(summary, options.by_version, &mut out);
    if !summary.groups.is_empty() {
        out.push('\n');
        if options.markdown { markdown(&rows, &mut out) } else { aligned(&rows, &mut out) }
    }
    footer(summary, options.markdown, &mut out);
    out
}

/// `new`: not in the baseline, or (by version) only seen in the latest
/// build.
fn marker(group: &Group, by_version: bool) -> &'static str {
    if (by_version && group.new_in_latest_build) || group.new_since_baseline == Some(true) { "new" } else { "" }
}

fn devices(group: &Group) -> String {
    match (group.devices, group.devices_unknown) {
        (0, _) => "?".to_string(),
        (known, 0) => known.to_string(),
        (known, _) => format!("{known}+?"),
    }
}

fn top_frame(group: &Group) -> String {
    match &group.top_frame {
        None => "(no frames)".to_string(),
        Some(frame) if group.app_frames => frame.clone(),
        Some(frame) => format!("{frame} (no app frame)"),
    }
}

/// `iOS 17.2 ×20, iOS 17.1 ×5, +3 more`.
fn list(counted: &[Counted], limit: usize) -> String {
    let mut out = String::new();
    for (i, item) in counted.iter().enumerate() {
        if i == limit {
            let _ = write!(out, ", +{} more", counted.len() - limit);
            break;
        }
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{} ×{}", item.name, item.count);
    }
    out
}

/// `2026-11-20T08:01:02Z` as `2026-11-20 08:01`.
fn day_and_time(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..16)) {
        (Some(day), Some(time)) => format!("{day} {time}"),
        _ => rfc3339.to_string(),
    }
}

/// Every version of the run, newest first.
fn summary_versions(summary: &Summary) -> Vec<String> {
    let mut all: Vec<&crate::triage::VersionCount> = summary.groups.iter().flat_map(|g| &g.versions).collect();
    all.sort_by(|a, b| crate::triage::compare_versions(&b.version, &a.version));
    let mut labels: Vec<String> = Vec::new();
    for v in all {
        if labels.last() != Some(&v.label) && !labels.contains(&v.label) {
            labels.push(v.label.clone());
        }
    }
    labels
}

fn version_columns(summary: &Summary) -> Vec<String> {
    summary_versions(summary).into_iter().take(VERSION_COLUMNS).collect()
}

fn headline(summary: &Summary, by_version: bool, out: &mut String) {
    let groups = summary.groups.len();
    let _ = write!(
        out,
        "{} distinct crash{} in {} crash{}",
        groups,
        if groups == 1 { "" } else { "es" },
        summary.crashes,
        if summary.crashes == 1 { "" } else { "es" }
    );
    if summary.duplicates > 0 {
        let _ = write!(out, " ({} more cop{} counted once)", summary.duplicates, plural_y(summary.duplicates));
    }
    if by_version && !summary.latest_builds.is_empty() {
        let builds: Vec<String> = summary
            .latest_builds
            .iter()
            .map(|b| match &b.app {
                Some(app) => format!("{app} {}", b.label),
                None => b.label.clone(),
            })
            .collect();
        let _ = write!(out, "; latest: {}", builds.join(", "));
    }
    out.push('\n');
    if let Some(baseline) = &summary.baseline {
        let _ = writeln!(
            out,
            "since {}: {} new group{}, {} group{} not seen again",
            baseline.path,
            baseline.new,
            if baseline.new == 1 { "" } else { "s" },
            baseline.gone.len(),
            if baseline.gone.len() == 1 { "" } else { "s" }
        );
    }
}

fn plural_y(n: usize) -> &'static str {
    if n == 1 { "y" } else { "ies" }
}

fn footer(summary: &Summary, markdown: bool, out: &mut String) {
    if !summary.not_crashes.is_empty() {
        let kinds: Vec<String> = summary.not_crashes.iter().map(|(kind, n)| format!("{kind} {n}")).collect();
        let _ = writeln!(out, "\nnot crashes (not grouped): {}", kinds.join(", "));
    }
    if !summary.failed.is_empty() {
        let _ = writeln!(
            out,
            "\n{} file{} could not be read:",
            summary.failed.len(),
            if summary.failed.len() == 1 { "" } else { "s" }
        );
        for failed in &summary.failed {
            let bullet = if markdown { "- " } else { "  " };
            let _ = writeln!(out, "{bullet}{}: {}", failed.path, failed.reason);
        }
    }
}

fn aligned(rows: &[Vec<String>], out: &mut String) {
    let columns = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().map(|r| r.get(c).map_or(0, |s| s.chars().count())).max().unwrap_or(0))
        .collect();
    // Counts read best right-aligned; the rest left.
    let numeric = |c: usize| rows.first().is_some_and(|h| h[c] == "COUNT" || h[c] == "DEVICES");
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if widths[c] == 0 {
                continue;
            }
            if !line.is_empty() {
                line.push_str("  ");
            }
            let pad = widths[c] - cell.chars().count();
            if numeric(c) || (c > 5 && cell.chars().all(|ch| ch.is_ascii_digit())) {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

fn markdown(rows: &[Vec<String>], out: &mut String) {
    for (i, row) in rows.iter().enumerate() {
        out.push('|');
        for cell in row {
            let _ = write!(out, " {} |", markdown_text(cell));
        }
        out.push('\n');
        if i == 0 {
            out.push('|');
            for _ in row {
                out.push_str(" --- |");
            }
            out.push('\n');
        }
    }
}

/// `cell` with Markdown's punctuation escaped, so that `__pthread_kill`
/// is not bold, `std::vector<int>` is not a tag and `|` ends no cell.
fn markdown_text(cell: &str) -> String {
    let mut out = String::with_capacity(cell.len());
    for c in cell.chars() {
        if matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
