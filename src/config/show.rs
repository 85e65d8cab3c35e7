//! The effective configuration as `dyncfdns check` prints it: every variable, the value in
//! force (secrets as their length only) and where it came from.

use super::model::{Auth, Config, Confirm, Origin, Provider, Secret};
use super::names;
use crate::log::{Format, Level};

/// One line per variable: (name, value, origin).
pub fn effective(cfg: &Config) -> Vec<(&'static str, String, String)> {
    names::OURS
        .iter()
        // Values come from outside: control characters are escaped, as in the log.
        .map(|name| {
            let value = crate::log::escape(&value(cfg, name)).into_owned();
            (*name, value, origin(cfg, name))
        })
        .collect()
}

fn origin(cfg: &Config, name: &str) -> String {
    match cfg.origins.get(name) {
        None => "default".to_string(),
        Some(Origin::Env(from)) if from == name => "environment".to_string(),
        Some(Origin::Env(from)) => format!("environment, as {from} (another updater's name)"),
        Some(Origin::File { var, path }) => format!("file {path} ({var})"),
    }
}

fn secret(s: Option<&Secret>) -> String {
    s.map_or("not set".to_string(), |s| {
        format!("set ({} chars)", s.expose().chars().count())
    })
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "(none)".to_string()
    } else {
        items.join(",")
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

fn value(cfg: &Config, name: &str) -> String {
    let (token, key, email) = match &cfg.cloudflare.auth {
        Auth::Token(t) => (Some(t), None, None),
        Auth::Key { key, email } => (None, Some(key), Some(email.as_str())),
    };
    let api = &cfg.status_api;
    match name {
        "HOST_LIST" => list(&cfg.hosts),
        "IP4_HOST_LIST" => list(&cfg.ip4_hosts),
        "IP6_HOST_LIST" => list(&cfg.ip6_hosts),
        "CLOUDFLARE_API_TOKEN" => secret(token),
        "CLOUDFLARE_API_KEY" => secret(key),
        "CLOUDFLARE_API_EMAIL" => email.unwrap_or("not set").to_string(),
        "CLOUDFLARE_API_URL" => cfg.cloudflare.api_url.clone(),
        "UPDATE_INTERVAL" => format!("{} s", cfg.lifecycle.update_interval),
        "UPDATE_ON_START" => cfg.lifecycle.update_on_start.to_string(),
        "UPDATE_TIMEOUT" => format!("{} s", cfg.cloudflare.timeout),
        "RECORD_CACHE_TTL" => format!("{} s", cfg.cloudflare.cache_ttl),
        "ALLOW_CREATE_HOSTS" => cfg.create.allowed.to_string(),
        "TTL" => match cfg.create.ttl {
            1 => "1 (automatic)".to_string(),
            t => format!("{t} s"),
        },
        "PROXIED" => cfg.create.proxied.to_string(),
        "RECORD_COMMENT" => cfg
            .create
            .comment
            .clone()
            .unwrap_or_else(|| "(none)".into()),
        "IP4_PROVIDER" => providers(&cfg.detection.ip4),
        "IP6_PROVIDER" => providers(&cfg.detection.ip6),
        "DETECTION_TIMEOUT" => format!("{} s", cfg.detection.timeout),
        "CONFIRM_CHANGES" => match cfg.detection.confirm {
            Confirm::Off => "false (one provider's answer is written)".to_string(),
            Confirm::NextPass | Confirm::InPass => "true".to_string(),
        },
        "DRY_RUN" => cfg.lifecycle.dry_run.to_string(),
        "DELETE_ON_STOP" => cfg.lifecycle.delete_on_stop.to_string(),
        "API_PORT" => api
            .port
            .map_or("0 (status API off)".into(), |p| p.to_string()),
        "API_BIND" => api.bind.to_string(),
        "API_TOKEN" => match &api.token {
            Some(t) => secret(Some(t)),
            None => format!("from {} or generated", api.config_file.display()),
        },
        "CONFIG_FILE" => api.config_file.display().to_string(),
        "METRICS_PUBLIC" => api.metrics_public.to_string(),
        "NOTIFY_URL" => secret(cfg.reporters.notify_url.as_ref()),
        "HEALTHCHECKS" => secret(cfg.reporters.healthchecks.as_ref()),
        "UPTIMEKUMA" => secret(cfg.reporters.uptime_kuma.as_ref()),
        _ => logs_and_network(cfg, name),
    }
}

fn logs_and_network(cfg: &Config, name: &str) -> String {
    match name {
        "LOG_LEVEL" => level(cfg.log_level).to_string(),
        "DEBUG" => (cfg.log_level == Level::Debug).to_string(),
        "LOG_FORMAT" => match cfg.log_format {
            Format::Text => "text",
            Format::Json => "json",
            Format::Syslog => "syslog",
        }
        .to_string(),
        "LOG_SYSLOG_SOCKET" => cfg.syslog_socket.clone(),
        "HTTPS_PROXY" => proxy(cfg.proxies.https.as_ref()),
        "HTTP_PROXY" => proxy(cfg.proxies.http.as_ref()),
        "NO_PROXY" => list(&cfg.proxies.no_proxy),
        "SSL_CERT_FILE" | "SSL_CERT_DIR" => roots_from(cfg, name),
        "TLS_ROOTS" => {
            let kind = if cfg.trust.builtin { "builtin" } else { "file" };
            format!("{kind}: trusting {}", cfg.trust.describe())
        }
        _ => String::new(),
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
