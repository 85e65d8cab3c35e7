//! Which certificate authorities HTTPS trusts: the roots built into the binary (webpki-roots,
//! since a scratch image has no CA files), plus those of SSL_CERT_FILE / SSL_CERT_DIR, or only
//! those with TLS_ROOTS=file. `config` reads the files, once; this turns their text into
//! trust anchors (a text without a certificate is refused) and builds the TLS settings.
//!
//! minreq's TLS settings are fixed inside it, so calls that need other roots go through the
//! direct client (`direct`), whose settings are built here on first use: a process without
//! extra roots never builds them.

use rustls::pki_types::{CertificateDer, TrustAnchor};
use rustls::{ClientConfig, RootCertStore};
use std::cell::OnceCell;
use std::sync::Arc;

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

    /// Notes where certificates came from, for `check`.
    pub fn loaded(&mut self, path: String, dir: bool, certificates: usize) {
        self.sources.push(Loaded {
            path,
            dir,
            certificates,
        });
    }

    /// Adds the anchors of a PEM text not already held; returns how many were new. A text
    /// without a certificate, or with one that is not valid, is refused whole. The new
    /// anchors' bytes go into one block per file, kept for the life of the process (the TLS
    /// settings hold them), instead of three allocations each and the heap holes that
    /// decoding leaves between them.
    pub fn add_anchors(&mut self, pem: &[u8]) -> Result<usize, String> {
        let mut block = Vec::new();
        let mut spans: Vec<[usize; 6]> = Vec::new();
        let mut b64 = Vec::new();
        let mut der = Vec::new();
        let found = for_each_certificate(pem, &mut b64, &mut der, |n, der| {
            let cert = CertificateDer::from(der);
            let a = webpki::anchor_from_trusted_cert(&cert)
                .map_err(|e| format!("certificate {n} cannot be a CA ({e})"))?;
            let nc = a.name_constraints.as_ref().map_or(&[][..], |d| d.as_ref());
            let parts = [a.subject.as_ref(), a.subject_public_key_info.as_ref(), nc];
            let held = |t: &TrustAnchor| {
                let t_nc = t.name_constraints.as_ref().map_or(&[][..], |d| d.as_ref());
                [t.subject.as_ref(), t.subject_public_key_info.as_ref(), t_nc] == parts
            };
            let in_block =
                |sp: &[usize; 6]| (0..3).all(|i| &block[sp[2 * i]..sp[2 * i + 1]] == parts[i]);
            if !self.extra.iter().any(held) && !spans.iter().any(in_block) {
                let mut span = [0; 6];
                for (i, part) in parts.iter().enumerate() {
                    span[2 * i] = block.len();
                    block.extend_from_slice(part);
                    span[2 * i + 1] = block.len();
                }
                spans.push(span);
            }
            Ok(())
        })?;
        if found == 0 {
            return Err("holds no PEM certificate (-----BEGIN CERTIFICATE-----)".to_string());
        }
        let block: &'static [u8] = block.leak();
        self.extra.reserve_exact(spans.len());
        for sp in &spans {
            self.extra.push(TrustAnchor {
                subject: block[sp[0]..sp[1]].into(),
                subject_public_key_info: block[sp[2]..sp[3]].into(),
                name_constraints: (sp[4] < sp[5]).then(|| block[sp[4]..sp[5]].into()),
            });
        }
        Ok(spans.len())
    }
}

/// Calls `each` with the number and DER of every `CERTIFICATE` block (RFC 7468), decoded into
/// `der` (`b64` and `der` are reused from block to block); text around the blocks is ignored,
/// as OpenSSL ignores it. Returns how many blocks there were.
fn for_each_certificate(
    pem: &[u8],
    b64: &mut Vec<u8>,
    der: &mut Vec<u8>,
    mut each: impl FnMut(usize, &[u8]) -> Result<(), String>,
) -> Result<usize, String> {
    use base64::Engine;
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let text = String::from_utf8_lossy(pem);
    let mut rest: &str = &text;
    let mut n = 0;
    while let Some(start) = rest.find(BEGIN) {
        n += 1;
        let body = &rest[start + BEGIN.len()..];
        let end = body
            .find(END)
            .ok_or_else(|| format!("certificate {n} has no END line"))?;
        b64.clear();
        b64.extend(body[..end].bytes().filter(|b| !b.is_ascii_whitespace()));
        der.clear();
        base64::engine::general_purpose::STANDARD
            .decode_vec(&b64[..], der)
            .map_err(|_| format!("certificate {n} is not valid PEM (base64)"))?;
        each(n, der)?;
        rest = &body[end + END.len()..];
    }
    Ok(n)
}

/// The direct client's TLS settings, carried by the transport that uses them: those built
/// from the configured roots, or the built-in roots, built on first use (a process that never
/// needs the direct client never builds them).
pub struct Roots {
    configured: Option<Result<Arc<ClientConfig>, String>>,
    builtin: OnceCell<Result<Arc<ClientConfig>, String>>,
}

impl Roots {
    /// The configuration's roots. Extra roots are moved into the TLS settings (the
    /// configuration keeps where they came from, for `check`), so they are held once.
    pub fn new(trust: &mut Trust) -> Roots {
        let configured = trust.has_extra().then(|| {
            let extra = std::mem::take(&mut trust.extra);
            build(trust.builtin, extra)
        });
        Roots {
            configured,
            builtin: OnceCell::new(),
        }
    }

    /// The built-in roots alone.
    pub fn builtin() -> Roots {
        Roots {
            configured: None,
            builtin: OnceCell::new(),
        }
    }

    /// Whether HTTPS calls must use the direct client for its roots.
    pub fn has_extra(&self) -> bool {
        self.configured.is_some()
    }

    pub fn client_config(&self) -> Result<Arc<ClientConfig>, String> {
        match &self.configured {
            Some(client) => client.clone(),
            None => self.builtin.get_or_init(|| build(true, Vec::new())).clone(),
        }
    }
}

fn build(builtin: bool, extra: Vec<TrustAnchor<'static>>) -> Result<Arc<ClientConfig>, String> {
    let mut roots = RootCertStore::empty();
    if builtin {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    roots.roots.extend(extra);
    let config = ClientConfig::builder_with_provider(Arc::new(crate::transport::tls::provider()))
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
    fn files_without_certificates_are_refused() {
        let anchors_in = |pem: &[u8]| Trust::builtin().add_anchors(pem);
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
        let mut t = Trust::builtin();
        assert_eq!(
            t.add_anchors(&with_text).unwrap(),
            1,
            "duplicates kept once"
        );
        assert_eq!(
            t.add_anchors(pem).unwrap(),
            0,
            "nor added again from another file"
        );
        assert_eq!(t.extra.len(), 1);
        let der = rustls::pki_types::pem::PemObject::from_pem_slice(pem).unwrap();
        let full = webpki::anchor_from_trusted_cert(&der).unwrap().to_owned();
        assert_eq!(t.extra[0], full, "the same anchor as webpki reads");
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
