//! Each managed record as the status API shows it: name, type, content and state.

use crate::config::Family;
use crate::sync::State;

/// A record's state after the last pass that concerned it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordState {
    /// No pass has finished yet.
    Pending,
    Unchanged,
    Updated,
    Created,
    WouldChange,
    Missing,
    Failed,
    NotAttempted,
    /// Two providers disagreed about a new address: left as it was.
    Doubted,
    /// A new address waits for its second answer.
    Unconfirmed,
}

impl RecordState {
    pub fn label(self) -> &'static str {
        match self {
            RecordState::Pending => "pending",
            RecordState::Unchanged => "unchanged",
            RecordState::Updated => "updated",
            RecordState::Created => "created",
            RecordState::WouldChange => "would-change",
            RecordState::Missing => "missing",
            RecordState::Failed => "failed",
            RecordState::NotAttempted => "not-attempted",
            RecordState::Doubted => "doubted",
            RecordState::Unconfirmed => "unconfirmed",
        }
    }
}

impl From<&State> for RecordState {
    fn from(state: &State) -> RecordState {
        match state {
            State::Unchanged => RecordState::Unchanged,
            State::Updated => RecordState::Updated,
            State::Created => RecordState::Created,
            State::WouldChange => RecordState::WouldChange,
            State::Missing => RecordState::Missing,
            State::Failed(_) => RecordState::Failed,
            State::NotAttempted => RecordState::NotAttempted,
            State::Doubted => RecordState::Doubted,
            State::Unconfirmed => RecordState::Unconfirmed,
        }
    }
}

pub struct RecordStatus {
    pub name: String,
    pub family: Family,
    pub content: Option<String>,
    pub state: RecordState,
    /// When dyncfdns last changed this record (Unix seconds).
    pub last_change: Option<u64>,
}
