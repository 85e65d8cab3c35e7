//! Networks as users have them: every outbound call through an HTTP proxy (CONNECT) when
//! HTTP_PROXY / HTTPS_PROXY say so, NO_PROXY exempting hosts, credentials never in logs,
//! proxies it cannot use refused at start; a private CA trusted through SSL_CERT_FILE /
//! SSL_CERT_DIR, for the API, a webhook and a heartbeat.

mod common;

use base64::Engine;
use common::proxy::Proxy;
use common::*;
use std::time::Duration;

const OLD: &str = "93.184.216.34";
const NEW: &str = "8.8.4.4";

fn basic(credentials: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(credentials)
    )
}

#[test]
fn every_call_goes_through_the_proxy_with_its_credentials() {
    let cf = FakeCloudflare::start_direct();
    let z = cf.add_zone("example.com");
    cf.add_record(&z, "a.example.com", "A", OLD, 1, false, None);
    let ip = IpEcho::start(NEW);
    let proxy = Proxy::start(Some(&basic("user:s3cret-pw")));
    let mut e = env(&cf, &ip, "a.example.com");
    set(&mut e, "HTTP_PROXY", &proxy.url("user:s3cret-pw@"));
    let r = run(&["once"], &e);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(cf.find("a.example.com", "A")[0].content, NEW);
    let tunnels = proxy.tunnels();
    let cf_target = format!("127.0.0.1:{}", cf.port());
    let through = tunnels.iter().filter(|t| t.target == cf_target).count();
    assert_eq!(
        through,
        cf.calls().len(),
        "every Cloudflare call: {tunnels:?}"
    );
    assert!(
        tunnels.iter().any(|t| t.target != cf_target),
        "the detection too: {tunnels:?}"
    );
    assert!(
        tunnels.iter().all(|t| !t.connect),
        "plain http is asked by absolute URL, not tunnelled: {tunnels:?}"
    );
    assert!(!r.stderr.contains("s3cret-pw") && !r.stdout.contains("s3cret-pw"));
    assert!(
        r.stderr.contains(&format!(
            "http:// calls go through the proxy http://127.0.0.1:{} (with credentials)",
            proxy.port
        )),
        "{}",
        r.stderr
    );
    let check = run(&["check", "--offline"], &e);
    assert!(
        check.stdout.contains(&format!(
            "http://127.0.0.1:{} (with credentials)",
            proxy.port
        )),
        "{}",
        check.stdout
    );
    assert!(!check.stdout.contains("s3cret-pw"));
}

#[test]
fn no_proxy_exempts_a_host_and_lowercase_wins() {
    let cf = FakeCloudflare::start_direct();
    let z = cf.add_zone("example.com");
    cf.add_record(&z, "a.example.com", "A", OLD, 1, false, None);
    let ip = IpEcho::start(NEW);
    let proxy = Proxy::start(None);
    let mut e = env(&cf, &ip, "a.example.com");
    // The detector by name, exempt; Cloudflare by address, through the proxy.
    set(
        &mut e,
        "IP4_PROVIDER",
        &ip.provider().replace("127.0.0.1", "localhost"),
    );
    set(&mut e, "http_proxy", &proxy.url(""));
    set(&mut e, "HTTP_PROXY", "http://127.0.0.1:9");
    set(&mut e, "NO_PROXY", "localhost,.internal.example");
    let r = run(&["once"], &e);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let tunnels = proxy.tunnels();
    assert!(
        tunnels.iter().all(|t| !t.target.starts_with("localhost")),
        "{tunnels:?}"
    );
    assert!(
        tunnels
            .iter()
            .any(|t| t.target == format!("127.0.0.1:{}", cf.port())),
        "{tunnels:?}"
    );
    assert!(ip.hits() > 0);
}

