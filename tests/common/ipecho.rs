//! A fake "what is my IP" service whose answer a test can change.

use super::server::{Handler, Reply, Req, Server};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Clone)]
pub enum Answer {
    Text(u16, String),
    Hang,
    /// Each request gets the next of these bodies (status 200), round and round: a provider
    /// that flaps between egress addresses.
    Cycle(Vec<String>),
}

pub struct IpEcho {
    answer: Arc<Mutex<Answer>>,
    hits: Arc<AtomicUsize>,
    server: Server,
}

impl IpEcho {
    pub fn start(body: &str) -> IpEcho {
        Self::start_at("127.0.0.1".parse().unwrap(), 0, body, None)
    }

    /// On `ip` alone at `port` (0: any), over TLS with `tls` when given.
    pub fn start_at(
        ip: std::net::IpAddr,
        port: u16,
        body: &str,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> IpEcho {
        let answer = Arc::new(Mutex::new(Answer::Text(200, body.to_string())));
        let hits = Arc::new(AtomicUsize::new(0));
        let (a2, h2) = (answer.clone(), hits.clone());
        let handler: Handler = Arc::new(move |_req: &Req| {
            let hit = h2.fetch_add(1, Ordering::SeqCst);
            match a2.lock().unwrap().clone() {
                Answer::Text(status, body) => Reply::text(status, &body),
                Answer::Hang => Reply::Hang,
                Answer::Cycle(bodies) => Reply::text(200, &bodies[hit % bodies.len()]),
            }
        });
        IpEcho {
            answer,
            hits,
            server: Server::start_at(ip, port, handler, tls),
        }
    }

    pub fn set(&self, answer: Answer) {
        *self.answer.lock().unwrap() = answer;
    }

    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    /// As an `IP4_PROVIDER`/`IP6_PROVIDER` entry.
    pub fn provider(&self) -> String {
        format!("url:{}/", self.server.base())
    }

    pub fn port(&self) -> u16 {
        self.server.port
    }
}
