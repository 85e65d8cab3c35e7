//! Configuration: the only module that reads the environment and files.
//!
//! Every problem is collected, so one run tells the user all that is wrong.

use crate::log::Level;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;

pub const DEFAULT_API_URL: &str = "https://api.cloudflare.com/client/v4";

/// A credential. Its `Debug` hides the value so it cannot leak through `{:?}`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Secret {
        Secret(value)
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Auth {
    /// Sent as `Authorization: Bearer`.
    Token(Secret),
    /// The Global API Key, sent as `X-Auth-Key` + `X-Auth-Email`.
    Key { key: Secret, email: String },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    pub fn record_type(self) -> &'static str {
        match self {
            Family::V4 => "A",
            Family::V6 => "AAAA",
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Family::V4 => "IPv4",
            Family::V6 => "IPv6",
        }
    }
    pub fn matches(self, ip: &IpAddr) -> bool {
        matches!(
            (self, ip),
            (Family::V4, IpAddr::V4(_)) | (Family::V6, IpAddr::V6(_))
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Provider {
    Cloudflare,
    Ipify,
    Icanhazip,
    Url(String),
    Interface(String),
    Static(IpAddr),
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Provider::Cloudflare => f.write_str("cloudflare"),
            Provider::Ipify => f.write_str("ipify"),
            Provider::Icanhazip => f.write_str("icanhazip"),
            Provider::Url(u) => write!(f, "url:{u}"),
            Provider::Interface(i) => write!(f, "interface:{i}"),
            Provider::Static(ip) => write!(f, "static:{ip}"),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    pub hosts: Vec<String>,
    pub auth: Auth,
    pub api_url: String,
    pub allow_create: bool,
    /// Empty when the family is off (`none`).
    pub ip4_providers: Vec<Provider>,
    pub ip6_providers: Vec<Provider>,
    pub ttl: u32,
    pub proxied: bool,
    pub comment: Option<String>,
    pub detection_timeout: u64,
    pub update_timeout: u64,
    pub record_cache_ttl: u64,
    pub dry_run: bool,
    pub log_level: Level,
    pub update_interval: u64,
    /// `None` when the status API is disabled.
    pub api_port: Option<u16>,
    pub api_bind: IpAddr,
    pub api_token: Option<Secret>,
    pub config_file: PathBuf,
    /// Receives a JSON POST when records change, a pass fails, or passes recover.
    pub notify_url: Option<Secret>,
    /// A healthchecks.io ping URL.
    pub healthchecks: Option<Secret>,
    /// An Uptime Kuma push URL.
    pub uptime_kuma: Option<Secret>,
    pub metrics_public: bool,
    pub delete_on_stop: bool,
    /// Things worth a warning that do not stop the program.
    pub warnings: Vec<String>,
}

impl Config {
    pub fn providers(&self, family: Family) -> &[Provider] {
        match family {
            Family::V4 => &self.ip4_providers,
            Family::V6 => &self.ip6_providers,
        }
    }
}

/// All the problems found in the configuration; main exits with 2 on it.
#[derive(Debug)]
pub struct ConfigError(pub Vec<String>);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("invalid configuration:")?;
        for p in &self.0 {
            write!(f, "\n  - {p}")?;
        }
        Ok(())
    }
}

/// Where settings come from: the process environment in production, a map in tests.
pub struct Source<'a> {
    pub var: &'a dyn Fn(&str) -> Option<String>,
    pub read_file: &'a dyn Fn(&str) -> std::io::Result<String>,
}

fn with_process_env<T>(f: impl FnOnce(&Source) -> T) -> T {
    let var = |name: &str| std::env::var(name).ok();
    let read_file = |path: &str| std::fs::read_to_string(path);
    f(&Source {
        var: &var,
        read_file: &read_file,
    })
}

/// Reads the real environment and files.
pub fn load() -> Result<Config, ConfigError> {
    with_process_env(parse)
}

/// The log level alone, so that configuration errors are logged at the asked level.
pub fn load_log_level() -> Level {
    with_process_env(|src| Reader::new(src).log_level())
}

