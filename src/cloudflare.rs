//! The Cloudflare API v4 client: zones, DNS records, batch writes, and errors with a fix.

use crate::config::{self, Auth};
use crate::dns::{Listed, NewRecord, Patch, Record, Unreadable, Zone};
use crate::transport::{percent_encode as encode, Method, Request, Transport, TransportError};
use miniserde::json::{Number, Object, Value};
use miniserde::Deserialize;
use std::fmt;

/// A page of 5,000 records is about 3 MB; anything far larger is not a Cloudflare answer.
const MAX_BODY: usize = 8 * 1024 * 1024;
/// The largest pages the API allows (the schema: 50 zones; DNS records up to 5,000,000, of
/// which 5,000 keeps a page's body within a few MB).
pub const ZONES_PER_PAGE: u32 = 50;
pub const RECORDS_PER_PAGE: u32 = 5000;
/// A listing that claims more pages than this fails instead of running on: whatever an
/// answer says, a pass sends a bounded number of requests per zone.
pub const MAX_PAGES: u32 = 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CfError {
    /// Cloudflare answered and said no.
    Api {
        status: u16,
        errors: Vec<(i64, String)>,
    },
    Throttled {
        retry_after: Option<u64>,
    },
    /// The API answered with a redirect, which is never followed: credentials stay with the
    /// configured host.
    Redirected {
        status: u16,
        host: String,
    },
    /// No answer came: the pass should not expect another call to fare better.
    Transport(TransportError),
    Malformed(String),
    /// An answer that is not Cloudflare's JSON at all (a proxy's HTML page, a 405).
    NotJson {
        status: u16,
        len: usize,
    },
}

impl CfError {
    fn has_code(&self, wanted: &[i64]) -> bool {
        matches!(self, CfError::Api { errors, .. } if errors.iter().any(|(c, _)| wanted.contains(c)))
    }

    /// 81057 / 81058: the record we tried to create is already there.
    pub fn is_already_exists(&self) -> bool {
        self.has_code(&[81057, 81058])
    }

    pub fn is_auth(&self) -> bool {
        self.has_code(&[9109, 10000, 10001, 6003, 6111, 9106, 1000])
            || matches!(self, CfError::Api { status: 401 | 403, errors } if errors.is_empty())
    }

    /// The call was not made because a stop was asked for.
    pub fn is_shutdown(&self) -> bool {
        matches!(self, CfError::Transport(TransportError::ShuttingDown))
    }

    /// The zone or record id we hold is stale.
    pub fn is_stale_id(&self) -> bool {
        self.has_code(&[7000, 7003, 81044])
    }

    fn hint(&self) -> Option<&'static str> {
        if self.is_auth() {
            Some("check CLOUDFLARE_API_TOKEN (or CLOUDFLARE_API_KEY and CLOUDFLARE_API_EMAIL): it is wrong, expired, or lacks Zone:Read and DNS:Edit for this zone")
        } else if self.is_stale_id() {
            Some("the zone or record is gone or moved; it will be looked up again")
        } else if self.is_already_exists() {
            Some("the record already exists; it will be read again")
        } else {
            None
        }
    }
}

impl fmt::Display for CfError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            CfError::Api { status, errors } => {
                write!(f, "Cloudflare refused the request (HTTP {status}")?;
                for (code, message) in errors {
                    write!(f, "; {code}: {message}")?;
                }
                f.write_str(")")?;
                if let Some(hint) = self.hint() {
                    write!(f, ": {hint}")?;
                }
                Ok(())
            }
            CfError::Throttled { retry_after } => {
                f.write_str("Cloudflare is throttling requests (429/971)")?;
                match retry_after {
                    Some(s) => write!(f, "; retry after {s} s"),
                    None => Ok(()),
                }
            }
            CfError::Redirected { status, host } => write!(
                f,
                "Cloudflare's API answered HTTP {status} pointing to {host:?}; API calls never follow redirects, so credentials stay with CLOUDFLARE_API_URL's host (check that URL)"
            ),
            CfError::Transport(why) => write!(f, "cannot reach Cloudflare: {why}"),
            CfError::Malformed(why) => write!(f, "unexpected answer from Cloudflare: {why}"),
            CfError::NotJson { status, len } => write!(
                f,
                "unexpected answer from Cloudflare: HTTP {status} with a body that is not the expected JSON ({len} bytes)"
            ),
        }
    }
}

