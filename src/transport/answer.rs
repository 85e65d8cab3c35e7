//! Reading an HTTP/1.1 answer with budgets: a head of at most 16 KB and 64 headers, a body of
//! at most the request's `max_body`, framed by `Content-Length`, `chunked`, or the close.
//! Generic over `Read` so the unit tests feed it bytes.

use super::TransportError;
use std::io::{BufRead, BufReader, Cursor, ErrorKind, Read};

pub const MAX_HEAD: usize = 16 * 1024;
const MAX_HEADERS: usize = 64;
/// A chunk-size line or a trailer line longer than this is not HTTP.
const MAX_LINE: u64 = 1024;

#[derive(Debug)]
pub struct Head {
    pub status: u16,
    pub headers: Vec<(String, String)>,
}

impl Head {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Reads up to the end of a head; returns it and the bytes read past it.
pub fn read_head(r: &mut dyn Read) -> Result<(Head, Vec<u8>), TransportError> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let n = r.read(&mut chunk).map_err(io_error)?;
        if n == 0 {
            return Err(TransportError::NoAnswer);
        }
        buf.extend_from_slice(&chunk[..n]);
        let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut parsed = httparse::Response::new(&mut slots);
        let status = parsed
            .parse(&buf)
            .map_err(|e| TransportError::Connect(format!("a malformed answer head ({e})")))?;
        if let httparse::Status::Complete(len) = status {
            let head = Head {
                status: parsed.code.unwrap_or(0),
                headers: parsed
                    .headers
                    .iter()
                    .map(|h| {
                        let value = String::from_utf8_lossy(h.value).into_owned();
                        (h.name.to_string(), value)
                    })
                    .collect(),
            };
            return Ok((head, buf.split_off(len)));
        }
        if buf.len() > MAX_HEAD {
            return Err(TransportError::Connect(format!(
                "the answer head is larger than {MAX_HEAD} bytes"
            )));
        }
    }
}

/// Reads the body the head announces, given the bytes already read past the head.
pub fn read_body(
    head: &Head,
    leftover: Vec<u8>,
    r: &mut dyn Read,
    max_body: usize,
) -> Result<Vec<u8>, TransportError> {
    let mut src = BufReader::with_capacity(4096, Cursor::new(leftover).chain(r));
    if matches!(head.status, 100..=199 | 204 | 304) {
        return Ok(Vec::new());
    }
    let chunked = head
        .header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().trim_end().ends_with("chunked"));
    if chunked {
        return read_chunked(&mut src, max_body);
    }
    match head.header("content-length") {
        Some(v) => {
            let n: usize = v
                .trim()
                .parse()
                .map_err(|_| TransportError::Connect("a malformed Content-Length".into()))?;
            if n > max_body {
                return Err(TransportError::TooLarge(max_body));
            }
            let body = read_up_to(&mut src, n as u64, false)?;
            if body.len() < n {
                return Err(TransportError::CutShort);
            }
            Ok(body)
        }
        None => {
            let body = read_up_to(&mut src, max_body as u64 + 1, true)?;
            if body.len() > max_body {
                return Err(TransportError::TooLarge(max_body));
            }
            Ok(body)
        }
    }
}

fn read_chunked(src: &mut impl BufRead, max_body: usize) -> Result<Vec<u8>, TransportError> {
    let mut body = Vec::new();
    loop {
        let line = read_line(src)?;
        let size = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size, 16)
            .map_err(|_| TransportError::Connect("a malformed chunk size".into()))?;
        if size == 0 {
            // Trailers, up to the empty line that ends the message.
            for _ in 0..MAX_HEADERS {
                if read_line(src)?.is_empty() {
                    return Ok(body);
                }
            }
            return Err(TransportError::Connect("too many trailers".into()));
        }
        if size > max_body.saturating_sub(body.len()) {
            return Err(TransportError::TooLarge(max_body));
        }
        let chunk = read_up_to(src, size as u64, false)?;
        if chunk.len() < size {
            return Err(TransportError::CutShort);
        }
        body.extend_from_slice(&chunk);
        if !read_line(src)?.is_empty() {
            return Err(TransportError::Connect(
                "a chunk longer than its size".into(),
            ));
        }
    }
}

