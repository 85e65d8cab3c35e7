//! Never look dead, stop at once: with Cloudflare, a detector or a heartbeat hanging (the
//! connection accepted, no answer), the service stays healthy to every probe, stalls once per
//! pass, stops within its bound on SIGTERM, and runs a pass when SIGHUP or SIGUSR1 asks.

mod common;

use common::*;
use std::path::PathBuf;
use std::time::{Duration, Instant};

const OLD: &str = "93.184.216.34";
const NEW: &str = "8.8.4.4";
const LONG: Duration = Duration::from_secs(60);

fn dir(name: &str) -> PathBuf {
    work_dir("stall", name)
}

/// `zones` zones with one managed host each, all holding `ip`; returns the host list.
fn zones(cf: &FakeCloudflare, zones: usize, ip: &str) -> String {
    let hosts: Vec<String> = (0..zones)
        .map(|i| {
            let z = cf.add_zone(&format!("z{i}.example"));
            let host = format!("h.z{i}.example");
            cf.add_record(&z, &host, "A", ip, 1, false, None);
            host
        })
        .collect();
    hosts.join(",")
}

fn service_env(cf: &FakeCloudflare, ip: &IpEcho, hosts: &str) -> Vec<(String, String)> {
    let mut e = env(cf, ip, hosts);
    set(&mut e, "API_PORT", &free_port().to_string());
    set(&mut e, "API_BIND", "127.0.0.1");
    set(&mut e, "API_TOKEN", "stall-token");
    one_answer_is_enough(&mut e);
    e
}

/// Every Cloudflare call from now on is accepted and never answered.
fn hang_cloudflare(cf: &FakeCloudflare) {
    for method in ["GET", "POST", "PATCH", "DELETE"] {
        cf.inject(method, "", Fault::Hang, usize::MAX);
    }
}

/// The timeouts the healthcheck reads, as the service has them.
fn probe_env(e: &[(String, String)]) -> Vec<(String, String)> {
    e.iter()
        .filter(|(k, _)| {
            [
                "API_PORT",
                "API_BIND",
                "UPDATE_TIMEOUT",
                "DETECTION_TIMEOUT",
            ]
            .contains(&k.as_str())
        })
        .cloned()
        .collect()
}

/// With the address changed (so every zone's records must be read) and Cloudflare hanging, probes through `stalls` hung
/// calls: `/health` always 200 and `dyncfdns healthcheck` always 0; each pass stalls once.
fn stays_healthy(zone_count: usize, timeout: Option<&str>, stalls: usize, name: &str) {
    let cf = FakeCloudflare::start_direct();
    let ip = IpEcho::start(OLD);
    let hosts = zones(&cf, zone_count, OLD);
    let mut e = service_env(&cf, &ip, &hosts);
    set(&mut e, "UPDATE_INTERVAL", "1");
    match timeout {
        Some(t) => set(&mut e, "UPDATE_TIMEOUT", t),
        None => unset(&mut e, "UPDATE_TIMEOUT"),
    }
    let d = Daemon::start(&e, &dir(name));
    d.wait_for("pass ok", 1, LONG);
    // Zones and records are cached; the new address makes each zone's records be read afresh.
    hang_cloudflare(&cf);
    cf.clear_calls();
    ip.set(Answer::Text(200, NEW.into()));
    let probe = probe_env(&e);
    let mut probes = 0;
    let mut slowest = Duration::ZERO;
    while cf.calls().len() < stalls {
        let asked = Instant::now();
        let health = get(d.port, "/health", None);
        slowest = slowest.max(asked.elapsed());
        assert_eq!(
            health.status, 200,
            "/health after {probes} probes: {}",
            health.body
        );
        let check = run(&["healthcheck"], &probe);
        assert_eq!(
            check.code, 0,
            "healthcheck: {}{}",
            check.stdout, check.stderr
        );
        probes += 1;
    }
    d.wait_for("pass FAILED", stalls, LONG);
    let log = d.log();
    // One hung call per pass: the other zones are not attempted, not waited for.
    let failed = log.matches("pass FAILED").count();
    assert!(
        cf.calls().len() <= failed + 1,
        "{} calls in {failed} failed passes:\n{log}",
        cf.calls().len()
    );
    if zone_count > 1 {
        assert!(
            log.contains(&format!("{} not attempted", zone_count - 1)),
            "{log}"
        );
    }
    eprintln!("{name}: {probes} probes, slowest /health {slowest:?}");
}

