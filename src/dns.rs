//! The DNS model shared by the Cloudflare client and the pure decisions: zones, records, the
//! changes a pass can make, and how created records look. No I/O.

use miniserde::Deserialize;
use std::fmt;
use std::net::IpAddr;

/// The record types a pass reads: its own (A, AAAA) and the CNAME that would block them.
/// Every other type is never read, so never touched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum RecordType {
    A,
    #[serde(rename = "AAAA")]
    Aaaa,
    #[serde(rename = "CNAME")]
    Cname,
}

impl RecordType {
    /// As Cloudflare spells it; `None` for a type a pass never reads.
    pub fn parse(s: &str) -> Option<RecordType> {
        match s {
            "A" => Some(RecordType::A),
            "AAAA" => Some(RecordType::Aaaa),
            "CNAME" => Some(RecordType::Cname),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RecordType::A => "A",
            RecordType::Aaaa => "AAAA",
            RecordType::Cname => "CNAME",
        }
    }
}

impl fmt::Display for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Zone {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub id: String,
    pub name: String,
    pub rtype: RecordType,
    pub content: Content,
    pub ttl: Option<u32>,
    pub proxied: Option<bool>,
    pub created_on: Option<String>,
    /// Its comment: with MANAGED_RECORDS_COMMENT_REGEX, whose record it is.
    pub comment: Option<String>,
}

/// A record's content as Cloudflare wrote it, and, for an address, the address: read once
/// where the record enters, so deciding compares addresses (`2a00:0::1` is `2a00::1`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Content {
    text: String,
    ip: Option<IpAddr>,
}

impl Content {
    pub fn new(text: String) -> Content {
        let ip = text.parse().ok();
        Content { text, ip }
    }

    /// The address it holds, if it is one.
    pub fn ip(&self) -> Option<IpAddr> {
        self.ip
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for Content {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A listed record that could not be understood, known by name and type so that only the
/// host it belongs to fails (and only if it is managed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable {
    pub name: String,
    pub rtype: RecordType,
    /// Which field was wrong, and how.
    pub why: String,
}

/// One entry of a record listing.
pub type Listed = Result<Record, Unreadable>;

/// A change to an existing record: its current name, type, ttl and proxied with new content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Patch {
    pub id: String,
    pub name: String,
    pub rtype: RecordType,
    pub content: String,
    pub ttl: u32,
    pub proxied: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRecord {
    pub name: String,
    pub rtype: RecordType,
    pub content: String,
    pub ttl: u32,
    pub proxied: bool,
    pub comment: Option<String>,
}

/// Whether and how this tool creates records (`ALLOW_CREATE_HOSTS`, `TTL`, `PROXIED`,
/// `RECORD_COMMENT`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreatePolicy {
    pub allowed: bool,
    pub ttl: u32,
    /// `PROXIED`: true, false, or favonia's expression over the record's name.
    pub proxied: crate::proxied::Proxied,
    pub comment: Option<String>,
}

impl CreatePolicy {
    /// For re-reading a record someone else created: never create.
    pub fn never() -> CreatePolicy {
        CreatePolicy {
            allowed: false,
            ttl: 1,
            proxied: crate::proxied::always(false),
            comment: None,
        }
    }
}
