//! The reader and parsers, through `parse` with a map for the environment.

use super::*;
use std::collections::HashMap;

pub(super) fn parse_map(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let var = move |name: &str| map.get(name).cloned();
    let read_file = |path: &str| {
        if path == "/secrets/token" {
            Ok("file-token\n".to_string())
        } else {
            Err(std::io::Error::new(std::io::ErrorKind::NotFound, "missing"))
        }
    };
    parse(&Source {
        var: &var,
        read_file: &read_file,
    })
}

pub(super) fn problems(pairs: &[(&str, &str)]) -> Vec<String> {
    match parse_map(pairs) {
        Ok(_) => panic!("expected a configuration error"),
        Err(ConfigError(p)) => p,
    }
}

const BASE: [(&str, &str); 2] = [
    ("HOST_LIST", "a.example.com"),
    ("CLOUDFLARE_API_TOKEN", "t"),
];

pub(super) fn with(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut v = BASE.to_vec();
    v.extend_from_slice(extra);
    v
}

#[test]
fn defaults_follow_the_seed() {
    let c = parse_map(&BASE).unwrap();
    assert_eq!(c.lifecycle.update_interval, 60);
    assert_eq!(c.status_api.port, Some(5000));
    assert!(!c.create.allowed);
    assert_eq!(c.detection.ip4, vec![Provider::Cloudflare, Provider::Ipify]);
    assert!(c.detection.ip6.is_empty());
    assert_eq!(c.create.ttl, 1);
    assert_eq!(c.cloudflare.api_url, DEFAULT_API_URL);
    assert_eq!(
        c.status_api.config_file,
        PathBuf::from("./config/.config.json")
    );
}

#[test]
fn hosts_are_normalized_deduped_and_ordered() {
    let c = parse_map(&[
        (
            "HOST_LIST",
            " B.Example.com., a.example.com,b.example.com,*.example.com,example.com",
        ),
        ("CLOUDFLARE_API_TOKEN", "t"),
    ])
    .unwrap();
    assert_eq!(
        c.hosts,
        vec![
            "b.example.com",
            "a.example.com",
            "*.example.com",
            "example.com"
        ]
    );
}

#[test]
fn every_bad_host_is_named() {
    let long_label = format!("{}.example.com", "a".repeat(64));
    let long_name = format!("{}.com", "abcdefghi.".repeat(26));
    let list = format!("ok.example.com,a..b.com,bad!.example.com,{long_label},{long_name},a.*.com,-x.example.com,localhost");
    let p = problems(&[("HOST_LIST", &list), ("CLOUDFLARE_API_TOKEN", "t")]);
    assert_eq!(p.len(), 7, "{p:#?}");
    assert!(p.iter().all(|m| m.starts_with("HOST_LIST: ")));
    assert!(p[1].contains("bad!.example.com") && p[1].contains("'!'"));
    assert!(p[2].contains("longer than 63"));
    assert!(p[3].contains("limit is 253"));
    assert!(p[6].contains("needs at least two labels"));
    // A name in Unicode is not bad: it is kept in its ASCII form.
    let c = parse_map(&[
        ("HOST_LIST", "h\u{e9}.example.com"),
        ("CLOUDFLARE_API_TOKEN", "t"),
    ])
    .unwrap();
    assert_eq!(c.hosts, ["xn--h-bga.example.com"]);
}

#[test]
fn missing_everything_reports_all() {
    let p = problems(&[("TTL", "5"), ("ALLOW_CREATE_HOSTS", "maybe")]);
    let text = p.join("\n");
    assert!(text.contains("HOST_LIST is required"));
    assert!(text.contains("CLOUDFLARE_API_TOKEN is required"));
    assert!(text.contains("TTL: expected 1"));
    assert!(text.contains("ALLOW_CREATE_HOSTS: expected true/false"));
}

#[test]
fn token_wins_over_global_key() {
    let c = parse_map(&with(&[
        ("CLOUDFLARE_API_KEY", "k"),
        ("CLOUDFLARE_API_EMAIL", "e@x.com"),
    ]))
    .unwrap();
    assert_eq!(c.cloudflare.auth, Auth::Token(Secret::new("t".into())));
    assert!(c.warnings.iter().any(|w| w.contains("using the token")));
}

#[test]
fn global_key_needs_email() {
    let pairs = [("HOST_LIST", "a.example.com"), ("CLOUDFLARE_API_KEY", "k")];
    assert!(problems(&pairs)[0].contains("CLOUDFLARE_API_EMAIL is required"));
    let c = parse_map(&[
        ("HOST_LIST", "a.example.com"),
        ("CLOUDFLARE_API_KEY", "k"),
        ("CLOUDFLARE_API_EMAIL", "me@example.com"),
    ])
    .unwrap();
    assert!(matches!(c.cloudflare.auth, Auth::Key { ref email, .. } if email == "me@example.com"));
}

