//! The network watch: one more nonblocking socket in the poll loop, subscribed to the kernel's
//! address and route changes. A change that can move our address (`netlink::counts`) asks for
//! a pass once the changes have been quiet for `bounds::WATCH_SETTLE`, at most one per
//! `bounds::WATCH_GAP`, through the same path as SIGUSR1. No thread, no timer while nothing
//! happens.

use crate::config::{Config, Provider, WatchNetwork};
use crate::netlink::{self, Event, Watched};
use crate::sys;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::time::Instant;

pub struct Watch {
    socket: OwnedFd,
    watched: Watched,
    buf: Vec<u8>,
    /// When the first and the last change that counts came, while no pass was asked for them.
    pending: Option<(Instant, Instant)>,
    /// Events read, and the passes they asked for (for the log and /metrics).
    pub events: u64,
    pub passes: u64,
}

/// The watch as configured: `Ok(None)` when off (or, with `auto`, when the socket cannot be
/// opened: said once); an error only with WATCH_NETWORK=true.
pub fn open(cfg: &Config) -> Result<Option<Watch>, String> {
    if cfg.detection.watch == WatchNetwork::Off {
        return Ok(None);
    }
    match sys::open_watch() {
        Ok(socket) => {
            let watched = watched(cfg);
            crate::info!("watching the network: {}", describe(&watched));
            Ok(Some(Watch::on(socket, watched)))
        }
        Err(e) if cfg.detection.watch == WatchNetwork::On => Err(format!(
            "WATCH_NETWORK=true: cannot open the kernel's routing socket: {e}"
        )),
        Err(e) => {
            crate::info!("not watching the network (the kernel's routing socket: {e})");
            Ok(None)
        }
    }
}

/// The interfaces whose changes count: those `interface:` providers name; with any other
/// provider, also those of the default routes, as the kernel lists them now.
fn watched(cfg: &Config) -> Watched {
    let providers: Vec<&Provider> = cfg.families().flat_map(|f| cfg.providers(f)).collect();
    let mut named: Vec<u32> = providers
        .iter()
        .filter_map(|p| match p {
            Provider::Interface(name) => sys::interface_index(name),
            _ => None,
        })
        .collect();
    if providers
        .iter()
        .all(|p| matches!(p, Provider::Interface(_)))
    {
        return Watched::Named(named);
    }
    for family in [libc::AF_INET as u8, libc::AF_INET6 as u8] {
        let routes = sys::dump_routes(family).ok();
        let events = routes.and_then(|dump| netlink::events(&dump).ok());
        for event in events.unwrap_or_default() {
            if let Event::DefaultRoute { oif: Some(i), .. } = event {
                if !named.contains(&i) {
                    named.push(i);
                }
            }
        }
    }
    Watched::DefaultPath(named)
}

fn describe(w: &Watched) -> String {
    let (what, list) = match w {
        Watched::Named(l) => ("the interfaces interface: names", l),
        Watched::DefaultPath(l) => ("the default routes and the interfaces that carry them", l),
    };
    let names: Vec<String> = list
        .iter()
        .map(|&i| sys::interface_name(i).unwrap_or_else(|| format!("#{i}")))
        .collect();
    match names.is_empty() {
        true => format!("{what} (none now)"),
        false => format!("{what} ({})", names.join(", ")),
    }
}

/// What `check` says of the watch, and a problem when the service would not start.
pub fn summary(cfg: &Config) -> (String, Option<String>) {
    if cfg.detection.watch == WatchNetwork::Off {
        return ("off (WATCH_NETWORK=false)".to_string(), None);
    }
    match sys::open_watch() {
        Ok(_) => (format!("on: {}", describe(&watched(cfg))), None),
        Err(e) if cfg.detection.watch == WatchNetwork::On => (
            "cannot be opened".to_string(),
            Some(format!(
                "WATCH_NETWORK=true but the kernel's routing socket cannot be opened ({e}): set WATCH_NETWORK=auto or false"
            )),
        ),
        Err(e) => (
            format!("off: the kernel's routing socket cannot be opened here ({e}); passes come on UPDATE_INTERVAL"),
            None,
        ),
    }
}

impl Watch {
    fn on(socket: OwnedFd, watched: Watched) -> Watch {
        Watch {
            socket,
            watched,
            buf: vec![0; 16 * 1024],
            pending: None,
            events: 0,
            passes: 0,
        }
    }

    pub fn fd(&self) -> RawFd {
        self.socket.as_raw_fd()
    }

    /// Reads the changes waiting, at most `bounds::WATCH_READS` datagrams; notes when one that
    /// counts came. A default route coming or going also moves which interfaces count.
    pub fn read(&mut self, now: Instant) {
        for _ in 0..crate::bounds::WATCH_READS {
            let n = match sys::read_watch(self.socket.as_raw_fd(), &mut self.buf) {
                Ok(Some(n)) => n,
                Ok(None) => return,
                Err(e) => {
                    crate::warn!("reading the network watch failed: {e}");
                    return;
                }
            };
            // An overrun: messages were lost, so something may have changed.
            if n == 0 {
                self.changed(now);
                continue;
            }
            for event in netlink::events(&self.buf[..n]).unwrap_or_default() {
                self.events += 1;
                if netlink::counts(&event, &self.watched) {
                    crate::debug!("network change: {event:?}");
                    self.changed(now);
                } else if event != Event::Other {
                    crate::debug!("network change ignored: {event:?}");
                }
                follow(&mut self.watched, &event);
            }
        }
    }

