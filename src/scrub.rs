//! Personal data out of a report before anything leaves the machine.
//!
//! A crash report names the person whose device crashed in three ways: the
//! user name in file paths (`/Users/jane/...`, `/home/jane/...`), and the
//! identifiers that tie reports to one device or one boot (CrashReporter
//! Key, Anonymous UUID, Sleep/Wake UUID, the boot session, the vendor's
//! device identifier). Scrubbing works on the report's bytes, before it is
//! read, so that every output made from it (the crash model, App Center
//! logs, Sentry events, the attached original) is scrubbed alike:
//!
//! - `/Users/<name>/` and `/home/<name>/` become `/Users/USER/` and
//!   `/home/USER/`, also in JSON's escaped form (`\/Users\/<name>\/`);
//!   `/Users/Shared/` is not a person and stays;
//! - the text header lines `CrashReporter Key:`, `Anonymous UUID:`,
//!   `Sleep/Wake UUID:` and `Beta Identifier:` are removed;
//! - in JSON, the values of `crashReporterKey`, `sleepWakeUUID`,
//!   `bootSessionUUID` and `deviceIdentifierForVendor` become empty strings
//!   (the keys stay, so that the JSON stays valid).
//!
//! A report without an incident identifier gets its id from a hash of its
//! bytes: scrubbed, it gets another id than unscrubbed.

/// Text header lines that identify a device or a boot.
const HEADER_KEYS: [&str; 4] = ["CrashReporter Key:", "Anonymous UUID:", "Sleep/Wake UUID:", "Beta Identifier:"];

/// JSON keys whose values identify a device or a boot.
const JSON_KEYS: [&str; 4] =
    ["\"crashReporterKey\"", "\"sleepWakeUUID\"", "\"bootSessionUUID\"", "\"deviceIdentifierForVendor\""];

/// The report's bytes with personal data removed (see the module's
/// documentation); bytes that are not UTF-8 are scrubbed as far as they are.
pub fn scrub(bytes: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if HEADER_KEYS.iter().any(|key| trimmed.starts_with(key)) {
            continue;
        }
        out.push_str(line);
    }
    let out = user_names(&out, "/Users/", "/");
    let out = user_names(&out, "/home/", "/");
    let out = user_names(&out, "\\/Users\\/", "\\/");
    let out = user_names(&out, "\\/home\\/", "\\/");
    json_values(&out).into_bytes()
}

/// Replaces the path component after each `prefix` (up to `end`) with `USER`.
fn user_names(text: &str, prefix: &str, end: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(prefix) {
        let after = &rest[at + prefix.len()..];
        out.push_str(&rest[..at + prefix.len()]);
        let name_len = after.find(end).filter(|&n| n > 0 && !after[..n].contains(['\n', '"', ' ']));
        match name_len {
            Some(n) if &after[..n] != "Shared" && &after[..n] != "USER" => {
                out.push_str("USER");
                rest = &after[n..];
            }
            _ => rest = after,
        }
    }
    out.push_str(rest);
    out
}

/// Empties the string values of the identifying JSON keys.
fn json_values(text: &str) -> String {
    let mut out = text.to_string();
    for key in JSON_KEYS {
        let mut from = 0;
        while let Some(found) = out[from..].find(key) {
            let at = from + found + key.len();
            let rest = &out[at..];
            let colon = rest.len() - rest.trim_start().len();
            let Some(value) = rest.trim_start().strip_prefix(':') else {
                from = at;
                continue;
            };
            let value_start = at + colon + 1 + (value.len() - value.trim_start().len());
            if out[value_start..].starts_with('"') {
                let body = &out[value_start + 1..];
                let mut end = None;
                let mut escaped = false;
                for (i, c) in body.char_indices() {
                    match c {
                        _ if escaped => escaped = false,
                        '\\' => escaped = true,
                        '"' => {
                            end = Some(i);
                            break;
                        }
                        _ => {}
                    }
                }
                if let Some(end) = end {
                    out.replace_range(value_start + 1..value_start + 1 + end, "");
                }
            }
            from = value_start.min(out.len());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_reports_lose_names_and_device_ids() {
        let report = "Process: App [1]\nCrashReporter Key:   3f2d8930a7fa\nAnonymous UUID: 1A2B\n\
                      Path: /Users/jane/Applications/App.app/App\nSleep/Wake UUID: 9C8D\n\
                      0x1 - 0x2 App arm64 <00> /Users/Shared/App\n";
        let scrubbed = String::from_utf8(scrub(report.as_bytes())).unwrap();
        assert_eq!(
            scrubbed,
            "Process: App [1]\nPath: /Users/USER/Applications/App.app/App\n0x1 - 0x2 App arm64 <00> /Users/Shared/App\n"
        );
    }

    #[test]
    fn json_keeps_its_shape() {
        let body = r#"{"crashReporterKey" : "3f2d8930", "procPath" : "\/Users\/jane\/App.app\/App", "sleepWakeUUID":"9C8D-\"x\"", "pid": 1}"#;
        let scrubbed = String::from_utf8(scrub(body.as_bytes())).unwrap();
        assert_eq!(
            scrubbed,
            r#"{"crashReporterKey" : "", "procPath" : "\/Users\/USER\/App.app\/App", "sleepWakeUUID":"", "pid": 1}"#
        );
        let value: serde_json::Value = serde_json::from_str(&scrubbed).unwrap();
        assert_eq!(value["pid"], 1);
    }
}
