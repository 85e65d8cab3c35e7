//! Configuration: the only module that reads the environment and files. `model` is what it
//! holds, `reader` reads it from a `Source`, `parsers` check single values, `token` keeps the
//! status API token.

mod files;
mod hosts;
mod model;
mod names;
mod network;
mod parsers;
mod reader;
mod show;
mod token;
mod vars;
mod waf;

pub use files::read_capped;
pub use model::{
    Auth, Cloudflare, Config, ConfigError, Confirm, CreatePolicy, Detection, Family, Lifecycle,
    Origin, Provider, Reporters, Secret, StatusApi, WatchNetwork, DEFAULT_API_URL,
};
pub use parsers::{check_host, normalize_host, parse_bool};
pub use reader::Source;
pub use show::effective;
pub use token::{status_token, FileStore, TokenOrigin, TokenStore};

use crate::log::{Format, Level};
use reader::Reader;
use std::net::IpAddr;
use std::path::PathBuf;

/// A value that is not valid UTF-8 comes through with U+FFFD in it, which the reader refuses
/// naming the variable, instead of it being silently ignored.
fn with_process_env<T>(f: impl FnOnce(&Source) -> T) -> T {
    let var = |name: &str| {
        std::env::var_os(name).map(|v| match v.into_string() {
            Ok(s) => s,
            Err(raw) => raw.to_string_lossy().into_owned(),
        })
    };
    let read_file = |path: &str| files::read_limited(std::path::Path::new(path));
    f(&Source {
        var: &var,
        read_file: &read_file,
    })
}

/// Reads the real environment and files; a variable that looks like a typo of one of ours
/// is warned about.
pub fn load() -> Result<Config, ConfigError> {
    let mut cfg = with_process_env(parse)?;
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if let Some(meant) = names::near_miss(&name) {
            cfg.warnings.push(format!(
                "{name} is not a dyncfdns variable and is ignored; did you mean {meant}?"
            ));
        }
    }
    Ok(cfg)
}

/// How to log, read first so that configuration errors are logged as asked: the level, the
/// format and the syslog socket.
pub fn load_log_settings() -> (Level, Format, String) {
    with_process_env(|src| {
        let mut r = Reader::new(src);
        (r.log_level(), log_format(&mut r), syslog_socket(&mut r))
    })
}

fn log_format(r: &mut Reader) -> Format {
    let Some(v) = r.text("LOG_FORMAT") else {
        return Format::Text;
    };
    Format::parse(&v).unwrap_or_else(|| {
        r.problems.push(format!(
            "LOG_FORMAT: expected text, json or syslog, got {v:?}"
        ));
        Format::Text
    })
}

fn syslog_socket(r: &mut Reader) -> String {
    r.text("LOG_SYSLOG_SOCKET")
        .unwrap_or_else(|| "/dev/log".to_string())
}

/// What `dyncfdns healthcheck` needs: where the API listens, and the timeouts that say how
/// long the service may take to answer.
pub struct Probe {
    /// `None` when the status API is disabled.
    pub port: Option<u16>,
    pub bind: IpAddr,
    pub cloudflare_timeout: u64,
    pub detection_timeout: u64,
}

pub fn load_healthcheck() -> Result<Probe, ConfigError> {
    with_process_env(|src| {
        let mut r = Reader::new(src);
        let probe = Probe {
            port: r.api_port(),
            bind: r.api_bind(),
            cloudflare_timeout: update_timeout(&mut r),
            detection_timeout: detection_timeout(&mut r),
        };
        r.finish(probe)
    })
}

fn update_timeout(r: &mut Reader) -> u64 {
    r.seconds("UPDATE_TIMEOUT", 15, 1, 300)
}

fn detection_timeout(r: &mut Reader) -> u64 {
    r.seconds("DETECTION_TIMEOUT", 5, 1, 300)
}

