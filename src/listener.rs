//! The status API's HTTP/1.1 listener: nonblocking sockets served from the event loop, with
//! keep-alive, pipelining and limits, so no client can pin it.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

pub const MAX_HEAD: usize = 8 * 1024;
/// Enough for a dashboard fleet and a load test; the event loop raises RLIMIT_NOFILE to fit.
pub const MAX_CONNECTIONS: usize = 1000;
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(10);
/// GET and HEAD need no body; a small one is read and ignored.
const MAX_BODY: usize = 1024;
/// A client that pipelines without reading its answers is not read further.
const MAX_OUTPUT: usize = 64 * 1024;
const BUSY: &[u8] =
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

/// What the routes answer with; the event loop provides it from the status state.
pub trait Api {
    fn health(&self) -> (u16, String);
    fn widget(&self) -> String;
    fn metrics(&self) -> String;
    /// `METRICS_PUBLIC=true`: /metrics without the token.
    fn metrics_public(&self) -> bool;
    fn token(&self) -> &str;
}

#[derive(Debug, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

fn json(status: u16, body: String) -> Reply {
    Reply {
        status,
        headers: vec![("Content-Type", "application/json".to_string())],
        body,
    }
}

fn error(status: u16, message: &str) -> Reply {
    json(status, format!("{{\"error\":\"{message}\"}}"))
}

/// Routing and auth: pure, so every answer is tested without sockets.
pub fn route(method: &str, path: &str, authorization: Option<&[u8]>, api: &dyn Api) -> Reply {
    let path = path.split('?').next().unwrap_or(path);
    let needs_token = match path {
        "/" | "/health" => false,
        "/widget" => true,
        "/metrics" => !api.metrics_public(),
        _ => return error(404, "not found"),
    };
    if method != "GET" && method != "HEAD" {
        let mut r = error(405, "method not allowed");
        r.headers.push(("Allow", "GET, HEAD".to_string()));
        return r;
    }
    if needs_token {
        if let Err(r) = authorize(authorization, api.token()) {
            return r;
        }
    }
    match path {
        "/" => crate::page::reply(),
        "/health" => {
            let (status, body) = api.health();
            json(status, body)
        }
        "/metrics" => Reply {
            status: 200,
            headers: vec![(
                "Content-Type",
                "text/plain; version=0.0.4; charset=utf-8".to_string(),
            )],
            body: api.metrics(),
        },
        _ => json(200, api.widget()),
    }
}

fn authorize(header: Option<&[u8]>, token: &str) -> Result<(), Reply> {
    let given = header.and_then(|h| {
        let h = std::str::from_utf8(h).ok()?.trim();
        let (scheme, rest) = h.split_once(char::is_whitespace)?;
        let rest = rest.trim();
        (scheme.eq_ignore_ascii_case("bearer") && !rest.is_empty()).then_some(rest)
    });
    match given {
        None => {
            let mut r = error(401, "missing bearer token");
            r.headers.push(("WWW-Authenticate", "Bearer".to_string()));
            Err(r)
        }
        Some(t) if constant_time_eq(t.as_bytes(), token.as_bytes()) => Ok(()),
        Some(_) => Err(error(403, "wrong token")),
    }
}

/// Takes the same time whatever the position of the first difference.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = (a.len() ^ b.len()) as u8 | u8::from(a.len() != b.len());
    for i in 0..a.len().max(b.len()) {
        diff |= a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0xff);
    }
    diff == 0
}

