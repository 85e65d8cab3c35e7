//! The kernel's address messages (netlink RTM_NEWADDR), read into addresses with their flags;
//! `events` reads address and route changes and decides which can change our address.
//! Pure: `sys` fetches the bytes. Every length is checked, so any input is an answer or an
//! error, never a panic (the `netlink` fuzz target holds it to that).

mod events;

pub use events::{counts, events, Event, Watched};

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

const NLMSG_HDRLEN: usize = 16;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const RTM_NEWADDR: u16 = 20;
const IFADDRMSG_LEN: usize = 8;
const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;
const IFA_CACHEINFO: u16 = 6;
const IFA_FLAGS: u16 = 8;
pub(crate) const AF_INET: u8 = 2;
pub(crate) const AF_INET6: u8 = 10;

/// The address flags that matter here (linux/if_addr.h).
pub const TEMPORARY: u32 = 0x01;
pub const DADFAILED: u32 = 0x08;
pub const DEPRECATED: u32 = 0x20;
pub const TENTATIVE: u32 = 0x40;
pub const PERMANENT: u32 = 0x80;
pub const MANAGETEMPADDR: u32 = 0x100;
pub const STABLE_PRIVACY: u32 = 0x800;

/// One address the kernel holds on an interface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IfAddr {
    pub index: u32,
    pub ip: IpAddr,
    pub flags: u32,
    /// The length of the prefix the address is on (`ifa_prefixlen`).
    pub prefix_len: u8,
    /// Seconds the address stays preferred (`u32::MAX`: for ever); `None` when not said.
    pub preferred: Option<u32>,
}

/// Why an address must not be published, by the kernel's flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unstable {
    Temporary,
    Deprecated,
    Tentative,
    DuplicateAddress,
}

impl fmt::Display for Unstable {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(match self {
            Unstable::Temporary => "temporary (privacy extensions)",
            Unstable::Deprecated => "deprecated",
            Unstable::Tentative => "tentative (duplicate address detection not done)",
            Unstable::DuplicateAddress => "a duplicate (duplicate address detection failed)",
        })
    }
}

impl IfAddr {
    /// Why this address is not one to publish, if it is not: temporary, deprecated (flag or a
    /// preferred lifetime of 0), tentative, or failed duplicate-address detection.
    pub fn unstable(&self) -> Option<Unstable> {
        let has = |bit| self.flags & bit != 0;
        if has(TEMPORARY) {
            Some(Unstable::Temporary)
        } else if has(DADFAILED) {
            Some(Unstable::DuplicateAddress)
        } else if has(TENTATIVE) {
            Some(Unstable::Tentative)
        } else if has(DEPRECATED) || self.preferred == Some(0) {
            Some(Unstable::Deprecated)
        } else {
            None
        }
    }
}

/// The message could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NetlinkError {
    /// A length runs past the data or is too short for its kind.
    Truncated,
    /// The kernel answered the request with an error (its errno).
    Kernel(i32),
}

impl fmt::Display for NetlinkError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            NetlinkError::Truncated => f.write_str("a netlink message is cut short"),
            NetlinkError::Kernel(errno) => write!(
                f,
                "the kernel refused the address list: {}",
                std::io::Error::from_raw_os_error(*errno)
            ),
        }
    }
}

pub(crate) fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

pub(crate) fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

pub(crate) fn align(n: usize) -> usize {
    n.saturating_add(3) & !3
}

/// Each netlink message in `buf`: (type, payload). Stops at NLMSG_DONE.
pub fn messages(mut buf: &[u8]) -> Result<Vec<(u16, &[u8])>, NetlinkError> {
    let mut out = Vec::new();
    while !buf.is_empty() {
        let len = u32_at(buf, 0).ok_or(NetlinkError::Truncated)? as usize;
        let kind = u16_at(buf, 4).ok_or(NetlinkError::Truncated)?;
        if len < NLMSG_HDRLEN || len > buf.len() {
            return Err(NetlinkError::Truncated);
        }
        if kind == NLMSG_DONE {
            break;
        }
        out.push((kind, &buf[NLMSG_HDRLEN..len]));
        buf = buf.get(align(len)..).unwrap_or(&[]);
    }
    Ok(out)
}

