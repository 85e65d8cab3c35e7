//! `dyncfdns healthcheck`: asks the local status API's /health, for a container HEALTHCHECK.
//! Needs no shell and no curl. It reads API_PORT and API_BIND, and the timeouts: the service
//! answers between outbound calls, so it waits as long as one call can hold the service
//! (`bounds::probe_wait`) before it calls it unhealthy.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// `Ok` with the body when /health answered 200 within `wait`; otherwise `Err` saying what
/// happened (no connection, no answer, or the status line and body of an unhealthy answer).
pub fn check(port: u16, bind: IpAddr, wait: Duration) -> Result<String, String> {
    let host = match bind {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    let addr = SocketAddr::new(host, port);
    let deadline = Instant::now() + wait;
    let mut conn = TcpStream::connect_timeout(&addr, wait)
        .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    let _ = conn.set_write_timeout(Some(wait));
    conn.write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .map_err(|e| format!("cannot send to {addr}: {e}"))?;
    let answer = read_until(&mut conn, deadline, 16 * 1024)
        .map_err(|e| format!("no answer from {addr} within {} s: {e}", wait.as_secs()))?;
    let text = String::from_utf8_lossy(&answer);
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b).trim();
    if text.starts_with("HTTP/1.1 200 ") {
        Ok(body.to_string())
    } else {
        let status_line = text.lines().next().unwrap_or("");
        Err(format!("{addr} answered {status_line:?} {body}"))
    }
}

/// Reads until the peer closes, `limit` bytes, or the deadline: one deadline for the whole
/// answer, however it is split into reads.
fn read_until(conn: &mut TcpStream, deadline: Instant, limit: usize) -> std::io::Result<Vec<u8>> {
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    while answer.len() < limit {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(std::io::ErrorKind::TimedOut.into());
        }
        conn.set_read_timeout(Some(left))?;
        match conn.read(&mut chunk)? {
            0 => break,
            n => answer.extend_from_slice(&chunk[..n.min(limit - answer.len())]),
        }
    }
    Ok(answer)
}
