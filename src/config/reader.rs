//! Reads settings from a `Source` (the environment and files, or a map in tests), collecting
//! every problem, so one run tells the user all that is wrong.

use super::model::{Auth, ConfigError, Family, Origin, Provider, Secret, DEFAULT_API_URL};
use super::names;
use super::parsers::{parse_bool, parse_provider, parse_seconds, static_address};
use crate::hostid::HostId;
use crate::log::Level;
use crate::url::Url;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

/// Where settings come from: the process environment in production, a map in tests.
pub struct Source<'a> {
    pub var: &'a dyn Fn(&str) -> Option<String>,
    pub read_file: &'a dyn Fn(&str) -> std::io::Result<String>,
}

pub(super) struct Reader<'a> {
    src: &'a Source<'a>,
    pub(super) problems: Vec<String>,
    pub(super) warnings: Vec<String>,
    /// Each of our variables that was set, and where from.
    pub(super) origins: BTreeMap<String, Origin>,
    /// The host IDs host lists gave: (the variable, the host, its IDs).
    pub(super) host_ids: Vec<(String, String, Vec<HostId>)>,
}

impl<'a> Reader<'a> {
    pub(super) fn new(src: &'a Source<'a>) -> Reader<'a> {
        Reader {
            src,
            problems: Vec::new(),
            warnings: Vec::new(),
            origins: BTreeMap::new(),
            host_ids: Vec::new(),
        }
    }

    /// A variable's value under our name or another updater's name for it; both set to
    /// different values is a problem naming both.
    pub(super) fn text(&mut self, name: &str) -> Option<String> {
        let mut found: Option<(String, &str)> = None;
        let mut candidates: Vec<&str> = vec![name];
        candidates.extend(names::aliases_of(name));
        for candidate in candidates {
            let Some(value) = self.raw(candidate) else {
                continue;
            };
            match &found {
                None => found = Some((value, candidate)),
                Some((first, from)) if *first != value => self.problems.push(format!(
                    "{from} and {candidate} are both set, to different values ({candidate} is another updater's name for {name}); keep one"
                )),
                Some(_) => {}
            }
        }
        let (value, from) = found?;
        self.origins
            .insert(name.to_string(), Origin::Env(from.to_string()));
        Some(value)
    }

    pub(super) fn finish<T>(self, value: T) -> Result<T, ConfigError> {
        if self.problems.is_empty() {
            Ok(value)
        } else {
            Err(ConfigError(self.problems))
        }
    }

    /// A variable's trimmed value; set-but-empty counts as unset, as compose files often do.
    /// Bytes that are not UTF-8 arrive as U+FFFD: refused, naming the variable (the value is
    /// not shown, it may be a secret).
    pub(super) fn raw(&mut self, name: &str) -> Option<String> {
        let value = (self.src.var)(name)?;
        if value.contains('\u{FFFD}') {
            self.problems.push(format!(
                "{name} is not valid UTF-8 text (the value is not shown: it may hold a secret)"
            ));
            return None;
        }
        Some(value.trim().to_string()).filter(|v| !v.is_empty())
    }

    /// `NAME`, or the contents of the file named by `NAME_FILE` (Docker and Kubernetes secrets).
    pub(super) fn secret(&mut self, name: &str) -> Option<Secret> {
        let file_var = format!("{name}_FILE");
        let direct = self.text(name);
        let path = self.text(&file_var);
        if direct.is_some() && path.is_some() {
            self.warnings
                .push(format!("both {name} and {file_var} are set; using {name}"));
        }
        if direct.is_some() {
            return direct.map(Secret::new);
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
                    let var = match self.origins.get(&file_var) {
                        Some(Origin::Env(from)) => from.clone(),
                        _ => file_var.clone(),
                    };
                    self.origins
                        .insert(name.to_string(), Origin::File { var, path });
                    Some(Secret::new(value))
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
    pub(super) fn url_secret(&mut self, name: &str) -> Option<Secret> {
        let url = self.secret(name)?;
        match Url::parse(url.expose()) {
            Ok(_) => Some(url),
            Err(e) => {
                self.problems.push(format!(
                    "{name}: expected an http:// or https:// URL; it {e} (the value is not shown: it may hold a key)"
                ));
                None
            }
        }
    }

    pub(super) fn boolean(&mut self, name: &str, default: bool) -> bool {
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

    pub(super) fn seconds(&mut self, name: &str, default: u64, min: u64, max: u64) -> u64 {
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

    /// A whole number from `min` to `max`.
    pub(super) fn number(&mut self, name: &str, default: u64, min: u64, max: u64) -> u64 {
        let Some(v) = self.text(name) else {
            return default;
        };
        match v.trim().parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => n,
            _ => {
                self.problems.push(format!(
                    "{name}: expected a whole number from {min} to {max}, got {v:?}"
                ));
                default
            }
        }
    }

    pub(super) fn auth(&mut self) -> Option<Auth> {
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

    pub(super) fn api_url(&mut self) -> String {
        let url = self
            .text("CLOUDFLARE_API_URL")
            .unwrap_or_else(|| DEFAULT_API_URL.to_string());
        let url = url.trim_end_matches('/').to_string();
        match Url::parse(&url) {
            Err(e) => self.problems.push(format!(
                "CLOUDFLARE_API_URL: expected an http:// or https:// URL; {url:?} {e}"
            )),
            Ok(u) if !u.is_https() && !u.is_loopback() => self.warnings.push(
                "CLOUDFLARE_API_URL is plain http: credentials cross the network unencrypted"
                    .to_string(),
            ),
            Ok(_) => {}
        }
        url
    }

    pub(super) fn providers(&mut self, name: &str, default: &str, family: Family) -> Vec<Provider> {
        let list = self.text(name).unwrap_or_else(|| default.to_string());
        let mut out = Vec::new();
        let mut saw_none = false;
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            // favonia's `static:a,b`: the addresses after a static: item join its set.
            if let (Some(Provider::Static(ips)), Ok(ip)) = (out.last_mut(), item.parse::<IpAddr>())
            {
                match static_address(item, family) {
                    Ok(_) if ips.is_empty() => self.problems.push(format!(
                        "{name}: static.empty takes no addresses, but {item} follows it"
                    )),
                    Ok(_) if !ips.contains(&ip) => ips.push(ip),
                    Ok(_) => {}
                    Err(why) => self.problems.push(format!("{name}: {why}")),
                }
                continue;
            }
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

    pub(super) fn ttl(&mut self) -> u32 {
        let Some(v) = self.text("TTL") else {
            return 1;
        };
        let n = if v.eq_ignore_ascii_case("auto") {
            Some(1)
        } else {
            v.parse::<u32>().ok()
        };
        match n {
            Some(n) if (30..60).contains(&n) => {
                self.warnings.push(format!(
                    "TTL={n}: Cloudflare allows TTLs under 60 s only on Enterprise zones; other zones refuse records created with it"
                ));
                n
            }
            Some(n) if n == 1 || (60..=86_400).contains(&n) => n,
            _ => {
                self.problems.push(format!(
                    "TTL: expected 1 (automatic) or 30 to 86400 seconds, got {v:?}"
                ));
                1
            }
        }
    }

    pub(super) fn log_level(&mut self) -> Level {
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
        // favonia's QUIET=true: warnings and errors only, unless a level is asked for.
        let quiet = self.boolean("QUIET", false) && !self.origins.contains_key("LOG_LEVEL");
        match (debug, quiet) {
            (true, _) => Level::Debug,
            (false, true) => Level::Warn,
            (false, false) => level,
        }
    }

    pub(super) fn api_port(&mut self) -> Option<u16> {
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

    pub(super) fn api_bind(&mut self) -> IpAddr {
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