#[test]
fn secrets_come_from_files_trimmed() {
    let c = parse_map(&[
        ("HOST_LIST", "a.example.com"),
        ("CLOUDFLARE_API_TOKEN_FILE", "/secrets/token"),
    ])
    .unwrap();
    assert_eq!(
        c.cloudflare.auth,
        Auth::Token(Secret::new("file-token".into()))
    );
    let p = problems(&[
        ("HOST_LIST", "a.example.com"),
        ("CLOUDFLARE_API_TOKEN_FILE", "/secrets/nope"),
    ]);
    assert!(p[0].starts_with("CLOUDFLARE_API_TOKEN_FILE: cannot read /secrets/nope"));
}

#[test]
fn secret_debug_hides_value() {
    let s = Secret::new("hunter2".into());
    assert!(!format!("{:?}", Auth::Token(s)).contains("hunter2"));
}

#[test]
fn booleans_accept_common_spellings() {
    for (v, b) in [
        ("TRUE", true),
        ("1", true),
        ("Yes", true),
        ("on", true),
        ("false", false),
        ("0", false),
        ("NO", false),
        ("Off", false),
    ] {
        assert_eq!(parse_bool(v), Some(b), "{v}");
    }
    assert_eq!(parse_bool("y"), None);
}

#[test]
fn providers_parse_per_family() {
    let c = parse_map(&with(&[
        (
            "IP4_PROVIDER",
            "url:http://127.0.0.1:9/ip, interface:eth0, static:1.2.3.4",
        ),
        ("IP6_PROVIDER", "ipify,icanhazip"),
    ]))
    .unwrap();
    assert_eq!(c.detection.ip4.len(), 3);
    assert_eq!(
        c.detection.ip4[2],
        Provider::Static(vec!["1.2.3.4".parse().unwrap()])
    );
    assert_eq!(c.detection.ip6, vec![Provider::Ipify, Provider::Icanhazip]);
    // favonia's sets: static:a,b (the addresses after it join it), file:, static.empty.
    let c = parse_map(&with(&[
        (
            "IP4_PROVIDER",
            "static:1.2.3.4, 5.6.7.8,1.2.3.4,url:http://127.0.0.1:9/ip",
        ),
        ("IP6_PROVIDER", "file:/etc/dyncfdns/ipv6.txt,static.empty"),
    ]))
    .unwrap();
    let two: Vec<IpAddr> = vec!["1.2.3.4".parse().unwrap(), "5.6.7.8".parse().unwrap()];
    assert_eq!(c.detection.ip4[0], Provider::Static(two));
    assert_eq!(c.detection.ip4[0].to_string(), "static:1.2.3.4,5.6.7.8");
    assert_eq!(
        c.detection.ip6[0].to_string(),
        "file:/etc/dyncfdns/ipv6.txt"
    );
    assert_eq!(c.detection.ip6[1], Provider::Static(Vec::new()));
    assert!(c.kept_as_set("a.example.com", Family::V4));
    let one = parse_map(&with(&[("IP4_PROVIDER", "static:1.2.3.4,cloudflare")])).unwrap();
    assert!(!one.kept_as_set("a.example.com", Family::V4));
    let p = problems(&with(&[
        ("IP4_PROVIDER", "static:2001:db8::1,bogus,url:ftp://x"),
        ("IP6_PROVIDER", "none,ipify"),
    ]));
    assert_eq!(p.len(), 4, "{p:#?}");
    assert!(p[0].contains("not an IPv4 address"));
    assert!(p[1].contains("unknown provider \"bogus\""));
    assert!(p[3].starts_with("IP6_PROVIDER"));
}

#[test]
fn both_families_off_is_an_error() {
    let p = problems(&with(&[("IP4_PROVIDER", "none")]));
    assert!(p[0].contains("both none"));
}

