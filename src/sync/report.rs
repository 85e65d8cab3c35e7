//! What a pass found and did: an outcome per record (one per (host, family), or one per address
//! of a set), the problems that are not about one record, and the Cloudflare calls it made.

use super::confirm::Doubt;
pub use super::state::{Failure, Kind, State};
use crate::cloudflare::CfError;
use crate::config::Family;
use crate::detect::DetectFailure;
use crate::transport::{Method, TransportError};
use std::collections::BTreeSet;
use std::fmt;
use std::net::IpAddr;

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

/// One (host, family) the pass wants to hold `ips`: one address in one record, or, when
/// `set`, exactly these addresses in the name's records of the type (none: delete them all).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Want {
    pub host: String,
    pub family: Family,
    pub ips: Vec<IpAddr>,
    pub set: bool,
}

impl Want {
    pub fn outcome(&self, state: State, content: Option<String>) -> Outcome {
        Outcome {
            host: self.host.clone(),
            family: self.family,
            content,
            previous: None,
            state,
        }
    }
}

/// How a family's address was found, for the metrics.
#[derive(Clone, Debug)]
pub struct Detection {
    pub family: Family,
    /// The provider that answered; `None` when none did.
    pub provider: Option<String>,
    pub seconds: f64,
}

/// A problem that is not about one record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PassError {
    NoAddress {
        family: Family,
        failure: DetectFailure,
    },
    /// Two answers disagreed about a new address: a doubt, not an outage.
    Doubt(Doubt),
    /// The detection filter kept none of the detected addresses: the family is skipped, as
    /// the user asked, not failed.
    Filtered {
        family: Family,
        provider: String,
        dropped: Vec<IpAddr>,
    },
}

impl fmt::Display for PassError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            PassError::NoAddress { family, failure } => write!(
                f,
                "no {} address detected, {} records left as they are ({failure})",
                family.name(),
                family.record_type()
            ),
            PassError::Doubt(doubt) => doubt.fmt(f),
            PassError::Filtered {
                family,
                provider,
                dropped,
            } => {
                let dropped: Vec<String> = dropped.iter().map(ToString::to_string).collect();
                write!(
                    f,
                    "IP{}_DETECTION_FILTER keeps none of {} (from {provider}): {} records left as they are",
                    if *family == Family::V4 { 4 } else { 6 },
                    dropped.join(", "),
                    family.record_type()
                )
            }
        }
    }
}

#[derive(Debug, Default)]
pub struct Report {
    pub ipv4: Option<IpAddr>,
    pub ipv6: Option<IpAddr>,
    pub outcomes: Vec<Outcome>,
    pub errors: Vec<PassError>,
    /// One per WAF list.
    pub lists: Vec<super::lists::ListOutcome>,
    pub calls: u32,
    /// Each Cloudflare request's method and HTTP status (0: no answer).
    pub cloudflare_log: Vec<(Method, u16)>,
    pub detections: Vec<Detection>,
    /// Set when Cloudflare asked us to slow down.
    pub retry_after: Option<u64>,
    pub dry_run: bool,
}

/// Outcomes counted by state.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub unchanged: usize,
    pub updated: usize,
    pub created: usize,
    pub would_change: usize,
    pub missing: usize,
    pub failed: usize,
    pub not_attempted: usize,
    pub doubted: usize,
    pub unconfirmed: usize,
    pub deleted: usize,
}

/// How a pass went, worst first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    Failed,
    /// Nothing failed, but answers disagreed and a change was held back.
    InDoubt,
    Ok,
}

impl Report {
    /// The address detected for a family, if it was.
    pub fn address(&self, family: Family) -> Option<IpAddr> {
        match family {
            Family::V4 => self.ipv4,
            Family::V6 => self.ipv6,
        }
    }

    /// No failure and no doubt. A host without a record while creation is off is a warning,
    /// and an unconfirmed address a step of a change, not failures.
    pub fn ok(&self) -> bool {
        self.standing() == Standing::Ok
    }

    pub fn standing(&self) -> Standing {
        let failed = |e: &PassError| match e {
            PassError::NoAddress { .. } => true,
            PassError::Doubt(_) | PassError::Filtered { .. } => false,
        };
        let doubt = |e: &PassError| matches!(e, PassError::Doubt(_));
        let list_failed =
            |l: &super::lists::ListOutcome| matches!(l.state, super::lists::ListState::Failed(_));
        if self.tally().failed > 0
            || self.errors.iter().any(failed)
            || self.lists.iter().any(list_failed)
        {
            Standing::Failed
        } else if self.errors.iter().any(doubt) {
            Standing::InDoubt
        } else {
            Standing::Ok
        }
    }

