//! What the kernel says changed (RTM_NEWADDR/DELADDR, RTM_NEWROUTE/DELROUTE), and whether it
//! can change the address we publish. Pure, for the watch in the poll loop: any bytes are
//! events or an error, never a panic (the `netlink` fuzz target holds it to that).

use super::{address, messages, u32_at, IfAddr, NetlinkError, AF_INET, AF_INET6, TENTATIVE};
use std::net::IpAddr;

const RTM_NEWADDR: u16 = 20;
const RTM_DELADDR: u16 = 21;
const RTM_NEWROUTE: u16 = 24;
const RTM_DELROUTE: u16 = 25;
const RTMSG_LEN: usize = 12;
const RTA_OIF: u16 = 4;
const RTA_TABLE: u16 = 15;
const RT_TABLE_MAIN: u32 = 254;

/// One change the kernel announced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Address {
        added: bool,
        addr: IfAddr,
    },
    /// A default route (of the main table) came or went, through `oif` where the kernel says.
    DefaultRoute {
        added: bool,
        oif: Option<u32>,
    },
    /// Anything else: other routes, other messages.
    Other,
}

/// Which interfaces carry the address we publish.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Watched {
    /// The interfaces an `interface:` provider names (their indexes).
    Named(Vec<u32>),
    /// Remote detectors and `local`: the interfaces of the default routes, as last known.
    DefaultPath(Vec<u32>),
}

/// The events in a batch of messages; an error answer is the kernel's error.
pub fn events(buf: &[u8]) -> Result<Vec<Event>, NetlinkError> {
    let mut out = Vec::new();
    for (kind, payload) in messages(buf)? {
        let event = match kind {
            RTM_NEWADDR | RTM_DELADDR => match address(payload)? {
                Some(addr) => Event::Address {
                    added: kind == RTM_NEWADDR,
                    addr,
                },
                None => Event::Other,
            },
            RTM_NEWROUTE | RTM_DELROUTE => route(payload, kind == RTM_NEWROUTE)?,
            _ => Event::Other,
        };
        out.push(event);
    }
    Ok(out)
}

/// An rtmsg and its attributes: a default route of the main table, or something else.
fn route(payload: &[u8], added: bool) -> Result<Event, NetlinkError> {
    let head = payload.get(..RTMSG_LEN).ok_or(NetlinkError::Truncated)?;
    let (family, dst_len, table) = (head[0], head[1], u32::from(head[4]));
    let (mut oif, mut table) = (None, table);
    let mut rest = &payload[RTMSG_LEN..];
    while rest.len() >= 4 {
        let len = usize::from(super::u16_at(rest, 0).ok_or(NetlinkError::Truncated)?);
        let kind = super::u16_at(rest, 2).ok_or(NetlinkError::Truncated)?;
        let value = rest.get(4..len).ok_or(NetlinkError::Truncated)?;
        match kind {
            RTA_OIF => oif = u32_at(value, 0),
            RTA_TABLE => table = u32_at(value, 0).unwrap_or(table),
            _ => {}
        }
        rest = rest.get(super::align(len)..).unwrap_or(&[]);
    }
    let ours = matches!(family, AF_INET | AF_INET6) && dst_len == 0 && table == RT_TABLE_MAIN;
    Ok(if ours {
        Event::DefaultRoute { added, oif }
    } else {
        Event::Other
    })
}

/// Whether `event` can change the address we publish. Pure.
pub fn counts(event: &Event, watched: &Watched) -> bool {
    match (event, watched) {
        (Event::Address { addr, .. }, Watched::Named(on) | Watched::DefaultPath(on)) => {
            on.contains(&addr.index) && global(addr.ip) && addr.flags & TENTATIVE == 0
        }
        // A new way out (or the loss of one) changes what remote detectors see.
        (Event::DefaultRoute { .. }, Watched::DefaultPath(_)) => true,
        (Event::DefaultRoute { oif, .. }, Watched::Named(on)) => {
            oif.is_some_and(|i| on.contains(&i))
        }
        (Event::Other, Watched::Named(_) | Watched::DefaultPath(_)) => false,
    }
}

