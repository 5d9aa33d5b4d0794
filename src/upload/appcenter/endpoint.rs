//! Where logs are sent.

use reqwest::Url;

/// App Center's ingestion endpoint.
pub const DEFAULT_ENDPOINT: &str = "https://in.appcenter.ms/logs?api-version=1.0.0";

/// Checks an endpoint: `https`, or plain `http` to a loopback host only
/// (the secret must not cross a network in clear).
pub fn parse_endpoint(text: &str) -> Result<Url, String> {
    let url = Url::parse(text.trim()).map_err(|e| format!("the endpoint `{text}` is not a URL: {e}"))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(format!(
            "the endpoint `{url}` is plain http to a host that is not this machine; the App Secret would cross the network in clear: use https"
        )),
        other => Err(format!("the endpoint `{url}` uses `{other}`; use https")),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_or_loopback_http() {
        assert!(parse_endpoint(DEFAULT_ENDPOINT).is_ok());
        assert!(parse_endpoint("http://127.0.0.1:8080/logs").is_ok());
        assert!(parse_endpoint("http://[::1]:8080/logs").is_ok());
        assert!(parse_endpoint("http://localhost/logs").is_ok());
        assert!(parse_endpoint("http://in.appcenter.ms/logs").is_err());
        assert!(parse_endpoint("http://10.0.0.1/logs").is_err());
        assert!(parse_endpoint("ftp://127.0.0.1/").is_err());
        assert!(parse_endpoint("nonsense").is_err());
    }
}