#[test]
fn a_proxy_that_refuses_fails_the_pass_clearly() {
    let cf = FakeCloudflare::start_direct();
    let ip = IpEcho::start(NEW);
    let proxy = Proxy::start(Some("Basic right"));
    let mut e = env(&cf, &ip, "a.example.com");
    set(&mut e, "HTTP_PROXY", &proxy.url("wrong:creds@"));
    let r = run(&["once"], &e);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("the proxy refused its credentials"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("wrong:creds"));
}

#[test]
fn proxies_it_cannot_use_are_configuration_errors() {
    let cf = FakeCloudflare::start_direct();
    let ip = IpEcho::start(NEW);
    for (name, value) in [
        ("HTTPS_PROXY", "https://user:pw@proxy.lan:3128"),
        ("https_proxy", "socks5://proxy.lan:1080"),
        ("HTTP_PROXY", "http://user:pw@/"),
    ] {
        let mut e = env(&cf, &ip, "a.example.com");
        set(&mut e, name, value);
        let r = run(&["once"], &e);
        assert_eq!(r.code, 2, "{name}");
        assert!(r.stderr.contains(name), "{name}: {}", r.stderr);
        assert!(!r.stderr.contains("pw@"), "credentials not echoed");
    }
}

/// A Cloudflare behind a private CA, the CA's PEM written where SSL_CERT_FILE can name it.
struct PrivateCa {
    pki: common::tls::Pki,
    cf: FakeCloudflare,
    ip: IpEcho,
    dir: std::path::PathBuf,
}

impl PrivateCa {
    fn start(name: &str) -> PrivateCa {
        let pki = common::tls::private_ca();
        let cf = FakeCloudflare::start_at("127.0.0.1".parse().unwrap(), Some(pki.server.clone()));
        let z = cf.add_zone("example.com");
        for host in ["a.example.com", "b.example.com", "c.example.com"] {
            cf.add_record(&z, host, "A", OLD, 1, false, None);
        }
        let dir = work_dir("roots", name);
        std::fs::write(dir.join("lan-ca.pem"), &pki.ca_pem).unwrap();
        let ip = IpEcho::start(NEW);
        PrivateCa { pki, cf, ip, dir }
    }

    fn ca_file(&self) -> String {
        self.dir.join("lan-ca.pem").display().to_string()
    }
}

#[test]
fn a_private_ca_is_trusted_when_named_and_only_then() {
    let w = PrivateCa::start("trusted");
    assert!(w.cf.api_url().starts_with("https://127.0.0.1:"));
    let mut e = env(&w.cf, &w.ip, "a.example.com");
    let refused = run(&["once"], &e);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("UnknownIssuer"),
        "the built-in roots do not know it: {}",
        refused.stderr
    );
    assert_eq!(w.cf.find("a.example.com", "A")[0].content, OLD);

    set(&mut e, "SSL_CERT_FILE", &w.ca_file());
    let r = run(&["once"], &e);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(w.cf.find("a.example.com", "A")[0].content, NEW);
    let said = "TLS roots: built-in (";
    assert!(
        r.stderr.contains(said) && r.stderr.contains(&w.ca_file()),
        "{}",
        r.stderr
    );
    let check = run(&["check", "--offline"], &e);
    assert!(
        check
            .stdout
            .contains(&format!("{} (1 certificate)", w.ca_file())),
        "{}",
        check.stdout
    );
    assert!(
        check.stdout.contains("builtin: trusting built-in ("),
        "{}",
        check.stdout
    );

    // A directory of them, instead of the built-in roots.
    let mut e = env(&w.cf, &w.ip, "b.example.com");
    set(&mut e, "SSL_CERT_DIR", &w.dir.display().to_string());
    set(&mut e, "TLS_ROOTS", "file");
    let r = run(&["once"], &e);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(w.cf.find("b.example.com", "A")[0].content, NEW);
    let check = run(&["check", "--offline"], &e);
    assert!(
        check.stdout.contains("file: trusting 1 from "),
        "{}",
        check.stdout
    );
}

