//! Reconciliation: what to do for one (host, type), given the records Cloudflare holds and
//! the address we want. Pure: no I/O, no clock.

pub mod lists;
mod set;

pub use crate::dns::CreatePolicy;
use crate::dns::{NewRecord, Patch, Record, RecordType};
pub use set::decide_set;
use std::collections::HashMap;
use std::net::IpAddr;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// The record already holds the address.
    Keep(Record),
    Write(Write),
    /// No record, and creating one is not allowed.
    Missing,
    /// The name cannot hold this record (a CNAME is there).
    Blocked(String),
}

/// What a pass sends: the only actions the writer is ever handed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Write {
    /// Change the content; `old` is what it held.
    Update {
        patch: Patch,
        old: String,
    },
    Create(NewRecord),
    /// A record of a set that holds an address no longer wanted (see `set`).
    Delete(Record),
}

impl Write {
    /// What the record holds before the write (nothing, for a create).
    pub fn old(&self) -> Option<&str> {
        match self {
            Write::Update { old, .. } => Some(old),
            Write::Create(_) => None,
            Write::Delete(r) => Some(r.content.as_str()),
        }
    }

    /// What the record holds after the write (nothing, for a delete).
    pub fn new_content(&self) -> Option<&str> {
        match self {
            Write::Update { patch, .. } => Some(&patch.content),
            Write::Create(n) => Some(&n.content),
            Write::Delete(_) => None,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Write::Update { patch, old } => format!(
                "update {} {} from {old} to {}",
                patch.name, patch.rtype, patch.content
            ),
            Write::Create(n) => format!("create {} {} {}", n.name, n.rtype, n.content),
            Write::Delete(r) => format!("delete {} {} {}", r.name, r.rtype, r.content),
        }
    }

    /// The same, once done.
    pub fn past(&self) -> String {
        match self {
            Write::Update { patch, old } => format!(
                "updated {} {}: {old} -> {}",
                patch.name, patch.rtype, patch.content
            ),
            Write::Create(n) => format!("created {} {} {}", n.name, n.rtype, n.content),
            Write::Delete(r) => format!("deleted {} {} {}", r.name, r.rtype, r.content),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub action: Action,
    pub warnings: Vec<String>,
}

pub fn decide(
    host: &str,
    rtype: RecordType,
    want: IpAddr,
    records: &[Record],
    policy: &CreatePolicy,
) -> Decision {
    let on_name: Vec<&Record> = records
        .iter()
        .filter(|r| r.name.eq_ignore_ascii_case(host))
        .collect();
    if on_name.iter().any(|r| r.rtype == RecordType::Cname) {
        return Decision {
            action: Action::Blocked(format!(
                "{host} holds a CNAME record, so it cannot have an {rtype} record; remove the CNAME or take {host} out of HOST_LIST"
            )),
            warnings: Vec::new(),
        };
    }
    let mut same_type: Vec<&Record> = on_name.into_iter().filter(|r| r.rtype == rtype).collect();
    same_type.sort_by(|a, b| (&a.created_on, &a.id).cmp(&(&b.created_on, &b.id)));
    let warnings = same_type
        .iter()
        .skip(1)
        .map(|extra| {
            format!(
                "{host} has more than one {rtype} record; managing the oldest ({}), leaving {} ({}) alone",
                same_type[0].id, extra.id, extra.content
            )
        })
        .collect();
    let action = match same_type.first() {
        Some(record) if holds(record, want) => Action::Keep((*record).clone()),
        Some(record) => Action::Write(update(record, want)),
        None if policy.allowed => Action::Write(create(host, rtype, want, policy)),
        None => Action::Missing,
    };
    Decision { action, warnings }
}

/// A record made to hold `want`, keeping its ttl and proxy setting.
fn update(record: &Record, want: IpAddr) -> Write {
    Write::Update {
        patch: Patch {
            id: record.id.clone(),
            name: record.name.clone(),
            rtype: record.rtype,
            content: want.to_string(),
            ttl: record.ttl.unwrap_or(1),
            proxied: record.proxied.unwrap_or(false),
        },
        old: record.content.to_string(),
    }
}

/// A new record for `host` holding `want`, as the creation policy says.
fn create(host: &str, rtype: RecordType, want: IpAddr, policy: &CreatePolicy) -> Write {
    Write::Create(NewRecord {
        name: host.to_string(),
        rtype,
        content: want.to_string(),
        ttl: policy.ttl,
        proxied: crate::proxied::for_host(&policy.proxied, host),
        comment: policy.comment.clone(),
    })
}

/// The records grouped by name (lowercase), so deciding for many hosts does not scan every
/// record of the zone for each one.
pub fn index_by_name(records: &[Record]) -> HashMap<String, Vec<Record>> {
    let mut index: HashMap<String, Vec<Record>> = HashMap::new();
    for r in records {
        index
            .entry(r.name.to_ascii_lowercase())
            .or_default()
            .push(r.clone());
    }
    index
}

/// The records on `host`'s name, from `index_by_name`'s index.
pub fn on_name<'i>(index: &'i HashMap<String, Vec<Record>>, host: &str) -> &'i [Record] {
    index
        .get(&host.to_ascii_lowercase())
        .map_or(&[], Vec::as_slice)
}

