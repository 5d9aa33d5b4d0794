//! Writing logs as JSON, fast where it counts.
//!
//! Compact output (what `convert` and `upload` send) goes through
//! `compact.rs`, which checks strings for characters to escape eight bytes
//! at a time; pretty output is serde_json's. An attachment's `data` is the
//! whole report in base64, often most of the output, and base64 has
//! nothing to escape: so an attachment is written with an empty `data` and
//! the base64 is placed between its quotes afterwards, unchecked. Either
//! way the bytes are exactly serde_json's.

use super::compact;
use super::logs::{ErrorAttachment, Log};

/// Appends one log as JSON (compact, or pretty with serde_json's layout).
pub fn write_log(out: &mut Vec<u8>, log: &Log, pretty: bool) -> serde_json::Result<()> {
    let whole =
        |out: &mut Vec<u8>| if pretty { serde_json::to_writer_pretty(out, log) } else { compact::write(out, log) };
    let Log::ErrorAttachment(attachment) = log else { return whole(out) };
    let data = attachment.data.as_str();
    let without_data = Log::ErrorAttachment(Box::new(ErrorAttachment {
        id: attachment.id.clone(),
        error_id: attachment.error_id.clone(),
        timestamp: attachment.timestamp.clone(),
        sid: attachment.sid.clone(),
        user_id: attachment.user_id.clone(),
        device: attachment.device.clone(),
        content_type: attachment.content_type.clone(),
        file_name: attachment.file_name.clone(),
        data: String::new(),
    }));
    let start = out.len();
    if pretty {
        serde_json::to_writer_pretty(&mut *out, &without_data)?;
    } else {
        compact::write(out, &without_data)?;
    }
    // `data` is the last field: the output ends with `""` then `}` (and,
    // pretty, a newline before the brace).
    let written = &out[start..];
    let quotes = written.iter().rposition(|&b| b == b'"').filter(|&at| at > 0 && written[at - 1] == b'"');
    let Some(at) = quotes else {
        // Not the expected shape: the whole log is written the usual way.
        out.truncate(start);
        return whole(out);
    };
    let tail = out.split_off(start + at);
    out.reserve(data.len() + tail.len());
    out.extend_from_slice(data.as_bytes());
    out.extend_from_slice(&tail);
    Ok(())
}

/// `{"logs": [...]}` as JSON bytes, with a trailing newline.
pub fn container_json(logs: &[Log], pretty: bool) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(estimate(logs));
    if pretty {
        out.extend_from_slice(b"{\n  \"logs\": [");
        for (i, log) in logs.iter().enumerate() {
            out.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
            write_indented(&mut out, log, 4)?;
        }
        out.extend_from_slice(if logs.is_empty() { b"]\n}\n" } else { b"\n  ]\n}\n" });
    } else {
        out.extend_from_slice(b"{\"logs\":[");
        for (i, log) in logs.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_log(&mut out, log, false)?;
        }
        out.extend_from_slice(b"]}\n");
    }
    Ok(out)
}

/// Appends a log pretty-printed and indented by `indent` spaces, as
/// serde_json lays out a value nested that deep.
pub fn write_indented(out: &mut Vec<u8>, log: &Log, indent: usize) -> serde_json::Result<()> {
    let mut own = Vec::new();
    write_log(&mut own, log, true)?;
    // JSON strings hold no raw newline, so every newline is layout.
    out.extend(std::iter::repeat_n(b' ', indent));
    for &b in &own {
        out.push(b);
        if b == b'\n' {
            out.extend(std::iter::repeat_n(b' ', indent));
        }
    }
    Ok(())
}

/// A first guess at the output size: the attachments dominate it.
fn estimate(logs: &[Log]) -> usize {
    // Measured on the corpus: about 100 bytes a frame and 250 an image,
    // plus the device and exception; overestimating costs nothing, growing
    // the buffer copies it.
    logs.iter()
        .map(|log| match log {
            Log::ErrorAttachment(a) => a.data.len() + 1024,
            Log::AppleError(e) => {
                let frames: usize = e.threads.iter().map(|t| t.frames.len()).sum();
                4096 + frames * 128 + e.binaries.len() * 320
            }
            _ => 16 * 1024,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::appcenter::logs::LogContainer;

    fn sample() -> Vec<Log> {
        let json = r#"{"logs":[
            {"type":"handledError","id":"5D1F8E4A-93C2-4B7E-A6D0-2F8C71E94B35","exception":{"type":"E"},"timestamp":"x","device":{}},
            {"type":"errorAttachment","id":"5D1F8E4A-93C2-4B7E-A6D0-2F8C71E94B35","errorId":"5D1F8E4A-93C2-4B7E-A6D0-2F8C71E94B35",
             "timestamp":"2024-01-01T00:00:00.000Z","device":{"sdkName":"s","sdkVersion":"1.0.0","osName":"iOS","osVersion":"17",
             "locale":"en-US","timeZoneOffset":0,"appVersion":"1","appBuild":"1"},
             "contentType":"text/plain","fileName":"a \"b\".crash","data":"QUJD+/=="}]}"#;
        serde_json::from_str::<LogContainer>(json).unwrap().logs
    }

    #[test]
    fn same_bytes_as_serde_json() {
        let logs = sample();
        let container = LogContainer { logs: logs.clone() };
        assert_eq!(
            container_json(&logs, false).unwrap(),
            (serde_json::to_string(&container).unwrap() + "\n").into_bytes()
        );
        assert_eq!(
            String::from_utf8(container_json(&logs, true).unwrap()).unwrap(),
            serde_json::to_string_pretty(&container).unwrap() + "\n"
        );
    }
}
