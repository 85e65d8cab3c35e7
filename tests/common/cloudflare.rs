//! A stateful fake of Cloudflare's DNS API: zones, records, batch, auth, pagination, faults.

use super::server::{Handler, Reply, Req, Server};
use miniserde::json::{self, Value};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

pub const TOKEN: &str = "fake-token-3f9c2a";
pub const KEY: &str = "fake-global-key-8d1e";
pub const EMAIL: &str = "owner@example.net";
const PREFIX: &str = "/client/v4";
/// Like the live API's default page size for records; small enough to test paging.
const MAX_RECORDS_PER_PAGE: usize = 5000;

#[derive(Clone, Debug)]
pub struct Rec {
    pub id: String,
    pub zone_id: String,
    pub name: String,
    pub rtype: String,
    pub content: String,
    pub ttl: u64,
    pub proxied: bool,
    pub comment: Option<String>,
    pub created_on: String,
}

#[derive(Clone, Debug)]
pub enum Fault {
    Status {
        status: u16,
        body: String,
        retry_after: Option<u64>,
    },
    Hang,
    Truncate,
    Reset,
}

struct Injected {
    method: String,
    path_contains: String,
    fault: Fault,
    remaining: usize,
}

#[derive(Default)]
struct State {
    zones: Vec<(String, String)>,
    records: Vec<Rec>,
    calls: Vec<Req>,
    faults: Vec<Injected>,
    next_id: u64,
    batch_refused: bool,
    /// Records per page at most; 0 means Cloudflare's 5,000.
    records_per_page: usize,
    lists: super::lists::Lists,
}

pub struct FakeCloudflare {
    state: Arc<Mutex<State>>,
    server: Server,
    via_prism: Option<String>,
}

impl FakeCloudflare {
    /// In CI, `DYNCFDNS_TEST_PRISM` names a Prism proxy that validates every request against
    /// Cloudflare's schema on its way to this fake, which then listens on Prism's upstream port.
    pub fn start() -> FakeCloudflare {
        match (
            std::env::var("DYNCFDNS_TEST_PRISM"),
            std::env::var("DYNCFDNS_TEST_UPSTREAM_PORT"),
        ) {
            (Ok(prism), Ok(port)) => {
                Self::start_on(port.parse().expect("upstream port"), Some(prism))
            }
            _ => Self::start_on(0, None),
        }
    }

    /// Bypasses Prism: for faults (hangs, truncation) that a proxy would mask.
    pub fn start_direct() -> FakeCloudflare {
        Self::start_on(0, None)
    }

    fn start_on(port: u16, via_prism: Option<String>) -> FakeCloudflare {
        Self::start_with(port, via_prism, |_, _| None)
    }

