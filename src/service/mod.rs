//! The service: the poll loop and what it runs around a pass. `event_loop` sleeps in poll(2)
//! and runs passes, `schedule` says when the next one is, `signals` turns SIGTERM, SIGINT,
//! SIGHUP and SIGUSR1 into requests, `watch` asks for a pass when the kernel says the network
//! changed, `notify` and `heartbeat` tell others after a pass.

pub mod event_loop;
pub mod heartbeat;
pub mod notify;
pub mod schedule;
pub mod signals;
pub mod watch;
