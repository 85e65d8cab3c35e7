//! dyncfdns: keeps Cloudflare A/AAAA records on this machine's public IP.
//!
//! A library so that integration tests and fuzz targets can reach the parts; the binary
//! in `main.rs` is the product. The layers, each using only those above it:
//! `clock`, `log`, `json`, `dns`, `netlink`, `url`, `sys` (leaves; a signal handler in `sys` logs through
//! `clock` and `log`) → `config`, `bounds`, `transport` → `cloudflare`,
//! `detect`, `reconcile` → `sync` → `status` → `http` → `service` (notify and heartbeat, then
//! the event loop) → `cli` (the commands) → `main`.
// Every unsafe block lives in `sys`, where lints hold each one to a written reason.
#![deny(unsafe_code)]

pub mod bounds;
pub mod cli;
pub mod clock;
pub mod cloudflare;
pub mod config;
pub mod detect;
pub mod dns;
pub mod expr;
pub mod filter;
pub mod hostid;
pub mod http;
pub mod idna;
pub mod json;
#[macro_use]
pub mod log;
pub mod netlink;
pub mod pattern;
pub mod proxied;
pub mod reconcile;
pub mod service;
pub mod status;
pub mod sync;
#[allow(unsafe_code)]
pub mod sys;
pub mod transport;
pub mod url;
pub mod waf;
