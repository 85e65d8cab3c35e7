//! The sync pass and what it keeps between passes. `pass` runs one pass, `zones` finds each
//! host's zone, `read` reads the records, `writes` changes them, `cache` remembers zones and
//! records, `report` says what happened, `stop` deletes the managed records (DELETE_ON_STOP).

mod cache;
mod pass;
mod read;
pub mod report;
mod stop;
mod writes;
mod zones;

pub use cache::Cache;
pub use pass::run_pass;
pub use report::{missing_news, Detection, Failure, Outcome, PassError, Report, State, Tally};
pub use stop::delete_managed;

#[cfg(test)]
mod tests;