/// One CRLF- (or LF-) ended line, without its end; the stream ending first is a cut.
fn read_line(src: &mut impl BufRead) -> Result<String, TransportError> {
    let mut line = Vec::new();
    src.take(MAX_LINE)
        .read_until(b'\n', &mut line)
        .map_err(io_error)?;
    if line.last() != Some(&b'\n') {
        return Err(if line.len() as u64 >= MAX_LINE {
            TransportError::Connect("a chunk line is too long".into())
        } else {
            TransportError::CutShort
        });
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(String::from_utf8_lossy(&line).into_owned())
}

/// Up to `n` bytes. When the close ends the body, a TLS peer that closes without
/// `close_notify` has ended it too (the length was never promised).
fn read_up_to(src: &mut impl Read, n: u64, close_ends: bool) -> Result<Vec<u8>, TransportError> {
    let mut out = Vec::new();
    match src.take(n).read_to_end(&mut out) {
        Ok(_) => Ok(out),
        Err(e) if e.kind() == ErrorKind::UnexpectedEof && close_ends => Ok(out),
        Err(e) if e.kind() == ErrorKind::UnexpectedEof => Err(TransportError::CutShort),
        Err(e) => Err(io_error(e)),
    }
}

/// Time-outs as `TimedOut`; TLS and socket errors with their reason (never a URL).
pub fn io_error(e: std::io::Error) -> TransportError {
    match e.kind() {
        ErrorKind::TimedOut | ErrorKind::WouldBlock => TransportError::TimedOut,
        ErrorKind::UnexpectedEof => TransportError::CutShort,
        _ => TransportError::Read(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(bytes: &[u8], max: usize) -> Result<(u16, Vec<u8>), TransportError> {
        let mut r = bytes;
        let (head, rest) = read_head(&mut r)?;
        let body = read_body(&head, rest, &mut r, max)?;
        Ok((head.status, body))
    }

    #[test]
    fn each_framing_reads_the_body() {
        let cl = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
        assert_eq!(answer(cl, 100).unwrap(), (200, b"hello".to_vec()));
        let ch = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=1\r\nhello\r\n1\r\n!\r\n0\r\nT: v\r\n\r\n";
        assert_eq!(answer(ch, 100).unwrap().1, b"hello!");
        let close = b"HTTP/1.0 200 OK\r\n\r\nbye";
        assert_eq!(answer(close, 100).unwrap().1, b"bye");
        let empty = b"HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n";
        assert_eq!(answer(empty, 100).unwrap().1, b"");
    }

    #[test]
    fn budgets_and_cuts_are_errors() {
        let e = |b: &[u8], max| answer(b, max).unwrap_err();
        assert_eq!(e(b"", 10), TransportError::NoAnswer);
        assert_eq!(
            e(b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n", 10),
            TransportError::TooLarge(10)
        );
        assert_eq!(
            e(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhi", 10),
            TransportError::CutShort
        );
        assert_eq!(
            e(b"HTTP/1.1 200 OK\r\n\r\n0123456789ab", 10),
            TransportError::TooLarge(10)
        );
        let big_chunk = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFF\r\n";
        assert_eq!(e(big_chunk, 10), TransportError::TooLarge(10));
        let cut = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel";
        assert_eq!(e(cut, 10), TransportError::CutShort);
        let no_end = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n";
        assert_eq!(e(no_end, 10), TransportError::CutShort);
        let bad = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n";
        assert!(matches!(e(bad, 10), TransportError::Connect(_)));
        assert!(matches!(
            e(b"SSH-2.0-x\r\n\r\n", 10),
            TransportError::Connect(_)
        ));
        let mut huge = b"HTTP/1.1 200 OK\r\nX-A: ".to_vec();
        huge.extend(std::iter::repeat_n(b'b', MAX_HEAD));
        let too_big = e(&huge, 10).to_string();
        assert!(too_big.contains("larger than 16384"), "{too_big}");
    }
}
