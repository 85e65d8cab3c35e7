//! A local HTTP proxy that records what passes through it: each tunnel's (CONNECT) or plain
//! request's (absolute URL) target and its Proxy-Authorization header, then bytes both ways
//! until either side closes.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug)]
pub struct Tunnel {
    pub target: String,
    pub authorization: Option<String>,
    /// CONNECT, or a plain request forwarded (`GET http://host/path`).
    pub connect: bool,
}

pub struct Proxy {
    pub port: u16,
    seen: Arc<Mutex<Vec<Tunnel>>>,
}

impl Proxy {
    /// `require`: the Proxy-Authorization value to insist on (407 otherwise).
    pub fn start(require: Option<&str>) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (seen2, require) = (seen.clone(), require.map(String::from));
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let (seen, require) = (seen2.clone(), require.clone());
                std::thread::spawn(move || tunnel(conn, &seen, require.as_deref()));
            }
        });
        Proxy { port, seen }
    }

    pub fn url(&self, credentials: &str) -> String {
        format!("http://{credentials}127.0.0.1:{}", self.port)
    }

    pub fn tunnels(&self) -> Vec<Tunnel> {
        self.seen.lock().unwrap().clone()
    }
}

fn tunnel(mut client: TcpStream, seen: &Mutex<Vec<Tunnel>>, require: Option<&str>) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 8192 {
        match client.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let text = String::from_utf8_lossy(&head).to_string();
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("").to_string();
    let (target, forward) = match first.split_whitespace().collect::<Vec<_>>()[..] {
        ["CONNECT", target, _] => (target.to_string(), None),
        [method, url, version] if url.starts_with("http://") => {
            let rest = &url["http://".len()..];
            let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            let path = if path.is_empty() { "/" } else { path };
            let head = text.replacen(&first, &format!("{method} {path} {version}"), 1);
            (authority.to_string(), Some(head))
        }
        _ => return,
    };
    let authorization = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("proxy-authorization"))
        .map(|(_, v)| v.trim().to_string());
    seen.lock().unwrap().push(Tunnel {
        target: target.clone(),
        authorization: authorization.clone(),
        connect: forward.is_none(),
    });
    if require.is_some() && authorization.as_deref() != require {
        let _ = client
            .write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n");
        return;
    }
    let Ok(upstream) = TcpStream::connect(&target) else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
        return;
    };
    let mut upstream = upstream;
    match &forward {
        None => {
            let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
        }
        Some(head) => {
            let _ = upstream.write_all(head.as_bytes());
        }
    }
    let (mut c2, mut u2) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
    let (mut client, mut upstream) = (client, upstream);
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut u2, &mut c2);
        let _ = c2.shutdown(std::net::Shutdown::Write);
    });
    let _ = std::io::copy(&mut client, &mut upstream);
    let _ = upstream.shutdown(std::net::Shutdown::Write);
}
