//! Addresses the machine holds itself: `interface:NAME` and `local`. IPv6 addresses are taken
//! only when the kernel's flags say they are stable: never a temporary (privacy extensions),
//! deprecated, tentative or duplicate one, which would expire or never work for visitors.

use super::public::check_public;
use super::{DetectError, Net};
use crate::config::Family;
use crate::netlink::{IfAddr, Unstable};
use std::net::IpAddr;

/// Every public, stable address of the family on a local interface, for routers that hold
/// the public address themselves; an IPv6 one with the length of its prefix.
#[inline(never)]
pub fn interface_address(name: &str, family: Family) -> Result<Vec<Net>, DetectError> {
    match family {
        Family::V4 => interface_v4(name),
        Family::V6 => {
            let index = crate::sys::interface_index(name)
                .ok_or_else(|| DetectError::NoInterface(name.to_string()))?;
            let held: Vec<IfAddr> = kernel_v6()?
                .into_iter()
                .filter(|a| a.index == index)
                .collect();
            Ok(stable_public(name, &held)?
                .into_iter()
                .map(|a| Net {
                    ip: a.ip,
                    prefix_len: Some(a.prefix_len),
                })
                .collect())
        }
    }
}

fn interface_v4(name: &str) -> Result<Vec<Net>, DetectError> {
    let addresses = crate::sys::interface_addresses(name)
        .map_err(|e| DetectError::Interfaces(e.to_string()))?;
    if addresses.is_empty() {
        return Err(DetectError::NoInterface(name.to_string()));
    }
    let mut last_reason = DetectError::NoFamilyOnInterface(name.to_string(), Family::V4);
    let mut public = Vec::new();
    for ip in addresses.into_iter().filter(|ip| Family::V4.matches(ip)) {
        match check_public(&ip) {
            Ok(()) if !public.iter().any(|n: &Net| n.ip == ip) => public.push(Net {
                ip,
                prefix_len: None,
            }),
            Ok(()) => {}
            Err(why) => last_reason = why,
        }
    }
    if public.is_empty() {
        Err(last_reason)
    } else {
        Ok(public)
    }
}

/// Every IPv6 address the kernel holds, with its flags.
fn kernel_v6() -> Result<Vec<IfAddr>, DetectError> {
    let dump = crate::sys::dump_addresses(libc::AF_INET6 as u8)
        .map_err(|e| DetectError::Interfaces(format!("netlink: {e}")))?;
    crate::netlink::parse_addresses(&dump).map_err(|e| DetectError::Interfaces(e.to_string()))
}

/// The first public address that is stable; else why none is. Pure, for the tests.
pub fn pick_stable(name: &str, held: &[IfAddr]) -> Result<IpAddr, DetectError> {
    stable_public(name, held).map(|all| all[0].ip)
}

/// Every public address that is stable, in the kernel's order (at least one); else why none
/// is. Pure.
pub fn stable_public<'h>(name: &str, held: &'h [IfAddr]) -> Result<Vec<&'h IfAddr>, DetectError> {
    let mut unstable = Vec::new();
    let mut stable = Vec::new();
    let mut last_reason = DetectError::NoFamilyOnInterface(name.to_string(), Family::V6);
    for a in held.iter().filter(|a| a.ip.is_ipv6()) {
        if let Err(why) = check_public(&a.ip) {
            last_reason = why;
            continue;
        }
        match a.unstable() {
            None if !stable.iter().any(|s: &&IfAddr| s.ip == a.ip) => stable.push(a),
            None => {}
            Some(kind) => unstable.push((a.ip, kind)),
        }
    }
    match (stable.is_empty(), unstable.is_empty()) {
        (false, _) => Ok(stable),
        (true, true) => Err(last_reason),
        (true, false) => Err(DetectError::OnlyUnstable(name.to_string(), unstable)),
    }
}

/// The source address the routing table picks for Cloudflare's resolver: a UDP socket
/// "connected" to it sends nothing, but has a local address. Behind NAT that is the private
/// address, which `check_public` refuses, so this suits hosts that hold the public address.
/// An IPv6 choice that is temporary or deprecated is refused, as for `interface:`.
#[inline(never)]
pub fn local_address(family: Family) -> Result<IpAddr, DetectError> {
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
    if family == Family::V6 {
        if let Some(kind) = unstable_choice(ip, &kernel_v6()?) {
            return Err(DetectError::UnstableLocal(ip, kind));
        }
    }
    Ok(ip)
}

/// Why the kernel's chosen source address is not one to publish, if it is not.
pub fn unstable_choice(ip: IpAddr, held: &[IfAddr]) -> Option<Unstable> {
    held.iter().find(|a| a.ip == ip).and_then(IfAddr::unstable)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netlink::{DEPRECATED, MANAGETEMPADDR, PERMANENT, TEMPORARY};

    fn a(ip: &str, flags: u32, preferred: Option<u32>) -> IfAddr {
        IfAddr {
            index: 2,
            ip: ip.parse().unwrap(),
            flags,
            prefix_len: 64,
            preferred,
        }
    }

    #[test]
    fn the_stable_address_wins_over_temporary_and_deprecated_ones() {
        let held = [
            a("fe80::1", PERMANENT, None),
            a("2001:4860::7e3a", TEMPORARY, Some(3000)),
            a("2001:4860::dead", DEPRECATED, Some(0)),
            a("2001:4860::1", MANAGETEMPADDR, Some(3000)),
        ];
        assert_eq!(
            pick_stable("eth0", &held).unwrap().to_string(),
            "2001:4860::1"
        );
    }

    #[test]
    fn only_unstable_public_addresses_fail_saying_so() {
        let held = [
            a("2001:4860::7e3a", TEMPORARY, Some(3000)),
            a("2001:4860::dead", PERMANENT, Some(0)),
        ];
        let err = pick_stable("eth0", &held).unwrap_err().to_string();
        assert!(
            err.contains("eth0") && err.contains("temporary") && err.contains("deprecated"),
            "{err}"
        );
        assert!(err.contains("2001:4860::7e3a"), "{err}");
        // Nothing public at all: the kind of range is what is said.
        let err = pick_stable("eth0", &[a("fd00::1", PERMANENT, None)]).unwrap_err();
        assert!(err.to_string().contains("unique-local"), "{err}");
        assert!(pick_stable("eth0", &[])
            .unwrap_err()
            .to_string()
            .contains("no IPv6"));
    }

    #[test]
    fn local_refuses_a_temporary_choice() {
        let held = [a("2001:4860::7e3a", TEMPORARY, Some(3000))];
        let ip = "2001:4860::7e3a".parse().unwrap();
        assert_eq!(unstable_choice(ip, &held), Some(Unstable::Temporary));
        assert_eq!(
            unstable_choice("2001:4860::1".parse().unwrap(), &held),
            None
        );
    }

    #[test]
    fn loopback_interface_has_no_public_address() {
        let err = interface_address("lo", Family::V4).unwrap_err();
        assert!(err.to_string().contains("loopback"), "{err}");
        assert!(interface_address("nosuchif0", Family::V4).is_err());
        assert!(matches!(
            interface_address("nosuchif0", Family::V6),
            Err(DetectError::NoInterface(_))
        ));
    }
}
