//! Host IDs (favonia's `hostid6`): a LAN device's AAAA record made of the prefix the ISP
//! delegates, which changes, and the device's own interface identifier, which does not. The
//! router sees the prefix; the NAS, printer or camera behind it need not run an updater. Pure.

use std::fmt;
use std::net::Ipv6Addr;

/// The host part of one AAAA record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum HostId {
    /// `::11:22ff:fe33:4455`: the bits below the prefix, written as an IPv6 address.
    Suffix(Ipv6Addr),
    /// `mac(00-11-22-33-44-55)`: the modified EUI-64 identifier of a MAC address (a /64 only).
    Mac([u8; 6]),
}

impl fmt::Display for HostId {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            HostId::Suffix(s) => write!(f, "{s}"),
            HostId::Mac(m) => write!(
                f,
                "mac({:02x}-{:02x}-{:02x}-{:02x}-{:02x}-{:02x})",
                m[0], m[1], m[2], m[3], m[4], m[5]
            ),
        }
    }
}

/// Why a host ID cannot be put under a prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Misfit {
    /// A MAC's identifier is 64 bits: it needs a /64.
    MacNeeds64 { prefix_len: u8 },
    /// The suffix has bits inside the prefix.
    TooWide { id: HostId, prefix_len: u8 },
}

impl fmt::Display for Misfit {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Misfit::MacNeeds64 { prefix_len } => write!(
                f,
                "a mac() host ID needs a /64 prefix, and the prefix is /{prefix_len}: write the identifier as an address (hostid6=::…) with the subnet bits between /{prefix_len} and /64 in it"
            ),
            Misfit::TooWide { id, prefix_len } => write!(
                f,
                "the host ID {id} does not fit in the {} host bits of a /{prefix_len} prefix",
                128 - u32::from(*prefix_len)
            ),
        }
    }
}

