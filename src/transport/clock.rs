//! When a certificate is refused for its dates, the clock may be what is wrong: a router
//! without a real-time clock before NTP. Read from rustls's typed error, not its message.

use super::TransportError;

/// The clock's error instead of the certificate's, when a handshake refused a certificate for
/// its dates (not valid yet, or expired) and the clock reads earlier than the build.
pub fn clock_behind(io: &std::io::Error) -> Option<TransportError> {
    clock_behind_at(io, crate::clock::now_unix(), crate::clock::built())
}

fn clock_behind_at(io: &std::io::Error, reads: u64, built: Option<u64>) -> Option<TransportError> {
    use rustls::CertificateError as C;
    let tls = io.get_ref()?.downcast_ref::<rustls::Error>()?;
    let dates = matches!(
        tls,
        rustls::Error::InvalidCertificate(
            C::NotValidYet | C::NotValidYetContext { .. } | C::Expired | C::ExpiredContext { .. }
        )
    );
    let built = built?;
    (dates && crate::clock::is_behind(reads, Some(built)))
        .then_some(TransportError::ClockBehind { reads, built })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_certificate_refused_for_its_dates_blames_a_clock_behind_the_build() {
        use rustls::CertificateError as C;
        let tls = |e: C| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                rustls::Error::InvalidCertificate(e),
            )
        };
        let built = Some(1_764_000_000);
        for e in [C::NotValidYet, C::Expired] {
            assert_eq!(
                clock_behind_at(&tls(e), 86_400, built),
                Some(TransportError::ClockBehind {
                    reads: 86_400,
                    built: 1_764_000_000
                })
            );
        }
        // A clock after the build: the certificate's dates are the certificate's problem.
        assert_eq!(
            clock_behind_at(&tls(C::Expired), 1_800_000_000, built),
            None
        );
        assert_eq!(clock_behind_at(&tls(C::UnknownIssuer), 86_400, built), None);
        assert_eq!(clock_behind_at(&tls(C::NotValidYet), 86_400, None), None);
        let said = TransportError::ClockBehind {
            reads: 86_400,
            built: 1_764_000_000,
        }
        .to_string();
        assert!(
            said.contains(
                "it reads 1970-01-02T00:00:00Z, earlier than this build of dyncfdns (2025-11-24"
            ),
            "{said}"
        );
    }
}
