//! The usual path: minreq, blocking, one connection per request.

use super::{Method, Request, Response, TransportError, USER_AGENT};
use std::io::Read;

/// One request through minreq, no redirects (the caller follows them).
pub fn send_once(request: &Request) -> Result<Response, TransportError> {
    {
        let method = match request.method {
            Method::Get => minreq::Method::Get,
            Method::Post => minreq::Method::Post,
            Method::Patch => minreq::Method::Patch,
            Method::Put => minreq::Method::Put,
            Method::Delete => minreq::Method::Delete,
        };
        let mut req = minreq::Request::new(method, request.url.as_str())
            .with_timeout(request.timeout_secs)
            .with_follow_redirects(false)
            .with_max_headers_size(16 * 1024)
            .with_max_status_line_length(1024)
            .with_header("User-Agent", USER_AGENT);
        for (k, v) in &request.headers {
            req = req.with_header(*k, v.as_str());
        }
        if let Some(body) = request.body.clone() {
            req = req
                .with_header("Content-Type", "application/json")
                .with_body(body);
        }
        let mut lazy = req.send_lazy().map_err(transport_error)?;
        if made_up_status(lazy.status_code, lazy.headers.len()) {
            return Err(TransportError::NoAnswer);
        }
        let mut body = Vec::new();
        let limit = request.max_body as u64 + 1;
        (&mut lazy)
            .take(limit)
            .read_to_end(&mut body)
            .map_err(|e| TransportError::Read(e.to_string()))?;
        if body.len() > request.max_body {
            return Err(TransportError::TooLarge(request.max_body));
        }
        let promised = lazy
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.trim().parse::<usize>().ok());
        // minreq ends the body quietly when the peer closes early; a cut JSON must not pass.
        if promised.is_some_and(|n| body.len() < n) {
            return Err(TransportError::CutShort);
        }
        Ok(Response {
            status: lazy.status_code,
            headers: std::mem::take(&mut lazy.headers),
            body,
        })
    }
}

/// minreq turns a missing or unreadable status line (the peer closed first) into a 503 of its
/// own, with no headers since none were read. Every real answer has headers (at least
/// `Content-Length`, `Connection` or `Date`), so a header-less 503 is no answer at all.
fn made_up_status(status: u16, header_count: usize) -> bool {
    status == 503 && header_count == 0
}

fn transport_error(e: minreq::Error) -> TransportError {
    match e {
        minreq::Error::IoError(io) if io.kind() == std::io::ErrorKind::TimedOut => {
            TransportError::TimedOut
        }
        minreq::Error::IoError(io) if io.kind() == std::io::ErrorKind::WouldBlock => {
            TransportError::TimedOut
        }
        minreq::Error::IoError(io) => {
            super::clock_behind(&io).unwrap_or_else(|| TransportError::Connect(io.to_string()))
        }
        other => TransportError::Connect(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_headerless_503_is_no_answer() {
        assert!(made_up_status(503, 0));
        assert!(!made_up_status(503, 2));
        assert!(!made_up_status(200, 0));
    }
}
