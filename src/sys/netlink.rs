//! The kernel's routing socket (netlink, NETLINK_ROUTE): address and route dumps, and the
//! nonblocking socket the poll loop watches for changes; their messages are read by the pure
//! `crate::netlink`. Only the framing needed to know when a dump ends is looked at here.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

const NLMSG_HDRLEN: usize = 16;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
/// A dump larger than this is not an interface list: the read stops with an error.
const MAX_DUMP: usize = 1 << 20;

/// The index of interface `name`, or `None` when there is none.
pub fn interface_index(name: &str) -> Option<u32> {
    let c = CString::new(name).ok()?;
    // SAFETY: c is a live NUL-terminated string for the call's duration.
    let index = unsafe { libc::if_nametoindex(c.as_ptr()) };
    (index != 0).then_some(index)
}

/// The name of interface `index`, or `None` when there is none (any more).
pub fn interface_name(index: u32) -> Option<String> {
    let mut buf = [0u8; libc::IF_NAMESIZE];
    // SAFETY: buf is writable and IF_NAMESIZE long, as if_indextoname requires.
    let r = unsafe { libc::if_indextoname(index, buf.as_mut_ptr().cast()) };
    if r.is_null() {
        return None;
    }
    let len = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    Some(String::from_utf8_lossy(&buf[..len]).into_owned())
}

/// The raw answer to an RTM_GETADDR dump of one address family (`libc::AF_INET6` or
/// `AF_INET`): every message up to and including NLMSG_DONE. Waits at most 2 s for the kernel.
pub fn dump_addresses(family: u8) -> io::Result<Vec<u8>> {
    // ifaddrmsg is 8 bytes.
    dump(libc::RTM_GETADDR, family, 8)
}

/// The same for the routes (RTM_GETROUTE; rtmsg is 12 bytes), to learn the default routes.
pub fn dump_routes(family: u8) -> io::Result<Vec<u8>> {
    dump(libc::RTM_GETROUTE, family, 12)
}

fn dump(kind: u16, family: u8, header: usize) -> io::Result<Vec<u8>> {
    let socket = open()?;
    let mut request = vec![0u8; NLMSG_HDRLEN + header];
    let len = request.len() as u32;
    request[0..4].copy_from_slice(&len.to_ne_bytes());
    request[4..6].copy_from_slice(&kind.to_ne_bytes());
    let flags = (libc::NLM_F_REQUEST | libc::NLM_F_DUMP) as u16;
    request[6..8].copy_from_slice(&flags.to_ne_bytes());
    request[8..12].copy_from_slice(&1u32.to_ne_bytes());
    request[NLMSG_HDRLEN] = family;
    // SAFETY: the pointer and length describe the live request buffer.
    let sent = unsafe {
        libc::send(
            socket.as_raw_fd(),
            request.as_ptr().cast(),
            request.len(),
            0,
        )
    };
    if sent < 0 {
        return Err(io::Error::last_os_error());
    }
    let mut out = Vec::new();
    let mut buf = vec![0u8; 32 * 1024];
    loop {
        // SAFETY: the pointer and length describe the live, writable buffer.
        let n = unsafe { libc::recv(socket.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        let chunk = &buf[..n as usize];
        if chunk.is_empty() || out.len() + chunk.len() > MAX_DUMP {
            return Err(io::Error::other(
                "the kernel's address list ended early or is too long",
            ));
        }
        out.extend_from_slice(chunk);
        if ends_dump(chunk) {
            return Ok(out);
        }
    }
}

/// The address and route groups of both families, as the kernel numbers them.
const WATCH_GROUPS: u32 = 0x10 | 0x40 | 0x100 | 0x400;
/// A burst (a PPPoE reconnect) fits; more is dropped by the kernel and read as "changed".
const WATCH_BUFFER: libc::c_int = 64 * 1024;

/// A nonblocking socket subscribed to address and route changes, for the poll loop.
pub fn open_watch() -> io::Result<OwnedFd> {
    let socket = socket(libc::SOCK_NONBLOCK)?;
    super::set_socket_option(socket.as_raw_fd(), libc::SO_RCVBUF, &WATCH_BUFFER)?;
    // SAFETY: sockaddr_nl is plain data; all-zero is its valid "any" value.
    let mut addr: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
    addr.nl_family = libc::AF_NETLINK as libc::sa_family_t;
    addr.nl_groups = WATCH_GROUPS;
    // SAFETY: the pointer and length describe the live sockaddr_nl.
    let r = unsafe {
        libc::bind(
            socket.as_raw_fd(),
            (&addr as *const libc::sockaddr_nl).cast(),
            std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
        )
    };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(socket)
}

/// One datagram of the watch into `buf`: `Ok(None)` when nothing is waiting. An overrun
/// (ENOBUFS: the kernel dropped messages) is `Ok(Some(0))`: something changed, unknown what.
pub fn read_watch(fd: i32, buf: &mut [u8]) -> io::Result<Option<usize>> {
    // SAFETY: the pointer and length describe the live, writable buffer.
    let n = unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), 0) };
    if n >= 0 {
        return Ok(Some(n as usize));
    }
    let e = io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EAGAIN) => Ok(None),
        Some(libc::ENOBUFS) => Ok(Some(0)),
        _ => Err(e),
    }
}

/// A routing socket for one dump, whose reads wait at most 2 s for the kernel.
fn open() -> io::Result<OwnedFd> {
    let socket = socket(0)?;
    let wait = libc::timeval {
        tv_sec: 2,
        tv_usec: 0,
    };
    super::set_socket_option(socket.as_raw_fd(), libc::SO_RCVTIMEO, &wait)?;
    Ok(socket)
}

/// A NETLINK_ROUTE socket, close-on-exec, with `flags` added (SOCK_NONBLOCK).
fn socket(flags: libc::c_int) -> io::Result<OwnedFd> {
    // SAFETY: plain socket(2) call; the result is checked before use.
    let fd = unsafe {
        libc::socket(
            libc::AF_NETLINK,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC | flags,
            libc::NETLINK_ROUTE,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fd is a fresh descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Whether a datagram holds the message that ends a dump (DONE, or an error answer).
fn ends_dump(mut chunk: &[u8]) -> bool {
    while chunk.len() >= NLMSG_HDRLEN {
        let len = u32::from_ne_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]) as usize;
        let kind = u16::from_ne_bytes([chunk[4], chunk[5]]);
        if kind == NLMSG_DONE || kind == NLMSG_ERROR {
            return true;
        }
        let step = (len + 3) & !3;
        if len < NLMSG_HDRLEN || step > chunk.len() {
            return true;
        }
        chunk = &chunk[step..];
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_in_the_dump() {
        let index = interface_index("lo").expect("lo");
        assert!(interface_index("nosuchif0").is_none());
        let dump = dump_addresses(libc::AF_INET as u8).unwrap();
        let addresses = crate::netlink::parse_addresses(&dump).unwrap();
        assert!(
            addresses
                .iter()
                .any(|a| a.index == index && a.ip.is_loopback()),
            "{addresses:?}"
        );
    }
}
