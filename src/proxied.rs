//! `PROXIED` as favonia writes it: `true`/`false`, or an expression (`expr`) over the name of
//! a record being created: `is(name, …)` (exactly one of these names; `is(*.example.org)` is
//! the wildcard name itself) and `sub(name, …)` (a name under one of these, not the name
//! itself; `sub(.)` is every name). It decides `proxied` for the records dyncfdns creates;
//! existing records keep theirs. Pure.

use crate::expr::{self, Cursor, Expr, ExprError};
use std::fmt;

pub type Proxied = Expr<Names>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Names {
    Always(bool),
    Is(Vec<String>),
    Sub(Vec<String>),
}

impl fmt::Display for Names {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Names::Always(b) => write!(f, "{b}"),
            Names::Is(n) => write!(f, "is({})", n.join(", ")),
            Names::Sub(n) => {
                let shown: Vec<&str> = n
                    .iter()
                    .map(|n| if n.is_empty() { "." } else { n })
                    .collect();
                write!(f, "sub({})", shown.join(", "))
            }
        }
    }
}

pub fn always(proxied: bool) -> Proxied {
    Expr::Atom(Names::Always(proxied))
}

/// The booleans Go's `strconv.ParseBool` accepts, as favonia reads them, and ours.
fn boolean(word: &str) -> Option<bool> {
    match word {
        "1" | "t" | "T" | "TRUE" | "true" | "True" | "yes" | "on" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" | "no" | "off" => Some(false),
        _ => None,
    }
}

#[inline(never)]
pub fn parse(text: &str) -> Result<Proxied, ExprError> {
    expr::parse(text, "true, false, is(<names>) or sub(<names>)", &mut names)
}

fn names(c: &mut Cursor) -> Result<Option<Names>, ExprError> {
    let mark = c.mark();
    let word = c.word();
    if let Some(b) = boolean(&word) {
        return Ok(Some(Names::Always(b)));
    }
    let sub = match word.as_str() {
        "is" => false,
        "sub" => true,
        _ => {
            c.rewind(mark);
            return Ok(None);
        }
    };
    if !c.eat("(") {
        return Err(c.error("'(' and names"));
    }
    let (list, at) = c.until_close();
    let mut out = Vec::new();
    for name in list
        .split(|ch: char| ch == ',' || ch.is_whitespace())
        .filter(|n| !n.is_empty())
    {
        out.push(normalize(name, sub).map_err(|why| ExprError { at, expected: why })?);
    }
    if out.is_empty() {
        return Err(ExprError {
            at,
            expected: "at least one name".to_string(),
        });
    }
    if !c.eat(")") {
        return Err(c.error("')'"));
    }
    Ok(Some(if sub { Names::Sub(out) } else { Names::Is(out) }))
}

/// A name as the host lists keep it: ASCII, lowercase, no trailing dot; `sub(.)` is the root.
fn normalize(name: &str, sub: bool) -> Result<String, String> {
    if sub && name == "." {
        return Ok(String::new());
    }
    let ascii = crate::idna::to_ascii(name.trim_end_matches('.'))
        .map_err(|why| format!("a name: {why}"))?;
    let misplaced = ascii.split('.').skip(1).any(|l| l == "*");
    if ascii.is_empty() || ascii.split('.').any(str::is_empty) || misplaced {
        return Err(format!(
            "a name, not {name:?} (a wildcard '*' only as the first label)"
        ));
    }
    Ok(ascii)
}

/// Whether a record created for `host` is proxied.
#[inline(never)]
pub fn for_host(proxied: &Proxied, host: &str) -> bool {
    proxied.eval(&|atom| match atom {
        Names::Always(b) => *b,
        Names::Is(names) => names.iter().any(|n| n == host),
        Names::Sub(names) => names.iter().any(|n| {
            n.is_empty()
                || host
                    .strip_suffix(n.as_str())
                    .is_some_and(|rest| rest.ends_with('.'))
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str, host: &str) -> bool {
        for_host(&parse(text).unwrap(), host)
    }

    #[test]
    fn favonias_examples() {
        assert!(p("true", "a.example.org") && !p("FALSE", "a.example.org") && p("1", "x.y"));
        assert!(p("is(example.org)", "example.org"));
        assert!(!p("is(example.org)", "www.example.org"));
        assert!(p("sub(example.org)", "www.example.org"));
        assert!(p("sub(example.org)", "*.example.org"));
        assert!(!p("sub(example.org)", "example.org"));
        assert!(!p("sub(example.org)", "badexample.org"));
        assert!(p("!is(example.org)", "www.example.org"));
        assert!(p("is(a.org) || is(b.org)", "b.org"));
        assert!(p("is(a.org, b.org)", "b.org") && p("is(a.org b.org)", "a.org"));
        assert!(p("sub(.)", "anything.example"));
        assert!(
            p("is(*.example.org)", "*.example.org") && !p("is(*.example.org)", "w.example.org")
        );
        assert!(p("is(☕.example.org)", "xn--53h.example.org"));
        assert!(p("is(Example.ORG.)", "example.org"));
        let f = "sub(example.io) && !(is(api.example.io) || sub(internal.example.io))";
        assert!(
            p(f, "www.example.io") && !p(f, "api.example.io") && !p(f, "x.internal.example.io")
        );
    }

    #[test]
    fn errors_say_where() {
        let e = |t: &str| parse(t).unwrap_err().to_string();
        assert_eq!(
            e("maybe"),
            "at character 1: expected true, false, is(<names>) or sub(<names>), '!' or '('"
        );
        assert_eq!(e("is(example.org"), "at character 15: expected ')'");
        assert_eq!(e("is()"), "at character 4: expected at least one name");
        assert_eq!(e("is(a.*.org)"), "at character 4: expected a name, not \"a.*.org\" (a wildcard '*' only as the first label)");
        assert_eq!(e("is a.org"), "at character 4: expected '(' and names");
        assert_eq!(
            e("true false"),
            "at character 6: expected &&, || or the end"
        );
    }

    #[test]
    fn printed_it_reads_back_the_same() {
        let f = parse("sub(example.io)&&!(is(api.example.io)||sub(internal.example.io))").unwrap();
        assert_eq!(
            f.to_string(),
            "sub(example.io) && !(is(api.example.io) || sub(internal.example.io))"
        );
        assert_eq!(parse(&f.to_string()).unwrap(), f);
        let all = parse("sub(.)").unwrap();
        assert_eq!(parse(&all.to_string()).unwrap(), all);
    }
}
