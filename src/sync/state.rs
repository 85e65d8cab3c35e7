//! A record's state after a pass (`State`), why it failed (`Failure`), and the kind of each
//! state with the one table of labels everyone shows (`Kind`).

use crate::cloudflare::CfError;
use crate::reconcile::Write;
use std::fmt;

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
    /// A dry run found a difference and wrote nothing: what it would write.
    WouldChange(Box<Write>),
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
    /// A record of a set that held an address no longer wanted.
    Deleted,
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
            State::WouldChange(_) => Kind::WouldChange,
            State::Missing => Kind::Missing,
            State::Failed(_) => Kind::Failed,
            State::NotAttempted => Kind::NotAttempted,
            State::Doubted => Kind::Doubted,
            State::Unconfirmed => Kind::Unconfirmed,
            State::Deleted => Kind::Deleted,
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
    Deleted,
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
            Kind::Deleted => "deleted",
        }
    }
}
