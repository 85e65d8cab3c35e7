//! Opening a TCP connection by a deadline, to the addresses of one family if asked: name
//! resolution in a helper thread (getaddrinfo cannot be given a timeout; minreq does the same),
//! then each address in turn with the time left.

use super::{Dial, TransportError};
use std::io;
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Instant;

/// The time left before `until`, or `TimedOut`.
pub fn left(until: Instant) -> Result<std::time::Duration, TransportError> {
    let d = until.saturating_duration_since(Instant::now());
    if d.is_zero() {
        Err(TransportError::TimedOut)
    } else {
        Ok(d)
    }
}

/// The addresses of `host` that `dial` allows, in the resolver's order.
pub fn resolve(
    host: &str,
    port: u16,
    dial: Dial,
    until: Instant,
) -> Result<Vec<SocketAddr>, TransportError> {
    let all = match host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => {
            let name = host.to_string();
            let lookup = std::thread::Builder::new()
                .name("resolve".into())
                // musl's own default for threads, which its resolver is written to fit.
                .stack_size(128 * 1024)
                .spawn(move || (name.as_str(), port).to_socket_addrs().map(Vec::from_iter))
                .map_err(|e| TransportError::Connect(format!("cannot resolve: {e}")))?;
            // Looked at every 5 ms rather than through a channel: less code, and a lookup
            // still running at the deadline is left to end on its own.
            while !lookup.is_finished() {
                left(until)?;
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            match lookup.join() {
                Ok(Ok(addrs)) => addrs,
                Ok(Err(e)) => {
                    return Err(TransportError::Connect(format!(
                        "cannot resolve {}: {e}",
                        crate::log::escape(host)
                    )))
                }
                Err(_) => return Err(TransportError::Connect("the resolver failed".into())),
            }
        }
    };
    let allowed = of_family(all, dial);
    if allowed.is_empty() {
        let family = match dial {
            Dial::V4 => "IPv4",
            _ => "IPv6",
        };
        return Err(TransportError::Connect(format!(
            "{} has no {family} address",
            crate::log::escape(host)
        )));
    }
    Ok(allowed)
}

/// The addresses of the family `dial` asks for.
pub fn of_family(addrs: Vec<SocketAddr>, dial: Dial) -> Vec<SocketAddr> {
    addrs
        .into_iter()
        .filter(|a| match dial {
            Dial::Any => true,
            Dial::V4 => a.is_ipv4(),
            Dial::V6 => a.is_ipv6(),
        })
        .collect()
}

/// A connection to the first address that answers before `until`.
pub fn connect(addrs: &[SocketAddr], until: Instant) -> Result<TcpStream, TransportError> {
    let mut last = io::Error::new(io::ErrorKind::NotFound, "no address");
    for addr in addrs {
        match TcpStream::connect_timeout(addr, left(until)?) {
            Ok(tcp) => return Ok(tcp),
            Err(e) => last = e,
        }
    }
    Err(match last.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => TransportError::TimedOut,
        _ => TransportError::Connect(last.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_family_keeps_only_its_addresses() {
        let v4: SocketAddr = "192.0.2.1:443".parse().unwrap();
        let v6: SocketAddr = "[2001:db8::1]:443".parse().unwrap();
        assert_eq!(of_family(vec![v4, v6], Dial::V6), [v6]);
        assert_eq!(of_family(vec![v4, v6], Dial::V4), [v4]);
        assert_eq!(of_family(vec![v4, v6], Dial::Any), [v4, v6]);
    }

    #[test]
    fn literals_need_no_resolver_and_keep_their_family() {
        let soon = Instant::now() + Duration::from_secs(5);
        let got = resolve("::1", 80, Dial::V6, soon).unwrap();
        assert_eq!(got, ["[::1]:80".parse().unwrap()]);
        let e = resolve("127.0.0.1", 80, Dial::V6, soon).unwrap_err();
        assert!(e.to_string().contains("no IPv6 address"), "{e}");
        let past = Instant::now();
        assert_eq!(
            resolve("localhost", 80, Dial::Any, past).unwrap_err(),
            TransportError::TimedOut
        );
    }
}
