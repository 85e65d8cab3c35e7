//! Host list entries, in favonia's syntax: `a.example.com, nas.example.com{hostid6=::11:22ff:fe33:4455},
//! cam.example.com{hostid6=[::1,mac(00-11-22-33-44-55)]}`. Pure.

use super::parsers::{check_host, normalize_host};
use super::reader::Reader;
use crate::hostid::{self, HostId};
use std::collections::BTreeMap;

/// One entry: the name as written (normalized and checked by the caller) and its host IDs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub host_ids: Vec<HostId>,
}

/// The entries of a list: split at the commas that are not inside `{…}`, `[…]` or `(…)`.
pub fn split(list: &str) -> Result<Vec<&str>, String> {
    let mut entries = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in list.char_indices() {
        match c {
            '{' | '[' | '(' => depth += 1,
            '}' | ']' | ')' => {
                depth = depth
                    .checked_sub(1)
                    .ok_or_else(|| format!("an unmatched {c:?} at character {}", i + 1))?;
            }
            ',' if depth == 0 => {
                entries.push(&list[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err("a '{', '[' or '(' is not closed".to_string());
    }
    entries.push(&list[start..]);
    Ok(entries)
}

/// One entry: a name, optionally followed by `{key=value, …}`; the only key is `hostid6`,
/// which may be given more than once (its values are joined).
pub fn entry(text: &str) -> Result<Entry, String> {
    let text = text.trim();
    let Some((name, rest)) = text.split_once('{') else {
        return Ok(Entry {
            name: text.to_string(),
            host_ids: Vec::new(),
        });
    };
    let options = rest
        .strip_suffix('}')
        .ok_or_else(|| format!("{text:?}: nothing may follow the closing '}}'"))?;
    let mut host_ids: Vec<HostId> = Vec::new();
    for option in split(options)? {
        let option = option.trim();
        if option.is_empty() {
            continue;
        }
        let (key, value) = option
            .split_once('=')
            .ok_or_else(|| format!("{text:?}: {option:?} is not key=value"))?;
        match key.trim() {
            "hostid6" => {
                for id in hostid::parse(value)? {
                    if !host_ids.contains(&id) {
                        host_ids.push(id);
                    }
                }
            }
            other => {
                return Err(format!(
                    "{text:?}: {other:?} is not an option of a host (the one option is hostid6)"
                ))
            }
        }
    }
    Ok(Entry {
        name: name.trim().to_string(),
        host_ids,
    })
}

/// The hosts of each family: IP4_HOST_LIST / IP6_HOST_LIST, else HOST_LIST (or favonia's
/// DOMAINS) together with favonia's IP4_DOMAINS / IP6_DOMAINS, which add to it. None at all
/// is a problem unless WAF `lists` are kept instead.
pub(super) fn lists(r: &mut Reader, lists: bool) -> (Vec<String>, Vec<String>) {
    let base = host_list(r, "HOST_LIST");
    let mut family = |ours: &str, theirs: &str| {
        let own = host_list(r, ours);
        let extra = host_list(r, theirs);
        if own.is_some() && extra.is_some() {
            r.problems.push(format!(
                "{ours} and {theirs} (favonia's name, which adds to DOMAINS) are both set; keep one"
            ));
        }
        own.or_else(|| match (&base, extra) {
            (None, None) => None,
            (b, e) => {
                let mut all = b.clone().unwrap_or_default();
                all.extend(
                    e.unwrap_or_default()
                        .into_iter()
                        .filter(|h| !b.as_ref().is_some_and(|b| b.contains(h))),
                );
                Some(all)
            }
        })
    };
    let v4 = family("IP4_HOST_LIST", "IP4_DOMAINS");
    let v6 = family("IP6_HOST_LIST", "IP6_DOMAINS");
    if v4.is_none() && v6.is_none() && !lists {
        r.problems.push(
            "HOST_LIST is required: a comma-separated list of host names, e.g. home.example.com,server.example.com (or IP4_HOST_LIST / IP6_HOST_LIST)"
                .to_string(),
        );
    }
    (v4.unwrap_or_default(), v6.unwrap_or_default())
}

/// A comma-separated list of host names, normalized and without repeats; `None` if unset.
/// An entry's host IDs (`{hostid6=…}`) are kept in `host_ids`.
pub(super) fn host_list(r: &mut Reader, name: &str) -> Option<Vec<String>> {
    let list = r.text(name)?;
    let mut hosts: Vec<String> = Vec::new();
    let pieces = split(&list).unwrap_or_else(|why| {
        r.problems.push(format!("{name}: {why}"));
        Vec::new()
    });
    for piece in pieces {
        if piece.trim().is_empty() {
            continue;
        }
        let entry = match entry(piece) {
            Ok(e) => e,
            Err(why) => {
                r.problems.push(format!("{name}: {why}"));
                continue;
            }
        };
        let host = match crate::idna::to_ascii(entry.name.trim()) {
            Ok(ascii) => normalize_host(&ascii),
            Err(why) => {
                r.problems.push(format!("{name}: {:?}: {why}", entry.name));
                continue;
            }
        };
        match check_host(&host) {
            Ok(()) => {
                if !entry.host_ids.is_empty() {
                    r.host_ids
                        .push((name.to_string(), host.clone(), entry.host_ids));
                }
                if !hosts.contains(&host) {
                    hosts.push(host);
                }
            }
            Err(why) => r.problems.push(format!(
                "{name}: {:?} is not a valid host name: {why}",
                entry.name
            )),
        }
    }
    if hosts.is_empty() {
        r.problems.push(format!("{name}: no host names found"));
    }
    Some(hosts)
}

/// Each AAAA host's host IDs, from every list that names it. A host ID in an IPv4 list, or
/// one that cannot fit under IP6_PREFIX_LEN, is a problem naming the host.
pub(super) fn host_ids(
    r: &mut Reader,
    ip6_hosts: &[String],
    prefix_len: u8,
) -> BTreeMap<String, Vec<HostId>> {
    let mut all: BTreeMap<String, Vec<HostId>> = BTreeMap::new();
    for (var, host, ids) in std::mem::take(&mut r.host_ids) {
        if var.starts_with("IP4_") {
            r.problems.push(format!(
                "{var}: {host} has hostid6, but host IDs are for AAAA records; give it in IP6_HOST_LIST or HOST_LIST"
            ));
            continue;
        }
        if !ip6_hosts.contains(&host) {
            continue;
        }
        let known = all.entry(host).or_default();
        for id in ids {
            if !known.contains(&id) {
                known.push(id);
            }
        }
    }
    for (host, ids) in &all {
        for id in ids {
            if let Err(misfit) = hostid::fits(id, prefix_len) {
                r.problems.push(format!(
                    "{host}{{hostid6={id}}}: {misfit} (IP6_PREFIX_LEN={prefix_len})"
                ));
            }
        }
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_split_outside_brackets() {
        let list =
            "a.example.com, x.example.com{hostid6=[::1,mac(00-11-22-33-44-55)]},b.example.com";
        assert_eq!(
            split(list).unwrap(),
            vec![
                "a.example.com",
                " x.example.com{hostid6=[::1,mac(00-11-22-33-44-55)]}",
                "b.example.com"
            ]
        );
        assert!(split("a{hostid6=::1").is_err());
        assert!(split("a}").is_err());
    }

    #[test]
    fn an_entry_and_its_host_ids() {
        assert_eq!(entry(" a.example.com ").unwrap().host_ids, vec![]);
        assert_eq!(entry("a.example.com{}").unwrap().name, "a.example.com");
        let e = entry("x.example.com{hostid6=[::1,mac(00-11-22-33-44-55)], hostid6=::1}").unwrap();
        assert_eq!(e.name, "x.example.com");
        assert_eq!(e.host_ids.len(), 2);
        assert!(entry("x.example.com{ttl=60}")
            .unwrap_err()
            .contains("\"ttl\" is not an option"));
        assert!(entry("x.example.com{hostid6}").is_err());
        assert!(entry("x.example.com{hostid6=::1}.org").is_err());
        assert!(entry("x.example.com{hostid6=nas}").is_err());
    }

    mod read {
        use crate::config::tests::{parse_map, problems};
        use crate::hostid::HostId;

        const TOKEN: (&str, &str) = ("CLOUDFLARE_API_TOKEN", "t");
        const V6: (&str, &str) = ("IP6_PROVIDER", "cloudflare");

        #[test]
        fn host_ids_in_favonias_names_and_ours() {
            let c = parse_map(&[
                TOKEN,
                V6,
                (
                    "DOMAINS",
                    "a.example.com,nas.example.com{hostid6=::11:22ff:fe33:4455}",
                ),
                (
                    "IP6_DOMAINS",
                    "cam.example.com{hostid6=mac(00-11-22-33-44-55)}",
                ),
            ])
            .unwrap();
            assert_eq!(
                c.ip6_hosts,
                ["a.example.com", "nas.example.com", "cam.example.com"]
            );
            assert_eq!(c.ip4_hosts, ["a.example.com", "nas.example.com"]);
            assert_eq!(
                c.host_ids["nas.example.com"],
                [HostId::Suffix("::11:22ff:fe33:4455".parse().unwrap())]
            );
            assert_eq!(
                c.host_ids["cam.example.com"],
                [HostId::Mac([0, 0x11, 0x22, 0x33, 0x44, 0x55])]
            );
            assert!(!c.host_ids.contains_key("a.example.com"));
            assert_eq!(c.detection.ip6_prefix_len, 64);
            let shown = crate::config::effective(&c);
            let row = shown
                .iter()
                .find(|(n, _, _)| *n == "IP6_HOST_LIST")
                .unwrap();
            assert!(
                row.1
                    .contains("cam.example.com{hostid6=mac(00-11-22-33-44-55)}"),
                "{row:?}"
            );
        }

        #[test]
        fn a_host_id_that_cannot_be_kept_is_refused_naming_the_host() {
            let p = problems(&[TOKEN, V6, ("IP4_HOST_LIST", "v4.example.com{hostid6=::1}")]);
            assert!(
                p.iter()
                    .any(|p| p.contains("IP4_HOST_LIST: v4.example.com has hostid6")),
                "{p:?}"
            );
            let p = problems(&[
                TOKEN,
                V6,
                (
                    "IP6_HOST_LIST",
                    "cam.example.com{hostid6=mac(00-11-22-33-44-55)}",
                ),
                ("IP6_DEFAULT_PREFIX_LEN", "56"),
            ]);
            assert!(
                p.iter().any(|p| p.starts_with(
                    "cam.example.com{hostid6=mac(00-11-22-33-44-55)}: a mac() host ID needs a /64"
                )),
                "{p:?}"
            );
            let p = problems(&[
                TOKEN,
                V6,
                ("IP6_HOST_LIST", "wide.example.com{hostid6=::1:0:0:0:1}"),
            ]);
            assert!(
                p.iter().any(|p| p.contains("wide.example.com")
                    && p.contains("does not fit in the 64 host bits")),
                "{p:?}"
            );
            let p = problems(&[TOKEN, V6, ("IP6_HOST_LIST", "x.example.com{hostid6=nas}")]);
            assert!(
                p.iter()
                    .any(|p| p.starts_with("IP6_HOST_LIST: \"nas\" is not a host ID")),
                "{p:?}"
            );
            let p = problems(&[TOKEN, V6, ("IP6_PREFIX_LEN", "129")]);
            assert!(p.iter().any(|p| p.starts_with("IP6_PREFIX_LEN: expected a whole number from 1 to 128")), "{p:?}");
        }
    }
}
