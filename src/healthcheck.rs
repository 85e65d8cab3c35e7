//! `dyncfdns healthcheck`: asks the local status API's /health, for a container HEALTHCHECK.
//! Needs no shell and no curl, and reads only API_PORT and API_BIND.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(3);

/// `Ok` with the body when /health answered 200; otherwise `Err` saying what happened
/// (no connection, no answer, or the status line and body of an unhealthy answer).
pub fn check(port: u16, bind: IpAddr) -> Result<String, String> {
    let host = match bind {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    let addr = SocketAddr::new(host, port);
    let mut conn = TcpStream::connect_timeout(&addr, TIMEOUT)
        .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    let _ = conn.set_read_timeout(Some(TIMEOUT));
    let _ = conn.set_write_timeout(Some(TIMEOUT));
    conn.write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .map_err(|e| format!("cannot send to {addr}: {e}"))?;
    let mut answer = Vec::new();
    conn.take(16 * 1024)
        .read_to_end(&mut answer)
        .map_err(|e| format!("no answer from {addr}: {e}"))?;
    let text = String::from_utf8_lossy(&answer);
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b).trim();
    if text.starts_with("HTTP/1.1 200 ") {
        Ok(body.to_string())
    } else {
        let status_line = text.lines().next().unwrap_or("");
        Err(format!("{addr} answered {status_line:?} {body}"))
    }
}
