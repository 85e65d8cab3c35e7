//! IPv6-only hosts: a whole pass (Cloudflare's API, IPv6 detection, a webhook, a heartbeat)
//! against fakes that listen on [::1] alone, reached by IPv6 literals and by names that
//! resolve only to ::1 (a hosts file in a mount namespace); detectors of one family that
//! dial only that family, whichever address the resolver puts first; and `interface:` in a
//! network namespace, publishing only a stable address whatever else the interface holds.

mod common;

use common::server::try_bind;
use common::*;
use std::net::IpAddr;
use std::time::Duration;

const OLD4: &str = "93.184.216.34";
const NEW4: &str = "8.8.4.4";
const OLD6: &str = "2a00:1450:4001::1";
const NEW6: &str = "2a00:1450:4001:80b::200e";
const LONG: Duration = Duration::from_secs(30);

fn v6() -> IpAddr {
    "::1".parse().unwrap()
}

fn v4() -> IpAddr {
    "127.0.0.1".parse().unwrap()
}

/// A fake Cloudflare on [::1] with an AAAA record for six.example.com.
fn cloudflare_v6(tls: Option<std::sync::Arc<rustls::ServerConfig>>) -> FakeCloudflare {
    let cf = FakeCloudflare::start_at(v6(), tls);
    let z = cf.add_zone("example.com");
    cf.add_record(&z, "six.example.com", "AAAA", OLD6, 1, false, None);
    cf
}

