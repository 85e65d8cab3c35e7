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
    /// When the last change that counts came, while no pass was asked for it yet.
    pending: Option<Instant>,
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
            Ok(Some(Watch {
                socket,
                watched,
                buf: vec![0; 16 * 1024],
                pending: None,
                events: 0,
                passes: 0,
            }))
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
    format!("{what} (interface indexes {list:?})")
}

impl Watch {
    pub fn fd(&self) -> RawFd {
        self.socket.as_raw_fd()
    }

    /// Reads every change waiting; notes when one that counts came. A default route coming
    /// or going also moves which interfaces count.
    pub fn read(&mut self, now: Instant) {
        loop {
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
                self.pending = Some(now);
                continue;
            }
            for event in netlink::events(&self.buf[..n]).unwrap_or_default() {
                self.events += 1;
                if netlink::counts(&event, &self.watched) {
                    crate::debug!("network change: {event:?}");
                    self.pending = Some(now);
                } else if event != Event::Other {
                    crate::debug!("network change ignored: {event:?}");
                }
                follow(&mut self.watched, &event);
            }
        }
    }

    /// When a pass should be asked for, if a change is waiting for one.
    pub fn due(&self) -> Option<Instant> {
        self.pending.map(|at| at + crate::bounds::WATCH_SETTLE)
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
