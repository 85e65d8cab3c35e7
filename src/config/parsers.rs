//! Pure parsers for single values: booleans, durations, host names, providers. No I/O.

use super::model::{Family, Provider};
use crate::url::Url;
use std::net::IpAddr;

pub fn parse_bool(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// Seconds as a plain number, or a duration in whole units as Go writes them (favonia's
/// settings): `90s`, `5m`, `1h30m`, `6h0m0s`.
pub fn parse_seconds(v: &str) -> Option<u64> {
    let v = v.trim().to_ascii_lowercase();
    if let Ok(n) = v.parse::<u64>() {
        return Some(n);
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in v.chars() {
        let unit = match c {
            '0'..='9' => {
                digits.push(c);
                continue;
            }
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
        let n: u64 = std::mem::take(&mut digits).parse().ok()?;
        total = total.checked_add(n.checked_mul(unit)?)?;
    }
    digits.is_empty().then_some(total).filter(|_| !v.is_empty())
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
        // Names in Unicode arrive here in their ASCII form (`idna`).
        if let Some(c) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
        {
            return Err(format!("character {c:?} is not allowed"));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!("label {label:?} starts or ends with '-'"));
        }
    }
    Ok(())
}

pub fn parse_provider(item: &str, family: Family) -> Result<Option<Provider>, String> {
    let (kind, arg) = match item.split_once(':') {
        Some((k, a)) => (k.trim().to_ascii_lowercase(), Some(a.trim())),
        None => (item.to_ascii_lowercase(), None),
    };
    match (kind.as_str(), arg) {
        ("none", None) => Ok(None),
        // favonia's and timothymiller's names: the DoH variant asks the same Cloudflare.
        ("cloudflare" | "cloudflare.trace" | "cloudflare.doh", None) => {
            Ok(Some(Provider::Cloudflare))
        }
        ("local", None) => Ok(Some(Provider::Local)),
        ("local.iface" | "local.iface.stable", Some(i)) => parse_provider(&format!("interface:{i}"), family),
        ("literal", Some(a)) => parse_provider(&format!("static:{a}"), family),
        ("url.via4" | "url.via6", Some(u)) => {
            // The URL is not repeated: its path or query may hold a key.
            let u = Url::parse(u).map_err(|e| format!("{kind}: the URL {e}"))?;
            let asked = if kind == "url.via4" { Family::V4 } else { Family::V6 };
            if asked != family {
                return Err(format!(
                    "{kind}: dials over {} only, so it cannot detect an {} address",
                    asked.name(),
                    family.name()
                ));
            }
            Ok(Some(Provider::UrlVia(family, u)))
        }
        ("url.via4" | "url.via6", None) => Err(format!("{kind}: needs an http:// or https:// URL")),
        ("file", Some(path)) if path.starts_with('/') => {
            Ok(Some(Provider::File(std::path::PathBuf::from(path))))
        }
        ("file", _) => Err(format!(
            "{item:?}: file: needs an absolute path, such as file:/etc/dyncfdns/ipv6.txt"
        )),
        ("static.empty", None) => Ok(Some(Provider::Static(Vec::new()))),
        (_, None) if item.parse::<IpAddr>().is_ok() => Err(format!(
            "{item:?} is not a provider: several addresses are written static:<address>,<address>"
        )),
        ("ipify", None) => Ok(Some(Provider::Ipify)),
        ("icanhazip", None) => Ok(Some(Provider::Icanhazip)),
        ("url", Some(u)) => Url::parse(u)
            .map(|u| Some(Provider::Url(u)))
            .map_err(|e| format!("url: the URL {e} (it is not shown: it may hold a key)")),
        ("url", None) => Err("url: needs an http:// or https:// URL".to_string()),
        ("interface", Some(i)) if !i.is_empty() && i.len() < 16 && !i.contains('/') => {
            Ok(Some(Provider::Interface(i.to_string())))
        }
        ("interface", _) => Err(format!(
            "{item:?}: interface: needs a network interface name such as eth0 or pppoe-wan"
        )),
        ("static", Some(a)) => static_address(a, family)
            .map(|ip| Some(Provider::Static(vec![ip])))
            .map_err(|why| format!("{item:?}: {why}")),
        _ => Err(format!(
            "unknown provider {item:?}; expected cloudflare, ipify, icanhazip, local, url:<URL>, interface:<name>, static:<address>, file:<path>, static.empty or none"
        )),
    }
}

/// One address of a `static:` set, of the family asked for.
pub fn static_address(text: &str, family: Family) -> Result<IpAddr, String> {
    match text.trim().parse::<IpAddr>() {
        Ok(ip) if family.matches(&ip) => Ok(ip),
        Ok(_) => Err(format!(
            "static: {text} is not an {} address",
            family.name()
        )),
        Err(_) => Err(format!("static: {text:?} is not an IP address")),
    }
}
