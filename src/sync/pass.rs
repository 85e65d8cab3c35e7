//! One sync pass in three stages: detect the addresses; read and decide (`plan`); ask for a
//! second answer where a new address would be written (`confirm`); write what is believed,
//! batched per zone.

use super::cache::Cache;
use super::confirm::{self, Verdict};
use super::lists::{self, Planned};
use super::plan::Plan;
use super::report::{Detection, Failure, Outcome, PassError, Report, State, Want};
use super::wants;
use super::writes;
use crate::cloudflare::{CfError, Client, Spent};
use crate::config::{Config, Family};
use crate::detect::{self, Detected};
use crate::filter::Filter;
use crate::reconcile::Write;
use crate::transport::{Deadline, Transport};
use std::net::IpAddr;
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
    let found = detect_all(cfg, transport, &mut report);
    let wants = wants::wants_of(cfg, &found, &mut report);
    cache.begin(now, cfg.cloudflare.cache_ttl);
    // However slow Cloudflare is, the pass's calls end in time (see `bounds`); waiting for a
    // second answer pauses that clock rather than spending it.
    let phase = Duration::from_secs(crate::bounds::cloudflare_phase(cfg.cloudflare.timeout));
    let mut until = Instant::now() + phase;
    let mut stage = Stage {
        cfg,
        cache,
        report: &mut report,
        spent: Spent::default(),
    };
    let plan = stage.run(transport, until, |p| p.plan(wants));
    let wanted = lists::wanted(cfg, &found);
    let lists = stage.run(transport, until, |p| lists::plan(p, &wanted));
    let asking = Instant::now();
    let changing = confirm::families(
        plan.changes()
            .map(|(w, _)| w.family)
            .chain(lists::changing(&lists)),
    );
    let verdicts = confirm_changes(
        cfg,
        stage.cache,
        &found,
        (&changing, &lists),
        transport,
        stage.report,
    );
    until += asking.elapsed();
    stage.run(transport, until, |p| {
        p.write(plan, &verdicts);
        lists::write(p, lists, &verdicts);
    });
    let spent = stage.spent;
    report.calls = spent.calls;
    report.cloudflare_log = spent.log;
    report
}

/// What the Cloudflare stages share; each stage gets a client that goes on from the last.
struct Stage<'s> {
    cfg: &'s Config,
    cache: &'s mut Cache,
    report: &'s mut Report,
    spent: Spent,
}

impl Stage<'_> {
    fn run<T>(
        &mut self,
        transport: &mut dyn Transport,
        until: Instant,
        f: impl FnOnce(&mut Pass) -> T,
    ) -> T {
        let mut bounded = Deadline {
            inner: transport,
            until,
        };
        let spent = std::mem::take(&mut self.spent);
        let mut client = Client::resume(&self.cfg.cloudflare, &mut bounded, spent);
        let mut pass = Pass {
            cfg: self.cfg,
            cache: self.cache,
            client: &mut client,
            report: self.report,
            until,
        };
        let out = f(&mut pass);
        self.spent = client.spent();
        out
    }
}

