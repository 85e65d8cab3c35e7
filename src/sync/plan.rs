//! A pass's read-and-decide stage: each host's zone, each zone's records (cached), and what
//! would change. Nothing is written here: `confirm` and the write stage come after.

use super::cache::{Cache, Known};
use super::pass::Pass;
use super::read;
use super::report::{Failure, Outcome, State, Want};
use super::zones;
use crate::cloudflare::CfError;
use crate::dns::{RecordType, Zone};
use crate::reconcile::{self, Action, Write};

/// The changes the records need, zone by zone: only updates and creates.
#[derive(Default)]
pub struct Plan {
    pub zones: Vec<(Zone, Vec<(Want, Write)>)>,
}

impl Plan {
    pub fn changes(&self) -> impl Iterator<Item = &(Want, Write)> {
        self.zones.iter().flat_map(|(_, c)| c)
    }
}

impl Pass<'_, '_> {
    pub fn plan(&mut self, wants: Vec<Want>) -> Plan {
        let mut plan = Plan::default();
        if wants.is_empty() {
            return plan;
        }
        if let Err(error) = zones::resolve(&self.cfg.hosts, self.cache, self.client) {
            let context = "cannot look up zones".to_string();
            self.fail_all(wants, Failure::Cloudflare { context, error });
            return plan;
        }
        let mut zones = self.by_zone(wants).into_iter();
        for (zone, list) in zones.by_ref() {
            match self.plan_zone(&zone, list) {
                Ok(changes) if changes.is_empty() => {}
                Ok(changes) => plan.zones.push((zone, changes)),
                Err(e) => {
                    if let Some(stop) = self.stops(&e) {
                        for (_, list) in zones {
                            self.skip(list, stop);
                        }
                        break;
                    }
                }
            }
        }
        plan
    }

    /// The wants grouped by zone; a host in no zone fails here.
    fn by_zone(&mut self, wants: Vec<Want>) -> Vec<(Zone, Vec<Want>)> {
        let mut by_zone: Vec<(Zone, Vec<Want>)> = Vec::new();
        for want in wants {
            match self.cache.zone(&want.host) {
                Known::In(zone) => match by_zone.iter_mut().find(|(z, _)| z.id == zone.id) {
                    Some((_, list)) => list.push(want),
                    None => by_zone.push((zone.clone(), vec![want])),
                },
                // Unknown only if the lookup just made could not place it.
                Known::InNone | Known::Unknown => {
                    let failure = Failure::NoZone {
                        host: want.host.clone(),
                    };
                    crate::error!("{failure}");
                    self.push(&want, None, State::Failed(failure));
                }
            }
        }
        by_zone
    }

    /// Before a write: a write carries the ttl and proxy setting it read, so unless the zone
    /// was read in this pass its records are read afresh and the changes decided again: a
    /// change made in the dashboard since the cached read is never reverted. Only believed
    /// changes come here, so an address waiting for its second answer costs no read.
    pub fn refresh(
        &mut self,
        zone: &Zone,
        changes: Vec<(Want, Write)>,
    ) -> Result<Vec<(Want, Write)>, CfError> {
        if self.cache.read_this_pass(&zone.id) {
            return Ok(changes);
        }
        self.cache.invalidate(zone, false);
        // A set's changes share its want: decided again once, and what the first decision
        // said of its other records is said again.
        let mut wants: Vec<Want> = Vec::new();
        for (w, _) in changes {
            if !wants.contains(&w) {
                wants.push(w);
            }
        }
        let again = |o: &Outcome| {
            wants
                .iter()
                .any(|w| w.host == o.host && w.family == o.family)
        };
        self.report.outcomes.retain(|o| !again(o));
        self.plan_zone(zone, wants)
    }

    /// Records the outcome of a decision that needs no write; returns the write it needs.
    fn settle(&mut self, want: &Want, action: Action) -> Option<Write> {
        match action {
            Action::Keep(r) => {
                crate::debug!("{} {} holds {}", want.host, r.rtype, r.content);
                self.push(want, Some(r.content.to_string()), State::Unchanged);
            }
            Action::Missing => {
                // Warned about once by whoever runs passes (`missing_news`), not every pass.
                crate::debug!("{} has no {} record", want.host, want.family.record_type());
                self.push(want, None, State::Missing);
            }
            Action::Blocked(msg) => {
                crate::error!("{msg}");
                self.push(want, None, State::Failed(Failure::Blocked(msg)));
            }
            Action::Write(write) => return Some(write),
        }
        None
    }

    fn plan_zone(&mut self, zone: &Zone, wants: Vec<Want>) -> Result<Vec<(Want, Write)>, CfError> {
        if let Err(error) = read::ensure_records(
            &self.cfg.hosts,
            self.cfg.owned.as_ref(),
            zone,
            self.cache,
            self.client,
        ) {
            self.cache.invalidate(zone, error.is_stale_id());
            let context = format!("cannot read the records of zone {}", zone.name);
            let failure = Failure::Cloudflare {
                context,
                error: error.clone(),
            };
            self.fail_all(wants, failure);
            return Err(error);
        }
        let index = reconcile::index_by_name(self.cache.records(&zone.id).unwrap_or_default());
        let mut changes = Vec::new();
        for want in wants {
            if let Some(failure) = unreadable(self.cache, zone, &want) {
                crate::error!("{failure}");
                self.push(&want, None, State::Failed(failure));
                continue;
            }
            let records = reconcile::on_name(&index, &want.host);
            let rtype = want.family.record_type();
            let actions = match (want.set, want.ips.as_slice()) {
                (false, [ip]) => {
                    let decision =
                        reconcile::decide(&want.host, rtype, *ip, records, &self.cfg.create);
                    for w in &decision.warnings {
                        crate::warn!("{w}");
                    }
                    vec![decision.action]
                }
                _ => reconcile::decide_set(&want.host, rtype, &want.ips, records, &self.cfg.create)
                    .into_iter()
                    .map(|(_, action)| action)
                    .collect(),
            };
            for action in actions {
                if let Some(write) = self.settle(&want, action) {
                    changes.push((want.clone(), write));
                }
            }
        }
        Ok(changes)
    }
}

/// A record on the host's name that could not be read and could be the one to manage (same
/// type, or a CNAME): the host fails, naming the field; nothing is written for it.
fn unreadable(cache: &Cache, zone: &Zone, want: &Want) -> Option<Failure> {
    let rtype = want.family.record_type();
    cache
        .unreadable(&zone.id)
        .iter()
        .find(|u| u.name.eq_ignore_ascii_case(&want.host) && (u.rtype == rtype || u.rtype == RecordType::Cname))
        .map(|u| {
            Failure::Blocked(format!(
                "{} {}: Cloudflare lists a {} record on it that cannot be read ({}); it is left alone",
                want.host, rtype, u.rtype, u.why
            ))
        })
}
