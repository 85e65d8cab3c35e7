//! Detection filters (favonia's `IP4_DETECTION_FILTER` / `IP6_DETECTION_FILTER`): `keep-all`,
//! or an expression over one detected address with `addr-in(<CIDR>)`, `!`, `&&`, `||` and
//! parentheses; whitespace is ignored. Parsed once at start into an AST; evaluated per
//! address. Pure.

use std::fmt;
use std::net::IpAddr;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Filter {
    /// `addr-in(prefix/len)`
    AddrIn(IpAddr, u8),
    Not(Box<Filter>),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
}

/// Where the text stops making sense: the character position (from 1) and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterError {
    pub at: usize,
    pub expected: String,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "at character {}: expected {}", self.at, self.expected)
    }
}

/// Nesting deeper than this is not a filter anyone writes; it bounds the parser's stack.
const MAX_DEPTH: usize = 32;

/// `None` for `keep-all`; `v4` says which family the prefixes must be of.
#[inline(never)]
pub fn parse(text: &str, v4: bool) -> Result<Option<Filter>, FilterError> {
    let chars: Vec<(usize, char)> = text
        .chars()
        .enumerate()
        .filter(|(_, c)| !c.is_whitespace())
        .collect();
    let compact: String = chars.iter().map(|(_, c)| c).collect();
    if compact == "keep-all" {
        return Ok(None);
    }
    let mut p = Parser {
        chars: &chars,
        pos: 0,
        v4,
        end: text.chars().count() + 1,
        depth: 0,
    };
    let filter = p.or()?;
    match p.peek() {
        None => Ok(Some(filter)),
        Some(_) => Err(p.error("&&, || or the end")),
    }
}

/// Printed with only the parentheses it needs, so it reads back as the same expression.
impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let grouped = |f: &mut fmt::Formatter, e: &Filter, paren: bool| match paren {
            true => write!(f, "({e})"),
            false => write!(f, "{e}"),
        };
        match self {
            Filter::AddrIn(ip, len) => write!(f, "addr-in({ip}/{len})"),
            Filter::Not(inner) => {
                f.write_str("!")?;
                grouped(
                    f,
                    inner,
                    matches!(**inner, Filter::And(..) | Filter::Or(..)),
                )
            }
            Filter::And(a, b) => {
                grouped(f, a, matches!(**a, Filter::Or(..)))?;
                f.write_str(" && ")?;
                grouped(f, b, matches!(**b, Filter::And(..) | Filter::Or(..)))
            }
            Filter::Or(a, b) => {
                grouped(f, a, false)?;
                f.write_str(" || ")?;
                grouped(f, b, matches!(**b, Filter::Or(..)))
            }
        }
    }
}

impl Filter {
    #[inline(never)]
    pub fn keeps(&self, ip: &IpAddr) -> bool {
        match self {
            Filter::AddrIn(prefix, len) => contains(prefix, *len, ip),
            Filter::Not(f) => !f.keeps(ip),
            Filter::And(a, b) => a.keeps(ip) && b.keeps(ip),
            Filter::Or(a, b) => a.keeps(ip) || b.keeps(ip),
        }
    }
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

struct Parser<'t> {
    /// The text without whitespace, each character with its place in the original.
    chars: &'t [(usize, char)],
    pos: usize,
    v4: bool,
    /// The position reported at the end of the text.
    end: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).map(|(_, c)| *c)
    }

    fn error(&self, expected: &str) -> FilterError {
        FilterError {
            at: self.chars.get(self.pos).map_or(self.end, |(i, _)| i + 1),
            expected: expected.to_string(),
        }
    }

    /// Takes `word` if it comes next.
    fn eat(&mut self, word: &str) -> bool {
        let n = word.chars().count();
        let next = self.chars.iter().skip(self.pos).take(n).map(|(_, c)| *c);
        if next.eq(word.chars()) {
            self.pos += n;
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.and()?;
        while self.eat("||") {
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.unary()?;
        while self.eat("&&") {
            left = Filter::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(&format!("at most {MAX_DEPTH} levels of nesting")));
        }
        let out = if self.eat("!") {
            self.unary().map(|f| Filter::Not(Box::new(f)))
        } else if self.eat("(") {
            let inner = self.or()?;
            match self.eat(")") {
                true => Ok(inner),
                false => Err(self.error("')'")),
            }
        } else if self.eat("addr-in(") {
            self.addr_in()
        } else {
            Err(self.error("addr-in(<prefix>), '!' or '('"))
        };
        self.depth -= 1;
        out
    }

    fn addr_in(&mut self) -> Result<Filter, FilterError> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c != ')') {
            self.pos += 1;
        }
        let text: String = self.chars[start..self.pos].iter().map(|(_, c)| c).collect();
        let at = self.chars.get(start).map_or(self.end, |(i, _)| i + 1);
        let family = if self.v4 { "IPv4" } else { "IPv6" };
        let wrong = |what: String| FilterError { at, expected: what };
        let (addr, len) = text.split_once('/').ok_or_else(|| {
            wrong(format!(
                "an {family} prefix in CIDR form (a single address is /32 or /128), not {text:?}"
            ))
        })?;
        let ip: IpAddr = addr
            .parse()
            .map_err(|_| wrong(format!("an {family} prefix, not {text:?}")))?;
        let max = if ip.is_ipv4() { 32 } else { 128 };
        let len = match len.parse::<u8>() {
            Ok(n) if n <= max => n,
            _ => {
                return Err(wrong(format!(
                    "a prefix length from 0 to {max}, not /{len}"
                )))
            }
        };
        if ip.is_ipv4() != self.v4 {
            return Err(wrong(format!("an {family} prefix, not {text:?}")));
        }
        if !self.eat(")") {
            return Err(self.error("')'"));
        }
        Ok(Filter::AddrIn(ip, len))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keeps(filter: &str, v4: bool, ip: &str) -> bool {
        parse(filter, v4)
            .unwrap()
            .unwrap()
            .keeps(&ip.parse().unwrap())
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
