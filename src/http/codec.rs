//! HTTP/1.1 on the wire, both ways: where a request ends and what it asks (framing, limits,
//! keep-alive), and a reply's bytes. Pure; fuzzed through `routes::answer`.

use std::collections::VecDeque;
use std::io::{self, Write};
use std::rc::Rc;

pub const MAX_HEAD: usize = 8 * 1024;
/// GET and HEAD need no body; a small one is read and ignored.
pub const MAX_BODY: usize = 1024;

/// A reply's body: made for this request, built into the binary, or shared by every client
/// that asks before it changes (large pages are never copied per client).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    Text(String),
    Static(&'static str),
    Shared(Rc<String>),
}

impl Body {
    pub fn as_str(&self) -> &str {
        match self {
            Body::Text(s) => s,
            Body::Static(s) => s,
            Body::Shared(s) => s,
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Body,
}

pub fn json(status: u16, body: String) -> Reply {
    json_body(status, Body::Text(body))
}

pub fn json_body(status: u16, body: Body) -> Reply {
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
    let mut lengths = req
        .headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("content-length"));
    let length = lengths.next().map(|h| h.value);
    if lengths.next().is_some() {
        return Frame::Bad(400, "more than one Content-Length");
    }
    let body_len = match length.map(parse_length) {
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

/// Plain decimal digits only: a sign, a space inside or a second number is not a length
/// that every proxy in front would read the same way.
fn parse_length(v: &[u8]) -> Option<usize> {
    let v = v.trim_ascii();
    if v.is_empty() || v.len() > 9 || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(v).ok()?.parse().ok()
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

/// The bytes `encode` writes for the reply's head, at most (the budget's estimate).
pub fn head_len(reply: &Reply) -> usize {
    // Status line, Content-Length, Cache-Control, Connection: close and the blank line.
    let fixed = 120;
    fixed
        + reply
            .headers
            .iter()
            .map(|(k, v)| k.len() + v.len() + 4)
            .sum::<usize>()
}

/// Appends the reply's bytes to `out`; without the body for HEAD.
pub fn encode(reply: &Reply, head_only: bool, close: bool, out: &mut Output) {
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
    let body = reply.body.as_str();
    let mut head = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Length: {}\r\nCache-Control: no-store\r\n",
        reply.status,
        body.len()
    );
    for (k, v) in &reply.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if close {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    out.push_bytes(head.as_bytes());
    if head_only || body.is_empty() {
        return;
    }
    match &reply.body {
        Body::Text(s) => return out.push_bytes(s.as_bytes()),
        Body::Static(s) => out.chunks.push_back(Chunk::Static(s.as_bytes())),
        Body::Shared(s) => out.chunks.push_back(Chunk::Shared(s.clone())),
    }
    out.queued += body.len();
}

/// A piece of queued output.
#[derive(Debug)]
enum Chunk {
    Bytes(Vec<u8>),
    Static(&'static [u8]),
    Shared(Rc<String>),
}

impl Chunk {
    fn bytes(&self) -> &[u8] {
        match self {
            Chunk::Bytes(b) => b,
            Chunk::Static(b) => b,
            Chunk::Shared(s) => s.as_bytes(),
        }
    }
}

/// A connection's queued output: small pieces copied together, large bodies by reference.
#[derive(Debug, Default)]
pub struct Output {
    chunks: VecDeque<Chunk>,
    /// Bytes of the front chunk already written.
    sent: usize,
    /// Bytes not yet written.
    queued: usize,
}

impl Output {
    fn push_bytes(&mut self, bytes: &[u8]) {
        // Appending never moves what is already queued, so the front's offset stays true.
        match self.chunks.back_mut() {
            Some(Chunk::Bytes(b)) => b.extend_from_slice(bytes),
            _ => self.chunks.push_back(Chunk::Bytes(bytes.to_vec())),
        }
        self.queued += bytes.len();
    }

    pub fn is_empty(&self) -> bool {
        self.queued == 0
    }

    /// Bytes waiting to be written.
    pub fn queued(&self) -> usize {
        self.queued
    }

    /// Heap bytes this queue owns (shared bodies are counted once, elsewhere).
    pub fn owned(&self) -> usize {
        self.chunks
            .iter()
            .map(|c| match c {
                Chunk::Bytes(b) => b.capacity(),
                _ => 0,
            })
            .sum()
    }

    /// The shared bodies this queue still holds.
    pub fn shared(&self) -> impl Iterator<Item = &Rc<String>> {
        self.chunks.iter().filter_map(|c| match c {
            Chunk::Shared(s) => Some(s),
            _ => None,
        })
    }

    /// Writes as much as `sink` takes without blocking; returns the bytes written. A sink
    /// that would block ends the call with what was written so far.
    pub fn write_to(&mut self, sink: &mut impl Write) -> io::Result<usize> {
        let mut total = 0;
        while let Some(front) = self.chunks.front() {
            let rest = &front.bytes()[self.sent..];
            let n = match sink.write(rest) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => return Err(e),
            };
            total += n;
            self.queued -= n;
            self.sent += n;
            if self.sent == front.bytes().len() {
                self.chunks.pop_front();
                self.sent = 0;
            }
        }
        if self.chunks.is_empty() {
            // Give back a large buffer once it is sent.
            self.chunks = VecDeque::new();
        }
        Ok(total)
    }

    /// Everything queued, as one buffer (for tests and the fuzz target).
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.queued);
        for (i, c) in self.chunks.iter().enumerate() {
            let skip = if i == 0 { self.sent } else { 0 };
            out.extend_from_slice(&c.bytes()[skip..]);
        }
        out
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
    fn framing_is_strict_about_lengths() {
        let bad = |raw: &str| matches!(frame(raw.as_bytes()), Frame::Bad(400, _));
        assert!(bad(
            "GET / HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 26\r\n\r\n"
        ));
        assert!(bad(
            "GET / HTTP/1.1\r\nContent-Length: 0\r\ncontent-length: 0\r\n\r\n"
        ));
        assert!(bad("GET / HTTP/1.1\r\nContent-Length: +5\r\n\r\nhello"));
        assert!(bad("GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"));
        assert!(bad("GET / HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n"));
        assert!(bad("GET / HTTP/1.1\r\nContent-Length: 0x5\r\n\r\n"));
        assert!(bad("GET / HTTP/1.1\r\nContent-Length:\r\n\r\n"));
        let ok = frame(b"GET / HTTP/1.1\r\nContent-Length:  3 \r\n\r\nabc");
        assert!(
            matches!(ok, Frame::Request(Head { len, .. }) if len == 42),
            "{ok:?}"
        );
    }

    #[test]
    fn encodes_head_without_body() {
        let mut out = Output::default();
        encode(&json(200, "{}".into()), true, false, &mut out);
        let text = String::from_utf8(out.to_vec()).unwrap();
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"));
        assert!(text.contains("Content-Length: 2\r\n"));
        assert!(text.ends_with("\r\n\r\n"));
        let mut reply = json(503, "{}".into());
        reply.headers.push(("Allow", "GET, HEAD".into()));
        let mut out = Output::default();
        encode(&reply, true, true, &mut out);
        assert!(
            out.queued() <= head_len(&reply),
            "{} > {}",
            out.queued(),
            head_len(&reply)
        );
    }

    /// A sink that takes at most `n` bytes per write, then would block after `calls` writes.
    struct Trickle(Vec<u8>, usize, usize);

    impl Write for Trickle {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            if self.2 == 0 {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            self.2 -= 1;
            let n = b.len().min(self.1);
            self.0.extend_from_slice(&b[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn output_queues_shared_bodies_by_reference_and_writes_in_order() {
        let shared = Rc::new("x".repeat(1000));
        let mut out = Output::default();
        encode(&json(200, "{}".into()), false, false, &mut out);
        encode(
            &json_body(200, Body::Shared(shared.clone())),
            false,
            false,
            &mut out,
        );
        encode(&json_body(200, Body::Static("abc")), false, true, &mut out);
        assert_eq!(Rc::strong_count(&shared), 2);
        assert!(out.owned() < 1000, "{}", out.owned());
        let all = out.to_vec();
        assert_eq!(out.queued(), all.len());
        let mut sink = Trickle(Vec::new(), 7, 10);
        assert_eq!(out.write_to(&mut sink).unwrap(), 70);
        encode(&json(404, "{}".into()), false, false, &mut out);
        let mut sink2 = Trickle(Vec::new(), 100, usize::MAX);
        out.write_to(&mut sink2).unwrap();
        let mut got = sink.0;
        got.extend_from_slice(&sink2.0);
        assert!(got.starts_with(&all) && got.len() > all.len());
        assert!(out.is_empty() && out.shared().next().is_none());
        assert_eq!(Rc::strong_count(&shared), 1);
    }
}
