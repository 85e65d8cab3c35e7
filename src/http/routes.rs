//! The status API's routes: which paths exist, which need the token, and what they answer,
//! from the `Api` the service provides. Pure, so every answer is tested without sockets.

use super::codec::{encode, error, frame, json, Frame, Reply};

/// A client that pipelines without reading its answers is not read further.
pub const MAX_OUTPUT: usize = 64 * 1024;

/// What the routes answer with; the event loop provides it from the status state.
pub trait Api {
    fn health(&self) -> (u16, String);
    fn widget(&self) -> String;
    fn metrics(&self) -> String;
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

/// Answers every complete request at the front of `input`, in order (pipelining), appending
/// the responses to `output`. Returns true when the connection must close once `output` is
/// sent. `peer_done` says the client sent its last byte. Pure: the fuzz target drives it.
pub fn answer(input: &mut Vec<u8>, output: &mut Vec<u8>, peer_done: bool, api: &dyn Api) -> bool {
    while !input.is_empty() && output.len() < MAX_OUTPUT {
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
                let reply = route(head.method, head.path, head.authorization, api);
                encode(&reply, head.method == "HEAD", !head.keep_alive, output);
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
}
