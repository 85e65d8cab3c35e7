//! Faults against the running service: each one fails a pass cleanly (no crash, no wrong
//! record, a clear log line) and the next pass recovers.

mod common;

use common::*;
use std::path::PathBuf;
use std::time::{Duration, Instant};

const OLD: &str = "93.184.216.34";
const NEW: &str = "8.8.4.4";
const LONG: Duration = Duration::from_secs(30);

fn dir(name: &str) -> PathBuf {
    work_dir("fault", name)
}

/// A service that reads the records every pass, so a fault on the read hits the next pass.
fn service(cf: &FakeCloudflare, ip: &IpEcho, name: &str) -> Daemon {
    let mut e = env(cf, ip, "a.example.com,b.example.com");
    set(&mut e, "UPDATE_INTERVAL", "1");
    set(&mut e, "UPDATE_TIMEOUT", "2");
    set(&mut e, "RECORD_CACHE_TTL", "0");
    set(&mut e, "API_TOKEN", "t");
    Daemon::start(&e, &dir(name))
}

fn zone(cf: &FakeCloudflare) {
    let z = cf.add_zone("example.com");
    cf.add_record(&z, "a.example.com", "A", OLD, 1, false, None);
    cf.add_record(&z, "b.example.com", "A", OLD, 1, false, None);
}

fn all_hold(cf: &FakeCloudflare, ip: &str) -> bool {
    ["a.example.com", "b.example.com"]
        .iter()
        .all(|h| cf.find(h, "A").iter().all(|r| r.content == ip))
}

/// The fault hits the pass after the first; the one after that must put things right.
fn recovers_from(fault: Fault, on_write: bool, expect: &str, name: &str) {
    let cf = FakeCloudflare::start_direct();
    zone(&cf);
    let ip = IpEcho::start(OLD);
    let d = service(&cf, &ip, name);
    d.wait_for("pass ok", 1, LONG);
    if on_write {
        cf.inject("POST", "/batch", fault, 1);
    } else {
        cf.inject("GET", "/dns_records", fault, 1);
    }
    ip.set(Answer::Text(200, NEW.into()));
    d.wait_for("pass FAILED", 1, LONG);
    assert!(
        d.log().contains(expect),
        "wanted {expect:?} in:\n{}",
        d.log()
    );
    // No wrong record: every record holds the old or the new address, nothing else.
    for r in cf.records() {
        assert!(r.content == OLD || r.content == NEW, "{r:?}");
    }
    let failed_at = d.log().matches("pass ").count();
    // A later pass writes (a pass may first wait for the new address's second answer).
    wait_until("every record to hold the new address", LONG, || {
        all_hold(&cf, NEW)
    });
    assert!(d.log().matches("pass ").count() > failed_at);
}

#[test]
fn recovers_from_a_server_error() {
    recovers_from(
        Fault::Status {
            status: 500,
            body: "<h1>oops</h1>".into(),
            retry_after: None,
        },
        false,
        "HTTP 500",
        "500",
    );
}

#[test]
fn recovers_from_throttling_and_honours_retry_after() {
    let body = r#"{"success":false,"errors":[{"code":971,"message":"Please wait"}],"messages":[],"result":null}"#;
    recovers_from(
        Fault::Status {
            status: 429,
            body: body.into(),
            retry_after: Some(2),
        },
        false,
        "retry after 2 s",
        "429",
    );
}

#[test]
fn recovers_from_a_hung_call() {
    recovers_from(Fault::Hang, false, "timed out", "hang");
}

#[test]
fn recovers_from_garbage_json() {
    recovers_from(
        Fault::Status {
            status: 200,
            body: "{\"success\":tru]]".into(),
            retry_after: None,
        },
        false,
        "not the expected JSON",
        "garbage",
    );
}

#[test]
fn recovers_from_a_truncated_body() {
    recovers_from(Fault::Truncate, false, "cut short", "truncated");
}

#[test]
fn recovers_from_a_reset_connection() {
    recovers_from(Fault::Reset, false, "closed without an answer", "reset");
}

#[test]
fn recovers_from_a_failed_batch_write() {
    recovers_from(
        Fault::Hang,
        true,
        "writing to zone example.com failed",
        "write-hang",
    );
}

#[test]
fn recovers_when_every_detector_fails() {
    let cf = FakeCloudflare::start_direct();
    zone(&cf);
    let ip = IpEcho::start(OLD);
    let d = service(&cf, &ip, "detectors");
    d.wait_for("pass ok", 1, LONG);
    ip.set(Answer::Text(503, "<html>busy</html>".into()));
    d.wait_for("no IPv4 address detected", 1, LONG);
    assert!(all_hold(&cf, OLD), "records are left as they are");
    ip.set(Answer::Text(200, NEW.into()));
    wait_until("every record to hold the new address", LONG, || {
        all_hold(&cf, NEW)
    });
}

