//! What a pass found and did: one outcome per (host, family), the problems that are not about
//! one record, and the Cloudflare calls it made.

use super::confirm::Doubt;
use crate::cloudflare::CfError;
use crate::config::Family;
use crate::detect::DetectFailure;
use crate::transport::{Method, TransportError};
use std::collections::BTreeSet;
use std::fmt;
use std::net::IpAddr;

/// Why a record could not be brought in line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The host is under no zone the credentials can see.
    NoZone { host: String },
    /// The name cannot hold the record (a CNAME is there); the message says which.
    Blocked(String),
    /// Cloudflare refused or could not be reached while doing `context`.
    Cloudflare { context: String, error: CfError },
    /// Cloudflare asked us to slow down before this record's zone was reached.
    Throttled,
    /// The host's ID cannot be put under the prefix the detected address came with.
    HostId { host: String, why: String },
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Failure::NoZone { host } => write!(
                f,
                "{host} is in no zone these credentials can see; check that the token's zone resources include its zone (Zone:Read, DNS:Edit)"
            ),
            Failure::Blocked(why) => f.write_str(why),
            Failure::Cloudflare { context, error } => write!(f, "{context}: {error}"),
            Failure::Throttled => f.write_str("skipped: Cloudflare is throttling"),
            Failure::HostId { host, why } => write!(f, "{host} AAAA: {why}"),
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
    Failed(Failure),
    /// Not tried this pass (its family's address was not detected, or Cloudflare stopped
    /// answering before its turn); left as it was.
    NotAttempted,
    /// Two providers gave different addresses: left as it was (see `confirm`).
    Doubted,
    /// A new address only one answer gave: written once the next try agrees.
    Unconfirmed,
}

impl Failure {
    /// A Cloudflare call abandoned unsent because an earlier one got no answer.
    pub fn is_abandoned(&self) -> bool {
        matches!(
            self,
            Failure::Cloudflare {
                error: CfError::Abandoned,
                ..
            }
        )
    }
}

impl State {
    /// The state a failure leaves: not attempted when the call was abandoned unsent.
    pub fn from_failure(failure: Failure) -> State {
        if failure.is_abandoned() {
            State::NotAttempted
        } else {
            State::Failed(failure)
        }
    }

    pub fn label(&self) -> &'static str {
        self.kind().label()
    }

    /// The state without what it carries: what the status API keeps between passes.
    pub fn kind(&self) -> Kind {
        match self {
            State::Unchanged => Kind::Unchanged,
            State::Updated => Kind::Updated,
            State::Created => Kind::Created,
            State::WouldChange => Kind::WouldChange,
            State::Missing => Kind::Missing,
            State::Failed(_) => Kind::Failed,
            State::NotAttempted => Kind::NotAttempted,
            State::Doubted => Kind::Doubted,
            State::Unconfirmed => Kind::Unconfirmed,
        }
    }
}

/// A `State`'s kind, with the one table of labels that logs, `/widget`, `/metrics` and
/// notifications use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Unchanged,
    Updated,
    Created,
    WouldChange,
    Missing,
    Failed,
    NotAttempted,
    Doubted,
    Unconfirmed,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Unchanged => "unchanged",
            Kind::Updated => "updated",
            Kind::Created => "created",
            Kind::WouldChange => "would-change",
            Kind::Missing => "missing",
            Kind::Failed => "failed",
            Kind::NotAttempted => "not-attempted",
            Kind::Doubted => "doubted",
            Kind::Unconfirmed => "unconfirmed",
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

/// One (host, family) the pass wants to hold `ip`.
pub struct Want {
    pub host: String,
    pub family: Family,
    pub ip: IpAddr,
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
        }
    }
}

#[derive(Debug, Default)]
pub struct Report {
    pub ipv4: Option<IpAddr>,
    pub ipv6: Option<IpAddr>,
    pub outcomes: Vec<Outcome>,
    pub errors: Vec<PassError>,
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
        let doubt = |e: &PassError| matches!(e, PassError::Doubt(_));
        if self.tally().failed > 0 || !self.errors.iter().all(doubt) {
            Standing::Failed
        } else if self.errors.is_empty() {
            Standing::Ok
        } else {
            Standing::InDoubt
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
            PassError::Doubt(_) => false,
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
                State::WouldChange => &mut t.would_change,
                State::Missing => &mut t.missing,
                State::Failed(_) => &mut t.failed,
                State::NotAttempted => &mut t.not_attempted,
                State::Doubted => &mut t.doubted,
                State::Unconfirmed => &mut t.unconfirmed,
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
