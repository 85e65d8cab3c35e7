//! The status API's memory budget: what all clients together may make the process hold,
//! whatever they send or fail to read. The arithmetic (README, "Limits"):
//!
//! connections × (fixed state + a small reply) + input budget + output budget + the largest
//! shared reply = 1000 × (0.2 + 0.64) KiB + 512 KiB + 1 MiB + one `/metrics` or `/widget` body.
//!
//! Pure: the server asks `Room::admit` before queuing a reply and keeps the totals.

use std::rc::{Rc, Weak};

/// Connections held at once: with the per-connection terms below this is ~0.84 MB; the
/// oldest idle or half-sent connection makes room for a new one.
pub const MAX_CONNECTIONS: usize = 1000;
/// Bytes of unanswered requests held across all connections; the oldest half-sent ones are
/// closed to stay under it.
pub const INPUT_BUDGET: usize = 512 * 1024;
/// Bytes of answers queued for clients across all connections (shared bodies once each).
pub const OUTPUT_BUDGET: usize = 1024 * 1024;
/// A connection with this much queued is not read or answered further until it drains.
pub const ALLOWANCE: usize = 4 * 1024;
/// A reply this small always goes to a connection with nothing queued, budget or not, so a
/// fresh `/health` is answered even while others hold the budget.
pub const SMALL_REPLY: usize = 640;

/// Whether a reply may be queued.
#[derive(Debug, PartialEq, Eq)]
pub enum Admit {
    Yes,
    /// No room: answer 503 instead.
    Busy,
    /// The connection's own queue must drain first; leave the request unread.
    Wait,
}

/// The output budget left, and the shared bodies queued somewhere (each counted once).
#[derive(Default)]
pub struct Room {
    pub free: usize,
    live: Vec<(Weak<String>, usize)>,
}

impl Room {
    /// Recomputes what is free, given the bytes that connections own in their queues.
    pub fn refresh(&mut self, owned: usize) {
        self.live.retain(|(w, _)| w.strong_count() > 0);
        let shared: usize = self.live.iter().map(|(_, n)| n).sum();
        self.free = OUTPUT_BUDGET.saturating_sub(owned + shared);
    }

    /// Decides for a reply of `own` bytes copied (head and small body) plus a shared body,
    /// for a connection with `queued` bytes waiting; charges it when admitted.
    pub fn admit(&mut self, queued: usize, own: usize, shared: Option<&Rc<String>>) -> Admit {
        if queued >= ALLOWANCE {
            return Admit::Wait;
        }
        let is_live = |s: &Rc<String>| {
            self.live
                .iter()
                .any(|(w, _)| std::ptr::eq(w.as_ptr(), Rc::as_ptr(s)))
        };
        let new_shared = shared.filter(|s| !is_live(s)).map_or(0, |s| s.len());
        let cost = own + new_shared;
        let fits = cost <= self.free
            || (queued == 0 && cost <= SMALL_REPLY)
            // The largest reply may go beyond the budget, one at a time.
            || (queued == 0 && new_shared > 0 && self.live.is_empty());
        if !fits {
            return if queued == 0 {
                Admit::Busy
            } else {
                Admit::Wait
            };
        }
        self.free = self.free.saturating_sub(cost);
        if let Some(s) = shared.filter(|_| new_shared > 0) {
            self.live.push((Rc::downgrade(s), s.len()));
        }
        Admit::Yes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room(owned: usize) -> Room {
        let mut r = Room::default();
        r.refresh(owned);
        r
    }

    #[test]
    fn small_replies_always_reach_an_empty_queue() {
        let mut r = room(OUTPUT_BUDGET);
        assert_eq!(r.admit(0, 200, None), Admit::Yes);
        assert_eq!(r.admit(0, 5000, None), Admit::Busy);
        assert_eq!(r.admit(10, 200, None), Admit::Wait);
        assert_eq!(r.admit(ALLOWANCE, 1, None), Admit::Wait);
    }

    #[test]
    fn a_shared_body_is_charged_once_and_one_may_exceed_the_budget() {
        let big = Rc::new("m".repeat(OUTPUT_BUDGET + 10));
        let mut r = room(0);
        assert_eq!(r.admit(0, 100, Some(&big)), Admit::Yes);
        let free = r.free;
        assert_eq!(
            r.admit(0, 100, Some(&big)),
            Admit::Yes,
            "already queued: free"
        );
        assert_eq!(r.free, free.saturating_sub(100));
        let other = Rc::new("n".repeat(2000));
        assert_eq!(r.admit(0, 100, Some(&other)), Admit::Busy);
        let held = big.clone();
        r.refresh(0);
        assert_eq!(r.free, 0, "a live body counts against the budget");
        drop((big, held));
        r.refresh(0);
        assert_eq!(r.free, OUTPUT_BUDGET);
        assert_eq!(r.admit(0, 100, Some(&other)), Admit::Yes);
    }
}
