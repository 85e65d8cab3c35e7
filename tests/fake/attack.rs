//! Hostile status API clients, for scripts/bench.sh: runs one load against the service on
//! 127.0.0.1 for a few seconds while a fresh client asks `/health` over and over, and prints
//! `PEAK_RSS_KB P50_MS P99_MS` (the service's peak RSS, read from /proc/PID, and the fresh
//! client's answer times).
//!
//!   attack PORT PID noread TOKEN    1000 clients pipeline /widget and never read
//!   attack PORT PID slowloris       1000 clients send a request head a byte at a time
//!   attack PORT PID pipeline        one client sends 10,000 /health in one write
//!   attack PORT PID metrics         300 clients pipeline /metrics and never read

#[path = "../common/client.rs"]
mod client;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SECONDS: u64 = 4;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(port), Some(pid), Some(mode)) = (
        args.first().and_then(|p| p.parse::<u16>().ok()),
        args.get(1).and_then(|p| p.parse::<u32>().ok()),
        args.get(2),
    ) else {
        eprintln!("usage: attack PORT PID noread TOKEN|slowloris|pipeline|metrics");
        std::process::exit(2)
    };
    let token = args.get(3).cloned().unwrap_or_default();
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let stop = stop.clone();
        std::thread::spawn(move || peak_rss(pid, &stop))
    };
    let load = match mode.as_str() {
        "noread" => {
            let one =
                format!("GET /widget HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n");
            flood(port, 1000, one.repeat(64 * 1024 / one.len()).as_bytes())
        }
        "slowloris" => flood(port, 1000, b"GET /health HTTP/1.1\r\nX-Slow: "),
        "metrics" => flood(
            port,
            300,
            "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
                .repeat(50)
                .as_bytes(),
        ),
        "pipeline" => {
            let port2 = port;
            std::thread::spawn(move || pipeline(port2, 10_000));
            Vec::new()
        }
        _ => {
            eprintln!("attack: unknown mode {mode}");
            std::process::exit(2)
        }
    };
    let mut times = Vec::new();
    let end = Instant::now() + Duration::from_secs(SECONDS);
    while Instant::now() < end {
        times.push(fresh_health(port));
        std::thread::sleep(Duration::from_millis(20));
    }
    stop.store(true, Ordering::SeqCst);
    let peak = sampler.join().unwrap_or(0);
    drop(load);
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    println!("{peak} {:.2} {:.2}", at(0.5), at(0.99));
}

fn peak_rss(pid: u32, stop: &AtomicBool) -> u64 {
    let mut peak = 0;
    while !stop.load(Ordering::SeqCst) {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let kb = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0);
        peak = peak.max(kb);
        std::thread::sleep(Duration::from_millis(10));
    }
    peak
}

/// Milliseconds for a `/health` on a new connection (a failure counts as 10 s).
fn fresh_health(port: u16) -> f64 {
    let start = Instant::now();
    let ok = (|| {
        let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
        s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .ok()?;
        let mut answer = String::new();
        s.read_to_string(&mut answer).ok()?;
        answer.starts_with("HTTP/1.1 200").then_some(())
    })();
    match ok {
        Some(()) => start.elapsed().as_secs_f64() * 1000.0,
        None => 10_000.0,
    }
}

/// `n` clients with small receive buffers (as a client elsewhere that stops reading) each
/// send what the service takes of `payload` without blocking, then never read.
fn flood(port: u16, n: usize, payload: &[u8]) -> Vec<TcpStream> {
    (0..n)
        .filter_map(|_| {
            let mut s = client::connect_small(port)?;
            s.set_nonblocking(true).ok()?;
            let mut sent = 0;
            while sent < payload.len() {
                match s.write(&payload[sent..]) {
                    Ok(k) => sent += k,
                    Err(_) => break,
                }
            }
            Some(s)
        })
        .collect()
}

fn pipeline(port: u16, count: usize) {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return;
    };
    let Ok(mut writer) = s.try_clone() else {
        return;
    };
    std::thread::spawn(move || {
        let _ = writer.write_all(
            "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
                .repeat(count)
                .as_bytes(),
        );
    });
    let mut sink = [0u8; 65536];
    while matches!(s.read(&mut sink), Ok(n) if n > 0) {}
}