/// Not link-local, loopback, multicast or unspecified: an address traffic leaves from.
fn global(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            !(v4.is_loopback() || v4.is_link_local() || v4.is_multicast() || v4.is_unspecified())
        }
        IpAddr::V6(v6) => {
            let link_local = (v6.segments()[0] & 0xffc0) == 0xfe80;
            !(v6.is_loopback() || link_local || v6.is_multicast() || v6.is_unspecified())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::new_addr;
    use super::*;

    /// An address message of `kind` (RTM_NEWADDR or RTM_DELADDR).
    fn addr_msg(kind: u16, index: u32, ip: &str, flags: u32) -> Vec<u8> {
        let mut m = new_addr(index, ip.parse().unwrap(), flags, None);
        m[4..6].copy_from_slice(&kind.to_ne_bytes());
        m
    }

    /// A route message: `dst_len`, the table in the header, and an RTA_OIF when given.
    fn route_msg(kind: u16, family: u8, dst_len: u8, table: u8, oif: Option<u32>) -> Vec<u8> {
        let mut payload = vec![family, dst_len, 0, 0, table, 3, 0, 1, 0, 0, 0, 0];
        if let Some(i) = oif {
            payload.extend_from_slice(&8u16.to_ne_bytes());
            payload.extend_from_slice(&RTA_OIF.to_ne_bytes());
            payload.extend_from_slice(&i.to_ne_bytes());
        }
        let mut m = ((16 + payload.len()) as u32).to_ne_bytes().to_vec();
        m.extend_from_slice(&kind.to_ne_bytes());
        m.extend_from_slice(&[0; 10]);
        m.extend_from_slice(&payload);
        m
    }

    #[test]
    fn addresses_and_default_routes_are_read() {
        let mut batch = addr_msg(RTM_DELADDR, 3, "203.0.113.9", 0);
        batch.extend(route_msg(RTM_NEWROUTE, AF_INET, 0, 254, Some(3)));
        batch.extend(route_msg(RTM_NEWROUTE, AF_INET, 24, 254, Some(3)));
        let got = events(&batch).unwrap();
        assert!(matches!(&got[0], Event::Address { added: false, addr } if addr.index == 3));
        assert_eq!(
            got[1],
            Event::DefaultRoute {
                added: true,
                oif: Some(3)
            }
        );
        assert_eq!(got[2], Event::Other, "a /24 is not a default route");
        let other_table = route_msg(RTM_NEWROUTE, AF_INET6, 0, 100, Some(3));
        assert_eq!(events(&other_table).unwrap(), [Event::Other]);
    }

    #[test]
    fn only_a_global_settled_address_on_a_watched_interface_counts() {
        let on = |i| Watched::Named(vec![i]);
        let ev = |ip: &str, flags| events(&addr_msg(RTM_NEWADDR, 2, ip, flags)).unwrap()[0].clone();
        assert!(counts(&ev("2001:4860::1", 0), &on(2)));
        assert!(counts(
            &ev("93.184.216.34", 0),
            &Watched::DefaultPath(vec![2])
        ));
        assert!(
            !counts(&ev("2001:4860::1", 0), &on(7)),
            "a veth or bridge elsewhere"
        );
        assert!(!counts(&ev("fe80::1", 0), &on(2)), "link-local");
        assert!(!counts(&ev("169.254.0.9", 0), &on(2)), "link-local");
        assert!(!counts(&ev("127.0.0.2", 0), &on(2)), "loopback");
        assert!(!counts(&ev("2001:4860::1", TENTATIVE), &on(2)), "tentative");
    }

    #[test]
    fn a_default_route_counts_on_the_default_path_or_its_own_interface() {
        let up = |oif| Event::DefaultRoute { added: true, oif };
        assert!(
            counts(&up(Some(9)), &Watched::DefaultPath(vec![2])),
            "a VPN takes the way out"
        );
        assert!(counts(&up(Some(2)), &Watched::Named(vec![2])));
        assert!(!counts(&up(Some(9)), &Watched::Named(vec![2])));
        assert!(!counts(&up(None), &Watched::Named(vec![2])));
        assert!(!counts(&Event::Other, &Watched::DefaultPath(vec![2])));
    }

    #[test]
    fn cut_or_lying_route_messages_are_errors_not_panics() {
        let m = route_msg(RTM_NEWROUTE, AF_INET, 0, 254, Some(3));
        for cut in 0..m.len() {
            let _ = events(&m[..cut]);
        }
        let mut lying = m.clone();
        let at = lying.len() - 8;
        lying[at] = 0xff;
        assert_eq!(events(&lying), Err(NetlinkError::Truncated));
    }

    #[test]
    fn the_fuzz_seed_is_a_default_route_and_a_removed_address() {
        let seed = include_bytes!("../../tests/fuzz/corpus/netlink/route-and-deladdr");
        let got = events(seed).unwrap();
        assert_eq!(
            got[0],
            Event::DefaultRoute {
                added: true,
                oif: Some(3)
            }
        );
        assert!(
            matches!(&got[1], Event::Address { added: false, addr } if addr.ip.to_string() == "203.0.113.9")
        );
    }
}