fn encode(reply: &Reply, head_only: bool, close: bool, out: &mut Vec<u8>) {
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

struct Conn {
    stream: TcpStream,
    input: Vec<u8>,
    output: Vec<u8>,
    last_active: Instant,
    /// Answered with `Connection: close`: flush, then drop.
    closing: bool,
    dead: bool,
}

pub struct Listener {
    socket: TcpListener,
    conns: Vec<Conn>,
    /// Set when accept(2) failed (out of descriptors): the listening socket stays readable,
    /// so it is left out of poll for a second, or until a connection closes, not spun on.
    accept_paused_until: Option<Instant>,
    pub idle_timeout: Duration,
}

impl Listener {
    pub fn bind(addr: SocketAddr) -> io::Result<Listener> {
        let socket = TcpListener::bind(addr)?;
        socket.set_nonblocking(true)?;
        Ok(Listener {
            socket,
            conns: Vec::new(),
            accept_paused_until: None,
            idle_timeout: IDLE_TIMEOUT,
        })
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// The listening socket first, then one entry per connection, in order.
    pub fn pollfds(&self, fds: &mut Vec<libc::pollfd>) {
        let events = if self.accept_paused_until.is_some() {
            0
        } else {
            libc::POLLIN
        };
        fds.push(pollfd(self.socket.as_raw_fd(), events));
        for c in &self.conns {
            let mut events = 0;
            if !c.closing && c.output.len() < MAX_OUTPUT {
                events |= libc::POLLIN;
            }
            if !c.output.is_empty() {
                events |= libc::POLLOUT;
            }
            fds.push(pollfd(c.stream.as_raw_fd(), events));
        }
    }

    /// Handles what poll(2) reported for the fds from `pollfds`.
    pub fn handle(&mut self, fds: &[libc::pollfd], api: &dyn Api, now: Instant) {
        let ready = |fd: &libc::pollfd| fd.revents != 0;
        for (conn, fd) in self.conns.iter_mut().zip(fds.iter().skip(1)) {
            if ready(fd) {
                conn.service(api, now);
            }
        }
        if fds.first().is_some_and(ready) {
            self.accept(api, now);
        }
        let before = self.conns.len();
        self.conns.retain(|c| !c.dead);
        self.expire(now);
        if self.conns.len() < before || self.accept_paused_until.is_some_and(|t| now >= t) {
            self.accept_paused_until = None;
        }
    }

    /// Answers whatever is waiting, without blocking: used between a pass's outbound calls.
    pub fn serve_pending(&mut self, api: &dyn Api) {
        let mut fds = Vec::with_capacity(self.conns.len() + 1);
        self.pollfds(&mut fds);
        // SAFETY: fds is a valid array of pollfd of the given length.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, 0) };
        if n > 0 {
            self.handle(&fds, api, Instant::now());
        }
    }

    /// When the next idle connection must be closed, if any.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.conns
            .iter()
            .map(|c| c.last_active + self.idle_timeout)
            .chain(self.accept_paused_until)
            .min()
    }

    pub fn expire(&mut self, now: Instant) {
        let timeout = self.idle_timeout;
        self.conns
            .retain(|c| now.saturating_duration_since(c.last_active) < timeout);
    }

    pub fn connections(&self) -> usize {
        self.conns.len()
    }

    fn accept(&mut self, api: &dyn Api, now: Instant) {
        loop {
            match self.socket.accept() {
                Ok((mut stream, _)) => {
                    if self.conns.len() >= MAX_CONNECTIONS {
                        let _ = stream.set_nonblocking(true);
                        let _ = stream.write(BUSY);
                        continue;
                    }
                    if stream.set_nonblocking(true).is_err() {
                        continue;
                    }
                    let mut conn = Conn {
                        stream,
                        input: Vec::new(),
                        output: Vec::new(),
                        last_active: now,
                        closing: false,
                        dead: false,
                    };
                    // The request often arrives with the connection: answer it now.
                    conn.service(api, now);
                    if !conn.dead {
                        self.conns.push(conn);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => {
                    crate::warn!("status API: cannot accept a connection: {e}");
                    self.accept_paused_until = Some(now + Duration::from_secs(1));
                    break;
                }
            }
        }
    }
}

fn pollfd(fd: i32, events: libc::c_short) -> libc::pollfd {
    libc::pollfd {
        fd,
        events,
        revents: 0,
    }
}

impl Conn {
    fn service(&mut self, api: &dyn Api, now: Instant) {
        if !self.closing && self.read() {
            self.last_active = now;
        }
        self.process(api);
        self.flush();
        if self.closing && self.output.is_empty() {
            self.dead = true;
        }
    }

    /// Reads what is there; returns whether anything came.
    fn read(&mut self) -> bool {
        let mut buf = [0u8; 4096];
        let mut got = false;
        while self.input.len() <= MAX_HEAD + MAX_BODY {
            match self.stream.read(&mut buf) {
                Ok(0) => {
                    // The peer is done sending: answer what is complete, then close.
                    self.closing = true;
                    break;
                }
                Ok(n) => {
                    self.input.extend_from_slice(&buf[..n]);
                    got = true;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(_) => {
                    self.dead = true;
                    break;
                }
            }
        }
        got
    }

    fn process(&mut self, api: &dyn Api) {
        if !self.dead && answer(&mut self.input, &mut self.output, self.closing, api) {
            self.closing = true;
        }
    }

    fn flush(&mut self) {
        while !self.output.is_empty() {
            match self.stream.write(&self.output) {
                Ok(0) => {
                    self.dead = true;
                    return;
                }
                Ok(n) => {
                    self.output.drain(..n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(_) => {
                    self.dead = true;
                    return;
                }
            }
        }
    }
}

/// Answers every complete request at the front of `input`, in order (pipelining), appending
/// the responses to `output`. Returns true when the connection must close once `output` is
/// sent. `peer_done` says the client sent its last byte. Pure: the fuzz target drives it.
pub fn answer(input: &mut Vec<u8>, output: &mut Vec<u8>, peer_done: bool, api: &dyn Api) -> bool {
    let fail = |input: &mut Vec<u8>, output: &mut Vec<u8>, status, message| {
        encode(&error(status, message), false, true, output);
        input.clear();
        true
    };
    while !input.is_empty() && output.len() < MAX_OUTPUT {
        let mut slots = [httparse::EMPTY_HEADER; 32];
        let mut req = httparse::Request::new(&mut slots);
        let head_len = match req.parse(input) {
            Ok(httparse::Status::Complete(n)) if n <= MAX_HEAD => n,
            Ok(httparse::Status::Complete(_)) => {
                return fail(input, output, 431, "request head too large")
            }
            Ok(httparse::Status::Partial) if input.len() > MAX_HEAD => {
                return fail(input, output, 431, "request head too large")
            }
            Ok(httparse::Status::Partial) => {
                if peer_done {
                    input.clear();
                }
                return false;
            }
            Err(httparse::Error::TooManyHeaders) => {
                return fail(input, output, 431, "too many headers")
            }
            Err(_) => return fail(input, output, 400, "malformed request"),
        };
        let header = |name: &str| {
            req.headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case(name))
                .map(|h| h.value)
        };
        if header("transfer-encoding").is_some() {
            return fail(input, output, 400, "request bodies are not accepted");
        }
        let body_len = match header("content-length").map(parse_length) {
            None => 0,
            Some(Some(n)) if n <= MAX_BODY => n,
            Some(Some(_)) => return fail(input, output, 413, "request body too large"),
            Some(None) => return fail(input, output, 400, "bad Content-Length"),
        };
        if input.len() < head_len + body_len {
            if peer_done {
                input.clear();
            }
            return false;
        }
        let method = req.method.unwrap_or("");
        let keep_alive = wants_keep_alive(req.version, header("connection"));
        let reply = route(
            method,
            req.path.unwrap_or("/"),
            header("authorization"),
            api,
        );
        encode(&reply, method == "HEAD", !keep_alive, output);
        input.drain(..head_len + body_len);
        if !keep_alive {
            input.clear();
            return true;
        }
    }
    false
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

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed;
    impl Api for Fixed {
        fn health(&self) -> (u16, String) {
            (200, r#"{"status":"ok"}"#.to_string())
        }
        fn widget(&self) -> String {
            r#"{"status":"active"}"#.to_string()
        }
        fn metrics(&self) -> String {
            "dyncfdns_passes_total{result=\"ok\"} 1\n".to_string()
        }
        fn metrics_public(&self) -> bool {
            false
        }
        fn token(&self) -> &str {
            "s3cret"
        }
    }

    fn status(method: &str, path: &str, auth: Option<&str>) -> u16 {
        route(method, path, auth.map(str::as_bytes), &Fixed).status
    }

    #[test]
    fn routes_and_methods() {
        assert_eq!(status("GET", "/health", None), 200);
        assert_eq!(status("HEAD", "/health?x=1", None), 200);
        assert_eq!(status("GET", "/nope", None), 404);
        let r = route("POST", "/health", None, &Fixed);
        assert_eq!(r.status, 405);
        assert!(r.headers.contains(&("Allow", "GET, HEAD".to_string())));
    }

    #[test]
    fn page_is_public_and_metrics_need_the_token() {
        let page = route("GET", "/", None, &Fixed);
        assert_eq!(page.status, 200);
        assert!(page.body.starts_with("<!doctype html>"));
        assert!(!page.body.contains("s3cret"));
        assert_eq!(status("GET", "/metrics", None), 401);
        let m = route("GET", "/metrics", Some(b"Bearer s3cret"), &Fixed);
        assert!(m.headers[0].1.starts_with("text/plain; version=0.0.4"));
    }

    #[test]
    fn widget_needs_the_bearer_token() {
        let r = route("GET", "/widget", None, &Fixed);
        assert_eq!(r.status, 401);
        assert!(r
            .headers
            .contains(&("WWW-Authenticate", "Bearer".to_string())));
        assert_eq!(status("GET", "/widget", Some("Basic s3cret")), 401);
        assert_eq!(status("GET", "/widget", Some("s3cret")), 401);
        assert_eq!(status("GET", "/widget", Some("Bearer wrong")), 403);
        assert_eq!(status("GET", "/widget", Some("Bearer s3cre")), 403);
        assert_eq!(status("GET", "/widget", Some("Bearer s3cret")), 200);
        assert_eq!(status("GET", "/widget", Some("bearer   s3cret ")), 200);
    }

    #[test]
    fn constant_time_compare_is_exact() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"", b"a"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn keep_alive_rules() {
        assert!(wants_keep_alive(Some(1), None));
        assert!(!wants_keep_alive(Some(1), Some(b"Close")));
        assert!(!wants_keep_alive(Some(0), None));
        assert!(wants_keep_alive(Some(0), Some(b"keep-alive")));
    }

    fn exchange(raw: &str) -> (String, bool, usize) {
        let mut input = raw.as_bytes().to_vec();
        let mut output = Vec::new();
        let close = answer(&mut input, &mut output, false, &Fixed);
        (String::from_utf8(output).unwrap(), close, input.len())
    }

    #[test]
    fn answers_pipelined_requests_in_order() {
        let (out, close, left) =
            exchange("GET /health HTTP/1.1\r\n\r\nGET /nope HTTP/1.1\r\n\r\nGET /heal");
        assert!(out.starts_with("HTTP/1.1 200 OK"));
        assert!(out.contains("HTTP/1.1 404 Not Found"));
        assert!(!close);
        assert_eq!(left, "GET /heal".len(), "a partial request waits for more");
    }

    #[test]
    fn bad_input_closes() {
        assert!(exchange("BLAH\r\n\r\n").0.starts_with("HTTP/1.1 400"));
        assert!(exchange("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").1);
        let (out, close, _) = exchange("GET /health HTTP/1.1\r\nContent-Length: 99999\r\n\r\n");
        assert!(out.starts_with("HTTP/1.1 413") && close);
        let many: String = (0..40).map(|i| format!("X-{i}: y\r\n")).collect();
        let (out, _, _) = exchange(&format!("GET /health HTTP/1.1\r\n{many}\r\n"));
        assert!(out.starts_with("HTTP/1.1 431"));
        let (out, close, _) = exchange("GET /health HTTP/1.0\r\n\r\n");
        assert!(out.contains("Connection: close") && close);
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
