//! A private certificate authority made at test time (nothing secret is committed): its PEM
//! for SSL_CERT_FILE, and a server certificate it signed for the TLS fakes, valid for
//! localhost, 127.0.0.1, ::1 and the test names a test's hosts file maps.

use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::ServerConfig;
use std::sync::Arc;

pub struct Pki {
    /// The CA's certificate, PEM.
    pub ca_pem: String,
    /// A server's settings with the CA-signed certificate.
    pub server: Arc<ServerConfig>,
}

pub const NAMES: &[&str] = &[
    "localhost",
    "127.0.0.1",
    "::1",
    "api.v6.test",
    "hook.v6.test",
];

pub fn private_ca() -> Pki {
    private_ca_valid_from(None)
}

/// The same, both certificates valid only from the first of January of `year` (rcgen's
/// default is 1975): a clock set earlier sees them as not valid yet.
pub fn private_ca_valid_from(year: Option<i32>) -> Pki {
    let dated = |mut p: CertificateParams| {
        if let Some(y) = year {
            p.not_before = rcgen::date_time_ymd(y, 1, 1);
        }
        p
    };
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = dated(CertificateParams::new(Vec::<String>::new()).unwrap());
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "dyncfdns test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let names: Vec<String> = NAMES.iter().map(|n| n.to_string()).collect();
    let leaf = dated(CertificateParams::new(names).unwrap())
        .signed_by(&leaf_key, &ca, &ca_key)
        .unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let chain: Vec<CertificateDer<'static>> = vec![leaf.der().clone()];
    let server =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap();
    Pki {
        ca_pem: ca.pem(),
        server: Arc::new(server),
    }
}
