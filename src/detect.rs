//! Public-IP detection: ask each provider in turn, accept only a plain, public address of
//! the asked family.

use crate::config::{Family, Provider};
use crate::transport::{Dial, Method, Request, Transport, TransportError};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A real answer is an address or a short trace; anything longer is a page, not an answer.
const MAX_ANSWER: usize = 4096;

/// Why one provider gave no usable address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DetectError {
    Transport(TransportError),
    Status(u16),
    TooLong,
    NotText,
    /// The start of what came instead of an address.
    NotAnAddress(String),
    NoJsonIp,
    WrongFamily(IpAddr, Family),
    /// The address and the kind of range it is in.
    NotPublic(IpAddr, &'static str),
    NoInterface(String),
    NoFamilyOnInterface(String, Family),
    Interfaces(String),
    /// No route to Cloudflare's resolver for `local`.
    Local(String),
}

impl fmt::Display for DetectError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            DetectError::Transport(e) => e.fmt(f),
            DetectError::Status(s) => write!(f, "HTTP status {s}"),
            DetectError::TooLong => f.write_str("the answer is too long to be an address"),
            DetectError::NotText => f.write_str("the answer is not text"),
            DetectError::NotAnAddress(p) => write!(f, "the answer is not an IP address: {p:?}"),
            DetectError::NoJsonIp => f.write_str("the JSON answer has no \"ip\" string"),
            DetectError::WrongFamily(ip, family) => {
                write!(f, "got {ip}, which is not an {} address", family.name())
            }
            DetectError::NotPublic(ip, kind) => {
                write!(f, "{ip} is a {kind} address, not a public one")
            }
            DetectError::Local(e) => write!(f, "no local route to Cloudflare: {e}"),
            DetectError::NoInterface(name) => write!(f, "no interface {name:?} with an address"),
            DetectError::NoFamilyOnInterface(name, family) => {
                write!(f, "interface {name} has no {} address", family.name())
            }
            DetectError::Interfaces(e) => write!(f, "getifaddrs failed: {e}"),
        }
    }
}

/// Every provider failed: each one with its reason, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DetectFailure(pub Vec<(String, DetectError)>);

impl fmt::Display for DetectFailure {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        for (i, (provider, why)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{provider}: {why}")?;
        }
        Ok(())
    }
}

#[derive(Debug)]
pub struct Detected {
    pub ip: IpAddr,
    pub provider: String,
}

/// Tries the providers in order; the error lists why each one failed.
pub fn detect(
    family: Family,
    providers: &[Provider],
    timeout_secs: u64,
    transport: &mut dyn Transport,
) -> Result<Detected, DetectFailure> {
    let mut failures = Vec::new();
    for provider in providers {
        match ask(provider, family, timeout_secs, transport) {
            Ok(ip) => {
                crate::debug!("{} from {provider}: {ip}", family.name());
                return Ok(Detected {
                    ip,
                    provider: provider.to_string(),
                });
            }
            Err(why) => {
                crate::warn!("{} detection via {provider} failed: {why}", family.name());
                failures.push((provider.to_string(), why));
            }
        }
    }
    Err(DetectFailure(failures))
}

fn ask(
    provider: &Provider,
    family: Family,
    timeout_secs: u64,
    transport: &mut dyn Transport,
) -> Result<IpAddr, DetectError> {
    let (url, dial) = match provider {
        Provider::Static(ip) => return Ok(*ip),
        Provider::Interface(name) => return interface_address(name, family),
        Provider::Local => return local_address(family),
        Provider::Url(url) => (url.as_str(), Dial::Any),
        Provider::UrlVia(_, url) => (url.as_str(), only(family)),
        builtin => builtin_url(builtin, family),
    };
    let response = transport
        .send(Request {
            method: Method::Get,
            url: url.to_string(),
            headers: Vec::new(),
            body: None,
            timeout_secs,
            max_body: MAX_ANSWER,
            redirects: crate::transport::REDIRECTS,
            dial,
        })
        .map_err(DetectError::Transport)?;
    if response.status != 200 {
        return Err(DetectError::Status(response.status));
    }
    let ip = parse_answer(&response.body, family)?;
    check_public(&ip)?;
    Ok(ip)
}