    /// A call failed because the clock is not set yet (see `TransportError::ClockBehind`):
    /// the service tries again soon, whatever the backoff.
    pub fn clock_behind(&self) -> bool {
        let behind = |e: &TransportError| matches!(e, TransportError::ClockBehind { .. });
        let detecting = self.errors.iter().any(|e| match e {
            PassError::NoAddress { failure, .. } => failure.0.iter().any(
                |(_, why)| matches!(why, crate::detect::DetectError::Transport(t) if behind(t)),
            ),
            PassError::Doubt(_) | PassError::Filtered { .. } => false,
        });
        let writing = self.outcomes.iter().any(|o| {
            matches!(&o.state, State::Failed(Failure::Cloudflare { error: CfError::Transport(t), .. }) if behind(t))
        });
        detecting || writing
    }

    /// A new address waits for its next try: the service asks again soon.
    pub fn recheck(&self) -> bool {
        self.outcomes.iter().any(|o| o.state == State::Unconfirmed)
    }

    pub fn tally(&self) -> Tally {
        let mut t = Tally::default();
        for o in &self.outcomes {
            let slot = match o.state {
                State::Unchanged => &mut t.unchanged,
                State::Updated => &mut t.updated,
                State::Created => &mut t.created,
                State::WouldChange(_) => &mut t.would_change,
                State::Missing => &mut t.missing,
                State::Failed(_) => &mut t.failed,
                State::NotAttempted => &mut t.not_attempted,
                State::Doubted => &mut t.doubted,
                State::Unconfirmed => &mut t.unconfirmed,
                State::Deleted => &mut t.deleted,
            };
            *slot += 1;
        }
        t
    }

    /// The summary at the level its standing calls for: a doubt is a warning, not an error.
    pub fn log_summary(&self) {
        match self.standing() {
            Standing::Ok => crate::info!("{}", self.summary()),
            Standing::InDoubt => crate::warn!("{}", self.summary()),
            Standing::Failed => crate::error!("{}", self.summary()),
        }
    }

    pub fn summary(&self) -> String {
        let addr = |ip: Option<IpAddr>| ip.map_or("-".to_string(), |ip| ip.to_string());
        let t = self.tally();
        let mut s = format!(
            "pass {}: IPv4 {}, IPv6 {}; {} unchanged, {} updated, {} created, {} failed",
            match self.standing() {
                Standing::Ok => "ok",
                Standing::InDoubt => "IN DOUBT",
                Standing::Failed => "FAILED",
            },
            addr(self.ipv4),
            addr(self.ipv6),
            t.unchanged,
            t.updated,
            t.created,
            t.failed,
        );
        if t.deleted > 0 {
            s.push_str(&format!(", {} deleted", t.deleted));
        }
        if t.missing > 0 {
            s.push_str(&format!(", {} missing", t.missing));
        }
        if t.not_attempted > 0 {
            s.push_str(&format!(", {} not attempted", t.not_attempted));
        }
        if t.doubted > 0 {
            s.push_str(&format!(", {} held back (answers disagree)", t.doubted));
        }
        if t.unconfirmed > 0 {
            s.push_str(&format!(
                ", {} unconfirmed (asked again in {} s)",
                t.unconfirmed,
                crate::bounds::RECHECK
            ));
        }
        if self.dry_run {
            s.push_str(&format!(", {} would change (dry run)", t.would_change));
        }
        if !self.lists.is_empty() {
            s.push_str(&super::lists::summary(&self.lists));
        }
        s.push_str(&format!("; {} Cloudflare calls", self.calls));
        s
    }
}

/// A record a pass wants, by host and family.
pub type Key = (String, Family);

/// What to say about hosts without a record (creation off): each once when it goes missing
/// and once when a record appears, never every pass. `seen` carries the missing ones across
/// passes; hosts not attempted this pass keep their place. Returns (warnings, notes).
pub fn missing_news(seen: &mut BTreeSet<Key>, report: &Report) -> (Vec<String>, Vec<String>) {
    let (mut warnings, mut notes) = (Vec::new(), Vec::new());
    for o in &report.outcomes {
        let key = (o.host.clone(), o.family);
        let rtype = o.family.record_type();
        match o.state {
            State::Missing if seen.insert(key.clone()) => warnings.push(format!(
                "{} has no {rtype} record; set ALLOW_CREATE_HOSTS=true to let dyncfdns create it, or create it in Cloudflare (said once; /widget shows it as missing)",
                o.host
            )),
            State::Missing | State::NotAttempted => {}
            _ if seen.remove(&key) => {
                notes.push(format!("{} has a {rtype} record now", o.host));
            }
            _ => {}
        }
    }
    (warnings, notes)
}
