//! A small HTTP/1.1 server on 127.0.0.1 for the upload tests: it records
//! every request (body decompressed) and answers from a script, so that
//! the real client meets real faults: error statuses, retry-after headers,
//! connections reset, answers slower than the client's timeout.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How the server answers one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A status, extra headers and a body.
    Status(u16, Vec<(String, String)>, String),
    /// Close the connection without answering.
    Reset,
    /// Answer `Status` only after this long.
    Slow(Duration, u16),
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    /// The body, gunzipped when it came gzip-encoded.
    pub body: Vec<u8>,
    /// The body as it came.
    pub raw: Vec<u8>,
    pub at: Instant,
    /// How it was answered.
    pub reply: String,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("the body is JSON")
    }

    /// The ids of the errors in the body.
    pub fn error_ids(&self) -> Vec<String> {
        self.json()["logs"]
            .as_array()
            .map(|logs| {
                logs.iter()
                    .filter(|l| l["type"] != "errorAttachment")
                    .filter_map(|l| l["id"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn accepted(&self) -> bool {
        self.reply.starts_with("2")
    }
}

/// The server.
pub struct Server {
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Server {
    /// Starts a server on a free port of 127.0.0.1; requests past the
    /// script are answered 200.
    pub fn start(script: Vec<Reply>) -> Server {
        Self::start_with(script, None)
    }

    /// The same server speaking HTTPS with a certificate for 127.0.0.1
    /// issued by a certificate authority made for the test; returns the
    /// server and the authority's certificate (PEM), which a client must
    /// be told to trust.
    pub fn start_tls(script: Vec<Reply>) -> (Server, String) {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(rcgen::DnType::CommonName, "crashport test authority");
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let key = rcgen::KeyPair::generate().unwrap();
        let params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
        let cert = params.signed_by(&key, &issuer).unwrap();
        let config = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(
                vec![cert.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
            )
            .unwrap();
        let server = Self::start_with(script, Some(Arc::new(config)));
        (server, ca.pem())
    }

    fn start_with(script: Vec<Reply>, tls: Option<Arc<rustls::ServerConfig>>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let scheme = if tls.is_some() { "https" } else { "http" };
        let url = format!("{scheme}://{}/logs?api-version=1.0.0", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(VecDeque::from(script)));
        let (r, s) = (received.clone(), script.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (r, s, tls) = (r.clone(), s.clone(), tls.clone());
                std::thread::spawn(move || match tls {
                    None => serve(stream, r, s),
                    Some(config) => {
                        let Ok(connection) = rustls::ServerConnection::new(config) else { return };
                        serve(rustls::StreamOwned::new(connection, stream), r, s)
                    }
                });
            }
        });
        Server { url, received }
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

fn serve<S: Read + Write>(stream: S, received: Arc<Mutex<Vec<Received>>>, script: Arc<Mutex<VecDeque<Reply>>>) {
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_string();
        let target = parts.next().unwrap_or("").to_string();
        let mut headers = Vec::new();
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                headers.push((name.trim().to_string(), value.trim().to_string()));
            }
        }
        let length: usize = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut raw = vec![0; length];
        if reader.read_exact(&mut raw).is_err() {
            return;
        }
        let gzip = headers.iter().any(|(n, v)| n.eq_ignore_ascii_case("content-encoding") && v == "gzip");
        let body = if gzip {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(&raw[..]).read_to_end(&mut out).expect("valid gzip");
            out
        } else {
            raw.clone()
        };
        let reply = script.lock().unwrap().pop_front().unwrap_or(Reply::Status(200, Vec::new(), String::new()));
        let description = match &reply {
            Reply::Status(code, _, _) => code.to_string(),
            // An answer the client may have stopped waiting for.
            Reply::Slow(_, code) => format!("slow {code}"),
            Reply::Reset => "reset".to_string(),
        };
        received.lock().unwrap().push(Received {
            method,
            target,
            headers,
            body,
            raw,
            at: Instant::now(),
            reply: description,
        });
        let (status, extra, text) = match reply {
            Reply::Reset => return,
            Reply::Slow(wait, code) => {
                std::thread::sleep(wait);
                (code, Vec::new(), String::new())
            }
            Reply::Status(code, extra, text) => (code, extra, text),
        };
        let mut response = format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\n", text.len());
        for (name, value) in extra {
            response.push_str(&format!("{name}: {value}\r\n"));
        }
        response.push_str("\r\n");
        response.push_str(&text);
        if reader.get_mut().write_all(response.as_bytes()).and_then(|()| reader.get_mut().flush()).is_err() {
            return;
        }
    }
}
