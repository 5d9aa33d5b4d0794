//! One ingestion request: `POST <endpoint>` with the App Secret and the
//! Install ID in headers, and `{"logs": [...]}` as the body, gzip-compressed
//! from 1400 bytes on (as App Center's SDKs do).

use std::io::Write;

use reqwest::Url;

use super::secret::AppSecret;
use crate::appcenter::json;
use crate::appcenter::logs::Log;

/// Bodies of at least this many bytes are sent gzip-compressed.
pub const GZIP_FROM: usize = 1400;

/// A request ready to send.
#[derive(Debug, Clone)]
pub struct Request {
    /// Where it goes.
    pub url: Url,
    /// The JSON body before compression.
    pub json: Vec<u8>,
    /// The bytes sent (compressed when `gzip`).
    pub body: Vec<u8>,
    /// True when `body` is gzip.
    pub gzip: bool,
    /// The Install-ID header.
    pub install_id: String,
    /// How many crashes the logs hold (for the rate limit).
    pub crashes: u32,
}

impl Request {
    /// Builds the request for `logs`.
    pub fn new(url: &Url, install_id: &str, logs: &[Log]) -> std::io::Result<Request> {
        let mut json = json::container_json(logs, false)?;
        // The trailing newline is for files, not requests.
        if json.last() == Some(&b'\n') {
            json.pop();
        }
        let gzip = json.len() >= GZIP_FROM;
        let body = if gzip {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::with_capacity(json.len() / 4), flate2::Compression::fast());
            encoder.write_all(&json)?;
            encoder.finish()?
        } else {
            json.clone()
        };
        let crashes = logs
            .iter()
            .filter(|log| matches!(log, Log::AppleError(_) | Log::ManagedError(_) | Log::HandledError(_)))
            .count() as u32;
        Ok(Request { url: url.clone(), json, body, gzip, install_id: install_id.to_string(), crashes })
    }

    /// The headers, with the secret as given (for sending).
    pub(crate) fn headers<'a>(&'a self, secret: &'a AppSecret) -> Vec<(&'static str, &'a str)> {
        let mut headers = vec![
            ("Content-Type", "application/json"),
            ("App-Secret", secret.expose()),
            ("Install-ID", self.install_id.as_str()),
        ];
        if self.gzip {
            headers.push(("Content-Encoding", "gzip"));
        }
        headers
    }

    /// The request as a person should see it for `--dry-run`: method, URL,
    /// headers with the secret masked, and the body as indented JSON
    /// (`logs` are the logs the body was made from).
    pub fn describe(&self, secret: &AppSecret, logs: &[Log]) -> String {
        let mut out = format!("POST {}\n", self.url);
        let masked = secret.to_string();
        for (name, value) in self.headers(secret) {
            let value = if name == "App-Secret" { masked.as_str() } else { value };
            out.push_str(&format!("{name}: {value}\n"));
        }
        if self.gzip {
            out.push_str(&format!(
                "(body: {} bytes of JSON, {} bytes gzip-compressed; shown uncompressed and indented)\n",
                self.json.len(),
                self.body.len()
            ));
        }
        out.push('\n');
        match json::container_json(logs, true) {
            Ok(pretty) => out.push_str(&String::from_utf8_lossy(&pretty)),
            Err(_) => out.push_str(&String::from_utf8_lossy(&self.json)),
        }
        out
    }
}