#[test]
fn one_zone_hanging_at_one_second_timeouts() {
    stays_healthy(1, Some("1"), 3, "one-1s");
}

#[test]
fn twenty_five_zones_hanging_at_one_second_timeouts() {
    stays_healthy(25, Some("1"), 3, "many-1s");
}

#[test]
fn twenty_five_zones_hanging_at_default_timeouts() {
    stays_healthy(25, None, 2, "many-default");
}

/// After a pass that found Cloudflare hanging, the next comes on the backoff schedule (15 s
/// after the failed one started), not at once and not after the whole interval.
#[test]
fn a_hung_pass_is_retried_on_the_backoff_schedule() {
    let cf = FakeCloudflare::start_direct();
    let ip = IpEcho::start(OLD);
    let hosts = zones(&cf, 3, OLD);
    let mut e = service_env(&cf, &ip, &hosts);
    set(&mut e, "UPDATE_INTERVAL", "3600");
    set(&mut e, "UPDATE_TIMEOUT", "1");
    set(&mut e, "RECORD_CACHE_TTL", "0");
    let d = Daemon::start(&e, &dir("backoff"));
    d.wait_for("pass ok", 1, LONG);
    hang_cloudflare(&cf);
    cf.clear_calls();
    d.signal(libc::SIGUSR1);
    wait_until("the first hung call", LONG, || !cf.calls().is_empty());
    let first = Instant::now();
    wait_until("the retry", LONG, || cf.calls().len() >= 2);
    let gap = first.elapsed();
    assert!(
        gap >= Duration::from_secs(12) && gap <= Duration::from_secs(25),
        "retry {gap:?} after the hung pass; log:\n{}",
        d.log()
    );
    assert_eq!(cf.calls().len(), 2, "one call per hung pass");
}

/// SIGTERM while the loop waits on a call that will not end for 30 s.
#[test]
fn sigterm_during_a_hung_call_exits_at_once() {
    let cf = FakeCloudflare::start_direct();
    let ip = IpEcho::start(OLD);
    let hosts = zones(&cf, 1, OLD);
    let mut e = service_env(&cf, &ip, &hosts);
    set(&mut e, "UPDATE_INTERVAL", "1");
    set(&mut e, "UPDATE_TIMEOUT", "30");
    set(&mut e, "RECORD_CACHE_TTL", "0");
    let d = Daemon::start(&e, &dir("term"));
    d.wait_for("pass ok", 1, LONG);
    hang_cloudflare(&cf);
    cf.clear_calls();
    wait_until("a hung call", LONG, || !cf.calls().is_empty());
    let log = d.log();
    let (status, took) = d.terminate();
    assert_eq!(status.code(), Some(0), "{log}");
    assert!(took <= Duration::from_secs(1), "SIGTERM took {took:?}");
}

/// With DELETE_ON_STOP, SIGTERM during a hung call (here the address detection) abandons it
/// and the deletes still run: the managed records go, at once.
#[test]
fn sigterm_during_a_hung_call_still_deletes_on_stop() {
    let cf = FakeCloudflare::start_direct();
    let ip = IpEcho::start(NEW);
    let z = cf.add_zone("example.com");
    cf.add_record(&z, "a.example.com", "A", OLD, 1, false, None);
    let keep = cf.add_record(&z, "c.example.com", "A", OLD, 1, false, None);
    let mut e = service_env(&cf, &ip, "a.example.com");
    set(&mut e, "UPDATE_INTERVAL", "1");
    set(&mut e, "DETECTION_TIMEOUT", "30");
    set(&mut e, "DELETE_ON_STOP", "true");
    let d = Daemon::start(&e, &dir("term-delete"));
    d.wait_for("pass ok", 1, LONG);
    ip.set(Answer::Hang);
    let hits = ip.hits();
    wait_until("a hung detection", LONG, || ip.hits() > hits);
    let (status, took) = d.terminate();
    assert_eq!(status.code(), Some(0));
    assert!(took <= Duration::from_secs(1), "SIGTERM took {took:?}");
    let left: Vec<String> = cf.records().into_iter().map(|r| r.id).collect();
    assert_eq!(left, vec![keep], "only the managed record is deleted");
}

