//! A fake webhook or heartbeat receiver: records every request, answers as told.

use super::ipecho::Answer;
use super::server::{Handler, Reply, Req, Server};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

type Seen = Arc<(Mutex<Vec<Req>>, Condvar)>;

pub struct Recorder {
    seen: Seen,
    answer: Arc<Mutex<Answer>>,
    server: Server,
}

impl Recorder {
    pub fn start() -> Recorder {
        Self::start_at("127.0.0.1".parse().unwrap(), None)
    }

    /// On `ip` alone, over TLS with `tls` when given.
    pub fn start_at(ip: std::net::IpAddr, tls: Option<Arc<rustls::ServerConfig>>) -> Recorder {
        let seen: Seen = Arc::new((Mutex::new(Vec::new()), Condvar::new()));
        let answer = Arc::new(Mutex::new(Answer::Text(200, "OK".into())));
        let (s2, a2) = (seen.clone(), answer.clone());
        let handler: Handler = Arc::new(move |req: &Req| {
            let (list, cond) = &*s2;
            let hit = {
                let mut list = list.lock().unwrap();
                list.push(req.clone());
                list.len() - 1
            };
            cond.notify_all();
            match a2.lock().unwrap().clone() {
                Answer::Text(status, body) => Reply::text(status, &body),
                Answer::Hang => Reply::Hang,
                Answer::Cycle(bodies) => Reply::text(200, &bodies[hit % bodies.len()]),
            }
        });
        Recorder {
            seen,
            answer,
            server: Server::start_at(ip, 0, handler, tls),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base())
    }

    pub fn port(&self) -> u16 {
        self.server.port
    }

    pub fn set(&self, answer: Answer) {
        *self.answer.lock().unwrap() = answer;
    }

    pub fn requests(&self) -> Vec<Req> {
        self.seen.0.lock().unwrap().clone()
    }

    /// Waits until at least `n` requests came; panics after `limit`.
    pub fn wait_for(&self, n: usize, limit: Duration) -> Vec<Req> {
        let (list, cond) = &*self.seen;
        let deadline = Instant::now() + limit;
        let mut seen = list.lock().unwrap();
        while seen.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "waited {limit:?} for {n} requests, got {:?}",
                *seen
            );
            seen = cond.wait_timeout(seen, left).unwrap().0;
        }
        seen.clone()
    }
}
