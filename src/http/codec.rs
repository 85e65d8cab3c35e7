//! HTTP/1.1 on the wire, both ways: where a request ends and what it asks (framing, limits,
//! keep-alive), and a reply's bytes. Pure; fuzzed through `routes::answer`.

pub const MAX_HEAD: usize = 8 * 1024;
/// GET and HEAD need no body; a small one is read and ignored.
pub const MAX_BODY: usize = 1024;

#[derive(Debug, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

pub fn json(status: u16, body: String) -> Reply {
    Reply {
        status,
        headers: vec![("Content-Type", "application/json".to_string())],
        body,
    }
}

pub fn error(status: u16, message: &str) -> Reply {
    json(status, format!("{{\"error\":\"{message}\"}}"))
}

/// What one request at the front of the input says; borrowed from the input.
#[derive(Debug, PartialEq, Eq)]
pub struct Head<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub authorization: Option<&'a [u8]>,
    pub keep_alive: bool,
    /// Bytes the request takes, head and body.
    pub len: usize,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Frame<'a> {
    /// More bytes are needed.
    Incomplete,
    /// The request cannot be served: answer with this status and message, then close.
    Bad(u16, &'static str),
    Request(Head<'a>),
}

/// Frames the request at the front of `input`.
pub fn frame(input: &[u8]) -> Frame<'_> {
    let mut slots = [httparse::EMPTY_HEADER; 32];
    let mut req = httparse::Request::new(&mut slots);
    let head_len = match req.parse(input) {
        Ok(httparse::Status::Complete(n)) if n <= MAX_HEAD => n,
        Ok(httparse::Status::Complete(_)) => return Frame::Bad(431, "request head too large"),
        Ok(httparse::Status::Partial) if input.len() > MAX_HEAD => {
            return Frame::Bad(431, "request head too large")
        }
        Ok(httparse::Status::Partial) => return Frame::Incomplete,
        Err(httparse::Error::TooManyHeaders) => return Frame::Bad(431, "too many headers"),
        Err(_) => return Frame::Bad(400, "malformed request"),
    };
    let header = |name: &str| {
        req.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value)
    };
    if header("transfer-encoding").is_some() {
        return Frame::Bad(400, "request bodies are not accepted");
    }
    let body_len = match header("content-length").map(parse_length) {
        None => 0,
        Some(Some(n)) if n <= MAX_BODY => n,
        Some(Some(_)) => return Frame::Bad(413, "request body too large"),
        Some(None) => return Frame::Bad(400, "bad Content-Length"),
    };
    if input.len() < head_len + body_len {
        return Frame::Incomplete;
    }
    Frame::Request(Head {
        method: req.method.unwrap_or(""),
        path: req.path.unwrap_or("/"),
        authorization: header("authorization"),
        keep_alive: wants_keep_alive(req.version, header("connection")),
        len: head_len + body_len,
    })
}

fn parse_length(v: &[u8]) -> Option<usize> {
    std::str::from_utf8(v).ok()?.trim().parse().ok()
}

fn wants_keep_alive(version: Option<u8>, connection: Option<&[u8]>) -> bool {
    let has = |word: &str| {
        connection.is_some_and(|v| {
            v.split(|b| *b == b',')
                .any(|t| t.trim_ascii().eq_ignore_ascii_case(word.as_bytes()))
        })
    };
    match version {
        Some(1) => !has("close"),
        _ => has("keep-alive"),
    }
}

/// Appends the reply's bytes to `out`; without the body for HEAD.
pub fn encode(reply: &Reply, head_only: bool, close: bool, out: &mut Vec<u8>) {
    let reason = match reply.status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Status",
    };
    let mut head = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Length: {}\r\nCache-Control: no-store\r\n",
        reply.status,
        reply.body.len()
    );
    for (k, v) in &reply.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if close {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    out.extend_from_slice(head.as_bytes());
    if !head_only {
        out.extend_from_slice(reply.body.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_alive_rules() {
        assert!(wants_keep_alive(Some(1), None));
        assert!(!wants_keep_alive(Some(1), Some(b"Close")));
        assert!(!wants_keep_alive(Some(0), None));
        assert!(wants_keep_alive(Some(0), Some(b"keep-alive")));
    }

    #[test]
    fn frames_a_request_and_its_body() {
        let raw =
            b"GET /widget HTTP/1.1\r\nAuthorization: Bearer t\r\nContent-Length: 2\r\n\r\nxyGET";
        let Frame::Request(h) = frame(raw) else {
            panic!("{:?}", frame(raw))
        };
        assert_eq!((h.method, h.path, h.len), ("GET", "/widget", raw.len() - 3));
        assert_eq!(h.authorization, Some(&b"Bearer t"[..]));
        assert_eq!(
            frame(b"GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab"),
            Frame::Incomplete
        );
        assert_eq!(frame(b"GET / HTTP/1.1\r\n"), Frame::Incomplete);
    }

    #[test]
    fn encodes_head_without_body() {
        let mut out = Vec::new();
        encode(&json(200, "{}".into()), true, false, &mut out);
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"));
        assert!(text.contains("Content-Length: 2\r\n"));
        assert!(text.ends_with("\r\n\r\n"));
    }
}
