//! The DNS model shared by the Cloudflare client and the pure decisions: zones, records, the
//! changes a pass can make, and how created records look. No I/O.

use miniserde::Deserialize;

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Zone {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Record {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub rtype: String,
    pub content: String,
    pub ttl: Option<u32>,
    pub proxied: Option<bool>,
    pub created_on: Option<String>,
}

/// A listed record that could not be understood, known by name and type so that only the
/// host it belongs to fails (and only if it is managed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable {
    pub name: String,
    pub rtype: String,
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
    pub rtype: String,
    pub content: String,
    pub ttl: u32,
    pub proxied: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRecord {
    pub name: String,
    pub rtype: String,
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
    pub proxied: bool,
    pub comment: Option<String>,
}

impl CreatePolicy {
    /// For re-reading a record someone else created: never create.
    pub fn never() -> CreatePolicy {
        CreatePolicy {
            allowed: false,
            ttl: 1,
            proxied: false,
            comment: None,
        }
    }
}
