//! URLs, taken apart once where they enter: scheme, host (an IPv6 literal without its
//! brackets), port, authority and request target. `parts` borrows from the text (the direct
//! client dials with it); `Url` owns a checked URL, so a setting is refused at start, naming
//! its variable, instead of failing every call later (`NOTIFY_URL=http://h:99999/`). Errors
//! never repeat the URL: it may hold a key. Pure: a leaf.

use std::fmt;
use std::net::IpAddr;

/// What is wrong with a URL, without repeating it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UrlError {
    NoScheme,
    NotHttp,
    NoHost,
    BadPort,
    UnclosedBracket,
    BadIpv6,
    QueryWithoutPath,
    Whitespace,
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(match self {
            UrlError::NoScheme => "has no scheme",
            UrlError::NotHttp => "is not http(s)",
            UrlError::NoHost => "has no host",
            UrlError::BadPort => "has a bad port (1-65535)",
            UrlError::UnclosedBracket => "has an unclosed '['",
            UrlError::BadIpv6 => "has a malformed IPv6 literal",
            UrlError::QueryWithoutPath => "has a query but no path",
            UrlError::Whitespace => "holds whitespace",
        })
    }
}

#[derive(Debug, PartialEq, Eq)]
pub struct Parts<'u> {
    pub tls: bool,
    /// A name, an IPv4 address or an IPv6 address (no brackets).
    pub host: &'u str,
    pub port: u16,
    /// `host[:port]` as the URL wrote it (brackets kept), for `Host` and CONNECT.
    pub authority: &'u str,
    /// The path and query, starting with `/`.
    pub path: &'u str,
}

impl Parts<'_> {
    /// `host:port` for a CONNECT line (an IPv6 literal in brackets).
    pub fn host_port(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// Takes `url` apart. Credentials before an `@` are dropped, as minreq drops them: none of
/// our URLs is meant to carry them.
pub fn parts(url: &str) -> Result<Parts<'_>, UrlError> {
    if url.contains(char::is_whitespace) {
        return Err(UrlError::Whitespace);
    }
    let (scheme, rest) = url.split_once("://").ok_or(UrlError::NoScheme)?;
    let tls = match scheme.to_ascii_lowercase().as_str() {
        "https" => true,
        "http" => false,
        _ => return Err(UrlError::NotHttp),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let Authority {
        host,
        port,
        hostport: authority,
        ..
    } = authority_of(authority)?;
    let path = tail.split('#').next().unwrap_or("");
    let path = match path {
        // "http://h" asks for "/"; a bare "?" cannot start a request target.
        "" => "/",
        p if p.starts_with('?') => return Err(UrlError::QueryWithoutPath),
        p => p,
    };
    let port = port_of(port, tls).ok_or(UrlError::BadPort)?;
    Ok(Parts {
        tls,
        host,
        port,
        authority,
        path,
    })
}

/// `[userinfo@]host[:port]` taken apart.
pub struct Authority<'u> {
    /// What comes before the last `@`, if anything (a proxy's credentials).
    pub userinfo: Option<&'u str>,
    /// A name or an address (an IPv6 literal without its brackets).
    pub host: &'u str,
    /// The port as written, if any.
    pub port: Option<&'u str>,
    /// `host[:port]` as written (brackets kept).
    pub hostport: &'u str,
}

/// Takes an authority apart; the host must not be empty.
pub fn authority_of(authority: &str) -> Result<Authority<'_>, UrlError> {
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((user, rest)) => (Some(user), rest),
        None => (None, authority),
    };
    let (host, port) = match hostport.strip_prefix('[') {
        Some(inner) => {
            let (host, after) = inner.split_once(']').ok_or(UrlError::UnclosedBracket)?;
            if host.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(UrlError::BadIpv6);
            }
            (host, after.strip_prefix(':'))
        }
        None => match hostport.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        },
    };
    if host.is_empty() {
        return Err(UrlError::NoHost);
    }
    Ok(Authority {
        userinfo,
        host,
        port,
        hostport,
    })
}

