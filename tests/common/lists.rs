//! The fake Cloudflare's Lists API (WAF lists): an account's IP lists, items by cursor, and
//! asynchronous bulk operations, as Cloudflare documents them (see ../shared/cloudflare).

use super::cloudflare::{envelope, esc, failure, parsed};
use super::server::{Reply, Req};
use miniserde::json::Value;
use std::net::IpAddr;

#[derive(Clone, Debug)]
pub struct FakeItem {
    pub id: String,
    pub ip: String,
    pub comment: Option<String>,
}

#[derive(Clone, Debug)]
pub struct FakeList {
    pub id: String,
    pub account: String,
    pub name: String,
    pub kind: String,
    pub description: Option<String>,
    pub items: Vec<FakeItem>,
}

#[derive(Default)]
pub struct Lists {
    pub lists: Vec<FakeList>,
    /// Operation id → polls left before it says completed, and its failure if it fails.
    ops: Vec<(String, usize, Option<String>)>,
    next_id: u64,
    /// Each new operation answers "running" this many times first.
    pub pending_polls: usize,
    /// The next operation fails with this reason (and changes nothing).
    pub fail_next: Option<String>,
    /// Items per page at most (Cloudflare: 500).
    pub per_page: usize,
    /// The token lacks Account Filter Lists: every call is refused.
    pub denied: bool,
}

impl Lists {
    fn id(&mut self) -> String {
        self.next_id += 1;
        format!("{:032x}", self.next_id)
    }

    pub fn add_list(&mut self, account: &str, name: &str, kind: &str) -> String {
        let id = self.id();
        self.lists.push(FakeList {
            id: id.clone(),
            account: account.to_string(),
            name: name.to_string(),
            kind: kind.to_string(),
            description: None,
            items: Vec::new(),
        });
        id
    }

    pub fn add_item(&mut self, list_id: &str, ip: &str, comment: Option<&str>) -> String {
        let id = self.id();
        let list = self
            .lists
            .iter_mut()
            .find(|l| l.id == list_id)
            .expect("a list");
        list.items.push(FakeItem {
            id: id.clone(),
            ip: ip.to_string(),
            comment: comment.map(String::from),
        });
        id
    }
}

/// The live API's rule for an IP item: an IPv4 address or CIDR, or an IPv6 CIDR of /64 or wider.
fn valid_ip(v: &str) -> bool {
    match v.split_once('/') {
        None => v.parse::<std::net::Ipv4Addr>().is_ok(),
        Some((ip, len)) => match (ip.parse::<IpAddr>(), len.parse::<u8>()) {
            (Ok(IpAddr::V4(_)), Ok(l)) => l <= 32,
            (Ok(IpAddr::V6(_)), Ok(l)) => l <= 64,
            _ => false,
        },
    }
}

fn list_json(l: &FakeList) -> String {
    format!(
        r#"{{"id":{},"name":{},"kind":{},"description":{},"num_items":{},"num_referencing_filters":0,"created_on":"2024-01-01T00:00:00Z","modified_on":"2024-01-01T00:00:00Z"}}"#,
        esc(&l.id),
        esc(&l.name),
        esc(&l.kind),
        l.description.as_deref().map_or("null".to_string(), esc),
        l.items.len()
    )
}

fn item_json(i: &FakeItem) -> String {
    format!(
        r#"{{"id":{},"ip":{},"comment":{},"created_on":"2024-01-01T00:00:00Z","modified_on":"2024-01-01T00:00:00Z"}}"#,
        esc(&i.id),
        esc(&i.ip),
        i.comment.as_deref().map_or("null".to_string(), esc)
    )
}

pub fn handle(st: &mut Lists, req: &Req, account: &str, rest: &[&str]) -> Reply {
    if st.denied {
        return failure(403, 10000, "Authentication error");
    }
    match (req.method.as_str(), rest) {
        ("GET", []) => {
            let all: Vec<String> = st
                .lists
                .iter()
                .filter(|l| l.account == account)
                .map(list_json)
                .collect();
            Reply::json(200, envelope(&format!("[{}]", all.join(",")), None))
        }
        ("POST", []) => create(st, req, account),
        ("GET", ["bulk_operations", op]) => poll(st, op),
        (_, [id, "items"]) => {
            let Some(i) = st
                .lists
                .iter()
                .position(|l| l.id == *id && l.account == account)
            else {
                return failure(404, 10000, "list not found");
            };
            match req.method.as_str() {
                "GET" => items(st, i, req),
                "POST" | "PUT" | "DELETE" => change(st, i, req),
                _ => failure(405, 10000, "method not allowed"),
            }
        }
        _ => failure(404, 7000, "No route for that URI"),
    }
}

