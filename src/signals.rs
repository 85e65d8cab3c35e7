//! SIGTERM and SIGINT: a flag plus a self-pipe, so poll(2) wakes up at once. Installed
//! explicitly because PID 1 in a container has no default handlers.

use crate::sys;
use std::io;
use std::os::fd::RawFd;

/// Installs the handlers; returns the pipe's read end, readable once a signal came.
pub fn install() -> io::Result<RawFd> {
    sys::install_signal_pipe(&[libc::SIGTERM, libc::SIGINT])
}

/// Whether a stop was asked for.
pub fn requested() -> bool {
    sys::signalled()
}

/// Empties the pipe after a wake-up.
pub fn drain(fd: RawFd) {
    sys::drain(fd)
}