#[test]
fn numbers_and_ports() {
    let c = parse_map(&with(&[
        ("UPDATE_INTERVAL", "5m"),
        ("API_PORT", "-1"),
        ("TTL", "300"),
        ("RECORD_CACHE_TTL", "0"),
    ]))
    .unwrap();
    assert_eq!(c.lifecycle.update_interval, 300);
    assert_eq!(c.status_api.port, None);
    assert_eq!(c.create.ttl, 300);
    assert_eq!(c.cloudflare.cache_ttl, 0);
    let c = parse_map(&with(&[("UPDATE_INTERVAL", "10")])).unwrap();
    assert!(c.warnings.iter().any(|w| w.contains("UPDATE_INTERVAL")));
    let p = problems(&with(&[
        ("UPDATE_INTERVAL", "0"),
        ("API_PORT", "70000"),
        ("API_BIND", "nowhere"),
        ("DETECTION_TIMEOUT", "soon"),
    ]));
    assert_eq!(p.len(), 4, "{p:#?}");
}

#[test]
fn hook_urls_are_checked_without_echoing_them() {
    let c = parse_map(&with(&[
        ("NOTIFY_URL", "https://hooks.example.com/abc"),
        ("DELETE_ON_STOP", "yes"),
    ]))
    .unwrap();
    assert_eq!(
        c.reporters.notify_url.unwrap().expose(),
        "https://hooks.example.com/abc"
    );
    assert!(c.lifecycle.delete_on_stop && !c.status_api.metrics_public);
    let p = problems(&with(&[
        ("HEALTHCHECKS", "hc-ping.com/secret-uuid"),
        ("UPTIMEKUMA", "ftp://x/secret-push"),
    ]));
    assert_eq!(p.len(), 2);
    assert!(p.iter().all(|m| !m.contains("secret")), "{p:?}");
}

#[test]
fn log_level_from_debug_or_level() {
    assert_eq!(
        parse_map(&with(&[("DEBUG", "true")])).unwrap().log_level,
        Level::Debug
    );
    assert_eq!(
        parse_map(&with(&[("LOG_LEVEL", "WARN")]))
            .unwrap()
            .log_level,
        Level::Warn
    );
    assert!(problems(&with(&[("LOG_LEVEL", "loud")]))[0].starts_with("LOG_LEVEL"));
}

#[test]
fn api_url_is_checked() {
    let c = parse_map(&with(&[(
        "CLOUDFLARE_API_URL",
        "http://127.0.0.1:8080/client/v4/",
    )]))
    .unwrap();
    assert_eq!(c.cloudflare.api_url, "http://127.0.0.1:8080/client/v4");
    assert!(c.warnings.is_empty());
    assert!(
        problems(&with(&[("CLOUDFLARE_API_URL", "api.cloudflare.com")]))[0]
            .starts_with("CLOUDFLARE_API_URL")
    );
}

#[test]
fn a_value_that_is_not_utf8_is_named_not_ignored() {
    let p = problems(&with(&[("API_TOKEN", "ab\u{FFFD}cd")]));
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].starts_with("API_TOKEN is not valid UTF-8"), "{p:?}");
    assert!(!p[0].contains("ab"), "the value is not shown");
}

#[test]
fn a_ttl_under_60_is_allowed_with_a_warning() {
    let c = parse_map(&with(&[("TTL", "30")])).unwrap();
    assert_eq!(c.create.ttl, 30);
    assert!(
        c.warnings.iter().any(|w| w.contains("Enterprise")),
        "{:?}",
        c.warnings
    );
    assert!(parse_map(&with(&[("TTL", "60")]))
        .unwrap()
        .warnings
        .is_empty());
}

#[test]
fn durations_as_go_writes_them() {
    use super::parsers::parse_seconds;
    assert_eq!(parse_seconds("90"), Some(90));
    assert_eq!(parse_seconds("90s"), Some(90));
    assert_eq!(parse_seconds("5m"), Some(300));
    assert_eq!(parse_seconds("1h30m"), Some(5400));
    assert_eq!(parse_seconds("6h0m0s"), Some(21_600));
    for bad in [
        "",
        "m",
        "500ms",
        "1.5h",
        "5 m",
        "-5",
        "99999999999999999999h",
    ] {
        assert_eq!(parse_seconds(bad), None, "{bad:?}");
    }
}

#[test]
fn per_family_host_lists() {
    let c = parse_map(&[
        ("HOST_LIST", "a.example.com,b.example.com"),
        ("IP6_HOST_LIST", "b.example.com,c.example.com"),
        ("IP6_PROVIDER", "cloudflare"),
        ("CLOUDFLARE_API_TOKEN", "t"),
    ])
    .unwrap();
    assert_eq!(c.ip4_hosts, ["a.example.com", "b.example.com"]);
    assert_eq!(c.ip6_hosts, ["b.example.com", "c.example.com"]);
    assert_eq!(c.hosts, ["a.example.com", "b.example.com", "c.example.com"]);
    let fams: Vec<Family> = c.families_of("a.example.com").collect();
    assert_eq!(fams, [Family::V4]);
    let fams: Vec<Family> = c.families_of("c.example.com").collect();
    assert_eq!(fams, [Family::V6]);
    // AAAA hosts named with IPv6 off would silently get nothing.
    let p = problems(&[
        ("IP6_HOST_LIST", "b.example.com"),
        ("CLOUDFLARE_API_TOKEN", "t"),
    ]);
    assert!(
        p.iter().any(|p| p.contains("IP6_PROVIDER is none")),
        "{p:?}"
    );
}

