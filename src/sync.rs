//! One sync pass: detect the addresses, find each host's zone and records (cached), decide,
//! and write what differs, batched per zone.

use crate::cloudflare::{CfError, Client, NewRecord, Patch, Record, Zone};
use crate::config::{Config, Family};
use crate::detect::{self, Detected};
use crate::reconcile::{self, Action, CreatePolicy};
use crate::transport::{Method, Transport};
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Instant;

/// What is known between passes. Cloudflare is only asked again when this runs out.
#[derive(Default)]
pub struct Cache {
    /// Host → its zone, or `None` with the time it was found in no zone.
    zones: HashMap<String, ZoneEntry>,
    /// Zone id → the records on the managed names (A, AAAA and CNAME only).
    records: HashMap<String, Fetched>,
}

enum ZoneEntry {
    Found(Zone),
    NotFound { at: u64 },
}

struct Fetched {
    at: u64,
    records: Vec<Record>,
}

impl Cache {
    /// Forgets a zone after a failed write, so the next pass reads it afresh.
    fn drop_zone(&mut self, zone: &Zone, stale_id: bool) {
        self.records.remove(&zone.id);
        if stale_id {
            self.zones
                .retain(|_, e| !matches!(e, ZoneEntry::Found(z) if z.id == zone.id));
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    Unchanged,
    Updated,
    Created,
    /// A dry run found a difference and wrote nothing.
    WouldChange,
    /// No record, and creation is not allowed.
    Missing,
    Failed(String),
}

impl State {
    pub fn label(&self) -> &'static str {
        match self {
            State::Unchanged => "unchanged",
            State::Updated => "updated",
            State::Created => "created",
            State::WouldChange => "would-change",
            State::Missing => "missing",
            State::Failed(_) => "failed",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Outcome {
    pub host: String,
    pub family: Family,
    /// What the record holds after the pass, where known.
    pub content: Option<String>,
    /// What an updated record held before.
    pub previous: Option<String>,
    pub state: State,
}

/// How a family's address was found, for the metrics.
#[derive(Clone, Debug)]
pub struct Detection {
    pub family: Family,
    /// The provider that answered; `None` when none did.
    pub provider: Option<String>,
    pub seconds: f64,
}

#[derive(Debug, Default)]
pub struct Report {
    pub ipv4: Option<IpAddr>,
    pub ipv6: Option<IpAddr>,
    pub outcomes: Vec<Outcome>,
    /// Problems that are not about one record (detection, zones).
    pub errors: Vec<String>,
    pub calls: u32,
    /// Each Cloudflare request's method and HTTP status (0: no answer).
    pub cloudflare_log: Vec<(Method, u16)>,
    pub detections: Vec<Detection>,
    /// Set when Cloudflare asked us to slow down.
    pub retry_after: Option<u64>,
    pub dry_run: bool,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.errors.is_empty()
            && self
                .outcomes
                .iter()
                .all(|o| !matches!(o.state, State::Failed(_) | State::Missing))
    }

    fn count(&self, label: &str) -> usize {
        self.outcomes
            .iter()
            .filter(|o| o.state.label() == label)
            .count()
    }

    pub fn summary(&self) -> String {
        let addr = |ip: Option<IpAddr>| ip.map_or("-".to_string(), |ip| ip.to_string());
        let mut s = format!(
            "pass {}: IPv4 {}, IPv6 {}; {} unchanged, {} updated, {} created, {} failed",
            if self.ok() { "ok" } else { "FAILED" },
            addr(self.ipv4),
            addr(self.ipv6),
            self.count("unchanged"),
            self.count("updated"),
            self.count("created"),
            self.count("failed") + self.count("missing"),
        );
        if self.dry_run {
            s.push_str(&format!(
                ", {} would change (dry run)",
                self.count("would-change")
            ));
        }
        s.push_str(&format!("; {} Cloudflare calls", self.calls));
        s
    }
}

/// One (host, family) the pass wants to hold `ip`.
struct Want {
    host: String,
    family: Family,
    ip: IpAddr,
}

pub fn run_pass(
    cfg: &Config,
    cache: &mut Cache,
    transport: &mut dyn Transport,
    now: u64,
) -> Report {
    let mut report = Report {
        dry_run: cfg.dry_run,
        ..Report::default()
    };
    let mut wants = Vec::new();
    for family in [Family::V4, Family::V6] {
        let providers = cfg.providers(family);
        if providers.is_empty() {
            continue;
        }
        let started = Instant::now();
        let found = detect::detect(family, providers, cfg.detection_timeout, transport);
        report.detections.push(Detection {
            family,
            provider: found.as_ref().ok().map(|d| d.provider.clone()),
            seconds: started.elapsed().as_secs_f64(),
        });
        match found {
            Ok(Detected { ip, .. }) => {
                match family {
                    Family::V4 => report.ipv4 = Some(ip),
                    Family::V6 => report.ipv6 = Some(ip),
                }
                wants.extend(cfg.hosts.iter().map(|h| Want {
                    host: h.clone(),
                    family,
                    ip,
                }));
            }
            Err(why) => {
                let msg = format!(
                    "no {} address detected, {} records left as they are ({why})",
                    family.name(),
                    family.record_type()
                );
                crate::error!("{msg}");
                report.errors.push(msg);
            }
        }
    }
    let mut client = Client::new(&cfg.api_url, &cfg.auth, cfg.update_timeout, transport);
    let mut pass = Pass {
        cfg,
        cache,
        client: &mut client,
        report: &mut report,
        now,
    };
    pass.sync(wants);
    report.calls = client.calls;
    report.cloudflare_log = client.log;
    report
}

struct Pass<'p, 'c> {
    cfg: &'p Config,
    cache: &'p mut Cache,
    client: &'p mut Client<'c>,
    report: &'p mut Report,
    now: u64,
}

impl Pass<'_, '_> {
    fn sync(&mut self, wants: Vec<Want>) {
        if wants.is_empty() {
            return;
        }
        if let Err(e) = self.resolve_zones() {
            self.fail_all(wants, &format!("cannot look up zones: {e}"), &e);
            return;
        }
        let mut by_zone: Vec<(Zone, Vec<Want>)> = Vec::new();
        for want in wants {
            match self.cache.zones.get(&want.host) {
                Some(ZoneEntry::Found(zone)) => {
                    match by_zone.iter_mut().find(|(z, _)| z.id == zone.id) {
                        Some((_, list)) => list.push(want),
                        None => by_zone.push((zone.clone(), vec![want])),
                    }
                }
                _ => {
                    let msg = format!(
                        "{} is in no zone these credentials can see; check that the token's zone resources include its zone (Zone:Read, DNS:Edit)",
                        want.host
                    );
                    crate::error!("{msg}");
                    self.push(&want, None, State::Failed(msg));
                }
            }
        }
        let mut zones = by_zone.into_iter();
        for (zone, list) in zones.by_ref() {
            if let Err(CfError::Throttled { retry_after }) = self.sync_zone(&zone, list) {
                self.report.retry_after = retry_after.or(Some(60));
                break;
            }
        }
        for (_, list) in zones {
            self.fail_all(
                list,
                "skipped: Cloudflare is throttling",
                &CfError::Throttled { retry_after: None },
            );
        }
    }

    fn push(&mut self, want: &Want, content: Option<String>, state: State) {
        self.report.outcomes.push(Outcome {
            host: want.host.clone(),
            family: want.family,
            content,
            previous: None,
            state,
        });
    }

    /// A record this pass wrote: it now holds the wanted address.
    fn push_written(&mut self, want: &Want, action: &Action) {
        crate::info!("{}", past(action));
        let (state, previous) = match action {
            Action::Update { old, .. } => (State::Updated, Some(old.clone())),
            _ => (State::Created, None),
        };
        self.push(want, Some(want.ip.to_string()), state);
        if let Some(last) = self.report.outcomes.last_mut() {
            last.previous = previous;
        }
    }

    fn fail_all(&mut self, wants: Vec<Want>, msg: &str, cause: &CfError) {
        crate::error!("{msg}");
        if let CfError::Throttled { retry_after } = cause {
            self.report.retry_after = self.report.retry_after.or(*retry_after);
        }
        for want in &wants {
            self.push(want, None, State::Failed(msg.to_string()));
        }
    }

    fn expired(&self, at: u64) -> bool {
        self.cfg.record_cache_ttl == 0 || self.now.saturating_sub(at) >= self.cfg.record_cache_ttl
    }

    /// Finds the zone of every host not yet known: the longest suffix that is a visible zone.
    fn resolve_zones(&mut self) -> Result<(), CfError> {
        let unknown: Vec<String> = self
            .cfg
            .hosts
            .iter()
            .filter(|h| match self.cache.zones.get(*h) {
                None => true,
                Some(ZoneEntry::NotFound { at }) => self.expired(*at),
                Some(ZoneEntry::Found(_)) => false,
            })
            .cloned()
            .collect();
        if unknown.is_empty() {
            return Ok(());
        }
        let mut candidates: Vec<&str> = unknown.iter().flat_map(|h| zone_candidates(h)).collect();
        candidates.sort_unstable();
        candidates.dedup();
        let known = self.zones_to_match(candidates.len())?;
        let mut looked_up: HashMap<String, Option<Zone>> = HashMap::new();
        for host in &unknown {
            let zone = match &known {
                Some(all) => longest_match(host, all),
                None => self.walk(host, &mut looked_up)?,
            };
            let entry = match zone {
                Some(z) => {
                    crate::debug!("{host} is in zone {} ({})", z.name, z.id);
                    ZoneEntry::Found(z)
                }
                None => ZoneEntry::NotFound { at: self.now },
            };
            self.cache.zones.insert(host.clone(), entry);
        }
        Ok(())
    }

    /// Lists every zone when that takes no more calls than asking for each candidate name;
    /// `None` means walking the names is cheaper.
    fn zones_to_match(&mut self, candidates: usize) -> Result<Option<Vec<Zone>>, CfError> {
        if candidates <= 1 {
            return Ok(None);
        }
        let first = self.client.zones_page(None, 1)?;
        if first.total_pages as usize - 1 > candidates {
            return Ok(None);
        }
        let mut all = first.items;
        for page in 2..=first.total_pages {
            all.extend(self.client.zones_page(None, page)?.items);
        }
        Ok(Some(all))
    }

    fn walk(
        &mut self,
        host: &str,
        looked_up: &mut HashMap<String, Option<Zone>>,
    ) -> Result<Option<Zone>, CfError> {
        for suffix in zone_candidates(host) {
            let found = match looked_up.get(suffix) {
                Some(z) => z.clone(),
                None => {
                    let page = self.client.zones_page(Some(suffix), 1)?;
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

    fn sync_zone(&mut self, zone: &Zone, wants: Vec<Want>) -> Result<(), CfError> {
        if let Err(e) = self.ensure_records(zone) {
            let msg = format!("cannot read the records of zone {}: {e}", zone.name);
            self.cache.drop_zone(zone, e.is_stale_id());
            self.fail_all(wants, &msg, &e);
            return Err(e);
        }
        let policy = CreatePolicy {
            allowed: self.cfg.allow_create,
            ttl: self.cfg.ttl,
            proxied: self.cfg.proxied,
            comment: self.cfg.comment.clone(),
        };
        let mut writes: Vec<(Want, Action)> = Vec::new();
        for want in wants {
            let records = self.zone_records(zone);
            let decision = reconcile::decide(
                &want.host,
                want.family.record_type(),
                want.ip,
                records,
                &policy,
            );
            for w in &decision.warnings {
                crate::warn!("{w}");
            }
            match decision.action {
                Action::Keep(r) => {
                    crate::debug!("{} {} holds {}", want.host, r.rtype, r.content);
                    self.push(&want, Some(r.content), State::Unchanged);
                }
                Action::Missing => {
                    crate::warn!(
                        "{} has no {} record; set ALLOW_CREATE_HOSTS=true to let dyncfdns create it",
                        want.host,
                        want.family.record_type()
                    );
                    self.push(&want, None, State::Missing);
                }
                Action::Blocked(msg) => {
                    crate::error!("{msg}");
                    self.push(&want, None, State::Failed(msg));
                }
                action if self.cfg.dry_run => {
                    crate::info!("dry run: would {}", describe(&action));
                    self.push(&want, None, State::WouldChange);
                }
                action => writes.push((want, action)),
            }
        }
        self.write(zone, writes)
    }

    fn zone_records(&self, zone: &Zone) -> &[Record] {
        self.cache
            .records
            .get(&zone.id)
            .map_or(&[][..], |f| f.records.as_slice())
    }

    /// Reads the zone's records on the managed names, unless the cache is still fresh.
    fn ensure_records(&mut self, zone: &Zone) -> Result<(), CfError> {
        if let Some(f) = self.cache.records.get(&zone.id) {
            if !self.expired(f.at) {
                return Ok(());
            }
        }
        let names: Vec<String> = self
            .cfg
            .hosts
            .iter()
            .filter(|h| matches!(self.cache.zones.get(*h), Some(ZoneEntry::Found(z)) if z.id == zone.id))
            .cloned()
            .collect();
        let mut records = Vec::new();
        if names.len() == 1 {
            records = self.records_named(zone, &names[0])?;
        } else {
            let first = self.client.records_page(&zone.id, None, 1)?;
            if first.total_pages as usize - 1 > names.len() {
                for name in &names {
                    records.extend(self.records_named(zone, name)?);
                }
            } else {
                records = first.items;
                for page in 2..=first.total_pages {
                    records.extend(self.client.records_page(&zone.id, None, page)?.items);
                }
            }
        }
        records.retain(|r| {
            matches!(r.rtype.as_str(), "A" | "AAAA" | "CNAME")
                && names.iter().any(|n| n.eq_ignore_ascii_case(&r.name))
        });
        self.cache.records.insert(
            zone.id.clone(),
            Fetched {
                at: self.now,
                records,
            },
        );
        Ok(())
    }

    fn records_named(&mut self, zone: &Zone, name: &str) -> Result<Vec<Record>, CfError> {
        let first = self.client.records_page(&zone.id, Some(name), 1)?;
        let mut out = first.items;
        for page in 2..=first.total_pages {
            out.extend(self.client.records_page(&zone.id, Some(name), page)?.items);
        }
        Ok(out)
    }

    fn write(&mut self, zone: &Zone, writes: Vec<(Want, Action)>) -> Result<(), CfError> {
        if writes.len() >= 2 {
            match self.write_batch(zone, &writes) {
                Ok(()) => return Ok(()),
                Err(e @ CfError::Api { .. }) => {
                    crate::warn!(
                        "batch write to zone {} refused ({e}); sending one call per record",
                        zone.name
                    );
                }
                Err(e) => {
                    let msg = format!("writing to zone {} failed: {e}", zone.name);
                    self.cache.drop_zone(zone, e.is_stale_id());
                    self.fail_all(writes.into_iter().map(|(w, _)| w).collect(), &msg, &e);
                    return Err(e);
                }
            }
        }
        let mut result = Ok(());
        for (want, action) in writes {
            if let Err(e) = self.write_one(zone, &want, action) {
                let msg = format!("{} {}: {e}", want.host, want.family.record_type());
                self.cache.drop_zone(zone, e.is_stale_id());
                self.fail_all(vec![want], &msg, &e);
                if matches!(e, CfError::Throttled { .. }) {
                    return Err(e);
                }
                result = Err(e);
            }
        }
        result
    }

    fn write_batch(&mut self, zone: &Zone, writes: &[(Want, Action)]) -> Result<(), CfError> {
        let patches: Vec<Patch> = writes
            .iter()
            .filter_map(|(_, a)| match a {
                Action::Update { patch, .. } => Some(patch.clone()),
                _ => None,
            })
            .collect();
        let posts: Vec<NewRecord> = writes
            .iter()
            .filter_map(|(_, a)| match a {
                Action::Create(n) => Some(n.clone()),
                _ => None,
            })
            .collect();
        let (patched, posted) = self.client.batch(&zone.id, &[], &patches, &posts)?;
        for (want, action) in writes {
            self.push_written(want, action);
        }
        for record in patched.into_iter().chain(posted) {
            self.remember(zone, record);
        }
        Ok(())
    }

    fn write_one(&mut self, zone: &Zone, want: &Want, action: Action) -> Result<(), CfError> {
        let record = match &action {
            Action::Update { patch, .. } => self.client.patch(&zone.id, patch)?,
            Action::Create(new) => match self.client.create(&zone.id, new) {
                Ok(r) => r,
                Err(e) if e.is_already_exists() => return self.adopt_existing(zone, want),
                Err(e) => return Err(e),
            },
            _ => return Ok(()),
        };
        self.remember(zone, record);
        self.push_written(want, &action);
        Ok(())
    }

    /// Someone created the record between our read and our write: read it and converge.
    fn adopt_existing(&mut self, zone: &Zone, want: &Want) -> Result<(), CfError> {
        let rtype = want.family.record_type();
        crate::info!("{} {rtype} already exists; reading it again", want.host);
        let records = self.records_named(zone, &want.host)?;
        for r in &records {
            self.remember(zone, r.clone());
        }
        let no_create = CreatePolicy {
            allowed: false,
            ttl: 1,
            proxied: false,
            comment: None,
        };
        match reconcile::decide(&want.host, rtype, want.ip, &records, &no_create).action {
            Action::Keep(r) => {
                self.push(want, Some(r.content), State::Unchanged);
                Ok(())
            }
            action @ Action::Update { .. } => self.write_one(zone, want, action),
            _ => Err(CfError::Malformed(format!(
                "Cloudflare says {} {rtype} exists but does not list it",
                want.host
            ))),
        }
    }

    fn remember(&mut self, zone: &Zone, record: Record) {
        let fetched = self
            .cache
            .records
            .entry(zone.id.clone())
            .or_insert(Fetched {
                at: self.now,
                records: Vec::new(),
            });
        match fetched.records.iter_mut().find(|r| r.id == record.id) {
            Some(slot) => *slot = record,
            None => fetched.records.push(record),
        }
    }
}

/// For DELETE_ON_STOP: deletes the records this process manages (for each host and type, the
/// one it kept), and nothing else. Only records it has read are known; one batch per zone, or
/// one call each if the batch is refused. Returns how many were deleted.
pub fn delete_managed(cfg: &Config, cache: &mut Cache, transport: &mut dyn Transport) -> usize {
    let mut client = Client::new(&cfg.api_url, &cfg.auth, cfg.update_timeout, transport);
    let mut deleted = 0;
    for (zone_id, fetched) in &cache.records {
        let mut doomed: Vec<&Record> = Vec::new();
        for host in &cfg.hosts {
            let in_zone =
                matches!(cache.zones.get(host), Some(ZoneEntry::Found(z)) if &z.id == zone_id);
            for family in [Family::V4, Family::V6] {
                if in_zone && !cfg.providers(family).is_empty() {
                    doomed.extend(reconcile::managed(
                        host,
                        family.record_type(),
                        &fetched.records,
                    ));
                }
            }
        }
        let ids: Vec<String> = doomed.iter().map(|r| r.id.clone()).collect();
        let batched = ids.len() >= 2 && client.batch(zone_id, &ids, &[], &[]).is_ok();
        for r in &doomed {
            let result = if batched {
                Ok(())
            } else {
                client.delete(zone_id, &r.id)
            };
            match result {
                Ok(()) => {
                    crate::info!(
                        "deleted {} {} {} (DELETE_ON_STOP)",
                        r.name,
                        r.rtype,
                        r.content
                    );
                    deleted += 1;
                }
                Err(e) => crate::error!("cannot delete {} {}: {e}", r.name, r.rtype),
            }
        }
    }
    cache.records.clear();
    deleted
}

fn describe(action: &Action) -> String {
    match action {
        Action::Update { patch, old } => format!(
            "update {} {} from {old} to {}",
            patch.name, patch.rtype, patch.content
        ),
        Action::Create(n) => format!("create {} {} {}", n.name, n.rtype, n.content),
        _ => String::new(),
    }
}

fn past(action: &Action) -> String {
    match action {
        Action::Update { patch, old } => format!(
            "updated {} {}: {old} -> {}",
            patch.name, patch.rtype, patch.content
        ),
        Action::Create(n) => format!("created {} {} {}", n.name, n.rtype, n.content),
        _ => String::new(),
    }
}

/// The names that could be the host's zone, longest first; a wildcard label is never one,
/// and neither is a bare top-level domain.
fn zone_candidates(host: &str) -> Vec<&str> {
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

fn longest_match(host: &str, zones: &[Zone]) -> Option<Zone> {
    zone_candidates(host).into_iter().find_map(|c| {
        zones
            .iter()
            .find(|z| z.name.eq_ignore_ascii_case(c))
            .cloned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_walk_from_longest() {
        assert_eq!(
            zone_candidates("a.b.example.com"),
            vec!["a.b.example.com", "b.example.com", "example.com"]
        );
        assert_eq!(zone_candidates("*.example.com"), vec!["example.com"]);
        assert_eq!(zone_candidates("example.com"), vec!["example.com"]);
    }

    #[test]
    fn the_longest_zone_wins() {
        let zones = vec![
            Zone {
                id: "1".into(),
                name: "example.com".into(),
            },
            Zone {
                id: "2".into(),
                name: "sub.example.com".into(),
            },
        ];
        assert_eq!(longest_match("a.sub.example.com", &zones).unwrap().id, "2");
        assert_eq!(longest_match("a.example.com", &zones).unwrap().id, "1");
        assert_eq!(longest_match("sub.example.com", &zones).unwrap().id, "2");
        assert!(longest_match("a.example.org", &zones).is_none());
        assert!(longest_match("notexample.com", &zones).is_none());
    }
}
