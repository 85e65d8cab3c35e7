//! Which zone each host is in: the longest suffix of its name that is a zone the credentials
//! can see. Either every zone is listed or each candidate name is asked for, whichever takes
//! fewer calls; the choice and the matching are pure.

use super::cache::{Cache, Known};
use crate::cloudflare::{CfError, Client};
use crate::dns::Zone;
use std::collections::HashMap;

/// How to find the zones of the hosts not yet known.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup {
    /// Ask for each candidate name, longest first.
    Walk,
    /// List every zone and match locally.
    ListAll,
}

/// One candidate walks (no list needed); otherwise list every zone unless its further pages
/// would cost more calls than asking for each candidate. `pages` is the zone list's page
/// count, known once its first page is read.
pub fn lookup(candidates: usize, pages: Option<u32>) -> Lookup {
    match pages {
        _ if candidates <= 1 => Lookup::Walk,
        Some(p) if (p as usize).saturating_sub(1) > candidates => Lookup::Walk,
        _ => Lookup::ListAll,
    }
}

/// The names that could be the host's zone, longest first; a wildcard label is never one,
/// and neither is a bare top-level domain.
pub fn candidates(host: &str) -> Vec<&str> {
    let host = host.strip_prefix("*.").unwrap_or(host);
    let mut out = vec![host];
    let mut rest = host;
    while let Some((_, parent)) = rest.split_once('.') {
        if !parent.contains('.') {
            break;
        }
        out.push(parent);
        rest = parent;
    }
    out
}

pub fn longest_match(host: &str, zones: &[Zone]) -> Option<Zone> {
    candidates(host).into_iter().find_map(|c| {
        zones
            .iter()
            .find(|z| z.name.eq_ignore_ascii_case(c))
            .cloned()
    })
}

/// Finds the zone of every host whose zone is not known, or known too long ago.
pub fn resolve(hosts: &[String], cache: &mut Cache, client: &mut Client) -> Result<(), CfError> {
    let unknown: Vec<&String> = hosts
        .iter()
        .filter(|h| cache.zone(h) == Known::Unknown)
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let mut names: Vec<&str> = unknown.iter().flat_map(|h| candidates(h)).collect();
    names.sort_unstable();
    names.dedup();
    let listed = list_zones(client, names.len())?;
    let mut looked_up: HashMap<String, Option<Zone>> = HashMap::new();
    for host in unknown {
        let zone = match &listed {
            Some(all) => longest_match(host, all),
            None => walk(client, host, &mut looked_up)?,
        };
        if let Some(z) = &zone {
            crate::debug!("{host} is in zone {} ({})", z.name, z.id);
        }
        cache.set_zone(host, zone);
    }
    cache.forget_unused_zones();
    Ok(())
}

/// Every zone, when listing them is the cheaper way; `None` means walk the names.
fn list_zones(client: &mut Client, candidates: usize) -> Result<Option<Vec<Zone>>, CfError> {
    if lookup(candidates, None) == Lookup::Walk {
        return Ok(None);
    }
    let first = client.zones_page(None, 1)?;
    if lookup(candidates, Some(first.total_pages)) == Lookup::Walk {
        return Ok(None);
    }
    let mut budget = crate::cloudflare::MAX_PAGES - 1;
    let all = client.rest(first, &mut budget, |c, page| c.zones_page(None, page))?;
    Ok(Some(all))
}

/// Asks for each candidate name of the host, longest first, remembering the answers.
fn walk(
    client: &mut Client,
    host: &str,
    looked_up: &mut HashMap<String, Option<Zone>>,
) -> Result<Option<Zone>, CfError> {
    for suffix in candidates(host) {
        let found = match looked_up.get(suffix) {
            Some(z) => z.clone(),
            None => {
                let page = client.zones_page(Some(suffix), 1)?;
                let z = page
                    .items
                    .into_iter()
                    .find(|z| z.name.eq_ignore_ascii_case(suffix));
                looked_up.insert(suffix.to_string(), z.clone());
                z
            }
        };
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_walk_from_longest() {
        assert_eq!(
            candidates("a.b.example.com"),
            vec!["a.b.example.com", "b.example.com", "example.com"]
        );
        assert_eq!(candidates("*.example.com"), vec!["example.com"]);
        assert_eq!(candidates("example.com"), vec!["example.com"]);
    }

    #[test]
    fn the_longest_zone_wins() {
        let zone = |id: &str, name: &str| Zone {
            id: id.into(),
            name: name.into(),
        };
        let zones = vec![zone("1", "example.com"), zone("2", "sub.example.com")];
        assert_eq!(longest_match("a.sub.example.com", &zones).unwrap().id, "2");
        assert_eq!(longest_match("a.example.com", &zones).unwrap().id, "1");
        assert_eq!(longest_match("sub.example.com", &zones).unwrap().id, "2");
        assert!(longest_match("a.example.org", &zones).is_none());
        assert!(longest_match("notexample.com", &zones).is_none());
    }

    #[test]
    fn the_cheaper_lookup_is_chosen() {
        assert_eq!(lookup(1, None), Lookup::Walk);
        assert_eq!(lookup(3, None), Lookup::ListAll);
        assert_eq!(lookup(3, Some(4)), Lookup::ListAll);
        assert_eq!(lookup(3, Some(5)), Lookup::Walk);
        assert_eq!(lookup(3, Some(0)), Lookup::ListAll);
    }
}
