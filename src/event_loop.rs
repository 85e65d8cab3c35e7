//! The service: one thread, one poll(2) loop. It sleeps until the next pass, a status API
//! socket event or a signal, and serves the listener between a pass's outbound calls.

use crate::clock;
use crate::config::{Config, Secret};
use crate::listener::{Api, Listener};
use crate::signals;
use crate::status::Status;
use crate::sync::{self, Cache, Report};
use crate::transport::{Minreq, Request, Response, Transport};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// The first retry after a failed pass; it doubles up to the interval.
const FIRST_RETRY: u64 = 15;

struct Answers<'a> {
    status: &'a Status,
    token: &'a str,
}

impl Api for Answers<'_> {
    fn health(&self) -> (u16, String) {
        self.status.health_json(Instant::now())
    }
    fn widget(&self) -> String {
        self.status.widget_json(Instant::now())
    }
    fn token(&self) -> &str {
        self.token
    }
}

/// The pass's transport: answers the status API before each call, and refuses new calls
/// once a signal asked us to stop.
struct Serving<'a> {
    listener: Option<&'a mut Listener>,
    answers: Answers<'a>,
}

impl Transport for Serving<'_> {
    fn send(&mut self, request: Request) -> Result<Response, String> {
        if let Some(listener) = self.listener.as_deref_mut() {
            listener.serve_pending(&self.answers);
        }
        if signals::requested() {
            return Err("shutting down".to_string());
        }
        Minreq.send(request)
    }
}

pub fn run(cfg: &Config, token: Option<Secret>) -> Result<(), String> {
    let signal_fd =
        signals::install().map_err(|e| format!("cannot install signal handlers: {e}"))?;
    raise_fd_limit();
    let mut listener = match cfg.api_port {
        Some(port) => {
            let addr = SocketAddr::new(cfg.api_bind, port);
            let l = Listener::bind(addr)
                .map_err(|e| format!("cannot listen on {addr} (API_PORT/API_BIND): {e}"))?;
            crate::info!("status API on http://{addr} (/health, /widget)");
            Some(l)
        }
        None => {
            crate::info!("status API disabled (API_PORT <= 0)");
            None
        }
    };
    let token = token.map(|t| t.expose().to_string()).unwrap_or_default();
    let mut status = Status::new(cfg, Instant::now());
    let mut cache = Cache::default();
    let mut next_pass = Instant::now();
    let mut failures = 0u32;
    crate::info!(
        "dyncfdns {} keeping {} up to date every {} s",
        env!("CARGO_PKG_VERSION"),
        cfg.hosts.join(", "),
        cfg.update_interval
    );
    let mut fds: Vec<libc::pollfd> = Vec::new();
    while !signals::requested() {
        let now = Instant::now();
        if now >= next_pass {
            let report = run_pass(cfg, &mut cache, listener.as_mut(), &status, &token);
            if signals::requested() {
                break;
            }
            let end = Instant::now();
            status.record_pass(&report, clock::now_unix(), end);
            failures = if report.ok() { 0 } else { failures + 1 };
            next_pass = now + next_delay(failures, cfg.update_interval);
            if let Some(wait) = report.retry_after {
                next_pass = next_pass.max(end + Duration::from_secs(wait));
            }
            crate::debug!(
                "next pass in {} s",
                next_pass.saturating_duration_since(end).as_secs()
            );
            continue;
        }
        let deadline = listener
            .as_ref()
            .and_then(|l| l.next_deadline())
            .map_or(next_pass, |d| d.min(next_pass));
        fds.clear();
        fds.push(libc::pollfd {
            fd: signal_fd,
            events: libc::POLLIN,
            revents: 0,
        });
        if let Some(l) = &listener {
            l.pollfds(&mut fds);
        }
        let timeout = timeout_ms(deadline.saturating_duration_since(now));
        // SAFETY: fds is a valid array of pollfd of the given length.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout) };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() != std::io::ErrorKind::Interrupted {
                return Err(format!("poll failed: {e}"));
            }
            continue;
        }
        if fds[0].revents != 0 {
            signals::drain(signal_fd);
        }
        if let Some(l) = listener.as_mut() {
            let answers = Answers {
                status: &status,
                token: &token,
            };
            l.handle(&fds[1..], &answers, Instant::now());
        }
    }
    crate::info!("stopping on signal");
    Ok(())
}

fn run_pass(
    cfg: &Config,
    cache: &mut Cache,
    listener: Option<&mut Listener>,
    status: &Status,
    token: &str,
) -> Report {
    let mut transport = Serving {
        listener,
        answers: Answers { status, token },
    };
    let report = sync::run_pass(cfg, cache, &mut transport, clock::now_unix());
    if report.ok() {
        crate::info!("{}", report.summary());
    } else {
        crate::error!("{}", report.summary());
    }
    report
}

/// Up to 1000 status API connections need more descriptors than a common soft limit of 1024
/// leaves; the hard limit is ours to use.
fn raise_fd_limit() {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit with a valid rlimit struct.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < 4096 {
            lim.rlim_cur = lim.rlim_max.min(4096);
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}

/// Start to start: the interval after a good pass; after failures 15 s, 30 s, 60 s, ...
/// but never later than the interval.
pub fn next_delay(failures: u32, interval: u64) -> Duration {
    let secs = match failures {
        0 => interval,
        n => FIRST_RETRY
            .saturating_mul(1u64 << (n - 1).min(20))
            .min(interval),
    };
    Duration::from_secs(secs)
}

/// Rounds up, so the loop never wakes a hair early and spins.
fn timeout_ms(d: Duration) -> i32 {
    let ms = d.as_nanos().div_ceil(1_000_000);
    ms.min(i32::MAX as u128) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_interval() {
        let secs = |f| next_delay(f, 300).as_secs();
        assert_eq!(
            [
                secs(0),
                secs(1),
                secs(2),
                secs(3),
                secs(4),
                secs(5),
                secs(40)
            ],
            [300, 15, 30, 60, 120, 240, 300]
        );
        assert_eq!(next_delay(1, 10).as_secs(), 10);
    }

    #[test]
    fn timeouts_round_up() {
        assert_eq!(timeout_ms(Duration::from_micros(1)), 1);
        assert_eq!(timeout_ms(Duration::ZERO), 0);
        assert_eq!(timeout_ms(Duration::from_secs(u64::MAX)), i32::MAX);
    }
}
