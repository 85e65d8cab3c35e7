//! A tiny threaded HTTP/1.1 server for the fakes, on 127.0.0.1 (or [::1]), plain or TLS. One
//! request per connection.

use rustls::{ServerConfig, ServerConnection, StreamOwned};
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Req {
    pub method: String,
    /// The path without the query string.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Req {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the handler wants sent back.
pub enum Reply {
    Normal {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// Accept the request, then say nothing until the client gives up.
    Hang,
    /// Promise a body and send only half of it.
    Truncate { status: u16, body: String },
    /// Close the connection without a word.
    Reset,
}

impl Reply {
    pub fn json(status: u16, body: String) -> Reply {
        Reply::Normal {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body,
        }
    }
    pub fn text(status: u16, body: &str) -> Reply {
        Reply::Normal {
            status,
            headers: vec![("Content-Type".into(), "text/plain".into())],
            body: body.to_string(),
        }
    }
}

pub type Handler = Arc<dyn Fn(&Req) -> Reply + Send + Sync>;

pub struct Server {
    pub port: u16,
    pub ip: IpAddr,
    tls: bool,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    pub fn start(port: u16, handler: Handler) -> Server {
        Self::start_at(Ipv4Addr::LOCALHOST.into(), port, handler, None)
    }

    /// On `ip` (127.0.0.1 or ::1) alone, speaking TLS with `tls` when given.
    pub fn start_at(
        ip: IpAddr,
        port: u16,
        handler: Handler,
        tls: Option<Arc<ServerConfig>>,
    ) -> Server {
        let listener = bind(ip, port);
        let port = listener.local_addr().unwrap().port();
        let is_tls = tls.is_some();
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let handler = handler.clone();
                let stop3 = stop2.clone();
                let tls = tls.clone();
                std::thread::spawn(move || serve(conn, handler, stop3, tls));
            }
        });
        Server {
            port,
            ip,
            tls: is_tls,
            stop,
            thread: Some(thread),
        }
    }

    /// `http(s)://127.0.0.1:port` or `http(s)://[::1]:port`.
    pub fn base(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        match self.ip {
            IpAddr::V4(ip) => format!("{scheme}://{ip}:{}", self.port),
            IpAddr::V6(ip) => format!("{scheme}://[{ip}]:{}", self.port),
        }
    }
}

fn bind(ip: IpAddr, port: u16) -> TcpListener {
    // A fixed port (Prism's upstream) may still be held by the previous test's listener.
    for _ in 0..100 {
        if let Ok(l) = TcpListener::bind((ip, port)) {
            return l;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("cannot bind {ip} port {port}");
}

/// Binds `ip` on the port another listener holds on another address, if free there too.
pub fn try_bind(ip: IpAddr, port: u16) -> bool {
    TcpListener::bind((ip, port)).is_ok()
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect((self.ip, self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(conn: TcpStream, handler: Handler, stop: Arc<AtomicBool>, tls: Option<Arc<ServerConfig>>) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(30)));
    let Ok(raw) = conn.try_clone() else { return };
    match tls {
        None => respond(conn, &raw, handler, stop),
        Some(config) => {
            let Ok(session) = ServerConnection::new(config) else {
                return;
            };
            // A client that refuses the certificate ends here, in the handshake.
            respond(StreamOwned::new(session, conn), &raw, handler, stop);
        }
    }
}

fn respond(mut conn: impl Read + Write, raw: &TcpStream, handler: Handler, stop: Arc<AtomicBool>) {
    let Some(req) = read_request(&mut conn) else {
        return;
    };
    match handler(&req) {
        Reply::Normal {
            status,
            headers,
            body,
        } => {
            let mut head = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (k, v) in headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            let _ = conn.write_all(head.as_bytes());
            let _ = conn.write_all(body.as_bytes());
        }
        Reply::Hang => {
            // Hold the connection open until the client closes it or the fake stops.
            let mut buf = [0u8; 64];
            let _ = raw.set_read_timeout(Some(Duration::from_millis(100)));
            while !stop.load(Ordering::SeqCst) {
                match conn.read(&mut buf) {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e)
                        if e.kind() == std::io::ErrorKind::WouldBlock
                            || e.kind() == std::io::ErrorKind::TimedOut => {}
                    Err(_) => break,
                }
            }
        }
        Reply::Truncate { status, body } => {
            let head = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = conn.write_all(head.as_bytes());
            let _ = conn.write_all(&body.as_bytes()[..body.len() / 2]);
        }
        Reply::Reset => {}
    }
    let _ = conn.flush();
}

fn read_request(conn: &mut impl Read) -> Option<Req> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let (head_len, method, target, headers) = loop {
        let n = conn.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        let mut slots = [httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Request::new(&mut slots);
        if let httparse::Status::Complete(len) = parsed.parse(&buf).ok()? {
            let headers: Vec<(String, String)> = parsed
                .headers
                .iter()
                .map(|h| {
                    (
                        h.name.to_string(),
                        String::from_utf8_lossy(h.value).to_string(),
                    )
                })
                .collect();
            break (
                len,
                parsed.method?.to_string(),
                parsed.path?.to_string(),
                headers,
            );
        }
    };
    let body_len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < head_len + body_len {
        let n = conn.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), parse_query(q)),
        None => (target, Vec::new()),
    };
    Some(Req {
        method,
        path,
        query,
        headers,
        body: String::from_utf8_lossy(&buf[head_len..head_len + body_len]).to_string(),
    })
}

fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 3 <= bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).to_string()
}
