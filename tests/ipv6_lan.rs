//! IPv6 for the whole LAN and favonia's address model (issue 25): host IDs put the detected
//! prefix under each device's own interface identifier, so one prefix change moves every
//! LAN host's AAAA record, in one batch.

mod common;

use common::*;

const OLD_PREFIX_ADDR: &str = "2a01:4f8:10:1:aaaa:bbbb:cccc:dddd";
const NEW_PREFIX_ADDR: &str = "2a01:4f8:10:2:aaaa:bbbb:cccc:dddd";

fn aaaa(cf: &FakeCloudflare, name: &str) -> Vec<String> {
    cf.find(name, "AAAA")
        .into_iter()
        .map(|r| r.content)
        .collect()
}

/// The router (the detected address itself) and three LAN devices by host ID.
fn lan(cf: &FakeCloudflare, v6: &IpEcho) -> Vec<(String, String)> {
    let z = cf.add_zone("example.com");
    for name in ["router", "nas", "cam", "printer"] {
        cf.add_record(
            &z,
            &format!("{name}.example.com"),
            "AAAA",
            "2a00:1450:4001::1",
            1,
            false,
            None,
        );
    }
    let v4 = IpEcho::start("93.184.216.34");
    let mut e = env(cf, &v4, "router.example.com");
    set(&mut e, "IP4_PROVIDER", "none");
    set(&mut e, "IP6_PROVIDER", &v6.provider());
    set(
        &mut e,
        "IP6_HOST_LIST",
        "router.example.com, nas.example.com{hostid6=::11:22ff:fe33:4455}, \
         cam.example.com{hostid6=mac(00-11-22-33-44-55)},printer.example.com{hostid6=::5}",
    );
    one_answer_is_enough(&mut e);
    e
}

#[test]
fn one_prefix_change_moves_every_lan_hosts_record_in_one_batch() {
    let cf = FakeCloudflare::start();
    let v6 = IpEcho::start(OLD_PREFIX_ADDR);
    let e = lan(&cf, &v6);
    let r = run(&["once"], &e);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(aaaa(&cf, "router.example.com"), [OLD_PREFIX_ADDR]);
    assert_eq!(
        aaaa(&cf, "nas.example.com"),
        ["2a01:4f8:10:1:11:22ff:fe33:4455"]
    );
    assert_eq!(
        aaaa(&cf, "cam.example.com"),
        ["2a01:4f8:10:1:211:22ff:fe33:4455"]
    );
    assert_eq!(aaaa(&cf, "printer.example.com"), ["2a01:4f8:10:1::5"]);

    // The ISP delegates another prefix: every record moves, in one write.
    cf.clear_calls();
    v6.set(Answer::Text(200, NEW_PREFIX_ADDR.to_string()));
    let r = run(&["once"], &e);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(aaaa(&cf, "router.example.com"), [NEW_PREFIX_ADDR]);
    assert_eq!(
        aaaa(&cf, "nas.example.com"),
        ["2a01:4f8:10:2:11:22ff:fe33:4455"]
    );
    assert_eq!(
        aaaa(&cf, "cam.example.com"),
        ["2a01:4f8:10:2:211:22ff:fe33:4455"]
    );
    assert_eq!(aaaa(&cf, "printer.example.com"), ["2a01:4f8:10:2::5"]);
    assert_eq!(cf.writes().len(), 1, "one batch for the zone");

    // Unchanged: nothing written.
    cf.clear_calls();
    let r = run(&["once"], &e);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(cf.writes().is_empty());
}

#[test]
fn an_answer_with_its_own_prefix_is_kept_to_it_and_a_mac_needs_a_64() {
    let cf = FakeCloudflare::start();
    let v6 = IpEcho::start("2a01:4f8:10:3a7::9/56");
    let e = lan(&cf, &v6);
    let r = run(&["once"], &e);
    // The /56 keeps 2a01:4f8:10:3 and clears the subnet bits below it.
    assert_eq!(
        aaaa(&cf, "nas.example.com"),
        ["2a01:4f8:10:300:11:22ff:fe33:4455"]
    );
    assert_eq!(aaaa(&cf, "printer.example.com"), ["2a01:4f8:10:300::5"]);
    assert_eq!(aaaa(&cf, "router.example.com"), ["2a01:4f8:10:3a7::9"]);
    // A MAC's identifier needs a /64: that host fails, naming it, and keeps its record.
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "cam.example.com AAAA: a mac() host ID needs a /64 prefix, and the prefix is /56"
        ),
        "{}",
        r.stderr
    );
    assert_eq!(aaaa(&cf, "cam.example.com"), ["2a00:1450:4001::1"]);
}

#[test]
fn a_host_id_in_an_ipv4_list_or_too_wide_is_refused_at_start() {
    let cf = FakeCloudflare::start();
    let v6 = IpEcho::start(OLD_PREFIX_ADDR);
    let mut e = lan(&cf, &v6);
    set(&mut e, "IP4_HOST_LIST", "v4.example.com{hostid6=::1}");
    let r = run(&["check", "--offline"], &e);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("IP4_HOST_LIST: v4.example.com has hostid6"),
        "{}",
        r.stderr
    );
    let mut e = lan(&cf, &v6);
    set(
        &mut e,
        "IP6_HOST_LIST",
        "big.example.com{hostid6=::1:0:0:0:1}",
    );
    let r = run(&["once"], &e);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("big.example.com{hostid6=::1:0:0:0:1}: the host ID ::1:0:0:0:1 does not fit in the 64 host bits of a /64 prefix"),
        "{}",
        r.stderr
    );
    assert!(cf.writes().is_empty());
}