/// The source address the routing table picks for Cloudflare's resolver: a UDP socket
/// "connected" to it sends nothing, but has a local address. Behind NAT that is the private
/// address, which `check_public` refuses, so this suits hosts that hold the public address.
fn local_address(family: Family) -> Result<IpAddr, DetectError> {
    let (bind, peer) = match family {
        Family::V4 => ("0.0.0.0:0", "1.1.1.1:443"),
        Family::V6 => ("[::]:0", "[2606:4700:4700::1111]:443"),
    };
    let socket = std::net::UdpSocket::bind(bind)
        .and_then(|s| s.connect(peer).map(|()| s))
        .map_err(|e| DetectError::Local(e.to_string()))?;
    let ip = socket
        .local_addr()
        .map_err(|e| DetectError::Local(e.to_string()))?
        .ip();
    check_public(&ip)?;
    Ok(ip)
}

/// Dialling only the detection's family.
fn only(family: Family) -> Dial {
    match family {
        Family::V4 => Dial::V4,
        Family::V6 => Dial::V6,
    }
}

/// Family-specific endpoints, so an answer can only be of the asked family. Cloudflare's
/// trace for IPv6 goes by a dual-stack name dialled over IPv6 only, so the answer never
/// depends on which family the resolver puts first (nor on a NAT64 gateway's IPv4).
pub fn builtin_url(provider: &Provider, family: Family) -> (&'static str, Dial) {
    let url = match (provider, family) {
        (Provider::Cloudflare, Family::V4) => "https://1.1.1.1/cdn-cgi/trace",
        (Provider::Cloudflare, Family::V6) => {
            return ("https://one.one.one.one/cdn-cgi/trace", Dial::V6)
        }
        (Provider::Ipify, Family::V4) => "https://api4.ipify.org",
        (Provider::Ipify, Family::V6) => "https://api6.ipify.org",
        (_, Family::V4) => "https://ipv4.icanhazip.com",
        (_, Family::V6) => "https://ipv6.icanhazip.com",
    };
    (url, Dial::Any)
}

/// Accepts a bare address, a `/cdn-cgi/trace` body (`ip=` line) or JSON with an `"ip"` field.
pub fn parse_answer(body: &[u8], family: Family) -> Result<IpAddr, DetectError> {
    if body.len() > MAX_ANSWER {
        return Err(DetectError::TooLong);
    }
    let text = std::str::from_utf8(body)
        .map_err(|_| DetectError::NotText)?
        .trim();
    let candidate = if text.starts_with('{') {
        json_ip(text)?
    } else if let Some(line) = text.lines().find_map(|l| l.trim().strip_prefix("ip=")) {
        line.trim().to_string()
    } else {
        text.to_string()
    };
    let ip: IpAddr = candidate
        .parse()
        .map_err(|_| DetectError::NotAnAddress(preview(&candidate)))?;
    if !family.matches(&ip) {
        return Err(DetectError::WrongFamily(ip, family));
    }
    Ok(ip)
}

fn json_ip(text: &str) -> Result<String, DetectError> {
    #[derive(miniserde::Deserialize)]
    struct Answer {
        ip: String,
    }
    miniserde::json::from_str::<Answer>(text)
        .map(|a| a.ip.trim().to_string())
        .map_err(|_| DetectError::NoJsonIp)
}

fn preview(s: &str) -> String {
    s.chars().take(40).collect()
}

/// Only a global unicast address can be the machine's public address.
pub fn check_public(ip: &IpAddr) -> Result<(), DetectError> {
    let why = match ip {
        IpAddr::V4(v4) => v4_non_public(v4),
        IpAddr::V6(v6) => v6_non_public(v6),
    };
    match why {
        None => Ok(()),
        Some(kind) => Err(DetectError::NotPublic(*ip, kind)),
    }
}

fn v4_non_public(ip: &Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        (0, _, _) => "\"this network\"",
        (10, _, _) | (172, 16..=31, _) | (192, 168, _) => "private",
        (100, 64..=127, _) => "shared (CGNAT)",
        (127, _, _) => "loopback",
        (169, 254, _) => "link-local",
        (192, 0, 0) => "protocol-assignment",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "documentation",
        (192, 88, 99) => "6to4-relay",
        (198, 18..=19, _) => "benchmarking",
        (224..=239, _, _) => "multicast",
        (240..=255, _, _) => "reserved",
        _ => return None,
    })
}

fn v6_non_public(ip: &Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    if s[0] & 0xe000 != 0x2000 {
        return Some(match s[0] {
            0 => "unspecified, loopback or IPv4-mapped",
            0xff00..=0xffff => "multicast",
            0xfe80..=0xfebf => "link-local",
            0xfc00..=0xfdff => "unique-local (private)",
            _ => "non-global",
        });
    }
    match (s[0], s[1]) {
        (0x2001, 0x0db8) => Some("documentation"),
        (0x3fff, 0x0000..=0x0fff) => Some("documentation"),
        (0x2001, 0x0000..=0x01ff) => Some("protocol-assignment (Teredo and others)"),
        _ => None,
    }
}