#[test]
fn favonia_names_carry_over() {
    let c = parse_map(&[
        ("DOMAINS", "a.example.com"),
        ("IP6_DOMAINS", "v6.example.com"),
        ("CF_API_TOKEN", "t"),
        ("IP4_PROVIDER", "cloudflare.trace"),
        ("IP6_PROVIDER", "local.iface:eth0"),
        ("UPDATE_CRON", "@every 5m"),
        ("UPDATE_ON_START", "false"),
        ("CACHE_EXPIRATION", "6h0m0s"),
        ("DETECTION_TIMEOUT", "5s"),
        ("UPDATE_TIMEOUT", "30s"),
        ("QUIET", "true"),
        ("EMOJI", "false"),
    ])
    .unwrap();
    assert_eq!(c.ip4_hosts, ["a.example.com"]);
    assert_eq!(c.ip6_hosts, ["a.example.com", "v6.example.com"], "additive");
    assert_eq!(c.cloudflare.auth, Auth::Token(Secret::new("t".into())));
    assert_eq!(c.detection.ip4, [Provider::Cloudflare]);
    assert_eq!(c.detection.ip6, [Provider::Interface("eth0".into())]);
    assert_eq!(c.lifecycle.update_interval, 300);
    assert!(!c.lifecycle.update_on_start);
    assert_eq!(c.cloudflare.cache_ttl, 21_600);
    assert_eq!((c.detection.timeout, c.cloudflare.timeout), (5, 30));
    assert_eq!(c.log_level, crate::log::Level::Warn);
    assert_eq!(
        c.origins.get("HOST_LIST"),
        Some(&Origin::Env("DOMAINS".into()))
    );
    assert_eq!(
        c.origins.get("UPDATE_INTERVAL"),
        Some(&Origin::Env("UPDATE_CRON".into()))
    );
}

#[test]
fn two_names_for_one_setting_must_agree() {
    let p = problems(&with(&[("DOMAINS", "b.example.com")]));
    assert!(
        p.iter()
            .any(|p| p.contains("HOST_LIST and DOMAINS are both set")),
        "{p:?}"
    );
    assert!(
        parse_map(&with(&[("DOMAINS", "a.example.com")])).is_ok(),
        "same value"
    );
    let p = problems(&with(&[
        ("UPDATE_INTERVAL", "60"),
        ("UPDATE_CRON", "@every 5m"),
    ]));
    assert!(p.iter().any(|p| p.contains("UPDATE_CRON")), "{p:?}");
    let p = problems(&with(&[
        ("IP4_HOST_LIST", "a.example.com"),
        ("IP4_DOMAINS", "b.example.com"),
    ]));
    assert!(p.iter().any(|p| p.contains("IP4_DOMAINS")), "{p:?}");
}

#[test]
fn settings_without_an_equivalent_are_refused_by_name() {
    for (name, value) in [
        ("SHOUTRRR", "discord://x@y"),
        ("WAF_LISTS", "acct/list-with-dashes"),
        ("DELETE_ON_FAILURE", "true"),
        ("UPDATE_CRON", "*/5 * * * *"),
        ("UPDATE_CRON", "@once"),
        ("IP4_PROVIDER", "file:ip.txt"),
        ("IP4_PROVIDER", "static.empty,1.2.3.4"),
        ("IP4_PROVIDER", "static:1.2.3.4,2001:db8::1"),
    ] {
        let p = problems(&with(&[(name, value)]));
        assert!(p.iter().any(|p| p.contains(name)), "{name}={value}: {p:?}");
    }
    let c = parse_map(&with(&[(
        "IP4_PROVIDER",
        "literal:93.184.216.34,local,cloudflare.doh",
    )]))
    .unwrap();
    assert_eq!(
        c.detection.ip4,
        [
            Provider::Static(vec!["93.184.216.34".parse().unwrap()]),
            Provider::Local,
            Provider::Cloudflare
        ]
    );
}

#[test]
fn log_formats() {
    let c = parse_map(&with(&[("LOG_FORMAT", "json")])).unwrap();
    assert_eq!(c.log_format, crate::log::Format::Json);
    let p = problems(&with(&[("LOG_FORMAT", "xml")]));
    assert!(p.iter().any(|p| p.contains("LOG_FORMAT")), "{p:?}");
}

