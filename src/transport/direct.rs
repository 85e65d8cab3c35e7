//! The direct client, for the calls minreq cannot make: HTTPS with roots other than the
//! built-in ones (SSL_CERT_FILE / SSL_CERT_DIR), a connection to one address family only
//! (Cloudflare's IPv6 trace on a dual-stack host, `url.via6:`), and URLs whose host is an IPv6
//! literal. Same contract as minreq's path: one deadline over resolution, connect, proxy
//! tunnel, TLS and the whole answer; budgets on the head and body; errors without URLs.

use super::answer::{self, io_error};
use super::proxy::ProxyUrl;
use super::target::{self, Target};
use super::{dial, trust, Request, Response, TransportError, USER_AGENT};
use rustls::pki_types::ServerName;
use rustls::{ClientConnection, StreamOwned};
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// One request, one connection (through `proxy`, if one serves the URL), no redirects (the
/// caller follows them). Out of line and cold: most processes never call it, so it should
/// not grow the hot `Http::send`.
#[cold]
#[inline(never)]
pub fn send_once(
    request: &Request,
    proxy: Option<&ProxyUrl>,
    roots: &trust::Roots,
) -> Result<Response, TransportError> {
    let until = Instant::now() + Duration::from_secs(request.timeout_secs);
    let target = target::parse(request.url.as_str())?;
    let tcp = match proxy {
        // The proxy dials the host, so the family is its choice.
        Some(p) => {
            let (host, port) = p.host_port();
            dial::connect(&dial::resolve(&host, port, super::Dial::Any, until)?, until)?
        }
        None => {
            let addrs = dial::resolve(target.host, target.port, request.dial, until)?;
            dial::connect(&addrs, until)?
        }
    };
    let mut conn = Conn {
        until,
        stream: Stream::Plain(tcp),
    };
    let absolute;
    let (path, proxy_auth) = if target.tls {
        if let Some(p) = proxy {
            tunnel(&mut conn, p, &target)?;
        }
        conn = conn.secure(target.host, roots)?;
        (target.path, None)
    } else {
        // Through a proxy, plain HTTP asks for the absolute URL (RFC 9112 3.2.2).
        absolute = format!("http://{}{}", target.authority, target.path);
        match proxy {
            Some(p) => (absolute.as_str(), p.authorization()),
            None => (target.path, None),
        }
    };
    let bytes = request_bytes(request, &target, path, proxy_auth.as_deref())?;
    conn.write_all(&bytes)
        .and_then(|_| conn.flush())
        .map_err(io_error)?;
    let (head, rest) = answer::read_head(&mut conn)?;
    if head.status == 407 && proxy.is_some() && !target.tls {
        // The proxy's answer, not the host's (a tunnelled call never sees one).
        return Err(TransportError::Connect(
            "the proxy refused its credentials (HTTP 407)".into(),
        ));
    }
    let body = answer::read_body(&head, rest, &mut conn, request.max_body)?;
    Ok(Response {
        status: head.status,
        headers: head.headers,
        body,
    })
}