/// The address of each family that has providers; the hosts of a family whose address was
/// not found are reported as not attempted, so no state from an earlier pass lingers.
fn detect_all(
    cfg: &Config,
    transport: &mut dyn Transport,
    report: &mut Report,
) -> Vec<(Family, Detected)> {
    let mut found = Vec::new();
    for family in cfg.families() {
        let started = Instant::now();
        let providers = cfg.providers(family);
        let answer = detect::detect(family, providers, cfg.detection.timeout, transport);
        report.detections.push(Detection {
            family,
            provider: answer.as_ref().ok().map(|d| d.provider.clone()),
            seconds: started.elapsed().as_secs_f64(),
        });
        let error = match answer {
            Ok(mut detected) => match filtered(cfg.filter(family), &mut detected) {
                Ok(()) => {
                    match family {
                        Family::V4 => report.ipv4 = detected.first(),
                        Family::V6 => report.ipv6 = detected.first(),
                    }
                    found.push((family, detected));
                    continue;
                }
                Err(dropped) => {
                    let provider = detected.provider;
                    let error = PassError::Filtered {
                        family,
                        provider,
                        dropped,
                    };
                    crate::warn!("{error}");
                    error
                }
            },
            Err(failure) => {
                let error = PassError::NoAddress { family, failure };
                crate::error!("{error}");
                error
            }
        };
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
    found
}

/// Keeps the detected addresses the family's filter keeps; when it keeps none of some, the
/// family is skipped (its records left as they are): those are returned. `static.empty`
/// (no address) passes any filter.
fn filtered(filter: Option<&Filter>, detected: &mut Detected) -> Result<(), Vec<IpAddr>> {
    let Some(filter) = filter else {
        return Ok(());
    };
    let all = detected.ips();
    detected
        .nets
        .retain(|n| crate::filter::keeps(filter, &n.ip));
    match (all.is_empty(), detected.nets.is_empty()) {
        (false, true) => Err(all),
        (true, _) | (false, false) => Ok(()),
    }
}

/// Each family's verdict on its new address, asking a second provider where it must; a
/// family whose records already hold the detected address is believed from then on.
fn confirm_changes(
    cfg: &Config,
    cache: &mut Cache,
    found: &[(Family, Detected)],
    (changing, lists): (&[Family], &[Planned]),
    transport: &mut dyn Transport,
    report: &mut Report,
) -> Vec<(Family, Verdict)> {
    let mut verdicts = Vec::new();
    for (family, first) in found {
        let belief = cache.beliefs.of(*family);
        // A remote provider's answer is one address; a set (static:, file:, interface:) is
        // the machine's or the user's word, believed as it is.
        let (Some(ip), false) = (first.first(), first.nets.len() > 1) else {
            verdicts.push((*family, Verdict::Believed));
            continue;
        };
        if !changing.contains(family) {
            let holds = |o: &Outcome| o.family == *family && o.state == State::Unchanged;
            if report.outcomes.iter().any(holds) || lists::hold(lists, *family) {
                belief.holds(ip);
            }
            continue;
        }
        let provider = cfg.providers(*family).get(first.index);
        let asks =
            provider.is_some_and(|p| confirm::needs_second(cfg.detection.confirm, p, belief, ip));
        let verdict = if asks {
            let second = confirm::second_answer(cfg, *family, first, transport);
            confirm::judge(*family, (&first.provider, ip), second)
        } else {
            Verdict::Believed
        };
        cache.beliefs.of(*family).settle(ip, &verdict);
        match &verdict {
            Verdict::Believed => {}
            Verdict::Doubted(doubt) => {
                crate::warn!("{doubt}");
                report.errors.push(PassError::Doubt(doubt.clone()));
            }
            Verdict::Unconfirmed => crate::info!(
                "{} {} from {} is new and no other provider answered: written once a next try gives it again",
                family.name(),
                ip,
                first.provider
            ),
        }
        verdicts.push((*family, verdict));
    }
    verdicts
}

/// Why the rest of a pass's Cloudflare work is not done.
#[derive(Clone, Copy)]
pub(super) enum Stop {
    Throttled,
    Unreachable,
}

pub(super) struct Pass<'p, 'c> {
    pub cfg: &'p Config,
    pub cache: &'p mut Cache,
    pub client: &'p mut Client<'c>,
    pub report: &'p mut Report,
    /// When the stage's Cloudflare time ends (waits between calls stop there too).
    pub until: Instant,
}

impl Pass<'_, '_> {
    /// Writes the believed changes; the others are reported as doubted or unconfirmed.
    fn write(&mut self, plan: Plan, verdicts: &[(Family, Verdict)]) {
        let mut stop = None;
        for (zone, changes) in plan.zones {
            let changes = self.believed(changes, verdicts);
            if changes.is_empty() {
                continue;
            }
            if let Some(stop) = stop {
                self.skip(changes.into_iter().map(|(w, _)| w).collect(), stop);
                continue;
            }
            let changes = match self.refresh(&zone, changes) {
                Ok(changes) => changes,
                Err(e) => {
                    stop = self.stops(&e);
                    continue;
                }
            };
            let owned = self.cfg.owned.as_ref();
            let written = writes::write(self.client, self.cache, &zone, owned, changes);
            self.report.outcomes.extend(written.outcomes);
            stop = written.stop.as_ref().and_then(|e| self.stops(e));
        }
    }

    /// The changes that may be written; a dry run reports them instead.
    fn believed(
        &mut self,
        changes: Vec<(Want, Write)>,
        verdicts: &[(Family, Verdict)],
    ) -> Vec<(Want, Write)> {
        let mut keep = Vec::new();
        for (want, action) in changes {
            // What the record holds (nothing yet, for a create): left as it is.
            let holds = action.old().map(String::from);
            match confirm::verdict_of(verdicts, &want) {
                Verdict::Doubted(_) => self.push(&want, holds, State::Doubted),
                Verdict::Unconfirmed => self.push(&want, holds, State::Unconfirmed),
                Verdict::Believed if self.cfg.lifecycle.dry_run => {
                    crate::info!("dry run: would {}", action.describe());
                    self.push(&want, holds, State::WouldChange(Box::new(action.clone())));
                }
                Verdict::Believed => keep.push((want, action)),
            }
        }
        keep
    }

    /// Whether an error stops the pass's Cloudflare work (Retry-After noted).
    pub fn stops(&mut self, error: &CfError) -> Option<Stop> {
        match error {
            CfError::Throttled { retry_after } => {
                self.report.retry_after = retry_after.or(Some(60));
                Some(Stop::Throttled)
            }
            e if e.is_unreachable() => Some(Stop::Unreachable),
            _ => None,
        }
    }

    /// Wants left when the pass stopped before their zone's turn.
    pub fn skip(&mut self, wants: Vec<Want>, stop: Stop) {
        match stop {
            Stop::Throttled => self.fail_all(wants, Failure::Throttled),
            Stop::Unreachable => {
                for want in &wants {
                    self.push(want, None, State::NotAttempted);
                }
            }
        }
    }

    pub fn push(&mut self, want: &Want, content: Option<String>, state: State) {
        self.report.outcomes.push(want.outcome(state, content));
    }

    pub fn fail_all(&mut self, wants: Vec<Want>, failure: Failure) {
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
}