/// The addresses in a dump (or a stream of RTM_NEWADDR messages); other messages are passed
/// over, an error answer is the kernel's error.
pub fn parse_addresses(buf: &[u8]) -> Result<Vec<IfAddr>, NetlinkError> {
    let mut out = Vec::new();
    for (kind, payload) in messages(buf)? {
        match kind {
            NLMSG_ERROR => {
                let errno = u32_at(payload, 0).ok_or(NetlinkError::Truncated)? as i32;
                if errno != 0 {
                    // The kernel sends -errno; i32::MIN (found by the fuzzer) has no negation.
                    return Err(NetlinkError::Kernel(errno.saturating_neg()));
                }
            }
            RTM_NEWADDR => out.extend(address(payload)?),
            _ => {}
        }
    }
    Ok(out)
}

/// One RTM_NEWADDR payload: ifaddrmsg, then attributes. `None` for a family other than IPv4
/// and IPv6, or a message without an address.
pub(crate) fn address(payload: &[u8]) -> Result<Option<IfAddr>, NetlinkError> {
    let head = payload
        .get(..IFADDRMSG_LEN)
        .ok_or(NetlinkError::Truncated)?;
    let (family, prefix_len, mut flags) = (head[0], head[1], u32::from(head[2]));
    let index = u32_at(head, 4).ok_or(NetlinkError::Truncated)?;
    let (mut local, mut address, mut preferred) = (None, None, None);
    let mut rest = &payload[IFADDRMSG_LEN..];
    while rest.len() >= 4 {
        let len = usize::from(u16_at(rest, 0).ok_or(NetlinkError::Truncated)?);
        let kind = u16_at(rest, 2).ok_or(NetlinkError::Truncated)?;
        let value = rest.get(4..len).ok_or(NetlinkError::Truncated)?;
        match kind {
            IFA_ADDRESS => address = ip_of(family, value),
            IFA_LOCAL => local = ip_of(family, value),
            IFA_FLAGS => flags = u32_at(value, 0).unwrap_or(flags),
            IFA_CACHEINFO => preferred = u32_at(value, 0),
            _ => {}
        }
        rest = rest.get(align(len)..).unwrap_or(&[]);
    }
    // IFA_LOCAL is the local side of a point-to-point link (PPPoE), where IFA_ADDRESS is the peer.
    Ok(local.or(address).map(|ip| IfAddr {
        index,
        ip,
        flags,
        prefix_len,
        preferred,
    }))
}