    /// Directly on `ip` alone (127.0.0.1 or ::1), over TLS with `tls` when given.
    pub fn start_at(
        ip: std::net::IpAddr,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> FakeCloudflare {
        let state = Arc::new(Mutex::new(State::default()));
        let s2 = state.clone();
        let handler: Handler = Arc::new(move |req: &Req| handle(&s2, req));
        FakeCloudflare {
            state,
            server: Server::start_at(ip, 0, handler, tls),
            via_prism: None,
        }
    }

    /// Serves `extra`'s answer first, when it has one: routes for the standalone fake.
    pub fn start_with(
        port: u16,
        via_prism: Option<String>,
        extra: impl Fn(&Req, &[Rec]) -> Option<Reply> + Send + Sync + 'static,
    ) -> FakeCloudflare {
        let state = Arc::new(Mutex::new(State::default()));
        let s2 = state.clone();
        let handler: Handler = Arc::new(move |req: &Req| {
            let records = s2.lock().unwrap().records.clone();
            extra(req, &records).unwrap_or_else(|| handle(&s2, req))
        });
        FakeCloudflare {
            state,
            server: Server::start(port, handler),
            via_prism,
        }
    }

    pub fn port(&self) -> u16 {
        self.server.port
    }

    pub fn api_url(&self) -> String {
        match &self.via_prism {
            Some(prism) => prism.clone(),
            None => format!("{}{PREFIX}", self.server.base()),
        }
    }

    pub fn add_zone(&self, name: &str) -> String {
        let mut st = self.state.lock().unwrap();
        let id = format!("zone{:028}", st.zones.len() + 1);
        st.zones.push((id.clone(), name.to_string()));
        id
    }

    #[allow(clippy::too_many_arguments)]
    pub fn add_record(
        &self,
        zone: &str,
        name: &str,
        rtype: &str,
        content: &str,
        ttl: u64,
        proxied: bool,
        comment: Option<&str>,
    ) -> String {
        let mut st = self.state.lock().unwrap();
        insert(
            &mut st,
            zone,
            name,
            rtype,
            content,
            ttl,
            proxied,
            comment.map(String::from),
        )
    }

    /// An edit made elsewhere (the dashboard): sets a record's ttl and proxy setting.
    pub fn edit(&self, id: &str, ttl: u64, proxied: bool) {
        let mut st = self.state.lock().unwrap();
        let rec = st
            .records
            .iter_mut()
            .find(|r| r.id == id)
            .expect("a record");
        rec.ttl = ttl;
        rec.proxied = proxied;
    }

    pub fn records(&self) -> Vec<Rec> {
        self.state.lock().unwrap().records.clone()
    }

    pub fn find(&self, name: &str, rtype: &str) -> Vec<Rec> {
        self.records()
            .into_iter()
            .filter(|r| r.name == name && r.rtype == rtype)
            .collect()
    }

    /// What the records of a name and type hold, sorted (a set has no order).
    pub fn contents_sorted(&self, name: &str, rtype: &str) -> Vec<String> {
        let mut c: Vec<String> = self
            .find(name, rtype)
            .into_iter()
            .map(|r| r.content)
            .collect();
        c.sort();
        c
    }

    pub fn calls(&self) -> Vec<Req> {
        self.state.lock().unwrap().calls.clone()
    }

    pub fn writes(&self) -> Vec<Req> {
        self.calls()
            .into_iter()
            .filter(|c| c.method != "GET")
            .collect()
    }

    pub fn clear_calls(&self) {
        self.state.lock().unwrap().calls.clear();
    }

    /// Lists at most `n` records a page (Cloudflare allows 5,000), to test paging cheaply.
    pub fn records_per_page(&self, n: usize) {
        self.state.lock().unwrap().records_per_page = n;
    }

    /// The Lists API's state (WAF lists): read or change it.
    pub fn lists<R>(&self, f: impl FnOnce(&mut super::lists::Lists) -> R) -> R {
        f(&mut self.state.lock().unwrap().lists)
    }

    /// The IP values of a list's items, sorted.
    pub fn list_items(&self, name: &str) -> Vec<String> {
        self.lists(|l| {
            let mut v: Vec<String> = l
                .lists
                .iter()
                .filter(|x| x.name == name)
                .flat_map(|x| x.items.iter().map(|i| i.ip.clone()))
                .collect();
            v.sort();
            v
        })
    }

    pub fn refuse_batch(&self) {
        self.state.lock().unwrap().batch_refused = true;
    }

    /// Every injected fault is gone: Cloudflare is back.
    pub fn clear_faults(&self) {
        self.state.lock().unwrap().faults.clear();
    }

    /// The next `times` requests whose method and path match get `fault` instead.
    pub fn inject(&self, method: &str, path_contains: &str, fault: Fault, times: usize) {
        self.state.lock().unwrap().faults.push(Injected {
            method: method.to_string(),
            path_contains: path_contains.to_string(),
            fault,
            remaining: times,
        });
    }
}

#[allow(clippy::too_many_arguments)]
fn insert(
    st: &mut State,
    zone: &str,
    name: &str,
    rtype: &str,
    content: &str,
    ttl: u64,
    proxied: bool,
    comment: Option<String>,
) -> String {
    st.next_id += 1;
    let id = format!("rec{:029}", st.next_id);
    st.records.push(Rec {
        id: id.clone(),
        zone_id: zone.to_string(),
        name: name.to_string(),
        rtype: rtype.to_string(),
        content: content.to_string(),
        ttl,
        proxied,
        comment,
        created_on: format!(
            "2024-01-01T00:00:{:02}.{:06}Z",
            st.next_id / 1_000_000,
            st.next_id % 1_000_000
        ),
    });
    id
}

pub fn envelope(result: &str, info: Option<(usize, usize, usize, usize)>) -> String {
    let info = match info {
        Some((page, per_page, count, total)) => format!(
            r#","result_info":{{"page":{page},"per_page":{per_page},"count":{count},"total_count":{total},"total_pages":{}}}"#,
            total.div_ceil(per_page).max(1)
        ),
        None => String::new(),
    };
    format!(r#"{{"success":true,"errors":[],"messages":[],"result":{result}{info}}}"#)
}

pub fn failure(status: u16, code: u64, message: &str) -> Reply {
    Reply::json(
        status,
        format!(
            r#"{{"success":false,"errors":[{{"code":{code},"message":{}}}],"messages":[],"result":null}}"#,
            esc(message)
        ),
    )
}

pub fn esc(s: &str) -> String {
    json::to_string(&s.to_string())
}

fn record_json(r: &Rec, zone_name: &str) -> String {
    let comment = r.comment.as_deref().map_or("null".to_string(), esc);
    format!(
        r#"{{"id":{},"zone_id":{},"zone_name":{},"name":{},"type":{},"content":{},"proxiable":true,"proxied":{},"ttl":{},"settings":{{}},"meta":{{}},"comment":{comment},"tags":[],"created_on":{},"modified_on":{}}}"#,
        esc(&r.id),
        esc(&r.zone_id),
        esc(zone_name),
        esc(&r.name),
        esc(&r.rtype),
        esc(&r.content),
        r.proxied,
        r.ttl,
        esc(&r.created_on),
        esc(&r.created_on)
    )
}

fn handle(state: &Arc<Mutex<State>>, req: &Req) -> Reply {
    let mut st = state.lock().unwrap();
    st.calls.push(req.clone());
    if let Some(i) = st.faults.iter().position(|f| {
        f.remaining > 0 && f.method == req.method && req.path.contains(&f.path_contains)
    }) {
        st.faults[i].remaining -= 1;
        return match st.faults[i].fault.clone() {
            Fault::Status {
                status,
                body,
                retry_after,
            } => Reply::Normal {
                status,
                headers: retry_after
                    .map(|s| vec![("Retry-After".to_string(), s.to_string())])
                    .unwrap_or_default(),
                body,
            },
            Fault::Hang => Reply::Hang,
            Fault::Truncate => Reply::Truncate {
                status: 200,
                body: envelope("[]", Some((1, 50, 0, 0))),
            },
            Fault::Reset => Reply::Reset,
        };
    }
    if let Some(reply) = check_auth(req) {
        return reply;
    }
    let Some(path) = req.path.strip_prefix(PREFIX) else {
        return failure(404, 7000, "No route for that URI");
    };
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (req.method.as_str(), parts.as_slice()) {
        ("GET", ["zones"]) => list_zones(&st, req),
        ("GET", ["user", "tokens", "verify"]) => Reply::json(
            200,
            envelope(
                r#"{"id":"ed17574386854bf78a67040be0a770b0","status":"active"}"#,
                None,
            ),
        ),
        (_, ["accounts", account, "rules", "lists", rest @ ..]) => {
            super::lists::handle(&mut st.lists, req, account, rest)
        }
        (_, ["zones", zone, rest @ ..]) => {
            let Some(zone_name) = st
                .zones
                .iter()
                .find(|(id, _)| id == zone)
                .map(|(_, n)| n.clone())
            else {
                return failure(
                    404,
                    7003,
                    "Could not route to /zones/..., perhaps your object identifier is invalid?",
                );
            };
            let zone = zone.to_string();
            match (req.method.as_str(), rest) {
                ("GET", ["dns_records"]) => list_records(&st, req, &zone, &zone_name),
                ("POST", ["dns_records"]) => create(&mut st, req, &zone, &zone_name),
                ("POST", ["dns_records", "batch"]) => batch(&mut st, req, &zone, &zone_name),
                ("PATCH", ["dns_records", id]) => patch(&mut st, req, id, &zone_name),
                ("DELETE", ["dns_records", id]) => match delete_one(&mut st, id) {
                    Ok(()) => Reply::json(200, envelope(&format!(r#"{{"id":{}}}"#, esc(id)), None)),
                    Err(r) => r,
                },
                ("GET", ["dns_records", id]) => match st.records.iter().find(|r| r.id == *id) {
                    Some(r) => Reply::json(200, envelope(&record_json(r, &zone_name), None)),
                    None => failure(404, 81044, "Record does not exist."),
                },
                _ => failure(405, 10000, "method not allowed"),
            }
        }
        _ => failure(404, 7000, "No route for that URI"),
    }
}

fn check_auth(req: &Req) -> Option<Reply> {
    if let Some(h) = req.header("authorization") {
        return (h != format!("Bearer {TOKEN}"))
            .then(|| failure(403, 9109, "Invalid access token"));
    }
    match (req.header("x-auth-email"), req.header("x-auth-key")) {
        (Some(e), Some(k)) if e == EMAIL && k == KEY => None,
        (Some(_), Some(_)) => Some(failure(403, 9103, "Unknown X-Auth-Key or X-Auth-Email")),
        _ => Some(failure(
            400,
            9106,
            "Missing X-Auth-Key, X-Auth-Email or Authorization headers",
        )),
    }
}

fn page_of<T: Clone>(
    items: &[T],
    req: &Req,
    default: usize,
    max: usize,
) -> (Vec<T>, (usize, usize, usize, usize)) {
    let per_page = req
        .param("per_page")
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
        .clamp(1, max);
    let page = req
        .param("page")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1usize)
        .max(1);
    let slice: Vec<T> = items
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .cloned()
        .collect();
    let count = slice.len();
    (slice, (page, per_page, count, items.len()))
}

fn list_zones(st: &State, req: &Req) -> Reply {
    let zones: Vec<&(String, String)> = st
        .zones
        .iter()
        .filter(|(_, n)| {
            req.param("name")
                .is_none_or(|want| want.eq_ignore_ascii_case(n))
        })
        .collect();
    let (slice, info) = page_of(&zones, req, 20, 50);
    let items: Vec<String> = slice
        .iter()
        .map(|(id, name)| {
            format!(
                r#"{{"id":{},"name":{},"status":"active","paused":false,"type":"full"}}"#,
                esc(id),
                esc(name)
            )
        })
        .collect();
    Reply::json(200, envelope(&format!("[{}]", items.join(",")), Some(info)))
}

fn list_records(st: &State, req: &Req, zone: &str, zone_name: &str) -> Reply {
    let name = req.param("name").or(req.param("name.exact"));
    let rtype = req.param("type");
    let recs: Vec<&Rec> = st
        .records
        .iter()
        .filter(|r| r.zone_id == zone)
        .filter(|r| name.is_none_or(|n| n.eq_ignore_ascii_case(&r.name)))
        .filter(|r| rtype.is_none_or(|t| t == r.rtype))
        .collect();
    let max = match st.records_per_page {
        0 => MAX_RECORDS_PER_PAGE,
        n => n,
    };
    let (slice, info) = page_of(&recs, req, 100, max);
    let items: Vec<String> = slice.iter().map(|r| record_json(r, zone_name)).collect();
    Reply::json(200, envelope(&format!("[{}]", items.join(",")), Some(info)))
}

struct Body {
    name: Option<String>,
    rtype: Option<String>,
    content: Option<String>,
    ttl: Option<u64>,
    proxied: Option<bool>,
    comment: Option<String>,
    id: Option<String>,
}

fn body_of(v: &Value) -> Option<Body> {
    let Value::Object(o) = v else { return None };
    let s = |k: &str| match o.get(k) {
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    };
    Some(Body {
        name: s("name"),
        rtype: s("type"),
        content: s("content"),
        ttl: match o.get("ttl") {
            Some(Value::Number(n)) => n.to_string().parse().ok(),
            _ => None,
        },
        proxied: match o.get("proxied") {
            Some(Value::Bool(b)) => Some(*b),
            _ => None,
        },
        comment: s("comment"),
        id: s("id"),
    })
}

/// What the live API checks before it writes.
fn validate(b: &Body) -> Result<(), Reply> {
    let (Some(_), Some(t), Some(c)) = (&b.name, &b.rtype, &b.content) else {
        return Err(failure(
            400,
            9000,
            "DNS name, type and content are required",
        ));
    };
    let ok = match t.as_str() {
        "A" => c.parse::<IpAddr>().is_ok_and(|ip| ip.is_ipv4()),
        "AAAA" => c.parse::<IpAddr>().is_ok_and(|ip| ip.is_ipv6()),
        _ => true,
    };
    if !ok {
        return Err(failure(400, 9005, "Content for A/AAAA record is invalid."));
    }
    if let Some(ttl) = b.ttl {
        if ttl != 1 && !(30..=86400).contains(&ttl) {
            return Err(failure(400, 9021, "Invalid TTL."));
        }
    }
    Ok(())
}

fn create_one(st: &mut State, b: &Body, zone: &str) -> Result<String, Reply> {
    validate(b)?;
    let (name, rtype, content) = (
        b.name.clone().unwrap(),
        b.rtype.clone().unwrap(),
        b.content.clone().unwrap(),
    );
    if st
        .records
        .iter()
        .any(|r| r.zone_id == zone && r.name == name && r.rtype == rtype && r.content == content)
    {
        return Err(failure(400, 81058, "An identical record already exists."));
    }
    if st
        .records
        .iter()
        .any(|r| r.zone_id == zone && r.name == name && r.rtype == "CNAME")
    {
        return Err(failure(
            400,
            81053,
            "An A, AAAA, or CNAME record with that host already exists.",
        ));
    }
    Ok(insert(
        st,
        zone,
        &name,
        &rtype,
        &content,
        b.ttl.unwrap_or(1),
        b.proxied.unwrap_or(false),
        b.comment.clone(),
    ))
}

fn patch_one(st: &mut State, b: &Body, id: &str) -> Result<(), Reply> {
    let Some(i) = st.records.iter().position(|r| r.id == id) else {
        return Err(failure(404, 81044, "Record does not exist."));
    };
    let r = &st.records[i];
    let merged = Body {
        name: b.name.clone().or(Some(r.name.clone())),
        rtype: b.rtype.clone().or(Some(r.rtype.clone())),
        content: b.content.clone().or(Some(r.content.clone())),
        ttl: b.ttl.or(Some(r.ttl)),
        proxied: b.proxied.or(Some(r.proxied)),
        comment: b.comment.clone().or(r.comment.clone()),
        id: None,
    };
    validate(&merged)?;
    let r = &mut st.records[i];
    r.name = merged.name.unwrap();
    r.rtype = merged.rtype.unwrap();
    r.content = merged.content.unwrap();
    r.ttl = merged.ttl.unwrap();
    r.proxied = merged.proxied.unwrap();
    r.comment = merged.comment;
    Ok(())
}

fn delete_one(st: &mut State, id: &str) -> Result<(), Reply> {
    let before = st.records.len();
    st.records.retain(|r| r.id != id);
    if st.records.len() == before {
        return Err(failure(404, 81044, "Record does not exist."));
    }
    Ok(())
}

pub fn parsed(req: &Req) -> Result<Value, Reply> {
    if !req
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/json"))
    {
        return Err(failure(400, 6003, "Invalid request headers (Content-Type)"));
    }
    json::from_str(&req.body).map_err(|_| failure(400, 9207, "Request body is invalid JSON"))
}

fn one(st: &State, id: &str, zone_name: &str) -> String {
    let r = st.records.iter().find(|r| r.id == id).unwrap();
    record_json(r, zone_name)
}

/// A single-record write: parse the body, apply `write`, answer with the record it names.
fn write(
    st: &mut State,
    req: &Req,
    zone_name: &str,
    write: impl FnOnce(&mut State, &Body) -> Result<String, Reply>,
) -> Reply {
    let body = parsed(req)
        .and_then(|v| body_of(&v).ok_or_else(|| failure(400, 9207, "body must be an object")));
    match body.and_then(|b| write(st, &b)) {
        Ok(id) => Reply::json(200, envelope(&one(st, &id, zone_name), None)),
        Err(r) => r,
    }
}

fn create(st: &mut State, req: &Req, zone: &str, zone_name: &str) -> Reply {
    write(st, req, zone_name, |st, b| create_one(st, b, zone))
}

fn patch(st: &mut State, req: &Req, id: &str, zone_name: &str) -> Reply {
    write(st, req, zone_name, |st, b| {
        patch_one(st, b, id).map(|()| id.to_string())
    })
}

/// All or nothing, like the live endpoint: deletes, then patches, then posts.
fn batch(st: &mut State, req: &Req, zone: &str, zone_name: &str) -> Reply {
    if st.batch_refused {
        return failure(403, 10000, "Batch is not available for this zone");
    }
    let v = match parsed(req) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Value::Object(o) = &v else {
        return failure(400, 9207, "body must be an object");
    };
    let list = |k: &str| match o.get(k) {
        Some(Value::Array(a)) => a.iter().filter_map(body_of).collect::<Vec<Body>>(),
        _ => Vec::new(),
    };
    let (deletes, patches, posts) = (list("deletes"), list("patches"), list("posts"));
    let snapshot = (st.records.clone(), st.next_id);
    let mut patched = Vec::new();
    let mut posted = Vec::new();
    let result: Result<(), Reply> = (|| {
        for d in &deletes {
            let id =
                d.id.clone()
                    .ok_or_else(|| failure(400, 9000, "delete without id"))?;
            delete_one(st, &id)?;
        }
        for p in &patches {
            let id =
                p.id.clone()
                    .ok_or_else(|| failure(400, 9000, "patch without id"))?;
            patch_one(st, p, &id)?;
            patched.push(id);
        }
        for p in &posts {
            posted.push(create_one(st, p, zone)?);
        }
        Ok(())
    })();
    if let Err(reply) = result {
        (st.records, st.next_id) = snapshot;
        return reply;
    }
    let show = |ids: &[String]| {
        ids.iter()
            .map(|id| one(st, id, zone_name))
            .collect::<Vec<_>>()
            .join(",")
    };
    let body = format!(
        r#"{{"deletes":[],"patches":[{}],"puts":[],"posts":[{}]}}"#,
        show(&patched),
        show(&posted)
    );
    Reply::json(200, envelope(&body, None))
}
