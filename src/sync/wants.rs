//! What each host's records should hold this pass: the detected addresses, or, for a host
//! with host IDs, each detected prefix with each host ID's bits (one AAAA per combination).

use super::report::{Failure, Report, State, Want};
use crate::config::{Config, Family};
use crate::detect::Detected;
use crate::hostid::{self, HostId};
use std::net::IpAddr;

/// One want per host of each detected family. A host ID that does not fit a prefix an answer
/// came with fails that host, naming both; the host's records are left as they are.
pub fn wants_of(cfg: &Config, found: &[(Family, Detected)], report: &mut Report) -> Vec<Want> {
    let mut wants = Vec::new();
    for (family, detected) in found {
        for host in cfg.hosts_for(*family) {
            let ids = match family {
                Family::V6 => cfg.host_ids.get(host).map_or(&[][..], Vec::as_slice),
                Family::V4 => &[],
            };
            let want = |ips| Want {
                host: host.clone(),
                family: *family,
                ips,
                set: cfg.kept_as_set(host, *family),
            };
            if ids.is_empty() {
                wants.push(want(detected.ips()));
                continue;
            }
            match with_host_ids(detected, ids, cfg.detection.ip6_prefix_len) {
                Ok(ips) => wants.push(want(ips)),
                Err(why) => {
                    let failure = Failure::HostId {
                        host: host.clone(),
                        why,
                    };
                    crate::error!("{failure}");
                    report
                        .outcomes
                        .push(want(Vec::new()).outcome(State::Failed(failure), None));
                }
            }
        }
    }
    wants
}

/// Each detected IPv6 prefix under each host ID, each address once. Pure.
#[inline(never)]
fn with_host_ids(
    detected: &Detected,
    ids: &[HostId],
    default_len: u8,
) -> Result<Vec<IpAddr>, String> {
    let mut ips: Vec<IpAddr> = Vec::new();
    for net in &detected.nets {
        let IpAddr::V6(v6) = net.ip else {
            continue;
        };
        let len = net.prefix_len.unwrap_or(default_len);
        for id in ids {
            let ip = hostid::apply(v6, len, id).map_err(|misfit| {
                format!("{misfit} (from {}: {}/{len})", detected.provider, net.ip)
            })?;
            if !ips.contains(&IpAddr::V6(ip)) {
                ips.push(IpAddr::V6(ip));
            }
        }
    }
    Ok(ips)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Net;

    fn detected(nets: &[(&str, Option<u8>)]) -> Detected {
        Detected {
            nets: nets
                .iter()
                .map(|(ip, len)| Net {
                    ip: ip.parse().unwrap(),
                    prefix_len: *len,
                })
                .collect(),
            provider: "file:/x".to_string(),
            index: 0,
        }
    }

    #[test]
    fn every_prefix_with_every_host_id() {
        let ids = hostid::parse("[::1, mac(00-11-22-33-44-55)]").unwrap();
        let d = detected(&[
            ("2a01:4f8:10:1::aaaa", None),
            ("2a01:4f8:20:ab00::1", Some(56)),
        ]);
        let err = with_host_ids(&d, &ids, 64).unwrap_err();
        assert!(
            err.contains("a mac() host ID needs a /64 prefix, and the prefix is /56"),
            "{err}"
        );
        assert!(err.contains("2a01:4f8:20:ab00::1/56"), "{err}");
        let suffixes = hostid::parse("[::1,::2]").unwrap();
        let ips = with_host_ids(&d, &suffixes, 64).unwrap();
        let shown: Vec<String> = ips.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "2a01:4f8:10:1::1",
                "2a01:4f8:10:1::2",
                "2a01:4f8:20:ab00::1",
                "2a01:4f8:20:ab00::2"
            ]
        );
    }
}
