//! The service: the poll loop and what it runs around a pass. `event_loop` sleeps in poll(2)
//! and runs passes, `schedule` says when the next one is, `signals` turns SIGTERM, SIGINT,
//! SIGHUP and SIGUSR1 into requests, `notify` and `heartbeat` tell others after a pass.

pub mod event_loop;
pub mod heartbeat;
pub mod notify;
pub mod schedule;
pub mod signals;
