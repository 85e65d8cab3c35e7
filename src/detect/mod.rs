//! Public-IP detection: ask each provider in turn, accept only a plain, public address of
//! the asked family. `answer` reads a remote provider's answer, `public` says which addresses
//! can be ours, `interface` reads the machine's own (stable) addresses.

mod answer;
mod file;
mod interface;
mod public;

pub use answer::{parse_answer, MAX_ANSWER};
pub use file::{parse as parse_address_file, MAX_ADDRESS_FILE};
pub use interface::{interface_address, local_address, pick_stable, stable_public};
pub use public::{check_public, check_remote, is_cloudflares};

use crate::config::{Family, Provider};
use crate::netlink::Unstable;
use crate::transport::{Dial, Method, Request, Transport, TransportError, Url};
use std::fmt;
use std::net::IpAddr;

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
    /// In Cloudflare's own ranges: the far side of WARP, a tunnel or a proxy.
    Cloudflares(IpAddr),
    NoInterface(String),
    NoFamilyOnInterface(String, Family),
    Interfaces(String),
    /// The interface's public IPv6 addresses, each with why it is not stable.
    OnlyUnstable(String, Vec<(IpAddr, Unstable)>),
    /// `local`: the kernel's choice of source address is not stable.
    UnstableLocal(IpAddr, Unstable),
    /// No route to Cloudflare's resolver for `local`.
    Local(String),
    /// A `file:` provider's file could not be read, or a line of it (from 1) is not an
    /// address of the family.
    File {
        path: String,
        line: Option<usize>,
        why: String,
    },
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
            DetectError::Cloudflares(ip) => write!(
                f,
                "{ip} is an address of Cloudflare's own: behind WARP or a proxy? (not published)"
            ),
            DetectError::OnlyUnstable(name, held) => {
                write!(f, "interface {name} holds no stable public IPv6 address, only")?;
                for (i, (ip, why)) in held.iter().enumerate() {
                    write!(f, "{} {ip} ({why})", if i == 0 { "" } else { "," })?;
                }
                f.write_str(": none is published")
            }
            DetectError::UnstableLocal(ip, why) => write!(
                f,
                "the kernel's source address {ip} is {why}: not published (interface:NAME picks a stable one)"
            ),
            DetectError::Local(e) => write!(f, "no local route to Cloudflare: {e}"),
            DetectError::NoInterface(name) => write!(f, "no interface {name:?} with an address"),
            DetectError::NoFamilyOnInterface(name, family) => {
                write!(f, "interface {name} has no {} address", family.name())
            }
            DetectError::Interfaces(e) => write!(f, "getifaddrs failed: {e}"),
            DetectError::File {
                path,
                line: Some(n),
                why,
            } => write!(f, "{path}, line {n}: {why}"),
            DetectError::File {
                path,
                line: None,
                why,
            } => write!(f, "{path}: {why}"),
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

/// One detected address, with the prefix it came with (an interface's, an answer or a file
/// line in CIDR form), for host IDs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Net {
    pub ip: IpAddr,
    pub prefix_len: Option<u8>,
}

#[derive(Debug)]
pub struct Detected {
    /// One address from a remote provider; from `static:`, `file:` and `interface:` a set
    /// (empty for `static.empty`).
    pub nets: Vec<Net>,
    pub provider: String,
    /// The provider's place among those asked, so a second opinion starts after it.
    pub index: usize,
}

/// Tries the providers in order; the error lists why each one failed.
pub fn detect<'p>(
    family: Family,
    providers: impl IntoIterator<Item = &'p Provider>,
    timeout_secs: u64,
    transport: &mut dyn Transport,
) -> Result<Detected, DetectFailure> {
    let mut failures = Vec::new();
    for (index, provider) in providers.into_iter().enumerate() {
        match ask(provider, family, timeout_secs, transport) {
            Ok(nets) => {
                crate::debug!("{} from {provider}: {}", family.name(), list(&nets));
                return Ok(Detected {
                    nets,
                    provider: provider.to_string(),
                    index,
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
) -> Result<Vec<Net>, DetectError> {
    let one = |ip| Net {
        ip,
        prefix_len: None,
    };
    let (url, dial) = match provider {
        Provider::Static(ips) => return Ok(ips.iter().map(|ip| one(*ip)).collect()),
        Provider::File(path) => return file::file_addresses(path, family),
        Provider::Interface(name) => return interface_address(name, family),
        Provider::Local => return local_address(family).map(|ip| vec![one(ip)]),
        Provider::Url(url) => (url.clone(), Dial::Any),
        Provider::UrlVia(_, url) => (url.clone(), dial_for(family)),
        builtin => {
            let (url, dial) = builtin_url(builtin, family);
            let url = Url::parse(url).map_err(|e| DetectError::Transport(e.into()))?;
            (url, dial)
        }
    };
    let response = transport
        .send(Request {
            method: Method::Get,
            url,
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
    let (ip, prefix_len) = parse_answer(&response.body, family)?;
    check_remote(&ip)?;
    Ok(vec![Net { ip, prefix_len }])
}

impl Detected {
    /// The address a remote provider gave, or the first of a set: what the status shows.
    pub fn first(&self) -> Option<IpAddr> {
        self.nets.first().map(|n| n.ip)
    }

    pub fn ips(&self) -> Vec<IpAddr> {
        self.nets.iter().map(|n| n.ip).collect()
    }
}

/// Addresses as the log shows them: `a, b`, or `no address` (static.empty).
pub fn list(nets: &[Net]) -> String {
    if nets.is_empty() {
        return "no address".to_string();
    }
    let shown: Vec<String> = nets.iter().map(|n| n.ip.to_string()).collect();
    shown.join(", ")
}

/// Dialling only the detection's family.
fn dial_for(family: Family) -> Dial {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_endpoints_are_family_specific() {
        for p in [Provider::Cloudflare, Provider::Ipify, Provider::Icanhazip] {
            assert_ne!(builtin_url(&p, Family::V4), builtin_url(&p, Family::V6));
        }
        assert!(builtin_url(&Provider::Ipify, Family::V6).0.contains("api6"));
        // A dual-stack name: the answer's family must not be the resolver's choice.
        assert_eq!(builtin_url(&Provider::Cloudflare, Family::V6).1, Dial::V6);
    }
}
