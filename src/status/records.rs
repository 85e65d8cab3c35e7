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
