//! One HTTP request to a destination, as the delivery core sends it: the
//! URL, the headers (those that carry credentials marked, so that nothing
//! prints them), and the body, gzip-compressed when it is worth it.

use std::io::Write;

use reqwest::Url;

/// A header of a request.
#[derive(Debug, Clone)]
pub struct Header {
    /// Its name.
    pub name: &'static str,
    /// Its value.
    pub value: String,
    /// True for a header that carries a credential: shown masked.
    pub secret: bool,
}

/// A request ready to send.
#[derive(Debug, Clone)]
pub struct Request {
    /// Where it goes.
    pub url: Url,
    /// The headers, `Content-Encoding` included when the body is compressed.
    pub headers: Vec<Header>,
    /// The body before compression (for showing it).
    pub plain: Vec<u8>,
    /// The bytes sent.
    pub body: Vec<u8>,
    /// How many crashes it carries (for the rate limit).
    pub crashes: u32,
}

impl Request {
    /// A request whose body is compressed with gzip when it has at least
    /// `gzip_from` bytes.
    pub fn new(
        url: Url,
        mut headers: Vec<Header>,
        plain: Vec<u8>,
        gzip_from: usize,
        crashes: u32,
    ) -> std::io::Result<Request> {
        let body = if plain.len() >= gzip_from {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::with_capacity(plain.len() / 4), flate2::Compression::fast());
            encoder.write_all(&plain)?;
            headers.push(Header { name: "Content-Encoding", value: "gzip".to_string(), secret: false });
            encoder.finish()?
        } else {
            plain.clone()
        };
        Ok(Request { url, headers, plain, body, crashes })
    }

    /// True when the body is gzip.
    pub fn gzip(&self) -> bool {
        self.body.len() != self.plain.len() || self.headers.iter().any(|h| h.name == "Content-Encoding")
    }

    /// The request as a person should see it (`--show-requests`): method,
    /// URL, headers with credentials masked, and `shown_body` (the body as
    /// the destination lays it out for reading).
    pub fn describe(&self, shown_body: &str) -> String {
        let mut out = format!("POST {}\n", self.url);
        for header in &self.headers {
            let value = if header.secret { mask(&header.value) } else { header.value.clone() };
            out.push_str(&format!("{}: {value}\n", header.name));
        }
        if self.gzip() {
            out.push_str(&format!(
                "(body: {} bytes, {} bytes gzip-compressed; shown uncompressed)\n",
                self.plain.len(),
                self.body.len()
            ));
        }
        out.push('\n');
        out.push_str(shown_body);
        if !shown_body.ends_with('\n') {
            out.push('\n');
        }
        out
    }
}

/// A credential's shape without its content: every letter and digit
/// replaced by `*` (an App Secret shows as `********-****-...`).
pub fn mask(value: &str) -> String {
    value.chars().map(|c| if c.is_ascii_alphanumeric() { '*' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_bodies_are_compressed_and_secrets_masked() {
        let url = Url::parse("http://127.0.0.1/logs").unwrap();
        let headers = vec![Header { name: "App-Secret", value: "0b9c5d43-7b1a".into(), secret: true }];
        let request = Request::new(url.clone(), headers.clone(), vec![b'a'; 2000], 1400, 1).unwrap();
        assert!(request.gzip() && request.body.len() < 2000);
        let shown = request.describe("{}");
        assert!(shown.contains("App-Secret: ********-****\n") && !shown.contains("0b9c"), "{shown}");
        let small = Request::new(url, headers, b"{}".to_vec(), 1400, 1).unwrap();
        assert!(!small.gzip() && small.body == b"{}");
    }
}
