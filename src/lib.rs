//! dyncfdns: keeps Cloudflare A/AAAA records on this machine's public IP.
//!
//! A library so that integration tests and fuzz targets can reach the parts; the binary
//! in `main.rs` is the product.

pub mod clock;
pub mod cloudflare;
pub mod config;
pub mod detect;
pub mod event_loop;
pub mod healthcheck;
pub mod heartbeat;
pub mod json;
pub mod listener;
#[macro_use]
pub mod log;
pub mod metrics;
pub mod netif;
pub mod notify;
pub mod page;
pub mod reconcile;
pub mod signals;
pub mod status;
pub mod sync;
pub mod tls;
pub mod transport;
