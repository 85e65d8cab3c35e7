//! A URL taken apart for dialling: scheme, host (an IPv6 literal without its brackets), port,
//! the `Host` header and the request target. Pure; used by the direct client, which, unlike
//! minreq, can dial an IPv6 literal.

use super::TransportError;

#[derive(Debug, PartialEq, Eq)]
pub struct Target<'u> {
    pub tls: bool,
    /// A name, an IPv4 address or an IPv6 address (no brackets).
    pub host: &'u str,
    pub port: u16,
    /// `host[:port]` as the URL wrote it (brackets kept), for `Host` and CONNECT.
    pub authority: &'u str,
    /// The path and query, starting with `/`.
    pub path: &'u str,
}

impl Target<'_> {
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
/// our URLs is meant to carry them. Errors never repeat the URL (it may be a secret).
pub fn parse(url: &str) -> Result<Target<'_>, TransportError> {
    let bad = |why: &str| TransportError::Connect(format!("the URL {why}"));
    let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("has no scheme"))?;
    let tls = match scheme.to_ascii_lowercase().as_str() {
        "https" => true,
        "http" => false,
        _ => return Err(bad("is not http(s)")),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let authority = authority.rsplit('@').next().unwrap_or("");
    let path = tail.split('#').next().unwrap_or("");
    let path = if path.is_empty() || path.starts_with('?') {
        // "http://h?x" asks for "/?x"; a bare "?" cannot start a request target.
        if path.is_empty() {
            "/"
        } else {
            return Err(bad("has a query but no path"));
        }
    } else {
        path
    };
    let (host, port) = match authority.strip_prefix('[') {
        Some(inner) => {
            let (host, after) = inner
                .split_once(']')
                .ok_or_else(|| bad("has an unclosed '['"))?;
            if host.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(bad("has a malformed IPv6 literal"));
            }
            (host, after.strip_prefix(':'))
        }
        None => match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        },
    };
    if host.is_empty() {
        return Err(bad("has no host"));
    }
    let port = port_of(port, tls).ok_or_else(|| bad("has a bad port"))?;
    Ok(Target {
        tls,
        host,
        port,
        authority,
        path,
    })
}

/// The port the URL names, or the scheme's.
fn port_of(written: Option<&str>, tls: bool) -> Option<u16> {
    match written {
        None | Some("") => Some(if tls { 443 } else { 80 }),
        Some(p) => p.parse::<u16>().ok().filter(|p| *p > 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_addresses_and_ipv6_literals() {
        let t = parse("https://api.example.com/client/v4?a=1#frag").unwrap();
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
        let t = parse("http://u:pw@[2001:db8::1]:8080").unwrap();
        assert_eq!(
            (t.tls, t.host, t.port, t.authority, t.path),
            (false, "2001:db8::1", 8080, "[2001:db8::1]:8080", "/")
        );
        assert_eq!(t.host_port(), "[2001:db8::1]:8080");
        assert_eq!(
            parse("http://10.0.0.1:81/x").unwrap().host_port(),
            "10.0.0.1:81"
        );
        assert_eq!(parse("HTTP://[::1]/ip").unwrap().port, 80);
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
            let e = parse(url).unwrap_err().to_string();
            assert!(!e.contains("secret") && !e.contains("/x"), "{url}: {e}");
        }
    }
}