#[derive(Deserialize)]
struct Message {
    code: Option<i64>,
    message: Option<String>,
}

#[derive(Deserialize)]
struct ResultInfo {
    total_pages: Option<f64>,
    per_page: Option<f64>,
}

#[derive(Deserialize)]
struct Envelope<T> {
    /// Missing in some answers (a DELETE's `{"result":{"id":…}}`): a 2xx without errors is
    /// then a success.
    success: Option<bool>,
    errors: Option<Vec<Message>>,
    result: Option<T>,
    result_info: Option<ResultInfo>,
}

/// What a failed call's body holds, whatever shape its `result` has.
#[derive(Deserialize)]
struct ErrorEnvelope {
    errors: Option<Vec<Message>>,
}

#[derive(Deserialize)]
struct BatchResult {
    patches: Option<Vec<Record>>,
    posts: Option<Vec<Record>>,
}

pub struct Page<T> {
    pub items: Vec<T>,
    pub total_pages: u32,
    /// Whether a further page may hold more: not past the last page, and this one full.
    pub more: bool,
}

pub struct Client<'a> {
    base: &'a str,
    auth: &'a Auth,
    timeout_secs: u64,
    transport: &'a mut dyn Transport,
    /// Requests sent, for the pass summary.
    pub calls: u32,
    /// Each request's method and HTTP status (0: no answer), for the metrics.
    pub log: Vec<(Method, u16)>,
}

