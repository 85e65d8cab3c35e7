//! The status API's routes: which paths exist, which need the token, and what they answer,
//! from the `Api` the service provides. Pure, so every answer is tested without sockets.

use super::budget::{Admit, Room};
use super::codec::{encode, error, frame, head_len, json, json_body, Body, Frame, Output, Reply};

/// What the routes answer with; the event loop provides it from the status state.
pub trait Api {
    fn health(&self) -> (u16, String);
    /// Large with many hosts: shared between clients until the state changes.
    fn widget(&self) -> Body;
    fn metrics(&self) -> Body;
    /// `METRICS_PUBLIC=true`: /metrics without the token.
    fn metrics_public(&self) -> bool;
    fn token(&self) -> &str;
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
        "/" => super::page::reply(),
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
        _ => json_body(200, api.widget()),
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

/// Answers the complete requests at the front of `input`, in order (pipelining), queuing
/// the responses on `output` as far as `room` allows: a connection whose queue is full is
/// answered further once it drains, and one with nothing queued always gets an answer (a 503
/// when the budget is spent), so nothing stalls. Returns true when the connection must close
/// once `output` is sent. `peer_done` says the client sent its last byte. Pure: the fuzz
/// target drives it.
pub fn answer(
    input: &mut Vec<u8>,
    output: &mut Output,
    peer_done: bool,
    api: &dyn Api,
    room: &mut Room,
) -> bool {
    while !input.is_empty() {
        let (len, keep_alive) = match frame(input) {
            Frame::Incomplete => {
                if peer_done {
                    input.clear();
                }
                return false;
            }
            Frame::Bad(status, message) => {
                encode(&error(status, message), false, true, output);
                input.clear();
                return true;
            }
            Frame::Request(head) => {
                let head_only = head.method == "HEAD";
                let reply = route(head.method, head.path, head.authorization, api);
                let head_room = head_len(&reply);
                let (own, shared) = match (&reply.body, head_only) {
                    (Body::Shared(s), false) => (head_room, Some(s)),
                    (Body::Text(t), false) => (head_room + t.len(), None),
                    _ => (head_room, None),
                };
                match room.admit(output.queued(), own, shared) {
                    Admit::Wait => return false,
                    Admit::Yes => encode(&reply, head_only, !head.keep_alive, output),
                    Admit::Busy => {
                        let busy = error(503, "busy: too many answers waiting; try again");
                        encode(&busy, head_only, !head.keep_alive, output)
                    }
                }
                (head.len, head.keep_alive)
            }
        };
        input.drain(..len);
        if !keep_alive {
            input.clear();
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed;
    impl Api for Fixed {
        fn health(&self) -> (u16, String) {
            (200, r#"{"status":"ok"}"#.to_string())
        }
        fn widget(&self) -> Body {
            Body::Text(r#"{"status":"active"}"#.to_string())
        }
        fn metrics(&self) -> Body {
            Body::Text("dyncfdns_passes_total{result=\"ok\"} 1\n".to_string())
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
        assert!(page.body.as_str().starts_with("<!doctype html>"));
        assert!(!page.body.as_str().contains("s3cret"));
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

    fn exchange(raw: &str) -> (String, bool, usize) {
        let mut input = raw.as_bytes().to_vec();
        let mut output = Output::default();
        let mut room = Room::default();
        room.refresh(0);
        let close = answer(&mut input, &mut output, false, &Fixed, &mut room);
        (
            String::from_utf8(output.to_vec()).unwrap(),
            close,
            input.len(),
        )
    }

    /// Feeds `requests` pipelined, read as the server reads (up to 9 KiB held, more only once
    /// the answers are sent), the client reading everything; returns the responses and how
    /// many rounds it took.
    fn pipeline(requests: usize, peer_done: bool) -> (usize, usize) {
        let mut wire = "GET /health HTTP/1.1\r\n\r\n".repeat(requests).into_bytes();
        let (mut output, mut room, mut sink) = (Output::default(), Room::default(), Vec::new());
        let mut input = Vec::new();
        let mut rounds = 0;
        loop {
            if output.is_empty() {
                let take = (9 * 1024 - input.len()).min(wire.len());
                input.extend(wire.drain(..take));
            }
            room.refresh(output.owned());
            let before = input.len();
            answer(
                &mut input,
                &mut output,
                peer_done && wire.is_empty(),
                &Fixed,
                &mut room,
            );
            output.write_to(&mut sink).unwrap();
            rounds += 1;
            if input.len() == before && output.is_empty() && wire.is_empty() {
                break;
            }
        }
        let text = String::from_utf8(sink).unwrap();
        (text.matches("HTTP/1.1 200 OK").count(), rounds)
    }

    #[test]
    fn every_pipelined_request_is_answered_as_the_queue_drains() {
        for n in [1, 16, 447, 1000, 10_000] {
            for done in [false, true] {
                let (answered, rounds) = pipeline(n, done);
                assert_eq!(answered, n, "{n} pipelined, half-closed: {done}");
                assert!(rounds > n / 40, "answers wait for the queue: {rounds}");
            }
        }
    }

    #[test]
    fn a_full_budget_answers_503_to_an_empty_queue_and_waits_otherwise() {
        let mut room = Room::default();
        room.refresh(crate::http::budget::OUTPUT_BUDGET);
        let mut input = b"GET /widget HTTP/1.1\r\nAuthorization: Bearer s3cret\r\n\r\n".to_vec();
        let mut output = Output::default();
        struct Big;
        impl Api for Big {
            fn health(&self) -> (u16, String) {
                (200, String::new())
            }
            fn widget(&self) -> Body {
                Body::Text("w".repeat(4000))
            }
            fn metrics(&self) -> Body {
                Body::Text(String::new())
            }
            fn metrics_public(&self) -> bool {
                false
            }
            fn token(&self) -> &str {
                "s3cret"
            }
        }
        let twice = [input.clone(), input.clone()].concat();
        answer(&mut input, &mut output, false, &Big, &mut room);
        let text = String::from_utf8(output.to_vec()).unwrap();
        assert!(text.starts_with("HTTP/1.1 503"), "{text}");
        let (mut input, mut output) = (twice, Output::default());
        room.refresh(crate::http::budget::OUTPUT_BUDGET);
        answer(&mut input, &mut output, false, &Big, &mut room);
        assert!(!input.is_empty(), "the second waits for the first to drain");
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
}