pub fn parse(src: &Source) -> Result<Config, ConfigError> {
    let mut r = Reader::new(src);
    let hosts = r.hosts();
    let auth = r.auth();
    let api_url = r.api_url();
    let allow_create = r.boolean("ALLOW_CREATE_HOSTS", false);
    let before = r.problems.len();
    let ip4_providers = r.providers("IP4_PROVIDER", "cloudflare,ipify", Family::V4);
    let ip6_providers = r.providers("IP6_PROVIDER", "none", Family::V6);
    let providers_valid = r.problems.len() == before;
    let ttl = r.ttl();
    let proxied = r.boolean("PROXIED", false);
    let comment = r.text("RECORD_COMMENT");
    let detection_timeout = r.seconds("DETECTION_TIMEOUT", 5, 1, 300);
    let update_timeout = r.seconds("UPDATE_TIMEOUT", 15, 1, 300);
    let record_cache_ttl = r.seconds("RECORD_CACHE_TTL", 3600, 0, 7 * 86_400);
    let dry_run = r.boolean("DRY_RUN", false);
    let log_level = r.log_level();
    let update_interval = r.seconds("UPDATE_INTERVAL", 60, 1, 7 * 86_400);
    if update_interval < 30 {
        r.warnings.push(format!(
            "UPDATE_INTERVAL={update_interval}s is short; Cloudflare allows 1200 requests per 5 minutes"
        ));
    }
    let api_port = r.api_port();
    let api_bind = r.api_bind();
    let api_token = r.secret("API_TOKEN");
    let notify_url = r.url_secret("NOTIFY_URL");
    let healthchecks = r.url_secret("HEALTHCHECKS");
    let uptime_kuma = r.url_secret("UPTIMEKUMA");
    let metrics_public = r.boolean("METRICS_PUBLIC", false);
    let delete_on_stop = r.boolean("DELETE_ON_STOP", false);
    let config_file = PathBuf::from(
        r.text("CONFIG_FILE")
            .unwrap_or_else(|| "./config/.config.json".to_string()),
    );
    if providers_valid && ip4_providers.is_empty() && ip6_providers.is_empty() {
        r.problems
            .push("IP4_PROVIDER and IP6_PROVIDER are both none: nothing to update".to_string());
    }
    let warnings = std::mem::take(&mut r.warnings);
    let config = auth.map(|auth| Config {
        hosts,
        auth,
        api_url,
        allow_create,
        ip4_providers,
        ip6_providers,
        ttl,
        proxied,
        comment,
        detection_timeout,
        update_timeout,
        record_cache_ttl,
        dry_run,
        log_level,
        update_interval,
        api_port,
        api_bind,
        api_token,
        config_file,
        notify_url,
        healthchecks,
        uptime_kuma,
        metrics_public,
        delete_on_stop,
        warnings,
    });
    match config {
        Some(c) => r.finish(c),
        None => Err(ConfigError(r.problems)),
    }
}

struct Reader<'a> {
    src: &'a Source<'a>,
    problems: Vec<String>,
    warnings: Vec<String>,
}

