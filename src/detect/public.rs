//! Which addresses can be the machine's public address: global unicast, and (for what a remote
//! provider says) not one of Cloudflare's own.

use super::DetectError;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Cloudflare's published ranges, from https://www.cloudflare.com/ips-v4 and /ips-v6 as of
/// 2026-12-02. A remote provider that answers one of these is reporting Cloudflare's side of
/// the connection (WARP, a tunnel, a proxy, a misrouted trace), never this machine's address.
const CLOUDFLARE_V4: [(Ipv4Addr, u8); 15] = [
    (Ipv4Addr::new(173, 245, 48, 0), 20),
    (Ipv4Addr::new(103, 21, 244, 0), 22),
    (Ipv4Addr::new(103, 22, 200, 0), 22),
    (Ipv4Addr::new(103, 31, 4, 0), 22),
    (Ipv4Addr::new(141, 101, 64, 0), 18),
    (Ipv4Addr::new(108, 162, 192, 0), 18),
    (Ipv4Addr::new(190, 93, 240, 0), 20),
    (Ipv4Addr::new(188, 114, 96, 0), 20),
    (Ipv4Addr::new(197, 234, 240, 0), 22),
    (Ipv4Addr::new(198, 41, 128, 0), 17),
    (Ipv4Addr::new(162, 158, 0, 0), 15),
    (Ipv4Addr::new(104, 16, 0, 0), 13),
    (Ipv4Addr::new(104, 24, 0, 0), 14),
    (Ipv4Addr::new(172, 64, 0, 0), 13),
    (Ipv4Addr::new(131, 0, 72, 0), 22),
];
const CLOUDFLARE_V6: [(Ipv6Addr, u8); 7] = [
    (Ipv6Addr::new(0x2400, 0xcb00, 0, 0, 0, 0, 0, 0), 32),
    (Ipv6Addr::new(0x2606, 0x4700, 0, 0, 0, 0, 0, 0), 32),
    (Ipv6Addr::new(0x2803, 0xf800, 0, 0, 0, 0, 0, 0), 32),
    (Ipv6Addr::new(0x2405, 0xb500, 0, 0, 0, 0, 0, 0), 32),
    (Ipv6Addr::new(0x2405, 0x8100, 0, 0, 0, 0, 0, 0), 32),
    (Ipv6Addr::new(0x2a06, 0x98c0, 0, 0, 0, 0, 0, 0), 29),
    (Ipv6Addr::new(0x2c0f, 0xf248, 0, 0, 0, 0, 0, 0), 32),
];

fn in_prefix(ip: u128, net: u128, len: u8, bits: u32) -> bool {
    let shift = bits - u32::from(len);
    (ip ^ net).checked_shr(shift).unwrap_or(0) == 0
}

/// Whether the address is in one of Cloudflare's published ranges.
pub fn is_cloudflares(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => CLOUDFLARE_V4
            .iter()
            .any(|(net, len)| in_prefix(u32::from(*v4).into(), u32::from(*net).into(), *len, 32)),
        IpAddr::V6(v6) => CLOUDFLARE_V6
            .iter()
            .any(|(net, len)| in_prefix(u128::from(*v6), u128::from(*net), *len, 128)),
    }
}

/// What a remote provider says: public, and not Cloudflare's own.
pub fn check_remote(ip: &IpAddr) -> Result<(), DetectError> {
    check_public(ip)?;
    if is_cloudflares(ip) {
        return Err(DetectError::Cloudflares(*ip));
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
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
            assert!(check_public(&ip(bad)).is_err(), "{bad} passed");
        }
        for good in [
            "8.8.8.8",
            "93.184.216.34",
            "100.128.0.1",
            "172.32.0.1",
            "2a00:1450:4001::1",
            "2606:4700::1",
        ] {
            assert!(check_public(&ip(good)).is_ok(), "{good} failed");
        }
    }

    #[test]
    fn cloudflares_ranges_edges_included_neighbours_not() {
        for own in [
            "104.18.0.1",
            "104.16.0.0",
            "104.23.255.255",
            "104.24.0.0",
            "104.27.255.255",
            "173.245.48.0",
            "173.245.63.255",
            "162.159.200.1",
            "172.71.255.255",
            "198.41.255.255",
            "131.0.75.255",
            "2606:4700::6810:1",
            "2a06:98c7:ffff::1",
            "2c0f:f248::1",
        ] {
            assert!(is_cloudflares(&ip(own)), "{own} not Cloudflare's");
            let err = check_remote(&ip(own)).unwrap_err().to_string();
            assert!(err.contains("Cloudflare's own"), "{err}");
        }
        for other in [
            "104.15.255.255",
            "104.28.0.0",
            "173.245.64.0",
            "162.157.255.255",
            "172.72.0.0",
            "131.0.76.0",
            "93.184.216.34",
            "2606:4701::1",
            "2a06:98c8::1",
            "2a00:1450:4001::1",
        ] {
            assert!(
                !is_cloudflares(&ip(other)),
                "{other} taken for Cloudflare's"
            );
            assert!(check_remote(&ip(other)).is_ok());
        }
        // Private beats Cloudflare: the kind of range is what is reported.
        assert!(matches!(
            check_remote(&ip("10.0.0.1")),
            Err(DetectError::NotPublic(..))
        ));
    }
}