impl<'a> Client<'a> {
    pub fn new(cfg: &'a config::Cloudflare, transport: &'a mut dyn Transport) -> Client<'a> {
        Client {
            base: &cfg.api_url,
            auth: &cfg.auth,
            timeout_secs: cfg.timeout,
            transport,
            calls: 0,
            log: Vec::new(),
        }
    }

    pub fn zones_page(&mut self, name: Option<&str>, page: u32) -> Result<Page<Zone>, CfError> {
        let mut path = format!("/zones?per_page={ZONES_PER_PAGE}&page={page}");
        if let Some(name) = name {
            path.push_str(&format!("&name={}", encode(name)));
        }
        self.list(&path, page, ZONES_PER_PAGE)
    }

    /// The items of `first` and of the pages after it, each further page taken from `budget`
    /// (pages a caller may still request); an empty budget fails the listing.
    pub fn rest<T>(
        &mut self,
        first: Page<T>,
        budget: &mut u32,
        mut next: impl FnMut(&mut Self, u32) -> Result<Page<T>, CfError>,
    ) -> Result<Vec<T>, CfError> {
        let (mut all, mut more, mut page) = (first.items, first.more, 1);
        while more {
            page += 1;
            *budget = budget.checked_sub(1).ok_or_else(over_budget)?;
            let p = next(self, page)?;
            more = p.more;
            all.extend(p.items);
        }
        Ok(all)
    }

    pub fn records_page(
        &mut self,
        zone_id: &str,
        name: Option<&str>,
        page: u32,
    ) -> Result<Page<Listed>, CfError> {
        let mut path = format!(
            "/zones/{}/dns_records?per_page={RECORDS_PER_PAGE}&page={page}",
            encode(zone_id)
        );
        if let Some(name) = name {
            path.push_str(&format!("&name={}", encode(name)));
        }
        let page = self.list::<Value>(&path, page, RECORDS_PER_PAGE)?;
        Ok(Page {
            items: page.items.iter().filter_map(listed).collect(),
            total_pages: page.total_pages,
            more: page.more,
        })
    }

    pub fn patch(&mut self, zone_id: &str, change: &Patch) -> Result<Record, CfError> {
        let path = format!(
            "/zones/{}/dns_records/{}",
            encode(zone_id),
            encode(&change.id)
        );
        let body = miniserde::json::to_string(&patch_body(change, false));
        self.call::<Record>(Method::Patch, &path, Some(body))
            .and_then(|e| required(e.result))
    }

    pub fn create(&mut self, zone_id: &str, record: &NewRecord) -> Result<Record, CfError> {
        let path = format!("/zones/{}/dns_records", encode(zone_id));
        let body = miniserde::json::to_string(&post_body(record));
        self.call::<Record>(Method::Post, &path, Some(body))
            .and_then(|e| required(e.result))
    }

    pub fn delete(&mut self, zone_id: &str, record_id: &str) -> Result<(), CfError> {
        let path = format!(
            "/zones/{}/dns_records/{}",
            encode(zone_id),
            encode(record_id)
        );
        self.call::<Value>(Method::Delete, &path, None).map(|_| ())
    }

    /// One transaction for all of a zone's changes; returns the patched and created records.
    pub fn batch(
        &mut self,
        zone_id: &str,
        deletes: &[String],
        patches: &[Patch],
        posts: &[NewRecord],
    ) -> Result<(Vec<Record>, Vec<Record>), CfError> {
        let path = format!("/zones/{}/dns_records/batch", encode(zone_id));
        let mut body = Object::new();
        if !deletes.is_empty() {
            let items = deletes
                .iter()
                .map(|id| {
                    let mut o = Object::new();
                    o.insert("id".to_string(), Value::String(id.clone()));
                    Value::Object(o)
                })
                .collect();
            body.insert("deletes".to_string(), Value::Array(items));
        }
        if !patches.is_empty() {
            let items = patches.iter().map(|p| patch_body(p, true)).collect();
            body.insert("patches".to_string(), Value::Array(items));
        }
        if !posts.is_empty() {
            let items = posts.iter().map(post_body).collect();
            body.insert("posts".to_string(), Value::Array(items));
        }
        let body = miniserde::json::to_string(&Value::Object(body));
        let result = required(
            self.call::<BatchResult>(Method::Post, &path, Some(body))?
                .result,
        )?;
        Ok((
            result.patches.unwrap_or_default(),
            result.posts.unwrap_or_default(),
        ))
    }

    fn list<T: Deserialize>(
        &mut self,
        path: &str,
        page: u32,
        per_page: u32,
    ) -> Result<Page<T>, CfError> {
        into_page(
            self.call::<Vec<T>>(Method::Get, path, None)?,
            page,
            per_page,
        )
    }

    fn call<T: Deserialize>(
        &mut self,
        method: Method,
        path: &str,
        body: Option<String>,
    ) -> Result<Envelope<T>, CfError> {
        self.calls += 1;
        crate::debug!("Cloudflare {method:?} {path}");
        let response = self.transport.send(Request {
            method,
            url: format!("{}{}", self.base, path),
            headers: auth_headers(self.auth),
            body,
            timeout_secs: self.timeout_secs,
            max_body: MAX_BODY,
            redirects: 0,
        });
        self.log
            .push((method, response.as_ref().map_or(0, |r| r.status)));
        let response = response.map_err(CfError::Transport)?;
        if (300..400).contains(&response.status) {
            let to = response.header("location").unwrap_or("");
            return Err(CfError::Redirected {
                status: response.status,
                host: crate::transport::host_of(to).chars().take(100).collect(),
            });
        }
        let text = String::from_utf8_lossy(&response.body);
        let retry_after = response.header("retry-after").and_then(parse_retry_after);
        interpret(response.status, &text, retry_after)
    }
}

/// `Retry-After` in seconds (an HTTP date is not used by the API: ignored); digits beyond
/// what u64 holds saturate, and the caller bounds the wait anyway.
pub fn parse_retry_after(v: &str) -> Option<u64> {
    let v = v.trim();
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(v.parse::<u64>().unwrap_or(u64::MAX))
}

/// What a listing that would need more than `MAX_PAGES` requests comes to.
pub fn over_budget() -> CfError {
    CfError::Malformed(format!(
        "listing this zone would take more than {MAX_PAGES} full pages; dyncfdns reads no further (is the API answering as Cloudflare does?)"
    ))
}

