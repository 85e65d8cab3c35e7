//! The Cloudflare API v4 client: zones, DNS records, batch writes, and errors with a fix.
//! `error` says what went wrong, `decode` reads answers; this file sends the calls.

mod decode;
mod error;
mod lists;

pub use decode::{
    decode_listing, decode_page, decode_record, listed, over_budget, parse_retry_after, records_of,
    Page,
};
pub use error::CfError;
pub use lists::{item_of, Found, Progress, ITEMS_PER_PAGE, PERMISSION};

use crate::config::{self, Auth};
use crate::dns::{Listed, NewRecord, Patch, Record, RecordType, Zone};
use crate::transport::{percent_encode as encode, Method, Request, Transport};
use decode::{interpret, into_page, required, BatchResult, Envelope, Wire};
use miniserde::json::{Number, Object, Value};
use miniserde::Deserialize;

/// A page of 5,000 records is about 3 MB; anything far larger is not a Cloudflare answer.
const MAX_BODY: usize = 8 * 1024 * 1024;
/// The largest pages the API allows (the schema: 50 zones; DNS records up to 5,000,000, of
/// which 5,000 keeps a page's body within a few MB).
pub const ZONES_PER_PAGE: u32 = 50;
pub const RECORDS_PER_PAGE: u32 = 5000;
/// A listing that claims more pages than this fails instead of running on: whatever an
/// answer says, a pass sends a bounded number of requests per zone.
pub const MAX_PAGES: u32 = 20;

/// What Cloudflare says of the credential.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credential {
    Active,
    /// A token in another state (`disabled`, `expired`), as Cloudflare names it.
    Not(String),
}

pub struct Client<'a> {
    base: &'a str,
    auth: &'a Auth,
    timeout_secs: u64,
    transport: &'a mut dyn Transport,
    spent: Spent,
}

/// What a client's calls have come to: carried from one stage of a pass to the next.
#[derive(Debug, Default)]
pub struct Spent {
    /// Requests sent, for the pass summary.
    pub calls: u32,
    /// Each request's method and HTTP status (0: no answer), for the metrics.
    pub log: Vec<(Method, u16)>,
    /// Set by the first call that got no answer: every later call is abandoned unsent, so a
    /// hung or unreachable API stalls the loop once per pass, not once per zone.
    unreachable: bool,
}

impl<'a> Client<'a> {
    pub fn new(cfg: &'a config::Cloudflare, transport: &'a mut dyn Transport) -> Client<'a> {
        Self::resume(cfg, transport, Spent::default())
    }

    /// Goes on from another client's calls (a pass's stage after the one that read).
    pub fn resume(
        cfg: &'a config::Cloudflare,
        transport: &'a mut dyn Transport,
        spent: Spent,
    ) -> Client<'a> {
        Client {
            base: &cfg.api_url,
            auth: &cfg.auth,
            timeout_secs: cfg.timeout,
            transport,
            spent,
        }
    }

    pub fn spent(self) -> Spent {
        self.spent
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
        self.list::<Value>(&path, page, RECORDS_PER_PAGE)
            .map(records_of)
    }

    pub fn patch(&mut self, zone_id: &str, change: &Patch) -> Result<Record, CfError> {
        let path = format!(
            "/zones/{}/dns_records/{}",
            encode(zone_id),
            encode(&change.id)
        );
        let body = miniserde::json::to_string(&patch_body(change, false));
        self.call::<Wire>(Method::Patch, &path, Some(body))
            .and_then(|e| required(e.result))
            .map(Record::from)
    }

    pub fn create(&mut self, zone_id: &str, record: &NewRecord) -> Result<Record, CfError> {
        let path = format!("/zones/{}/dns_records", encode(zone_id));
        let body = miniserde::json::to_string(&post_body(record));
        self.call::<Wire>(Method::Post, &path, Some(body))
            .and_then(|e| required(e.result))
            .map(Record::from)
    }

    /// The token's status (`active`, `disabled`, `expired`): `GET /user/tokens/verify`, for
    /// `dyncfdns check`. With the Global API Key, `GET /user` says whether the key works.
    pub fn verify(&mut self) -> Result<Credential, CfError> {
        match self.auth {
            Auth::Token(_) => {
                let e = self.call::<TokenStatus>(Method::Get, "/user/tokens/verify", None)?;
                required(e.result).map(|t| match t.status.as_str() {
                    "active" => Credential::Active,
                    _ => Credential::Not(t.status),
                })
            }
            Auth::Key { .. } => self
                .call::<Value>(Method::Get, "/user", None)
                .map(|_| Credential::Active),
        }
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
        let records = |w: Option<Vec<Wire>>| w.unwrap_or_default().into_iter().map(Record::from);
        Ok((
            records(result.patches).collect(),
            records(result.posts).collect(),
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
        if self.spent.unreachable {
            return Err(CfError::Abandoned);
        }
        self.spent.calls += 1;
        crate::debug!("Cloudflare {method:?} {path}");
        let url = crate::transport::Url::parse(&format!("{}{}", self.base, path))
            .map_err(|e| CfError::Transport(e.into()))?;
        let response = self.transport.send(Request {
            method,
            url,
            headers: auth_headers(self.auth),
            body,
            timeout_secs: self.timeout_secs,
            max_body: MAX_BODY,
            redirects: 0,
            dial: crate::transport::Dial::Any,
        });
        self.spent
            .log
            .push((method, response.as_ref().map_or(0, |r| r.status)));
        self.spent.unreachable = response.is_err();
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

#[derive(Deserialize)]
struct TokenStatus {
    status: String,
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

fn record_fields(name: &str, rtype: RecordType, content: &str, ttl: u32, proxied: bool) -> Object {
    let mut o = Object::new();
    o.insert("name".to_string(), Value::String(name.to_string()));
    o.insert(
        "type".to_string(),
        Value::String(rtype.as_str().to_string()),
    );
    o.insert("content".to_string(), Value::String(content.to_string()));
    o.insert(
        "ttl".to_string(),
        Value::Number(Number::U64(u64::from(ttl))),
    );
    o.insert("proxied".to_string(), Value::Bool(proxied));
    o
}

fn patch_body(p: &Patch, with_id: bool) -> Value {
    let mut o = record_fields(&p.name, p.rtype, &p.content, p.ttl, p.proxied);
    if with_id {
        o.insert("id".to_string(), Value::String(p.id.clone()));
    }
    Value::Object(o)
}

fn post_body(r: &NewRecord) -> Value {
    let mut o = record_fields(&r.name, r.rtype, &r.content, r.ttl, r.proxied);
    if let Some(comment) = &r.comment {
        o.insert("comment".to_string(), Value::String(comment.clone()));
    }
    Value::Object(o)
}

#[cfg(test)]
mod tests;
