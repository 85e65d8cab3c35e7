//! The network watch (WATCH_NETWORK): in a network namespace the test makes, an address
//! change on the watched interface reaches Cloudflare within seconds with UPDATE_INTERVAL at
//! an hour; a burst of changes is one or two passes, not one each; an interface that is not
//! watched (a veth appearing) asks for nothing.

mod common;

use common::*;
use std::time::{Duration, Instant};

const OLD6: &str = "2a00:1450:4001::1";
const LONG: Duration = Duration::from_secs(30);

fn service_env(cf: &FakeCloudflare) -> Vec<(String, String)> {
    [
        ("HOST_LIST", "six.example.com"),
        ("CLOUDFLARE_API_TOKEN", "fake-token-3f9c2a"),
        ("CLOUDFLARE_API_URL", cf.api_url().as_str()),
        ("IP4_PROVIDER", "none"),
        ("IP6_PROVIDER", "interface:dy0"),
        ("API_BIND", "127.0.0.1"),
        ("API_TOKEN", "watch-token"),
        ("UPDATE_INTERVAL", "3600"),
        ("UPDATE_TIMEOUT", "5"),
        ("LOG_LEVEL", "debug"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .chain([("API_PORT".to_string(), free_port().to_string())])
    .collect()
}

fn aaaa(cf: &FakeCloudflare) -> String {
    cf.find("six.example.com", "AAAA")[0].content.clone()
}

#[test]
fn an_address_change_reaches_cloudflare_within_seconds() {
    let ran = in_network_namespace(|| {
        sh(
            "ip link add dy0 type veth peer name dy1 && ip link set dy0 up && ip link set dy1 up \
            && ip -6 addr add 2a01:4f8:10:1::5/64 dev dy0 nodad",
        );
        let cf = FakeCloudflare::start_direct();
        let z = cf.add_zone("example.com");
        cf.add_record(&z, "six.example.com", "AAAA", OLD6, 1, false, None);
        // `check` says which interfaces count: the one interface: names, or, for a remote
        // provider, the one the default route leaves by.
        let env = service_env(&cf);
        let said = run(&["check", "--offline"], &env).stdout;
        assert!(
            said.contains("network watch: on: the interfaces interface: names (dy0)"),
            "{said}"
        );
        sh("ip -6 route add default via fe80::1 dev dy0");
        let mut remote = env.clone();
        remote.push((
            "IP6_PROVIDER".to_string(),
            "url:http://127.0.0.1:9/".to_string(),
        ));
        let said = run(&["check", "--offline"], &remote).stdout;
        assert!(
            said.contains("the default routes and the interfaces that carry them (dy0)"),
            "{said}"
        );
        let d = Daemon::start(&service_env(&cf), &work_dir("watch", "change"));
        d.wait_for("watching the network", 1, LONG);
        d.wait_for("pass ok", 1, LONG);
        assert_eq!(aaaa(&cf), "2a01:4f8:10:1::5");

        // An interface nobody watches comes, with a global address: nothing is asked for.
        sh(
            "ip link add dz0 type veth peer name dz1 && ip link set dz0 up \
            && ip -6 addr add 2a01:4f8:99::1/64 dev dz0 nodad",
        );
        d.wait_for("network change ignored", 1, LONG);
        assert!(
            !d.log().contains("a network change: a pass is asked for"),
            "{}",
            d.log()
        );

        // The watched interface's address changes: written within seconds, not an hour.
        let changed = Instant::now();
        sh("ip -6 addr add 2a01:4f8:10:2::7/64 dev dy0 nodad \
            && ip -6 addr del 2a01:4f8:10:1::5/64 dev dy0");
        wait_until("the new address at Cloudflare", LONG, || {
            aaaa(&cf) == "2a01:4f8:10:2::7"
        });
        let took = changed.elapsed();
        assert!(took < Duration::from_secs(5), "took {took:?}");

        // A burst of 20 changes (a flapping line): one or two passes, and the last address.
        let before = d
            .log()
            .matches("a network change: a pass is asked for")
            .count();
        sh(
            "for i in $(seq 1 20); do ip -6 addr add 2a01:4f8:10:3::$i/64 dev dy0 nodad; \
            ip -6 addr del 2a01:4f8:10:3::$i/64 dev dy0; done",
        );
        d.wait_for("a network change: a pass is asked for", before + 1, LONG);
        d.wait_for("pass ok", 3, LONG);
        let after = d
            .log()
            .matches("a network change: a pass is asked for")
            .count();
        assert!(
            after - before <= 2,
            "{} passes for a burst:\n{}",
            after - before,
            d.log()
        );
        assert_eq!(aaaa(&cf), "2a01:4f8:10:2::7");
        // /metrics counts what the watch read and the passes it asked for.
        let m = get(d.port, "/metrics", Some("Bearer watch-token")).body;
        let passes = m
            .lines()
            .find_map(|l| l.strip_prefix("dyncfdns_network_passes_total "))
            .and_then(|n| n.parse::<u64>().ok());
        assert!(passes.is_some_and(|n| n >= 2), "{m}");
        assert!(m.contains("dyncfdns_network_events_total "), "{m}");
        let (status, _) = d.terminate();
        assert_eq!(status.code(), Some(0));
    });
    if ran.is_none() {
        eprintln!("skipped: an_address_change_reaches_cloudflare_within_seconds");
    }
}