#[test]
fn a_ca_file_it_cannot_use_exits_2_naming_it() {
    let w = PrivateCa::start("unusable");
    let key_only = w.dir.join("key-only.pem");
    std::fs::write(
        &key_only,
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    // A FIFO would block a plain read forever; so would one in a directory.
    let fifo = w.dir.join("fifo.pem");
    let fifos = w.dir.join("fifos");
    std::fs::create_dir_all(&fifos).unwrap();
    for f in [&fifo, &fifos.join("ca.pem")] {
        let made = std::process::Command::new("mkfifo").arg(f).status();
        assert!(made.unwrap().success());
    }
    for (name, value, says) in [
        (
            "SSL_CERT_FILE",
            fifo.display().to_string(),
            "fifo.pem: not a regular file",
        ),
        (
            "SSL_CERT_DIR",
            fifos.display().to_string(),
            "ca.pem: not a regular file",
        ),
        (
            "SSL_CERT_FILE",
            key_only.display().to_string(),
            "key-only.pem: holds no PEM certificate",
        ),
        (
            "SSL_CERT_FILE",
            w.dir.join("absent.pem").display().to_string(),
            "absent.pem",
        ),
        (
            "SSL_CERT_DIR",
            w.dir.join("none").display().to_string(),
            "none",
        ),
    ] {
        let mut e = env(&w.cf, &w.ip, "a.example.com");
        set(&mut e, name, &value);
        let r = run(&["once"], &e);
        assert_eq!(r.code, 2, "{name}={value}: {}", r.stderr);
        assert!(
            r.stderr.contains(name) && r.stderr.contains(says),
            "{}",
            r.stderr
        );
        assert!(w.cf.calls().is_empty(), "nothing is sent");
    }
}

#[test]
fn webhook_and_heartbeat_behind_a_private_ca_through_the_proxy() {
    let w = PrivateCa::start("reports");
    let hook = Recorder::start_at("127.0.0.1".parse().unwrap(), Some(w.pki.server.clone()));
    let hc = Recorder::start_at("127.0.0.1".parse().unwrap(), Some(w.pki.server.clone()));
    let proxy = Proxy::start(Some(&basic("user:s3cret-pw")));
    let mut e = env(&w.cf, &w.ip, "c.example.com");
    set(&mut e, "SSL_CERT_FILE", &w.ca_file());
    set(&mut e, "HTTPS_PROXY", &proxy.url("user:s3cret-pw@"));
    set(&mut e, "NOTIFY_URL", &hook.url("/hook/key-in-path"));
    set(&mut e, "HEALTHCHECKS", &hc.url("/ping/uuid"));
    set(&mut e, "API_PORT", "0");
    set(&mut e, "UPDATE_INTERVAL", "600");
    let d = Daemon::start(&e, &work_dir("roots", "reports-run"));
    let notes = hook.wait_for(1, Duration::from_secs(30));
    assert!(
        notes[0].body.contains(r#""host":"c.example.com""#),
        "{}",
        notes[0].body
    );
    let pings = hc.wait_for(2, Duration::from_secs(30));
    assert_eq!(pings[1].path, "/ping/uuid");
    assert_eq!(w.cf.find("c.example.com", "A")[0].content, NEW);
    let tunnels = proxy.tunnels();
    for port in [hook.port(), hc.port(), w.cf.port()] {
        let target = format!("127.0.0.1:{port}");
        assert!(
            tunnels.iter().any(|t| t.target == target && t.connect),
            "{target} through the proxy: {tunnels:?}"
        );
    }
    assert!(tunnels
        .iter()
        .all(|t| t.authorization.as_deref() == Some(basic("user:s3cret-pw").as_str())));
    let log = d.log();
    assert!(
        !log.contains("s3cret-pw") && !log.contains("key-in-path"),
        "{log}"
    );
}

#[test]
fn the_direct_client_keeps_the_calls_deadline() {
    // Accepts connections and says nothing: neither a TLS handshake nor an HTTP answer.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let w = PrivateCa::start("deadline");
    for url in [
        format!("url.via4:https://127.0.0.1:{port}/"),
        format!("url.via4:http://127.0.0.1:{port}/"),
    ] {
        let mut e = env(&w.cf, &w.ip, "a.example.com");
        set(&mut e, "IP4_PROVIDER", &url);
        set(&mut e, "DETECTION_TIMEOUT", "1");
        set(&mut e, "SSL_CERT_FILE", &w.ca_file());
        let r = run(&["once"], &e);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(r.stderr.contains("timed out"), "{url}: {}", r.stderr);
        assert!(
            r.elapsed < Duration::from_secs(8),
            "{url}: the 1 s deadline held the call for {:?}",
            r.elapsed
        );
    }
    drop(silent);
}

/// The transport carries its proxies as a value: two transports with different settings in
/// one process each do as told (with a process-wide setting, the second was silently dropped).
#[test]
fn proxies_are_the_transports_own_in_process() {
    use dyncfdns::sync::{run_pass, Cache};
    use dyncfdns::transport::Http;
    let cf = FakeCloudflare::start_direct();
    let z = cf.add_zone("example.com");
    cf.add_record(&z, "a.example.com", "A", OLD, 1, false, None);
    let ip = IpEcho::start(NEW);
    let proxy = Proxy::start(None);
    let mut e = env(&cf, &ip, "a.example.com");
    set(&mut e, "HTTP_PROXY", &proxy.url(""));
    set(&mut e, "CONFIRM_CHANGES", "false");
    let mut cfg = config_of(e);
    let mut plain = Http::plain();
    assert!(run_pass(&cfg, &mut Cache::default(), &mut plain, 1000).ok());
    assert!(proxy.tunnels().is_empty(), "{:?}", proxy.tunnels());
    let mut proxied = Http::new(cfg.proxies.clone(), &mut cfg.trust);
    assert!(run_pass(&cfg, &mut Cache::default(), &mut proxied, 1000).ok());
    let cf_target = format!("127.0.0.1:{}", cf.port());
    assert!(
        proxy.tunnels().iter().any(|t| t.target == cf_target),
        "{:?}",
        proxy.tunnels()
    );
    assert_eq!(cf.find("a.example.com", "A")[0].content, NEW);
}

/// The event loop in process: its transport (proxies included) and its stop are values it is
/// handed, so a test runs the service's loop with a proxy and a scripted stop.
#[test]
fn the_event_loop_runs_in_process_with_a_proxy_and_a_scripted_stop() {
    use dyncfdns::service::{event_loop, signals::Requests};
    use dyncfdns::transport::Http;
    struct StopWhen<F: Fn() -> bool>(F);
    impl<F: Fn() -> bool> Requests for StopWhen<F> {
        fn stop(&self) -> bool {
            (self.0)()
        }
        fn take_pass(&self) -> Option<&'static str> {
            None
        }
    }
    let cf = FakeCloudflare::start_direct();
    let z = cf.add_zone("example.com");
    cf.add_record(&z, "a.example.com", "A", OLD, 1, false, None);
    let ip = IpEcho::start(NEW);
    let proxy = Proxy::start(None);
    let mut e = env(&cf, &ip, "a.example.com");
    set(&mut e, "HTTP_PROXY", &proxy.url(""));
    set(&mut e, "CONFIRM_CHANGES", "false");
    let mut cfg = config_of(e);
    let http = Http::new(cfg.proxies.clone(), &mut cfg.trust);
    let started = std::time::Instant::now();
    let updated = StopWhen(|| {
        started.elapsed() > Duration::from_secs(30)
            || cf.find("a.example.com", "A")[0].content == NEW
    });
    event_loop::run(&cfg, None, http, &updated).expect("the loop ends on its stop");
    assert_eq!(cf.find("a.example.com", "A")[0].content, NEW);
    let cf_target = format!("127.0.0.1:{}", cf.port());
    assert!(proxy.tunnels().iter().any(|t| t.target == cf_target));
}
