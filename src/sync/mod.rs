//! The sync pass and what it keeps between passes. `pass` runs one pass, `wants` says what
//! each host's records should hold, `zones` finds each host's zone, `read` reads the records, `confirm` wants a second answer before a new
//! address is written, `writes` changes them, `cache` remembers zones, records and confirmed
//! addresses, `report` says what happened, `stop` deletes the managed records (DELETE_ON_STOP).

mod cache;
mod confirm;
mod lists;
mod pass;
mod plan;
mod read;
pub mod report;
mod state;
mod stop;
mod wants;
mod writes;
mod zones;

pub use cache::Cache;
pub use confirm::Doubt;
pub use lists::{ListFailure, ListOutcome, ListState};
pub use pass::run_pass;
pub use report::{
    missing_news, Detection, Failure, Outcome, PassError, Report, Standing, State, Tally,
};
pub use stop::delete_managed;

#[cfg(test)]
mod tests;