/// One record of a listing, read field by field so that one odd record (a `ttl` of `300.0`, a
/// missing `content`) costs only its own host; `None` when it has no name and type at all
/// (then it cannot be one we manage).
pub fn listed(v: &Value) -> Option<Listed> {
    let Value::Object(o) = v else { return None };
    let text = |k: &str| match o.get(k) {
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    };
    let (name, rtype) = (text("name")?, text("type")?);
    let bad = |why: String| {
        Some(Err(Unreadable {
            name: name.clone(),
            rtype: rtype.clone(),
            why,
        }))
    };
    let ttl = match o.get("ttl") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => match whole(n) {
            Some(t) => Some(t),
            None => return bad("ttl is not a whole number of seconds".to_string()),
        },
        Some(_) => return bad("ttl is not a number".to_string()),
    };
    let proxied = match o.get("proxied") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => return bad("proxied is not true or false".to_string()),
    };
    let (Some(id), Some(content)) = (text("id"), text("content")) else {
        return bad("id or content is missing".to_string());
    };
    Some(Ok(Record {
        id,
        name,
        rtype,
        content,
        ttl,
        proxied,
        created_on: text("created_on"),
    }))
}

/// A JSON number that is a whole u32 (`300` or `300.0`).
fn whole(n: &Number) -> Option<u32> {
    match *n {
        Number::U64(u) => u32::try_from(u).ok(),
        Number::I64(i) => u32::try_from(i).ok(),
        Number::F64(f) if f.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&f) => {
            Some(f as u32)
        }
        Number::F64(_) => None,
    }
}

/// Page `page` of a listing asked with `per_page`. Paging goes on only while pages come full
/// (by the page size the answer states, else the one asked for), so a count that lies costs
/// nothing; the numbers are clamped, never trusted for arithmetic.
fn into_page<T>(envelope: Envelope<Vec<T>>, page: u32, per_page: u32) -> Result<Page<T>, CfError> {
    let clamp = |n: f64| n.clamp(1.0, f64::from(u32::MAX)) as u32;
    let info = envelope.result_info;
    let total_pages = info.as_ref().and_then(|i| i.total_pages).map_or(1, clamp);
    let size = info
        .as_ref()
        .and_then(|i| i.per_page)
        .map_or(per_page, clamp);
    let items = required(envelope.result)?;
    let more = page < total_pages && !items.is_empty() && items.len() >= size as usize;
    Ok(Page {
        items,
        total_pages,
        more,
    })
}

/// A list answer (zones or records) as a page; pure, for the fuzz target.
pub fn decode_page<T: Deserialize>(status: u16, body: &str) -> Result<Page<T>, CfError> {
    into_page(interpret(status, body, None)?, 1, RECORDS_PER_PAGE)
}

/// A single-record answer (create, patch); pure, for the fuzz target.
pub fn decode_record(status: u16, body: &str) -> Result<Record, CfError> {
    required(interpret::<Record>(status, body, None)?.result)
}

/// Turns a status and body into the envelope or an error; pure, so it is tested directly.
fn interpret<T: Deserialize>(
    status: u16,
    body: &str,
    retry_after: Option<u64>,
) -> Result<Envelope<T>, CfError> {
    let parsed = miniserde::json::from_str::<Envelope<T>>(body);
    let errors = match &parsed {
        Ok(e) => messages(e.errors.as_deref()),
        Err(_) => miniserde::json::from_str::<ErrorEnvelope>(body)
            .map(|e| messages(e.errors.as_deref()))
            .unwrap_or_default(),
    };
    if status == 429 || errors.iter().any(|(c, _)| *c == 971) {
        return Err(CfError::Throttled { retry_after });
    }
    match parsed {
        Ok(envelope)
            if envelope.success.unwrap_or(errors.is_empty()) && (200..300).contains(&status) =>
        {
            Ok(envelope)
        }
        Ok(_) => Err(CfError::Api { status, errors }),
        Err(_) if !errors.is_empty() => Err(CfError::Api { status, errors }),
        Err(_) => Err(CfError::NotJson {
            status,
            len: body.len(),
        }),
    }
}

fn messages(list: Option<&[Message]>) -> Vec<(i64, String)> {
    list.unwrap_or_default()
        .iter()
        .map(|m| {
            let text: String = m
                .message
                .as_deref()
                .unwrap_or("")
                .chars()
                .take(200)
                .collect();
            (m.code.unwrap_or(0), text)
        })
        .collect()
}