impl<'a> Reader<'a> {
    fn new(src: &'a Source<'a>) -> Reader<'a> {
        Reader {
            src,
            problems: Vec::new(),
            warnings: Vec::new(),
        }
    }

    fn finish<T>(self, value: T) -> Result<T, ConfigError> {
        if self.problems.is_empty() {
            Ok(value)
        } else {
            Err(ConfigError(self.problems))
        }
    }

    /// A variable's trimmed value; set-but-empty counts as unset, as compose files often do.
    fn text(&self, name: &str) -> Option<String> {
        (self.src.var)(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    /// `NAME`, or the contents of the file named by `NAME_FILE` (Docker and Kubernetes secrets).
    fn secret(&mut self, name: &str) -> Option<Secret> {
        let file_var = format!("{name}_FILE");
        let direct = self.text(name);
        let path = self.text(&file_var);
        if direct.is_some() && path.is_some() {
            self.warnings
                .push(format!("both {name} and {file_var} are set; using {name}"));
        }
        if direct.is_some() {
            return direct.map(Secret);
        }
        let path = path?;
        match (self.src.read_file)(&path) {
            Ok(contents) => {
                let value = contents.trim_end().to_string();
                if value.is_empty() {
                    self.problems
                        .push(format!("{file_var}: the file {path} is empty"));
                    None
                } else {
                    Some(Secret(value))
                }
            }
            Err(e) => {
                self.problems
                    .push(format!("{file_var}: cannot read {path}: {e}"));
                None
            }
        }
    }

    /// A URL that may carry a secret (a webhook or ping key): checked, never echoed.
    fn url_secret(&mut self, name: &str) -> Option<Secret> {
        let url = self.secret(name)?;
        let u = url.expose();
        if (u.starts_with("https://") || u.starts_with("http://"))
            && !u.contains(char::is_whitespace)
        {
            Some(url)
        } else {
            self.problems.push(format!(
                "{name}: expected an http:// or https:// URL (the value is not shown: it may hold a key)"
            ));
            None
        }
    }

    fn boolean(&mut self, name: &str, default: bool) -> bool {
        let Some(v) = self.text(name) else {
            return default;
        };
        match parse_bool(&v) {
            Some(b) => b,
            None => {
                self.problems.push(format!(
                    "{name}: expected true/false, 1/0, yes/no or on/off, got {v:?}"
                ));
                default
            }
        }
    }

    fn seconds(&mut self, name: &str, default: u64, min: u64, max: u64) -> u64 {
        let Some(v) = self.text(name) else {
            return default;
        };
        match parse_seconds(&v) {
            Some(n) if (min..=max).contains(&n) => n,
            _ => {
                self.problems.push(format!(
                    "{name}: expected a number of seconds from {min} to {max} (e.g. 60, 90s, 5m), got {v:?}"
                ));
                default
            }
        }
    }

    fn hosts(&mut self) -> Vec<String> {
        let Some(list) = self.text("HOST_LIST") else {
            self.problems.push(
                "HOST_LIST is required: a comma-separated list of host names, e.g. home.example.com,server.example.com"
                    .to_string(),
            );
            return Vec::new();
        };
        let mut hosts: Vec<String> = Vec::new();
        for entry in list.split(',') {
            let name = normalize_host(entry);
            if name.is_empty() && entry.trim().is_empty() {
                continue;
            }
            match check_host(&name) {
                Ok(()) if !hosts.contains(&name) => hosts.push(name),
                Ok(()) => {}
                Err(why) => self.problems.push(format!(
                    "HOST_LIST: {:?} is not a valid host name: {why}",
                    entry.trim()
                )),
            }
        }
        if hosts.is_empty() && self.problems.is_empty() {
            self.problems
                .push("HOST_LIST: no host names found".to_string());
        }
        hosts
    }

    fn auth(&mut self) -> Option<Auth> {
        let token = self.secret("CLOUDFLARE_API_TOKEN");
        let key = self.secret("CLOUDFLARE_API_KEY");
        let email = self.secret("CLOUDFLARE_API_EMAIL");
        if let Some(token) = token {
            if key.is_some() {
                self.warnings.push(
                    "both CLOUDFLARE_API_TOKEN and CLOUDFLARE_API_KEY are set; using the token"
                        .to_string(),
                );
            }
            return Some(Auth::Token(token));
        }
        match (key, email) {
            (Some(key), Some(email)) => Some(Auth::Key {
                key,
                email: email.expose().to_string(),
            }),
            (Some(_), None) => {
                self.problems.push(
                    "CLOUDFLARE_API_EMAIL is required with CLOUDFLARE_API_KEY (or use CLOUDFLARE_API_TOKEN instead)"
                        .to_string(),
                );
                None
            }
            _ => {
                self.problems.push(
                    "CLOUDFLARE_API_TOKEN is required (a token with Zone:Read and DNS:Edit), or CLOUDFLARE_API_KEY with CLOUDFLARE_API_EMAIL"
                        .to_string(),
                );
                None
            }
        }
    }

    fn api_url(&mut self) -> String {
        let url = self
            .text("CLOUDFLARE_API_URL")
            .unwrap_or_else(|| DEFAULT_API_URL.to_string());
        let url = url.trim_end_matches('/').to_string();
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            self.problems.push(format!(
                "CLOUDFLARE_API_URL: expected an http:// or https:// URL, got {url:?}"
            ));
        } else if url.starts_with("http://") && !is_loopback_url(&url) {
            self.warnings.push(
                "CLOUDFLARE_API_URL is plain http: credentials cross the network unencrypted"
                    .to_string(),
            );
        }
        url
    }

    fn providers(&mut self, name: &str, default: &str, family: Family) -> Vec<Provider> {
        let list = self.text(name).unwrap_or_else(|| default.to_string());
        let mut out = Vec::new();
        let mut saw_none = false;
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match parse_provider(item, family) {
                Ok(Some(p)) => out.push(p),
                Ok(None) => saw_none = true,
                Err(why) => self.problems.push(format!("{name}: {why}")),
            }
        }
        if saw_none && !out.is_empty() {
            self.problems.push(format!(
                "{name}: \"none\" turns {} detection off and cannot be combined with providers",
                family.name()
            ));
        }
        if saw_none {
            Vec::new()
        } else {
            out
        }
    }

    fn ttl(&mut self) -> u32 {
        let Some(v) = self.text("TTL") else {
            return 1;
        };
        let n = if v.eq_ignore_ascii_case("auto") {
            Some(1)
        } else {
            v.parse::<u32>().ok()
        };
        match n {
            Some(n) if n == 1 || (30..=86_400).contains(&n) => n,
            _ => {
                self.problems.push(format!(
                    "TTL: expected 1 (automatic) or 30 to 86400 seconds, got {v:?}"
                ));
                1
            }
        }
    }

    fn log_level(&mut self) -> Level {
        let debug = self.boolean("DEBUG", false);
        let level = match self.text("LOG_LEVEL") {
            None => Level::Info,
            Some(v) => Level::parse(&v).unwrap_or_else(|| {
                self.problems.push(format!(
                    "LOG_LEVEL: expected debug, info, warn or error, got {v:?}"
                ));
                Level::Info
            }),
        };
        if debug {
            Level::Debug
        } else {
            level
        }
    }

    fn api_port(&mut self) -> Option<u16> {
        let Some(v) = self.text("API_PORT") else {
            return Some(5000);
        };
        match v.parse::<i64>() {
            Ok(n) if n <= 0 => None,
            Ok(n) if n <= 65_535 => Some(n as u16),
            _ => {
                self.problems.push(format!(
                    "API_PORT: expected a port from 1 to 65535 (0 or less disables the status API), got {v:?}"
                ));
                None
            }
        }
    }

    fn api_bind(&mut self) -> IpAddr {
        let Some(v) = self.text("API_BIND") else {
            return IpAddr::V4(Ipv4Addr::UNSPECIFIED);
        };
        match v.trim_matches(|c| c == '[' || c == ']').parse() {
            Ok(ip) => ip,
            Err(_) => {
                self.problems.push(format!(
                    "API_BIND: expected an IP address such as 0.0.0.0, 127.0.0.1 or ::, got {v:?}"
                ));
                IpAddr::V4(Ipv4Addr::UNSPECIFIED)
            }
        }
    }
}

