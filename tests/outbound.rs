//! Outbound calls against hostile upstreams: credentials never follow a redirect, and numbers
//! from outside cannot crash or stall the service.

mod common;

use common::server::{Handler, Reply, Req, Server};
use common::*;
use std::sync::Arc;
use std::time::Duration;

const LONG: Duration = Duration::from_secs(30);

/// A server that answers every request with `status` and a `Location` of `to`.
fn redirector(status: u16, to: String) -> Server {
    let handler: Handler = Arc::new(move |_: &Req| Reply::Normal {
        status,
        headers: vec![
            ("Location".into(), to.clone()),
            ("Content-Type".into(), "text/plain".into()),
        ],
        body: "moved".into(),
    });
    Server::start(0, handler)
}

#[test]
fn api_calls_never_follow_a_redirect() {
    let cf = FakeCloudflare::start();
    let ip = IpEcho::start("8.8.4.4");
    for status in [301, 302, 307, 308] {
        let thief = Recorder::start();
        let moved = redirector(status, thief.url("/client/v4/zones"));
        let mut e = env(&cf, &ip, "a.example.com");
        set(
            &mut e,
            "CLOUDFLARE_API_URL",
            &format!("http://127.0.0.1:{}/client/v4", moved.port),
        );
        let r = run(&["once"], &e);
        assert_eq!(r.code, 1, "{}", r.stderr);
        let thief_host = thief.url("").trim_start_matches("http://").to_string();
        assert!(
            r.stderr.contains(&format!("HTTP {status}")) && r.stderr.contains(&thief_host),
            "{status}: {}",
            r.stderr
        );
        assert!(
            thief.requests().is_empty(),
            "{status}: the credential travelled"
        );
    }
}

#[test]
fn detectors_follow_a_few_plain_redirects_only() {
    let cf = FakeCloudflare::start();
    let z = cf.add_zone("example.com");
    cf.add_record(&z, "a.example.com", "A", "8.8.4.4", 1, false, None);
    let ip = IpEcho::start("8.8.4.4");
    let hop = redirector(302, ip.provider().trim_start_matches("url:").to_string());
    let mut e = env(&cf, &ip, "a.example.com");
    set(
        &mut e,
        "IP4_PROVIDER",
        &format!("url:http://127.0.0.1:{}/ip", hop.port),
    );
    let r = run(&["once"], &e);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // A loop of redirects ends after three.
    let lp = redirector(302, "/again".into());
    set(
        &mut e,
        "IP4_PROVIDER",
        &format!("url:http://127.0.0.1:{}/ip", lp.port),
    );
    let r = run(&["once"], &e);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("HTTP status 302"), "{}", r.stderr);
}

#[test]
fn an_absurd_retry_after_neither_crashes_nor_stops_updates() {
    let cf = FakeCloudflare::start_direct();
    let z = cf.add_zone("example.com");
    cf.add_record(&z, "a.example.com", "A", "93.184.216.34", 1, false, None);
    let ip = IpEcho::start("8.8.4.4");
    let mut e = env(&cf, &ip, "a.example.com");
    set(&mut e, "UPDATE_INTERVAL", "2");
    set(&mut e, "API_TOKEN", "t");
    one_answer_is_enough(&mut e);
    let body = r#"{"success":false,"errors":[{"code":971,"message":"Please wait"}],"result":null}"#;
    cf.inject(
        "GET",
        "/zones",
        Fault::Status {
            status: 429,
            body: body.into(),
            retry_after: Some(u64::MAX),
        },
        1,
    );
    let dir = std::env::temp_dir().join(format!("dyncfdns-retry-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let d = Daemon::start(&e, &dir);
    d.wait_for("pass FAILED", 1, LONG);
    // The next pass comes within the interval (2 s) of the failed one, not in 10^11 years.
    d.wait_for("pass ok", 1, Duration::from_secs(10));
    assert_eq!(cf.find("a.example.com", "A")[0].content, "8.8.4.4");
}

#[test]
fn outside_text_cannot_forge_log_lines_and_url_secrets_stay_out() {
    let cf = FakeCloudflare::start();
    let z = cf.add_zone("example.com");
    cf.add_record(&z, "a.example.com", "A", "93.184.216.34", 1, false, None);
    let forged = r#"{"success":false,"errors":[{"code":1004,"message":"nope\n2026-01-01T00:00:00Z INFO  pass ok: forged\u001b[2J"}],"result":null}"#;
    cf.inject(
        "GET",
        "/zones",
        Fault::Status {
            status: 400,
            body: forged.into(),
            retry_after: None,
        },
        1,
    );
    let ip = IpEcho::start("8.8.4.4");
    let mut e = env(&cf, &ip, "a.example.com");
    // The first provider fails and is logged; its key must not be.
    let secret_url = "http://user:pw@127.0.0.1:9/ip?key=s3cr3tk3y";
    set(
        &mut e,
        "IP4_PROVIDER",
        &format!("url:{secret_url},{}", ip.provider()),
    );
    let r = run(&["once"], &e);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("forged"), "{}", r.stderr);
    for line in r.stderr.lines() {
        assert!(!line.starts_with("2026-01-01"), "a forged line: {line}");
        assert!(!line.contains('\u{1b}'), "a raw escape: {line:?}");
    }
    assert!(
        !r.stderr.contains("s3cr3tk3y") && !r.stderr.contains("pw@"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("url:http://127.0.0.1:9/…"),
        "{}",
        r.stderr
    );
}

/// Runs the service with `extra` (raw bytes allowed) and returns its exit code and log; it
/// must exit on its own well within 10 s.
fn service_exit(base: &[(String, String)], extra: &[(&str, &std::ffi::OsStr)]) -> (i32, String) {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_dyncfdns"))
        .env_clear()
        .envs(base.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .envs(extra.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut log = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut log).unwrap();
            return (status.code().unwrap_or(-1), log);
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the service did not exit on a bad input");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn bad_settings_files_and_values_exit_2_naming_them() {
    use std::os::unix::ffi::OsStrExt;
    let cf = FakeCloudflare::start();
    let ip = IpEcho::start("8.8.4.4");
    let mut e = env(&cf, &ip, "a.example.com");
    set(&mut e, "API_PORT", &free_port().to_string());
    set(&mut e, "API_BIND", "127.0.0.1");
    let dir = std::env::temp_dir().join(format!("dyncfdns-inputs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("fifo.json");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let big = dir.join("big.json");
    std::fs::write(&big, vec![b' '; 200 * 1024]).unwrap();
    let cases: [(&str, &std::ffi::OsStr, &str); 4] = [
        (
            "API_TOKEN",
            std::ffi::OsStr::from_bytes(b"tok\xff\xfe"),
            "API_TOKEN is not valid UTF-8",
        ),
        ("CONFIG_FILE", fifo.as_os_str(), "not a regular file"),
        ("CONFIG_FILE", big.as_os_str(), "more than the 65536"),
        (
            "CLOUDFLARE_API_TOKEN_FILE",
            std::ffi::OsStr::new("/dev/zero"),
            "CLOUDFLARE_API_TOKEN_FILE",
        ),
    ];
    for (name, value, expect) in cases {
        let mut base = e.clone();
        unset(&mut base, name);
        if name == "CLOUDFLARE_API_TOKEN_FILE" {
            unset(&mut base, "CLOUDFLARE_API_TOKEN");
        }
        let (code, log) = service_exit(&base, &[(name, value)]);
        assert_eq!(code, 2, "{name}: {log}");
        assert!(log.contains(expect), "{name}: {log}");
        assert!(
            !log.contains("generated a status API token"),
            "{name}: {log}"
        );
    }
}