/// With DELETE_ON_STOP and Cloudflare itself hanging, the deletes give up within their bound
/// (documented: 8 s from the signal), well inside Docker's 10 s grace.
#[test]
fn deletes_on_stop_against_a_hung_cloudflare_end_within_their_bound() {
    let cf = FakeCloudflare::start_direct();
    let ip = IpEcho::start(OLD);
    let hosts = zones(&cf, 3, OLD);
    let mut e = service_env(&cf, &ip, &hosts);
    set(&mut e, "UPDATE_INTERVAL", "1");
    set(&mut e, "UPDATE_TIMEOUT", "30");
    set(&mut e, "RECORD_CACHE_TTL", "0");
    set(&mut e, "DELETE_ON_STOP", "true");
    let d = Daemon::start(&e, &dir("term-delete-hung"));
    d.wait_for("pass ok", 1, LONG);
    hang_cloudflare(&cf);
    cf.clear_calls();
    wait_until("a hung call", LONG, || !cf.calls().is_empty());
    let (status, took) = d.terminate();
    assert_eq!(status.code(), Some(0));
    assert!(took <= Duration::from_secs(8), "SIGTERM took {took:?}");
    assert_eq!(
        cf.records().len(),
        3,
        "nothing deleted by a hung Cloudflare"
    );
}

/// A hung webhook and heartbeats hold up the loop after a pass for a fixed 6 s at most: a
/// pass asked for while they hang is seen as soon as they are given up.
#[test]
fn hung_reporters_delay_the_next_pass_by_a_fixed_bound() {
    let cf = FakeCloudflare::start_direct();
    let ip = IpEcho::start(NEW);
    let hosts = zones(&cf, 1, OLD);
    let hook = Recorder::start();
    hook.set(Answer::Hang);
    let mut e = service_env(&cf, &ip, &hosts);
    set(&mut e, "UPDATE_INTERVAL", "3600");
    set(&mut e, "NOTIFY_URL", &hook.url("/notify"));
    set(&mut e, "HEALTHCHECKS", &hook.url("/hc"));
    set(&mut e, "UPTIMEKUMA", &hook.url("/kuma"));
    let d = Daemon::start(&e, &dir("reporters"));
    // /start, the pass, then the notification and two heartbeats.
    let seen = hook.wait_for(2, LONG);
    assert_eq!(seen[1].path, "/notify");
    let reports_began = Instant::now();
    d.signal(libc::SIGUSR1);
    d.wait_for("SIGUSR1: a pass is asked for", 1, LONG);
    let took = reports_began.elapsed();
    assert!(
        took <= Duration::from_secs(6 + 2),
        "the reports held the loop for {took:?}:\n{}",
        d.log()
    );
    // And the pass asked for comes, after the pause for a signal during a pass.
    let seen = hook.wait_for(5, LONG);
    assert!(seen[4].path.starts_with("/hc/start"), "{:?}", seen[4].path);
}

