//! The Lists API (WAF lists): an account's lists, one list's items by cursor, and the
//! asynchronous operations that change them, polled to their end.

use super::decode::{required, Envelope};
use super::{encode, CfError, Client, MAX_PAGES};
use crate::transport::Method;
use crate::waf::{Item, Range, WafList};
use miniserde::json::{Object, Value};
use miniserde::Deserialize;

/// The most items a page of a list holds (the schema: 1..500).
pub const ITEMS_PER_PAGE: u32 = 500;

/// The permission a token needs for the lists, as Cloudflare's token page names it.
pub const PERMISSION: &str = "Account Filter Lists: Edit";

#[derive(Deserialize)]
struct ListWire {
    id: String,
    name: String,
    kind: Option<String>,
}

#[derive(Deserialize)]
struct Operation {
    operation_id: String,
}

#[derive(Deserialize)]
struct OperationStatus {
    status: String,
    error: Option<String>,
}

/// Where an asynchronous operation stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Progress {
    Running,
    Completed,
    /// Cloudflare's reason (the list is full, say).
    Failed(String),
}

/// A list as found in the account: its id, and whether it is an IP list.
pub struct Found {
    pub id: String,
    pub ip: bool,
}

impl Client<'_> {
    /// The account's list of this name, if there is one.
    pub fn find_list(&mut self, list: &WafList) -> Result<Option<Found>, CfError> {
        let path = format!("/accounts/{}/rules/lists", encode(&list.account));
        let lists = required(self.call::<Vec<ListWire>>(Method::Get, &path, None)?.result)?;
        Ok(lists
            .into_iter()
            .find(|l| l.name == list.name)
            .map(|l| Found {
                ip: l.kind.as_deref() == Some("ip"),
                id: l.id,
            }))
    }

    /// Creates an IP list; returns its id.
    pub fn create_list(
        &mut self,
        list: &WafList,
        description: Option<&str>,
    ) -> Result<String, CfError> {
        let path = format!("/accounts/{}/rules/lists", encode(&list.account));
        let mut body = Object::new();
        body.insert("name".to_string(), Value::String(list.name.clone()));
        body.insert("kind".to_string(), Value::String("ip".to_string()));
        if let Some(d) = description {
            body.insert("description".to_string(), Value::String(d.to_string()));
        }
        let body = miniserde::json::to_string(&Value::Object(body));
        let made = self.call::<ListWire>(Method::Post, &path, Some(body))?;
        required(made.result).map(|l| l.id)
    }

    /// Every item of the list, page after page (at most `MAX_PAGES`); an item whose value is
    /// not an address or range is counted, not returned (it cannot be ours).
    pub fn items(&mut self, list: &WafList, id: &str) -> Result<(Vec<Item>, usize), CfError> {
        let (mut items, mut odd, mut cursor) = (Vec::new(), 0, None::<String>);
        for _ in 0..MAX_PAGES {
            let mut path = format!("{}/items?per_page={ITEMS_PER_PAGE}", list_path(list, id));
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={}", encode(c)));
            }
            let page = self.call::<Vec<Value>>(Method::Get, &path, None)?;
            let after = page
                .result_info
                .as_ref()
                .and_then(|i| i.cursors.as_ref())
                .and_then(|c| c.after.clone());
            for v in required(page.result)? {
                match item_of(&v) {
                    Some(item) => items.push(item),
                    None => odd += 1,
                }
            }
            match after {
                Some(a) if !a.is_empty() && cursor.as_ref() != Some(&a) => cursor = Some(a),
                Some(_) | None => return Ok((items, odd)),
            }
        }
        Err(super::over_budget())
    }

    /// Adds items (POST) or replaces the whole content (PUT, `replace`); returns the
    /// operation to poll.
    pub fn put_items(
        &mut self,
        list: &WafList,
        id: &str,
        items: &[(Range, Option<String>)],
        replace: bool,
    ) -> Result<String, CfError> {
        let body: miniserde::json::Array = items
            .iter()
            .map(|(range, comment)| {
                let mut o = Object::new();
                o.insert("ip".to_string(), Value::String(range.to_string()));
                if let Some(c) = comment {
                    o.insert("comment".to_string(), Value::String(c.clone()));
                }
                Value::Object(o)
            })
            .collect();
        let body = miniserde::json::to_string(&Value::Array(body));
        let method = if replace { Method::Put } else { Method::Post };
        let path = format!("{}/items", list_path(list, id));
        operation(self.call::<Operation>(method, &path, Some(body))?)
    }

    pub fn delete_items(
        &mut self,
        list: &WafList,
        id: &str,
        items: &[Item],
    ) -> Result<String, CfError> {
        let ids: miniserde::json::Array = items
            .iter()
            .map(|i| {
                let mut o = Object::new();
                o.insert("id".to_string(), Value::String(i.id.clone()));
                Value::Object(o)
            })
            .collect();
        let mut body = Object::new();
        body.insert("items".to_string(), Value::Array(ids));
        let body = miniserde::json::to_string(&Value::Object(body));
        let path = format!("{}/items", list_path(list, id));
        operation(self.call::<Operation>(Method::Delete, &path, Some(body))?)
    }

    pub fn operation(&mut self, list: &WafList, operation: &str) -> Result<Progress, CfError> {
        let path = format!(
            "/accounts/{}/rules/lists/bulk_operations/{}",
            encode(&list.account),
            encode(operation)
        );
        let status = required(
            self.call::<OperationStatus>(Method::Get, &path, None)?
                .result,
        )?;
        Ok(match status.status.as_str() {
            "completed" => Progress::Completed,
            "failed" => Progress::Failed(
                status
                    .error
                    .unwrap_or_else(|| "no reason given".to_string())
                    .chars()
                    .take(200)
                    .collect(),
            ),
            _ => Progress::Running,
        })
    }
}

fn list_path(list: &WafList, id: &str) -> String {
    format!(
        "/accounts/{}/rules/lists/{}",
        encode(&list.account),
        encode(id)
    )
}

fn operation(e: Envelope<Operation>) -> Result<String, CfError> {
    required(e.result).map(|o| o.operation_id)
}

/// An IP list item as listed: its id, its `ip`, its comment.
pub fn item_of(v: &Value) -> Option<Item> {
    let Value::Object(o) = v else { return None };
    let text = |k: &str| match o.get(k) {
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    };
    Some(Item {
        id: text("id")?,
        range: Range::parse(&text("ip")?)?,
        comment: text("comment"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_read_one_by_one() {
        let v: Value = miniserde::json::from_str(
            r#"{"id":"2c0fc9fa937b11eaa1b71c4d701ab86e","ip":"2001:db8::/64","comment":"home","created_on":"2020-01-01T08:00:00Z"}"#,
        )
        .unwrap();
        let item = item_of(&v).unwrap();
        assert_eq!(item.range, Range::parse("2001:db8::/64").unwrap());
        assert_eq!(item.comment.as_deref(), Some("home"));
        for odd in [
            r#"{"id":"x","hostname":{"url_hostname":"a.example"}}"#,
            r#"{"id":"x","ip":"not an address"}"#,
            r#"{"ip":"192.0.2.1"}"#,
            r#""192.0.2.1""#,
        ] {
            let v: Value = miniserde::json::from_str(odd).unwrap();
            assert_eq!(item_of(&v), None, "{odd}");
        }
    }
}
