//! `dyncfdns once` (and the sync pass in-process) against the fake Cloudflare and IP echoes.

mod common;

use common::*;
use dyncfdns::config::{self, Config};
use dyncfdns::sync::{run_pass, Cache};
use dyncfdns::transport::Http;

const OLD: &str = "93.184.216.34";
const NEW: &str = "8.8.4.4";

fn zone_with(cf: &FakeCloudflare, zone: &str, hosts: &[&str], content: &str) -> String {
    let id = cf.add_zone(zone);
    for h in hosts {
        cf.add_record(&id, h, "A", content, 1, false, None);
    }
    id
}

fn contents(cf: &FakeCloudflare, name: &str, rtype: &str) -> Vec<String> {
    cf.find(name, rtype)
        .into_iter()
        .map(|r| r.content)
        .collect()
}

#[test]
fn token_is_sent_as_bearer_and_records_are_updated() {
    let cf = FakeCloudflare::start();
    zone_with(&cf, "example.com", &["home.example.com"], OLD);
    let ip = IpEcho::start(NEW);
    let r = run(&["once"], &env(&cf, &ip, "home.example.com"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(contents(&cf, "home.example.com", "A"), vec![NEW]);
    for call in cf.calls() {
        assert_eq!(
            call.header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str())
        );
        assert!(call.header("x-auth-key").is_none());
        assert!(call.header("user-agent").unwrap().starts_with("dyncfdns/"));
    }
    assert!(
        r.stderr
            .contains("updated home.example.com A: 93.184.216.34 -> 8.8.4.4"),
        "{}",
        r.stderr
    );
}

#[test]
fn global_key_is_sent_as_x_auth_headers() {
    let cf = FakeCloudflare::start();
    zone_with(&cf, "example.com", &["home.example.com"], OLD);
    let ip = IpEcho::start(NEW);
    let mut e = env(&cf, &ip, "home.example.com");
    unset(&mut e, "CLOUDFLARE_API_TOKEN");
    set(&mut e, "CLOUDFLARE_API_KEY", KEY);
    set(&mut e, "CLOUDFLARE_API_EMAIL", EMAIL);
    let r = run(&["once"], &e);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(contents(&cf, "home.example.com", "A"), vec![NEW]);
    for call in cf.calls() {
        assert_eq!(call.header("x-auth-key"), Some(KEY));
        assert_eq!(call.header("x-auth-email"), Some(EMAIL));
        assert!(call.header("authorization").is_none());
    }
}

#[test]
fn hosts_go_to_their_longest_zone() {
    let cf = FakeCloudflare::start();
    let parent = zone_with(&cf, "example.com", &["a.example.com"], OLD);
    // A decoy in the parent zone: the sub-zone's record is the one that counts.
    let decoy = cf.add_record(&parent, "b.sub.example.com", "A", OLD, 1, false, None);
    let sub = zone_with(&cf, "sub.example.com", &["b.sub.example.com"], OLD);
    zone_with(&cf, "example.org", &["example.org"], OLD);
    let ip = IpEcho::start(NEW);
    let r = run(
        &["once"],
        &env(&cf, &ip, "a.example.com,b.sub.example.com,example.org"),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let recs = cf.records();
    let get = |id: &str| recs.iter().find(|r| r.id == id).unwrap().content.clone();
    assert_eq!(
        get(&decoy),
        OLD,
        "the parent zone's decoy must not be touched"
    );
    let in_sub = recs.iter().find(|r| r.zone_id == sub).unwrap();
    assert_eq!(in_sub.content, NEW);
    assert_eq!(contents(&cf, "a.example.com", "A"), vec![NEW]);
    assert_eq!(contents(&cf, "example.org", "A"), vec![NEW]);
}

#[test]
fn every_page_of_zones_and_records_is_read() {
    let cf = FakeCloudflare::start();
    let mut target = String::new();
    for i in 0..60 {
        let id = cf.add_zone(&format!("zone{i:02}.net"));
        if i == 57 {
            target = id;
        }
    }
    // Cloudflare lists up to 5,000 records a page; this fake lists 100, so 152 make two pages.
    cf.records_per_page(100);
    for i in 0..150 {
        cf.add_record(
            &target,
            &format!("filler{i}.zone57.net"),
            "A",
            OLD,
            1,
            false,
            None,
        );
    }
    cf.add_record(&target, "late.zone57.net", "A", OLD, 1, false, None);
    cf.add_record(&target, "later.zone57.net", "A", OLD, 1, false, None);
    let ip = IpEcho::start(NEW);
    let r = run(
        &["once"],
        &env(&cf, &ip, "late.zone57.net,later.zone57.net"),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(contents(&cf, "late.zone57.net", "A"), vec![NEW]);
    assert_eq!(contents(&cf, "later.zone57.net", "A"), vec![NEW]);
    assert!(contents(&cf, "filler3.zone57.net", "A") == vec![OLD]);
    let pages = |path_end: &str| {
        cf.calls()
            .iter()
            .filter(|c| {
                c.method == "GET" && c.path.ends_with(path_end) && c.param("page") == Some("2")
            })
            .count()
    };
    assert_eq!(pages("/zones"), 1, "the second page of zones was not read");
    assert_eq!(
        pages("/dns_records"),
        1,
        "the second page of records was not read"
    );
}

#[test]
fn update_keeps_ttl_proxied_and_comment() {
    let cf = FakeCloudflare::start();
    let z = cf.add_zone("example.com");
    cf.add_record(&z, "home.example.com", "A", OLD, 300, true, Some("my note"));
    let ip = IpEcho::start(NEW);
    let r = run(&["once"], &env(&cf, &ip, "home.example.com"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rec = &cf.find("home.example.com", "A")[0];
    assert_eq!(
        (rec.content.as_str(), rec.ttl, rec.proxied),
        (NEW, 300, true)
    );
    assert_eq!(rec.comment.as_deref(), Some("my note"));
    let writes = cf.writes();
    assert_eq!(writes.len(), 1);
    assert_eq!(writes[0].method, "PATCH");
    for field in [
        r#""name":"home.example.com""#,
        r#""type":"A""#,
        r#""ttl":300"#,
        r#""proxied":true"#,
    ] {
        assert!(writes[0].body.contains(field), "{}", writes[0].body);
    }
    assert!(!writes[0].body.contains("comment"));
}

#[test]
fn creates_only_when_allowed_with_the_configured_settings() {
    let cf = FakeCloudflare::start();
    zone_with(&cf, "example.com", &["home.example.com"], NEW);
    let ip = IpEcho::start(NEW);
    let mut e = env(&cf, &ip, "home.example.com,new.example.com");
    set(&mut e, "ALLOW_CREATE_HOSTS", "yes");
    set(&mut e, "TTL", "120");
    set(&mut e, "PROXIED", "true");
    set(&mut e, "RECORD_COMMENT", "managed by dyncfdns");
    let r = run(&["once"], &e);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rec = &cf.find("new.example.com", "A")[0];
    assert_eq!(
        (rec.content.as_str(), rec.ttl, rec.proxied),
        (NEW, 120, true)
    );
    assert_eq!(rec.comment.as_deref(), Some("managed by dyncfdns"));
    assert_eq!(cf.writes().len(), 1);
}

#[test]
fn a_missing_host_without_creation_is_named_and_never_requested() {
    let cf = FakeCloudflare::start();
    zone_with(&cf, "example.com", &["home.example.com"], OLD);
    let ip = IpEcho::start(NEW);
    let r = run(
        &["once"],
        &env(&cf, &ip, "home.example.com,missing.example.com"),
    );
    // A warning, not a failure (documented exit code of `once`).
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("0 failed, 1 missing"), "{}", r.stderr);
    assert!(
        r.stderr.contains("missing.example.com has no A record"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("ALLOW_CREATE_HOSTS=true"));
    assert!(cf.find("missing.example.com", "A").is_empty());
    assert_eq!(
        contents(&cf, "home.example.com", "A"),
        vec![NEW],
        "the other host is still served"
    );
    for call in cf.calls() {
        assert!(
            !format!("{}{:?}{}", call.path, call.query, call.body).contains("missing"),
            "{call:?}"
        );
    }
}

#[test]
fn a_cname_on_the_name_is_an_error_and_left_alone() {
    let cf = FakeCloudflare::start();
    let z = cf.add_zone("example.com");
    cf.add_record(&z, "www.example.com", "CNAME", "example.com", 1, true, None);
    let ip = IpEcho::start(NEW);
    let mut e = env(&cf, &ip, "www.example.com");
    set(&mut e, "ALLOW_CREATE_HOSTS", "true");
    let r = run(&["once"], &e);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("www.example.com holds a CNAME"),
        "{}",
        r.stderr
    );
    assert!(cf.writes().is_empty());
}

#[test]
fn other_record_types_and_duplicates_are_not_touched() {
    let cf = FakeCloudflare::start();
    let z = cf.add_zone("example.com");
    let oldest = cf.add_record(&z, "home.example.com", "A", OLD, 1, false, None);
    let extra = cf.add_record(&z, "home.example.com", "A", "1.0.0.1", 1, false, None);
    let txt = cf.add_record(&z, "home.example.com", "TXT", "v=spf1 -all", 1, false, None);
    let ip = IpEcho::start(NEW);
    let r = run(&["once"], &env(&cf, &ip, "home.example.com"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let recs = cf.records();
    let get = |id: &str| recs.iter().find(|r| r.id == id).unwrap().content.clone();
    assert_eq!(get(&oldest), NEW);
    assert_eq!(get(&extra), "1.0.0.1");
    assert_eq!(get(&txt), "v=spf1 -all");
    assert!(r.stderr.contains("more than one A record"), "{}", r.stderr);
}

#[test]
fn a_host_in_no_visible_zone_is_named_with_a_hint() {
    let cf = FakeCloudflare::start();
    zone_with(&cf, "example.com", &["home.example.com"], NEW);
    let ip = IpEcho::start(NEW);
    let r = run(
        &["once"],
        &env(&cf, &ip, "home.example.com,a.elsewhere.org"),
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("a.elsewhere.org is in no zone these credentials can see"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("Zone:Read"));
}

/// As `once` runs a pass: a lone provider's new address is asked for again within it.
fn in_process_config(cf: &FakeCloudflare, ip: &IpEcho, hosts: &str) -> Config {
    let mut cfg = config_of(env(cf, ip, hosts));
    cfg.detection.confirm = config::Confirm::InPass;
    cfg
}

#[test]
fn a_second_pass_in_one_process_makes_no_calls() {
    let cf = FakeCloudflare::start();
    zone_with(&cf, "example.com", &["a.example.com", "b.example.com"], OLD);
    zone_with(&cf, "example.org", &["c.example.org"], OLD);
    let ip = IpEcho::start(NEW);
    let cfg = in_process_config(&cf, &ip, "a.example.com,b.example.com,c.example.org");
    let mut cache = Cache::default();
    let first = run_pass(&cfg, &mut cache, &mut Http::plain(), 1000);
    assert!(first.ok(), "{first:?}");
    // A new address, one provider: asked again before it is written.
    assert_eq!(ip.hits(), 2);
    let before = cf.calls().len();
    assert_eq!(before as u32, first.calls);
    let second = run_pass(&cfg, &mut cache, &mut Http::plain(), 1060);
    assert!(second.ok());
    assert_eq!(second.calls, 0);
    assert_eq!(ip.hits(), 3, "steady state: one question per pass");
    assert_eq!(cf.calls().len(), before, "{:?}", &cf.calls()[before..]);
    // Past RECORD_CACHE_TTL the records are read again, which repairs dashboard edits.
    let third = run_pass(&cfg, &mut cache, &mut Http::plain(), 1000 + 3600);
    assert!(third.calls > 0);
}

#[test]
fn an_address_change_for_three_hosts_of_one_zone_is_one_read_and_one_write() {
    let cf = FakeCloudflare::start();
    zone_with(
        &cf,
        "example.com",
        &["a.example.com", "b.example.com", "c.example.com"],
        OLD,
    );
    let ip = IpEcho::start(OLD);
    let cfg = in_process_config(&cf, &ip, "a.example.com,b.example.com,c.example.com");
    let mut cache = Cache::default();
    assert!(run_pass(&cfg, &mut cache, &mut Http::plain(), 1000).ok());
    assert!(cf.writes().is_empty());
    cf.clear_calls();
    ip.set(Answer::Text(200, NEW.to_string()));
    let pass = run_pass(&cfg, &mut cache, &mut Http::plain(), 1060);
    assert!(pass.ok(), "{pass:?}");
    // The records are read afresh (so edits made elsewhere survive), then one batch.
    let calls = cf.calls();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(calls[0].method == "GET" && calls[0].path.ends_with("/dns_records"));
    assert!(calls[1].path.ends_with("/dns_records/batch"));
    for h in ["a", "b", "c"] {
        assert_eq!(contents(&cf, &format!("{h}.example.com"), "A"), vec![NEW]);
    }
}

#[test]
fn a_refused_batch_falls_back_to_one_call_each() {
    let cf = FakeCloudflare::start();
    zone_with(&cf, "example.com", &["a.example.com", "b.example.com"], OLD);
    cf.refuse_batch();
    let ip = IpEcho::start(NEW);
    let r = run(&["once"], &env(&cf, &ip, "a.example.com,b.example.com"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let writes: Vec<String> = cf.writes().iter().map(|w| w.method.clone()).collect();
    assert_eq!(writes, vec!["POST", "PATCH", "PATCH"]);
    assert_eq!(contents(&cf, "b.example.com", "A"), vec![NEW]);
}

#[test]
fn a_create_race_is_resolved_by_reading_again() {
    let cf = FakeCloudflare::start_direct();
    let z = zone_with(&cf, "example.com", &[], OLD);
    // Cloudflare says the record exists (someone made it after our read).
    cf.add_record(&z, "x.example.com", "A", NEW, 1, false, None);
    let ip = IpEcho::start(NEW);
    let cfg = in_process_config(&cf, &ip, "x.example.com");
    let mut cfg = cfg;
    cfg.create.allowed = true;
    cf.inject("GET", "/dns_records", Fault::Status { status: 200, body: r#"{"success":true,"errors":[],"messages":[],"result":[],"result_info":{"page":1,"per_page":100,"count":0,"total_count":0,"total_pages":1}}"#.into(), retry_after: None }, 1);
    let pass = run_pass(&cfg, &mut Cache::default(), &mut Http::plain(), 1000);
    assert!(pass.ok(), "{pass:?}");
    assert_eq!(
        cf.find("x.example.com", "A").len(),
        1,
        "no duplicate record"
    );
}

#[test]
fn junk_and_non_public_answers_are_skipped_for_the_next_provider() {
    let cf = FakeCloudflare::start();
    zone_with(&cf, "example.com", &["home.example.com"], OLD);
    let bad = [
        IpEcho::start("not-an-ip"),
        IpEcho::start("<!DOCTYPE html><html><body>8.8.8.8</body></html>"),
        IpEcho::start("192.168.1.20"),
        IpEcho::start("100.64.12.1"),
        IpEcho::start(&"9".repeat(10_000)),
    ];
    let good = IpEcho::start(&format!("fl=1\nip={NEW}\nts=2\n"));
    let mut providers: Vec<String> = bad.iter().map(|b| b.provider()).collect();
    providers.push(good.provider());
    let mut e = env(&cf, &good, "home.example.com");
    set(&mut e, "IP4_PROVIDER", &providers.join(","));
    let r = run(&["once"], &e);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(contents(&cf, "home.example.com", "A"), vec![NEW]);
    for b in &bad {
        assert_eq!(b.hits(), 1);
    }
    assert!(
        r.stderr.contains("192.168.1.20 is a private address"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("shared (CGNAT)"));

    // With only bad answers nothing is written and the pass fails.
    cf.clear_calls();
    set(&mut e, "IP4_PROVIDER", &providers[..bad.len()].join(","));
    let r = run(&["once"], &e);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("no IPv4 address detected"),
        "{}",
        r.stderr
    );
    assert!(cf.calls().is_empty());
}

#[test]
fn a_hung_detector_times_out_and_the_next_is_used() {
    let cf = FakeCloudflare::start();
    zone_with(&cf, "example.com", &["home.example.com"], OLD);
    let hung = IpEcho::start("");
    hung.set(Answer::Hang);
    let good = IpEcho::start(NEW);
    let mut e = env(&cf, &good, "home.example.com");
    set(
        &mut e,
        "IP4_PROVIDER",
        &format!("{},{}", hung.provider(), good.provider()),
    );
    set(&mut e, "DETECTION_TIMEOUT", "1");
    let r = run(&["once"], &e);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.elapsed.as_secs_f64() < 5.0, "{:?}", r.elapsed);
    assert!(r.stderr.contains("timed out"), "{}", r.stderr);
}

fn fails_cleanly(fault: Fault, expect: &str) {
    let cf = FakeCloudflare::start_direct();
    zone_with(&cf, "example.com", &["home.example.com"], OLD);
    cf.inject("GET", "/dns_records", fault, 1);
    let ip = IpEcho::start(NEW);
    let mut e = env(&cf, &ip, "home.example.com");
    set(&mut e, "UPDATE_TIMEOUT", "2");
    let r = run(&["once"], &e);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.elapsed.as_secs_f64() < 2.0 + 3.0, "took {:?}", r.elapsed);
    assert!(
        r.stderr.contains(expect),
        "wanted {expect:?} in:\n{}",
        r.stderr
    );
    assert!(r.stderr.contains("pass FAILED"));
    assert!(cf.writes().is_empty());
    assert_eq!(contents(&cf, "home.example.com", "A"), vec![OLD]);
}

#[test]
fn throttling_fails_the_pass_and_reports_retry_after() {
    let body = r#"{"success":false,"errors":[{"code":971,"message":"Please wait and consider throttling your request speed"}],"messages":[],"result":null}"#;
    fails_cleanly(
        Fault::Status {
            status: 429,
            body: body.into(),
            retry_after: Some(42),
        },
        "retry after 42 s",
    );
}

#[test]
fn a_server_error_fails_the_pass() {
    fails_cleanly(
        Fault::Status {
            status: 500,
            body: "<html>Internal Server Error</html>".into(),
            retry_after: None,
        },
        "HTTP 500",
    );
}

#[test]
fn a_hung_call_fails_the_pass_within_the_timeout() {
    fails_cleanly(Fault::Hang, "timed out");
}

#[test]
fn a_truncated_body_fails_the_pass() {
    fails_cleanly(Fault::Truncate, "cannot reach Cloudflare");
}

#[test]
fn a_reset_connection_fails_the_pass() {
    fails_cleanly(Fault::Reset, "cannot reach Cloudflare");
}

#[test]
fn a_wrong_token_is_explained_without_being_printed() {
    let cf = FakeCloudflare::start();
    zone_with(&cf, "example.com", &["home.example.com"], OLD);
    let ip = IpEcho::start(NEW);
    let mut e = env(&cf, &ip, "home.example.com");
    let wrong = "wrong-token-5b7e0c";
    set(&mut e, "CLOUDFLARE_API_TOKEN", wrong);
    set(&mut e, "DEBUG", "true");
    let r = run(&["once"], &e);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("9109"), "{}", r.stderr);
    assert!(r.stderr.contains("Zone:Read and DNS:Edit"));
    assert!(!r.stderr.contains(wrong) && !r.stdout.contains(wrong));
}

#[test]
fn aaaa_records_follow_ip6_provider() {
    let cf = FakeCloudflare::start();
    let z = zone_with(&cf, "example.com", &["home.example.com"], OLD);
    cf.add_record(
        &z,
        "home.example.com",
        "AAAA",
        "2a00:1450:4001::1",
        1,
        false,
        None,
    );
    let v4 = IpEcho::start(NEW);
    let v6 = IpEcho::start("2a00:1450:4001:80b::200e");
    let mut e = env(&cf, &v4, "home.example.com");
    set(&mut e, "IP6_PROVIDER", &v6.provider());
    let r = run(&["once"], &e);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        contents(&cf, "home.example.com", "AAAA"),
        vec!["2a00:1450:4001:80b::200e"]
    );
    assert_eq!(contents(&cf, "home.example.com", "A"), vec![NEW]);
    assert_eq!(cf.writes().len(), 1, "both records in one batch");

    // An IPv4 answer to the IPv6 provider is rejected; A records still update.
    let v6_wrong = IpEcho::start("8.8.8.8");
    set(&mut e, "IP6_PROVIDER", &v6_wrong.provider());
    v4.set(Answer::Text(200, OLD.to_string()));
    let r = run(&["once"], &e);
    assert_eq!(r.code, 1);
    assert_eq!(contents(&cf, "home.example.com", "A"), vec![OLD]);
    assert_eq!(
        contents(&cf, "home.example.com", "AAAA"),
        vec!["2a00:1450:4001:80b::200e"]
    );
}

#[test]
fn dry_run_writes_nothing() {
    let cf = FakeCloudflare::start();
    zone_with(&cf, "example.com", &["home.example.com"], OLD);
    let ip = IpEcho::start(NEW);
    let mut e = env(&cf, &ip, "home.example.com,new.example.com");
    set(&mut e, "DRY_RUN", "true");
    set(&mut e, "ALLOW_CREATE_HOSTS", "true");
    let r = run(&["once"], &e);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(cf.writes().is_empty());
    assert!(
        r.stderr
            .contains("would update home.example.com A from 93.184.216.34 to 8.8.4.4"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("would create new.example.com A"));
    assert_eq!(contents(&cf, "home.example.com", "A"), vec![OLD]);
}

#[test]
fn bad_configuration_exits_2_naming_every_problem() {
    let r = run(
        &["once"],
        &[
            ("TTL".into(), "7".into()),
            ("IP4_PROVIDER".into(), "carrier-pigeon".into()),
        ],
    );
    assert_eq!(r.code, 2);
    for name in ["HOST_LIST", "CLOUDFLARE_API_TOKEN", "TTL", "IP4_PROVIDER"] {
        assert!(
            r.stderr.contains(name),
            "{name} not named in:\n{}",
            r.stderr
        );
    }
}

#[test]
fn help_and_version() {
    let r = run(&["--version"], &[]);
    assert_eq!(r.code, 0);
    let prefix = concat!("dyncfdns ", env!("CARGO_PKG_VERSION"), " (commit ");
    assert!(r.stdout.starts_with(prefix), "{}", r.stdout);
    assert!(
        r.stdout.contains("-linux-"),
        "the target triple: {}",
        r.stdout
    );
    let r = run(&["--help"], &[]);
    assert_eq!(r.code, 0);
    for var in [
        "HOST_LIST",
        "IP6_PROVIDER",
        "RECORD_CACHE_TTL",
        "once",
        "healthcheck",
    ] {
        assert!(r.stdout.contains(var), "{var}");
    }
    assert_eq!(run(&["frobnicate"], &[]).code, 2);
}

#[test]
fn delete_managed_sends_schema_conformant_deletes() {
    let cf = FakeCloudflare::start();
    zone_with(&cf, "example.com", &["a.example.com", "b.example.com"], OLD);
    zone_with(&cf, "example.org", &["c.example.org"], OLD);
    let keep = cf.add_record(
        &cf.records()[0].zone_id,
        "a.example.com",
        "TXT",
        "keep",
        1,
        false,
        None,
    );
    let ip = IpEcho::start(NEW);
    let cfg = in_process_config(&cf, &ip, "a.example.com,b.example.com,c.example.org");
    let mut cache = Cache::default();
    assert!(run_pass(&cfg, &mut cache, &mut Http::plain(), 1000).ok());
    let deleted = dyncfdns::sync::delete_managed(&cfg, &mut cache, &mut Http::plain());
    assert_eq!(deleted, 3);
    let left: Vec<String> = cf.records().into_iter().map(|r| r.id).collect();
    assert_eq!(left, vec![keep]);
    let methods: Vec<String> = cf.writes().iter().map(|w| w.method.clone()).collect();
    assert!(
        methods.contains(&"DELETE".to_string()),
        "a lone record is one DELETE: {methods:?}"
    );
}

#[test]
fn dashboard_edits_within_the_cache_window_survive_an_address_change() {
    let cf = FakeCloudflare::start();
    zone_with(&cf, "example.com", &["a.example.com"], OLD);
    let ip = IpEcho::start(OLD);
    let cfg = in_process_config(&cf, &ip, "a.example.com");
    let mut cache = Cache::default();
    assert!(run_pass(&cfg, &mut cache, &mut Http::plain(), 1000).ok());
    // Within RECORD_CACHE_TTL: the proxy is turned on and the TTL set in the dashboard.
    let id = cf.find("a.example.com", "A")[0].id.clone();
    cf.edit(&id, 300, true);
    ip.set(Answer::Text(200, NEW.to_string()));
    assert!(run_pass(&cfg, &mut cache, &mut Http::plain(), 1060).ok());
    let rec = &cf.find("a.example.com", "A")[0];
    assert_eq!(
        (rec.content.as_str(), rec.ttl, rec.proxied),
        (NEW, 300, true)
    );
}

#[test]
fn an_address_of_cloudflares_own_is_never_published() {
    let cf = FakeCloudflare::start();
    zone_with(
        &cf,
        "example.com",
        &["home.example.com", "nas.example.com"],
        OLD,
    );
    let warp = IpEcho::start("fl=1\nip=104.18.0.1\nts=2\n");
    let good = IpEcho::start(NEW);
    let mut e = env(&cf, &good, "home.example.com");
    set(
        &mut e,
        "IP4_PROVIDER",
        &format!("{},{}", warp.provider(), good.provider()),
    );
    let r = run(&["once"], &e);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("104.18.0.1 is an address of Cloudflare's own"),
        "{}",
        r.stderr
    );
    assert_eq!(contents(&cf, "home.example.com", "A"), vec![NEW]);

    // With only that provider nothing is written and the pass fails. One fake serves both
    // halves: under Prism only one can listen on its upstream port at a time.
    let mut e = env(&cf, &warp, "nas.example.com");
    set(&mut e, "IP4_PROVIDER", &warp.provider());
    let r = run(&["once"], &e);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(contents(&cf, "nas.example.com", "A"), vec![OLD]);
}
