//! Never publish a wrong address on one provider's word: a new address is written once two
//! answers agree (the next provider, or the same one on its next try); answers that differ
//! write nothing and say so; a provider flapping between two addresses never moves a record.

mod common;

use common::*;
use std::time::{Duration, Instant};

const OLD: &str = "93.184.216.34";
const NEW: &str = "8.8.4.4";
const OTHER: &str = "9.9.9.9";
const LONG: Duration = Duration::from_secs(60);
const TOKEN: &str = "confirm-token";

fn one_host(cf: &FakeCloudflare) {
    let z = cf.add_zone("example.com");
    cf.add_record(&z, "a.example.com", "A", OLD, 1, false, None);
}

fn content(cf: &FakeCloudflare) -> String {
    cf.find("a.example.com", "A")[0].content.clone()
}

fn two(cf: &FakeCloudflare, a: &IpEcho, b: &IpEcho) -> Vec<(String, String)> {
    let mut e = env(cf, a, "a.example.com");
    set(
        &mut e,
        "IP4_PROVIDER",
        &format!("{},{}", a.provider(), b.provider()),
    );
    e
}

fn service(mut e: Vec<(String, String)>, name: &str) -> Daemon {
    set(&mut e, "API_PORT", &free_port().to_string());
    set(&mut e, "API_BIND", "127.0.0.1");
    set(&mut e, "API_TOKEN", TOKEN);
    set(&mut e, "UPDATE_INTERVAL", "3600");
    Daemon::start(&e, &work_dir("confirm", name))
}

fn bearer() -> String {
    format!("Bearer {TOKEN}")
}

#[test]
fn two_providers_that_agree_are_written_and_steady_state_asks_one() {
    let cf = FakeCloudflare::start();
    one_host(&cf);
    let (a, b) = (IpEcho::start(NEW), IpEcho::start(NEW));
    let e = two(&cf, &a, &b);
    let r = run(&["once"], &e);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(content(&cf), NEW);
    assert_eq!((a.hits(), b.hits(), cf.writes().len()), (1, 1, 1));
    // The records hold the address: one question, no second opinion, no call to write.
    let r = run(&["once"], &e);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!((a.hits(), b.hits(), cf.writes().len()), (2, 1, 1));
}

#[test]
fn two_providers_that_disagree_write_nothing_until_they_agree() {
    let cf = FakeCloudflare::start();
    one_host(&cf);
    let (a, b) = (IpEcho::start(NEW), IpEcho::start(OTHER));
    let e = two(&cf, &a, &b);
    let r = run(&["once"], &e);
    assert_eq!(r.code, 1, "{}", r.stderr);
    // Each provider by its redacted name (a URL's path may hold a key).
    let said = format!(
        "IPv4 in doubt: url:http://127.0.0.1:{}/… says {NEW} but url:http://127.0.0.1:{}/… says {OTHER}",
        a.port(),
        b.port()
    );
    assert!(r.stderr.contains(&said), "{said}\n{}", r.stderr);
    assert!(r.stderr.contains("pass IN DOUBT"), "{}", r.stderr);
    assert!(cf.writes().is_empty());
    assert_eq!(content(&cf), OLD);
    // The second comes round: the next pass writes.
    b.set(Answer::Text(200, NEW.into()));
    let r = run(&["once"], &e);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(content(&cf), NEW);
}

/// `once` with one provider asks it again after a pause; a provider that gives another
/// answer each time is a doubt, however often it runs.
#[test]
fn a_flapping_provider_never_moves_the_record_in_once() {
    let cf = FakeCloudflare::start();
    one_host(&cf);
    let ip = IpEcho::start(NEW);
    ip.set(Answer::Cycle(vec![NEW.into(), OTHER.into()]));
    let e = env(&cf, &ip, "a.example.com");
    for _ in 0..3 {
        let r = run(&["once"], &e);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(r.stderr.contains("in doubt"), "{}", r.stderr);
    }
    assert!(cf.writes().is_empty(), "{:?}", cf.writes());
    assert_eq!((content(&cf), ip.hits()), (OLD.to_string(), 6));
    // A steady answer from the same lone provider is written.
    ip.set(Answer::Text(200, NEW.into()));
    let r = run(&["once"], &e);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(content(&cf), NEW);
}

