//! Each of our variables, described once: its name, the `_FILE` variable that may hold it
//! instead (Docker and Kubernetes secrets), and how `dyncfdns check` shows its value (a
//! secret as its length only). `check`'s table, the names the configuration knows and the
//! near-miss warnings all come from this table; a unit test fails when the reader asks for a
//! name that has no row.

use super::model::{Auth, Config, Confirm, Provider, Secret, WatchNetwork};
use crate::log::{Format, Level};

pub struct Var {
    pub name: &'static str,
    pub file: Option<&'static str>,
    pub show: fn(&Config) -> String,
}

/// In the order `dyncfdns check` shows them.
pub const VARS: &[Var] = &[
    var("HOST_LIST", |c| list(&c.hosts)),
    var("IP4_HOST_LIST", |c| list(&c.ip4_hosts)),
    var("IP6_HOST_LIST", |c| {
        let with_ids: Vec<String> = c
            .ip6_hosts
            .iter()
            .map(|h| match c.host_ids.get(h).map(Vec::as_slice) {
                None | Some([]) => h.clone(),
                Some([one]) => format!("{h}{{hostid6={one}}}"),
                Some(ids) => {
                    let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
                    format!("{h}{{hostid6=[{}]}}", ids.join(","))
                }
            })
            .collect();
        list(&with_ids)
    }),
    filed(
        "CLOUDFLARE_API_TOKEN",
        "CLOUDFLARE_API_TOKEN_FILE",
        |c| match &c.cloudflare.auth {
            Auth::Token(t) => secret(Some(t)),
            Auth::Key { .. } => secret(None),
        },
    ),
    filed(
        "CLOUDFLARE_API_KEY",
        "CLOUDFLARE_API_KEY_FILE",
        |c| match &c.cloudflare.auth {
            Auth::Key { key, .. } => secret(Some(key)),
            Auth::Token(_) => secret(None),
        },
    ),
    filed(
        "CLOUDFLARE_API_EMAIL",
        "CLOUDFLARE_API_EMAIL_FILE",
        |c| match &c.cloudflare.auth {
            Auth::Key { email, .. } => email.clone(),
            Auth::Token(_) => "not set".to_string(),
        },
    ),
    var("CLOUDFLARE_API_URL", |c| c.cloudflare.api_url.clone()),
    var("UPDATE_INTERVAL", |c| {
        format!("{} s", c.lifecycle.update_interval)
    }),
    var("UPDATE_ON_START", |c| {
        c.lifecycle.update_on_start.to_string()
    }),
    var("UPDATE_TIMEOUT", |c| format!("{} s", c.cloudflare.timeout)),
    var("RECORD_CACHE_TTL", |c| {
        format!("{} s", c.cloudflare.cache_ttl)
    }),
    var("ALLOW_CREATE_HOSTS", |c| c.create.allowed.to_string()),
    var("TTL", |c| match c.create.ttl {
        1 => "1 (automatic)".to_string(),
        t => format!("{t} s"),
    }),
    var("PROXIED", |c| c.create.proxied.to_string()),
    var("RECORD_COMMENT", |c| {
        c.create.comment.clone().unwrap_or_else(|| "(none)".into())
    }),
    var("MANAGED_RECORDS_COMMENT_REGEX", |c| match &c.owned {
        Some(p) => p.to_string(),
        None => "(every A and AAAA record of the names)".to_string(),
    }),
    var("WAF_LISTS", |c| {
        let lists: Vec<String> = c.waf.lists.iter().map(ToString::to_string).collect();
        match lists.is_empty() {
            true => "(none)".to_string(),
            false => lists.join(", "),
        }
    }),
    var("WAF_LIST_DESCRIPTION", |c| {
        c.waf.description.clone().unwrap_or_else(|| "(none)".into())
    }),
    var("WAF_LIST_ITEM_COMMENT", |c| {
        c.waf
            .item_comment
            .clone()
            .unwrap_or_else(|| "(none)".into())
    }),
    var("MANAGED_WAF_LIST_ITEMS_COMMENT_REGEX", |c| {
        match &c.waf.owned {
            Some(p) => p.to_string(),
            None => "(every item of the lists)".to_string(),
        }
    }),
    var("IP4_PREFIX_LEN", |c| format!("/{}", c.waf.ip4_prefix_len)),
    var("IP4_PROVIDER", |c| providers(&c.detection.ip4)),
    var("IP6_PROVIDER", |c| providers(&c.detection.ip6)),
    var("IP4_DETECTION_FILTER", |c| {
        filter(c.detection.ip4_filter.as_ref())
    }),
    var("IP6_DETECTION_FILTER", |c| {
        filter(c.detection.ip6_filter.as_ref())
    }),
    var("IP6_PREFIX_LEN", |c| {
        format!("/{}", c.detection.ip6_prefix_len)
    }),
    var("DETECTION_TIMEOUT", |c| {
        format!("{} s", c.detection.timeout)
    }),
    var("CONFIRM_CHANGES", |c| match c.detection.confirm {
        Confirm::Off => "false (one provider's answer is written)".to_string(),
        Confirm::NextPass | Confirm::InPass => "true".to_string(),
    }),
    var("WATCH_NETWORK", |c| match c.detection.watch {
        WatchNetwork::Auto => "auto (where the kernel's routing socket can be opened)".to_string(),
        WatchNetwork::On => "true".to_string(),
        WatchNetwork::Off => "false".to_string(),
    }),
    var("DRY_RUN", |c| c.lifecycle.dry_run.to_string()),
    var("DELETE_ON_STOP", |c| c.lifecycle.delete_on_stop.to_string()),
    var("API_PORT", |c| {
        c.status_api
            .port
            .map_or("0 (status API off)".into(), |p| p.to_string())
    }),
    var("API_BIND", |c| c.status_api.bind.to_string()),
    filed("API_TOKEN", "API_TOKEN_FILE", |c| {
        match &c.status_api.token {
            Some(t) => secret(Some(t)),
            None => format!("from {} or generated", c.status_api.config_file.display()),
        }
    }),
    var("CONFIG_FILE", |c| {
        c.status_api.config_file.display().to_string()
    }),
    var("METRICS_PUBLIC", |c| {
        c.status_api.metrics_public.to_string()
    }),
    filed("NOTIFY_URL", "NOTIFY_URL_FILE", |c| {
        secret(c.reporters.notify_url.as_ref())
    }),
    filed("HEALTHCHECKS", "HEALTHCHECKS_FILE", |c| {
        secret(c.reporters.healthchecks.as_ref())
    }),
    filed("UPTIMEKUMA", "UPTIMEKUMA_FILE", |c| {
        secret(c.reporters.uptime_kuma.as_ref())
    }),
    var("LOG_LEVEL", |c| level(c.log_level).to_string()),
    var("DEBUG", |c| (c.log_level == Level::Debug).to_string()),
    var("LOG_FORMAT", |c| {
        match c.log_format {
            Format::Text => "text",
            Format::Json => "json",
            Format::Syslog => "syslog",
        }
        .to_string()
    }),
    var("LOG_SYSLOG_SOCKET", |c| c.syslog_socket.clone()),
    filed("HTTPS_PROXY", "HTTPS_PROXY_FILE", |c| {
        proxy(c.proxies.https.as_ref())
    }),
    filed("HTTP_PROXY", "HTTP_PROXY_FILE", |c| {
        proxy(c.proxies.http.as_ref())
    }),
    var("NO_PROXY", |c| list(&c.proxies.no_proxy)),
    var("SSL_CERT_FILE", |c| roots_from(c, "SSL_CERT_FILE")),
    var("SSL_CERT_DIR", |c| roots_from(c, "SSL_CERT_DIR")),
    var("TLS_ROOTS", |c| {
        let kind = if c.trust.builtin { "builtin" } else { "file" };
        format!("{kind}: trusting {}", c.trust.describe())
    }),
];

