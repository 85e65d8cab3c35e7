//! DELETE_ON_STOP: the records (and WAF list items) this process manages are deleted when it stops, within a
//! fixed time, whether the loop stopped between passes or a stop signal turned the process
//! into these deletes (a fresh process that must read what it deletes).

use super::cache::Cache;
use super::writes::BATCH_LIMIT;
use super::{read, zones};
use crate::bounds;
use crate::cloudflare::Client;
use crate::config::Config;
use crate::dns::{Record, Zone};
use crate::reconcile;
use crate::transport::{Deadline, Transport};
use std::time::{Duration, Instant};

/// For DELETE_ON_STOP: deletes the records this process manages (for each host and type, the
/// one it keeps), and nothing else, reading first what the cache does not hold (the deletes
/// may run in a fresh process). One batch per zone, or one call each if the batch is refused;
/// each call within `bounds::STOP_CALL_TIMEOUT` and all within `bounds::STOP_DELETES`, after
/// which the rest is given up. Returns how many were deleted.
pub fn delete_managed(cfg: &Config, cache: &mut Cache, transport: &mut dyn Transport) -> usize {
    let mut cf = cfg.cloudflare.clone();
    cf.timeout = cf.timeout.min(bounds::STOP_CALL_TIMEOUT);
    let until = Instant::now() + Duration::from_secs(bounds::STOP_DELETES);
    let mut bounded = Deadline {
        inner: transport,
        until,
    };
    let mut client = Client::new(&cf, &mut bounded);
    learn(cfg, cache, &mut client);
    let mut deleted = 0;
    for (zone_id, records) in cache.all_records() {
        let doomed = managed_in_zone(cfg, cache, zone_id, records);
        for chunk in doomed.chunks(BATCH_LIMIT) {
            deleted += delete_chunk(&mut client, zone_id, chunk);
        }
    }
    cache.clear_records();
    deleted + super::lists::delete_owned(cfg, &mut client, until)
}

/// Deletes up to `BATCH_LIMIT` records of a zone: one batch, or one call each if the batch is
/// refused. Returns how many went.
fn delete_chunk(client: &mut Client, zone_id: &str, doomed: &[&Record]) -> usize {
    let ids: Vec<String> = doomed.iter().map(|r| r.id.clone()).collect();
    let batched = ids.len() >= 2
        && match client.batch(zone_id, &ids, &[], &[]) {
            Ok(_) => true,
            Err(e) => {
                crate::warn!("batch delete refused ({e}); deleting one record at a time");
                false
            }
        };
    let mut deleted = 0;
    for r in doomed {
        let result = if batched {
            Ok(())
        } else {
            client.delete(zone_id, &r.id)
        };
        match result {
            Ok(()) => {
                crate::log::event(
                    crate::log::Level::Info,
                    &format!(
                        "deleted {} {} {} (DELETE_ON_STOP)",
                        r.name, r.rtype, r.content
                    ),
                    &[
                        ("event", "deleted"),
                        ("host", &r.name),
                        ("type", r.rtype.as_str()),
                        ("old", r.content.as_str()),
                    ],
                );
                deleted += 1;
            }
            Err(e) => crate::error!("cannot delete {} {}: {e}", r.name, r.rtype),
        }
    }
    deleted
}

/// The records of one zone this process manages: for each host in the zone and each family
/// it updates, the one record `reconcile` keeps, or every record of a name kept as a set.
fn managed_in_zone<'r>(
    cfg: &Config,
    cache: &Cache,
    zone_id: &str,
    records: &'r [Record],
) -> Vec<&'r Record> {
    let mut out = Vec::new();
    for host in &cfg.hosts {
        if cache.known_zone(host).is_none_or(|z| z.id != zone_id) {
            continue;
        }
        for family in cfg.families_of(host) {
            let rtype = family.record_type();
            match cfg.kept_as_set(host, family) {
                true => out.extend(
                    records
                        .iter()
                        .filter(|r| r.rtype == rtype && r.name.eq_ignore_ascii_case(host)),
                ),
                false => out.extend(reconcile::managed(host, rtype, records)),
            }
        }
    }
    out
}

/// Looks up what the cache lacks: the hosts' zones and those zones' records.
fn learn(cfg: &Config, cache: &mut Cache, client: &mut Client) {
    if let Err(e) = zones::resolve(&cfg.hosts, cache, client) {
        crate::error!("DELETE_ON_STOP: cannot look up zones: {e}");
        return;
    }
    let mut seen: Vec<Zone> = Vec::new();
    for host in &cfg.hosts {
        if let Some(z) = cache.known_zone(host) {
            if !seen.iter().any(|s| s.id == z.id) {
                seen.push(z.clone());
            }
        }
    }
    for zone in seen {
        if let Err(e) = read::ensure_records(&cfg.hosts, cfg.owned.as_ref(), &zone, cache, client) {
            crate::error!(
                "DELETE_ON_STOP: cannot read the records of zone {}: {e}",
                zone.name
            );
            if e.is_unreachable() {
                return;
            }
        }
    }
}
