//! Every system call the program makes through `libc`, and so every `unsafe` block: poll(2),
//! the signal handlers (a self-pipe, and ending the process from a handler), resource limits
//! and interface addresses (getifaddrs, and the kernel's netlink for IPv6 flags in `netlink`).
//! Safe functions outside, each
//! call's result checked inside; the lints below hold every block to a written reason.
#![deny(clippy::undocumented_unsafe_blocks, clippy::missing_safety_doc)]

use std::ffi::{CStr, CString};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicPtr, Ordering};

mod netlink;
pub use netlink::{
    dump_addresses, dump_routes, interface_index, interface_name, open_watch, read_watch,
};

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

static STOP: AtomicBool = AtomicBool::new(false);
static PASS_ASKED: AtomicI32 = AtomicI32::new(0);
static IN_CALL: AtomicBool = AtomicBool::new(false);
static PIPE_WRITE: AtomicI32 = AtomicI32::new(-1);
static STOP_EXEC: AtomicPtr<ExecPlan> = AtomicPtr::new(std::ptr::null_mut());

/// A program to become, prepared before any signal: a handler may not allocate.
struct ExecPlan {
    path: CString,
    argv: Vec<*const libc::c_char>,
    envp: Vec<*const libc::c_char>,
    // Owners of the strings the pointer arrays point into.
    _args: Vec<CString>,
    _env: Vec<CString>,
}

extern "C" fn on_signal(sig: libc::c_int) {
    if sig == libc::SIGHUP || sig == libc::SIGUSR1 {
        PASS_ASKED.store(sig, Ordering::SeqCst);
    } else {
        STOP.store(true, Ordering::SeqCst);
        if IN_CALL.load(Ordering::SeqCst) {
            abandon_call();
        }
    }
    let fd = PIPE_WRITE.load(Ordering::SeqCst);
    if fd >= 0 {
        // SAFETY: write(2) is async-signal-safe and the buffer is a static byte; a full pipe
        // already holds a wake-up, so a failed write loses nothing.
        unsafe { libc::write(fd, b"x".as_ptr().cast(), 1) };
    }
}

/// Ends the process from a handler while the loop is blocked in an outbound call: it becomes
/// the prepared program (the deletes of DELETE_ON_STOP) or exits. Only async-signal-safe calls.
fn abandon_call() -> ! {
    let plan = STOP_EXEC.load(Ordering::SeqCst);
    if plan.is_null() {
        log_from_handler(b"stopping on signal; the outbound call in flight is abandoned");
        // SAFETY: _exit(2) is async-signal-safe and ends the process without running anything.
        unsafe { libc::_exit(0) }
    }
    log_from_handler(b"stopping on signal; abandoning the call in flight for DELETE_ON_STOP");
    // SAFETY: the plan was leaked by `prepare_stop_exec` and never freed; its pointer arrays
    // are NUL-terminated and point into strings it owns. execve(2) is async-signal-safe.
    unsafe {
        let plan = &*plan;
        libc::execve(plan.path.as_ptr(), plan.argv.as_ptr(), plan.envp.as_ptr());
    }
    log_from_handler(b"cannot run the deletes of DELETE_ON_STOP (exec failed); exiting");
    // SAFETY: as above.
    unsafe { libc::_exit(1) }
}

/// One INFO line in the log's format, without allocating: a handler may not.
fn log_from_handler(message: &[u8]) {
    use crate::log::Format;
    if !crate::log::enabled(crate::log::Level::Info) {
        return;
    }
    // SAFETY: an all-zero timespec is valid and clock_gettime(2) is async-signal-safe.
    let mut now: libc::timespec = unsafe { std::mem::zeroed() };
    // SAFETY: now is a live, writable timespec.
    let unix = if unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &mut now) } == 0 {
        now.tv_sec.max(0) as u64
    } else {
        0
    };
    let time = crate::clock::rfc3339_bytes(unix);
    let format = crate::log::format();
    let syslog = crate::log::syslog_fd().filter(|_| format == Format::Syslog);
    let parts: [&[u8]; 5] = match (format, syslog) {
        (Format::Json, _) => [
            b"{\"time\":\"",
            &time,
            b"\",\"level\":\"info\",\"message\":\"",
            message,
            b"\"}\n",
        ],
        (Format::Syslog, Some(_)) => [b"<30>dyncfdns: ", message, b"", b"", b""],
        _ => [&time, b" INFO  ", message, b"\n", b""],
    };
    let mut line = [0u8; 192];
    let mut len = 0;
    for part in parts {
        let n = part.len().min(line.len() - len);
        line[len..len + n].copy_from_slice(&part[..n]);
        len += n;
    }
    match syslog {
        // SAFETY: send(2) is async-signal-safe; the buffer is valid for `len` bytes. A lost
        // datagram loses a log line, nothing else.
        Some(fd) => unsafe { libc::send(fd, line.as_ptr().cast(), len, 0) },
        // SAFETY: write(2) is async-signal-safe; the buffer is valid for `len` bytes. A failed
        // write to stderr loses a log line, nothing else.
        None => unsafe { libc::write(2, line.as_ptr().cast(), len) },
    };
}

