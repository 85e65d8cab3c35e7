//! The direct client's view of a URL: `crate::url::parts`, with its error as a transport one.

use super::TransportError;
pub use crate::url::Parts as Target;

pub fn parse(url: &str) -> Result<Target<'_>, TransportError> {
    crate::url::parts(url).map_err(|e| TransportError::Connect(format!("the URL {e}")))
}