fn ip_of(family: u8, value: &[u8]) -> Option<IpAddr> {
    match family {
        AF_INET => <[u8; 4]>::try_from(value)
            .ok()
            .map(|b| Ipv4Addr::from(b).into()),
        AF_INET6 => <[u8; 16]>::try_from(value)
            .ok()
            .map(|b| Ipv6Addr::from(b).into()),
        _ => None,
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// An RTM_NEWADDR message as the kernel sends it (for tests here and elsewhere).
    pub fn new_addr(index: u32, ip: IpAddr, flags: u32, preferred: Option<u32>) -> Vec<u8> {
        let (family, bytes) = match ip {
            IpAddr::V4(v4) => (AF_INET, v4.octets().to_vec()),
            IpAddr::V6(v6) => (AF_INET6, v6.octets().to_vec()),
        };
        let mut body = vec![family, 64, flags as u8, 0];
        body.extend_from_slice(&index.to_ne_bytes());
        let mut attr = |kind: u16, value: &[u8]| {
            body.extend_from_slice(&((4 + value.len()) as u16).to_ne_bytes());
            body.extend_from_slice(&kind.to_ne_bytes());
            body.extend_from_slice(value);
            while body.len() % 4 != 0 {
                body.push(0);
            }
        };
        attr(IFA_ADDRESS, &bytes);
        attr(IFA_FLAGS, &flags.to_ne_bytes());
        if let Some(p) = preferred {
            let mut info = p.to_ne_bytes().to_vec();
            info.extend_from_slice(&[0xff; 12]);
            attr(IFA_CACHEINFO, &info);
        }
        let mut m = ((NLMSG_HDRLEN + body.len()) as u32).to_ne_bytes().to_vec();
        m.extend_from_slice(&RTM_NEWADDR.to_ne_bytes());
        m.extend_from_slice(&[0; 10]);
        m.extend_from_slice(&body);
        m
    }

    fn done() -> Vec<u8> {
        let mut m = (NLMSG_HDRLEN as u32 + 4).to_ne_bytes().to_vec();
        m.extend_from_slice(&NLMSG_DONE.to_ne_bytes());
        m.extend_from_slice(&[0; 14]);
        m
    }

    #[test]
    fn reads_addresses_flags_and_lifetimes() {
        let stable: IpAddr = "2001:4860::1".parse().unwrap();
        let temp: IpAddr = "2001:4860::abcd".parse().unwrap();
        let mut dump = new_addr(2, stable, PERMANENT | MANAGETEMPADDR, Some(u32::MAX));
        dump.extend(new_addr(2, temp, TEMPORARY, Some(3600)));
        dump.extend(new_addr(
            3,
            "93.184.216.34".parse().unwrap(),
            PERMANENT,
            None,
        ));
        dump.extend(done());
        let got = parse_addresses(&dump).unwrap();
        assert_eq!(got.len(), 3);
        assert_eq!(
            (got[0].index, got[0].ip, got[0].prefix_len),
            (2, stable, 64)
        );
        assert_eq!(got[0].unstable(), None);
        assert_eq!(got[1].unstable(), Some(Unstable::Temporary));
        assert_eq!(got[2].ip.to_string(), "93.184.216.34");
    }

    #[test]
    fn each_unstable_kind_is_named() {
        let ip: IpAddr = "2001:4860::1".parse().unwrap();
        let a = |flags, preferred| IfAddr {
            index: 1,
            ip,
            flags,
            prefix_len: 64,
            preferred,
        };
        assert_eq!(a(DEPRECATED, None).unstable(), Some(Unstable::Deprecated));
        assert_eq!(a(PERMANENT, Some(0)).unstable(), Some(Unstable::Deprecated));
        assert_eq!(a(TENTATIVE, None).unstable(), Some(Unstable::Tentative));
        assert_eq!(
            a(DADFAILED | TENTATIVE, None).unstable(),
            Some(Unstable::DuplicateAddress)
        );
        assert_eq!(a(STABLE_PRIVACY, Some(600)).unstable(), None);
        assert_eq!(a(0, Some(600)).unstable(), None);
    }

    #[test]
    fn cut_or_lying_lengths_are_errors_not_panics() {
        let m = new_addr(2, "2001:4860::1".parse().unwrap(), 0, Some(5));
        for cut in 0..m.len() {
            let _ = parse_addresses(&m[..cut]);
        }
        let mut lying = m.clone();
        lying[0] = 0xff;
        assert_eq!(parse_addresses(&lying), Err(NetlinkError::Truncated));
        let mut error = (NLMSG_HDRLEN as u32 + 4).to_ne_bytes().to_vec();
        error.extend_from_slice(&NLMSG_ERROR.to_ne_bytes());
        error.extend_from_slice(&[0; 10]);
        error.extend_from_slice(&(-1i32).to_ne_bytes());
        assert_eq!(parse_addresses(&error), Err(NetlinkError::Kernel(1)));
        let at = error.len() - 4;
        error[at..].copy_from_slice(&i32::MIN.to_ne_bytes());
        assert_eq!(parse_addresses(&error), Err(NetlinkError::Kernel(i32::MAX)));
    }
}
