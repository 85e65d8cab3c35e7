//! Outbound calls through an HTTP proxy (CONNECT), as HTTPS_PROXY, HTTP_PROXY and NO_PROXY
//! say. `config` reads the variables; this decides per URL (pure). The transport carries the
//! settings (`Http`).

use std::fmt;

/// A proxy's URL (`http://[user:password@]host:port`); it may hold credentials, so its `Debug`
/// and `Display` show the host only.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyUrl(String);

impl ProxyUrl {
    pub fn new(url: String) -> ProxyUrl {
        ProxyUrl(url)
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn has_credentials(&self) -> bool {
        self.userinfo().is_some()
    }

    /// `[user[:password]@]host[:port]` (the scheme is optional, as curl reads it), taken
    /// apart as every URL is (`url::authority_of`); `unusable` refused the rest at start.
    fn authority(&self) -> Option<crate::url::Authority<'_>> {
        let rest = self.0.split_once("://").map_or(self.0.as_str(), |(_, r)| r);
        crate::url::authority_of(rest.split('/').next().unwrap_or("")).ok()
    }

    fn userinfo(&self) -> Option<&str> {
        self.authority()?.userinfo
    }

    /// Where the proxy listens (an IPv6 literal without its brackets); port 1080, curl's
    /// default, when none is given.
    pub fn host_port(&self) -> (String, u16) {
        let a = self.authority();
        let host = a.as_ref().map_or("", |a| a.host);
        let port = a.as_ref().and_then(|a| a.port).and_then(|p| p.parse().ok());
        (host.to_string(), port.unwrap_or(1080))
    }

    /// `Proxy-Authorization`'s value: Basic over the credentials as written (not
    /// percent-decoded), as minreq sent them.
    pub fn authorization(&self) -> Option<String> {
        use base64::Engine;
        let user = self.userinfo()?;
        Some(format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(user)
        ))
    }
}

impl fmt::Display for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "http://{}", super::host_of(&self.0))?;
        if self.has_credentials() {
            f.write_str(" (with credentials)")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "ProxyUrl({self})")
    }
}

/// Which proxy serves which URL.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Proxies {
    pub https: Option<ProxyUrl>,
    pub http: Option<ProxyUrl>,
    /// Hosts that go direct: names (a leading dot or not: the name and its subdomains), IP
    /// addresses, or `*` for all.
    pub no_proxy: Vec<String>,
}

impl Proxies {
    /// The proxy for `url`, if any (none for a URL that cannot be taken apart: the call
    /// fails on it, without a proxy in between).
    pub fn for_url(&self, url: &str) -> Option<&ProxyUrl> {
        let target = crate::url::parts(url).ok()?;
        let proxy = if target.tls {
            self.https.as_ref()
        } else {
            self.http.as_ref()
        }?;
        let host = target.host.trim_end_matches('.').to_ascii_lowercase();
        (!bypassed(&self.no_proxy, &host)).then_some(proxy)
    }
}

/// The host without its port (and brackets), lowercase.
fn host_only(authority: &str) -> String {
    let host = match authority.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => authority.split(':').next().unwrap_or(""),
    };
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// NO_PROXY as curl and Go read it: `*`, an exact host or address, or a domain that matches
/// itself and every name under it (`example.com` and `.example.com` alike).
pub fn bypassed(no_proxy: &[String], host: &str) -> bool {
    no_proxy.iter().any(|entry| {
        let entry = entry.trim().trim_start_matches('.').to_ascii_lowercase();
        let entry = host_only(&entry);
        entry == "*"
            || (!entry.is_empty() && (host == entry || host.ends_with(&format!(".{entry}"))))
    })
}

