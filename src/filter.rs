//! Detection filters (favonia's `IP4_DETECTION_FILTER` / `IP6_DETECTION_FILTER`): `keep-all`,
//! or an expression (`expr`) over one detected address with `addr-in(<CIDR>)`. Parsed once at
//! start; evaluated per address. Pure.

use crate::expr::{self, Cursor, Expr, ExprError};
use std::fmt;
use std::net::IpAddr;

pub type Filter = Expr<AddrIn>;
pub type FilterError = ExprError;

/// `addr-in(prefix/len)`
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddrIn(pub IpAddr, pub u8);

impl fmt::Display for AddrIn {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "addr-in({}/{})", self.0, self.1)
    }
}

/// `None` for `keep-all`; `v4` says which family the prefixes must be of.
#[inline(never)]
pub fn parse(text: &str, v4: bool) -> Result<Option<Filter>, FilterError> {
    if text.trim() == "keep-all" {
        return Ok(None);
    }
    expr::parse(text, "addr-in(<prefix>)", &mut |c| addr_in(c, v4)).map(Some)
}

/// Whether `filter` keeps `ip`.
#[inline(never)]
pub fn keeps(filter: &Filter, ip: &IpAddr) -> bool {
    filter.eval(&|AddrIn(prefix, len)| contains(prefix, *len, ip))
}

fn contains(prefix: &IpAddr, len: u8, ip: &IpAddr) -> bool {
    match (prefix, ip) {
        (IpAddr::V4(p), IpAddr::V4(a)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
            u32::from(*p) & mask == u32::from(*a) & mask
        }
        (IpAddr::V6(p), IpAddr::V6(a)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
            u128::from(*p) & mask == u128::from(*a) & mask
        }
        (IpAddr::V4(_), IpAddr::V6(_)) | (IpAddr::V6(_), IpAddr::V4(_)) => false,
    }
}

fn addr_in(c: &mut Cursor, v4: bool) -> Result<Option<AddrIn>, ExprError> {
    if !c.eat("addr-in") || !c.eat("(") {
        return Ok(None);
    }
    let (text, at) = c.until_close();
    let text = text.trim().to_string();
    let family = if v4 { "IPv4" } else { "IPv6" };
    let wrong = |expected: String| ExprError { at, expected };
    let (addr, len) = text.split_once('/').ok_or_else(|| {
        wrong(format!(
            "an {family} prefix in CIDR form (a single address is /32 or /128), not {text:?}"
        ))
    })?;
    let ip: IpAddr = addr
        .trim()
        .parse()
        .map_err(|_| wrong(format!("an {family} prefix, not {text:?}")))?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let len = match len.trim().parse::<u8>() {
        Ok(n) if n <= max => n,
        _ => {
            return Err(wrong(format!(
                "a prefix length from 0 to {max}, not /{len}"
            )))
        }
    };
    if ip.is_ipv4() != v4 {
        return Err(wrong(format!("an {family} prefix, not {text:?}")));
    }
    if !c.eat(")") {
        return Err(c.error("')'"));
    }
    Ok(Some(AddrIn(ip, len)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keeps(filter: &str, v4: bool, ip: &str) -> bool {
        super::keeps(&parse(filter, v4).unwrap().unwrap(), &ip.parse().unwrap())
    }

    #[test]
    fn favonias_language() {
        assert_eq!(parse(" keep-all ", true).unwrap(), None);
        assert!(keeps("addr-in(93.184.216.0/24)", true, "93.184.216.34"));
        assert!(!keeps("addr-in(93.184.216.0/24)", true, "93.184.217.34"));
        assert!(keeps("!addr-in(fd00::/8)", false, "2a01:4f8::1"));
        assert!(!keeps("! addr-in( fd00::/8 )", false, "fd12::1"));
        let f = "addr-in(2a01::/16) && !(addr-in(2a01:4f8::/32) || addr-in(2a01:5::/32))";
        assert!(keeps(f, false, "2a01:6::1"));
        assert!(!keeps(f, false, "2a01:4f8::1"));
        assert!(!keeps(f, false, "2a02::1"));
        // && binds tighter than ||.
        let f = "addr-in(10.0.0.0/8) || addr-in(93.0.0.0/8) && addr-in(1.0.0.0/8)";
        assert!(keeps(f, true, "10.1.1.1"));
        assert!(!keeps(f, true, "93.1.1.1"));
        assert!(keeps("addr-in(0.0.0.0/0)", true, "8.8.8.8"));
        assert!(keeps("addr-in(8.8.8.8/32)", true, "8.8.8.8"));
    }

    #[test]
    fn printed_it_reads_back_the_same() {
        for text in [
            "addr-in(10.0.0.0/8) && addr-in(10.1.0.0/16) && !addr-in(10.1.2.0/24)",
            "addr-in(10.0.0.0/8) && (addr-in(10.1.0.0/16) && addr-in(10.2.0.0/16))",
            "(addr-in(10.0.0.0/8) || addr-in(11.0.0.0/8)) && !(addr-in(10.1.0.0/16) || addr-in(11.1.0.0/16))",
            "addr-in(10.0.0.0/8) || (addr-in(11.0.0.0/8) || addr-in(12.0.0.0/8))",
            "!!addr-in(10.0.0.0/8)",
        ] {
            let f = parse(text, true).unwrap().unwrap();
            assert_eq!(parse(&f.to_string(), true).unwrap(), Some(f.clone()), "{f}");
        }
        let f = parse("(addr-in(10.0.0.0/8))", true).unwrap().unwrap();
        assert_eq!(f.to_string(), "addr-in(10.0.0.0/8)");
    }

    #[test]
    fn errors_say_where_and_what_was_expected() {
        let e = |f: &str, v4| parse(f, v4).unwrap_err().to_string();
        assert_eq!(e("addr-in(8.8.8.8)", true), "at character 9: expected an IPv4 prefix in CIDR form (a single address is /32 or /128), not \"8.8.8.8\"");
        assert_eq!(
            e("addr-in(2a01::/16)", true),
            "at character 9: expected an IPv4 prefix, not \"2a01::/16\""
        );
        assert_eq!(
            e("addr-in(10.0.0.0/33)", true),
            "at character 9: expected a prefix length from 0 to 32, not /33"
        );
        assert_eq!(
            e("addr-in(10.0.0.0/8", true),
            "at character 19: expected ')'"
        );
        assert_eq!(
            e("addr-in(10.0.0.0/8) &", true),
            "at character 21: expected &&, || or the end"
        );
        assert_eq!(
            e("keep-none", true),
            "at character 1: expected addr-in(<prefix>), '!' or '('"
        );
        assert_eq!(
            e("keep-all && addr-in(10.0.0.0/8)", true),
            "at character 1: expected addr-in(<prefix>), '!' or '('"
        );
        assert_eq!(
            e("", true),
            "at character 1: expected addr-in(<prefix>), '!' or '('"
        );
        assert!(e(&"(".repeat(100), true).contains("levels of nesting"));
        assert!(e(&"!".repeat(100), true).contains("levels of nesting"));
    }
}
