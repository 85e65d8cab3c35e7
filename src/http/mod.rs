//! The status API over HTTP/1.1: `codec` frames requests and encodes replies, `routes`
//! decides each answer from the service's `Api`, `server` owns the sockets; `page` is the HTML
//! status page.

pub mod codec;
mod page;
pub mod routes;
pub mod server;

pub use routes::{answer, Api};
pub use server::Listener;
