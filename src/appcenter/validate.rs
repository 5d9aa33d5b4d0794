//! Checking App Center logs against the ingestion contract
//! (`appcenter-logs.schema.json`) before they are sent: logs written by
//! other tools, or edited by hand, must not reach the service malformed,
//! where a 400 would reject the whole request.

use super::logs::{AppleError, Binary, Device, ErrorAttachment, Exception, Frame, Log, LogContainer, Thread};

/// Every problem found, each as `path: expected ..., found ...`.
pub fn validate(container: &LogContainer) -> Result<(), Vec<String>> {
    let mut v = Validator { problems: Vec::new() };
    if container.logs.is_empty() {
        v.problem("logs", "at least one log", "an empty list");
    }
    for (i, log) in container.logs.iter().enumerate() {
        let path = format!("logs[{i}]");
        match log {
            Log::AppleError(e) => v.apple_error(&path, e),
            Log::ErrorAttachment(a) => v.attachment(&path, a),
            Log::ManagedError(map) | Log::HandledError(map) => {
                v.generic(&path, map, matches!(log, Log::ManagedError(_)))
            }
        }
    }
    if v.problems.is_empty() { Ok(()) } else { Err(v.problems) }
}

struct Validator {
    problems: Vec<String>,
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36 && uuid::Uuid::try_parse(s).is_ok()
}

fn is_timestamp(s: &str) -> bool {
    // YYYY-MM-DDTHH:MM:SS.sssZ
    let b = s.as_bytes();
    b.len() == 24
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'.',
            23 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

fn is_hex(s: &str) -> bool {
    s.strip_prefix("0x")
        .is_some_and(|d| !d.is_empty() && d.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)))
}

fn is_padded_hex(s: &str) -> bool {
    is_hex(s) && matches!(s.len(), 10 | 18)
}

fn is_base64(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    s.len() - body.len() <= 2 && body.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/')
}

fn is_version(s: &str) -> bool {
    // N.N.N with an optional -suffix / +suffix.
    let core = s.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3 && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
}

impl Validator {
    fn problem(&mut self, path: &str, expected: &str, found: &str) {
        if self.problems.len() < 100 {
            self.problems.push(format!("{path}: expected {expected}, found {found}"));
        }
    }

    fn check(&mut self, ok: bool, path: impl FnOnce() -> String, expected: &str, found: &str) {
        if !ok {
            self.problem(&path(), expected, &crate::error::excerpt(found, 40));
        }
    }

    fn non_empty(&mut self, path: &str, field: &str, value: &str) {
        self.check(!value.is_empty(), || format!("{path}.{field}"), "a non-empty string", value);
    }

    fn common(&mut self, path: &str, id: &str, timestamp: &str, user_id: Option<&str>, device: &Device) {
        self.check(is_uuid(id), || format!("{path}.id"), "a UUID", id);
        self.check(is_timestamp(timestamp), || format!("{path}.timestamp"), "YYYY-MM-DDTHH:MM:SS.sssZ", timestamp);
        if let Some(user) = user_id {
            self.check(user.chars().count() <= 256, || format!("{path}.userId"), "at most 256 characters", user);
        }
        self.device(&format!("{path}.device"), device);
    }

    fn device(&mut self, path: &str, d: &Device) {
        for (field, value) in [
            ("sdkName", &d.sdk_name),
            ("osName", &d.os_name),
            ("osVersion", &d.os_version),
            ("locale", &d.locale),
            ("appVersion", &d.app_version),
            ("appBuild", &d.app_build),
        ] {
            self.non_empty(path, field, value);
        }
        self.check(is_version(&d.sdk_version), || format!("{path}.sdkVersion"), "a version N.N.N", &d.sdk_version);
        self.check(
            (-840..=840).contains(&d.time_zone_offset),
            || format!("{path}.timeZoneOffset"),
            "minutes between -840 and 840",
            &d.time_zone_offset.to_string(),
        );
    }

    fn apple_error(&mut self, path: &str, e: &AppleError) {
        self.common(path, &e.id, &e.timestamp, e.user_id.as_deref(), &e.device);
        self.non_empty(path, "processName", &e.process_name);
        self.non_empty(path, "applicationPath", &e.application_path);
        self.non_empty(path, "osExceptionType", &e.os_exception_type);
        self.non_empty(path, "osExceptionCode", &e.os_exception_code);
        self.check(
            is_timestamp(&e.app_launch_timestamp),
            || format!("{path}.appLaunchTimestamp"),
            "YYYY-MM-DDTHH:MM:SS.sssZ",
            &e.app_launch_timestamp,
        );
        self.check(e.primary_architecture_id >= 1, || format!("{path}.primaryArchitectureId"), "a Mach-O cputype", "0");
        self.check(
            is_hex(&e.os_exception_address),
            || format!("{path}.osExceptionAddress"),
            "0x and lower-case hex",
            &e.os_exception_address,
        );
        for (i, thread) in e.threads.iter().enumerate() {
            self.thread(&format!("{path}.threads[{i}]"), thread);
        }
        for (i, binary) in e.binaries.iter().enumerate() {
            self.binary(&format!("{path}.binaries[{i}]"), binary);
        }
        for (name, value) in e.registers.iter().flatten() {
            self.check(is_padded_hex(value), || format!("{path}.registers.{name}"), "0x and 8 or 16 hex digits", value);
        }
        if let Some(exception) = &e.exception {
            self.exception(&format!("{path}.exception"), exception);
        }
    }