/// Installs handlers for `stop` signals (which set a flag, and end the process at once when
/// the loop is inside an outbound call) and `pass` signals (which ask for a pass); both write
/// to a self-pipe. Returns the pipe's nonblocking read end, readable once a signal came.
pub fn install_signal_pipe(stop: &[libc::c_int], pass: &[libc::c_int]) -> io::Result<RawFd> {
    let mut fds = [0; 2];
    // SAFETY: fds has room for the two descriptors pipe2 writes.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    PIPE_WRITE.store(fds[1], Ordering::SeqCst);
    for &sig in stop.iter().chain(pass) {
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
    unblock(stop.iter().chain(pass).copied())?;
    Ok(fds[0])
}

/// A program that was exec'd from a handler starts with that signal blocked: unblock ours.
fn unblock(signals: impl Iterator<Item = libc::c_int>) -> io::Result<()> {
    // SAFETY: an all-zero sigset_t is a valid value, initialised by sigemptyset next.
    let mut set: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: set is a live, writable sigset_t.
    if unsafe { libc::sigemptyset(&mut set) } != 0 {
        return Err(io::Error::last_os_error());
    }
    for sig in signals {
        // SAFETY: set was initialised by sigemptyset.
        if unsafe { libc::sigaddset(&mut set, sig) } != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    // SAFETY: set is initialised; the old mask is not wanted.
    match unsafe { libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut()) } {
        0 => Ok(()),
        e => Err(io::Error::from_raw_os_error(e)),
    }
}

/// Whether a stop signal has come.
pub fn stop_requested() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// The pass signal that came since the last call, if any.
pub fn take_pass_request() -> Option<libc::c_int> {
    Some(PASS_ASKED.swap(0, Ordering::SeqCst)).filter(|s| *s != 0)
}

/// Runs `call` (an outbound call) so that a stop signal during it ends the process at once;
/// `None` when a stop came first, so the call is not made. Setting the mark before looking
/// at the flag (both sequentially consistent) means a signal either sees the mark or is seen.
pub fn abandonable<T>(call: impl FnOnce() -> T) -> Option<T> {
    IN_CALL.store(true, Ordering::SeqCst);
    let result = (!stop_requested()).then(call);
    IN_CALL.store(false, Ordering::SeqCst);
    result
}

/// Prepares the program a stop signal during an outbound call becomes: `path` with `args`
/// and this environment. Kept for the life of the process (a handler may use it at any time).
pub fn prepare_stop_exec(path: &std::path::Path, args: &[&str]) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c = |b: &[u8]| CString::new(b).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput));
    let path = c(path.as_os_str().as_bytes())?;
    let args: Vec<CString> = args
        .iter()
        .map(|a| c(a.as_bytes()))
        .collect::<io::Result<_>>()?;
    let env: Vec<CString> = std::env::vars_os()
        .map(|(k, v)| c(&[k.as_bytes(), b"=", v.as_bytes()].concat()))
        .collect::<io::Result<_>>()?;
    let terminated = |list: &[CString]| {
        let mut p: Vec<*const libc::c_char> = list.iter().map(|s| s.as_ptr()).collect();
        p.push(std::ptr::null());
        p
    };
    let plan = Box::new(ExecPlan {
        argv: terminated(&args),
        envp: terminated(&env),
        path,
        _args: args,
        _env: env,
    });
    let old = STOP_EXEC.swap(Box::into_raw(plan), Ordering::SeqCst);
    // An earlier plan is leaked, not freed: a handler on another thread may be reading it.
    let _ = old;
    Ok(())
}

/// For the deletes after a stop: forgets the prepared program and the stop that came, so
/// the deletes' calls are made and a further stop signal ends them (and the process) at once.
pub fn rearm_stop() {
    STOP_EXEC.store(std::ptr::null_mut(), Ordering::SeqCst);
    STOP.store(false, Ordering::SeqCst);
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
    set_socket_option(fd, libc::SO_SNDBUF, &size)
}

/// setsockopt(2) at SOL_SOCKET with a plain value (`c_int`, `timeval`).
fn set_socket_option<T: Copy>(fd: RawFd, name: libc::c_int, value: &T) -> io::Result<()> {
    // SAFETY: the option value is a live T and the length is its size.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            name,
            (value as *const T).cast(),
            std::mem::size_of::<T>() as libc::socklen_t,
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
