//! Cloudflare's IP lists (WAF lists, favonia's `WAF_LISTS`): which list, and what its items
//! hold. Plain data, parsed once where it enters (a setting, an answer).

use crate::config::Family;
use std::fmt;
use std::net::IpAddr;

/// `<account-id>/<list-name>`, as favonia writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WafList {
    pub account: String,
    pub name: String,
}

impl fmt::Display for WafList {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}/{}", self.account, self.name)
    }
}

/// Why `<account-id>/<list-name>` cannot name a list.
pub fn parse_list(text: &str) -> Result<WafList, String> {
    let Some((account, name)) = text.split_once('/') else {
        return Err(format!(
            "{text:?} is not <account-id>/<list-name> (the account id is on the dashboard's overview page)"
        ));
    };
    let alnum = |s: &str| s.bytes().all(|b| b.is_ascii_alphanumeric());
    if account.is_empty() || account.len() > 32 || !alnum(account) {
        return Err(format!(
            "{text:?}: the account id must be 1 to 32 letters and digits"
        ));
    }
    // Cloudflare's rule for list names (rules refer to a list by it).
    let named = name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if name.is_empty() || name.len() > 50 || !named {
        return Err(format!(
            "{text:?}: the list name must be 1 to 50 letters, digits and underscores"
        ));
    }
    Ok(WafList {
        account: account.to_string(),
        name: name.to_string(),
    })
}

/// An IP list item's value: a network, kept with its host bits cleared, so that
/// `2001:db8::1/64` and `2001:db8::/64` are the same item. Shown as Cloudflare shows it (an
/// IPv4 /32 bare).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Range {
    ip: IpAddr,
    len: u8,
}

impl Range {
    /// `ip`'s network of `len` bits (at most the family's width).
    pub fn new(ip: IpAddr, len: u8) -> Range {
        match ip {
            IpAddr::V4(v4) => {
                let len = len.min(32);
                let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
                Range {
                    ip: IpAddr::V4((u32::from(v4) & mask).into()),
                    len,
                }
            }
            IpAddr::V6(v6) => {
                let len = len.min(128);
                let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
                Range {
                    ip: IpAddr::V6((u128::from(v6) & mask).into()),
                    len,
                }
            }
        }
    }

    /// `a.b.c.d`, `a.b.c.d/n` or `x::/n` (a bare IPv6 address is a /128).
    pub fn parse(text: &str) -> Option<Range> {
        let (ip, len) = match text.split_once('/') {
            Some((ip, len)) if !len.is_empty() && len.bytes().all(|b| b.is_ascii_digit()) => {
                (ip.parse::<IpAddr>().ok()?, len.parse::<u8>().ok()?)
            }
            Some(_) => return None,
            None => {
                let ip = text.parse::<IpAddr>().ok()?;
                (ip, if ip.is_ipv4() { 32 } else { 128 })
            }
        };
        let width = if ip.is_ipv4() { 32 } else { 128 };
        (len <= width).then(|| Range::new(ip, len))
    }

    pub fn family(&self) -> Family {
        match self.ip {
            IpAddr::V4(_) => Family::V4,
            IpAddr::V6(_) => Family::V6,
        }
    }

    /// Whether every address of `other` is in this range.
    pub fn covers(&self, other: &Range) -> bool {
        self.family() == other.family()
            && self.len <= other.len
            && Range::new(other.ip, self.len).ip == self.ip
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match (self.ip, self.len) {
            (IpAddr::V4(ip), 32) => write!(f, "{ip}"),
            (ip, len) => write!(f, "{ip}/{len}"),
        }
    }
}

/// One item of an IP list as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub id: String,
    pub range: Range,
    pub comment: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_names_follow_cloudflare() {
        let l = parse_list("0123456789abcdef0123456789abcdef/home_ips").unwrap();
        assert_eq!(l.to_string(), "0123456789abcdef0123456789abcdef/home_ips");
        for bad in [
            "home",
            "/home",
            "acct/",
            "acct/home-ips",
            "acct/a b",
            "ac-ct/home",
        ] {
            assert!(parse_list(bad).is_err(), "{bad}");
        }
        assert!(parse_list(&format!("a/{}", "x".repeat(51))).is_err());
        assert!(parse_list(&format!("{}/x", "a".repeat(33))).is_err());
    }

    #[test]
    fn ranges_are_kept_without_host_bits_and_shown_as_cloudflare_does() {
        let r = |s: &str| Range::parse(s).unwrap();
        assert_eq!(r("203.0.113.7").to_string(), "203.0.113.7");
        assert_eq!(r("203.0.113.7/32"), r("203.0.113.7"));
        assert_eq!(r("203.0.113.7/24").to_string(), "203.0.113.0/24");
        assert_eq!(r("2001:db8:1:2::5/64").to_string(), "2001:db8:1:2::/64");
        assert_eq!(r("2001:db8::1").to_string(), "2001:db8::1/128");
        assert_eq!(r("0.0.0.0/0").to_string(), "0.0.0.0/0");
        for bad in [
            "203.0.113.7/33",
            "2001:db8::/129",
            "x",
            "1.2.3.4/",
            "1.2.3.4/a",
            "",
        ] {
            assert!(Range::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_range_covers_what_lies_inside_it_in_its_family() {
        let r = |s: &str| Range::parse(s).unwrap();
        assert!(r("203.0.113.0/24").covers(&r("203.0.113.7")));
        assert!(r("203.0.113.7").covers(&r("203.0.113.7")));
        assert!(!r("203.0.113.7").covers(&r("203.0.113.0/24")));
        assert!(!r("203.0.114.0/24").covers(&r("203.0.113.7")));
        assert!(r("2001:db8:1::/48").covers(&r("2001:db8:1:2::/64")));
        assert!(!r("0.0.0.0/0").covers(&r("2001:db8::/64")));
        assert!(r("::/0").covers(&r("2001:db8::/64")));
    }
}
