//! The status API's sockets: a nonblocking listener and its connections, served from the
//! event loop with keep-alive, pipelining and limits, so no client can pin it.

use super::codec::{MAX_BODY, MAX_HEAD};
use super::routes::{answer, Api, MAX_OUTPUT};
use crate::sys::{self, PollFd};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

/// Enough for a dashboard fleet and a load test; the event loop raises RLIMIT_NOFILE to fit.
pub const MAX_CONNECTIONS: usize = 1000;
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(10);
const BUSY: &[u8] =
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

struct Conn {
    stream: TcpStream,
    input: Vec<u8>,
    output: Vec<u8>,
    last_active: Instant,
    /// Answered with `Connection: close`: flush, then drop.
    closing: bool,
    dead: bool,
}

pub struct Listener {
    socket: TcpListener,
    conns: Vec<Conn>,
    /// Set when accept(2) failed (out of descriptors): the listening socket stays readable,
    /// so it is left out of poll for a second, or until a connection closes, not spun on.
    accept_paused_until: Option<Instant>,
    pub idle_timeout: Duration,
}

impl Listener {
    pub fn bind(addr: SocketAddr) -> io::Result<Listener> {
        let socket = TcpListener::bind(addr)?;
        socket.set_nonblocking(true)?;
        Ok(Listener {
            socket,
            conns: Vec::new(),
            accept_paused_until: None,
            idle_timeout: IDLE_TIMEOUT,
        })
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// The listening socket first, then one entry per connection, in order.
    pub fn pollfds(&self, fds: &mut Vec<PollFd>) {
        let events = if self.accept_paused_until.is_some() {
            0
        } else {
            sys::POLLIN
        };
        fds.push(sys::pollfd(self.socket.as_raw_fd(), events));
        for c in &self.conns {
            let mut events = 0;
            if !c.closing && c.output.len() < MAX_OUTPUT {
                events |= sys::POLLIN;
            }
            if !c.output.is_empty() {
                events |= sys::POLLOUT;
            }
            fds.push(sys::pollfd(c.stream.as_raw_fd(), events));
        }
    }

    /// Handles what poll(2) reported for the fds from `pollfds`.
    pub fn handle(&mut self, fds: &[PollFd], api: &dyn Api, now: Instant) {
        let ready = |fd: &PollFd| fd.revents != 0;
        for (conn, fd) in self.conns.iter_mut().zip(fds.iter().skip(1)) {
            if ready(fd) {
                conn.service(api, now);
            }
        }
        if fds.first().is_some_and(ready) {
            self.accept(api, now);
        }
        let before = self.conns.len();
        self.conns.retain(|c| !c.dead);
        self.expire(now);
        if self.conns.len() < before || self.accept_paused_until.is_some_and(|t| now >= t) {
            self.accept_paused_until = None;
        }
    }

    /// Answers whatever is waiting, without blocking: used between a pass's outbound calls.
    pub fn serve_pending(&mut self, api: &dyn Api) {
        let mut fds = Vec::with_capacity(self.conns.len() + 1);
        self.pollfds(&mut fds);
        if sys::poll(&mut fds, 0).is_ok_and(|n| n > 0) {
            self.handle(&fds, api, Instant::now());
        }
    }

    /// When the next idle connection must be closed, if any.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.conns
            .iter()
            .map(|c| c.last_active + self.idle_timeout)
            .chain(self.accept_paused_until)
            .min()
    }

    pub fn expire(&mut self, now: Instant) {
        let timeout = self.idle_timeout;
        self.conns
            .retain(|c| now.saturating_duration_since(c.last_active) < timeout);
    }

    pub fn connections(&self) -> usize {
        self.conns.len()
    }

    fn accept(&mut self, api: &dyn Api, now: Instant) {
        loop {
            match self.socket.accept() {
                Ok((mut stream, _)) => {
                    if self.conns.len() >= MAX_CONNECTIONS {
                        let _ = stream.set_nonblocking(true);
                        let _ = stream.write(BUSY);
                        continue;
                    }
                    if stream.set_nonblocking(true).is_err() {
                        continue;
                    }
                    let mut conn = Conn {
                        stream,
                        input: Vec::new(),
                        output: Vec::new(),
                        last_active: now,
                        closing: false,
                        dead: false,
                    };
                    // The request often arrives with the connection: answer it now.
                    conn.service(api, now);
                    if !conn.dead {
                        self.conns.push(conn);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => {
                    crate::warn!("status API: cannot accept a connection: {e}");
                    self.accept_paused_until = Some(now + Duration::from_secs(1));
                    break;
                }
            }
        }
    }
}

impl Conn {
    fn service(&mut self, api: &dyn Api, now: Instant) {
        if !self.closing && self.read() {
            self.last_active = now;
        }
        self.process(api);
        self.flush();
        if self.closing && self.output.is_empty() {
            self.dead = true;
        }
    }

    /// Reads what is there; returns whether anything came.
    fn read(&mut self) -> bool {
        let mut buf = [0u8; 4096];
        let mut got = false;
        while self.input.len() <= MAX_HEAD + MAX_BODY {
            match self.stream.read(&mut buf) {
                Ok(0) => {
                    // The peer is done sending: answer what is complete, then close.
                    self.closing = true;
                    break;
                }
                Ok(n) => {
                    self.input.extend_from_slice(&buf[..n]);
                    got = true;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(_) => {
                    self.dead = true;
                    break;
                }
            }
        }
        got
    }

    fn process(&mut self, api: &dyn Api) {
        if !self.dead && answer(&mut self.input, &mut self.output, self.closing, api) {
            self.closing = true;
        }
    }

    fn flush(&mut self) {
        while !self.output.is_empty() {
            match self.stream.write(&self.output) {
                Ok(0) => {
                    self.dead = true;
                    return;
                }
                Ok(n) => {
                    self.output.drain(..n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(_) => {
                    self.dead = true;
                    return;
                }
            }
        }
    }
}
