//! Each managed record as the status API shows it: name, type, content and state.

use crate::config::Family;
use crate::sync::report::Kind;
use crate::sync::State;

/// A record's state after the last pass that concerned it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordState {
    /// No pass has finished yet.
    Pending,
    After(Kind),
}

impl RecordState {
    /// Of two records of one name (a set), the state its row shows: the one that most needs
    /// to be seen.
    pub fn max(self, other: RecordState) -> RecordState {
        if other.weight() > self.weight() {
            other
        } else {
            self
        }
    }

    fn weight(self) -> u8 {
        match self {
            RecordState::Pending => 0,
            RecordState::After(kind) => match kind {
                Kind::Unchanged => 1,
                Kind::Deleted | Kind::Created | Kind::Updated | Kind::WouldChange => 2,
                Kind::Missing => 3,
                Kind::NotAttempted => 4,
                Kind::Unconfirmed => 5,
                Kind::Doubted => 6,
                Kind::Failed => 7,
            },
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RecordState::Pending => "pending",
            RecordState::After(kind) => kind.label(),
        }
    }
}

impl From<&State> for RecordState {
    fn from(state: &State) -> RecordState {
        RecordState::After(state.kind())
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