fn create(st: &mut Lists, req: &Req, account: &str) -> Reply {
    let v = match parsed(req) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Value::Object(o) = &v else {
        return failure(400, 10026, "body must be an object");
    };
    let text = |k: &str| match o.get(k) {
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    };
    let (Some(name), Some(kind)) = (text("name"), text("kind")) else {
        return failure(400, 10026, "name and kind are required");
    };
    let named = !name.is_empty()
        && name.len() <= 50
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !named || !["ip", "redirect", "hostname", "asn"].contains(&kind.as_str()) {
        return failure(400, 10026, "invalid name or kind");
    }
    if st
        .lists
        .iter()
        .any(|l| l.account == account && l.name == name)
    {
        return failure(400, 10020, "a list with this name already exists");
    }
    let id = st.add_list(account, &name, &kind);
    let list = st.lists.iter_mut().find(|l| l.id == id).unwrap();
    list.description = text("description");
    Reply::json(200, envelope(&list_json(list), None))
}

fn items(st: &Lists, i: usize, req: &Req) -> Reply {
    let per_page = req
        .param("per_page")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(25)
        .clamp(1, if st.per_page == 0 { 500 } else { st.per_page });
    let start = req
        .param("cursor")
        .and_then(|c| c.strip_prefix("after-"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0usize);
    let all = &st.lists[i].items;
    let page: Vec<String> = all
        .iter()
        .skip(start)
        .take(per_page)
        .map(item_json)
        .collect();
    let next = start + per_page;
    let cursors = if next < all.len() {
        format!(
            r#","result_info":{{"cursors":{{"before":"before-{start}","after":"after-{next}"}}}}"#
        )
    } else {
        r#","result_info":{"cursors":{}}"#.to_string()
    };
    Reply::json(
        200,
        envelope(&format!("[{}]", page.join(",")), None).replacen(
            r#","result":"#,
            &format!("{cursors},\"result\":"),
            1,
        ),
    )
}

fn change(st: &mut Lists, i: usize, req: &Req) -> Reply {
    let v = match parsed(req) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let op = st.id();
    let failed = st.fail_next.take();
    let result = match (req.method.as_str(), &v) {
        ("DELETE", Value::Object(o)) => {
            let ids: Vec<String> = match o.get("items") {
                Some(Value::Array(a)) => a
                    .iter()
                    .filter_map(|x| match x {
                        Value::Object(o) => match o.get("id") {
                            Some(Value::String(s)) => Some(s.clone()),
                            _ => None,
                        },
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            if ids.is_empty() {
                return failure(400, 10026, "items to delete are required");
            }
            if failed.is_none() {
                st.lists[i].items.retain(|it| !ids.contains(&it.id));
            }
            Ok(())
        }
        ("POST" | "PUT", Value::Array(a)) => {
            let mut new = Vec::new();
            for x in a.iter() {
                let Value::Object(o) = x else {
                    return failure(400, 10026, "items must be objects");
                };
                let (Some(Value::String(ip)), comment) = (o.get("ip"), o.get("comment")) else {
                    return failure(400, 10026, "an item of an IP list needs ip");
                };
                if !valid_ip(ip) {
                    return failure(400, 10026, &format!("{ip} is not a valid IP list item"));
                }
                let comment = match comment {
                    Some(Value::String(c)) => Some(c.clone()),
                    _ => None,
                };
                new.push((ip.clone(), comment));
            }
            if failed.is_none() {
                if req.method == "PUT" {
                    st.lists[i].items.clear();
                }
                for (ip, comment) in new {
                    // The same value again replaces the item, comment and all.
                    st.lists[i].items.retain(|it| it.ip != ip);
                    let id = st.id();
                    st.lists[i].items.push(FakeItem { id, ip, comment });
                }
            }
            Ok(())
        }
        _ => Err(failure(400, 10026, "body is not what this method takes")),
    };
    if let Err(reply) = result {
        return reply;
    }
    st.ops.push((op.clone(), st.pending_polls, failed));
    Reply::json(
        201,
        envelope(&format!(r#"{{"operation_id":{}}}"#, esc(&op)), None),
    )
}

fn poll(st: &mut Lists, op: &str) -> Reply {
    let Some(entry) = st.ops.iter_mut().find(|(id, _, _)| id == op) else {
        return failure(404, 10000, "operation not found");
    };
    let status = if entry.1 > 0 {
        entry.1 -= 1;
        r#""status":"running""#.to_string()
    } else {
        match &entry.2 {
            Some(why) => format!(r#""status":"failed","error":{}"#, esc(why)),
            None => r#""status":"completed","completed":"2024-01-01T00:00:01Z""#.to_string(),
        }
    };
    Reply::json(
        200,
        envelope(&format!(r#"{{"id":{},{status}}}"#, esc(op)), None),
    )
}