/// The service asks a lone provider again on the short retry (15 s), not an interval later,
/// and shows the wait as `unconfirmed` meanwhile.
#[test]
fn the_service_writes_a_lone_answer_on_its_next_try_soon() {
    let cf = FakeCloudflare::start_direct();
    one_host(&cf);
    let ip = IpEcho::start(OLD);
    let d = service(env(&cf, &ip, "a.example.com"), "lone");
    d.wait_for("pass ok", 1, LONG);
    cf.clear_calls();
    ip.set(Answer::Text(200, NEW.into()));
    d.signal(libc::SIGUSR1);
    // Waiting costs nothing at Cloudflare: the cached records said what would change.
    d.wait_for(
        "1 unconfirmed (asked again in 15 s); 0 Cloudflare calls",
        1,
        LONG,
    );
    let first = Instant::now();
    let w = get(d.port, "/widget", Some(&bearer()));
    assert!(w.body.contains(r#""state":"unconfirmed""#), "{}", w.body);
    d.wait_for("updated a.example.com A: 93.184.216.34 -> 8.8.4.4", 1, LONG);
    let waited = first.elapsed();
    assert!(
        waited > Duration::from_secs(8),
        "asked again after {waited:?}"
    );
    // The change as without the rule: the records read afresh, then one write.
    let calls: Vec<String> = cf.calls().iter().map(|c| c.method.clone()).collect();
    assert_eq!(calls, ["GET", "PATCH"]);
    assert_eq!(ip.hits(), 3);
    let (status, _) = d.terminate();
    assert_eq!(status.code(), Some(0));
}

/// Pass after pass a provider alternates between the records' address and another: the other
/// is never written, as its next try always gives the first back.
#[test]
fn the_service_never_writes_a_flapping_answer() {
    let cf = FakeCloudflare::start_direct();
    one_host(&cf);
    let ip = IpEcho::start(NEW);
    ip.set(Answer::Cycle(vec![NEW.into(), OLD.into()]));
    let d = service(env(&cf, &ip, "a.example.com"), "flap");
    d.wait_for("pass ok", 1, LONG);
    for pass in 2..=6 {
        d.signal(libc::SIGUSR1);
        d.wait_for("pass ok", pass, LONG);
    }
    assert!(ip.hits() >= 6);
    assert!(cf.writes().is_empty(), "{:?}", cf.writes());
    assert_eq!(content(&cf), OLD);
    d.terminate();
}

/// A doubt is a state of its own in /widget and /metrics, and clears when answers agree.
#[test]
fn the_service_shows_a_doubt_and_recovers_from_it() {
    let cf = FakeCloudflare::start_direct();
    one_host(&cf);
    let (a, b) = (IpEcho::start(NEW), IpEcho::start(OTHER));
    let d = service(two(&cf, &a, &b), "doubt");
    d.wait_for("pass IN DOUBT", 1, LONG);
    let w = get(d.port, "/widget", Some(&bearer()));
    assert!(w.body.contains(r#""state":"doubted""#), "{}", w.body);
    let m = get(d.port, "/metrics", Some(&bearer()));
    assert!(m.body.contains(r#"state="doubted"} 1"#), "{}", m.body);
    b.set(Answer::Text(200, NEW.into()));
    d.signal(libc::SIGUSR1);
    d.wait_for("updated a.example.com A", 1, LONG);
    let w = get(d.port, "/widget", Some(&bearer()));
    assert!(w.body.contains(r#""state":"updated""#), "{}", w.body);
    d.terminate();
}

/// For those who want one provider's speed: CONFIRM_CHANGES=false writes the first answer.
#[test]
fn confirmation_can_be_turned_off() {
    let cf = FakeCloudflare::start();
    one_host(&cf);
    let ip = IpEcho::start(NEW);
    let mut e = env(&cf, &ip, "a.example.com");
    set(&mut e, "CONFIRM_CHANGES", "false");
    let r = run(&["once"], &e);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!((content(&cf), ip.hits()), (NEW.to_string(), 1));
}
