//! Outbound HTTP, behind a small seam so the daemon can serve its listener between calls
//! and tests can count what is sent.

use std::io::Read;

pub const USER_AGENT: &str = concat!("dyncfdns/", env!("CARGO_PKG_VERSION"));

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Patch,
    Delete,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

#[derive(Debug)]
pub struct Request {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: Option<String>,
    pub timeout_secs: u64,
    /// Bodies longer than this are refused rather than buffered.
    pub max_body: usize,
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Errors are plain text that never include request headers, so credentials cannot leak.
pub trait Transport {
    fn send(&mut self, request: Request) -> Result<Response, String>;
}

/// The real transport: minreq, blocking, one connection per request.
pub struct Minreq;

impl Transport for Minreq {
    fn send(&mut self, request: Request) -> Result<Response, String> {
        let method = match request.method {
            Method::Get => minreq::Method::Get,
            Method::Post => minreq::Method::Post,
            Method::Patch => minreq::Method::Patch,
            Method::Delete => minreq::Method::Delete,
        };
        let mut req = minreq::Request::new(method, request.url.as_str())
            .with_timeout(request.timeout_secs)
            .with_max_redirects(3)
            .with_max_headers_size(16 * 1024)
            .with_max_status_line_length(1024)
            .with_header("User-Agent", USER_AGENT);
        for (k, v) in request.headers {
            req = req.with_header(k, v);
        }
        if let Some(body) = request.body {
            req = req
                .with_header("Content-Type", "application/json")
                .with_body(body);
        }
        let mut lazy = req.send_lazy().map_err(describe)?;
        // minreq reports a connection closed before any status line as a made-up 503.
        if lazy.reason_phrase == "Server did not provide a status line" {
            return Err("the connection closed without an answer".to_string());
        }
        let mut body = Vec::new();
        let limit = request.max_body as u64 + 1;
        (&mut lazy)
            .take(limit)
            .read_to_end(&mut body)
            .map_err(|e| format!("reading the response failed: {e}"))?;
        if body.len() > request.max_body {
            return Err(format!(
                "the response is larger than {} bytes",
                request.max_body
            ));
        }
        let promised = lazy
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.trim().parse::<usize>().ok());
        // minreq ends the body quietly when the peer closes early; a cut JSON must not pass.
        if promised.is_some_and(|n| body.len() < n) {
            return Err("the response was cut short".to_string());
        }
        Ok(Response {
            status: lazy.status_code,
            headers: std::mem::take(&mut lazy.headers),
            body,
        })
    }
}

fn describe(e: minreq::Error) -> String {
    match e {
        minreq::Error::IoError(io) if io.kind() == std::io::ErrorKind::TimedOut => {
            "timed out".to_string()
        }
        minreq::Error::IoError(io) => io.to_string(),
        other => other.to_string(),
    }
}

/// Percent-encodes a query or path value (RFC 3986 unreserved characters pass).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A URL fit for logs: scheme and host only, since paths and queries of webhooks and
/// heartbeat URLs are secrets.
pub fn redacted(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or(host);
    format!("{scheme}://{host}/…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_keeps_only_scheme_and_host() {
        assert_eq!(
            redacted("https://hc-ping.com/0f2a-uuid"),
            "https://hc-ping.com/…"
        );
        assert_eq!(
            redacted("http://user:pw@kuma.lan:3001/api/push/abc?status=up"),
            "http://kuma.lan:3001/…"
        );
    }
}
