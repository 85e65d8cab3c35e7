//! Settings for reaching the outside: proxies (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, lowercase
//! first as curl and Go read them) and the CA roots (SSL_CERT_FILE, SSL_CERT_DIR, TLS_ROOTS).

use super::files::read_capped;
use super::model::Origin;
use super::reader::Reader;
use crate::log::escape;
use crate::transport::proxy::{Proxies, ProxyUrl};
use crate::transport::trust::Trust;
use std::path::Path;

/// A CA file larger than this is not a CA bundle (Debian's whole bundle is 220 KB).
const MAX_CA_FILE: u64 = 4 * 1024 * 1024;
/// Certificate files read from one directory, at most.
const MAX_DIR_FILES: usize = 2000;
/// CA text read at start in all, at most, so that many large files make a refusal, not a start
/// that takes minutes (Debian's /etc/ssl/certs, each certificate there up to three times, is
/// 0.66 MB).
const MAX_CA_TOTAL: u64 = 16 * 1024 * 1024;

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
    let mut read = 0;
    if let Some(file) = r.text("SSL_CERT_FILE") {
        let path = Path::new(&file);
        let shown = escape(&path.display().to_string()).into_owned();
        match read_ca(path, &mut read).and_then(|pem| trust.add_anchors(&pem)) {
            Ok(n) => trust.loaded(shown, false, n),
            Err(why) => r.problems.push(format!("SSL_CERT_FILE: {shown}: {why}")),
        }
    }
    if let Some(dirs) = r.text("SSL_CERT_DIR") {
        for dir in dirs.split(':').filter(|d| !d.trim().is_empty()) {
            if let Err(why) = add_dir(&mut trust, Path::new(dir.trim()), &mut read) {
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

/// A CA file's bytes: a regular file (a FIFO would block the start for ever), at most 4 MB,
/// and at most `MAX_CA_TOTAL` with those `read` before it.
fn read_ca(path: &Path, read: &mut u64) -> Result<Vec<u8>, String> {
    let bytes = read_capped(path, MAX_CA_FILE, "a CA file").map_err(|e| e.to_string())?;
    *read += bytes.len() as u64;
    if *read > MAX_CA_TOTAL {
        return Err(format!(
            "the CA files hold more than {} MB in all",
            MAX_CA_TOTAL >> 20
        ));
    }
    Ok(bytes)
}

/// Adds a directory's certificate files (OpenSSL's hashed names `xxxxxxxx.N` and files ending
/// `.pem`, `.crt` or `.cer`; other names are left alone), in name order.
fn add_dir(trust: &mut Trust, dir: &Path, read: &mut u64) -> Result<(), String> {
    let shown = escape(&dir.display().to_string()).into_owned();
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{shown}: {e}"))?;
    let mut names: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| is_cert_name(p))
        .take(MAX_DIR_FILES + 1)
        .collect();
    if names.len() > MAX_DIR_FILES {
        return Err(format!(
            "{shown}: more than {MAX_DIR_FILES} certificate files"
        ));
    }
    if names.is_empty() {
        return Err(format!(
            "{shown}: holds no certificate files (.pem, .crt, .cer or hashed names)"
        ));
    }
    names.sort();
    let mut fresh = 0;
    for path in &names {
        let named = |why: String| format!("{}: {why}", escape(&path.display().to_string()));
        fresh += read_ca(path, read)
            .and_then(|pem| trust.add_anchors(&pem))
            .map_err(named)?;
    }
    trust.loaded(shown, true, fresh);
    Ok(())
}

fn is_cert_name(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let hashed = name.split_once('.').is_some_and(|(hash, n)| {
        hash.len() == 8
            && hash.bytes().all(|b| b.is_ascii_hexdigit())
            && !n.is_empty()
            && n.bytes().all(|b| b.is_ascii_digit())
    });
    hashed || [".pem", ".crt", ".cer"].iter().any(|s| name.ends_with(s))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{parse_map, problems, with};
    use super::super::{Family, Provider};
    use super::is_cert_name;
    use std::path::Path;

    #[test]
    fn hashed_and_suffixed_names_are_certificate_files() {
        for yes in ["a1b2c3d4.0", "ca.pem", "lan.crt", "x.cer", "0123abcd.12"] {
            assert!(is_cert_name(Path::new(yes)), "{yes}");
        }
        for no in ["README", "a1b2c3d4.r0", "key.key", "a1b2c3.0", "ca.pem.bak"] {
            assert!(!is_cert_name(Path::new(no)), "{no}");
        }
    }

    #[test]
    fn ipv6_literals_in_urls_are_accepted_and_via_providers_keep_their_family() {
        let c = parse_map(&with(&[
            (
                "IP6_PROVIDER",
                "url:https://[2001:db8::1]/ip, url.via6:http://ip.lan/",
            ),
            ("CLOUDFLARE_API_URL", "https://[2001:db8::1]:8443/client/v4"),
            ("NOTIFY_URL", "http://user:pw@[::1]:8080/hook"),
        ]))
        .unwrap();
        assert_eq!(
            c.detection.ip6,
            [
                Provider::Url(crate::url::Url::parse("https://[2001:db8::1]/ip").unwrap()),
                Provider::UrlVia(
                    Family::V6,
                    crate::url::Url::parse("http://ip.lan/").unwrap()
                )
            ]
        );
        assert_eq!(c.cloudflare.api_url, "https://[2001:db8::1]:8443/client/v4");
        assert_eq!(
            Provider::UrlVia(
                Family::V4,
                crate::url::Url::parse("http://u:k@ip.lan/x").unwrap()
            )
            .to_string(),
            "url.via4:http://ip.lan/…"
        );
        for (name, value) in [
            ("IP4_PROVIDER", "url.via6:https://x"),
            ("IP6_PROVIDER", "url.via4:https://x"),
            ("IP4_PROVIDER", "url.via4:ftp://x"),
        ] {
            let p = problems(&with(&[(name, value)]));
            assert!(
                p.iter().any(|p| p.contains("url.via")),
                "{name}={value}: {p:?}"
            );
        }
    }

    #[test]
    fn ca_roots_from_files_or_a_clear_refusal() {
        let dir = std::env::temp_dir().join(format!("dyncfdns-roots-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let path =
            |p: std::path::PathBuf| -> &'static str { p.to_string_lossy().into_owned().leak() };
        for (vars, expect) in [
            (
                vec![("SSL_CERT_FILE", path(empty))],
                "empty.pem: holds no PEM certificate",
            ),
            (
                vec![("SSL_CERT_FILE", path(dir.join("missing.pem")))],
                "missing.pem",
            ),
            (vec![("SSL_CERT_DIR", path(dir.clone()))], "empty.pem"),
            (vec![("TLS_ROOTS", "file")], "neither is set"),
            (vec![("TLS_ROOTS", "system")], "TLS_ROOTS"),
        ] {
            let p = problems(&with(&vars));
            assert!(p.iter().any(|p| p.contains(expect)), "{vars:?}: {p:?}");
        }
        let c = parse_map(&with(&[])).unwrap();
        assert!(c.trust.builtin && !c.trust.has_extra());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn ca_text_read_at_start_has_a_budget_in_all() {
        let dir = std::env::temp_dir().join(format!("dyncfdns-budget-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let fixture = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/isrg-root-x1.pem"
        );
        // Each file is a valid certificate under 4 MB; five of them pass 16 MB in all.
        let mut pem = std::fs::read(fixture).unwrap();
        pem.resize(3_500_000, b'#');
        for i in 1..=5 {
            std::fs::write(dir.join(format!("ca{i}.pem")), &pem).unwrap();
        }
        let shown: &'static str = dir.to_string_lossy().into_owned().leak();
        let p = problems(&with(&[("SSL_CERT_DIR", shown)]));
        assert!(
            p.iter()
                .any(|p| p.contains("ca5.pem: the CA files hold more than 16 MB in all")),
            "{p:?}"
        );
        std::fs::remove_file(dir.join("ca5.pem")).unwrap();
        let c = parse_map(&with(&[("SSL_CERT_DIR", shown)])).unwrap();
        assert_eq!(c.trust.sources_of(true), format!("{shown} (1 certificate)"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn proxies_lowercase_first_or_from_a_file() {
        use crate::transport::proxy::ProxyUrl;
        let c = parse_map(&with(&[
            ("http_proxy", "http://low:3128"),
            ("HTTP_PROXY", "http://up:3128"),
            ("HTTPS_PROXY_FILE", "/secrets/token"),
            ("no_proxy", "localhost, .lan"),
        ]))
        .unwrap();
        assert_eq!(
            c.proxies.http,
            Some(ProxyUrl::new("http://low:3128".into()))
        );
        assert_eq!(c.proxies.https, Some(ProxyUrl::new("file-token".into())));
        assert_eq!(c.proxies.no_proxy, ["localhost", ".lan"]);
    }
}