/// Why a proxy URL cannot be used, if it cannot: only plain-HTTP proxies are supported (no
/// TLS to the proxy, no SOCKS).
pub fn unusable(url: &str) -> Option<&'static str> {
    let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    match scheme.as_deref() {
        Some("http") | None => {}
        Some("https") => return Some("a proxy reached over TLS is not supported; use an http:// proxy (it still tunnels TLS with CONNECT)"),
        Some(_) => return Some("only http:// proxies (HTTP CONNECT) are supported, not SOCKS"),
    }
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    match crate::url::authority_of(rest.split('/').next().unwrap_or("")) {
        Err(crate::url::UrlError::NoHost) => Some("no proxy host"),
        Err(_) => {
            Some("the proxy's address cannot be read (an unclosed '[' or a bad IPv6 literal)")
        }
        Ok(a)
            if a.port
                .is_some_and(|p| p.parse::<u16>().map_or(true, |p| p == 0)) =>
        {
            Some("the proxy's port is not 1-65535")
        }
        Ok(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(no_proxy: &[&str]) -> Proxies {
        Proxies {
            https: Some(ProxyUrl::new("http://u:secret@proxy.lan:3128".into())),
            http: Some(ProxyUrl::new("proxy.lan:8080".into())),
            no_proxy: no_proxy.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn each_scheme_has_its_proxy_and_no_proxy_exempts() {
        let p = proxies(&["localhost", ".lan.example", "10.0.0.5", "svc.example:8443"]);
        let https = p.for_url("https://api.cloudflare.com/client/v4").unwrap();
        assert_eq!(https.expose(), "http://u:secret@proxy.lan:3128");
        assert_eq!(
            p.for_url("http://ip.example/").unwrap().expose(),
            "proxy.lan:8080"
        );
        for direct in [
            "http://localhost:8080/ip",
            "https://kuma.lan.example/push",
            "https://lan.example/",
            "http://10.0.0.5/",
            "https://svc.example/x",
        ] {
            assert!(p.for_url(direct).is_none(), "{direct}");
        }
        assert!(
            p.for_url("https://notlan.example/").is_some(),
            "a suffix, not a domain"
        );
        assert!(proxies(&["*"]).for_url("https://a.b/").is_none());
        assert!(Proxies::default().for_url("https://a.b/").is_none());
    }

    #[test]
    fn the_proxy_address_and_credentials() {
        let url = ProxyUrl::new("http://u:p@w@proxy.lan:3128/".into());
        assert_eq!(url.host_port(), ("proxy.lan".to_string(), 3128));
        assert_eq!(url.authorization().unwrap(), "Basic dTpwQHc=");
        let bare = ProxyUrl::new("proxy.lan".into());
        assert_eq!(bare.host_port(), ("proxy.lan".to_string(), 1080));
        let v6 = ProxyUrl::new("http://[fd00::3]:3128".into());
        assert_eq!(v6.host_port(), ("fd00::3".to_string(), 3128));
        assert!(bare.authorization().is_none());
    }

    #[test]
    fn credentials_never_show() {
        let url = ProxyUrl::new("http://user:s3cret@proxy.lan:3128".into());
        assert_eq!(url.to_string(), "http://proxy.lan:3128 (with credentials)");
        assert!(!format!("{url:?}").contains("s3cret"));
    }

    #[test]
    fn only_plain_http_proxies() {
        assert!(unusable("http://proxy:3128").is_none());
        assert!(unusable("proxy:3128").is_none());
        assert!(unusable("https://proxy:3128").is_some());
        assert!(unusable("socks5://proxy:1080").is_some());
        assert!(unusable("http://[::1]:3128").is_none());
        assert!(unusable("http://user:pw@/").is_some());
        // Refused at start, not on every call.
        assert!(unusable("http://proxy:99999").is_some());
        assert!(unusable("http://[::1/").is_some());
        let v6 = ProxyUrl::new("http://u:p@[2001:db8::3]:8080/".into());
        assert_eq!(v6.host_port(), ("2001:db8::3".to_string(), 8080));
        assert_eq!(ProxyUrl::new("proxy.lan".into()).host_port().1, 1080);
    }
}
