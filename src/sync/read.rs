//! Reading a zone's records on the managed names: the whole zone, or name by name, whichever
//! takes fewer calls (a pure choice), kept in the cache until it expires.

use super::cache::{Cache, Known};
use crate::cloudflare::{over_budget, CfError, Client, MAX_PAGES};
use crate::dns::{Listed, Record, RecordType, Unreadable, Zone};
use crate::pattern::Pattern;

/// Whether to ask for each managed name rather than read the zone's pages: with one name,
/// or when the zone's further pages would cost more calls than the names.
pub fn read_by_name(names: usize, zone_pages: Option<u32>) -> bool {
    match zone_pages {
        _ if names == 1 => true,
        Some(p) => (p as usize).saturating_sub(1) > names,
        None => false,
    }
}

/// Only what a pass manages or must respect: A, AAAA and CNAME (the only types read at all)
/// on the managed names, and of the A and AAAA records only those this instance owns (by
/// comment); what could not be read on those names is kept apart, to fail its host alone.
pub fn keep_managed(
    listed: Vec<Listed>,
    names: &[String],
    owned: Option<&Pattern>,
) -> (Vec<Record>, Vec<Unreadable>) {
    let names: std::collections::HashSet<String> =
        names.iter().map(|n| n.to_ascii_lowercase()).collect();
    let relevant = |name: &str| names.contains(&name.to_ascii_lowercase());
    let (mut records, mut unreadable) = (Vec::new(), Vec::new());
    for item in listed {
        match item {
            Ok(r) if relevant(&r.name) && owns(owned, &r) => records.push(r),
            Err(u) if relevant(&u.name) => unreadable.push(u),
            _ => {}
        }
    }
    (records, unreadable)
}

/// Whether this instance owns a record: a CNAME is always respected; an A or AAAA record is
/// ours when its comment matches MANAGED_RECORDS_COMMENT_REGEX (or none is set).
pub fn owns(owned: Option<&Pattern>, r: &Record) -> bool {
    match (owned, r.rtype) {
        (None, _) | (Some(_), RecordType::Cname) => true,
        (Some(p), RecordType::A | RecordType::Aaaa) => p.matches(r.comment.as_deref()),
    }
}

/// Reads the zone's records on the managed names (those of `hosts` in the zone), unless the
/// cache still holds them fresh.
pub fn ensure_records(
    hosts: &[String],
    owned: Option<&Pattern>,
    zone: &Zone,
    cache: &mut Cache,
    client: &mut Client,
) -> Result<(), CfError> {
    if cache.records(&zone.id).is_some() {
        return Ok(());
    }
    let names: Vec<String> = hosts
        .iter()
        .filter(|h| matches!(cache.zone(h), Known::In(z) if z.id == zone.id))
        .cloned()
        .collect();
    let mut records = Vec::new();
    let mut first_page = None;
    // Every request for this zone's records comes out of one budget, whatever pages claim.
    let mut budget = MAX_PAGES;
    if !read_by_name(names.len(), None) {
        budget -= 1;
        let first = client.records_page(&zone.id, None, 1)?;
        if !read_by_name(names.len(), Some(first.total_pages)) {
            first_page = Some(first);
        }
    }
    match first_page {
        Some(first) => {
            let id = &zone.id;
            records = client.rest(first, &mut budget, |c, page| c.records_page(id, None, page))?;
        }
        None => {
            for name in &names {
                records.extend(records_named(client, zone, name, &mut budget)?);
            }
        }
    }
    let (records, unreadable) = keep_managed(records, &names, owned);
    cache.set_records(&zone.id, records, unreadable);
    Ok(())
}

/// Every record on one name, all pages.
pub fn records_named(
    client: &mut Client,
    zone: &Zone,
    name: &str,
    budget: &mut u32,
) -> Result<Vec<Listed>, CfError> {
    *budget = budget.checked_sub(1).ok_or_else(over_budget)?;
    let first = client.records_page(&zone.id, Some(name), 1)?;
    client.rest(first, budget, |c, page| {
        c.records_page(&zone.id, Some(name), page)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_by_name_only_when_cheaper() {
        assert!(read_by_name(1, None));
        assert!(!read_by_name(2, None));
        assert!(!read_by_name(2, Some(3)));
        assert!(read_by_name(2, Some(4)));
    }
}