fn required<T>(result: Option<T>) -> Result<T, CfError> {
    result.ok_or_else(|| CfError::Malformed("a successful answer without a result".to_string()))
}

fn auth_headers(auth: &Auth) -> Vec<(&'static str, String)> {
    match auth {
        Auth::Token(token) => vec![("Authorization", format!("Bearer {}", token.expose()))],
        Auth::Key { key, email } => vec![
            ("X-Auth-Email", email.clone()),
            ("X-Auth-Key", key.expose().to_string()),
        ],
    }
}

fn record_fields(name: &str, rtype: &str, content: &str, ttl: u32, proxied: bool) -> Object {
    let mut o = Object::new();
    o.insert("name".to_string(), Value::String(name.to_string()));
    o.insert("type".to_string(), Value::String(rtype.to_string()));
    o.insert("content".to_string(), Value::String(content.to_string()));
    o.insert(
        "ttl".to_string(),
        Value::Number(Number::U64(u64::from(ttl))),
    );
    o.insert("proxied".to_string(), Value::Bool(proxied));
    o
}

fn patch_body(p: &Patch, with_id: bool) -> Value {
    let mut o = record_fields(&p.name, &p.rtype, &p.content, p.ttl, p.proxied);
    if with_id {
        o.insert("id".to_string(), Value::String(p.id.clone()));
    }
    Value::Object(o)
}

