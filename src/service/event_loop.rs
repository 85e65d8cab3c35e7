//! The service: one thread, one poll(2) loop. It sleeps until the next pass, a status API
//! socket event or a signal, and serves the listener between a pass's outbound calls.

use crate::bounds;
use crate::clock;
use crate::config::{Config, Secret};
use crate::http::{Api, Body, Listener};
use crate::service::heartbeat::Heartbeats;
use crate::service::notify::{self, Notifier};
use crate::service::schedule::{
    first_pass, next_delay, retry_wait, timeout_ms, ASKED_DURING_PASS, RECHECK,
};
use crate::service::signals::{self, Requests};
use crate::service::watch::{self, Watch};
use crate::status::Status;
use crate::sync::{self, Cache, Report};
use crate::sys::{self, PollFd};
use crate::transport::{Deadline, Http, Request, Response, Transport, TransportError};
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

struct Answers<'a> {
    status: &'a Status,
    token: &'a str,
    metrics_public: bool,
}

impl Api for Answers<'_> {
    fn health(&self) -> (u16, String) {
        self.status.health_json(Instant::now())
    }
    fn widget(&self) -> Body {
        Body::Shared(self.status.widget_shared(Instant::now()))
    }
    fn metrics(&self) -> Body {
        Body::Shared(self.status.metrics_shared())
    }
    fn metrics_public(&self) -> bool {
        self.metrics_public
    }
    fn token(&self) -> &str {
        self.token
    }
}

struct Serving<'a> {
    listener: Option<&'a mut Listener>,
    answers: Answers<'a>,
    outbound: &'a mut AtOnce,
    requests: &'a dyn Requests,
}

impl Transport for Serving<'_> {
    fn send(&mut self, request: Request) -> Result<Response, TransportError> {
        if let Some(listener) = self.listener.as_deref_mut() {
            listener.serve_pending(&self.answers);
        }
        if self.requests.stop() {
            return Err(TransportError::ShuttingDown);
        }
        self.outbound.send(request)
    }
}

/// The real transport, inside a mark that lets a stop signal end the process during the call.
pub struct AtOnce(pub Http);

impl Transport for AtOnce {
    fn send(&mut self, request: Request) -> Result<Response, TransportError> {
        let http = &mut self.0;
        signals::abandonable(|| http.send(request)).unwrap_or(Err(TransportError::ShuttingDown))
    }
}

/// Why the service could not go on.
#[derive(Debug)]
pub enum RunError {
    /// The status API's address cannot be listened on: the configuration's to fix.
    Listen(String),
    Signals(std::io::Error),
    Poll(std::io::Error),
    /// WATCH_NETWORK=true and the kernel's routing socket cannot be opened.
    Watch(String),
}

impl RunError {
    /// Whether the configuration must change (exit 2: restarting cannot help).
    pub fn is_configuration(&self) -> bool {
        matches!(self, RunError::Listen(_) | RunError::Watch(_))
    }
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            RunError::Listen(why) => f.write_str(why),
            RunError::Signals(e) => write!(f, "cannot install signal handlers: {e}"),
            RunError::Poll(e) => write!(f, "poll failed: {e}"),
            RunError::Watch(why) => f.write_str(why),
        }
    }
}

/// The service until a stop is asked for (`requests`: the signal handlers', in the product).
pub fn run(
    cfg: &Config,
    token: Option<Secret>,
    http: Http,
    requests: &dyn Requests,
) -> Result<(), RunError> {
    let signal_fd = signals::install().map_err(RunError::Signals)?;
    let listener = listen(cfg)?;
    announce(cfg);
    let mut service = Service {
        cfg,
        listener,
        status: Status::new(cfg, Instant::now()),
        cache: Cache::default(),
        token: token.map(|t| t.expose().to_string()).unwrap_or_default(),
        notifier: cfg.reporters.notify_url.clone().map(Notifier::new),
        heartbeats: Heartbeats::new(cfg),
        next_pass: first_pass(cfg, Instant::now()),
        not_before: None,
        missing: BTreeSet::new(),
        failures: 0,
        outbound: AtOnce(http),
        requests,
        watch: watch::open(cfg).map_err(RunError::Watch)?,
        last_watch_pass: None,
    };
    let mut fds: Vec<PollFd> = Vec::new();
    while !requests.stop() {
        if service.watch_due().is_some_and(|due| Instant::now() >= due) {
            service.watch_pass(Instant::now());
        }
        if Instant::now() >= service.next_pass {
            service.pass();
            if let Some(signal) = requests.take_pass() {
                service.asked(signal, Instant::now() + ASKED_DURING_PASS);
            }
        } else if let Some(signal) = requests.take_pass() {
            service.asked(signal, Instant::now());
        } else {
            service.wait(signal_fd, &mut fds)?;
        }
    }
    crate::info!("stopping on signal");
    if cfg.lifecycle.delete_on_stop {
        delete_on_stop(cfg, &mut service.cache, &mut service.outbound);
    }
    Ok(())
}

