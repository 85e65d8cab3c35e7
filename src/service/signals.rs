//! Signals a service is expected to handle, installed explicitly because PID 1 in a container
//! has no default handlers. SIGTERM and SIGINT stop the service: a flag and a self-pipe wake
//! the loop at once, and inside an outbound call the handler ends the process itself (or,
//! with DELETE_ON_STOP, turns it into the deletes), so a hung call never delays a stop.
//! SIGHUP and SIGUSR1 ask for a pass now (network hooks send them when the address changed).

use crate::sys;
use std::io;
use std::os::fd::RawFd;

/// The internal command a stop during an outbound call becomes with DELETE_ON_STOP.
pub const DELETE_ON_STOP_COMMAND: &str = "__delete-on-stop";

/// Installs the handlers; returns the pipe's read end, readable once a signal came.
pub fn install() -> io::Result<RawFd> {
    sys::install_signal_pipe(
        &[libc::SIGTERM, libc::SIGINT],
        &[libc::SIGHUP, libc::SIGUSR1],
    )
}

/// Whether a stop was asked for.
pub fn requested() -> bool {
    sys::stop_requested()
}

/// The name of the signal that asked for a pass since the last call, if one did.
pub fn take_pass_request() -> Option<&'static str> {
    sys::take_pass_request().map(|sig| match sig {
        libc::SIGHUP => "SIGHUP",
        _ => "SIGUSR1",
    })
}

/// What the event loop asks of the signals, handed to it as a value: the process's own
/// (`Handlers`, reading what the handlers set; the one static there is, in `sys`) or, in a
/// test, a script.
pub trait Requests {
    /// Whether a stop was asked for.
    fn stop(&self) -> bool;
    /// The name of what asked for a pass since the last call, if anything did.
    fn take_pass(&self) -> Option<&'static str>;
}

/// SIGTERM/SIGINT and SIGHUP/SIGUSR1, through the handlers `install` set.
pub struct Handlers;

impl Requests for Handlers {
    fn stop(&self) -> bool {
        requested()
    }

    fn take_pass(&self) -> Option<&'static str> {
        take_pass_request()
    }
}

/// Runs an outbound call that a stop signal may abandon; `None` if a stop came first.
pub fn abandonable<T>(call: impl FnOnce() -> T) -> Option<T> {
    sys::abandonable(call)
}

/// With DELETE_ON_STOP: a stop during an outbound call re-runs this program as the deletes.
pub fn delete_on_stop_by_exec() -> io::Result<()> {
    let exe = std::env::current_exe()?;
    let argv0 = std::env::args()
        .next()
        .unwrap_or_else(|| "dyncfdns".to_string());
    sys::prepare_stop_exec(&exe, &[&argv0, DELETE_ON_STOP_COMMAND])
}

/// The deletes after a stop begin: their calls are made, and a further stop signal ends the
/// process at once (during a call) or ends the deletes (between calls).
pub fn deletes_begin() {
    sys::rearm_stop()
}

/// Empties the pipe after a wake-up.
pub fn drain(fd: RawFd) {
    sys::drain(fd)
}