/// The port the URL names, or the scheme's.
fn port_of(written: Option<&str>, tls: bool) -> Option<u16> {
    match written {
        None | Some("") => Some(if tls { 443 } else { 80 }),
        Some(p) => p.parse::<u16>().ok().filter(|p| *p > 0),
    }
}

/// A checked http(s) URL, kept as written (the request is sent as the user wrote it).
#[derive(Clone, PartialEq, Eq)]
pub struct Url {
    text: String,
    tls: bool,
    /// Lowercased: names compare without case.
    host: String,
    port: u16,
}

impl Url {
    pub fn parse(text: &str) -> Result<Url, UrlError> {
        let p = parts(text)?;
        Ok(Url {
            tls: p.tls,
            host: p.host.to_ascii_lowercase(),
            port: p.port,
            text: text.to_string(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn is_https(&self) -> bool {
        self.tls
    }

    /// The host, lowercased (an IPv6 literal without brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// On this machine: `localhost`, 127.0.0.0/8 or ::1.
    pub fn is_loopback(&self) -> bool {
        self.host == "localhost" || self.host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }
}

/// Never the whole URL: its path or query may hold a key.
impl fmt::Debug for Url {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "Url({}://{}:{}/…)",
            if self.tls { "https" } else { "http" },
            self.host,
            self.port
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_addresses_and_ipv6_literals() {
        let t = parts("https://api.example.com/client/v4?a=1#frag").unwrap();
        assert_eq!(
            (t.tls, t.host, t.port, t.authority, t.path),
            (
                true,
                "api.example.com",
                443,
                "api.example.com",
                "/client/v4?a=1"
            )
        );
        let t = parts("http://u:pw@[2001:db8::1]:8080").unwrap();
        assert_eq!(
            (t.tls, t.host, t.port, t.authority, t.path),
            (false, "2001:db8::1", 8080, "[2001:db8::1]:8080", "/")
        );
        assert_eq!(t.host_port(), "[2001:db8::1]:8080");
        assert_eq!(
            parts("http://10.0.0.1:81/x").unwrap().host_port(),
            "10.0.0.1:81"
        );
        assert_eq!(parts("HTTP://[::1]/ip").unwrap().port, 80);
    }

    #[test]
    fn malformed_urls_are_refused_without_echoing_them() {
        for url in [
            "ftp://h/",
            "h/x",
            "http:///x",
            "http://[::1/x",
            "http://[zz::1]/",
            "http://h:0/",
            "http://h:99999/",
            "http://h:x/",
            "http://secret-host?k=1",
        ] {
            let e = parts(url).unwrap_err().to_string();
            assert!(!e.contains("secret") && !e.contains("/x"), "{url}: {e}");
        }
    }

    #[test]
    fn a_url_is_checked_once_and_compares_without_case() {
        let u = Url::parse("HTTPS://Hooks.Example.COM:8443/x?k=secret").unwrap();
        assert_eq!(
            (u.is_https(), u.host(), u.port()),
            (true, "hooks.example.com", 8443)
        );
        assert_eq!(u.as_str(), "HTTPS://Hooks.Example.COM:8443/x?k=secret");
        assert!(!format!("{u:?}").contains("secret"));
        assert_eq!(
            Url::parse("http://h:99999/").unwrap_err(),
            UrlError::BadPort
        );
        assert_eq!(Url::parse("http://h /").unwrap_err(), UrlError::Whitespace);
        for lo in [
            "http://localhost:1/",
            "http://127.0.0.2/",
            "http://[::1]:9/",
            "http://LOCALHOST/",
        ] {
            assert!(Url::parse(lo).unwrap().is_loopback(), "{lo}");
        }
        for far in ["http://127.example.com/", "http://10.0.0.1/", "http://u@h/"] {
            assert!(!Url::parse(far).unwrap().is_loopback(), "{far}");
        }
    }
}