/// The record dyncfdns manages for a name and type: the oldest of them.
pub fn managed<'a>(host: &str, rtype: RecordType, records: &'a [Record]) -> Option<&'a Record> {
    records
        .iter()
        .filter(|r| r.rtype == rtype && r.name.eq_ignore_ascii_case(host))
        .min_by(|a, b| (&a.created_on, &a.id).cmp(&(&b.created_on, &b.id)))
}

/// Compares as addresses, so `2a00:0::1` and `2a00::1` are the same content.
pub(crate) fn holds(record: &Record, want: IpAddr) -> bool {
    record.content.ip() == Some(want)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn rec(id: &str, name: &str, rtype: &str, content: &str, created: &str) -> Record {
        Record {
            id: id.into(),
            name: name.into(),
            rtype: RecordType::parse(rtype).expect("a type a pass reads"),
            content: crate::dns::Content::new(content.into()),
            ttl: Some(300),
            proxied: Some(true),
            created_on: Some(created.into()),
            comment: None,
        }
    }

    pub(crate) fn policy(allowed: bool) -> CreatePolicy {
        CreatePolicy {
            allowed,
            ttl: 1,
            proxied: crate::proxied::always(false),
            comment: Some("ddns".into()),
        }
    }

    const IP: &str = "8.8.8.8";

    fn want() -> IpAddr {
        IP.parse().unwrap()
    }

    #[test]
    fn keeps_a_record_that_holds_the_address() {
        let r = [rec("1", "a.example.com", "A", IP, "2020")];
        let d = decide("a.example.com", RecordType::A, want(), &r, &policy(false));
        assert!(matches!(d.action, Action::Keep(_)));
    }

    #[test]
    fn updates_preserving_ttl_and_proxied() {
        let r = [rec("1", "a.example.com", "A", "1.1.1.1", "2020")];
        let d = decide("a.example.com", RecordType::A, want(), &r, &policy(false));
        let Action::Write(Write::Update { patch, old }) = d.action else {
            panic!("{d:?}")
        };
        assert_eq!(
            (patch.ttl, patch.proxied, old.as_str()),
            (300, true, "1.1.1.1")
        );
        assert_eq!(patch.content, IP);
    }

    #[test]
    fn manages_the_oldest_and_warns_about_the_rest() {
        let r = [
            rec("new", "a.example.com", "A", "1.1.1.1", "2024-01-01"),
            rec("old", "a.example.com", "A", IP, "2020-01-01"),
        ];
        let d = decide("a.example.com", RecordType::A, want(), &r, &policy(false));
        assert!(matches!(d.action, Action::Keep(ref k) if k.id == "old"));
        assert_eq!(d.warnings.len(), 1);
        assert!(d.warnings[0].contains("new"));
    }

    #[test]
    fn other_types_and_names_are_ignored() {
        // A TXT record is never read at all (`cloudflare::listed`), so it cannot be here.
        let r = [
            rec("v6", "a.example.com", "AAAA", "2a00::1", "2020"),
            rec("b", "b.example.com", "A", "1.1.1.1", "2020"),
        ];
        let d = decide("a.example.com", RecordType::A, want(), &r, &policy(false));
        assert_eq!(d.action, Action::Missing);
        let d = decide("a.example.com", RecordType::A, want(), &r, &policy(true));
        let Action::Write(Write::Create(n)) = d.action else {
            panic!()
        };
        assert_eq!(
            (n.ttl, n.proxied, n.comment.as_deref()),
            (1, false, Some("ddns"))
        );
    }

    #[test]
    fn a_cname_blocks_the_host() {
        let r = [rec("c", "a.example.com", "CNAME", "b.example.com", "2020")];
        let d = decide("a.example.com", RecordType::A, want(), &r, &policy(true));
        assert!(matches!(d.action, Action::Blocked(ref m) if m.contains("CNAME")));
    }

    #[test]
    fn ipv6_content_compares_as_an_address() {
        let r = [rec("1", "a.example.com", "AAAA", "2a00:0:0::1", "2020")];
        let d = decide(
            "a.example.com",
            RecordType::Aaaa,
            "2a00::1".parse().unwrap(),
            &r,
            &policy(false),
        );
        assert!(matches!(d.action, Action::Keep(_)));
    }
}