    fn changed(&mut self, now: Instant) {
        let first = self.pending.map_or(now, |(first, _)| first);
        self.pending = Some((first, now));
    }

    /// When a pass should be asked for, if a change is waiting for one: once the changes have
    /// been quiet for the settle time, or, when they never are, a while after the first.
    pub fn due(&self) -> Option<Instant> {
        self.pending.map(|(first, last)| {
            (last + crate::bounds::WATCH_SETTLE).min(first + crate::bounds::WATCH_LONGEST_WAIT)
        })
    }

    /// A pass was asked for: the changes so far are served.
    pub fn served(&mut self) {
        self.pending = None;
        self.passes += 1;
    }
}

/// Keeps the default path's interfaces as the kernel changes them.
fn follow(watched: &mut Watched, event: &Event) {
    let (
        Watched::DefaultPath(list),
        Event::DefaultRoute {
            added,
            oif: Some(i),
        },
    ) = (watched, event)
    else {
        return;
    };
    match (*added, list.contains(i)) {
        (true, false) => list.push(*i),
        (false, true) => list.retain(|x| x != i),
        (true, true) | (false, false) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watch_network_false_opens_nothing() {
        let var = |k: &str| match k {
            "HOST_LIST" => Some("a.example.com".to_string()),
            "CLOUDFLARE_API_TOKEN" => Some("t".to_string()),
            "WATCH_NETWORK" => Some("false".to_string()),
            _ => None,
        };
        let read_file = |_: &str| Err(std::io::Error::other("no files here"));
        let source = crate::config::Source {
            var: &var,
            read_file: &read_file,
        };
        let cfg = crate::config::parse(&source).unwrap();
        assert!(open(&cfg).unwrap().is_none());
    }

    /// A watch over one end of a datagram pair, and the other end to send on.
    fn watch_pair() -> (Watch, std::os::unix::net::UnixDatagram) {
        let (ours, theirs) = std::os::unix::net::UnixDatagram::pair().unwrap();
        ours.set_nonblocking(true).unwrap();
        (
            Watch::on(OwnedFd::from(ours), Watched::Named(vec![])),
            theirs,
        )
    }

    #[test]
    fn a_flood_is_read_a_bounded_number_at_a_time() {
        let (mut w, theirs) = watch_pair();
        let sent = crate::bounds::WATCH_READS + 36;
        theirs.set_nonblocking(true).unwrap();
        // Empty datagrams read as overruns: each counts as a change.
        let sent = (0..sent).take_while(|_| theirs.send(&[]).is_ok()).count();
        assert!(sent > crate::bounds::WATCH_READS, "only {sent} queued");
        let now = Instant::now();
        w.read(now);
        assert!(w.due().is_some());
        let mut buf = [0u8; 16];
        let left = std::iter::from_fn(|| sys::read_watch(w.fd(), &mut buf).unwrap()).count();
        assert_eq!(left, sent - crate::bounds::WATCH_READS);
    }

    #[test]
    fn a_pass_is_due_once_quiet_or_after_the_longest_wait() {
        use crate::bounds::{WATCH_LONGEST_WAIT, WATCH_SETTLE};
        let (mut w, _theirs) = watch_pair();
        let t0 = Instant::now();
        assert_eq!(w.due(), None);
        w.changed(t0);
        assert_eq!(w.due(), Some(t0 + WATCH_SETTLE));
        // A change every half settle time never goes quiet: the first one still bounds it.
        let step = WATCH_SETTLE / 2;
        let mut t = t0;
        while t < t0 + WATCH_LONGEST_WAIT * 2 {
            t += step;
            w.changed(t);
        }
        assert_eq!(w.due(), Some(t0 + WATCH_LONGEST_WAIT));
        w.served();
        assert_eq!(w.due(), None);
        w.changed(t);
        assert_eq!(w.due(), Some(t + WATCH_SETTLE));
    }

    #[test]
    fn the_default_path_follows_the_routes() {
        let mut w = Watched::DefaultPath(vec![2]);
        follow(
            &mut w,
            &Event::DefaultRoute {
                added: true,
                oif: Some(9),
            },
        );
        assert_eq!(w, Watched::DefaultPath(vec![2, 9]));
        follow(
            &mut w,
            &Event::DefaultRoute {
                added: false,
                oif: Some(2),
            },
        );
        assert_eq!(w, Watched::DefaultPath(vec![9]));
        let mut named = Watched::Named(vec![2]);
        follow(
            &mut named,
            &Event::DefaultRoute {
                added: true,
                oif: Some(9),
            },
        );
        assert_eq!(named, Watched::Named(vec![2]), "interface: names its own");
    }
}
