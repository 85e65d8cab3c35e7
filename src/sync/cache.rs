//! What is known between passes: each host's zone and each zone's records on the managed
//! names, and which addresses were confirmed. Both expire after `RECORD_CACHE_TTL`; a failed write invalidates a zone's records,
//! and a write only ever updates records of a zone whose read is still cached, so a partial
//! view is never taken for a fresh one.

use super::confirm::Beliefs;
use crate::dns::{Record, Unreadable, Zone};
use std::collections::HashMap;

/// A host's zone as the cache knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Known<'c> {
    In(&'c Zone),
    /// Looked up: under no zone the credentials can see.
    InNone,
    /// Never looked up, or too long ago.
    Unknown,
}

#[derive(Default)]
pub struct Cache {
    /// Host → its zone (`None`: found in no zone), and when that was learnt.
    zones: HashMap<String, (Option<Zone>, Learnt)>,
    /// Zone id → the records on the managed names (A, AAAA and CNAME only), and when read.
    records: HashMap<String, (Vec<Record>, Learnt)>,
    /// Zone id → the records on managed names that could not be read, with the same age.
    unreadable: HashMap<String, Vec<Unreadable>>,
    /// `account/name` → the WAF list's id and the items this instance owns, as last read or
    /// written; expires like the records.
    lists: HashMap<String, (ListMemo, Learnt)>,
    /// The current pass, set by `begin`.
    now: Learnt,
    /// Each family's confirmed and pending addresses (never expire: they are not Cloudflare's).
    pub beliefs: Beliefs,
    ttl: u64,
}

/// What is known of a WAF list between passes. Added items have no id yet (the Lists API
/// answers a change with an operation): a change always reads the list first.
#[derive(Clone, Debug, Default)]
pub struct ListMemo {
    pub id: String,
    pub owned: Vec<crate::waf::Item>,
}

/// When an entry was learnt: the pass (counted from 1) and its Unix time.
#[derive(Clone, Copy, Default)]
struct Learnt {
    pass: u64,
    at: u64,
}

impl Cache {
    /// Starts a pass at Unix time `now`, with entries living `ttl` seconds.
    pub fn begin(&mut self, now: u64, ttl: u64) {
        self.now = Learnt {
            pass: self.now.pass + 1,
            at: now,
        };
        self.ttl = ttl;
    }

    /// Whether an entry can be used now: learnt in this pass, or within the ttl (0: never
    /// across passes).
    fn fresh(&self, learnt: &Learnt) -> bool {
        learnt.pass == self.now.pass
            || (self.ttl > 0 && self.now.at.saturating_sub(learnt.at) < self.ttl)
    }