/// Only IPv6 records, only IPv6 detection.
fn v6_env(api_url: &str, provider: &str) -> Vec<(String, String)> {
    [
        ("HOST_LIST", "six.example.com"),
        ("CLOUDFLARE_API_TOKEN", TOKEN),
        ("CLOUDFLARE_API_URL", api_url),
        ("IP4_PROVIDER", "none"),
        ("IP6_PROVIDER", provider),
        ("API_PORT", "0"),
        ("DETECTION_TIMEOUT", "2"),
        ("UPDATE_TIMEOUT", "5"),
        ("UPDATE_INTERVAL", "600"),
        // One provider, written at once (the second-answer rule: tests/confirm.rs).
        ("CONFIRM_CHANGES", "false"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

#[test]
fn a_whole_pass_by_ipv6_literals_to_fakes_on_ipv6_loopback_alone() {
    let cf = cloudflare_v6(None);
    let ip = IpEcho::start_at(v6(), 0, NEW6, None);
    let hook = Recorder::start_at(v6(), None);
    let hc = Recorder::start_at(v6(), None);
    assert!(
        cf.api_url().starts_with("http://[::1]:"),
        "{}",
        cf.api_url()
    );
    let mut e = v6_env(&cf.api_url(), &ip.provider());
    set(&mut e, "NOTIFY_URL", &hook.url("/hook"));
    set(&mut e, "HEALTHCHECKS", &hc.url("/ping/uuid"));
    let d = Daemon::start(&e, &work_dir("ipv6", "literals"));
    let notes = hook.wait_for(1, LONG);
    assert!(notes[0].body.contains(NEW6), "{}", notes[0].body);
    let pings = hc.wait_for(2, LONG);
    assert_eq!(pings[1].path, "/ping/uuid");
    assert_eq!(cf.find("six.example.com", "AAAA")[0].content, NEW6);
    assert!(ip.hits() >= 1);
    assert!(!d.log().contains("ERROR"), "{}", d.log());
}

#[test]
fn names_that_resolve_only_to_ipv6_reach_every_service() {
    let pki = common::tls::private_ca();
    let cf = cloudflare_v6(Some(pki.server.clone()));
    let ip = IpEcho::start_at(v6(), 0, NEW6, None);
    let hook = Recorder::start_at(v6(), None);
    let hc = Recorder::start_at(v6(), None);
    let hosts = "127.0.0.1 localhost\n::1 api.v6.test ip.v6.test hook.v6.test\n";
    let Some(command) = binary_with_hosts(hosts) else {
        return;
    };
    let dir = work_dir("ipv6", "names");
    std::fs::write(dir.join("ca.pem"), &pki.ca_pem).unwrap();
    // The API over TLS by a name in the certificate; the rest plain.
    let api = format!("https://api.v6.test:{}/client/v4", cf.port());
    let mut e = v6_env(&api, &format!("url:http://ip.v6.test:{}/", ip.port()));
    set(
        &mut e,
        "SSL_CERT_FILE",
        &dir.join("ca.pem").display().to_string(),
    );
    set(
        &mut e,
        "NOTIFY_URL",
        &format!("http://hook.v6.test:{}/hook", hook.port()),
    );
    set(
        &mut e,
        "HEALTHCHECKS",
        &format!("http://hook.v6.test:{}/ping", hc.port()),
    );
    let d = Daemon::start_command(command, &e, &dir);
    let notes = hook.wait_for(1, LONG);
    assert!(notes[0].body.contains(NEW6), "{}", notes[0].body);
    hc.wait_for(2, LONG);
    assert_eq!(cf.find("six.example.com", "AAAA")[0].content, NEW6);
    assert!(!d.log().contains("ERROR"), "{}", d.log());
}

/// Two detectors on one port, one on 127.0.0.1 and one on ::1, each answering its family.
fn dual_stack_detectors() -> (IpEcho, IpEcho) {
    for _ in 0..20 {
        let six = IpEcho::start_at(v6(), 0, NEW6, None);
        if try_bind(v4(), six.port()) {
            let four = IpEcho::start_at(v4(), six.port(), NEW4, None);
            return (four, six);
        }
    }
    panic!("no port free on both 127.0.0.1 and ::1");
}

#[test]
fn a_detector_of_one_family_dials_only_that_family() {
    let (four, six) = dual_stack_detectors();
    let cf = FakeCloudflare::start_direct();
    let z = cf.add_zone("example.com");
    cf.add_record(&z, "home.example.com", "A", OLD4, 1, false, None);
    cf.add_record(&z, "home.example.com", "AAAA", OLD6, 1, false, None);
    let port = four.port();
    // Whichever family the hosts file (and so the resolver) puts first.
    for (i, hosts) in [
        "127.0.0.1 dual.test\n::1 dual.test\n",
        "::1 dual.test\n127.0.0.1 dual.test\n",
    ]
    .into_iter()
    .enumerate()
    {
        let mut e = env(&cf, &four, "home.example.com");
        set(
            &mut e,
            "IP4_PROVIDER",
            &format!("url.via4:http://dual.test:{port}/"),
        );
        set(
            &mut e,
            "IP6_PROVIDER",
            &format!("url.via6:http://dual.test:{port}/"),
        );
        let Some(r) = run_with_hosts(&["once"], &e, hosts) else {
            return;
        };
        assert_eq!(r.code, 0, "{hosts}: {}", r.stderr);
        assert_eq!(cf.find("home.example.com", "A")[0].content, NEW4);
        assert_eq!(cf.find("home.example.com", "AAAA")[0].content, NEW6);
        // The first run's new addresses are each asked for twice (one provider per family:
        // `once` asks it again); the second run finds them in the records and asks once.
        let asked = [2, 3][i];
        assert_eq!((four.hits(), six.hits()), (asked, asked), "{hosts}");
    }
    // A name with no address of the family is said plainly.
    let mut e = env(&cf, &four, "home.example.com");
    set(
        &mut e,
        "IP6_PROVIDER",
        &format!("url.via6:http://dual.test:{port}/"),
    );
    let Some(r) = run_with_hosts(&["once"], &e, "127.0.0.1 dual.test\n") else {
        return;
    };
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("dual.test has no IPv6 address"),
        "{}",
        r.stderr
    );
}

/// The kernel lists a temporary address (privacy extensions: `use_tempaddr=2` and a
/// `mngtmpaddr` address make it create one) first, then that stable template, a deprecated
/// address (`preferred_lft 0`) and a permanent one: the first stable one is published. An
/// interface with only a deprecated public address publishes nothing and says why.
#[test]
fn interface_publishes_only_a_stable_ipv6_address() {
    let ran = in_network_namespace(|| {
        sh("ip link add dy0 type veth peer name dy1 \
            && sysctl -qw net.ipv6.conf.dy0.use_tempaddr=2 net.ipv6.conf.dy0.accept_dad=0 \
            && ip link set dy0 up && ip link set dy1 up \
            && ip -6 addr add 2a01:4f8:10:1::5/64 dev dy0 nodad \
            && ip -6 addr add 2a01:4f8:10:2::9/64 dev dy0 preferred_lft 0 nodad \
            && ip -6 addr add 2a01:4f8:10:3::1/64 dev dy0 mngtmpaddr nodad \
            && ip -6 addr add 2a01:4f8:20:1::7/64 dev dy1 preferred_lft 0 nodad");
        // The test means something only if an unstable address comes first.
        let listed = sh("ip -6 -o addr show dev dy0 scope global");
        let first = listed.lines().next().unwrap_or_default().to_string();
        assert!(first.contains("temporary"), "{listed}");
        let cf = FakeCloudflare::start_direct();
        let z = cf.add_zone("example.com");
        cf.add_record(&z, "six.example.com", "AAAA", OLD6, 1, false, None);
        let mut e = v6_env(&cf.api_url(), "interface:dy0");
        set(&mut e, "ALLOW_CREATE_HOSTS", "true");
        let held = |cf: &FakeCloudflare| cf.contents_sorted("six.example.com", "AAAA");
        let r = run(&["once"], &e);
        assert_eq!(r.code, 0, "{}", r.stderr);
        // Both stable addresses, as a set; never the temporary or the deprecated one.
        assert_eq!(
            held(&cf),
            ["2a01:4f8:10:1::5", "2a01:4f8:10:3::1"],
            "{listed}"
        );
        // One goes from the interface: its record goes too.
        sh("ip -6 addr del 2a01:4f8:10:1::5/64 dev dy0");
        let r = run(&["once"], &e);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_eq!(held(&cf), ["2a01:4f8:10:3::1"]);
        set(&mut e, "IP6_PROVIDER", "interface:dy1");
        let r = run(&["once"], &e);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(
            r.stderr.contains("interface dy1 holds no stable public IPv6 address, only 2a01:4f8:20:1::7 (deprecated"),
            "{}",
            r.stderr
        );
        assert_eq!(held(&cf), ["2a01:4f8:10:3::1"]);
    });
    if ran.is_none() {
        eprintln!("skipped: interface_publishes_only_a_stable_ipv6_address");
    }
}