pub fn parse(src: &Source) -> Result<Config, ConfigError> {
    let mut r = Reader::new(src);
    for (name, fix) in names::NO_EQUIVALENT {
        if r.raw(name).is_some() {
            r.problems
                .push(format!("{name} has no equivalent in dyncfdns: {fix}"));
        }
    }
    let waf = waf::read(&mut r);
    let (ip4_hosts, ip6_hosts) = hosts::lists(&mut r, !waf.lists.is_empty());
    let cloudflare = cloudflare(&mut r);
    let create = CreatePolicy {
        allowed: r.boolean("ALLOW_CREATE_HOSTS", false),
        ttl: r.ttl(),
        proxied: proxied(&mut r),
        comment: r.text("RECORD_COMMENT"),
    };
    let owned = owned(&mut r, create.comment.as_deref());
    let detection = detection(&mut r);
    wanted_family_is_off(&mut r, &ip6_hosts, &detection);
    let host_ids = hosts::host_ids(&mut r, &ip6_hosts, detection.ip6_prefix_len);
    let lifecycle = lifecycle(&mut r);
    if lifecycle.delete_on_stop && !waf.lists.is_empty() && waf.owned.is_none() {
        r.warnings.push(
            "DELETE_ON_STOP with WAF_LISTS and no MANAGED_WAF_LIST_ITEMS_COMMENT_REGEX deletes every IPv4/IPv6 item of those lists on stop, other deployments' included".to_string(),
        );
    }
    let log_level = r.log_level();
    let log_format = log_format(&mut r);
    let syslog_socket = syslog_socket(&mut r);
    let proxies = network::proxies(&mut r);
    let trust = network::trust(&mut r);
    let _ = r.boolean("EMOJI", true);
    let status_api = status_api(&mut r);
    let reporters = Reporters {
        notify_url: r.url_secret("NOTIFY_URL"),
        healthchecks: r.url_secret("HEALTHCHECKS"),
        uptime_kuma: r.url_secret("UPTIMEKUMA"),
    };
    let warnings = std::mem::take(&mut r.warnings);
    let origins = std::mem::take(&mut r.origins);
    let mut hosts = ip4_hosts.clone();
    hosts.extend(ip6_hosts.iter().filter(|h| !ip4_hosts.contains(h)).cloned());
    let config = cloudflare.map(|cloudflare| Config {
        hosts,
        ip4_hosts,
        ip6_hosts,
        host_ids,
        owned,
        cloudflare,
        waf,
        create,
        detection,
        status_api,
        reporters,
        lifecycle,
        log_level,
        log_format,
        syslog_socket,
        warnings,
        origins,
        proxies,
        trust,
    });
    match config {
        Some(c) => r.finish(c),
        None => Err(ConfigError(r.problems)),
    }
}

fn status_api(r: &mut Reader) -> StatusApi {
    StatusApi {
        port: r.api_port(),
        bind: r.api_bind(),
        token: r.secret("API_TOKEN"),
        config_file: PathBuf::from(
            r.text("CONFIG_FILE")
                .unwrap_or_else(|| "./config/.config.json".to_string()),
        ),
        metrics_public: r.boolean("METRICS_PUBLIC", false),
    }
}

/// `None` when there is no usable credential (the problem is recorded).
fn cloudflare(r: &mut Reader) -> Option<Cloudflare> {
    let auth = r.auth();
    let api_url = r.api_url();
    let timeout = update_timeout(r);
    let cache_ttl = r.seconds("RECORD_CACHE_TTL", 3600, 0, 7 * 86_400);
    auth.map(|auth| Cloudflare {
        auth,
        api_url,
        timeout,
        cache_ttl,
    })
}

fn detection(r: &mut Reader) -> Detection {
    let before = r.problems.len();
    let ip4 = r.providers("IP4_PROVIDER", "cloudflare,ipify", Family::V4);
    let ip6 = r.providers("IP6_PROVIDER", "none", Family::V6);
    if r.problems.len() == before && ip4.is_empty() && ip6.is_empty() {
        r.problems
            .push("IP4_PROVIDER and IP6_PROVIDER are both none: nothing to update".to_string());
    }
    Detection {
        ip4,
        ip6,
        timeout: detection_timeout(r),
        confirm: if r.boolean("CONFIRM_CHANGES", true) {
            Confirm::NextPass
        } else {
            Confirm::Off
        },
        watch: watch_network(r),
        ip6_prefix_len: r.number("IP6_PREFIX_LEN", 64, 1, 128) as u8,
        ip4_filter: filter(r, "IP4_DETECTION_FILTER", true),
        ip6_filter: filter(r, "IP6_DETECTION_FILTER", false),
    }
}

/// PROXIED: a boolean (ours or Go's spellings), or favonia's expression over names.
fn proxied(r: &mut Reader) -> crate::proxied::Proxied {
    let Some(text) = r.text("PROXIED") else {
        return crate::proxied::always(false);
    };
    match parse_bool(&text) {
        Some(b) => crate::proxied::always(b),
        None => crate::proxied::parse(&text).unwrap_or_else(|e| {
            r.problems.push(format!("PROXIED: {e}"));
            crate::proxied::always(false)
        }),
    }
}

/// MANAGED_RECORDS_COMMENT_REGEX; the records created must be owned too (as favonia checks).
fn owned(r: &mut Reader, comment: Option<&str>) -> Option<crate::pattern::Pattern> {
    ownership(
        r,
        "MANAGED_RECORDS_COMMENT_REGEX",
        ("RECORD_COMMENT", comment),
        "records",
    )
}