fn post_body(r: &NewRecord) -> Value {
    let mut o = record_fields(&r.name, &r.rtype, &r.content, r.ttl, r.proxied);
    if let Some(comment) = &r.comment {
        o.insert("comment".to_string(), Value::String(comment.clone()));
    }
    Value::Object(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_record_list() {
        let body = r#"{"success":true,"errors":[],"messages":[],"result":[{"id":"r1","name":"a.example.com","type":"A","content":"8.8.8.8","ttl":1,"proxied":false,"comment":null,"tags":[],"created_on":"2024-01-01T00:00:00Z","meta":{}}],"result_info":{"page":1,"per_page":100,"count":1,"total_count":1,"total_pages":3}}"#;
        let e: Envelope<Vec<Record>> = interpret(200, body, None).unwrap();
        let records = e.result.unwrap();
        assert_eq!(records[0].rtype, "A");
        assert_eq!(records[0].ttl, Some(1));
        assert_eq!(e.result_info.unwrap().total_pages, Some(3.0));
    }

    #[test]
    fn paging_goes_on_only_while_pages_come_full() {
        let page = |items: usize, total: &str, per: &str| {
            let recs: Vec<String> = (0..items)
                .map(|i| format!(r#"{{"id":"{i}","name":"a.example.com"}}"#))
                .collect();
            let body = format!(
                r#"{{"success":true,"result":[{}],"result_info":{{"total_pages":{total},"per_page":{per}}}}}"#,
                recs.join(",")
            );
            into_page(interpret::<Vec<Zone>>(200, &body, None).unwrap(), 1, 50).unwrap()
        };
        assert!(page(2, "2", "2").more);
        assert!(!page(1, "100", "5000").more, "a short page ends it");
        assert!(!page(0, "4000000000", "0").more, "an empty page ends it");
        assert!(!page(2, "1", "2").more);
        assert_eq!(page(1, "1e300", "-5").total_pages, u32::MAX);
    }

    #[test]
    fn each_record_is_read_on_its_own() {
        let page = r#"[{"id":"1","name":"a.example.com","type":"A","content":"8.8.8.8","ttl":300.0},
            {"id":"2","name":"b.example.com","type":"A","ttl":300},
            {"id":"3","name":"c.example.com","type":"TXT","content":"x","ttl":"soon"},
            {"weird":true}, 5]"#;
        let items: Vec<Value> = miniserde::json::from_str(page).unwrap();
        let got: Vec<Option<Listed>> = items.iter().map(listed).collect();
        assert_eq!(got[0].as_ref().unwrap().as_ref().unwrap().ttl, Some(300));
        let missing = got[1].as_ref().unwrap().as_ref().unwrap_err();
        assert_eq!(
            (missing.name.as_str(), missing.why.as_str()),
            ("b.example.com", "id or content is missing")
        );
        assert!(got[2].as_ref().unwrap().is_err());
        assert!(got[3].is_none() && got[4].is_none());
        assert_eq!(whole(&Number::F64(300.5)), None);
    }

    #[test]
    fn a_delete_answered_with_the_id_alone_succeeds() {
        let body = r#"{"result":{"id":"023e105f4ecef8ad9ca31a8372d0c353"}}"#;
        assert!(interpret::<Value>(200, body, None).is_ok());
        let refused = r#"{"result":null,"errors":[{"code":81044,"message":"gone"}]}"#;
        assert!(interpret::<Value>(200, refused, None).is_err());
    }

    #[test]
    fn maps_errors_with_hints() {
        let body = r#"{"success":false,"errors":[{"code":9109,"message":"Invalid access token"}],"messages":[],"result":null}"#;
        let err = interpret::<Vec<Zone>>(403, body, None).err().unwrap();
        assert!(err.is_auth());
        assert!(err.to_string().contains("Zone:Read and DNS:Edit"));
        let exists = r#"{"success":false,"errors":[{"code":81058,"message":"An identical record already exists."}],"result":null}"#;
        assert!(interpret::<Record>(400, exists, None)
            .err()
            .unwrap()
            .is_already_exists());
        let throttled = interpret::<Record>(429, "", Some(30)).err().unwrap();
        assert_eq!(
            throttled,
            CfError::Throttled {
                retry_after: Some(30)
            }
        );
        let code971 = r#"{"success":false,"errors":[{"code":971,"message":"Please wait"}]}"#;
        assert!(matches!(
            interpret::<Record>(400, code971, None),
            Err(CfError::Throttled { .. })
        ));
    }

    #[test]
    fn retry_after_is_digits_and_saturates() {
        assert_eq!(parse_retry_after(" 30 "), Some(30));
        assert_eq!(parse_retry_after("18446744073709551615"), Some(u64::MAX));
        assert_eq!(
            parse_retry_after("999999999999999999999999"),
            Some(u64::MAX)
        );
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }

    #[test]
    fn junk_is_malformed_not_a_panic() {
        for body in ["<html>502 Bad Gateway</html>", "{\"success\":tr", "", "[]"] {
            let err = interpret::<Vec<Zone>>(502, body, None).err().unwrap();
            assert!(
                matches!(err, CfError::NotJson { status: 502, .. }),
                "{body}: {err:?}"
            );
        }
        assert!(matches!(
            interpret::<Vec<Zone>>(200, r#"{"success":true,"errors":[],"result":null}"#, None)
                .and_then(|e| required(e.result)),
            Err(CfError::Malformed(_))
        ));
    }

    #[test]
    fn bodies_carry_the_schema_fields() {
        let p = Patch {
            id: "r1".into(),
            name: "a.example.com".into(),
            rtype: "A".into(),
            content: "8.8.8.8".into(),
            ttl: 300,
            proxied: true,
        };
        let json = miniserde::json::to_string(&patch_body(&p, true));
        for part in [
            r#""name":"a.example.com""#,
            r#""type":"A""#,
            r#""ttl":300"#,
            r#""proxied":true"#,
            r#""id":"r1""#,
        ] {
            assert!(json.contains(part), "{json}");
        }
        let n = NewRecord {
            name: "b.example.com".into(),
            rtype: "AAAA".into(),
            content: "2a00::1".into(),
            ttl: 1,
            proxied: false,
            comment: None,
        };
        assert!(!miniserde::json::to_string(&post_body(&n)).contains("comment"));
    }

    #[test]
    fn encodes_wildcards_and_reserved_bytes() {
        assert_eq!(encode("*.example.com"), "%2A.example.com");
        assert_eq!(encode("a b&c"), "a%20b%26c");
    }

    #[test]
    fn auth_headers_match_the_kind() {
        use crate::config::Secret;
        let h = auth_headers(&Auth::Token(Secret::new("tok".into())));
        assert_eq!(h, vec![("Authorization", "Bearer tok".to_string())]);
        let h = auth_headers(&Auth::Key {
            key: Secret::new("k".into()),
            email: "e@x".into(),
        });
        assert_eq!(h.len(), 2);
        assert_eq!(h[1], ("X-Auth-Key", "k".to_string()));
    }
}
