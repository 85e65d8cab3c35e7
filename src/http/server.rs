//! The status API's sockets: a nonblocking listener and its connections, served from the
//! event loop. Memory is held to the budget in `budget`, and every connection has a deadline
//! that bytes trickling in cannot push back, so no client can pin the listener.

use super::budget::{Room, INPUT_BUDGET, MAX_CONNECTIONS};
use super::codec::{Output, MAX_BODY, MAX_HEAD};
use super::routes::{answer, Api};
use crate::sys::{self, PollFd};
use std::io::{self, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

/// A request head must be complete this long after its first byte, an idle keep-alive
/// connection is closed after it, and so is one whose answers were not read for it.
pub const DEADLINE: Duration = Duration::from_secs(10);
/// The kernel's send buffer per connection: answers a client does not read wait in our
/// budget, where they are counted and shared, not in kernel memory (which a container's
/// memory limit counts too): at most 1000 × 128 KiB there.
const SEND_BUFFER: usize = 64 * 1024;
/// One connection's unanswered input at most: a full head and a small body.
const MAX_INPUT: usize = MAX_HEAD + MAX_BODY;

struct Conn {
    stream: TcpStream,
    input: Vec<u8>,
    out: Output,
    /// The client sent its last byte.
    peer_done: bool,
    /// Answered with `Connection: close`: flush, then drop; read nothing more.
    close_after: bool,
    dead: bool,
    /// Since when nothing was to be read or written.
    idle_since: Instant,
    /// When the first byte of the request now arriving came.
    head_started: Option<Instant>,
    /// When queued output last moved, or was queued onto an empty queue.
    write_progress: Instant,
}

impl Conn {
    fn new(stream: TcpStream, now: Instant) -> Conn {
        Conn {
            stream,
            input: Vec::new(),
            out: Output::default(),
            peer_done: false,
            close_after: false,
            dead: false,
            idle_since: now,
            head_started: None,
            write_progress: now,
        }
    }

    /// Backpressure: nothing more is read while answers wait to be sent.
    fn wants_input(&self) -> bool {
        !self.peer_done && !self.close_after && self.out.is_empty() && self.input.len() < MAX_INPUT
    }

    /// When this connection must be closed if nothing changes.
    fn deadline(&self) -> Instant {
        if !self.out.is_empty() {
            self.write_progress + DEADLINE
        } else if let Some(started) = self.head_started {
            started + DEADLINE
        } else {
            self.idle_since + DEADLINE
        }
    }

    /// Which connection gives way to a new one, least valuable first: idle or half-sent
    /// ones by age, then ones whose answers have gone unread the longest.
    fn eviction_order(&self) -> (bool, Instant) {
        match self.out.is_empty() {
            true => (false, self.head_started.unwrap_or(self.idle_since)),
            false => (true, self.write_progress),
        }
    }

    /// Closes it at the next sweep, to make room for others.
    fn evict(&mut self) {
        self.dead = true;
        self.input = Vec::new();
        self.out = Output::default();
    }

    /// Reads, answers and writes until nothing moves.
    fn service(&mut self, api: &dyn Api, room: &mut Room, now: Instant) {
        let mut worked = false;
        loop {
            let read = self.wants_input() && self.read(now);
            let before = self.input.len();
            let was_empty = self.out.is_empty();
            if !self.dead && !self.close_after {
                let peer_done = self.peer_done;
                self.close_after = answer(&mut self.input, &mut self.out, peer_done, api, room);
            }
            let answered = self.input.len() != before;
            if answered {
                // What is left is the start of the next request, timed from now.
                self.head_started = (!self.input.is_empty()).then_some(now);
            }
            if was_empty && !self.out.is_empty() {
                self.write_progress = now;
            }
            let wrote = self.flush(now);
            let moved = read || answered || wrote;
            worked |= moved;
            if self.dead || !moved {
                break;
            }
        }
        if self.input.is_empty() {
            self.input = Vec::new();
        } else if self.input.capacity() > 2 * self.input.len() + 1024 {
            self.input.shrink_to_fit();
        }
        if worked && self.input.is_empty() && self.out.is_empty() {
            self.idle_since = now;
        }
        if (self.close_after || self.peer_done) && self.out.is_empty() {
            self.dead = true;
        }
    }

    /// Reads what is there, up to the connection's input limit; returns whether anything came.
    fn read(&mut self, now: Instant) -> bool {
        let mut buf = [0u8; 4096];
        let mut got = false;
        while self.input.len() < MAX_INPUT {
            let room = (MAX_INPUT - self.input.len()).min(buf.len());
            match self.stream.read(&mut buf[..room]) {
                Ok(0) => {
                    self.peer_done = true;
                    break;
                }
                Ok(n) => {
                    if self.input.is_empty() {
                        self.head_started = Some(now);
                    }
                    self.input.reserve_exact(n);
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

    /// Writes what is queued without blocking; returns whether anything went out.
    fn flush(&mut self, now: Instant) -> bool {
        match self.out.write_to(&mut self.stream) {
            Ok(0) => false,
            Ok(_) => {
                self.write_progress = now;
                true
            }
            Err(_) => {
                self.dead = true;
                false
            }
        }
    }
}

pub struct Listener {
    socket: TcpListener,
    conns: Vec<Conn>,
    /// Set when accept(2) failed (out of descriptors): the listening socket stays readable,
    /// so it is left out of poll for a second, or until a connection closes, not spun on.
    accept_paused_until: Option<Instant>,
    room: Room,
}

impl Listener {
    pub fn bind(addr: SocketAddr) -> io::Result<Listener> {
        let socket = TcpListener::bind(addr)?;
        socket.set_nonblocking(true)?;
        Ok(Listener {
            socket,
            conns: Vec::new(),
            accept_paused_until: None,
            room: Room::default(),
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
            if c.wants_input() {
                events |= sys::POLLIN;
            }
            if !c.out.is_empty() {
                events |= sys::POLLOUT;
            }
            fds.push(sys::pollfd(c.stream.as_raw_fd(), events));
        }
    }

    /// Handles what poll(2) reported for the fds from `pollfds`.
    pub fn handle(&mut self, fds: &[PollFd], api: &dyn Api, now: Instant) {
        self.refresh_room();
        // Input held by all connections, summed once and kept up to date as each is served.
        let mut held = self.input_held();
        for (i, fd) in fds.iter().skip(1).enumerate().take(self.conns.len()) {
            if fd.revents != 0 && !self.conns[i].dead {
                let before = self.conns[i].input.capacity();
                self.conns[i].service(api, &mut self.room, now);
                held = held - before + self.conns[i].input.capacity();
                self.keep_input_budget(&mut held);
            }
        }
        if fds.first().is_some_and(|fd| fd.revents != 0) {
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

    /// When the next connection must be closed, if any.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.conns
            .iter()
            .map(Conn::deadline)
            .chain(self.accept_paused_until)
            .min()
    }

    pub fn expire(&mut self, now: Instant) {
        self.conns.retain(|c| now < c.deadline());
    }

    pub fn connections(&self) -> usize {
        self.conns.len()
    }

    fn refresh_room(&mut self) {
        let owned = self.conns.iter().map(|c| c.out.owned()).sum();
        self.room.refresh(owned);
    }

    /// Keeps room for one more full request under the input budget by closing the
    /// connections that have been sending a head the longest.
    fn keep_input_budget(&mut self, held: &mut usize) {
        while *held + MAX_INPUT > INPUT_BUDGET {
            let Some(i) = self.oldest_evictable(|c| !c.input.is_empty()) else {
                return;
            };
            *held -= self.conns[i].input.capacity();
            self.conns[i].evict();
        }
    }

    /// Bytes of unanswered input all live connections hold.
    fn input_held(&self) -> usize {
        self.conns
            .iter()
            .filter(|c| !c.dead)
            .map(|c| c.input.capacity())
            .sum()
    }

    /// The live connection first in eviction order among those `eligible`.
    fn oldest_evictable(&self, eligible: impl Fn(&Conn) -> bool) -> Option<usize> {
        self.conns
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.dead && eligible(c))
            .min_by_key(|(_, c)| c.eviction_order())
            .map(|(i, _)| i)
    }

    fn accept(&mut self, api: &dyn Api, now: Instant) {
        self.conns.retain(|c| !c.dead);
        let mut held = self.input_held();
        loop {
            match self.socket.accept() {
                Ok((stream, _)) => {
                    if self.conns.len() >= MAX_CONNECTIONS {
                        // A new client is worth more than one that sends nothing or
                        // reads nothing.
                        if let Some(i) = self.oldest_evictable(|_| true) {
                            held -= self.conns.swap_remove(i).input.capacity();
                        }
                    }
                    if stream.set_nonblocking(true).is_err()
                        || sys::set_send_buffer(stream.as_raw_fd(), SEND_BUFFER).is_err()
                    {
                        continue;
                    }
                    let mut conn = Conn::new(stream, now);
                    // The request often arrives with the connection: answer it now.
                    conn.service(api, &mut self.room, now);
                    if !conn.dead {
                        held += conn.input.capacity();
                        self.conns.push(conn);
                        self.keep_input_budget(&mut held);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_costs_what_the_budget_says() {
        // The README's budget counts 0.2 KiB of state per connection.
        assert!(
            std::mem::size_of::<Conn>() <= 200,
            "{}",
            std::mem::size_of::<Conn>()
        );
    }
}
