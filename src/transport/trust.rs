//! Which certificate authorities HTTPS trusts: the roots built into the binary (webpki-roots,
//! since a scratch image has no CA files), plus those of SSL_CERT_FILE / SSL_CERT_DIR, or only
//! those with TLS_ROOTS=file. Files are read once, when the configuration is; each one that
//! cannot be read or holds no certificate is an error naming it.
//!
//! minreq's TLS settings are fixed inside it, so calls that need other roots go through the
//! direct client (`direct`), whose settings are built here on first use: a process without
//! extra roots never builds them.

use rustls::pki_types::{CertificateDer, TrustAnchor};
use rustls::{ClientConfig, RootCertStore};
use std::fs;
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// A CA file larger than this is not a CA bundle (Debian's whole bundle is 220 KB).
const MAX_FILE: u64 = 4 * 1024 * 1024;
/// Files read from one directory, at most.
const MAX_DIR_FILES: usize = 2000;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trust {
    /// Whether the built-in roots are trusted (TLS_ROOTS=builtin, the default).
    pub builtin: bool,
    /// Anchors from SSL_CERT_FILE / SSL_CERT_DIR, without duplicates.
    pub extra: Vec<TrustAnchor<'static>>,
    /// Where they came from, for `check`.
    pub sources: Vec<Loaded>,
}

/// A file or directory that gave certificates.
#[derive(Clone, Debug, PartialEq)]
pub struct Loaded {
    /// Escaped for showing.
    pub path: String,
    pub dir: bool,
    /// Certificates it added (not counting those already loaded).
    pub certificates: usize,
}

impl Trust {
    pub fn builtin() -> Trust {
        Trust {
            builtin: true,
            ..Trust::default()
        }
    }

    /// Whether minreq's built-in roots are not enough.
    pub fn has_extra(&self) -> bool {
        !self.builtin || !self.sources.is_empty()
    }

    /// For `check`: "built-in (120) + 2 from /etc/ssl/lan.pem".
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.builtin {
            parts.push(format!(
                "built-in ({})",
                webpki_roots::TLS_SERVER_ROOTS.len()
            ));
        }
        for s in &self.sources {
            parts.push(format!("{} from {}", s.certificates, s.path));
        }
        parts.join(" + ")
    }

    /// For `check`: the files (or directories) read, each with its count.
    pub fn sources_of(&self, dir: bool) -> String {
        let each: Vec<String> = self
            .sources
            .iter()
            .filter(|s| s.dir == dir)
            .map(|s| {
                let plural = if s.certificates == 1 { "" } else { "s" };
                format!("{} ({} certificate{plural})", s.path, s.certificates)
            })
            .collect();
        each.join(", ")
    }

    /// Adds the certificates of a PEM file.
    pub fn add_file(&mut self, path: &Path) -> Result<(), String> {
        let shown = crate::log::escape(&path.display().to_string()).into_owned();
        let found = anchors_of(path).map_err(|why| format!("{shown}: {why}"))?;
        let certificates = self.keep_new(found);
        self.sources.push(Loaded {
            path: shown,
            dir: false,
            certificates,
        });
        Ok(())
    }

    /// Adds the certificate files of a directory (OpenSSL's hashed names `xxxxxxxx.N` and files
    /// ending `.pem`, `.crt` or `.cer`; other files are left alone).
    pub fn add_dir(&mut self, dir: &Path) -> Result<(), String> {
        let shown = crate::log::escape(&dir.display().to_string()).into_owned();
        let entries = fs::read_dir(dir).map_err(|e| format!("{shown}: {e}"))?;
        let mut names: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file() && is_cert_name(p))
            .take(MAX_DIR_FILES + 1)
            .collect();
        if names.len() > MAX_DIR_FILES {
            return Err(format!(
                "{shown}: more than {MAX_DIR_FILES} certificate files"
            ));
        }
        names.sort();
        let mut fresh = 0;
        for path in &names {
            let found = anchors_of(path).map_err(|why| {
                format!("{}: {why}", crate::log::escape(&path.display().to_string()))
            })?;
            fresh += self.keep_new(found);
        }
        if names.is_empty() {
            return Err(format!(
                "{shown}: holds no certificate files (.pem, .crt, .cer or hashed names)"
            ));
        }
        self.sources.push(Loaded {
            path: shown,
            dir: true,
            certificates: fresh,
        });
        Ok(())
    }

    fn keep_new(&mut self, found: Vec<TrustAnchor<'static>>) -> usize {
        let before = self.extra.len();
        for anchor in found {
            if !self.extra.contains(&anchor) {
                self.extra.push(anchor);
            }
        }
        self.extra.len() - before
    }
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

/// The trust anchors of one PEM file: at least one, each a certificate webpki can use.
fn anchors_of(path: &Path) -> Result<Vec<TrustAnchor<'static>>, String> {
    let size = fs::metadata(path).map_err(|e| e.to_string())?.len();
    if size > MAX_FILE {
        return Err(format!("larger than {MAX_FILE} bytes; not a CA bundle"));
    }
    let pem = fs::read(path).map_err(|e| e.to_string())?;
    anchors_in(&pem)
}