const fn var(name: &'static str, show: fn(&Config) -> String) -> Var {
    Var {
        name,
        file: None,
        show,
    }
}

const fn filed(name: &'static str, file: &'static str, show: fn(&Config) -> String) -> Var {
    Var {
        name,
        file: Some(file),
        show,
    }
}

fn secret(s: Option<&Secret>) -> String {
    s.map_or("not set".to_string(), |s| {
        format!("set ({} chars)", s.expose().chars().count())
    })
}

fn filter(f: Option<&crate::filter::Filter>) -> String {
    f.map_or("keep-all".to_string(), ToString::to_string)
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "(none)".to_string()
    } else {
        let shown: Vec<String> = items.iter().map(|h| crate::idna::shown(h)).collect();
        shown.join(",")
    }
}

fn providers(p: &[Provider]) -> String {
    if p.is_empty() {
        "none".to_string()
    } else {
        p.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// The files and directories a variable named, with how many certificates each gave.
fn roots_from(cfg: &Config, name: &str) -> String {
    match cfg.origins.get(name) {
        None => "not set".to_string(),
        Some(_) => cfg.trust.sources_of(name == "SSL_CERT_DIR"),
    }
}

fn proxy(p: Option<&crate::transport::proxy::ProxyUrl>) -> String {
    p.map_or("none (direct)".to_string(), ToString::to_string)
}

fn level(l: Level) -> &'static str {
    match l {
        Level::Debug => "debug",
        Level::Info => "info",
        Level::Warn => "warn",
        Level::Error => "error",
    }
}
