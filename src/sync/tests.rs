//! The pass against a scripted Cloudflare: which call fails, with what, in which order.

use super::*;
use crate::config::{self, Config, Family, Source};
use crate::transport::scripted::{fail, json, Scripted, Step};
use crate::transport::{Method, TransportError};
use std::collections::HashMap;

const IP: &str = "93.184.216.34";
const OLD: &str = "198.41.0.4";

fn cfg(hosts: &str, extra: &[(&str, &str)]) -> Config {
    let mut map: HashMap<String, String> = [
        ("HOST_LIST", hosts),
        ("CLOUDFLARE_API_TOKEN", "t"),
        ("CLOUDFLARE_API_URL", "http://127.0.0.1:9/client/v4"),
        ("IP4_PROVIDER", "url:http://127.0.0.1:9/ip"),
        // These tests are about reads and writes; `confirm_*` below turn it on.
        ("CONFIRM_CHANGES", "false"),
    ]
    .iter()
    .chain(extra)
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    map.retain(|_, v| !v.is_empty());
    let var = move |k: &str| map.get(k).cloned();
    let read_file = |_: &str| Err(std::io::Error::other("no files here"));
    config::parse(&Source {
        var: &var,
        read_file: &read_file,
    })
    .unwrap()
}

fn ip_answer() -> Step {
    ip_answer_with(IP)
}

fn ip_answer_with(ip: &'static str) -> Step {
    Step {
        method: Method::Get,
        url_part: "/ip",
        answer: Ok(crate::transport::Response {
            status: 200,
            headers: Vec::new(),
            body: ip.as_bytes().to_vec(),
        }),
    }
}

fn list(items: &[String]) -> String {
    format!(
        r#"{{"success":true,"errors":[],"result":[{}],"result_info":{{"page":1,"total_pages":1}}}}"#,
        items.join(",")
    )
}

