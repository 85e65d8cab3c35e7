//! One sync pass: detect the addresses, find each host's zone and records (cached), decide,
//! and write what differs, batched per zone.

use super::cache::Cache;
use super::report::{Detection, Failure, Outcome, PassError, Report, State, Want};
use super::{read, writes, zones};
use crate::cloudflare::{CfError, Client};
use crate::config::{Config, Family};
use crate::detect::{self, Detected};
use crate::dns::Zone;
use crate::reconcile::{self, Action};
use crate::transport::{Deadline, Transport};
use std::time::{Duration, Instant};

pub fn run_pass(
    cfg: &Config,
    cache: &mut Cache,
    transport: &mut dyn Transport,
    now: u64,
) -> Report {
    let mut report = Report {
        dry_run: cfg.lifecycle.dry_run,
        ..Report::default()
    };
    let wants = detect_all(cfg, transport, &mut report);
    cache.begin(now, cfg.cloudflare.cache_ttl);
    // However slow Cloudflare is, the pass's calls end in time (see `bounds`).
    let phase = Duration::from_secs(crate::bounds::cloudflare_phase(cfg.cloudflare.timeout));
    let mut bounded = Deadline {
        inner: transport,
        until: Instant::now() + phase,
    };
    let mut client = Client::new(&cfg.cloudflare, &mut bounded);
    let mut pass = Pass {
        cfg,
        cache,
        client: &mut client,
        report: &mut report,
    };
    pass.sync(wants);
    report.calls = client.calls;
    report.cloudflare_log = client.log;
    report
}

/// The address of each family that has providers; the hosts of a family whose address was
/// not found are reported as not attempted, so no state from an earlier pass lingers.
fn detect_all(cfg: &Config, transport: &mut dyn Transport, report: &mut Report) -> Vec<Want> {
    let mut wants = Vec::new();
    for family in cfg.families() {
        let started = Instant::now();
        let found = detect::detect(
            family,
            cfg.providers(family),
            cfg.detection.timeout,
            transport,
        );
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
                wants.extend(cfg.hosts_for(family).iter().map(|h| Want {
                    host: h.clone(),
                    family,
                    ip,
                }));
            }
            Err(failure) => {
                let error = PassError::NoAddress { family, failure };
                crate::error!("{error}");
                report.errors.push(error);
                for host in cfg.hosts_for(family) {
                    report.outcomes.push(Outcome {
                        host: host.clone(),
                        family,
                        content: None,
                        previous: None,
                        state: State::NotAttempted,
                    });
                }
            }
        }
    }
    wants
}

struct Pass<'p, 'c> {
    cfg: &'p Config,
    cache: &'p mut Cache,
    client: &'p mut Client<'c>,
    report: &'p mut Report,
}

impl Pass<'_, '_> {
    fn sync(&mut self, wants: Vec<Want>) {
        if wants.is_empty() {
            return;
        }
        if let Err(error) = zones::resolve(&self.cfg.hosts, self.cache, self.client) {
            let context = "cannot look up zones".to_string();
            self.fail_all(wants, Failure::Cloudflare { context, error });
            return;
        }
        let mut by_zone: Vec<(Zone, Vec<Want>)> = Vec::new();
        for want in wants {
            match self.cache.zone(&want.host).flatten() {
                Some(zone) => match by_zone.iter_mut().find(|(z, _)| z.id == zone.id) {
                    Some((_, list)) => list.push(want),
                    None => by_zone.push((zone.clone(), vec![want])),
                },
                None => {
                    let failure = Failure::NoZone {
                        host: want.host.clone(),
                    };
                    crate::error!("{failure}");
                    self.push(&want, None, State::Failed(failure));
                }
            }
        }
        let mut zones = by_zone.into_iter();
        let mut stopping = false;
        for (zone, list) in zones.by_ref() {
            match self.sync_zone(&zone, list) {
                Err(CfError::Throttled { retry_after }) => {
                    self.report.retry_after = retry_after.or(Some(60));
                    break;
                }
                Err(e) if e.is_unreachable() => {
                    stopping = true;
                    break;
                }
                _ => {}
            }
        }
        for (_, list) in zones {
            if stopping {
                for want in &list {
                    self.push(want, None, State::NotAttempted);
                }
            } else {
                self.fail_all(list, Failure::Throttled);
            }
        }
    }

