//! WAF lists (issue 26, part 3): favonia's WAF_LISTS keeps a Cloudflare IP list on the
//! detected addresses (created when missing, /32 and /64 items, stale ones removed, others'
//! items left, DELETE_ON_STOP clearing ours), through the Lists API's asynchronous
//! operations, at no call in steady state and one operation and its poll on a change.

mod common;

use common::*;
use std::time::Duration;

const ACCT: &str = "0123456789abcdef0123456789abcdef";

/// The fake, behind the schema check's Prism when scripts/test-schema.sh runs these tests.
fn fake() -> FakeCloudflare {
    FakeCloudflare::start()
}

fn lists_env(cf: &FakeCloudflare, echo: &IpEcho) -> Vec<(String, String)> {
    let mut e = env(cf, echo, "unused.example.com");
    unset(&mut e, "HOST_LIST");
    // The Lists cut of Cloudflare's schema names only the Global API Key.
    if std::env::var("DYNCFDNS_TEST_AUTH").as_deref() == Ok("key") {
        unset(&mut e, "CLOUDFLARE_API_TOKEN");
        set(&mut e, "CLOUDFLARE_API_KEY", KEY);
        set(&mut e, "CLOUDFLARE_API_EMAIL", EMAIL);
    }
    set(&mut e, "WAF_LISTS", &format!("{ACCT}/home_ips"));
    one_answer_is_enough(&mut e);
    e
}

/// The Lists API calls among `calls`, as "METHOD last-path-part".
fn list_calls(cf: &FakeCloudflare) -> Vec<String> {
    cf.calls()
        .into_iter()
        .filter(|c| c.path.contains("/rules/lists"))
        .map(|c| {
            let tail = if c.path.contains("bulk_operations") {
                "bulk_operations"
            } else if c.path.ends_with("/items") {
                "items"
            } else {
                "lists"
            };
            format!("{} {tail}", c.method)
        })
        .collect()
}

#[test]
fn a_missing_list_is_created_and_follows_the_address_in_one_operation() {
    let cf = fake();
    let echo = IpEcho::start("93.184.216.1");
    let mut e = lists_env(&cf, &echo);
    set(&mut e, "IP6_PROVIDER", "static:2001:db8:1:2::5");
    set(&mut e, "WAF_LIST_DESCRIPTION", "my home");
    set(&mut e, "UPDATE_INTERVAL", "1");
    let d = Daemon::start(&e, &work_dir("waf", "follow"));
    d.wait_for(
        "WAF lists: 0 unchanged, 1 changed",
        1,
        Duration::from_secs(30),
    );
    assert_eq!(
        cf.list_items("home_ips"),
        ["2001:db8:1:2::/64", "93.184.216.1"]
    );
    let description = cf.lists(|l| l.lists[0].description.clone());
    assert_eq!(description.as_deref(), Some("my home"));
    assert_eq!(
        list_calls(&cf),
        [
            "GET lists",
            "POST lists",
            "POST items",
            "GET bulk_operations"
        ]
    );
    // Steady state: the list is not read again while the address holds.
    cf.clear_calls();
    d.wait_for("WAF lists: 1 unchanged", 3, Duration::from_secs(30));
    assert_eq!(list_calls(&cf), Vec::<String>::new());
    // A new address: one read, one operation (the list is all ours: replaced) and its poll.
    echo.set(Answer::Text(200, "93.184.216.2".into()));
    d.wait_for(
        "added [93.184.216.2], removed [93.184.216.1]",
        1,
        Duration::from_secs(30),
    );
    assert_eq!(
        cf.list_items("home_ips"),
        ["2001:db8:1:2::/64", "93.184.216.2"]
    );
    let calls = list_calls(&cf);
    assert_eq!(
        calls,
        ["GET items", "PUT items", "GET bulk_operations"],
        "{calls:?}"
    );
    let (status, _) = d.terminate();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn others_items_are_left_and_ours_carry_our_comment() {
    let cf = fake();
    let list = cf.lists(|l| l.add_list(ACCT, "home_ips", "ip"));
    let office = cf.lists(|l| l.add_item(&list, "192.0.2.1", Some("office")));
    let old = cf.lists(|l| l.add_item(&list, "93.184.216.9", Some("home")));
    let covering = cf.lists(|l| l.add_item(&list, "2001:db8:1::/48", Some("home")));
    let echo = IpEcho::start("93.184.216.1");
    let mut e = lists_env(&cf, &echo);
    set(&mut e, "IP6_PROVIDER", "static:2001:db8:1:2::5");
    set(&mut e, "WAF_LIST_ITEM_COMMENT", "home");
    set(&mut e, "MANAGED_WAF_LIST_ITEMS_COMMENT_REGEX", "^home$");
    let r = run(&["once"], &e);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("added [93.184.216.1], removed [93.184.216.9]"),
        "{}",
        r.stderr
    );
    let items = cf.lists(|l| l.lists[0].items.clone());
    // The office's item is left, the /48 that covers the /64 is kept, the stale one went.
    assert!(items
        .iter()
        .any(|i| i.id == office && i.comment.as_deref() == Some("office")));
    assert!(items.iter().any(|i| i.id == covering));
    assert!(!items.iter().any(|i| i.id == old));
    let new = items
        .iter()
        .find(|i| i.ip == "93.184.216.1")
        .expect("added");
    assert_eq!(new.comment.as_deref(), Some("home"));
    assert_eq!(items.len(), 3, "{items:?}");
    // Not all ours: added, then the stale one deleted; nobody else's item is rewritten.
    assert_eq!(
        list_calls(&cf),
        [
            "GET lists",
            "GET items",
            "POST items",
            "DELETE items",
            "GET bulk_operations",
            "GET bulk_operations"
        ]
    );
}

