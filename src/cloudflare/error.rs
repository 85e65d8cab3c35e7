//! What can go wrong talking to Cloudflare, each with the fix a user needs.

use crate::transport::TransportError;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CfError {
    /// Cloudflare answered and said no.
    Api {
        status: u16,
        errors: Vec<(i64, String)>,
    },
    Throttled {
        retry_after: Option<u64>,
    },
    /// The API answered with a redirect, which is never followed: credentials stay with the
    /// configured host.
    Redirected {
        status: u16,
        host: String,
    },
    /// No answer came: the pass should not expect another call to fare better.
    Transport(TransportError),
    /// Not sent: an earlier call of this client got no answer, and one stall per pass is
    /// all the status API may wait through.
    Abandoned,
    Malformed(String),
    /// An answer that is not Cloudflare's JSON at all (a proxy's HTML page, a 405).
    NotJson {
        status: u16,
        len: usize,
    },
}

impl CfError {
    fn has_code(&self, wanted: &[i64]) -> bool {
        matches!(self, CfError::Api { errors, .. } if errors.iter().any(|(c, _)| wanted.contains(c)))
    }

    /// 81057 / 81058: the record we tried to create is already there.
    pub fn is_already_exists(&self) -> bool {
        self.has_code(&[81057, 81058])
    }

    pub fn is_auth(&self) -> bool {
        self.has_code(&[9109, 10000, 10001, 6003, 6111, 9106, 1000])
            || matches!(self, CfError::Api { status: 401 | 403, errors } if errors.is_empty())
    }

    /// No answer, or not sent after one: the pass stops calling Cloudflare.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, CfError::Transport(_) | CfError::Abandoned)
    }

    /// The zone or record id we hold is stale.
    pub fn is_stale_id(&self) -> bool {
        self.has_code(&[7000, 7003, 81044])
    }

    /// What Cloudflare said, with `fix` instead of the usual hint when the credential was
    /// refused (a call that needs another permission than the DNS ones).
    pub fn refused_for(&self, fix: &str) -> String {
        match self {
            CfError::Api { status, errors } if self.is_auth() => {
                struct Said<'a>(u16, &'a [(i64, String)]);
                impl fmt::Display for Said<'_> {
                    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        refused(f, self.0, self.1)
                    }
                }
                format!("{}: {fix}", Said(*status, errors))
            }
            _ => self.to_string(),
        }
    }

    fn hint(&self) -> Option<&'static str> {
        if self.is_auth() {
            Some("check CLOUDFLARE_API_TOKEN (or CLOUDFLARE_API_KEY and CLOUDFLARE_API_EMAIL): it is wrong, expired, or lacks Zone:Read and DNS:Edit for this zone")
        } else if self.is_stale_id() {
            Some("the zone or record is gone or moved; it will be looked up again")
        } else if self.is_already_exists() {
            Some("the record already exists; it will be read again")
        } else {
            None
        }
    }
}

impl fmt::Display for CfError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            CfError::Api { status, errors } => {
                refused(f, *status, errors)?;
                if let Some(hint) = self.hint() {
                    write!(f, ": {hint}")?;
                }
                Ok(())
            }
            CfError::Throttled { retry_after } => {
                f.write_str("Cloudflare is throttling requests (429/971)")?;
                match retry_after {
                    Some(s) => write!(f, "; retry after {s} s"),
                    None => Ok(()),
                }
            }
            CfError::Redirected { status, host } => write!(
                f,
                "Cloudflare's API answered HTTP {status} pointing to {host:?}; API calls never follow redirects, so credentials stay with CLOUDFLARE_API_URL's host (check that URL)"
            ),
            CfError::Transport(why) => write!(f, "cannot reach Cloudflare: {why}"),
            CfError::Abandoned => f.write_str(
                "not attempted: Cloudflare did not answer an earlier call of this pass",
            ),
            CfError::Malformed(why) => write!(f, "unexpected answer from Cloudflare: {why}"),
            CfError::NotJson { status, len } => write!(
                f,
                "unexpected answer from Cloudflare: HTTP {status} with a body that is not the expected JSON ({len} bytes)"
            ),
        }
    }
}

fn refused(f: &mut fmt::Formatter, status: u16, errors: &[(i64, String)]) -> fmt::Result {
    write!(f, "Cloudflare refused the request (HTTP {status}")?;
    for (code, message) in errors {
        write!(f, "; {code}: {message}")?;
    }
    f.write_str(")")
}