/// SIGHUP and SIGUSR1 each start a pass; neither stops the service.
#[test]
fn sighup_and_sigusr1_start_a_pass() {
    let cf = FakeCloudflare::start_direct();
    let ip = IpEcho::start(OLD);
    let hosts = zones(&cf, 1, OLD);
    let mut e = service_env(&cf, &ip, &hosts);
    set(&mut e, "UPDATE_INTERVAL", "3600");
    let d = Daemon::start(&e, &dir("hup"));
    d.wait_for("pass ok", 1, LONG);
    // "pass ok" is logged just before the pass returns; a signal landing in between counts as
    // asked during the pass and starts one 5 s later (the next test): either way, a pass.
    d.signal(libc::SIGUSR1);
    d.wait_for("SIGUSR1: a pass is asked for; starting ", 1, LONG);
    d.wait_for("pass ok", 2, LONG);
    d.signal(libc::SIGHUP);
    d.wait_for("SIGHUP: a pass is asked for", 1, LONG);
    d.wait_for("pass ok", 3, LONG);
    assert_eq!(get(d.port, "/health", None).status, 200);
    let (status, _) = d.terminate();
    assert_eq!(status.code(), Some(0));
}

/// SIGUSR1 during a pass is not lost, but does not start a second pass at once either.
#[test]
fn a_pass_asked_for_during_a_pass_comes_after_a_pause() {
    let cf = FakeCloudflare::start_direct();
    let ip = IpEcho::start(OLD);
    let hosts = zones(&cf, 1, OLD);
    let hc = Recorder::start();
    hc.set(Answer::Hang);
    let mut e = service_env(&cf, &ip, &hosts);
    set(&mut e, "UPDATE_INTERVAL", "3600");
    set(&mut e, "HEALTHCHECKS", &hc.url("/hc"));
    let d = Daemon::start(&e, &dir("usr1-during"));
    hc.wait_for(1, LONG); // pass 1 waits on its /start ping
    d.signal(libc::SIGUSR1);
    d.wait_for("pass ok", 1, LONG);
    let ended = Instant::now();
    let seen = hc.wait_for(3, LONG); // the success ping, then pass 2's /start
    let gap = ended.elapsed();
    assert!(seen[2].path.starts_with("/hc/start"), "{:?}", seen[2].path);
    assert!(
        gap >= Duration::from_secs(3),
        "pass 2 began {gap:?} after pass 1"
    );
    d.wait_for("starting in 5 s", 1, LONG);
}

/// `once` too (a Kubernetes CronJob runs it as PID 1): SIGTERM during a hung call ends it.
#[test]
fn sigterm_ends_once_during_a_hung_call() {
    let cf = FakeCloudflare::start_direct();
    let ip = IpEcho::start(OLD);
    let hosts = zones(&cf, 1, OLD);
    hang_cloudflare(&cf);
    let mut e = env(&cf, &ip, &hosts);
    set(&mut e, "UPDATE_TIMEOUT", "30");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_dyncfdns"))
        .arg("once")
        .env_clear()
        .envs(e.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_until("a hung call", LONG, || !cf.calls().is_empty());
    let sent = Instant::now();
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let mut status = None;
    wait_until("the exit", Duration::from_secs(20), || {
        status = child.try_wait().unwrap();
        status.is_some()
    });
    let took = sent.elapsed();
    assert!(took <= Duration::from_secs(1), "SIGTERM took {took:?}");
    assert!(
        status.unwrap().code().is_some(),
        "it exited, not killed by the signal"
    );
}

/// UPDATE_ON_START=false: the first pass waits one interval.
#[test]
fn the_first_pass_can_wait_an_interval() {
    let cf = FakeCloudflare::start_direct();
    let ip = IpEcho::start(OLD);
    let hosts = zones(&cf, 1, OLD);
    let mut e = service_env(&cf, &ip, &hosts);
    set(&mut e, "UPDATE_INTERVAL", "3");
    set(&mut e, "UPDATE_ON_START", "false");
    let d = Daemon::start(&e, &dir("no-start-pass"));
    d.wait_for("UPDATE_ON_START=false: the first pass in 3 s", 1, LONG);
    d.wait_for("status API on", 1, LONG);
    assert!(cf.calls().is_empty() && ip.hits() == 0, "no pass at start");
    d.wait_for("pass ok", 1, LONG);
}
