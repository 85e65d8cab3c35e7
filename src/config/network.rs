//! Settings for reaching the outside: proxies (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, lowercase
//! first as curl and Go read them) and the CA roots (SSL_CERT_FILE, SSL_CERT_DIR, TLS_ROOTS).

use super::model::Origin;
use super::reader::Reader;
use crate::transport::proxy::{Proxies, ProxyUrl};
use crate::transport::trust::Trust;
use std::path::Path;

/// The proxies, lowercase names first as curl and Go read them.
pub(super) fn proxies(r: &mut Reader) -> Proxies {
    let no_proxy = first_of(r, "no_proxy", "NO_PROXY")
        .map(|(v, _)| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    Proxies {
        https: proxy_url(r, "https_proxy", "HTTPS_PROXY"),
        http: proxy_url(r, "http_proxy", "HTTP_PROXY"),
        no_proxy,
    }
}

/// The value and the name it was found under.
fn first_of<'n>(r: &mut Reader, lower: &'n str, upper: &'n str) -> Option<(String, &'n str)> {
    let (value, from) = match r.raw(lower) {
        Some(v) => (v, lower),
        None => (r.raw(upper)?, upper),
    };
    r.origins
        .insert(upper.to_string(), Origin::Env(from.to_string()));
    Some((value, from))
}

/// From the environment (lowercase first) or, as a secret, from the file `<UPPER>_FILE` names.
fn proxy_url(r: &mut Reader, lower: &str, upper: &str) -> Option<ProxyUrl> {
    let (value, from) = match first_of(r, lower, upper) {
        Some(found) => found,
        None => (r.secret(upper)?.expose().to_string(), upper),
    };
    match crate::transport::proxy::unusable(&value) {
        Some(why) => {
            // The value may hold credentials: not shown.
            r.problems.push(format!("{from}: {why}"));
            None
        }
        None => Some(ProxyUrl::new(value)),
    }
}

/// SSL_CERT_FILE and SSL_CERT_DIR (':'-separated, as OpenSSL reads it) add to the built-in
/// roots; TLS_ROOTS=file trusts only them. The files are read here, once.
pub(super) fn trust(r: &mut Reader) -> Trust {
    let builtin = match r
        .text("TLS_ROOTS")
        .map(|v| v.to_ascii_lowercase())
        .as_deref()
    {
        None | Some("builtin") => true,
        Some("file") => false,
        Some(_) => {
            r.problems
                .push("TLS_ROOTS: expected builtin (the default) or file".to_string());
            true
        }
    };
    let mut trust = Trust {
        builtin,
        ..Trust::default()
    };
    let problems = r.problems.len();
    if let Some(file) = r.text("SSL_CERT_FILE") {
        if let Err(why) = trust.add_file(Path::new(&file)) {
            r.problems.push(format!("SSL_CERT_FILE: {why}"));
        }
    }
    if let Some(dirs) = r.text("SSL_CERT_DIR") {
        for dir in dirs.split(':').filter(|d| !d.trim().is_empty()) {
            if let Err(why) = trust.add_dir(Path::new(dir.trim())) {
                r.problems.push(format!("SSL_CERT_DIR: {why}"));
            }
        }
    }
    if !builtin && trust.sources.is_empty() && r.problems.len() == problems {
        r.problems.push(
            "TLS_ROOTS=file trusts only SSL_CERT_FILE / SSL_CERT_DIR, and neither is set"
                .to_string(),
        );
    }
    trust
}
