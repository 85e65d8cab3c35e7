//! A clock that is not set yet (a router without a real-time clock, before NTP): a TLS
//! certificate refused for its dates while the clock reads earlier than the build is named as
//! the clock's fault; the service tries every 15 s (not on the backoff), does not exit, and
//! updates the moment the clock is right. The clock is moved with libfaketime (Debian's
//! `faketime`), preloaded into the glibc test build.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const OLD: &str = "93.184.216.34";
const NEW: &str = "8.8.4.4";
const LONG: Duration = Duration::from_secs(60);

/// libfaketime, or `None` (skipped with a line; a failure in CI, which installs it).
fn libfaketime() -> Option<PathBuf> {
    let found = std::fs::read_dir("/usr/lib")
        .ok()?
        .flatten()
        .map(|d| d.path().join("faketime/libfaketime.so.1"))
        .find(|p| p.exists());
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "libfaketime is missing (apt-get install faketime), and CI requires it"
        );
        eprintln!("skipped: this test needs libfaketime (apt-get install faketime)");
    }
    found
}

struct World {
    cf: FakeCloudflare,
    env: Vec<(String, String)>,
    clock: PathBuf,
    _ip: IpEcho,
}

/// A Cloudflare on TLS whose certificates are valid from 2025, a plain-HTTP detector, and the
/// binary's clock read from a file (`@2020-01-01 00:00:00` starts it there; `+0` is real time).
fn world(name: &str, lib: &Path) -> World {
    let pki = common::tls::private_ca_valid_from(Some(2025));
    let cf = FakeCloudflare::start_at("127.0.0.1".parse().unwrap(), Some(pki.server.clone()));
    let z = cf.add_zone("example.com");
    cf.add_record(&z, "a.example.com", "A", OLD, 1, false, None);
    let dir = work_dir("clock", name);
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).unwrap();
    let clock = dir.join("clock");
    std::fs::write(&clock, "@2020-01-01 00:00:00").unwrap();
    let ip = IpEcho::start(NEW);
    let mut env = env(&cf, &ip, "a.example.com");
    set(&mut env, "SSL_CERT_FILE", &ca.display().to_string());
    set(&mut env, "LD_PRELOAD", &lib.display().to_string());
    set(
        &mut env,
        "FAKETIME_TIMESTAMP_FILE",
        &clock.display().to_string(),
    );
    set(&mut env, "FAKETIME_NO_CACHE", "1");
    // Only the wall clock is wrong on such a machine; the loop's monotonic timers are not.
    set(&mut env, "FAKETIME_DONT_FAKE_MONOTONIC", "1");
    one_answer_is_enough(&mut env);
    World {
        cf,
        env,
        clock,
        _ip: ip,
    }
}

#[test]
fn once_names_the_clock_not_the_certificate() {
    let Some(lib) = libfaketime() else { return };
    let w = world("once", &lib);
    let r = run(&["once"], &w.env);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("the system clock is wrong: it reads 2020-01-01T00:00:")
            && r.stderr.contains("until it is set (NTP)"),
        "{}",
        r.stderr
    );
    assert_eq!(w.cf.find("a.example.com", "A")[0].content, OLD);
    // With the clock right the same call goes through.
    std::fs::write(&w.clock, "+0").unwrap();
    let r = run(&["once"], &w.env);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(w.cf.find("a.example.com", "A")[0].content, NEW);
}

#[test]
fn the_service_tries_every_15_s_until_the_clock_is_set() {
    let Some(lib) = libfaketime() else { return };
    let w = world("service", &lib);
    let mut e = w.env.clone();
    set(&mut e, "UPDATE_INTERVAL", "3600");
    set(&mut e, "API_TOKEN", "clock-token");
    let d = Daemon::start(&e, &work_dir("clock", "service-run"));
    let said = "the clock is not set yet: passes go on every 15 s until it is";
    d.wait_for(said, 2, LONG);
    let second = Instant::now();
    // The backoff would wait 30 s after a second failure; the clock's rule waits 15 s.
    d.wait_for(said, 3, LONG);
    let gap = second.elapsed();
    assert!(
        gap < Duration::from_secs(25),
        "third pass {gap:?} after the second"
    );
    assert_eq!(w.cf.find("a.example.com", "A")[0].content, OLD);
    std::fs::write(&w.clock, "+0").unwrap();
    d.wait_for("updated a.example.com A: 93.184.216.34 -> 8.8.4.4", 1, LONG);
    let (status, _) = d.terminate();
    assert_eq!(status.code(), Some(0), "it never exited on its own");
}
