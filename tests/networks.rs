//! Networks as users have them: every outbound call through an HTTP proxy (CONNECT) when
//! HTTP_PROXY / HTTPS_PROXY say so, NO_PROXY exempting hosts, credentials never in logs, and
//! URLs the HTTP client cannot dial refused at start.

mod common;

use base64::Engine;
use common::proxy::Proxy;
use common::*;

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
    assert!(!r.stderr.contains("s3cret-pw") && !r.stdout.contains("s3cret-pw"));
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
        ("HTTP_PROXY", "http://[::1]:3128"),
    ] {
        let mut e = env(&cf, &ip, "a.example.com");
        set(&mut e, name, value);
        let r = run(&["once"], &e);
        assert_eq!(r.code, 2, "{name}");
        assert!(r.stderr.contains(name), "{name}: {}", r.stderr);
        assert!(!r.stderr.contains("pw@"), "credentials not echoed");
    }
}