pub fn anchors_in(pem: &[u8]) -> Result<Vec<TrustAnchor<'static>>, String> {
    let mut anchors = Vec::new();
    for (i, der) in pem_certificates(pem)?.into_iter().enumerate() {
        let der = CertificateDer::from(der);
        let anchor = webpki::anchor_from_trusted_cert(&der)
            .map_err(|e| format!("certificate {} cannot be a CA ({e})", i + 1))?;
        anchors.push(anchor.to_owned());
    }
    if anchors.is_empty() {
        return Err("holds no PEM certificate (-----BEGIN CERTIFICATE-----)".to_string());
    }
    Ok(anchors)
}

/// The DER of each `CERTIFICATE` block (RFC 7468); text around the blocks is ignored, as
/// OpenSSL ignores it. The base64 crate is already in the binary; a PEM parser is not.
fn pem_certificates(pem: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    use base64::Engine;
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let text = String::from_utf8_lossy(pem);
    let mut rest: &str = &text;
    let mut found = Vec::new();
    while let Some(start) = rest.find(BEGIN) {
        let n = found.len() + 1;
        let body = &rest[start + BEGIN.len()..];
        let end = body
            .find(END)
            .ok_or_else(|| format!("certificate {n} has no END line"))?;
        let b64: Vec<u8> = body[..end]
            .bytes()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|_| format!("certificate {n} is not valid PEM (base64)"))?;
        found.push(der);
        rest = &body[end + END.len()..];
    }
    Ok(found)
}

static CLIENT: OnceLock<Result<Arc<ClientConfig>, String>> = OnceLock::new();

/// Sets the roots for this process, once, before the first outbound call. Extra roots are
/// moved into the TLS settings (the configuration keeps where they came from, for `check`),
/// so they are held once.
pub fn configure(trust: &mut Trust) {
    if trust.has_extra() {
        let extra = std::mem::take(&mut trust.extra);
        let _ = CLIENT.set(build(trust.builtin, extra));
    }
}

/// Whether HTTPS calls must use the direct client for its roots.
pub fn has_extra() -> bool {
    CLIENT.get().is_some()
}

/// The direct client's TLS settings: those `configure` built, or the built-in roots, built
/// on first use (a process that never needs the direct client never builds them).
pub fn client_config() -> Result<Arc<ClientConfig>, String> {
    match CLIENT.get() {
        Some(client) => client.clone(),
        None => BUILTIN.get_or_init(|| build(true, Vec::new())).clone(),
    }
}

static BUILTIN: OnceLock<Result<Arc<ClientConfig>, String>> = OnceLock::new();

fn build(builtin: bool, extra: Vec<TrustAnchor<'static>>) -> Result<Arc<ClientConfig>, String> {
    let mut roots = RootCertStore::empty();
    if builtin {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    roots.roots.extend(extra);
    let config = ClientConfig::builder_with_provider(Arc::new(crate::tls::provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS settings: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn files_without_certificates_are_refused() {
        assert!(anchors_in(b"").unwrap_err().contains("no PEM certificate"));
        assert!(
            anchors_in(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").is_err()
        );
        let junk = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert!(anchors_in(junk).unwrap_err().contains("certificate 1"));
        let cut = b"-----BEGIN CERTIFICATE-----\nAAAA\n";
        assert!(anchors_in(cut).unwrap_err().contains("no END line"));
        let bad = b"-----BEGIN CERTIFICATE-----\nA*AA\n-----END CERTIFICATE-----\n";
        assert!(anchors_in(bad).unwrap_err().contains("base64"));
    }

    #[test]
    fn a_real_root_with_text_around_it_is_one_anchor() {
        let pem = include_bytes!("../../tests/fixtures/isrg-root-x1.pem");
        let mut with_text = b"# ISRG Root X1\r\n".to_vec();
        with_text.extend_from_slice(pem);
        with_text.extend_from_slice(pem);
        assert_eq!(anchors_in(&with_text).unwrap().len(), 2);
        let mut t = Trust::builtin();
        assert_eq!(
            t.keep_new(anchors_in(&with_text).unwrap()),
            1,
            "duplicates kept once"
        );
    }

    #[test]
    fn the_default_adds_nothing_and_describes_itself() {
        let t = Trust::builtin();
        assert!(!t.has_extra());
        assert!(t.describe().starts_with("built-in ("));
        let only_files = Trust {
            builtin: false,
            extra: Vec::new(),
            sources: vec![Loaded {
                path: "/etc/lan.pem".into(),
                dir: false,
                certificates: 2,
            }],
        };
        assert!(only_files.has_extra());
        assert_eq!(only_files.describe(), "2 from /etc/lan.pem");
    }
}