/// The status API's socket, if it is on.
fn listen(cfg: &Config) -> Result<Option<Listener>, RunError> {
    // Up to MAX_CONNECTIONS status API connections need more descriptors than a common
    // soft limit of 1024 leaves; the hard limit is ours to use.
    if let Err(e) = sys::raise_fd_limit(4096) {
        crate::warn!("cannot raise the open-file limit: {e}");
    }
    let Some(port) = cfg.status_api.port else {
        crate::info!("status API disabled (API_PORT <= 0)");
        return Ok(None);
    };
    let addr = SocketAddr::new(cfg.status_api.bind, port);
    let l = Listener::bind(addr).map_err(|e| {
        RunError::Listen(format!("cannot listen on {addr} (API_PORT/API_BIND): {e}"))
    })?;
    crate::info!("status API on http://{addr} (/, /health, /widget, /metrics)");
    Ok(Some(l))
}

fn announce(cfg: &Config) {
    crate::info!(
        "dyncfdns {} keeping {} up to date every {} s",
        env!("CARGO_PKG_VERSION"),
        cfg.hosts
            .iter()
            .map(|h| crate::idna::shown(h))
            .collect::<Vec<_>>()
            .join(", "),
        cfg.lifecycle.update_interval
    );
    crate::debug!("{}", bounds::describe(cfg));
    if let Some(w) = bounds::probe_warning(cfg) {
        crate::warn!("{w}");
    }
}

/// The deletes of DELETE_ON_STOP, bounded (`bounds::STOP_DELETES`); a second stop signal
/// during them ends the process at once. Also what a stop during a call turns the process into.
pub fn delete_on_stop(cfg: &Config, cache: &mut Cache, outbound: &mut AtOnce) {
    signals::deletes_begin();
    let n = sync::delete_managed(cfg, cache, outbound);
    crate::info!("DELETE_ON_STOP: deleted {n} records and list items");
}

/// Everything the loop keeps between events.
struct Service<'c> {
    cfg: &'c Config,
    listener: Option<Listener>,
    status: Status,
    cache: Cache,
    token: String,
    notifier: Option<Notifier>,
    heartbeats: Heartbeats,
    next_pass: Instant,
    /// Cloudflare's Retry-After: even a pass asked for waits until then.
    not_before: Option<Instant>,
    /// Hosts without a record (creation off), warned about once.
    missing: BTreeSet<sync::report::Key>,
    failures: u32,
    /// Outbound calls, with the configuration's proxies and CA roots.
    outbound: AtOnce,
    /// The kernel's address and route changes, when watched (WATCH_NETWORK).
    watch: Option<Watch>,
    /// When the last pass the watch asked for was to start.
    last_watch_pass: Option<Instant>,
    requests: &'c dyn Requests,
}

/// The transport of a pass and of what follows it: it answers the status API before each
/// call, and refuses new calls once a signal asked us to stop.
fn serving<'a>(
    listener: Option<&'a mut Listener>,
    status: &'a Status,
    token: &'a str,
    metrics_public: bool,
    outbound: &'a mut AtOnce,
    requests: &'a dyn Requests,
) -> Serving<'a> {
    Serving {
        listener,
        outbound,
        requests,
        answers: Answers {
            status,
            token,
            metrics_public,
        },
    }
}

