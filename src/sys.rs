//! Every system call the program makes through `libc`, and so every `unsafe` block: poll(2),
//! the signal self-pipe, resource limits and interface addresses. Safe functions outside, each
//! call's result checked inside; the lints below hold every block to a written reason.
#![deny(clippy::undocumented_unsafe_blocks, clippy::missing_safety_doc)]

use std::ffi::CStr;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

pub use libc::pollfd as PollFd;
pub use libc::{POLLIN, POLLOUT};

pub fn pollfd(fd: RawFd, events: libc::c_short) -> PollFd {
    PollFd {
        fd,
        events,
        revents: 0,
    }
}

/// poll(2): waits up to `timeout_ms` (0 returns at once, negative waits forever) and returns
/// how many entries have events. EINTR comes back as `ErrorKind::Interrupted`.
pub fn poll(fds: &mut [PollFd], timeout_ms: i32) -> io::Result<usize> {
    // SAFETY: the pointer and length describe one live, writable slice of pollfd.
    let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout_ms) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

static SIGNALLED: AtomicBool = AtomicBool::new(false);
static PIPE_WRITE: AtomicI32 = AtomicI32::new(-1);

extern "C" fn on_signal(_: libc::c_int) {
    SIGNALLED.store(true, Ordering::SeqCst);
    let fd = PIPE_WRITE.load(Ordering::SeqCst);
    if fd >= 0 {
        // SAFETY: write(2) is async-signal-safe and the buffer is a static byte; a full pipe
        // already holds a wake-up, so a failed write loses nothing.
        unsafe { libc::write(fd, b"x".as_ptr().cast(), 1) };
    }
}

/// Installs handlers that set a flag and write to a self-pipe for `signals`; returns the
/// pipe's nonblocking read end, readable once a signal came.
pub fn install_signal_pipe(signals: &[libc::c_int]) -> io::Result<RawFd> {
    let mut fds = [0; 2];
    // SAFETY: fds has room for the two descriptors pipe2 writes.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    PIPE_WRITE.store(fds[1], Ordering::SeqCst);
    for &sig in signals {
        // SAFETY: an all-zero sigaction is a valid value of this plain C struct.
        let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
        action.sa_sigaction = on_signal as *const () as usize;
        // SAFETY: sa_mask is a valid sigset_t inside a live struct.
        if unsafe { libc::sigemptyset(&mut action.sa_mask) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: action is fully initialised and on_signal only does async-signal-safe work.
        if unsafe { libc::sigaction(sig, &action, std::ptr::null_mut()) } != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(fds[0])
}

/// Whether a handler from `install_signal_pipe` has run.
pub fn signalled() -> bool {
    SIGNALLED.load(Ordering::SeqCst)
}

/// Empties a nonblocking pipe after a wake-up.
pub fn drain(fd: RawFd) {
    let mut buf = [0u8; 64];
    // SAFETY: buf is valid for writes of its length; the fd is nonblocking, so this ends.
    while unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) } > 0 {}
}

/// Sets a socket's send buffer (SO_SNDBUF; the kernel doubles it for its bookkeeping).
pub fn set_send_buffer(fd: RawFd, bytes: usize) -> io::Result<()> {
    let size = libc::c_int::try_from(bytes).unwrap_or(libc::c_int::MAX);
    // SAFETY: the option value is a live c_int and the length is its size.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_SNDBUF,
            (&size as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Raises the soft limit on open descriptors to `want` (within the hard limit); returns the
/// soft limit now in force.
// rlim_t is u64 on the targets we build, but not on every libc.
#[allow(clippy::unnecessary_cast)]
pub fn raise_fd_limit(want: u64) -> io::Result<u64> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: lim is a valid, writable rlimit.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return Err(io::Error::last_os_error());
    }
    if (lim.rlim_cur as u64) < want {
        lim.rlim_cur = lim.rlim_max.min(want as libc::rlim_t);
        // SAFETY: lim is a valid rlimit whose soft limit does not exceed its hard limit.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) } != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(lim.rlim_cur as u64)
}

/// The addresses of the local interface `name`, through getifaddrs(3).
pub fn interface_addresses(name: &str) -> io::Result<Vec<IpAddr>> {
    let mut head: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills `head` with a list that is freed below with freeifaddrs.
    if unsafe { libc::getifaddrs(&mut head) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let mut out = Vec::new();
    let mut cursor = head;
    while !cursor.is_null() {
        // SAFETY: cursor is a live node of the list getifaddrs returned, not yet freed.
        let entry = unsafe { &*cursor };
        cursor = entry.ifa_next;
        if entry.ifa_name.is_null() || entry.ifa_addr.is_null() {
            continue;
        }
        // SAFETY: ifa_name is a non-null, NUL-terminated string owned by the list.
        let ifname = unsafe { CStr::from_ptr(entry.ifa_name) };
        if ifname.to_bytes() != name.as_bytes() {
            continue;
        }
        // SAFETY: ifa_addr is non-null and points to a sockaddr owned by the list.
        if let Some(ip) = unsafe { sockaddr_ip(entry.ifa_addr) } {
            out.push(ip);
        }
    }
    // SAFETY: head came from getifaddrs and is freed exactly once, after the last use.
    unsafe { libc::freeifaddrs(head) };
    Ok(out)
}

/// The IP address in a socket address of family AF_INET or AF_INET6; `None` for others.
///
/// # Safety
/// `addr` must be non-null and point to a live socket address whose real type is the one its
/// `sa_family` names (as getifaddrs guarantees), valid for the call's duration.
unsafe fn sockaddr_ip(addr: *const libc::sockaddr) -> Option<IpAddr> {
    // SAFETY: the caller promises addr points to a live sockaddr.
    let family = i32::from(unsafe { (*addr).sa_family });
    match family {
        libc::AF_INET => {
            // SAFETY: the family says the storage is a sockaddr_in.
            let sin = unsafe { &*(addr as *const libc::sockaddr_in) };
            Some(IpAddr::V4(Ipv4Addr::from(u32::from_be(
                sin.sin_addr.s_addr,
            ))))
        }
        libc::AF_INET6 => {
            // SAFETY: the family says the storage is a sockaddr_in6.
            let sin6 = unsafe { &*(addr as *const libc::sockaddr_in6) };
            Some(IpAddr::V6(Ipv6Addr::from(sin6.sin6_addr.s6_addr)))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_has_an_address_and_poll_times_out() {
        let lo = interface_addresses("lo").unwrap();
        assert!(lo.iter().any(|ip| ip.is_loopback()), "{lo:?}");
        assert!(interface_addresses("nosuchif0").unwrap().is_empty());
        assert_eq!(poll(&mut [], 0).unwrap(), 0);
        assert!(raise_fd_limit(64).unwrap() >= 64);
    }
}