/// The request as bytes. A header value with a line break would let a value end the head
/// and start another request, so it is refused (none of ours has one; this keeps it so).
fn request_bytes(
    request: &Request,
    target: &Target,
    path: &str,
    proxy_auth: Option<&str>,
) -> Result<Vec<u8>, TransportError> {
    let mut head = format!(
        "{} {path} HTTP/1.1\r\nHost: {}\r\nUser-Agent: {USER_AGENT}\r\nAccept: */*\r\nConnection: close\r\n",
        request.method.name(),
        target.authority,
    );
    let mut headers: Vec<(&str, &str)> = request
        .headers
        .iter()
        .map(|(k, v)| (*k, v.as_str()))
        .collect();
    if let Some(auth) = proxy_auth {
        headers.push(("Proxy-Authorization", auth));
    }
    let length = request.body.as_ref().map(|b| b.len().to_string());
    if let Some(n) = &length {
        headers.push(("Content-Type", "application/json"));
        headers.push(("Content-Length", n));
    }
    for (k, v) in headers {
        if v.contains(['\r', '\n']) || k.contains(['\r', '\n', ':']) {
            return Err(TransportError::Connect(format!(
                "the {k} header holds a line break"
            )));
        }
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    if let Some(body) = &request.body {
        bytes.extend_from_slice(body.as_bytes());
    }
    Ok(bytes)
}

/// Asks an HTTP proxy for a tunnel to the target (CONNECT), as minreq does.
fn tunnel(conn: &mut Conn, proxy: &ProxyUrl, target: &Target) -> Result<(), TransportError> {
    let host_port = target.host_port();
    let mut ask = format!("CONNECT {host_port} HTTP/1.1\r\nHost: {host_port}\r\n");
    if let Some(auth) = proxy.authorization() {
        ask.push_str(&format!("Proxy-Authorization: {auth}\r\n"));
    }
    ask.push_str("\r\n");
    conn.write_all(ask.as_bytes()).map_err(io_error)?;
    let (head, rest) = answer::read_head(conn)?;
    match head.status {
        200..=299 if rest.is_empty() => Ok(()),
        200..=299 => Err(TransportError::Connect(
            "the proxy sent data before the tunnel opened".into(),
        )),
        401 | 407 => Err(TransportError::Connect(
            "the proxy refused its credentials (HTTP 401/407)".into(),
        )),
        n => Err(TransportError::Connect(format!(
            "the proxy did not open the tunnel (HTTP {n})"
        ))),
    }
}

/// The same stream types as minreq's, so the TLS code is not built twice; the deadline is
/// applied to the socket before each read and write instead of by a wrapper.
type Tls = StreamOwned<ClientConnection, TcpStream>;

enum Stream {
    Plain(TcpStream),
    Tls(Box<Tls>),
}

/// A connection whose every read and write ends by the request's deadline.
struct Conn {
    until: Instant,
    stream: Stream,
}

impl Conn {
    fn tcp(&self) -> &TcpStream {
        match &self.stream {
            Stream::Plain(tcp) => tcp,
            Stream::Tls(tls) => &tls.sock,
        }
    }

    /// The same connection over TLS, the handshake done here so that its failure (an unknown
    /// issuer, say) reads as one.
    fn secure(self, host: &str, roots: &trust::Roots) -> Result<Conn, TransportError> {
        let tls_error = |e: io::Error| match super::clock_behind(&e) {
            Some(clock) => clock,
            None => match io_error(e) {
                TransportError::Read(why) => TransportError::Connect(format!("TLS: {why}")),
                other => other,
            },
        };
        let Stream::Plain(tcp) = self.stream else {
            return Err(TransportError::Connect(
                "TLS twice on one connection".into(),
            ));
        };
        let config = roots.client_config().map_err(TransportError::Connect)?;
        let name = ServerName::try_from(host.to_string())
            .map_err(|_| TransportError::Connect("the host is not a valid TLS name".into()))?;
        let session = ClientConnection::new(config, name)
            .map_err(|e| TransportError::Connect(format!("TLS: {e}")))?;
        let mut tls = StreamOwned::new(session, tcp);
        while tls.conn.is_handshaking() {
            arm(&tls.sock, self.until).map_err(tls_error)?;
            tls.conn.complete_io(&mut tls.sock).map_err(tls_error)?;
        }
        Ok(Conn {
            until: self.until,
            stream: Stream::Tls(Box::new(tls)),
        })
    }
}

/// Sets the socket's timeouts to the time left before `until`.
fn arm(tcp: &TcpStream, until: Instant) -> io::Result<()> {
    let left =
        dial::left(until).map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "timed out"))?;
    tcp.set_read_timeout(Some(left))?;
    tcp.set_write_timeout(Some(left))
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        arm(self.tcp(), self.until)?;
        match &mut self.stream {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        arm(self.tcp(), self.until)?;
        match &mut self.stream {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        arm(self.tcp(), self.until)?;
        match &mut self.stream {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Dial, Method, Url};
    use super::*;

    fn request(body: Option<&str>, headers: Vec<(&'static str, String)>) -> Request {
        Request {
            method: Method::Post,
            url: Url::parse("http://[2001:db8::1]:8080/hook?k=1").unwrap(),
            headers,
            body: body.map(String::from),
            timeout_secs: 5,
            max_body: 100,
            redirects: 0,
            dial: Dial::Any,
        }
    }

    #[test]
    fn the_request_names_its_host_and_length() {
        let r = request(Some("{}"), vec![("Authorization", "Bearer t".into())]);
        let t = target::parse(r.url.as_str()).unwrap();
        let bytes = request_bytes(&r, &t, t.path, None).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(
            text.starts_with("POST /hook?k=1 HTTP/1.1\r\nHost: [2001:db8::1]:8080\r\n"),
            "{text}"
        );
        assert!(text.contains("Authorization: Bearer t\r\n"));
        assert!(text.ends_with("Content-Length: 2\r\n\r\n{}"), "{text}");
    }

    #[test]
    fn a_line_break_in_a_header_is_refused() {
        let r = request(None, vec![("X-Auth-Key", "k\r\nX-Evil: 1".into())]);
        let t = target::parse(r.url.as_str()).unwrap();
        let e = request_bytes(&r, &t, t.path, None).unwrap_err();
        assert!(e.to_string().contains("X-Auth-Key"), "{e}");
        assert!(!e.to_string().contains("Evil"));
    }
}
