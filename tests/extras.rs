//! Beyond the seed: notifications, heartbeats, /metrics, the status page, DELETE_ON_STOP.

mod common;

use common::*;
use std::path::PathBuf;
use std::time::{Duration, Instant};

const OLD: &str = "93.184.216.34";
const NEW: &str = "8.8.4.4";
const LONG: Duration = Duration::from_secs(30);
const API_TOKEN: &str = "extras-token";

fn dir(name: &str) -> PathBuf {
    work_dir("extra", name)
}

fn setup(cf: &FakeCloudflare, ip: &IpEcho) -> Vec<(String, String)> {
    let z = cf.add_zone("example.com");
    cf.add_record(&z, "a.example.com", "A", OLD, 1, false, None);
    cf.add_record(&z, "b.example.com", "A", OLD, 1, false, None);
    let mut e = env(cf, ip, "a.example.com,b.example.com");
    set(&mut e, "API_PORT", &free_port().to_string());
    set(&mut e, "API_BIND", "127.0.0.1");
    set(&mut e, "API_TOKEN", API_TOKEN);
    set(&mut e, "UPDATE_INTERVAL", "1");
    one_answer_is_enough(&mut e);
    e
}

fn assert_not_logged(d: &Daemon, secrets: &[&str]) {
    let log = d.log();
    for s in secrets {
        assert!(!log.contains(s), "{s:?} appears in the log:\n{log}");
    }
}

