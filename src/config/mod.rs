//! Configuration: the only module that reads the environment and files. `model` is what it
//! holds, `reader` reads it from a `Source`, `parsers` check single values, `token` keeps the
//! status API token.

mod files;
mod model;
mod parsers;
mod reader;
mod token;

pub use model::{
    Auth, Cloudflare, Config, ConfigError, CreatePolicy, Detection, Family, Lifecycle, Provider,
    Reporters, Secret, StatusApi, DEFAULT_API_URL,
};
pub use parsers::{check_host, normalize_host, parse_bool};
pub use reader::Source;
pub use token::{status_token, FileStore, TokenOrigin, TokenStore};

use crate::log::Level;
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

/// Reads the real environment and files.
pub fn load() -> Result<Config, ConfigError> {
    with_process_env(parse)
}

/// The log level alone, so that configuration errors are logged at the asked level.
pub fn load_log_level() -> Level {
    with_process_env(|src| Reader::new(src).log_level())
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
    let hosts = r.hosts();
    let cloudflare = cloudflare(&mut r);
    let create = CreatePolicy {
        allowed: r.boolean("ALLOW_CREATE_HOSTS", false),
        ttl: r.ttl(),
        proxied: r.boolean("PROXIED", false),
        comment: r.text("RECORD_COMMENT"),
    };
    let detection = detection(&mut r);
    let lifecycle = lifecycle(&mut r);
    let log_level = r.log_level();
    let status_api = StatusApi {
        port: r.api_port(),
        bind: r.api_bind(),
        token: r.secret("API_TOKEN"),
        config_file: PathBuf::from(
            r.text("CONFIG_FILE")
                .unwrap_or_else(|| "./config/.config.json".to_string()),
        ),
        metrics_public: r.boolean("METRICS_PUBLIC", false),
    };
    let reporters = Reporters {
        notify_url: r.url_secret("NOTIFY_URL"),
        healthchecks: r.url_secret("HEALTHCHECKS"),
        uptime_kuma: r.url_secret("UPTIMEKUMA"),
    };
    let warnings = std::mem::take(&mut r.warnings);
    let config = cloudflare.map(|cloudflare| Config {
        hosts,
        cloudflare,
        create,
        detection,
        status_api,
        reporters,
        lifecycle,
        log_level,
        warnings,
    });
    match config {
        Some(c) => r.finish(c),
        None => Err(ConfigError(r.problems)),
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
    }
}

fn lifecycle(r: &mut Reader) -> Lifecycle {
    let dry_run = r.boolean("DRY_RUN", false);
    let update_interval = r.seconds("UPDATE_INTERVAL", 60, 1, 7 * 86_400);
    if update_interval < 30 {
        r.warnings.push(format!(
            "UPDATE_INTERVAL={update_interval}s is short; Cloudflare allows 1200 requests per 5 minutes"
        ));
    }
    Lifecycle {
        update_interval,
        dry_run,
        delete_on_stop: r.boolean("DELETE_ON_STOP", false),
    }
}

#[cfg(test)]
mod tests;