impl Service<'_> {
    fn pass(&mut self) {
        let start = Instant::now();
        let cfg = self.cfg;
        let previous_ok = self.status.last_ok;
        let mut t = serving(
            self.listener.as_mut(),
            &self.status,
            &self.token,
            cfg.status_api.metrics_public,
            &mut self.outbound,
            self.requests,
        );
        self.heartbeats.start(&mut t);
        let report = sync::run_pass(cfg, &mut self.cache, &mut t, clock::now_unix());
        if self.requests.stop() {
            return;
        }
        let (warnings, notes) = sync::missing_news(&mut self.missing, &report);
        warnings.iter().for_each(|w| crate::warn!("{w}"));
        notes.iter().for_each(|n| crate::info!("{n}"));
        report.log_summary();
        let end = Instant::now();
        let unix = clock::now_unix();
        if let Some(w) = &self.watch {
            self.status.record_watch(w.events, w.passes);
        }
        self.status.record_pass(&report, unix, end);
        self.failures = if report.ok() { 0 } else { self.failures + 1 };
        self.next_pass = start + next_delay(self.failures, cfg.lifecycle.update_interval);
        if report.recheck() {
            self.next_pass = self.next_pass.min(start + RECHECK);
        }
        // NTP sets a clock within a minute or two of boot: neither the backoff nor the
        // interval, and no exit (procd or Docker would respawn it in a storm).
        if report.clock_behind() {
            crate::warn!(
                "the clock is not set yet: passes go on every {} s until it is",
                RECHECK.as_secs()
            );
            self.next_pass = start + RECHECK;
        }
        self.not_before = report
            .retry_after
            .map(|wait| end + retry_wait(wait, cfg.lifecycle.update_interval));
        if let Some(not_before) = self.not_before {
            self.next_pass = self.next_pass.max(not_before);
        }
        self.tell_others(&report, previous_ok, unix);
    }

    /// Notifications and heartbeats, after the pass, together within a fixed time.
    fn tell_others(&mut self, report: &Report, previous_ok: Option<bool>, unix: u64) {
        let mut t = serving(
            self.listener.as_mut(),
            &self.status,
            &self.token,
            self.cfg.status_api.metrics_public,
            &mut self.outbound,
            self.requests,
        );
        let mut t = Deadline {
            inner: &mut t,
            until: Instant::now() + Duration::from_secs(bounds::REPORTS_AFTER_PASS),
        };
        if let Some(n) = self.notifier.as_mut() {
            if let Some(m) = notify::message(report, previous_ok, unix) {
                n.push(m);
            }
            n.flush(&mut t);
        }
        self.heartbeats.finish(report, &mut t);
    }

    /// A pass asked for by a signal: at `at` (or sooner, if one is due), never before
    /// Cloudflare's Retry-After.
    fn asked(&mut self, signal: &str, at: Instant) {
        let at = self.not_before.map_or(at, |nb| at.max(nb));
        crate::info!(
            "{signal}: a pass is asked for; starting {}",
            match (at.saturating_duration_since(Instant::now()).as_millis() + 500) / 1000 {
                0 => "now".to_string(),
                s => format!("in {s} s"),
            }
        );
        self.next_pass = self.next_pass.min(at);
    }

    /// When the watch wants a pass asked for: its changes settled.
    fn watch_due(&self) -> Option<Instant> {
        self.watch.as_ref().and_then(Watch::due)
    }

    /// The watch's changes settled: a pass, as SIGUSR1 asks, but at most one per
    /// `bounds::WATCH_GAP` (a flapping link).
    fn watch_pass(&mut self, now: Instant) {
        let at = self
            .last_watch_pass
            .map_or(now, |last| now.max(last + bounds::WATCH_GAP));
        self.asked("a network change", at);
        self.last_watch_pass = Some(at);
        if let Some(w) = self.watch.as_mut() {
            w.served();
        }
    }

    /// Sleeps in poll(2) until the next pass, a status API event, a signal or a network change.
    fn wait(&mut self, signal_fd: i32, fds: &mut Vec<PollFd>) -> Result<(), RunError> {
        let now = Instant::now();
        let deadline = self
            .listener
            .as_ref()
            .and_then(|l| l.next_deadline())
            .map_or(self.next_pass, |d| d.min(self.next_pass));
        let deadline = self.watch_due().map_or(deadline, |d| d.min(deadline));
        fds.clear();
        fds.push(sys::pollfd(signal_fd, sys::POLLIN));
        // The watch's socket, when on, comes next; the listener's after.
        let first_listener = match &self.watch {
            Some(w) => {
                fds.push(sys::pollfd(w.fd(), sys::POLLIN));
                2
            }
            None => 1,
        };
        if let Some(l) = &self.listener {
            l.pollfds(fds);
        }
        let timeout = timeout_ms(deadline.saturating_duration_since(now));
        match sys::poll(fds, timeout) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => return Ok(()),
            Err(e) => return Err(RunError::Poll(e)),
        }
        if fds[0].revents != 0 {
            signals::drain(signal_fd);
        }
        if first_listener == 2 && fds[1].revents != 0 {
            if let Some(w) = self.watch.as_mut() {
                w.read(Instant::now());
            }
        }
        let mut t = serving(
            self.listener.as_mut(),
            &self.status,
            &self.token,
            self.cfg.status_api.metrics_public,
            &mut self.outbound,
            self.requests,
        );
        if let Some(l) = t.listener.as_deref_mut() {
            l.handle(&fds[first_listener..], &t.answers, Instant::now());
        }
        Ok(())
    }
}
