//! The service (`dyncfdns` with no command): schedule, status API, signals, token, healthcheck.

mod common;

use common::*;
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

const OLD: &str = "93.184.216.34";
const NEW: &str = "8.8.4.4";
const API_TOKEN: &str = "status-token-for-tests";
const LONG: Duration = Duration::from_secs(20);

struct World {
    cf: FakeCloudflare,
    ip: IpEcho,
    dir: PathBuf,
    env: Vec<(String, String)>,
}

fn world(name: &str) -> World {
    let cf = FakeCloudflare::start_direct();
    let z = cf.add_zone("example.com");
    cf.add_record(&z, "a.example.com", "A", OLD, 1, false, None);
    cf.add_record(&z, "b.example.com", "A", OLD, 1, false, None);
    let ip = IpEcho::start(NEW);
    let dir = std::env::temp_dir().join(format!("dyncfdns-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut env = env(&cf, &ip, "a.example.com,b.example.com");
    set(&mut env, "API_PORT", &free_port().to_string());
    set(&mut env, "API_BIND", "127.0.0.1");
    set(&mut env, "API_TOKEN", API_TOKEN);
    one_answer_is_enough(&mut env);
    World { cf, ip, dir, env }
}

fn bearer() -> String {
    format!("Bearer {API_TOKEN}")
}

#[test]
fn health_and_widget_report_the_passes() {
    let w = world("widget");
    let d = Daemon::start(&w.env, &w.dir);
    d.wait_for("pass ok", 1, LONG);
    let h = get(d.port, "/health", None);
    assert_eq!(h.status, 200);
    assert!(
        h.body.starts_with(r#"{"status":"ok","last_check":"20"#) && h.body.ends_with(r#"Z"}"#),
        "{}",
        h.body
    );
    let r = get(d.port, "/widget", Some(&bearer()));
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/json")
    );
    let v: miniserde::json::Value = miniserde::json::from_str(&r.body).unwrap();
    let miniserde::json::Value::Object(o) = v else {
        panic!("{}", r.body)
    };
    let s = |k: &str| match o.get(k) {
        Some(miniserde::json::Value::String(s)) => s.clone(),
        other => panic!("{k}: {other:?}"),
    };
    assert_eq!(s("hosts"), "a.example.com\nb.example.com");
    assert_eq!(s("current_ip"), NEW);
    assert_eq!(s("status"), "active");
    assert!(s("last_check").ends_with('Z') && s("last_update").ends_with('Z'));
    assert_eq!(
        r.body.matches(r#""state":"updated""#).count(),
        2,
        "{}",
        r.body
    );
    assert!(r.body.contains(r#""host_count":2"#));
    assert!(!r.body.contains("current_ipv6"));
}

#[test]
fn widget_auth_missing_wrong_lowercase_right() {
    let w = world("auth");
    let d = Daemon::start(&w.env, &w.dir);
    d.wait_for("status API on", 1, LONG);
    let missing = get(d.port, "/widget", None);
    assert_eq!(missing.status, 401);
    assert_eq!(
        missing.header("www-authenticate").as_deref(),
        Some("Bearer")
    );
    assert_eq!(get(d.port, "/widget", Some("Bearer nope")).status, 403);
    assert_eq!(
        get(d.port, "/widget", Some(&format!("bearer {API_TOKEN}"))).status,
        200
    );
    assert_eq!(get(d.port, "/widget", Some(&bearer())).status, 200);
    assert_eq!(
        get(d.port, "/widget", Some(API_TOKEN)).status,
        401,
        "the scheme is required"
    );
}

#[test]
fn bad_requests_get_400_404_405_431() {
    let w = world("errors");
    let d = Daemon::start(&w.env, &w.dir);
    d.wait_for("status API on", 1, LONG);
    let mut s = connect(d.port);
    s.write_all(b"NOT A REQUEST\r\n\r\n").unwrap();
    assert_eq!(read_response(&mut s, false).unwrap().status, 400);
    assert!(closed(&mut s), "a malformed request closes the connection");
    assert_eq!(get(d.port, "/nope", None).status, 404);
    let r = request(
        d.port,
        "POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
    );
    assert_eq!(
        (r.status, r.header("allow").as_deref()),
        (405, Some("GET, HEAD"))
    );
    let big = format!(
        "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(9000)
    );
    assert_eq!(request(d.port, &big).status, 431);
    let head = request(d.port, "HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(head.status, 200);
    assert!(
        head.header("content-length")
            .unwrap()
            .parse::<usize>()
            .unwrap()
            > 0
    );
}

#[test]
fn keep_alive_and_pipelining() {
    let w = world("pipeline");
    let d = Daemon::start(&w.env, &w.dir);
    d.wait_for("status API on", 1, LONG);
    let mut s = connect(d.port);
    let pair = format!("GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /widget HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\n\r\n", bearer());
    s.write_all(pair.as_bytes()).unwrap();
    let first = read_response(&mut s, false).unwrap();
    let second = read_response(&mut s, false).unwrap();
    assert!(first.body.contains(r#""status":"ok""#), "{first:?}");
    assert!(second.body.contains(r#""host_count":2"#), "{second:?}");
    s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let third = read_response(&mut s, false).unwrap();
    assert_eq!(third.header("connection").as_deref(), Some("close"));
    assert!(closed(&mut s));
}

#[test]
fn idle_and_half_sent_connections_do_not_block_health() {
    let w = world("idle");
    let d = Daemon::start(&w.env, &w.dir);
    d.wait_for("pass ok", 1, LONG);
    raise_own_fd_limit(2048);
    let mut idle: Vec<_> = (0..200).map(|_| connect(d.port)).collect();
    idle[0].write_all(b"GET /hea").unwrap();
    let start = Instant::now();
    let r = get(d.port, "/health", None);
    assert_eq!(r.status, 200);
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    // Past the cap of 1000 connections, a new one takes the place of the oldest idle one.
    idle.extend((0..800).map(|_| connect(d.port)));
    let r = get(d.port, "/health", None);
    assert_eq!(r.status, 200);
    assert!(
        closed(&mut idle[0]),
        "the oldest half-sent connection gave way"
    );
    drop(idle);
    d.wait_for("pass ok", 1, LONG);
}

#[test]
fn a_hung_cloudflare_does_not_freeze_health() {
    let mut w = world("hang");
    set(&mut w.env, "UPDATE_TIMEOUT", "3");
    set(&mut w.env, "UPDATE_INTERVAL", "1");
    set(&mut w.env, "RECORD_CACHE_TTL", "0");
    let d = Daemon::start(&w.env, &w.dir);
    d.wait_for("pass ok", 1, LONG);
    w.cf.inject("GET", "/dns_records", Fault::Hang, 1);
    let before = w.cf.calls().len();
    // Wait until the hung request is in flight.
    let deadline = Instant::now() + LONG;
    while w
        .cf
        .calls()
        .iter()
        .skip(before)
        .all(|c| !c.path.ends_with("/dns_records"))
    {
        assert!(Instant::now() < deadline);
        std::thread::yield_now();
    }
    let start = Instant::now();
    assert_eq!(get(d.port, "/health", None).status, 200);
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "{:?}",
        start.elapsed()
    );
    d.wait_for("timed out", 1, LONG);
}

#[test]
fn steady_state_makes_no_calls_and_a_change_lands_next_pass() {
    let mut w = world("steady");
    set(&mut w.env, "UPDATE_INTERVAL", "1");
    let d = Daemon::start(&w.env, &w.dir);
    d.wait_for("pass ok", 1, LONG);
    let after_first = w.cf.calls().len();
    d.wait_for("pass ok", 4, LONG);
    assert_eq!(
        w.cf.calls().len(),
        after_first,
        "steady state must not call Cloudflare"
    );
    assert!(d.log().contains("0 Cloudflare calls"));
    assert_eq!(d.threads(), 1, "between passes the process has one thread");
    w.ip.set(Answer::Text(200, "8.8.8.8".into()));
    d.wait_for("-> 8.8.8.8", 2, LONG);
    assert_eq!(w.cf.find("a.example.com", "A")[0].content, "8.8.8.8");
    assert_eq!(w.cf.writes().len(), 2, "one batch per change");
}

#[test]
fn idle_service_does_not_wake_up() {
    let mut w = world("quiet");
    set(&mut w.env, "UPDATE_INTERVAL", "3600");
    let d = Daemon::start(&w.env, &w.dir);
    d.wait_for("pass ok", 1, LONG);
    let before = d.voluntary_switches();
    // Nothing to wait for: this is the idle period being measured.
    std::thread::sleep(Duration::from_secs(2));
    let woke = d.voluntary_switches() - before;
    assert!(woke <= 1, "{woke} wake-ups while idle");
}

#[test]
fn sigterm_ends_the_service_quickly_and_cleanly() {
    let w = world("sigterm");
    let d = Daemon::start(&w.env, &w.dir);
    d.wait_for("pass ok", 1, LONG);
    let (status, took) = d.terminate();
    assert_eq!(status.code(), Some(0));
    assert!(took < Duration::from_secs(1), "{took:?}");
}

#[test]
fn a_signal_mid_pass_ends_after_the_current_request() {
    let mut w = world("midpass");
    set(&mut w.env, "UPDATE_TIMEOUT", "2");
    w.cf.inject("GET", "/zones", Fault::Hang, 1);
    let d = Daemon::start(&w.env, &w.dir);
    let deadline = Instant::now() + LONG;
    while w.cf.calls().is_empty() {
        assert!(Instant::now() < deadline);
        std::thread::yield_now();
    }
    let (status, took) = d.terminate();
    assert_eq!(status.code(), Some(0));
    assert!(took < Duration::from_secs(3), "{took:?}");
    assert!(w.cf.writes().is_empty());
}

#[test]
fn token_from_env_is_not_written() {
    let w = world("tok-env");
    let d = Daemon::start(&w.env, &w.dir);
    d.wait_for("status API token from API_TOKEN", 1, LONG);
    assert!(!w.dir.join("config").exists());
}

#[test]
fn token_from_config_file_then_generated_and_saved() {
    let mut w = world("tok-file");
    unset(&mut w.env, "API_TOKEN");
    std::fs::create_dir_all(w.dir.join("config")).unwrap();
    let file = w.dir.join("config/.config.json");
    std::fs::write(&file, r#"{"api_token":"from-file-7","theme":"dark"}"#).unwrap();
    let d = Daemon::start(&w.env, &w.dir);
    d.wait_for("status API token from ./config/.config.json", 1, LONG);
    d.wait_for("status API on", 1, LONG);
    assert_eq!(
        get(d.port, "/widget", Some("Bearer from-file-7")).status,
        200
    );
    drop(d);

    std::fs::write(&file, r#"{"theme":"dark","n":[1,2]}"#).unwrap();
    let d = Daemon::start(&w.env, &w.dir);
    d.wait_for("generated a status API token", 1, LONG);
    d.wait_for("status API on", 1, LONG);
    let saved = std::fs::read_to_string(&file).unwrap();
    assert!(
        saved.contains(r#""theme":"dark""#) && saved.contains(r#""n":[1,2]"#),
        "{saved}"
    );
    let token = saved
        .split(r#""api_token":""#)
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(token.len(), 44, "base64 of 32 bytes");
    assert!(d.log().contains(&token), "announced once");
    assert_eq!(
        get(d.port, "/widget", Some(&format!("Bearer {token}"))).status,
        200
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    drop(d);

    // The next start reads it back and does not announce it again.
    let d = Daemon::start(&w.env, &w.dir);
    d.wait_for("status API token from", 1, LONG);
    assert!(!d.log().contains(&token));
}

#[test]
fn a_corrupt_config_file_is_never_overwritten() {
    let mut w = world("tok-corrupt");
    unset(&mut w.env, "API_TOKEN");
    std::fs::create_dir_all(w.dir.join("config")).unwrap();
    let file = w.dir.join("config/.config.json");
    std::fs::write(&file, "{\"api_token\": oops").unwrap();
    let r = run_in(&w.env, &w.dir);
    assert_eq!(r.0, Some(2));
    assert!(
        r.1.contains("CONFIG_FILE") && r.1.contains(".config.json"),
        "{}",
        r.1
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "{\"api_token\": oops"
    );
}

#[test]
fn an_unwritable_config_dir_keeps_the_token_in_memory() {
    let mut w = world("tok-ro");
    unset(&mut w.env, "API_TOKEN");
    // Tests run as root, which ignores file modes; /proc refuses new directories to everyone.
    set(
        &mut w.env,
        "CONFIG_FILE",
        "/proc/self/dyncfdns/.config.json",
    );
    let d = Daemon::start(&w.env, &w.dir);
    d.wait_for("kept in memory only", 1, LONG);
    d.wait_for("pass ok", 1, LONG);
}

fn run_in(env: &[(String, String)], dir: &std::path::Path) -> (Option<i32>, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dyncfdns"))
        .current_dir(dir)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn healthcheck_exit_codes() {
    let w = world("healthcheck");
    let port = w
        .env
        .iter()
        .find(|(k, _)| k == "API_PORT")
        .unwrap()
        .1
        .clone();
    let only_port = vec![("API_PORT".to_string(), port.clone())];
    let r = run(&["healthcheck"], &only_port);
    assert_eq!(r.code, 1, "nothing listens yet: {}", r.stdout);
    let d = Daemon::start(&w.env, &w.dir);
    d.wait_for("pass ok", 1, LONG);
    let r = run(&["healthcheck"], &only_port);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains(r#""status":"ok""#));
    let r = run(
        &["healthcheck"],
        &[("API_PORT".to_string(), "0".to_string())],
    );
    assert_eq!(r.code, 0);
    assert!(r.stderr.contains("disabled"));
}

#[test]
fn a_half_sent_request_is_dropped_after_the_idle_timeout() {
    let w = world("halfsent");
    let d = Daemon::start(&w.env, &w.dir);
    d.wait_for("status API on", 1, LONG);
    let mut s = connect(d.port);
    s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n").unwrap();
    let start = Instant::now();
    assert!(closed(&mut s), "the server should close a stalled request");
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_secs(9) && waited < Duration::from_secs(15),
        "{waited:?}"
    );
}
