//! The status API under hostile clients, against the running service on 127.0.0.1: a memory
//! ceiling no client pushes through, deadlines counted from the first byte, no pipelining
//! stalls, strict framing. Bounded in connections (at most 1,000 at once) and time.

mod common;

use common::*;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

const TOKEN_API: &str = "status-token-for-tests";
const LONG: Duration = Duration::from_secs(30);
/// What clients may add to the resting RSS (the README's budget).
const CEILING_KB: u64 = 4 * 1024;

struct World {
    _cf: FakeCloudflare,
    _ip: IpEcho,
    dir: PathBuf,
    env: Vec<(String, String)>,
}

fn world(name: &str, hosts: &str, zone: &str) -> World {
    let cf = FakeCloudflare::start_direct();
    let z = cf.add_zone(zone);
    cf.add_record(&z, &format!("a.{zone}"), "A", "8.8.4.4", 1, false, None);
    let ip = IpEcho::start("8.8.4.4");
    let dir = std::env::temp_dir().join(format!("dyncfdns-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut env = env(&cf, &ip, hosts);
    set(&mut env, "API_PORT", &free_port().to_string());
    set(&mut env, "API_BIND", "127.0.0.1");
    set(&mut env, "API_TOKEN", TOKEN_API);
    World {
        _cf: cf,
        _ip: ip,
        dir,
        env,
    }
}

/// The service after its first pass and a few requests of each kind, and its RSS then.
fn at_rest(w: &World) -> (Daemon, u64) {
    raise_own_fd_limit(4096);
    let d = Daemon::start(&w.env, &w.dir);
    d.wait_for("pass ", 1, LONG);
    let auth = format!("Bearer {TOKEN_API}");
    // A large answer shares the output budget until its connection is closed on the
    // service's side too: a 503 ("try again") right after the previous one is by design.
    for path in ["/health", "/", "/widget", "/metrics"] {
        wait_until(path, LONG, || get(d.port, path, Some(&auth)).status == 200);
    }
    let rest = d.rss_kb();
    (d, rest)
}

/// Samples the RSS while `during` runs; returns the peak.
fn peak_rss_during(d: &Daemon, during: impl FnOnce()) -> u64 {
    let pid = d.pid();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop2 = stop.clone();
    let sampler = std::thread::spawn(move || {
        let mut peak = 0;
        while !stop2.load(std::sync::atomic::Ordering::SeqCst) {
            if let Ok(s) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
                let kb = s
                    .lines()
                    .find_map(|l| l.strip_prefix("VmRSS:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
                    .unwrap_or(0);
                peak = peak.max(kb);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        peak
    });
    during();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    sampler.join().unwrap()
}

/// A fresh client's `/health`: 200, and how long it took.
fn fresh_health(port: u16) -> Duration {
    let start = Instant::now();
    let r = get(port, "/health", None);
    assert_eq!(r.status, 200, "{r:?}");
    start.elapsed()
}

/// Opens `n` connections that each send `payload` (as much as the server takes without
/// blocking) and never read.
fn flood(port: u16, n: usize, payload: &[u8]) -> Vec<TcpStream> {
    (0..n)
        .map(|_| {
            let mut s = connect_small(port).expect("connect to the status API");
            s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
            s.set_nonblocking(true).unwrap();
            let mut sent = 0;
            while sent < payload.len() {
                match s.write(&payload[sent..]) {
                    Ok(n) => sent += n,
                    Err(_) => break,
                }
            }
            s
        })
        .collect()
}

/// Waits until the RSS is back within `margin_kb` of `rest`.
fn settles(d: &Daemon, rest: u64, margin_kb: u64) {
    let deadline = Instant::now() + LONG;
    while d.rss_kb() > rest + margin_kb {
        assert!(
            Instant::now() < deadline,
            "RSS stayed at {} KB (rest {rest} KB)",
            d.rss_kb()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_thousand_clients_that_pipeline_and_never_read_stay_under_the_ceiling() {
    let w = world("noread", "a.example.com", "example.com");
    let (d, rest) = at_rest(&w);
    let one =
        format!("GET /widget HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN_API}\r\n\r\n");
    let payload = one.repeat(64 * 1024 / one.len()).into_bytes();
    let mut held = Vec::new();
    let peak = peak_rss_during(&d, || {
        held = flood(d.port, 1000, &payload);
        assert!(fresh_health(d.port) < Duration::from_secs(3));
        // Let the service answer what it will.
        std::thread::sleep(Duration::from_millis(500));
    });
    eprintln!("RSS at rest {rest} KB, peak {peak} KB");
    assert!(peak <= rest + CEILING_KB, "peak {peak} KB, rest {rest} KB");
    drop(held);
    assert!(fresh_health(d.port) < Duration::from_secs(3));
    settles(&d, rest, 1024);
}

#[test]
fn slowloris_heads_are_closed_ten_seconds_after_their_first_byte() {
    let w = world("slowloris", "a.example.com", "example.com");
    let (d, rest) = at_rest(&w);
    let started = Instant::now();
    let mut heads = flood(d.port, 1000, b"GET /health HTTP/1.1\r\nX-Slow: ");
    // The cap is full of half-sent heads: a new client still gets its answer, fast.
    assert!(fresh_health(d.port) < Duration::from_secs(2));
    // A byte every 8 s does not keep a head alive past 10 s from its first byte.
    while started.elapsed() < Duration::from_secs(8) {
        std::thread::sleep(Duration::from_millis(100));
    }
    for s in &mut heads {
        let _ = s.write(b"y");
    }
    let last = heads.last_mut().unwrap();
    last.set_nonblocking(false).unwrap();
    assert!(closed(last), "the server closes a head that never ends");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(9) && waited < Duration::from_secs(16),
        "{waited:?}"
    );
    assert!(d.rss_kb() <= rest + CEILING_KB);
    assert!(fresh_health(d.port) < Duration::from_secs(2));
}

/// Sends `count` copies of `request` in one write (a thread writes while this one reads),
/// optionally half-closing after; returns how many answers of `status` came.
fn pipelined(port: u16, request: &str, count: usize, half_close: bool) -> usize {
    let mut s = connect(port);
    let mut writer = s.try_clone().unwrap();
    let all = request.repeat(count).into_bytes();
    let t = std::thread::spawn(move || {
        writer.write_all(&all).unwrap();
        if half_close {
            writer.shutdown(Shutdown::Write).unwrap();
        }
    });
    let mut got = 0;
    for _ in 0..count {
        match read_response(&mut s, request.starts_with("HEAD")) {
            Some(r) if r.status == 200 => got += 1,
            _ => break,
        }
    }
    t.join().unwrap();
    got
}

#[test]
fn every_pipelined_request_is_answered() {
    let w = world("pipelines", "a.example.com", "example.com");
    let (d, _) = at_rest(&w);
    let health = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
    for count in [447, 1000, 10_000] {
        for half_close in [false, true] {
            let got = pipelined(d.port, health, count, half_close);
            assert_eq!(got, count, "{count} pipelined, half-closed: {half_close}");
        }
    }
    let page = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    assert_eq!(pipelined(d.port, page, 16, false), 16);
    assert_eq!(pipelined(d.port, page, 200, true), 200);
}

#[test]
fn ten_thousand_hosts_and_300_clients_not_reading_metrics() {
    let hosts: Vec<String> = (0..10_000).map(|i| format!("h{i}.x.io")).collect();
    let mut w = world("metrics", &hosts.join(","), "x.io");
    set(&mut w.env, "METRICS_PUBLIC", "true");
    let (d, rest) = at_rest(&w);
    let metrics = get(d.port, "/metrics", None);
    assert!(metrics.body.len() > 1_000_000, "{}", metrics.body.len());
    let one = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
    let payload = one.repeat(50).into_bytes();
    let mut held = Vec::new();
    let peak = peak_rss_during(&d, || {
        held = flood(d.port, 300, &payload);
        assert!(fresh_health(d.port) < Duration::from_secs(3));
        std::thread::sleep(Duration::from_millis(500));
    });
    eprintln!("RSS at rest {rest} KB, peak {peak} KB");
    assert!(peak <= rest + CEILING_KB, "peak {peak} KB, rest {rest} KB");
    drop(held);
    settles(&d, rest, 1024);
}

#[test]
fn ambiguous_lengths_get_400_and_close() {
    let w = world("framing", "a.example.com", "example.com");
    let (d, _) = at_rest(&w);
    for head in [
        "Content-Length: 0\r\nContent-Length: 26",
        "Content-Length: +5",
        "Content-Length: 5, 5",
        "Transfer-Encoding: chunked",
    ] {
        let mut s = connect(d.port);
        let raw = format!(
            "GET /health HTTP/1.1\r\nHost: x\r\n{head}\r\n\r\nGET /health HTTP/1.1\r\n\r\n"
        );
        s.write_all(raw.as_bytes()).unwrap();
        let r = read_response(&mut s, false).unwrap();
        assert_eq!(r.status, 400, "{head}");
        assert_eq!(r.header("connection").as_deref(), Some("close"));
        let mut rest = Vec::new();
        let _ = s.read_to_end(&mut rest);
        assert!(rest.is_empty(), "{head}: nothing after the 400");
    }
}