/// The value of one `hostid6=`: an address, a `mac(…)`, or a set of them in brackets.
#[inline(never)]
pub fn parse(text: &str) -> Result<Vec<HostId>, String> {
    let text = text.trim();
    let items: Vec<&str> = match text.strip_prefix('[') {
        Some(rest) => rest
            .strip_suffix(']')
            .ok_or_else(|| format!("{text:?}: a set of host IDs ends with ']'"))?
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect(),
        None => vec![text],
    };
    if items.is_empty() {
        return Err(format!("{text:?}: an empty set of host IDs"));
    }
    let mut ids: Vec<HostId> = Vec::new();
    for item in items {
        let id = parse_one(item)?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

fn parse_one(item: &str) -> Result<HostId, String> {
    if let Some(inner) = item.strip_prefix("mac(").and_then(|r| r.strip_suffix(')')) {
        return parse_mac(inner).map(HostId::Mac);
    }
    match item.parse::<Ipv6Addr>() {
        Ok(s) => Ok(HostId::Suffix(s)),
        Err(_) => Err(format!(
            "{item:?} is not a host ID: expected an IPv6 suffix such as ::11:22ff:fe33:4455 or mac(00-11-22-33-44-55)"
        )),
    }
}

/// Six hex octets separated by `-` or `:`.
fn parse_mac(text: &str) -> Result<[u8; 6], String> {
    let bad = || {
        format!("mac({text}) is not a MAC address: expected six hex octets like 00-11-22-33-44-55")
    };
    let parts: Vec<&str> = text.trim().split(['-', ':']).collect();
    if parts.len() != 6 {
        return Err(bad());
    }
    let mut mac = [0u8; 6];
    for (byte, part) in mac.iter_mut().zip(parts) {
        if part.len() != 2 {
            return Err(bad());
        }
        *byte = u8::from_str_radix(part, 16).map_err(|_| bad())?;
    }
    Ok(mac)
}

/// Whether `id` fits under a prefix of this length.
#[inline(never)]
pub fn fits(id: &HostId, prefix_len: u8) -> Result<(), Misfit> {
    match id {
        HostId::Mac(_) if prefix_len != 64 => Err(Misfit::MacNeeds64 { prefix_len }),
        HostId::Mac(_) => Ok(()),
        HostId::Suffix(s) => match u128::from(*s) & !host_mask(prefix_len) {
            0 => Ok(()),
            _ => Err(Misfit::TooWide {
                id: *id,
                prefix_len,
            }),
        },
    }
}

/// The address of `id` under the first `prefix_len` bits of `addr`.
#[inline(never)]
pub fn apply(addr: Ipv6Addr, prefix_len: u8, id: &HostId) -> Result<Ipv6Addr, Misfit> {
    fits(id, prefix_len)?;
    let host = match id {
        HostId::Suffix(s) => u128::from(*s),
        HostId::Mac(m) => u128::from(u64::from_be_bytes([
            m[0] ^ 0x02,
            m[1],
            m[2],
            0xff,
            0xfe,
            m[3],
            m[4],
            m[5],
        ])),
    };
    let mask = host_mask(prefix_len);
    Ok(Ipv6Addr::from((u128::from(addr) & !mask) | host))
}

/// The host bits of a prefix of this length (lengths over 128 read as 128).
fn host_mask(prefix_len: u8) -> u128 {
    match prefix_len {
        0 => u128::MAX,
        n if n >= 128 => 0,
        n => u128::MAX >> n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Ipv6Addr {
        s.parse().unwrap()
    }

    fn one(s: &str) -> HostId {
        let ids = parse(s).unwrap();
        assert_eq!(ids.len(), 1);
        ids[0]
    }

    #[test]
    fn favonias_examples() {
        let detected = ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd");
        assert_eq!(
            apply(detected, 64, &one("::1")).unwrap(),
            ip("2001:db8:1:2::1")
        );
        assert_eq!(
            apply(detected, 64, &one("mac(00-11-22-33-44-55)")).unwrap(),
            ip("2001:db8:1:2:211:22ff:fe33:4455")
        );
        assert_eq!(
            apply(detected, 64, &one("::11:22ff:fe33:4455")).unwrap(),
            ip("2001:db8:1:2:11:22ff:fe33:4455")
        );
    }

    #[test]
    fn the_edges_of_the_prefix() {
        let detected = ip("2001:db8:abcd:ef12:aaaa:bbbb:cccc:dddd");
        // A /48 keeps three groups; the suffix may reach into the subnet bits.
        assert_eq!(
            apply(detected, 48, &one("::5:0:0:0:9")).unwrap(),
            ip("2001:db8:abcd:5::9")
        );
        assert_eq!(
            apply(detected, 56, &one("::1")).unwrap(),
            ip("2001:db8:abcd:ef00::1")
        );
        assert_eq!(
            apply(detected, 60, &one("::3:0:0:0:1")).unwrap(),
            ip("2001:db8:abcd:ef13::1")
        );
        // A /128 has no host bits: only :: fits, and gives the address itself.
        assert_eq!(apply(detected, 128, &one("::")).unwrap(), detected);
        assert_eq!(
            apply(detected, 128, &one("::1")),
            Err(Misfit::TooWide {
                id: one("::1"),
                prefix_len: 128
            })
        );
        // Wider than the host bits: bits of the /64's prefix are set.
        let wide = one("::1:0:0:0:1");
        assert!(apply(detected, 64, &wide)
            .unwrap_err()
            .to_string()
            .contains("does not fit in the 64 host bits of a /64 prefix"));
        assert_eq!(
            apply(detected, 56, &one("mac(00-11-22-33-44-55)")),
            Err(Misfit::MacNeeds64 { prefix_len: 56 })
        );
    }

    #[test]
    fn sets_and_their_spelling() {
        assert_eq!(
            parse("[::1, mac(00:11:22:33:44:55), ::1]").unwrap(),
            vec![one("::1"), HostId::Mac([0, 0x11, 0x22, 0x33, 0x44, 0x55])]
        );
        assert_eq!(
            one("mac(AA-bb-CC-dd-EE-ff)").to_string(),
            "mac(aa-bb-cc-dd-ee-ff)"
        );
        for bad in [
            "[]",
            "[::1",
            "1.2.3.4",
            "mac(00-11-22-33-44)",
            "mac(0-11-22-33-44-55)",
            "mac(zz-11-22-33-44-55)",
            "nas",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
