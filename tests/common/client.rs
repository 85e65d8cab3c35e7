//! A client socket that reads slowly by design: shared by the hostile tests and the bench's
//! attack program.

use std::net::TcpStream;
use std::os::fd::FromRawFd;

/// A connection to 127.0.0.1:`port` with a small receive buffer, as a client on another host
/// that stops reading would leave it: what the service sends then waits on the service's side
/// instead of piling up in this machine's kernel.
pub fn connect_small(port: u16) -> Option<TcpStream> {
    // SAFETY: a plain socket(2) call.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return None;
    }
    // SAFETY: fd is a fresh socket nobody else owns; the stream closes it when dropped.
    let stream = unsafe { TcpStream::from_raw_fd(fd) };
    let size: libc::c_int = 4096;
    // SAFETY: setsockopt with a live c_int of its size.
    unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            (&size as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    let addr = libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: port.to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from(std::net::Ipv4Addr::LOCALHOST).to_be(),
        },
        sin_zero: [0; 8],
    };
    // SAFETY: connect with a valid sockaddr_in of its size.
    let rc = unsafe {
        libc::connect(
            fd,
            (&addr as *const libc::sockaddr_in).cast(),
            std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
        )
    };
    (rc == 0).then_some(stream)
}
