//! Several addresses per family, kept as a set (issue 25): `static:a,b,c`, `file:` and host ID
//! sets leave a name's records of the type holding exactly those addresses — missing ones
//! created, stale ones updated, extra ones deleted — and nothing else is touched.

mod common;

use common::*;

const A1: &str = "93.184.216.1";
const A2: &str = "93.184.216.2";
const A3: &str = "93.184.216.3";
const A4: &str = "93.184.216.4";

/// a.example.com with one A record and records that must never be touched.
fn zone(cf: &FakeCloudflare) -> String {
    let z = cf.add_zone("example.com");
    cf.add_record(&z, "a.example.com", "A", A1, 1, false, None);
    cf.add_record(
        &z,
        "a.example.com",
        "AAAA",
        "2a00:1450:4001::1",
        1,
        false,
        None,
    );
    cf.add_record(&z, "b.example.com", "A", A3, 1, false, None);
    z
}

fn set_env(cf: &FakeCloudflare, provider: &str) -> Vec<(String, String)> {
    let echo = IpEcho::start(A1);
    let mut e = env(cf, &echo, "a.example.com");
    set(&mut e, "IP4_PROVIDER", provider);
    set(&mut e, "ALLOW_CREATE_HOSTS", "true");
    e
}

fn untouched(cf: &FakeCloudflare) {
    assert_eq!(cf.contents_sorted("b.example.com", "A"), [A3]);
    assert_eq!(
        cf.contents_sorted("a.example.com", "AAAA"),
        ["2a00:1450:4001::1"]
    );
}

#[test]
fn a_static_set_grows_and_shrinks_to_exactly_its_addresses() {
    let cf = FakeCloudflare::start();
    zone(&cf);
    let r = run(&["once"], &set_env(&cf, &format!("static:{A1},{A2},{A3}")));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(cf.contents_sorted("a.example.com", "A"), [A1, A2, A3]);
    assert_eq!(cf.writes().len(), 1, "one batch");
    assert!(
        r.stderr.contains("1 unchanged, 0 updated, 2 created"),
        "{}",
        r.stderr
    );

    // Shrunk and changed: A2 stays, A4 takes over a stale record, the other goes.
    cf.clear_calls();
    let r = run(&["once"], &set_env(&cf, &format!("static:{A2},{A4}")));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(cf.contents_sorted("a.example.com", "A"), [A2, A4]);
    assert_eq!(cf.writes().len(), 1, "one batch");
    assert!(
        r.stderr
            .contains("1 unchanged, 1 updated, 0 created, 0 failed, 1 deleted"),
        "{}",
        r.stderr
    );
    untouched(&cf);

    // The same set again: nothing to write.
    cf.clear_calls();
    let r = run(&["once"], &set_env(&cf, &format!("static:{A4},{A2}")));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(cf.writes().is_empty());
}

#[test]
fn without_creation_a_set_keeps_what_it_can_and_says_what_is_missing() {
    let cf = FakeCloudflare::start();
    zone(&cf);
    let mut e = set_env(&cf, &format!("static:{A1},{A2}"));
    set(&mut e, "ALLOW_CREATE_HOSTS", "false");
    let r = run(&["once"], &e);
    assert_eq!(cf.contents_sorted("a.example.com", "A"), [A1]);
    assert!(r.stderr.contains("1 missing"), "{}", r.stderr);
    assert!(cf.writes().is_empty());
}

#[test]
fn static_empty_deletes_the_names_records_of_that_family_only() {
    let cf = FakeCloudflare::start();
    let z = zone(&cf);
    cf.add_record(&z, "a.example.com", "A", A2, 1, false, None);
    let r = run(&["once"], &set_env(&cf, "static.empty"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(cf.contents_sorted("a.example.com", "A").is_empty());
    assert!(r.stderr.contains("2 deleted"), "{}", r.stderr);
    untouched(&cf);
}

#[test]
fn a_file_is_read_again_each_pass_and_a_bad_one_writes_nothing() {
    let cf = FakeCloudflare::start();
    zone(&cf);
    let dir = work_dir("sets", "file");
    let path = dir.join("ipv4.txt");
    std::fs::write(&path, format!("# the two lines\n{A1}\n\n{A2} # second\n")).unwrap();
    let e = set_env(&cf, &format!("file:{}", path.display()));
    let r = run(&["once"], &e);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(cf.contents_sorted("a.example.com", "A"), [A1, A2]);

    // Edited between passes: followed.
    std::fs::write(&path, format!("{A4}\n")).unwrap();
    let r = run(&["once"], &e);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(cf.contents_sorted("a.example.com", "A"), [A4]);

    // A wrong line fails the family naming the file and the line; nothing is written.
    cf.clear_calls();
    std::fs::write(&path, format!("{A1}\n2a00:1450:4001::1\n")).unwrap();
    let r = run(&["once"], &e);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let said = format!(
        "{}, line 2: 2a00:1450:4001::1 is not an IPv4 address",
        path.display()
    );
    assert!(r.stderr.contains(&said), "{}", r.stderr);
    assert_eq!(cf.contents_sorted("a.example.com", "A"), [A4]);
    // Missing: the same.
    std::fs::remove_file(&path).unwrap();
    let r = run(&["once"], &e);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains(&path.display().to_string()),
        "{}",
        r.stderr
    );
    assert!(cf.writes().is_empty());
    assert_eq!(cf.contents_sorted("a.example.com", "A"), [A4]);
    untouched(&cf);
}

#[test]
fn a_set_of_host_ids_is_one_aaaa_per_id() {
    let cf = FakeCloudflare::start();
    let z = cf.add_zone("example.com");
    cf.add_record(
        &z,
        "x.example.com",
        "AAAA",
        "2a00:1450:4001::1",
        1,
        false,
        None,
    );
    let v6 = IpEcho::start("2a01:4f8:10:1:aaaa:bbbb:cccc:dddd");
    let mut e = env(
        &cf,
        &v6,
        "x.example.com{hostid6=[::10,mac(00-11-22-33-44-55)]}",
    );
    set(&mut e, "IP4_PROVIDER", "none");
    set(&mut e, "IP6_PROVIDER", &v6.provider());
    set(&mut e, "ALLOW_CREATE_HOSTS", "true");
    one_answer_is_enough(&mut e);
    let r = run(&["once"], &e);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        cf.contents_sorted("x.example.com", "AAAA"),
        ["2a01:4f8:10:1:211:22ff:fe33:4455", "2a01:4f8:10:1::10"]
    );
    assert_eq!(cf.writes().len(), 1);
}

#[test]
fn delete_on_stop_takes_a_sets_records_and_nothing_else() {
    let cf = FakeCloudflare::start_direct();
    zone(&cf);
    let mut e = set_env(&cf, &format!("static:{A1},{A2}"));
    set(&mut e, "DELETE_ON_STOP", "true");
    set(&mut e, "API_PORT", "0");
    let d = Daemon::start(&e, &work_dir("sets", "stop"));
    d.wait_for("pass ok", 1, std::time::Duration::from_secs(30));
    assert_eq!(cf.contents_sorted("a.example.com", "A"), [A1, A2]);
    let (status, _) = d.terminate();
    assert_eq!(status.code(), Some(0));
    assert!(
        cf.contents_sorted("a.example.com", "A").is_empty(),
        "{:?}",
        cf.records()
    );
    untouched(&cf);
}