/// A comment pattern that selects what this instance owns, and the comment it writes
/// (`written`: its variable and value), which must match it or what it makes is not its own.
fn ownership(
    r: &mut Reader,
    name: &str,
    written: (&str, Option<&str>),
    what: &str,
) -> Option<crate::pattern::Pattern> {
    let text = r.text(name)?;
    let pattern = match crate::pattern::parse(&text) {
        Ok(p) => p,
        Err(e) => {
            r.problems.push(format!("{name}: {e}"));
            return None;
        }
    };
    let (var, comment) = written;
    if !pattern.matches(comment) {
        r.problems.push(format!(
            "{var} ({:?}) does not match {name} ({text:?}): the {what} dyncfdns creates would not be its own; make them agree",
            comment.unwrap_or("")
        ));
    }
    Some(pattern)
}

fn filter(r: &mut Reader, name: &str, v4: bool) -> Option<crate::filter::Filter> {
    let text = r.text(name)?;
    crate::filter::parse(&text, v4).unwrap_or_else(|e| {
        r.problems.push(format!("{name}: {e}"));
        None
    })
}

fn watch_network(r: &mut Reader) -> WatchNetwork {
    let Some(v) = r.text("WATCH_NETWORK") else {
        return WatchNetwork::Auto;
    };
    match v.to_ascii_lowercase().as_str() {
        "auto" => WatchNetwork::Auto,
        other => match parse_bool(other) {
            Some(true) => WatchNetwork::On,
            Some(false) => WatchNetwork::Off,
            None => {
                r.problems.push(format!(
                    "WATCH_NETWORK: expected auto, true or false, got {v:?}"
                ));
                WatchNetwork::Auto
            }
        },
    }
}

/// Hosts named for AAAA records (IP6_HOST_LIST or IP6_DOMAINS) with IPv6 detection off would
/// silently get nothing.
fn wanted_family_is_off(r: &mut Reader, ip6_hosts: &[String], detection: &Detection) {
    let named = ["IP6_HOST_LIST", "IP6_DOMAINS"]
        .into_iter()
        .find(|n| r.origins.contains_key(*n));
    if let (Some(name), true) = (named, detection.ip6.is_empty() && !ip6_hosts.is_empty()) {
        r.problems.push(format!(
            "{name} names hosts for AAAA records, but IP6_PROVIDER is none: set IP6_PROVIDER (e.g. cloudflare)"
        ));
    }
    if r.origins.contains_key("HOST_LIST")
        && matches!(r.origins.get("HOST_LIST"), Some(Origin::Env(n)) if n == "DOMAINS")
        && !r.origins.contains_key("IP6_PROVIDER")
    {
        r.warnings.push(
            "DOMAINS is favonia's name: favonia also updates AAAA records by default; dyncfdns does only when IP6_PROVIDER is set"
                .to_string(),
        );
    }
}

fn lifecycle(r: &mut Reader) -> Lifecycle {
    let dry_run = r.boolean("DRY_RUN", false);
    let update_interval = update_interval(r);
    if update_interval < 30 {
        r.warnings.push(format!(
            "UPDATE_INTERVAL={update_interval}s is short; Cloudflare allows 1200 requests per 5 minutes"
        ));
    }
    Lifecycle {
        update_interval,
        update_on_start: r.boolean("UPDATE_ON_START", true),
        dry_run,
        delete_on_stop: r.boolean("DELETE_ON_STOP", false),
    }
}

/// UPDATE_INTERVAL, or favonia's UPDATE_CRON in its `@every <duration>` form.
fn update_interval(r: &mut Reader) -> u64 {
    let interval = r.seconds("UPDATE_INTERVAL", 60, 1, 7 * 86_400);
    let Some(cron) = r.raw("UPDATE_CRON") else {
        return interval;
    };
    let every = cron
        .strip_prefix("@every")
        .map(str::trim)
        .and_then(parsers::parse_seconds)
        .filter(|s| (1..=7 * 86_400).contains(s));
    match every {
        Some(s) if r.origins.contains_key("UPDATE_INTERVAL") && s != interval => {
            r.problems.push(
                "UPDATE_INTERVAL and UPDATE_CRON (favonia's name) are both set, to different values; keep one"
                    .to_string(),
            );
            interval
        }
        Some(s) => {
            r.origins.insert(
                "UPDATE_INTERVAL".to_string(),
                Origin::Env("UPDATE_CRON".to_string()),
            );
            s
        }
        None if cron.trim() == "@once" => {
            r.problems
                .push("UPDATE_CRON=@once: run `dyncfdns once` instead".to_string());
            interval
        }
        None => {
            r.problems.push(format!(
                "UPDATE_CRON: only the form '@every <duration>' (e.g. @every 5m) has an equivalent (UPDATE_INTERVAL); got {cron:?}"
            ));
            interval
        }
    }
}

#[cfg(test)]
mod tests;