fn zone(id: &str) -> String {
    format!(r#"{{"id":"{id}","name":"example.com"}}"#)
}

fn record(id: &str, host: &str, content: &str) -> String {
    format!(
        r#"{{"id":"{id}","name":"{host}.example.com","type":"A","content":"{content}","ttl":1,"proxied":false}}"#
    )
}

fn one(body: String) -> String {
    format!(r#"{{"success":true,"errors":[],"result":{body}}}"#)
}

fn refused(code: u32) -> String {
    format!(r#"{{"success":false,"errors":[{{"code":{code},"message":"no"}}],"result":null}}"#)
}

/// Each host's state, by host name.
fn states(report: &Report) -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = report
        .outcomes
        .iter()
        .map(|o| (o.host.clone(), o.state.label()))
        .collect();
    out.sort();
    out
}

fn pairs(list: &[(&str, &'static str)]) -> Vec<(String, &'static str)> {
    list.iter().map(|(h, s)| (h.to_string(), *s)).collect()
}

/// Bug: a failed single write dropped the zone's cache, and a later success in the same loop
/// started a new cache holding only its own record, stamped fresh: the failed host then
/// looked missing until RECORD_CACHE_TTL ran out.
#[test]
fn a_failed_write_never_leaves_a_partial_cache() {
    let c = cfg("a.example.com,b.example.com", &[]);
    let mut cache = Cache::default();
    let mut t = Scripted::new(vec![
        ip_answer(),
        json(
            Method::Get,
            "/zones?per_page=50&page=1",
            200,
            &list(&[zone("z1")]),
        ),
        json(
            Method::Get,
            "/zones/z1/dns_records?per_page=5000&page=1",
            200,
            &list(&[record("ra", "a", OLD), record("rb", "b", OLD)]),
        ),
        json(
            Method::Post,
            "/zones/z1/dns_records/batch",
            400,
            &refused(1004),
        ),
        json(Method::Patch, "/dns_records/ra", 500, &refused(1002)),
        json(
            Method::Patch,
            "/dns_records/rb",
            200,
            &one(record("rb", "b", IP)),
        ),
    ]);
    let r = run_pass(&c, &mut cache, &mut t, 1000);
    let expect = [("a.example.com", "failed"), ("b.example.com", "updated")];
    assert_eq!(states(&r), pairs(&expect));
    t.assert_done();
    t.then(vec![
        ip_answer(),
        json(
            Method::Get,
            "/zones/z1/dns_records?per_page=5000&page=1",
            200,
            &list(&[record("ra", "a", OLD), record("rb", "b", IP)]),
        ),
        json(
            Method::Patch,
            "/dns_records/ra",
            200,
            &one(record("ra", "a", IP)),
        ),
    ]);
    let r = run_pass(&c, &mut cache, &mut t, 1010);
    let expect = [("a.example.com", "updated"), ("b.example.com", "unchanged")];
    assert_eq!(states(&r), pairs(&expect), "{}", r.summary());
    t.assert_done();
}

/// Bug: zones were cached for the process's life; a zone re-created under a new id kept the
/// old one until a write failed.
#[test]
fn zones_are_looked_up_again_after_the_cache_ttl() {
    let c = cfg("a.example.com", &[("RECORD_CACHE_TTL", "600")]);
    let mut cache = Cache::default();
    let by_name = "?per_page=5000&page=1&name=a.example.com";
    let mut t = Scripted::new(vec![
        ip_answer(),
        json(Method::Get, "/zones?per_page=50", 200, &list(&[zone("z1")])),
        json(Method::Get, by_name, 200, &list(&[record("r1", "a", IP)])),
        // Within the ttl: nothing but detection.
        ip_answer(),
        // After it: the zone (now re-created as z2) and its records again.
        ip_answer(),
        json(Method::Get, "/zones?per_page=50", 200, &list(&[zone("z2")])),
        json(
            Method::Get,
            "/zones/z2/dns_records",
            200,
            &list(&[record("r2", "a", IP)]),
        ),
    ]);
    for now in [1000, 1599, 1600] {
        let r = run_pass(&c, &mut cache, &mut t, now);
        assert!(r.ok(), "at {now}: {}", r.summary());
    }
    t.assert_done();
}

/// Bug: when detection failed, the records of that family kept the state of the last pass
/// that ran, so `/widget` said `unchanged` for records nobody looked at.
#[test]
fn a_family_without_an_address_is_reported_not_attempted() {
    let c = cfg("a.example.com,b.example.com", &[]);
    let mut t = Scripted::new(vec![fail(Method::Get, "/ip", TransportError::TimedOut)]);
    let r = run_pass(&c, &mut Cache::default(), &mut t, 0);
    let expect = [
        ("a.example.com", "not-attempted"),
        ("b.example.com", "not-attempted"),
    ];
    assert_eq!(states(&r), pairs(&expect));
    assert!(!r.ok());
    assert_eq!(r.outcomes[0].family, Family::V4);
    assert!(
        r.errors[0].to_string().contains("timed out"),
        "{}",
        r.errors[0]
    );
    assert!(r.summary().contains("2 not attempted"), "{}", r.summary());
}

fn records() -> Step {
    json(
        Method::Get,
        "/zones/z1/dns_records",
        200,
        &list(&[record("ra", "a", OLD), record("rb", "b", OLD)]),
    )
}

fn zones() -> Step {
    json(Method::Get, "/zones?per_page=50", 200, &list(&[zone("z1")]))
}

/// A case: its name, the calls after detection, each host's state, the retry-after.
type Row = (&'static str, Vec<Step>, [&'static str; 2], Option<u64>);

fn matrix() -> Vec<Row> {
    let timeout = |m, part| fail(m, part, TransportError::TimedOut);
    vec![
        (
            "zone list times out",
            vec![timeout(Method::Get, "/zones?")],
            ["failed", "failed"],
            None,
        ),
        (
            "records refused for auth",
            vec![
                zones(),
                json(Method::Get, "/dns_records", 403, &refused(9109)),
            ],
            ["failed", "failed"],
            None,
        ),
        (
            "records throttled",
            vec![zones(), json(Method::Get, "/dns_records", 429, "")],
            ["failed", "failed"],
            Some(60),
        ),
        (
            "batch cut short",
            vec![zones(), records(), timeout(Method::Post, "/batch")],
            ["failed", "failed"],
            None,
        ),
        (
            "batch refused, both singles fail",
            vec![
                zones(),
                records(),
                json(Method::Post, "/batch", 400, &refused(1004)),
                json(Method::Patch, "/ra", 500, &refused(1002)),
                timeout(Method::Patch, "/rb"),
            ],
            ["failed", "failed"],
            None,
        ),
        (
            "batch refused, the first single times out: the second is not sent",
            vec![
                zones(),
                records(),
                json(Method::Post, "/batch", 400, &refused(1004)),
                timeout(Method::Patch, "/ra"),
            ],
            ["failed", "not-attempted"],
            None,
        ),
        (
            "batch ok",
            vec![
                zones(),
                records(),
                json(
                    Method::Post,
                    "/batch",
                    200,
                    &one(format!(
                        r#"{{"patches":[{},{}]}}"#,
                        record("ra", "a", IP),
                        record("rb", "b", IP)
                    )),
                ),
            ],
            ["updated", "updated"],
            None,
        ),
    ]
}

/// One failing call in each place a pass calls Cloudflare: what each host ends as, and
/// whether the next pass reads the zone's records again.
#[test]
fn failure_matrix() {
    for (name, steps, expect, retry_after) in matrix() {
        let c = cfg("a.example.com,b.example.com", &[]);
        let mut cache = Cache::default();
        let mut t = Scripted::new(vec![ip_answer()]);
        t.then(steps);
        let r = run_pass(&c, &mut cache, &mut t, 1000);
        let got: Vec<&str> = r.outcomes.iter().map(|o| o.state.label()).collect();
        assert_eq!(got, expect, "{name}: {}", r.summary());
        assert_eq!(r.retry_after, retry_after, "{name}");
        t.assert_done();
        // A failed pass leaves nothing half-known: the next one reads the records again
        // (and the zones too when they were never learnt).
        if expect[0] == "failed" {
            let first = t.sent.iter().filter(|s| s.1.contains("/zones?")).count();
            t.then(vec![ip_answer()]);
            if first == 1 && !name.starts_with("zone list") {
                t.then(vec![records()]);
            } else {
                t.then(vec![zones(), records()]);
            }
            t.then(vec![json(Method::Post, "/batch", 400, &refused(1004))]);
            t.then(vec![
                json(Method::Patch, "/ra", 200, &one(record("ra", "a", IP))),
                json(Method::Patch, "/rb", 200, &one(record("rb", "b", IP))),
            ]);
            let r = run_pass(&c, &mut cache, &mut t, 1001);
            assert!(r.ok(), "{name}, next pass: {}", r.summary());
            t.assert_done();
        }
    }
}

/// Cloudflare takes at most 200 changes per batch (Free plan): more go as several batches.
#[test]
fn large_changes_go_in_batches_of_200() {
    let hosts: Vec<String> = (0..450).map(|i| format!("h{i}.example.com")).collect();
    let c = cfg(&hosts.join(","), &[]);
    let records: Vec<String> = (0..450)
        .map(|i| record(&format!("r{i}"), &format!("h{i}"), OLD))
        .collect();
    let ok = one(r#"{"patches":[]}"#.to_string());
    let mut t = Scripted::new(vec![
        ip_answer(),
        zones(),
        json(Method::Get, "/zones/z1/dns_records", 200, &list(&records)),
        json(Method::Post, "/batch", 200, &ok),
        json(Method::Post, "/batch", 200, &ok),
        json(Method::Post, "/batch", 200, &ok),
    ]);
    let r = run_pass(&c, &mut Cache::default(), &mut t, 1000);
    assert!(r.ok(), "{}", r.summary());
    assert_eq!(r.tally().updated, 450);
    let sizes: Vec<usize> = t
        .sent
        .iter()
        .filter(|s| s.1.ends_with("/batch"))
        .map(|s| s.2.as_deref().unwrap_or("").matches("\"content\"").count())
        .collect();
    assert_eq!(sizes, [200, 200, 50]);
    t.assert_done();
}

/// A batch refused by something that is not Cloudflare's JSON (a proxy's 405 page) still
/// falls back to one call per record.
#[test]
fn a_batch_refused_without_json_falls_back() {
    let c = cfg("a.example.com,b.example.com", &[]);
    let mut t = Scripted::new(vec![
        ip_answer(),
        zones(),
        records(),
        json(Method::Post, "/batch", 405, "<html>405 Not Allowed</html>"),
        json(Method::Patch, "/ra", 200, &one(record("ra", "a", IP))),
        json(Method::Patch, "/rb", 200, &one(record("rb", "b", IP))),
    ]);
    let r = run_pass(&c, &mut Cache::default(), &mut t, 1000);
    assert!(r.ok(), "{}", r.summary());
    t.assert_done();
}

/// One odd record costs only its own host: others on the page are read whatever their shape.
#[test]
fn an_odd_record_fails_only_its_host() {
    let c = cfg("a.example.com,b.example.com", &[]);
    let page = [
        r#"{"id":"ra","name":"a.example.com","type":"A","content":"93.184.216.34","ttl":300.0,"proxied":false}"#.to_string(),
        r#"{"id":"rb","name":"b.example.com","type":"A","ttl":1}"#.to_string(),
        r#"{"id":"t","name":"c.example.com","type":"TXT","content":"x","ttl":"soon"}"#.to_string(),
        r#"{"surprise":[1,2,3]}"#.to_string(),
    ];
    let mut t = Scripted::new(vec![
        ip_answer(),
        zones(),
        json(Method::Get, "/zones/z1/dns_records", 200, &list(&page)),
    ]);
    let r = run_pass(&c, &mut Cache::default(), &mut t, 1000);
    let expect = [("a.example.com", "unchanged"), ("b.example.com", "failed")];
    assert_eq!(states(&r), pairs(&expect), "{}", r.summary());
    let why = r.outcomes.iter().find_map(|o| match &o.state {
        State::Failed(f) => Some(f.to_string()),
        _ => None,
    });
    assert!(why.unwrap().contains("id or content is missing"));
    t.assert_done();
}

/// A write never reverts an edit made elsewhere: the records it touches are read afresh in
/// the same pass, and the PATCH carries the ttl and proxy setting just read.
#[test]
fn a_write_keeps_dashboard_edits_made_within_the_cache_window() {
    let c = cfg("a.example.com", &[]);
    let mut cache = Cache::default();
    let by_name = "dns_records?per_page=5000&page=1&name=a.example.com";
    let edited = r#"{"id":"ra","name":"a.example.com","type":"A","content":"93.184.216.34","ttl":300,"proxied":true}"#;
    let mut t = Scripted::new(vec![
        ip_answer(),
        zones(),
        json(Method::Get, by_name, 200, &list(&[record("ra", "a", IP)])),
        // Ten seconds later the address changes; meanwhile the proxy was turned on.
        ip_answer_with("8.8.8.8"),
        json(Method::Get, by_name, 200, &list(&[edited.to_string()])),
        json(
            Method::Patch,
            "/dns_records/ra",
            200,
            &one(record("ra", "a", "8.8.8.8")),
        ),
    ]);
    assert!(run_pass(&c, &mut cache, &mut t, 1000).ok());
    let r = run_pass(&c, &mut cache, &mut t, 1010);
    assert!(r.ok(), "{}", r.summary());
    let patch = t.sent.last().unwrap().2.clone().unwrap();
    assert!(
        patch.contains(r#""proxied":true"#) && patch.contains(r#""ttl":300"#),
        "{patch}"
    );
    t.assert_done();
    // In steady state nothing is read: the fresh read costs only when something changes.
    t.then(vec![ip_answer_with("8.8.8.8")]);
    assert!(run_pass(&c, &mut cache, &mut t, 1020).ok());
    t.assert_done();
}

/// A listing that claims four billion full pages costs at most 20 requests, then fails the
/// zone's hosts with a clear message.
#[test]
fn a_lying_page_count_cannot_run_a_pass_away() {
    let c = cfg("a.example.com,b.example.com", &[]);
    let full = |n: u32| {
        let items: Vec<String> = (0..5000)
            .map(|i| record(&format!("f{n}-{i}"), "other", OLD))
            .collect();
        format!(
            r#"{{"success":true,"result":[{}],"result_info":{{"total_pages":4000000000,"per_page":5000}}}}"#,
            items.join(",")
        )
    };
    // The first page claims so many pages that asking per name looks cheaper; each name's
    // listing claims the same. One budget covers them all.
    let mut steps = vec![ip_answer(), zones()];
    for n in 1..=20 {
        steps.push(json(Method::Get, "/zones/z1/dns_records", 200, &full(n)));
    }
    let mut t = Scripted::new(steps);
    let r = run_pass(&c, &mut Cache::default(), &mut t, 1000);
    assert_eq!(r.calls, 21, "zones + 20 record pages: {}", r.summary());
    let expect = [("a.example.com", "failed"), ("b.example.com", "failed")];
    assert_eq!(states(&r), pairs(&expect));
    let why = format!("{:?}", r.outcomes[0].state);
    assert!(why.contains("more than 20 full pages"), "{why}");
    t.assert_done();
}

/// With Cloudflare hanging, a pass waits through one timed-out call, not one per zone: the
/// zones after the first are not attempted (and nothing else is sent).
#[test]
fn a_hung_cloudflare_stalls_a_pass_once() {
    let hosts: Vec<String> = (0..5).map(|i| format!("h.z{i}.example")).collect();
    let c = cfg(&hosts.join(","), &[]);
    let zones: Vec<String> = (0..5)
        .map(|i| format!(r#"{{"id":"z{i}","name":"z{i}.example"}}"#))
        .collect();
    let mut cache = Cache::default();
    let mut t = Scripted::new(vec![
        ip_answer(),
        json(Method::Get, "/zones?per_page=50&page=1", 200, &list(&zones)),
        fail(
            Method::Get,
            "/zones/z0/dns_records",
            TransportError::TimedOut,
        ),
    ]);
    let r = run_pass(&c, &mut cache, &mut t, 1000);
    t.assert_done();
    let tally = r.tally();
    assert_eq!(
        (tally.failed, tally.not_attempted),
        (1, 4),
        "{}",
        r.summary()
    );
    assert!(!r.ok());
    assert!(r.summary().contains("4 not attempted"), "{}", r.summary());
}
