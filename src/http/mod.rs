//! The status API over HTTP/1.1: `codec` frames requests and encodes replies, `routes`
//! decides each answer from the service's `Api`, `server` owns the sockets within the memory
//! `budget`; `page` is the HTML status page.

pub mod budget;
pub mod codec;
mod page;
pub mod routes;
pub mod server;

pub use budget::Room;
pub use codec::{Body, Output};
pub use routes::{answer, Api};
pub use server::Listener;