#[test]
fn a_tls_failure_fails_the_pass_cleanly() {
    let cf = FakeCloudflare::start_direct();
    zone(&cf);
    let ip = IpEcho::start(NEW);
    let mut e = env(&cf, &ip, "a.example.com");
    // TLS to a plain-HTTP server: the handshake fails.
    set(
        &mut e,
        "CLOUDFLARE_API_URL",
        &cf.api_url().replace("http://", "https://"),
    );
    let r = run(&["once"], &e);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("cannot reach Cloudflare"), "{}", r.stderr);
    assert!(all_hold(&cf, OLD));
}

#[test]
fn sigkill_while_saving_the_token_leaves_a_whole_file() {
    let cf = FakeCloudflare::start_direct();
    zone(&cf);
    let ip = IpEcho::start(NEW);
    let d = dir("sigkill");
    let file = d.join("config/.config.json");
    let original = r#"{"keep":"me","list":[1,2,3]}"#;
    let mut e = env(&cf, &ip, "a.example.com");
    set(&mut e, "API_PORT", &free_port().to_string());
    let mut saw_new = 0;
    for i in 0..40u64 {
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, original).unwrap();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_dyncfdns"))
            .current_dir(&d)
            .env_clear()
            .envs(e.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Kill at a different moment each time, across start-up and the write.
        let delay = Duration::from_micros(i * 100);
        let start = Instant::now();
        while start.elapsed() < delay {
            std::hint::spin_loop();
        }
        // SAFETY: kill(2) on our own child.
        unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
        let _ = child.wait_with_output();
        let text = std::fs::read_to_string(&file).unwrap();
        if text == original {
            continue;
        }
        let v: miniserde::json::Value = miniserde::json::from_str(&text)
            .unwrap_or_else(|_| panic!("run {i}: a torn file: {text:?}"));
        let miniserde::json::Value::Object(o) = v else {
            panic!("run {i}: {text}")
        };
        assert!(
            matches!(o.get("keep"), Some(miniserde::json::Value::String(s)) if s == "me"),
            "{text}"
        );
        assert!(
            matches!(o.get("api_token"), Some(miniserde::json::Value::String(t)) if t.len() == 44),
            "{text}"
        );
        saw_new += 1;
    }
    // Both outcomes should occur across the delays; at least the new one must.
    assert!(saw_new > 0, "the token was never saved in 40 runs");
}

/// A long outage ends by itself: detectors and then Cloudflare unreachable pass after pass
/// (the backoff doubles to the interval), and the first pass after they return updates the
/// records, with no restart and nothing of the outage left behind (a stale cache, a stuck
/// "unreachable" client, a pending address).
#[test]
fn a_long_outage_ends_by_itself() {
    let cf = FakeCloudflare::start_direct();
    zone(&cf);
    let (a, b) = (IpEcho::start(OLD), IpEcho::start(OLD));
    let mut e = env(&cf, &a, "a.example.com,b.example.com");
    set(
        &mut e,
        "IP4_PROVIDER",
        &format!("{},{}", a.provider(), b.provider()),
    );
    set(&mut e, "UPDATE_INTERVAL", "120");
    set(&mut e, "DETECTION_TIMEOUT", "1");
    set(&mut e, "UPDATE_TIMEOUT", "1");
    set(&mut e, "API_TOKEN", "t");
    let d = Daemon::start(&e, &dir("outage"));
    d.wait_for("pass ok", 1, LONG);
    // Passes are asked for (SIGUSR1) rather than waited for: the backoff's 15, 30, 60, 120 s.
    let mut failed = 0;
    let mut fail_once = |d: &Daemon| {
        failed += 1;
        d.signal(libc::SIGUSR1);
        d.wait_for("pass FAILED", failed, LONG);
    };
    a.set(Answer::Hang);
    b.set(Answer::Hang);
    for _ in 0..3 {
        fail_once(&d);
    }
    assert!(d.log().contains("no IPv4 address detected"), "{}", d.log());
    // The detectors are back with a new address; Cloudflare resets every connection.
    for method in ["GET", "POST", "PATCH"] {
        cf.inject(method, "", Fault::Reset, usize::MAX);
    }
    a.set(Answer::Text(200, NEW.into()));
    b.set(Answer::Text(200, NEW.into()));
    for _ in 0..3 {
        fail_once(&d);
    }
    assert!(all_hold(&cf, OLD), "{:?}", cf.records());
    cf.clear_faults();
    d.signal(libc::SIGUSR1);
    d.wait_for("pass ok: IPv4 8.8.4.4", 1, LONG);
    assert!(
        all_hold(&cf, NEW),
        "the first pass after the outage: {:?}",
        cf.records()
    );
    let (status, _) = d.terminate();
    assert_eq!(status.code(), Some(0));
}