#[test]
fn check_escapes_values_from_outside() {
    let c = parse_map(&with(&[("RECORD_COMMENT", "a\u{1b}[2Jb\nc")])).unwrap();
    let shown = effective(&c);
    let (_, comment, _) = shown
        .iter()
        .find(|(n, _, _)| *n == "RECORD_COMMENT")
        .unwrap();
    assert!(!comment.chars().any(char::is_control), "{comment:?}");
}

#[test]
fn confirmation_is_on_unless_turned_off() {
    let c = parse_map(&with(&[])).unwrap();
    assert_eq!(c.detection.confirm, Confirm::NextPass);
    let c = parse_map(&with(&[("CONFIRM_CHANGES", "off")])).unwrap();
    assert_eq!(c.detection.confirm, Confirm::Off);
    let p = problems(&with(&[("CONFIRM_CHANGES", "twice")]));
    assert!(
        p[0].starts_with("CONFIRM_CHANGES: expected true/false"),
        "{p:?}"
    );
    let shown = effective(&c);
    let row = shown.iter().find(|(name, _, _)| *name == "CONFIRM_CHANGES");
    assert!(
        row.is_some_and(|(_, value, _)| value.starts_with("false")),
        "{shown:?}"
    );
}

#[test]
fn urls_are_checked_once_at_start_naming_the_variable() {
    let p = problems(&with(&[
        ("NOTIFY_URL", "http://hooks.example.com:99999/secret-path"),
        ("HEALTHCHECKS", "https://[zz::1]/ping"),
        ("CLOUDFLARE_API_URL", "https://:443/client/v4"),
        ("IP4_PROVIDER", "url:https://ip.example.com:0/key"),
    ]));
    assert_eq!(p.len(), 4, "{p:#?}");
    let notify = p.iter().find(|m| m.starts_with("NOTIFY_URL")).unwrap();
    assert!(
        notify.contains("bad port") && !notify.contains("secret"),
        "{notify}"
    );
    assert!(
        p.iter()
            .any(|m| m.starts_with("HEALTHCHECKS") && m.contains("IPv6")),
        "{p:#?}"
    );
    assert!(
        p.iter()
            .any(|m| m.starts_with("CLOUDFLARE_API_URL") && m.contains("no host")),
        "{p:#?}"
    );
    let provider = p.iter().find(|m| m.contains("url:")).unwrap();
    assert!(
        provider.contains("bad port") && !provider.contains("/key"),
        "{provider}"
    );
}

/// Every name the reader asks the environment for has a row in `vars::VARS` (or is another
/// updater's name, favonia's, or refused by name): a variable added to the reader alone fails
/// here, before `check` prints it empty and the near-miss warning calls it a typo.
#[test]
fn every_name_the_reader_asks_for_is_described() {
    let asked = std::cell::RefCell::new(Vec::<String>::new());
    let var = |name: &str| {
        asked.borrow_mut().push(name.to_string());
        match name {
            "HOST_LIST" => Some("a.example.com".to_string()),
            "CLOUDFLARE_API_TOKEN" => Some("t".to_string()),
            _ => None,
        }
    };
    let read_file = |_: &str| Err(std::io::Error::other("no files here"));
    parse(&Source {
        var: &var,
        read_file: &read_file,
    })
    .unwrap();
    let asked = asked.into_inner();
    assert!(asked.len() > 40, "{asked:?}");
    // curl's lowercase proxy names are read before the uppercase ones.
    let undescribed: Vec<&String> = asked
        .iter()
        .filter(|n| !names::known(n) && !names::known(&n.to_ascii_uppercase()))
        .collect();
    assert!(undescribed.is_empty(), "no row for {undescribed:?}");
}

#[test]
fn the_network_watch_is_auto_unless_set() {
    assert_eq!(
        parse_map(&with(&[])).unwrap().detection.watch,
        WatchNetwork::Auto
    );
    let off = parse_map(&with(&[("WATCH_NETWORK", "false")])).unwrap();
    assert_eq!(off.detection.watch, WatchNetwork::Off);
    let on = parse_map(&with(&[("WATCH_NETWORK", "TRUE")])).unwrap();
    assert_eq!(on.detection.watch, WatchNetwork::On);
    let p = problems(&with(&[("WATCH_NETWORK", "sometimes")]));
    assert!(
        p[0].starts_with("WATCH_NETWORK: expected auto, true or false"),
        "{p:?}"
    );
}