pub fn parse_bool(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// Seconds as a plain number or with an `s`, `m` or `h` suffix.
fn parse_seconds(v: &str) -> Option<u64> {
    let v = v.trim().to_ascii_lowercase();
    let (digits, unit) = match v.char_indices().last()? {
        (i, 's') => (&v[..i], 1),
        (i, 'm') => (&v[..i], 60),
        (i, 'h') => (&v[..i], 3600),
        _ => (&v[..], 1),
    };
    digits.trim().parse::<u64>().ok()?.checked_mul(unit)
}

fn is_loopback_url(url: &str) -> bool {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let host = rest.split(['/', ':']).next().unwrap_or("");
    host == "localhost" || host.starts_with("127.")
}

/// Lowercase, trimmed, without a trailing dot.
pub fn normalize_host(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// A host name Cloudflare can hold an A/AAAA record for; `*.` wildcards allowed.
pub fn check_host(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("empty name".to_string());
    }
    if name.len() > 253 {
        return Err(format!("{} characters, the limit is 253", name.len()));
    }
    let labels: Vec<&str> = name.split('.').collect();
    if labels.len() < 2 {
        return Err("needs at least two labels, like home.example.com".to_string());
    }
    for (i, label) in labels.iter().enumerate() {
        if label.is_empty() {
            return Err("empty label (two dots in a row, or a leading dot)".to_string());
        }
        if label.len() > 63 {
            return Err(format!("label {label:?} is longer than 63 characters"));
        }
        if *label == "*" {
            if i != 0 {
                return Err("a wildcard '*' may only be the first label".to_string());
            }
            continue;
        }
        if let Some(c) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
        {
            let hint = if c.is_ascii() {
                ""
            } else {
                " (write internationalized names in punycode, xn--...)"
            };
            return Err(format!("character {c:?} is not allowed{hint}"));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!("label {label:?} starts or ends with '-'"));
        }
    }
    Ok(())
}

