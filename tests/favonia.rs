//! favonia's address model, moved over unchanged (issue 25): detection filters, names in
//! Unicode, and a whole favonia environment leaving the records favonia documents.

mod common;

use common::*;

fn base(cf: &FakeCloudflare, hosts: &str) -> Vec<(String, String)> {
    let echo = IpEcho::start("93.184.216.34");
    let mut e = env(cf, &echo, hosts);
    set(&mut e, "IP4_PROVIDER", "static:93.184.216.34");
    set(&mut e, "ALLOW_CREATE_HOSTS", "true");
    e
}

#[test]
fn a_filter_that_keeps_nothing_skips_the_family_and_keeps_its_records() {
    let cf = FakeCloudflare::start();
    let z = cf.add_zone("example.com");
    cf.add_record(&z, "a.example.com", "A", "93.184.216.1", 1, false, None);
    let mut e = base(&cf, "a.example.com");
    set(&mut e, "IP4_PROVIDER", "static:93.184.216.7,198.51.100.7");
    set(&mut e, "IP4_DETECTION_FILTER", "addr-in(203.0.113.0/24)");
    let r = run(&["once"], &e);
    assert_eq!(
        r.code, 0,
        "a filter doing its job is not a failure: {}",
        r.stderr
    );
    assert!(
        r.stderr.contains("WARN  IP4_DETECTION_FILTER keeps none of 93.184.216.7, 198.51.100.7 (from static:93.184.216.7,198.51.100.7): A records left as they are"),
        "{}",
        r.stderr
    );
    assert_eq!(cf.contents_sorted("a.example.com", "A"), ["93.184.216.1"]);
    assert!(cf.writes().is_empty());

    // One that keeps part of the set: only that part is published.
    set(&mut e, "IP4_DETECTION_FILTER", "!addr-in(198.51.100.0/24)");
    let r = run(&["once"], &e);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(cf.contents_sorted("a.example.com", "A"), ["93.184.216.7"]);

    // A filter that does not parse stops the start, saying where.
    set(&mut e, "IP4_DETECTION_FILTER", "addr-in(198.51.100.7)");
    let r = run(&["once"], &e);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("IP4_DETECTION_FILTER: at character 9: expected an IPv4 prefix in CIDR form"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_unicode_name_is_created_under_its_punycode_and_shown_in_both_forms() {
    let cf = FakeCloudflare::start();
    cf.add_zone("example.org");
    let e = base(&cf, "☕.example.org,Bücher｡example｡org");
    let r = run(&["once"], &e);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        cf.contents_sorted("xn--53h.example.org", "A"),
        ["93.184.216.34"]
    );
    assert_eq!(
        cf.contents_sorted("xn--bcher-kva.example.org", "A"),
        ["93.184.216.34"]
    );
    let check = run(&["check", "--offline"], &e);
    assert!(
        check.stdout.contains(
            "xn--53h.example.org (☕.example.org),xn--bcher-kva.example.org (bücher.example.org)"
        ),
        "{}",
        check.stdout
    );
    let mut bad = e.clone();
    set(&mut bad, "HOST_LIST", "caf\u{e9} bar.example.org");
    let r = run(&["once"], &bad);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("HOST_LIST: \"café bar.example.org\": label \"café bar\" holds ' '"),
        "{}",
        r.stderr
    );
}

/// favonia's README, applied by hand: DOMAINS for both families, IP6_DOMAINS adding one,
/// hostid6 under IP6_DEFAULT_PREFIX_LEN, static sets and a filter dropping the ULA.
#[test]
fn a_favonia_environment_leaves_the_records_favonia_documents() {
    let cf = FakeCloudflare::start();
    cf.add_zone("example.org");
    let api = cf.api_url();
    let pairs = [
        ("CLOUDFLARE_API_TOKEN", TOKEN),
        ("CLOUDFLARE_API_URL", api.as_str()),
        ("API_PORT", "0"),
        ("DOMAINS", "www.example.org, ☕.example.org"),
        (
            "IP6_DOMAINS",
            "nas.example.org{hostid6=::11:22ff:fe33:4455}",
        ),
        ("IP4_PROVIDER", "static:93.184.216.34"),
        ("IP6_PROVIDER", "static:2a01:4f8:10:a00::1,fd00::1"),
        ("IP6_DETECTION_FILTER", "!addr-in(fc00::/7)"),
        ("IP6_DEFAULT_PREFIX_LEN", "56"),
        ("ALLOW_CREATE_HOSTS", "true"),
    ];
    let e: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let r = run(&["once"], &e);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        cf.contents_sorted("www.example.org", "A"),
        ["93.184.216.34"]
    );
    assert_eq!(
        cf.contents_sorted("xn--53h.example.org", "A"),
        ["93.184.216.34"]
    );
    assert_eq!(
        cf.contents_sorted("www.example.org", "AAAA"),
        ["2a01:4f8:10:a00::1"]
    );
    assert_eq!(
        cf.contents_sorted("xn--53h.example.org", "AAAA"),
        ["2a01:4f8:10:a00::1"]
    );
    // IP6_DOMAINS only: no A record; the /56 prefix with the host ID's bits.
    assert!(cf.contents_sorted("nas.example.org", "A").is_empty());
    assert_eq!(
        cf.contents_sorted("nas.example.org", "AAAA"),
        ["2a01:4f8:10:a00:11:22ff:fe33:4455"]
    );
    assert_eq!(cf.writes().len(), 1, "one batch for the zone");
}

#[test]
fn proxied_is_decided_per_name_for_the_records_created() {
    let cf = FakeCloudflare::start();
    let z = cf.add_zone("example.org");
    // An existing record keeps its own setting, whatever the expression says.
    cf.add_record(&z, "old.example.org", "A", "93.184.216.1", 1, true, None);
    let mut e = base(
        &cf,
        "example.org,www.example.org,api.example.org,old.example.org",
    );
    set(
        &mut e,
        "PROXIED",
        "sub(example.org) && !is(api.example.org, old.example.org)",
    );
    let r = run(&["once"], &e);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let proxied = |name: &str| cf.find(name, "A")[0].proxied;
    assert!(!proxied("example.org"), "sub() is not the name itself");
    assert!(proxied("www.example.org"));
    assert!(!proxied("api.example.org"));
    assert!(
        proxied("old.example.org"),
        "an existing record keeps its setting"
    );
    let check = run(&["check", "--offline"], &e);
    assert!(
        check.stdout.contains(
            "PROXIED                sub(example.org) && !is(api.example.org, old.example.org)"
        ),
        "{}",
        check.stdout
    );
    set(&mut e, "PROXIED", "sub(example.org) &&");
    let r = run(&["once"], &e);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("PROXIED: at character 20: expected true, false, is(<names>) or sub(<names>), '!' or '('"), "{}", r.stderr);
}
