//! Several updaters, one zone (issue 26): with RECORD_COMMENT and MANAGED_RECORDS_COMMENT_REGEX
//! each instance manages only the records whose comment it owns, so two sites on one name keep
//! a record each instead of overwriting each other every pass.

mod common;

use common::*;
use std::time::Duration;

fn site(cf: &FakeCloudflare, me: &str, address: &str) -> Vec<(String, String)> {
    let echo = IpEcho::start(address);
    let mut e = env(cf, &echo, "www.example.com");
    set(&mut e, "IP4_PROVIDER", &format!("static:{address}"));
    set(&mut e, "ALLOW_CREATE_HOSTS", "true");
    set(&mut e, "RECORD_COMMENT", &format!("managed-by-{me}"));
    set(
        &mut e,
        "MANAGED_RECORDS_COMMENT_REGEX",
        &format!("^managed-by-{me}$"),
    );
    set(&mut e, "UPDATE_INTERVAL", "1");
    set(&mut e, "RECORD_CACHE_TTL", "0");
    e
}

#[test]
fn two_sites_on_one_name_each_keep_their_own_record() {
    let cf = FakeCloudflare::start_direct();
    let z = cf.add_zone("example.com");
    // Somebody's own record on the name, without a comment: neither instance's.
    let hand = cf.add_record(&z, "www.example.com", "A", "198.51.100.7", 1, false, None);
    let home = Daemon::start(
        &site(&cf, "home", "93.184.216.1"),
        &work_dir("owners", "home"),
    );
    let office = Daemon::start(
        &site(&cf, "office", "93.184.216.2"),
        &work_dir("owners", "office"),
    );
    home.wait_for("pass ok", 4, Duration::from_secs(30));
    office.wait_for("pass ok", 4, Duration::from_secs(30));
    let mut held: Vec<(String, Option<String>)> = cf
        .find("www.example.com", "A")
        .into_iter()
        .map(|r| (r.content, r.comment))
        .collect();
    held.sort();
    assert_eq!(
        held,
        [
            ("198.51.100.7".to_string(), None),
            (
                "93.184.216.1".to_string(),
                Some("managed-by-home".to_string())
            ),
            (
                "93.184.216.2".to_string(),
                Some("managed-by-office".to_string())
            ),
        ]
    );
    assert!(cf.records().iter().any(|r| r.id == hand));
    // One create each, and no write after: they do not fight.
    assert_eq!(cf.writes().len(), 2, "{:?}", cf.writes());
    for d in [home, office] {
        assert!(!d.log().contains("more than one A record"), "{}", d.log());
        let (status, _) = d.terminate();
        assert_eq!(status.code(), Some(0));
    }
}

#[test]
fn a_created_record_must_be_owned_and_the_pattern_must_be_plain() {
    let cf = FakeCloudflare::start_direct();
    let mut e = site(&cf, "home", "93.184.216.1");
    set(&mut e, "MANAGED_RECORDS_COMMENT_REGEX", "^office$");
    let r = run(&["check", "--offline"], &e);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("RECORD_COMMENT (\"managed-by-home\") does not match MANAGED_RECORDS_COMMENT_REGEX (\"^office$\")"),
        "{}",
        r.stderr
    );
    set(
        &mut e,
        "MANAGED_RECORDS_COMMENT_REGEX",
        "^managed-by-(home|office)$",
    );
    let r = run(&["check", "--offline"], &e);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "MANAGED_RECORDS_COMMENT_REGEX: at character 13: groups '( )' are not supported"
        ),
        "{}",
        r.stderr
    );
}