fn parse_provider(item: &str, family: Family) -> Result<Option<Provider>, String> {
    let (kind, arg) = match item.split_once(':') {
        Some((k, a)) => (k.trim().to_ascii_lowercase(), Some(a.trim())),
        None => (item.to_ascii_lowercase(), None),
    };
    match (kind.as_str(), arg) {
        ("none", None) => Ok(None),
        ("cloudflare", None) => Ok(Some(Provider::Cloudflare)),
        ("ipify", None) => Ok(Some(Provider::Ipify)),
        ("icanhazip", None) => Ok(Some(Provider::Icanhazip)),
        ("url", Some(u)) if u.starts_with("http://") || u.starts_with("https://") => {
            Ok(Some(Provider::Url(u.to_string())))
        }
        ("url", _) => Err(format!(
            "{item:?}: url: needs an http:// or https:// URL"
        )),
        ("interface", Some(i)) if !i.is_empty() && i.len() < 16 && !i.contains('/') => {
            Ok(Some(Provider::Interface(i.to_string())))
        }
        ("interface", _) => Err(format!(
            "{item:?}: interface: needs a network interface name such as eth0 or pppoe-wan"
        )),
        ("static", Some(a)) => match a.parse::<IpAddr>() {
            Ok(ip) if family.matches(&ip) => Ok(Some(Provider::Static(ip))),
            Ok(_) => Err(format!("{item:?}: static: is not an {} address", family.name())),
            Err(_) => Err(format!("{item:?}: static: is not an IP address")),
        },
        _ => Err(format!(
            "unknown provider {item:?}; expected cloudflare, ipify, icanhazip, url:<URL>, interface:<name>, static:<address> or none"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn parse_map(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
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

    fn problems(pairs: &[(&str, &str)]) -> Vec<String> {
        match parse_map(pairs) {
            Ok(_) => panic!("expected a configuration error"),
            Err(ConfigError(p)) => p,
        }
    }

    const BASE: [(&str, &str); 2] = [
        ("HOST_LIST", "a.example.com"),
        ("CLOUDFLARE_API_TOKEN", "t"),
    ];

    fn with(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
        let mut v = BASE.to_vec();
        v.extend_from_slice(extra);
        v
    }

    #[test]
    fn defaults_follow_the_seed() {
        let c = parse_map(&BASE).unwrap();
        assert_eq!(c.update_interval, 60);
        assert_eq!(c.api_port, Some(5000));
        assert!(!c.allow_create);
        assert_eq!(c.ip4_providers, vec![Provider::Cloudflare, Provider::Ipify]);
        assert!(c.ip6_providers.is_empty());
        assert_eq!(c.ttl, 1);
        assert_eq!(c.api_url, DEFAULT_API_URL);
        assert_eq!(c.config_file, PathBuf::from("./config/.config.json"));
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
        let list = format!("ok.example.com,a..b.com,bad!.example.com,{long_label},{long_name},a.*.com,-x.example.com,h\u{e9}.example.com,localhost");
        let p = problems(&[("HOST_LIST", &list), ("CLOUDFLARE_API_TOKEN", "t")]);
        assert_eq!(p.len(), 8, "{p:#?}");
        assert!(p.iter().all(|m| m.starts_with("HOST_LIST: ")));
        assert!(p[1].contains("bad!.example.com") && p[1].contains("'!'"));
        assert!(p[2].contains("longer than 63"));
        assert!(p[3].contains("limit is 253"));
        assert!(p[6].contains("punycode"));
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
        assert_eq!(c.auth, Auth::Token(Secret::new("t".into())));
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
        assert!(matches!(c.auth, Auth::Key { ref email, .. } if email == "me@example.com"));
    }

    #[test]
    fn secrets_come_from_files_trimmed() {
        let c = parse_map(&[
            ("HOST_LIST", "a.example.com"),
            ("CLOUDFLARE_API_TOKEN_FILE", "/secrets/token"),
        ])
        .unwrap();
        assert_eq!(c.auth, Auth::Token(Secret::new("file-token".into())));
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
        assert_eq!(c.ip4_providers.len(), 3);
        assert_eq!(
            c.ip4_providers[2],
            Provider::Static("1.2.3.4".parse().unwrap())
        );
        assert_eq!(c.ip6_providers, vec![Provider::Ipify, Provider::Icanhazip]);
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
        assert_eq!(c.update_interval, 300);
        assert_eq!(c.api_port, None);
        assert_eq!(c.ttl, 300);
        assert_eq!(c.record_cache_ttl, 0);
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
            c.notify_url.unwrap().expose(),
            "https://hooks.example.com/abc"
        );
        assert!(c.delete_on_stop && !c.metrics_public);
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
        assert_eq!(c.api_url, "http://127.0.0.1:8080/client/v4");
        assert!(c.warnings.is_empty());
        assert!(
            problems(&with(&[("CLOUDFLARE_API_URL", "api.cloudflare.com")]))[0]
                .starts_with("CLOUDFLARE_API_URL")
        );
    }
}

/// Where the status API token came from.
#[derive(Debug, PartialEq, Eq)]
pub enum TokenOrigin {
    Environment,
    ConfigFile,
    /// Newly made; `saved` is false when the file could not be written.
    Generated {
        saved: bool,
    },
}

/// The status API token, in the seed's order: `API_TOKEN`, then `api_token` in
/// `CONFIG_FILE`, then a new random one saved there. A file that cannot be read or parsed
/// is left untouched and is a configuration error.
pub fn status_token(cfg: &Config) -> Result<(Secret, TokenOrigin), ConfigError> {
    if let Some(token) = &cfg.api_token {
        return Ok((token.clone(), TokenOrigin::Environment));
    }
    let path = &cfg.config_file;
    let shown = path.display();
    let mut object = match std::fs::read_to_string(path) {
        Ok(text) => match miniserde::json::from_str::<miniserde::json::Value>(&text) {
            Ok(miniserde::json::Value::Object(o)) => o,
            _ => {
                return Err(ConfigError(vec![format!(
                    "CONFIG_FILE: {shown} is not a JSON object; fix or remove it (it was left untouched), or set API_TOKEN"
                )]))
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => miniserde::json::Object::new(),
        Err(e) => {
            return Err(ConfigError(vec![format!(
                "CONFIG_FILE: cannot read {shown}: {e}"
            )]))
        }
    };
    if let Some(miniserde::json::Value::String(t)) = object.get("api_token") {
        if !t.trim().is_empty() {
            return Ok((Secret(t.trim().to_string()), TokenOrigin::ConfigFile));
        }
    }
    let token = new_token().map_err(|e| ConfigError(vec![e]))?;
    object.insert(
        "api_token".to_string(),
        miniserde::json::Value::String(token.clone()),
    );
    let text = miniserde::json::to_string(&object);
    let saved = match write_atomically(path, text.as_bytes()) {
        Ok(()) => true,
        Err(e) => {
            crate::warn!(
                "cannot save the status API token to {shown}: {e}; it is kept in memory only and changes at each start (set API_TOKEN to keep one)"
            );
            false
        }
    };
    Ok((Secret(token), TokenOrigin::Generated { saved }))
}

fn new_token() -> Result<String, String> {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| format!("cannot get random bytes for a token: {e}"))?;
    Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// Writes a 0600 temp file beside `path`, syncs it, and renames it over `path`, so a crash
/// leaves the old file or the new one, never half of one.
fn write_atomically(path: &std::path::Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)?;
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(format!(".tmp{}", std::process::id()));
    let tmp = PathBuf::from(tmp_name);
    let result = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        file.write_all(data)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        // Make the rename itself durable.
        std::fs::File::open(&dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// What `dyncfdns healthcheck` needs: the API's port (`None` when disabled) and bind address.
pub fn load_healthcheck() -> Result<(Option<u16>, IpAddr), ConfigError> {
    with_process_env(|src| {
        let mut r = Reader::new(src);
        let port = r.api_port();
        let bind = r.api_bind();
        r.finish((port, bind))
    })
}
