//! A user's first hour: a strict command line, `dyncfdns check`, missing records as warnings,
//! per-family host lists, settings from favonia/cloudflare-ddns and timothymiller/cloudflare-ddns,
//! near-miss warnings, and logs as JSON lines or syslog datagrams.

mod common;

use common::*;
use std::path::PathBuf;
use std::time::Duration;

const OLD: &str = "93.184.216.34";
const NEW: &str = "8.8.4.4";
const V6: &str = "2606:4700:4700::64";
const LONG: Duration = Duration::from_secs(30);

fn dir(name: &str) -> PathBuf {
    work_dir("first", name)
}

fn zone(cf: &FakeCloudflare, hosts: &[&str]) -> String {
    let z = cf.add_zone("example.com");
    for h in hosts {
        cf.add_record(&z, h, "A", OLD, 1, false, None);
    }
    z
}

#[test]
fn unknown_flags_and_arguments_exit_2_with_one_line() {
    for args in [
        &["once", "--dryrun"][..],
        &["once", "now"],
        &["check", "--dry-run"],
        &["healthcheck", "--port=5000"],
        &["--verbose"],
        &["start"],
    ] {
        let r = run(args, &[]);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert_eq!(r.stderr.trim().lines().count(), 1, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("dyncfdns --help"), "{}", r.stderr);
    }
}

#[test]
fn help_after_a_command_runs_nothing() {
    let cf = FakeCloudflare::start_direct();
    zone(&cf, &["a.example.com"]);
    let ip = IpEcho::start(NEW);
    let e = env(&cf, &ip, "a.example.com");
    for cmd in ["once", "check", "healthcheck"] {
        let r = run(&[cmd, "--help"], &e);
        assert_eq!(r.code, 0);
        assert!(
            r.stdout.starts_with(&format!("Usage: dyncfdns {cmd}")),
            "{}",
            r.stdout
        );
    }
    assert!(cf.calls().is_empty(), "no pass ran: {:?}", cf.calls());
    assert_eq!(ip.hits(), 0);
}