/// The first public address of the family on a local interface, for routers that hold
/// the public address themselves.
pub fn interface_address(name: &str, family: Family) -> Result<IpAddr, DetectError> {
    let addresses = crate::sys::interface_addresses(name)
        .map_err(|e| DetectError::Interfaces(e.to_string()))?;
    if addresses.is_empty() {
        return Err(DetectError::NoInterface(name.to_string()));
    }
    let mut last_reason = DetectError::NoFamilyOnInterface(name.to_string(), family);
    for ip in addresses.into_iter().filter(|ip| family.matches(ip)) {
        match check_public(&ip) {
            Ok(()) => return Ok(ip),
            Err(why) => last_reason = why,
        }
    }
    Err(last_reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(body: &str) -> Result<IpAddr, DetectError> {
        parse_answer(body.as_bytes(), Family::V4)
    }

    #[test]
    fn parses_the_three_answer_shapes() {
        assert_eq!(v4("93.184.216.34\n").unwrap().to_string(), "93.184.216.34");
        let trace = "fl=1\nh=1.1.1.1\nip=93.184.216.34\nts=1\nvisit_scheme=https\n";
        assert_eq!(v4(trace).unwrap().to_string(), "93.184.216.34");
        assert_eq!(
            v4(r#"{"ip": "93.184.216.34"}"#).unwrap().to_string(),
            "93.184.216.34"
        );
        let v6 = parse_answer(b"2a00:1450:4001::1", Family::V6).unwrap();
        assert_eq!(v6.to_string(), "2a00:1450:4001::1");
    }

    #[test]
    fn rejects_junk_and_wrong_family() {
        assert!(v4("not-an-ip").is_err());
        assert!(v4("<html><body>93.184.216.34</body></html>").is_err());
        assert!(v4(r#"{"address": "93.184.216.34"}"#).is_err());
        assert!(v4("").is_err());
        assert!(v4("2a00:1450:4001::1")
            .unwrap_err()
            .to_string()
            .contains("not an IPv4"));
        assert!(parse_answer(b"93.184.216.34", Family::V6).is_err());
        assert!(parse_answer(&[0xff, 0xfe], Family::V4).is_err());
        let long = format!("{}93.184.216.34", " ".repeat(MAX_ANSWER));
        assert!(v4(&long).is_err());
    }

    #[test]
    fn only_public_unicast_passes() {
        for bad in [
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "100.64.0.1",
            "100.127.255.254",
            "127.0.0.1",
            "169.254.1.1",
            "0.0.0.0",
            "224.0.0.1",
            "240.0.0.1",
            "255.255.255.255",
            "192.0.2.1",
            "198.51.100.7",
            "203.0.113.9",
            "198.18.0.1",
            "::",
            "::1",
            "fe80::1",
            "fd00::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:8.8.8.8",
            "2001::1",
            "3fff::1",
        ] {
            let ip: IpAddr = bad.parse().unwrap();
            assert!(check_public(&ip).is_err(), "{bad} passed");
        }
        for good in [
            "8.8.8.8",
            "93.184.216.34",
            "100.128.0.1",
            "172.32.0.1",
            "2a00:1450:4001::1",
            "2606:4700::1",
        ] {
            let ip: IpAddr = good.parse().unwrap();
            assert!(check_public(&ip).is_ok(), "{good} failed");
        }
    }

    #[test]
    fn builtin_endpoints_are_family_specific() {
        for p in [Provider::Cloudflare, Provider::Ipify, Provider::Icanhazip] {
            assert_ne!(builtin_url(&p, Family::V4), builtin_url(&p, Family::V6));
        }
        assert!(builtin_url(&Provider::Ipify, Family::V6).0.contains("api6"));
        // A dual-stack name: the answer's family must not be the resolver's choice.
        assert_eq!(builtin_url(&Provider::Cloudflare, Family::V6).1, Dial::V6);
    }

    #[test]
    fn loopback_interface_has_no_public_address() {
        let err = interface_address("lo", Family::V4).unwrap_err();
        assert!(err.to_string().contains("loopback"), "{err}");
        assert!(interface_address("nosuchif0", Family::V4).is_err());
    }
}
