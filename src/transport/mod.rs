//! Outbound HTTP, behind a small seam so the daemon can serve its listener between calls
//! and tests can count what is sent.

pub use crate::url::Url;
use crate::url::UrlError;
use std::fmt;
use std::time::{Duration, Instant};

pub mod answer;
mod clock;
mod dial;
mod direct;
mod minreq;
pub mod proxy;
#[cfg(test)]
pub mod scripted;
pub mod target;
pub mod tls;
pub mod trust;

/// Redirects followed by calls that carry no credentials (detectors, webhooks, heartbeats).
pub const REDIRECTS: u8 = 3;

pub const USER_AGENT: &str = concat!("dyncfdns/", env!("CARGO_PKG_VERSION"));

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Patch,
    Put,
    Delete,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

#[derive(Debug)]
pub struct Request {
    pub method: Method,
    /// Checked where the request is made (`Url::parse`); its `Debug` shows no path or query.
    pub url: Url,
    pub headers: Vec<(&'static str, String)>,
    pub body: Option<String>,
    pub timeout_secs: u64,
    /// Bodies longer than this are refused rather than buffered.
    pub max_body: usize,
    /// Redirects to follow (never from https to http); 0 returns a 3xx as it is.
    pub redirects: u8,
    /// Which of the host's addresses may be dialled.
    pub dial: Dial,
}

/// The addresses a request may use: a detector of one family must reach its service over
/// that family, whatever the resolver prefers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Dial {
    #[default]
    Any,
    V4,
    V6,
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

/// Why a request got no usable answer. Messages never include the URL or request headers,
/// so credentials and secret URLs cannot leak through them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransportError {
    TimedOut,
    /// The peer closed the connection before sending a status line.
    NoAnswer,
    /// The body ended before its `Content-Length`.
    CutShort,
    /// The body is longer than the request's `max_body`.
    TooLarge(usize),
    /// Reading the body failed.
    Read(String),
    /// Resolving, connecting, TLS, or a malformed answer head.
    Connect(String),
    /// A redirect that is not followed (from https to http, or too many).
    Redirect(String),
    /// A stop was asked for, so the request was not sent.
    ShuttingDown,
    /// The time allowed for this step ran out before the request could be sent.
    OutOfTime,
    /// A certificate was refused for its dates while the clock (`reads`, Unix seconds) is
    /// earlier than the build (`built`): the clock, not the certificate, is wrong.
    ClockBehind {
        reads: u64,
        built: u64,
    },
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            TransportError::TimedOut => f.write_str("timed out"),
            TransportError::NoAnswer => f.write_str("the connection closed without an answer"),
            TransportError::CutShort => f.write_str("the response was cut short"),
            TransportError::TooLarge(n) => write!(f, "the response is larger than {n} bytes"),
            TransportError::Read(e) => write!(f, "reading the response failed: {e}"),
            TransportError::Connect(e) => f.write_str(e),
            TransportError::Redirect(why) => write!(f, "redirect not followed: {why}"),
            TransportError::ShuttingDown => f.write_str("shutting down"),
            TransportError::OutOfTime => f.write_str("not sent: the time allowed is spent"),
            TransportError::ClockBehind { reads, built } => write!(
                f,
                "the system clock is wrong: it reads {}, earlier than this build of dyncfdns ({}), so no TLS certificate can be checked until it is set (NTP)",
                crate::clock::rfc3339(*reads),
                crate::clock::rfc3339(*built)
            ),
        }
    }
}

use clock::clock_behind;

/// A URL that cannot be requested, named without repeating it.
impl From<UrlError> for TransportError {
    fn from(e: UrlError) -> TransportError {
        TransportError::Connect(format!("the URL {e}"))
    }
}

pub trait Transport {
    fn send(&mut self, request: Request) -> Result<Response, TransportError>;
}

/// The real transport: minreq for most calls, the direct client where minreq falls short
/// (and for every call through a proxy: it speaks both CONNECT and, for plain HTTP, the
/// absolute-URL form that proxies allow by default, so minreq's proxy code is not built in).
/// It carries its settings (proxies, CA roots) as values: none is read from a static.
pub struct Http {
    proxies: proxy::Proxies,
    roots: trust::Roots,
}

impl Http {
    /// With the configuration's proxies and CA roots (the extra roots move into it).
    pub fn new(proxies: proxy::Proxies, trust: &mut trust::Trust) -> Http {
        Http {
            proxies,
            roots: trust::Roots::new(trust),
        }
    }

    /// No proxy and the built-in roots.
    pub fn plain() -> Http {
        Http {
            proxies: proxy::Proxies::default(),
            roots: trust::Roots::builtin(),
        }
    }
}

impl Transport for Http {
    /// Sends the request, following up to `request.redirects` redirects itself (minreq's own
    /// following would pass https to http and resend every header). The hops share the
    /// request's one timeout, so a chain of redirects never holds the loop longer than a call.
    fn send(&mut self, mut request: Request) -> Result<Response, TransportError> {
        let until = Instant::now() + Duration::from_secs(request.timeout_secs);
        let mut hops = 0;
        loop {
            if hops > 0 {
                request.timeout_secs =
                    seconds_left(until, Instant::now()).ok_or(TransportError::TimedOut)?;
            }
            let proxy = self.proxies.for_url(request.url.as_str());
            let direct = proxy.is_some()
                || needs_direct(request.url.as_str(), request.dial, self.roots.has_extra());
            let response = if direct {
                direct::send_once(&request, proxy, &self.roots)?
            } else {
                minreq::send_once(&request)?
            };
            let location = response.header("location").map(str::to_string);
            let redirect = matches!(response.status, 301 | 302 | 303 | 307 | 308);
            match location {
                Some(to) if redirect && hops < request.redirects => {
                    request.url = redirect_target(request.url.as_str(), &to)?;
                    if response.status == 303 {
                        request.method = Method::Get;
                        request.body = None;
                    }
                    hops += 1;
                }
                _ => return Ok(response),
            }
        }
    }
}