#[test]
fn dry_run_flag_writes_nothing() {
    let cf = FakeCloudflare::start_direct();
    zone(&cf, &["a.example.com"]);
    let ip = IpEcho::start(NEW);
    let r = run(&["once", "--dry-run"], &env(&cf, &ip, "a.example.com"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("dry run: would update a.example.com A"),
        "{}",
        r.stderr
    );
    assert!(cf.writes().is_empty());
    assert_eq!(cf.find("a.example.com", "A")[0].content, OLD);
}

#[test]
fn check_says_what_a_pass_would_do() {
    let cf = FakeCloudflare::start_direct();
    zone(&cf, &["a.example.com"]);
    let ip = IpEcho::start(NEW);
    let r = run(&["check"], &env(&cf, &ip, "a.example.com"));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    for line in [
        "HOST_LIST              a.example.com",
        "UPDATE_INTERVAL        60 s",
        "default",
        "CLOUDFLARE_API_TOKEN   set (",
        "credential: works",
        "a.example.com A (zone example.com, record rec",
        &format!("): would update {OLD} -> {NEW}"),
        "ready",
    ] {
        assert!(r.stdout.contains(line), "{line:?} in:\n{}", r.stdout);
    }
    assert!(cf.writes().is_empty(), "check writes nothing");
}

#[test]
fn check_names_each_problem_with_its_fix() {
    let cf = FakeCloudflare::start_direct();
    zone(&cf, &["a.example.com"]);
    let ip = IpEcho::start(NEW);
    let mut e = env(&cf, &ip, "a.example.com,b.example.com,c.example.org");
    let r = run(&["check"], &e);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("b.example.com has no A record: set ALLOW_CREATE_HOSTS=true"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("c.example.org is in no zone"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("2 problem(s)"), "{}", r.stdout);
    set(&mut e, "CLOUDFLARE_API_TOKEN", "wrong-token");
    let r = run(&["check"], &e);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("the credential does not work"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("wrong-token") && !r.stderr.contains("wrong-token"));
    unset(&mut e, "HOST_LIST");
    assert_eq!(run(&["check"], &e).code, 2, "bad configuration");
}

/// A host without a record (creation off) is a warning: the service stays healthy, the
/// heartbeat says up, and the warning is said once, not every pass.
#[test]
fn a_missing_record_keeps_the_service_healthy() {
    let cf = FakeCloudflare::start_direct();
    zone(&cf, &["a.example.com"]);
    let ip = IpEcho::start(OLD);
    let hc = Recorder::start();
    let mut e = env(&cf, &ip, "a.example.com,b.example.com");
    set(&mut e, "API_PORT", &free_port().to_string());
    set(&mut e, "API_BIND", "127.0.0.1");
    set(&mut e, "API_TOKEN", "first-hour");
    set(&mut e, "UPDATE_INTERVAL", "1");
    set(&mut e, "RECORD_CACHE_TTL", "0");
    set(&mut e, "HEALTHCHECKS", &hc.url("/hc"));
    let d = Daemon::start(&e, &dir("missing"));
    d.wait_for("pass ok", 3, LONG);
    let log = d.log();
    assert_eq!(
        log.matches("b.example.com has no A record").count(),
        1,
        "{log}"
    );
    assert!(log.contains("0 failed, 1 missing"), "{log}");
    assert_eq!(get(d.port, "/health", None).status, 200);
    let widget = get(d.port, "/widget", Some("Bearer first-hour")).body;
    assert!(widget.contains(r#""status":"active""#), "{widget}");
    assert!(
        widget.contains(r#""name":"b.example.com","type":"A","content":null,"state":"missing""#),
        "{widget}"
    );
    let pings: Vec<String> = hc.requests().into_iter().map(|r| r.path).collect();
    assert!(!pings.iter().any(|p| p.ends_with("/fail")), "{pings:?}");
    // Created in the dashboard: said once too.
    let z = cf.records()[0].zone_id.clone();
    cf.add_record(&z, "b.example.com", "A", OLD, 1, false, None);
    d.wait_for("b.example.com has a A record now", 1, LONG);
}

#[test]
fn per_family_host_lists_choose_a_and_aaaa() {
    let cf = FakeCloudflare::start_direct();
    cf.add_zone("example.com");
    let ip = IpEcho::start(NEW);
    let mut e = env(&cf, &ip, "");
    unset(&mut e, "HOST_LIST");
    set(&mut e, "IP4_HOST_LIST", "a.example.com,both.example.com");
    set(&mut e, "IP6_HOST_LIST", "both.example.com,six.example.com");
    set(&mut e, "IP6_PROVIDER", &format!("static:{V6}"));
    set(&mut e, "ALLOW_CREATE_HOSTS", "true");
    let r = run(&["once"], &e);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let have = |h: &str, t: &str| !cf.find(h, t).is_empty();
    assert!(have("a.example.com", "A") && !have("a.example.com", "AAAA"));
    assert!(have("both.example.com", "A") && have("both.example.com", "AAAA"));
    assert!(!have("six.example.com", "A") && have("six.example.com", "AAAA"));
}

/// The records a pass leaves, for comparing configurations.
fn outcome_of(e: &[(String, String)], hosts: &[&str]) -> (i32, Vec<(String, String, String)>) {
    let cf = FakeCloudflare::start_direct();
    let z = zone(&cf, &hosts[..1]);
    let _ = z;
    let ip = IpEcho::start(NEW);
    let mut e: Vec<(String, String)> = e.to_vec();
    for (k, v) in e.iter_mut() {
        *v = v
            .replace("{CF}", &cf.api_url())
            .replace("{IP}", &ip.provider());
        let _ = k;
    }
    let r = run(&["once"], &e);
    let mut recs: Vec<(String, String, String)> = cf
        .records()
        .into_iter()
        .map(|r| (r.name, r.rtype, r.content))
        .collect();
    recs.sort();
    (r.code, recs)
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn favonia_and_timothymiller_settings_make_the_same_pass() {
    let hosts = ["a.example.com", "new.example.com"];
    let native = pairs(&[
        ("HOST_LIST", "a.example.com,new.example.com"),
        ("CLOUDFLARE_API_TOKEN", TOKEN),
        ("CLOUDFLARE_API_URL", "{CF}"),
        ("IP4_PROVIDER", "{IP}"),
        ("ALLOW_CREATE_HOSTS", "true"),
        ("UPDATE_INTERVAL", "300"),
        ("UPDATE_TIMEOUT", "30"),
        ("API_PORT", "0"),
    ]);
    let favonia = pairs(&[
        ("DOMAINS", "a.example.com, new.example.com"),
        ("CF_API_TOKEN", TOKEN),
        ("CLOUDFLARE_API_URL", "{CF}"),
        ("IP4_PROVIDER", "{IP}"),
        ("ALLOW_CREATE_HOSTS", "true"),
        ("UPDATE_CRON", "@every 5m"),
        ("UPDATE_TIMEOUT", "30s"),
        ("DETECTION_TIMEOUT", "5s"),
        ("PROXIED", "false"),
        ("EMOJI", "false"),
        ("API_PORT", "0"),
    ]);
    let timothymiller = pairs(&[
        ("DOMAINS", "a.example.com,new.example.com"),
        ("CLOUDFLARE_API_TOKEN", TOKEN),
        ("CLOUDFLARE_API_URL", "{CF}"),
        ("IP4_PROVIDER", "{IP}"),
        ("IP6_PROVIDER", "none"),
        ("ALLOW_CREATE_HOSTS", "true"),
        ("UPDATE_CRON", "@every 300s"),
        ("UPDATE_ON_START", "true"),
        ("API_PORT", "0"),
    ]);
    let want = outcome_of(&native, &hosts);
    assert_eq!(want.0, 0);
    assert_eq!(want.1.len(), 2, "{:?}", want.1);
    assert_eq!(outcome_of(&favonia, &hosts), want, "favonia");
    assert_eq!(outcome_of(&timothymiller, &hosts), want, "timothymiller");
}

#[test]
fn two_names_for_one_setting_that_disagree_exit_2() {
    let e = pairs(&[
        ("HOST_LIST", "a.example.com"),
        ("DOMAINS", "b.example.com"),
        ("CLOUDFLARE_API_TOKEN", TOKEN),
        ("SHOUTRRR", "discord://token@id"),
    ]);
    let r = run(&["once"], &e);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("HOST_LIST and DOMAINS are both set"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("SHOUTRRR has no equivalent"),
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("discord://"),
        "a value from outside is not echoed"
    );
}

#[test]
fn near_misses_are_warned_about_by_name() {
    let cf = FakeCloudflare::start_direct();
    zone(&cf, &["a.example.com"]);
    let ip = IpEcho::start(OLD);
    let mut e = env(&cf, &ip, "a.example.com");
    set(&mut e, "UPDATE_INTERVALL", "30");
    set(&mut e, "HOSTS_LIST", "b.example.com");
    let r = run(&["once"], &e);
    assert_eq!(r.code, 0);
    assert!(r.stderr.contains("UPDATE_INTERVALL is not a dyncfdns variable and is ignored; did you mean UPDATE_INTERVAL?"), "{}", r.stderr);
    assert!(r.stderr.contains("did you mean HOST_LIST?"), "{}", r.stderr);
}

#[test]
fn json_lines_parse_as_json() {
    let cf = FakeCloudflare::start_direct();
    zone(&cf, &["a.example.com"]);
    let ip = IpEcho::start(NEW);
    let mut e = env(&cf, &ip, "a.example.com,b.example.com");
    set(&mut e, "LOG_FORMAT", "json");
    let r = run(&["once"], &e);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut updated = false;
    for line in r.stderr.lines() {
        let v: miniserde::json::Value =
            miniserde::json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        let miniserde::json::Value::Object(o) = v else {
            panic!("not an object: {line}")
        };
        for key in ["time", "level", "message"] {
            assert!(o.contains_key(key), "{key} in {line}");
        }
        let field = |k: &str| match o.get(k) {
            Some(miniserde::json::Value::String(s)) => s.clone(),
            _ => String::new(),
        };
        if field("event") == "updated" {
            updated = true;
            assert_eq!(
                (field("host"), field("type"), field("old"), field("new")),
                ("a.example.com".into(), "A".into(), OLD.into(), NEW.into())
            );
        }
    }
    assert!(updated, "{}", r.stderr);
}

#[test]
fn syslog_lines_arrive_with_their_priorities() {
    use std::os::unix::net::UnixDatagram;
    let cf = FakeCloudflare::start_direct();
    zone(&cf, &["a.example.com"]);
    let ip = IpEcho::start(NEW);
    let d = dir("syslog");
    let path = d.join("log.sock");
    let sock = UnixDatagram::bind(&path).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut e = env(&cf, &ip, "a.example.com,b.example.com");
    set(&mut e, "LOG_FORMAT", "syslog");
    set(&mut e, "LOG_SYSLOG_SOCKET", path.to_str().unwrap());
    let r = run(&["once"], &e);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.is_empty(),
        "all lines went to syslog: {}",
        r.stderr
    );
    let mut got = Vec::new();
    let mut buf = [0u8; 2048];
    while let Ok(n) = sock.recv(&mut buf) {
        got.push(String::from_utf8_lossy(&buf[..n]).to_string());
        if got.iter().any(|l| l.contains("pass ok")) {
            break;
        }
    }
    let find = |needle: &str| {
        got.iter()
            .find(|l| l.contains(needle))
            .cloned()
            .unwrap_or_default()
    };
    assert!(
        find("updated a.example.com").starts_with("<30>dyncfdns["),
        "{got:?}"
    );
    assert!(
        find("b.example.com has no A record").starts_with("<28>dyncfdns["),
        "{got:?}"
    );
    // No socket: lines go to stderr, saying why.
    set(
        &mut e,
        "LOG_SYSLOG_SOCKET",
        d.join("none.sock").to_str().unwrap(),
    );
    let r = run(&["once"], &e);
    assert!(r.stderr.contains("no syslog socket at"), "{}", r.stderr);
    assert!(r.stderr.contains("pass ok"), "{}", r.stderr);
}

/// A status API port it cannot listen on is the configuration's to fix: exit 2, so systemd's
/// RestartPreventExitStatus=2 (and procd's validation) do not restart it in a loop.
#[test]
fn a_port_it_cannot_listen_on_exits_2() {
    let cf = FakeCloudflare::start_direct();
    zone(&cf, &["a.example.com"]);
    let ip = IpEcho::start(OLD);
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut e = env(&cf, &ip, "a.example.com");
    set(
        &mut e,
        "API_PORT",
        &taken.local_addr().unwrap().port().to_string(),
    );
    set(&mut e, "API_BIND", "127.0.0.1");
    set(&mut e, "API_TOKEN", "t");
    let r = run(&[], &e);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("cannot listen on 127.0.0.1:"),
        "{}",
        r.stderr
    );
}

#[test]
fn check_offline_asks_nothing() {
    let cf = FakeCloudflare::start_direct();
    zone(&cf, &["a.example.com"]);
    let ip = IpEcho::start(OLD);
    let mut e = env(&cf, &ip, "a.example.com");
    let r = run(&["check", "--offline"], &e);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("HOST_LIST              a.example.com"),
        "{}",
        r.stdout
    );
    assert!(cf.calls().is_empty() && ip.hits() == 0, "no request");
    set(&mut e, "TTL", "soon");
    let r = run(&["check", "--offline"], &e);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("TTL"), "{}", r.stderr);
}
