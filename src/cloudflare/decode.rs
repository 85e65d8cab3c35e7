//! Cloudflare's answers, read without trusting them: envelopes and errors, pages whose counts
//! may lie, records one by one, `Retry-After`. Pure, so each is tested (and fuzzed) directly.

use super::error::CfError;
use super::{MAX_PAGES, RECORDS_PER_PAGE};
use crate::dns::{Content, Listed, Record, RecordType, Unreadable};
use miniserde::json::{Number, Value};
use miniserde::Deserialize;

#[derive(Deserialize)]
pub(super) struct Message {
    pub(super) code: Option<i64>,
    pub(super) message: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct ResultInfo {
    pub(super) total_pages: Option<f64>,
    pub(super) per_page: Option<f64>,
    /// The Lists API pages by cursor: the next page is asked with `cursor=after`.
    pub(super) cursors: Option<Cursors>,
}

#[derive(Deserialize)]
pub(super) struct Cursors {
    pub(super) after: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct Envelope<T> {
    /// Missing in some answers (a DELETE's `{"result":{"id":…}}`): a 2xx without errors is
    /// then a success.
    pub(super) success: Option<bool>,
    pub(super) errors: Option<Vec<Message>>,
    pub(super) result: Option<T>,
    pub(super) result_info: Option<ResultInfo>,
}

/// What a failed call's body holds, whatever shape its `result` has.
#[derive(Deserialize)]
pub(super) struct ErrorEnvelope {
    pub(super) errors: Option<Vec<Message>>,
}

#[derive(Deserialize)]
pub(super) struct BatchResult {
    pub(super) patches: Option<Vec<Wire>>,
    pub(super) posts: Option<Vec<Wire>>,
}

/// A record as a write's answer carries it; `Record` is what the rest of the program keeps.
#[derive(Deserialize)]
pub(super) struct Wire {
    id: String,
    name: String,
    #[serde(rename = "type")]
    rtype: RecordType,
    content: String,
    ttl: Option<u32>,
    proxied: Option<bool>,
    created_on: Option<String>,
    comment: Option<String>,
}

impl From<Wire> for Record {
    fn from(w: Wire) -> Record {
        Record {
            id: w.id,
            name: w.name,
            rtype: w.rtype,
            content: Content::new(w.content),
            ttl: w.ttl,
            proxied: w.proxied,
            created_on: w.created_on,
            comment: w.comment,
        }
    }
}

pub struct Page<T> {
    pub items: Vec<T>,
    pub total_pages: u32,
    /// Whether a further page may hold more: not past the last page, and this one full.
    pub more: bool,
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
    // A type a pass never reads is not ours, whatever its shape.
    let (name, rtype) = (text("name")?, RecordType::parse(&text("type")?)?);
    let bad = |why: String| {
        Some(Err(Unreadable {
            name: name.clone(),
            rtype,
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
        content: Content::new(content),
        ttl,
        proxied,
        created_on: text("created_on"),
        comment: text("comment"),
    }))
}

/// A JSON number that is a whole u32 (`300` or `300.0`).
pub(super) fn whole(n: &Number) -> Option<u32> {
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
pub(super) fn into_page<T>(
    envelope: Envelope<Vec<T>>,
    page: u32,
    per_page: u32,
) -> Result<Page<T>, CfError> {
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

/// A page of a record listing, each record read on its own (`listed`).
pub fn records_of(page: Page<Value>) -> Page<Listed> {
    Page {
        items: page.items.iter().filter_map(listed).collect(),
        total_pages: page.total_pages,
        more: page.more,
    }
}

/// A record listing's answer as the client reads it; pure, for the fuzz target.
pub fn decode_listing(status: u16, body: &str) -> Result<Page<Listed>, CfError> {
    decode_page::<Value>(status, body).map(records_of)
}

/// A list answer (zones or records) as a page; pure, for the fuzz target.
pub fn decode_page<T: Deserialize>(status: u16, body: &str) -> Result<Page<T>, CfError> {
    into_page(interpret(status, body, None)?, 1, RECORDS_PER_PAGE)
}

/// A single-record answer (create, patch); pure, for the fuzz target.
pub fn decode_record(status: u16, body: &str) -> Result<Record, CfError> {
    required(interpret::<Wire>(status, body, None)?.result).map(Record::from)
}

/// Turns a status and body into the envelope or an error; pure, so it is tested directly.
pub(super) fn interpret<T: Deserialize>(
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

pub(super) fn messages(list: Option<&[Message]>) -> Vec<(i64, String)> {
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

pub(super) fn required<T>(result: Option<T>) -> Result<T, CfError> {
    result.ok_or_else(|| CfError::Malformed("a successful answer without a result".to_string()))
}