    /// What is known, and fresh, of the host's zone.
    pub fn zone(&self, host: &str) -> Known<'_> {
        match self.zones.get(host) {
            Some((Some(zone), learnt)) if self.fresh(learnt) => Known::In(zone),
            Some((None, learnt)) if self.fresh(learnt) => Known::InNone,
            _ => Known::Unknown,
        }
    }

    /// The host's zone as last learnt, fresh or not (for DELETE_ON_STOP at exit).
    pub fn known_zone(&self, host: &str) -> Option<&Zone> {
        self.zones.get(host).and_then(|(z, _)| z.as_ref())
    }

    pub fn set_zone(&mut self, host: &str, zone: Option<Zone>) {
        self.zones.insert(host.to_string(), (zone, self.now));
    }

    /// Forgets records of zones no host is in any more (a zone re-created under a new id).
    pub fn forget_unused_zones(&mut self) {
        let zones = &self.zones;
        self.records.retain(|id, _| {
            zones
                .values()
                .any(|(z, _)| z.as_ref().is_some_and(|z| &z.id == id))
        });
    }

    /// The zone's records if they were read and are fresh.
    pub fn records(&self, zone_id: &str) -> Option<&[Record]> {
        match self.records.get(zone_id) {
            Some((records, learnt)) if self.fresh(learnt) => Some(records),
            _ => None,
        }
    }

    /// Whether the zone's records were read in the current pass.
    pub fn read_this_pass(&self, zone_id: &str) -> bool {
        self.records
            .get(zone_id)
            .is_some_and(|(_, learnt)| learnt.pass == self.now.pass)
    }

    /// Every zone's records as last read, fresh or not (for DELETE_ON_STOP at exit).
    pub fn all_records(&self) -> impl Iterator<Item = (&str, &[Record])> {
        self.records
            .iter()
            .map(|(id, (records, _))| (id.as_str(), records.as_slice()))
    }

    pub fn set_records(&mut self, zone_id: &str, records: Vec<Record>, bad: Vec<Unreadable>) {
        self.records
            .insert(zone_id.to_string(), (records, self.now));
        self.unreadable.insert(zone_id.to_string(), bad);
    }

    /// The records on managed names of the zone that could not be read (with `records`).
    pub fn unreadable(&self, zone_id: &str) -> &[Unreadable] {
        self.unreadable.get(zone_id).map_or(&[], Vec::as_slice)
    }

    /// A record a write returned: replaces the cached one with its id, or joins the zone's
    /// list. Only for a zone whose records are cached; never starts a new list, since a list
    /// holding just this record would hide the others.
    pub fn update(&mut self, zone_id: &str, record: Record) {
        let Some((records, _)) = self.records.get_mut(zone_id) else {
            return;
        };
        match records.iter_mut().find(|r| r.id == record.id) {
            Some(slot) => *slot = record,
            None => records.push(record),
        }
    }

    /// A record this pass deleted.
    pub fn remove(&mut self, zone_id: &str, record_id: &str) {
        if let Some((records, _)) = self.records.get_mut(zone_id) {
            records.retain(|r| r.id != record_id);
        }
    }

    /// After a failed write: read the zone's records afresh next time, and its id too when
    /// Cloudflare said the id is stale.
    pub fn invalidate(&mut self, zone: &Zone, stale_id: bool) {
        self.records.remove(&zone.id);
        self.unreadable.remove(&zone.id);
        if stale_id {
            self.zones
                .retain(|_, (z, _)| z.as_ref().is_none_or(|z| z.id != zone.id));
        }
    }

    pub fn clear_records(&mut self) {
        self.records.clear();
    }

    /// The list's memo if it is fresh.
    pub fn list(&self, key: &str) -> Option<&ListMemo> {
        match self.lists.get(key) {
            Some((memo, learnt)) if self.fresh(learnt) => Some(memo),
            _ => None,
        }
    }

    /// The list's id as last learnt, fresh or not (an id does not change while it lives).
    pub fn known_list_id(&self, key: &str) -> Option<&str> {
        self.lists.get(key).map(|(m, _)| m.id.as_str())
    }

    pub fn set_list(&mut self, key: &str, memo: ListMemo) {
        self.lists.insert(key.to_string(), (memo, self.now));
    }

    pub fn forget_list(&mut self, key: &str) {
        self.lists.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(id: &str) -> Record {
        Record {
            id: id.into(),
            name: "a.example.com".into(),
            rtype: crate::dns::RecordType::A,
            content: crate::dns::Content::new("8.8.8.8".into()),
            ttl: None,
            proxied: None,
            created_on: None,
            comment: None,
        }
    }

    fn zone() -> Zone {
        Zone {
            id: "z".into(),
            name: "example.com".into(),
        }
    }

    #[test]
    fn entries_expire_after_the_ttl_and_never_with_zero() {
        let mut c = Cache::default();
        c.begin(100, 60);
        c.set_zone("a.example.com", Some(zone()));
        c.set_records("z", vec![rec("1")], Vec::new());
        c.begin(159, 60);
        assert!(c.zone("a.example.com") != Known::Unknown && c.records("z").is_some());
        c.begin(160, 60);
        assert!(c.zone("a.example.com") == Known::Unknown && c.records("z").is_none());
        assert_eq!(c.known_zone("a.example.com"), Some(&zone()));
        c.begin(100, 0);
        assert_eq!(c.zone("a.example.com"), Known::Unknown);
        c.set_zone("a.example.com", Some(zone()));
        assert!(
            c.zone("a.example.com") != Known::Unknown,
            "usable in the pass that learnt it"
        );
        c.begin(100, 0);
        assert_eq!(c.zone("a.example.com"), Known::Unknown);
    }

    #[test]
    fn update_never_inserts_a_zone() {
        let mut c = Cache::default();
        c.begin(0, 60);
        c.update("z", rec("1"));
        assert!(c.records("z").is_none());
        c.set_records("z", vec![rec("1")], Vec::new());
        let mut changed = rec("1");
        changed.content = crate::dns::Content::new("9.9.9.9".into());
        c.update("z", changed);
        c.update("z", rec("2"));
        let ids: Vec<&str> = c
            .records("z")
            .unwrap()
            .iter()
            .map(|r| r.id.as_str())
            .collect();
        assert_eq!(ids, ["1", "2"]);
        assert_eq!(c.records("z").unwrap()[0].content.as_str(), "9.9.9.9");
        c.invalidate(&zone(), false);
        c.update("z", rec("3"));
        assert!(c.records("z").is_none());
    }

    #[test]
    fn a_stale_id_forgets_the_hosts_zone() {
        let mut c = Cache::default();
        c.begin(0, 60);
        c.set_zone("a.example.com", Some(zone()));
        c.set_zone("b.example.org", None);
        c.invalidate(&zone(), true);
        assert_eq!(c.zone("a.example.com"), Known::Unknown);
        assert_eq!(c.zone("b.example.org"), Known::InNone);
    }
}