    /// Reads the zone's records (from the cache if fresh). A write carries the ttl and proxy
    /// setting it read, so when something must change they are read afresh first: a change
    /// made in the dashboard since the cached read is never reverted.
    fn read_for(&mut self, zone: &Zone, wants: &[Want]) -> Result<(), CfError> {
        read::ensure_records(&self.cfg.hosts, zone, self.cache, self.client)?;
        let stale = !self.cache.read_this_pass(&zone.id);
        if stale && !self.cfg.lifecycle.dry_run && self.must_write(zone, wants) {
            self.cache.invalidate(zone, false);
            read::ensure_records(&self.cfg.hosts, zone, self.cache, self.client)?;
        }
        Ok(())
    }

    /// Whether any of the zone's records would be created or changed, by the cached view.
    fn must_write(&self, zone: &Zone, wants: &[Want]) -> bool {
        let index = reconcile::by_name(self.cache.records(&zone.id).unwrap_or_default());
        wants.iter().any(|w| {
            let d = reconcile::decide(
                &w.host,
                w.family.record_type(),
                w.ip,
                reconcile::on_name(&index, &w.host),
                &self.cfg.create,
            );
            matches!(d.action, Action::Update { .. } | Action::Create(_))
        })
    }

    fn push(&mut self, want: &Want, content: Option<String>, state: State) {
        self.report.outcomes.push(want.outcome(state, content));
    }

    fn fail_all(&mut self, wants: Vec<Want>, failure: Failure) {
        if !failure.is_abandoned() {
            crate::error!("{failure}");
        }
        if let Failure::Cloudflare {
            error: CfError::Throttled { retry_after },
            ..
        } = &failure
        {
            self.report.retry_after = self.report.retry_after.or(*retry_after);
        }
        for want in &wants {
            self.push(want, None, State::from_failure(failure.clone()));
        }
    }

    /// Records the outcome of a decision that needs no write; returns the action that does.
    fn settle(&mut self, want: &Want, action: Action) -> Option<Action> {
        match action {
            Action::Keep(r) => {
                crate::debug!("{} {} holds {}", want.host, r.rtype, r.content);
                self.push(want, Some(r.content), State::Unchanged);
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
            action if self.cfg.lifecycle.dry_run => {
                crate::info!("dry run: would {}", writes::describe(&action));
                // What the record holds (nothing yet, for a create): unchanged by a dry run.
                let holds = match &action {
                    Action::Update { old, .. } => Some(old.clone()),
                    _ => None,
                };
                self.push(want, holds, State::WouldChange);
            }
            action => return Some(action),
        }
        None
    }

    fn sync_zone(&mut self, zone: &Zone, wants: Vec<Want>) -> Result<(), CfError> {
        if let Err(error) = self.read_for(zone, &wants) {
            self.cache.invalidate(zone, error.is_stale_id());
            let context = format!("cannot read the records of zone {}", zone.name);
            let failure = Failure::Cloudflare {
                context,
                error: error.clone(),
            };
            self.fail_all(wants, failure);
            return Err(error);
        }
        let index = reconcile::by_name(self.cache.records(&zone.id).unwrap_or_default());
        let mut changes: Vec<(Want, Action)> = Vec::new();
        for want in wants {
            if let Some(failure) = unreadable(self.cache, zone, &want) {
                crate::error!("{failure}");
                self.push(&want, None, State::Failed(failure));
                continue;
            }
            let decision = reconcile::decide(
                &want.host,
                want.family.record_type(),
                want.ip,
                reconcile::on_name(&index, &want.host),
                &self.cfg.create,
            );
            for w in &decision.warnings {
                crate::warn!("{w}");
            }
            if let Some(action) = self.settle(&want, decision.action) {
                changes.push((want, action));
            }
        }
        let written = writes::write(self.client, self.cache, zone, changes);
        self.report.outcomes.extend(written.outcomes);
        match written.stop {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}

/// A record on the host's name that could not be read and could be the one to manage (same
/// type, or a CNAME): the host fails, naming the field; nothing is written for it.
fn unreadable(cache: &Cache, zone: &Zone, want: &Want) -> Option<Failure> {
    let rtype = want.family.record_type();
    cache
        .unreadable(&zone.id)
        .iter()
        .find(|u| u.name.eq_ignore_ascii_case(&want.host) && (u.rtype == rtype || u.rtype == "CNAME"))
        .map(|u| {
            Failure::Blocked(format!(
                "{} {}: Cloudflare lists a {} record on it that cannot be read ({}); it is left alone",
                want.host, rtype, u.rtype, u.why
            ))
        })
}