/// Whether a call needs the direct client: minreq trusts only the built-in roots, dials the
/// addresses in the resolver's order, and cannot read an IPv6 literal (`[...]`) in a URL.
pub fn needs_direct(url: &str, dial: Dial, extra_roots: bool) -> bool {
    match crate::url::parts(url) {
        Ok(t) => dial != Dial::Any || (extra_roots && t.tls) || t.authority.starts_with('['),
        // The direct client names what is wrong with it.
        Err(_) => true,
    }
}

/// Calls that must all end by `until`: each gets the whole seconds left (minreq counts its
/// timeout in seconds) if that is less than its own timeout, and none starts with less than
/// a second left. This is how a phase of the loop (the reports after a pass, the deletes on
/// stop) keeps the fixed bound `bounds` promises, however many calls it makes.
pub struct Deadline<'t> {
    pub inner: &'t mut dyn Transport,
    pub until: Instant,
}

impl Transport for Deadline<'_> {
    fn send(&mut self, mut request: Request) -> Result<Response, TransportError> {
        let left = seconds_left(self.until, Instant::now()).ok_or(TransportError::OutOfTime)?;
        request.timeout_secs = request.timeout_secs.min(left);
        self.inner.send(request)
    }
}

/// Whole seconds from `now` to `until`, or `None` when less than one is left.
pub fn seconds_left(until: Instant, now: Instant) -> Option<u64> {
    Some(until.saturating_duration_since(now).as_secs()).filter(|s| *s > 0)
}

/// Where a redirect from `current` to `location` leads: an absolute http(s) URL, or a path on
/// the same origin. A step from https down to http is refused, so a redirect can never send a
/// request (or a secret in its URL) in the clear.
pub fn redirect_target(current: &str, location: &str) -> Result<Url, TransportError> {
    let location = location.trim();
    let not_http = || {
        TransportError::Redirect(
            "the Location is not an http(s) URL or an absolute path".to_string(),
        )
    };
    let from = crate::url::parts(current).map_err(|_| not_http())?;
    let target = if location.starts_with('/') && !location.starts_with("//") {
        let scheme = if from.tls { "https" } else { "http" };
        format!("{scheme}://{}{location}", from.authority)
    } else {
        location.to_string()
    };
    let to = crate::url::parts(&target).map_err(|_| not_http())?;
    if from.tls && !to.tls {
        return Err(TransportError::Redirect(format!(
            "from https to plain http ({})",
            redacted(&target)
        )));
    }
    Url::parse(&target).map_err(|_| not_http())
}

/// The host a URL names, for messages.
pub fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    host.rsplit('@').next().unwrap_or(host)
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
    let scheme = url.split_once("://").map_or("", |(s, _)| s);
    format!("{scheme}://{}/…", host_of(url))
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

    #[test]
    fn a_deadline_shortens_calls_and_refuses_them_when_spent() {
        use scripted::{json, Scripted};
        let mut inner = Scripted::new(vec![json(Method::Get, "/a", 200, "{}")]);
        let request = |url: &str| Request {
            method: Method::Get,
            url: Url::parse(url).unwrap(),
            headers: Vec::new(),
            body: None,
            timeout_secs: 15,
            max_body: 100,
            redirects: 0,
            dial: Dial::Any,
        };
        let now = Instant::now();
        let until = now + std::time::Duration::from_millis(4_500);
        assert_eq!(seconds_left(until, now), Some(4));
        let mut d = Deadline {
            inner: &mut inner,
            until,
        };
        assert!(d.send(request("http://x/a")).is_ok());
        assert!(inner.timeouts[0] <= 4, "{:?}", inner.timeouts);
        let mut spent = Deadline {
            inner: &mut inner,
            until: Instant::now() + std::time::Duration::from_millis(900),
        };
        assert_eq!(
            spent.send(request("http://x/b")).unwrap_err(),
            TransportError::OutOfTime
        );
        assert_eq!(inner.sent.len(), 1, "nothing sent without time left");
    }

    #[test]
    fn only_what_minreq_cannot_do_goes_direct() {
        let plain = "https://api.cloudflare.com/client/v4";
        assert!(!needs_direct(plain, Dial::Any, false));
        assert!(needs_direct(plain, Dial::Any, true), "extra roots");
        assert!(
            !needs_direct("http://ip.lan/", Dial::Any, true),
            "no TLS, no roots"
        );
        assert!(needs_direct("HTTPS://a.b/", Dial::Any, true));
        assert!(needs_direct(plain, Dial::V6, false), "one family");
        assert!(needs_direct("http://[2001:db8::1]:8/ip", Dial::Any, false));
        assert!(needs_direct("http://u@[::1]/", Dial::Any, false));
    }

    #[test]
    fn redirects_stay_on_https_and_resolve_paths() {
        let t = |c, l| redirect_target(c, l).map(|u| u.as_str().to_string());
        assert_eq!(t("https://a.io/x?k=1", "/y").unwrap(), "https://a.io/y");
        assert_eq!(
            t("http://a.io:8/x", "https://b.io/z").unwrap(),
            "https://b.io/z"
        );
        assert!(t("https://a.io/x", "http://b.io/z").is_err());
        assert!(t("https://a.io/x", "HTTP://b.io/z").is_err());
        assert!(t("https://a.io/x", "//b.io/z").is_err());
        assert!(t("https://a.io/x", "ftp://b.io").is_err());
        assert_eq!(
            host_of("https://u:p@api.example.com:8443/v4?x"),
            "api.example.com:8443"
        );
    }
}