    fn thread(&mut self, path: &str, t: &Thread) {
        self.check(!t.frames.is_empty(), || format!("{path}.frames"), "at least one frame", "none");
        for (i, frame) in t.frames.iter().enumerate() {
            self.frame(&format!("{path}.frames[{i}]"), frame);
        }
        if let Some(exception) = &t.exception {
            self.exception(&format!("{path}.exception"), exception);
        }
    }

    fn frame(&mut self, path: &str, f: &Frame) {
        if let Some(address) = &f.address {
            self.check(is_padded_hex(address), || format!("{path}.address"), "0x and 8 or 16 hex digits", address);
        }
        if let Some(code) = &f.code {
            self.check(!code.is_empty(), || format!("{path}.code"), "a non-empty string", code);
        }
    }

    fn exception(&mut self, path: &str, e: &Exception) {
        self.non_empty(path, "type", &e.kind);
        for (i, frame) in e.frames.iter().flatten().enumerate() {
            self.frame(&format!("{path}.frames[{i}]"), frame);
        }
        for (i, inner) in e.inner_exceptions.iter().flatten().enumerate() {
            self.exception(&format!("{path}.innerExceptions[{i}]"), inner);
        }
    }

    fn binary(&mut self, path: &str, b: &Binary) {
        let undashed = b.id.len() == 32 && b.id.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c));
        self.check(undashed, || format!("{path}.id"), "32 lower-case hex digits", &b.id);
        self.check(
            is_padded_hex(&b.start_address),
            || format!("{path}.startAddress"),
            "0x and 8 or 16 hex digits",
            &b.start_address,
        );
        self.check(
            is_padded_hex(&b.end_address),
            || format!("{path}.endAddress"),
            "0x and 8 or 16 hex digits",
            &b.end_address,
        );
        self.non_empty(path, "name", &b.name);
        self.non_empty(path, "path", &b.path);
    }

    fn attachment(&mut self, path: &str, a: &ErrorAttachment) {
        self.common(path, &a.id, &a.timestamp, a.user_id.as_deref(), &a.device);
        self.check(is_uuid(&a.error_id), || format!("{path}.errorId"), "a UUID", &a.error_id);
        self.non_empty(path, "contentType", &a.content_type);
        self.check(is_base64(&a.data), || format!("{path}.data"), "base64", &a.data);
    }

    fn generic(&mut self, path: &str, map: &serde_json::Map<String, serde_json::Value>, managed: bool) {
        let text = |key: &str| map.get(key).and_then(|v| v.as_str()).unwrap_or("");
        self.check(is_uuid(text("id")), || format!("{path}.id"), "a UUID", text("id"));
        self.check(
            is_timestamp(text("timestamp")),
            || format!("{path}.timestamp"),
            "YYYY-MM-DDTHH:MM:SS.sssZ",
            text("timestamp"),
        );
        match map.get("device").map(|d| serde_json::from_value::<Device>(d.clone())) {
            Some(Ok(device)) => self.device(&format!("{path}.device"), &device),
            Some(Err(e)) => self.problem(&format!("{path}.device"), "a device object", &e.to_string()),
            None => self.problem(&format!("{path}.device"), "a device object", "nothing"),
        }
        match map.get("exception").map(|e| serde_json::from_value::<Exception>(e.clone())) {
            Some(Ok(exception)) => self.exception(&format!("{path}.exception"), &exception),
            Some(Err(e)) => self.problem(&format!("{path}.exception"), "an exception object", &e.to_string()),
            None => self.problem(&format!("{path}.exception"), "an exception object", "nothing"),
        }
        if managed {
            for key in ["processId", "processName", "fatal"] {
                if !map.contains_key(key) {
                    self.problem(&format!("{path}.{key}"), "a value", "nothing");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert!(is_timestamp("2024-01-02T03:04:05.678Z"));
        assert!(!is_timestamp("2024-01-02T03:04:05Z"));
        assert!(is_padded_hex("0x0000001a") && is_padded_hex("0x000000000000001a") && !is_padded_hex("0x1a"));
        assert!(is_hex("0x0") && !is_hex("0X1") && !is_hex("0x") && !is_hex("0xAB"));
        assert!(is_base64("QUJD+/==") && !is_base64("QU JD"));
        assert!(is_version("0.1.0") && is_version("1.2.3-beta.1") && !is_version("1.2"));
    }
}