#[test]
fn notifications_on_change_failure_and_recovery() {
    let cf = FakeCloudflare::start_direct();
    let ip = IpEcho::start(NEW);
    let hook = Recorder::start();
    let mut e = setup(&cf, &ip);
    set(&mut e, "NOTIFY_URL", &hook.url("/hook/s3cr3t-path"));
    set(&mut e, "RECORD_CACHE_TTL", "0");
    let d = Daemon::start(&e, &dir("notify"));
    let first = hook.wait_for(1, LONG);
    assert_eq!(first[0].method, "POST");
    assert_eq!(first[0].header("content-type"), Some("application/json"));
    let body = &first[0].body;
    assert!(
        body.starts_with(r#"{"event":"updated","time":"20"#),
        "{body}"
    );
    assert!(body.contains(r#"{"event":"updated","host":"a.example.com","type":"A","old":"93.184.216.34","new":"8.8.4.4","error":null,"time":"20"#), "{body}");
    d.wait_for("pass ok", 3, LONG);
    assert_eq!(hook.requests().len(), 1, "unchanged passes say nothing");

    cf.inject(
        "GET",
        "/dns_records",
        Fault::Status {
            status: 500,
            body: "oops".into(),
            retry_after: None,
        },
        2,
    );
    let failed = hook.wait_for(2, LONG);
    assert!(
        failed[1].body.starts_with(r#"{"event":"failed""#),
        "{}",
        failed[1].body
    );
    assert!(failed[1].body.contains("HTTP 500"));
    let recovered = hook.wait_for(3, LONG);
    assert!(
        recovered[2].body.starts_with(r#"{"event":"recovered""#),
        "{}",
        recovered[2].body
    );
    assert_eq!(
        hook.requests().len(),
        3,
        "the second failure in a row is not announced again"
    );
    assert_not_logged(&d, &["s3cr3t-path"]);
}

#[test]
fn a_dead_notification_endpoint_never_delays_the_passes() {
    let cf = FakeCloudflare::start_direct();
    let ip = IpEcho::start(NEW);
    let hook = Recorder::start();
    hook.set(Answer::Hang);
    let mut e = setup(&cf, &ip);
    set(&mut e, "NOTIFY_URL", &hook.url("/dead/s3cr3t"));
    set(&mut e, "UPDATE_INTERVAL", "2");
    let d = Daemon::start(&e, &dir("deadhook"));
    d.wait_for("pass ok", 1, LONG);
    let start = Instant::now();
    d.wait_for("pass ok", 4, LONG);
    // Three more passes at 2 s start to start: about 6 s, not 6 s plus hung requests.
    assert!(
        start.elapsed() < Duration::from_millis(7500),
        "{:?}",
        start.elapsed()
    );
    d.wait_for("notification to http://127.0.0.1", 1, LONG);
    assert!(
        hook.requests().len() <= 3,
        "bounded retries: {}",
        hook.requests().len()
    );
    assert_eq!(cf.find("a.example.com", "A")[0].content, NEW);
    assert_not_logged(&d, &["s3cr3t"]);
}

#[test]
fn heartbeats_follow_healthchecks_and_uptime_kuma() {
    let cf = FakeCloudflare::start_direct();
    let ip = IpEcho::start(NEW);
    let hc = Recorder::start();
    let kuma = Recorder::start();
    let mut e = setup(&cf, &ip);
    set(&mut e, "HEALTHCHECKS", &hc.url("/ping/hc-uuid-secret"));
    set(
        &mut e,
        "UPTIMEKUMA",
        &kuma.url("/api/push/kuma-secret?status=up&msg=OK&ping="),
    );
    let d = Daemon::start(&e, &dir("heartbeat"));
    let pings = hc.wait_for(2, LONG);
    assert_eq!(pings[0].path, "/ping/hc-uuid-secret/start");
    assert_eq!(pings[1].path, "/ping/hc-uuid-secret");
    let push = &kuma.wait_for(1, LONG)[0];
    assert_eq!(push.path, "/api/push/kuma-secret");
    assert_eq!(push.param("status"), Some("up"));
    assert!(
        push.param("msg").unwrap().starts_with("pass ok"),
        "{push:?}"
    );

    ip.set(Answer::Text(500, "down".into()));
    d.wait_for("pass FAILED", 1, LONG);
    let fail = hc.wait_for(4, LONG);
    assert!(
        fail.iter().any(|p| p.path == "/ping/hc-uuid-secret/fail"),
        "{fail:?}"
    );
    let pushes = kuma.wait_for(2, LONG);
    assert!(pushes.iter().any(|p| p.param("status") == Some("down")));
    assert_not_logged(&d, &["hc-uuid-secret", "kuma-secret"]);
}

#[test]
fn metrics_need_the_token_unless_public() {
    let cf = FakeCloudflare::start_direct();
    let ip = IpEcho::start(NEW);
    let e = setup(&cf, &ip);
    let d = Daemon::start(&e, &dir("metrics"));
    d.wait_for("pass ok", 2, LONG);
    assert_eq!(get(d.port, "/metrics", None).status, 401);
    let m = get(d.port, "/metrics", Some(&format!("Bearer {API_TOKEN}")));
    assert_eq!(m.status, 200);
    assert_eq!(
        m.header("content-type").as_deref(),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    for line in [
        "# TYPE dyncfdns_passes_total counter",
        "dyncfdns_passes_total{result=\"failed\"} 0",
        "dyncfdns_cloudflare_requests_total{method=\"POST\",status=\"200\"} 1",
        "dyncfdns_detection_provider{family=\"ipv4\",provider=\"url:http://127.0.0.1:",
        "dyncfdns_record_state{name=\"a.example.com\",type=\"A\",state=\"unchanged\"} 1",
        "dyncfdns_detection_seconds{family=\"ipv4\"} 0.",
    ] {
        assert!(m.body.contains(line), "{line} missing from:\n{}", m.body);
    }
    let ok: u64 = m
        .body
        .lines()
        .find_map(|l| l.strip_prefix("dyncfdns_passes_total{result=\"ok\"} "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(ok >= 2);
    drop(d);

    let mut e = e;
    set(&mut e, "METRICS_PUBLIC", "true");
    let d = Daemon::start(&e, &dir("metrics-public"));
    d.wait_for("status API on", 1, LONG);
    assert_eq!(get(d.port, "/metrics", None).status, 200);
    assert_eq!(
        get(d.port, "/widget", None).status,
        401,
        "only /metrics goes public"
    );
}

#[test]
fn the_status_page_is_served_without_secrets() {
    let cf = FakeCloudflare::start_direct();
    let ip = IpEcho::start(NEW);
    let e = setup(&cf, &ip);
    let d = Daemon::start(&e, &dir("page"));
    d.wait_for("status API on", 1, LONG);
    let page = get(d.port, "/", None);
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type").as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert!(page
        .header("content-security-policy")
        .unwrap()
        .contains("default-src 'none'"));
    assert!(page.body.contains("Status API token") && page.body.contains("sessionStorage"));
    assert!(!page.body.contains(API_TOKEN));
    assert!(
        !page.body.contains("http://") && !page.body.contains("https://"),
        "no outside assets"
    );
    assert!(page.body.len() < 8 * 1024);
}

#[test]
fn delete_on_stop_removes_only_the_managed_records() {
    let cf = FakeCloudflare::start_direct();
    let ip = IpEcho::start(NEW);
    let mut e = setup(&cf, &ip);
    let z = cf.records()[0].zone_id.clone();
    let extra = cf.add_record(&z, "a.example.com", "A", "1.0.0.1", 1, false, None);
    let txt = cf.add_record(&z, "a.example.com", "TXT", "keep", 1, false, None);
    let other = cf.add_record(&z, "c.example.com", "A", OLD, 1, false, None);
    set(&mut e, "DELETE_ON_STOP", "true");
    let d = Daemon::start(&e, &dir("delete"));
    d.wait_for("pass ok", 1, LONG);
    let (status, _) = d.terminate();
    assert_eq!(status.code(), Some(0));
    let left: Vec<String> = cf.records().into_iter().map(|r| r.id).collect();
    assert_eq!(left.len(), 3, "{:?}", cf.records());
    for id in [&extra, &txt, &other] {
        assert!(left.contains(id), "{id} was deleted");
    }
    let deletes = cf
        .writes()
        .into_iter()
        .filter(|w| w.body.contains("\"deletes\""))
        .count();
    assert_eq!(deletes, 1, "one batch for the zone");
}