#[test]
fn delete_on_stop_clears_our_items_and_no_others() {
    let cf = fake();
    let list = cf.lists(|l| l.add_list(ACCT, "home_ips", "ip"));
    let office = cf.lists(|l| l.add_item(&list, "192.0.2.1", Some("office")));
    let v6 = cf.lists(|l| l.add_item(&list, "2001:db8::/64", Some("home")));
    let echo = IpEcho::start("93.184.216.1");
    let mut e = lists_env(&cf, &echo);
    set(&mut e, "WAF_LIST_ITEM_COMMENT", "home");
    set(&mut e, "MANAGED_WAF_LIST_ITEMS_COMMENT_REGEX", "^home$");
    set(&mut e, "DELETE_ON_STOP", "true");
    let d = Daemon::start(&e, &work_dir("waf", "stop"));
    d.wait_for(
        "WAF lists: 0 unchanged, 1 changed",
        1,
        Duration::from_secs(30),
    );
    assert_eq!(
        cf.list_items("home_ips"),
        ["192.0.2.1", "2001:db8::/64", "93.184.216.1"]
    );
    let (status, _) = d.terminate();
    assert_eq!(status.code(), Some(0));
    let ids: Vec<String> = cf.lists(|l| l.lists[0].items.iter().map(|i| i.id.clone()).collect());
    // Ours went; the office's stays, and so does the IPv6 item (IPv6 is not detected here).
    assert_eq!(ids, [office, v6]);
}

#[test]
fn a_token_without_the_permission_is_told_which_it_needs() {
    let cf = fake();
    cf.lists(|l| l.denied = true);
    let echo = IpEcho::start("93.184.216.1");
    let e = lists_env(&cf, &echo);
    let r = run(&["once"], &e);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let said = format!("WAF list {ACCT}/home_ips: Cloudflare refused the request (HTTP 403; 10000: Authentication error): the token needs Account Filter Lists: Edit on account {ACCT}");
    assert!(r.stderr.contains(&said), "{}", r.stderr);
    assert!(!r.stderr.contains("DNS:Edit"), "{}", r.stderr);
    let r = run(&["check"], &e);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("Account Filter Lists: Edit"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_slow_operation_is_polled_to_its_end_and_a_failed_one_is_retried() {
    let cf = fake();
    cf.lists(|l| {
        l.add_list(ACCT, "home_ips", "ip");
        l.pending_polls = 2;
        l.fail_next = Some("the list is full".into());
    });
    let echo = IpEcho::start("93.184.216.1");
    let e = lists_env(&cf, &echo);
    let r = run(&["once"], &e);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("Cloudflare could not change it: the list is full"),
        "{}",
        r.stderr
    );
    assert_eq!(cf.list_items("home_ips"), Vec::<String>::new());
    let r = run(&["once"], &e);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(cf.list_items("home_ips"), ["93.184.216.1"]);
    let polls = list_calls(&cf)
        .iter()
        .filter(|c| c.ends_with("bulk_operations"))
        .count();
    assert_eq!(polls, 6, "three polls for each operation");
}

#[test]
fn a_doubted_address_is_not_put_in_the_list() {
    let cf = fake();
    let list = cf.lists(|l| l.add_list(ACCT, "home_ips", "ip"));
    cf.lists(|l| l.add_item(&list, "93.184.216.1", None));
    // Two providers that disagree about a new address: the list keeps the old one.
    let first = IpEcho::start("93.184.216.2");
    let second = IpEcho::start("93.184.216.3");
    let mut e = lists_env(&cf, &first);
    unset(&mut e, "CONFIRM_CHANGES");
    set(
        &mut e,
        "IP4_PROVIDER",
        &format!("{},{}", first.provider(), second.provider()),
    );
    let r = run(&["once"], &e);
    assert!(r.stderr.contains("held back"), "{}", r.stderr);
    assert_eq!(cf.list_items("home_ips"), ["93.184.216.1"]);
    assert!(
        !list_calls(&cf).iter().any(|c| !c.starts_with("GET")),
        "{:?}",
        list_calls(&cf)
    );
    // When they agree, it is written.
    second.set(Answer::Text(200, "93.184.216.2".into()));
    let r = run(&["once"], &e);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(cf.list_items("home_ips"), ["93.184.216.2"]);
}

#[test]
fn records_and_a_list_together_cost_nothing_in_steady_state() {
    let cf = FakeCloudflare::start_direct();
    let z = cf.add_zone("example.com");
    cf.add_record(&z, "home.example.com", "A", "93.184.216.1", 1, false, None);
    let echo = IpEcho::start("93.184.216.1");
    let mut e = lists_env(&cf, &echo);
    set(&mut e, "HOST_LIST", "home.example.com");
    set(&mut e, "UPDATE_INTERVAL", "1");
    let d = Daemon::start(&e, &work_dir("waf", "both"));
    d.wait_for("1 unchanged, 0 updated", 1, Duration::from_secs(30));
    cf.clear_calls();
    d.wait_for("WAF lists: 1 unchanged", 3, Duration::from_secs(30));
    assert_eq!(cf.calls().len(), 0, "{:?}", cf.calls());
    assert_eq!(cf.list_items("home_ips"), ["93.184.216.1"]);
    let (status, _) = d.terminate();
    assert_eq!(status.code(), Some(0));
}
