//! `MANAGED_RECORDS_COMMENT_REGEX`: the part of RE2 people write to say which records an
//! instance owns by their comment (`^managed-by-a$`, `^ddns`, `home|office`, `^ddns-.*-v4$`):
//! alternations of literals, `^` and `$` anchors, `.` and `.*`, and `\` escapes. Anything else
//! is refused naming the construct, so a pattern never means something other than it says.
//! Parsed once at start; matched per record. Pure.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    text: String,
    branches: Vec<Branch>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Branch {
    start: bool,
    end: bool,
    atoms: Vec<Atom>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Atom {
    Char(char),
    /// `.`
    Any,
    /// `.*`
    AnyRun,
}

/// A construct the subset does not have, and where (from 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternError {
    pub at: usize,
    pub what: String,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "at character {}: {}", self.at, self.what)
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Longest comment looked at: Cloudflare's limit on paid plans is 500 characters.
const MAX_COMMENT: usize = 500;

#[inline(never)]
pub fn parse(text: &str) -> Result<Pattern, PatternError> {
    let chars: Vec<char> = text.chars().collect();
    let mut branches = Vec::new();
    let mut i = 0;
    loop {
        let (branch, next) = branch(&chars, i)?;
        branches.push(branch);
        match chars.get(next) {
            Some('|') => i = next + 1,
            _ => break,
        }
    }
    Ok(Pattern {
        text: text.to_string(),
        branches,
    })
}

fn branch(chars: &[char], mut i: usize) -> Result<(Branch, usize), PatternError> {
    let refuse = |at: usize, what: &str| PatternError {
        at: at + 1,
        what: what.to_string(),
    };
    let start = chars.get(i) == Some(&'^');
    if start {
        i += 1;
    }
    let mut atoms = Vec::new();
    let mut end = false;
    while let Some(&c) = chars.get(i) {
        match c {
            '|' => break,
            '$' if matches!(chars.get(i + 1), None | Some('|')) => {
                end = true;
                i += 1;
                break;
            }
            '.' if chars.get(i + 1) == Some(&'*') => {
                atoms.push(Atom::AnyRun);
                i += 2;
                continue;
            }
            '.' => atoms.push(Atom::Any),
            '\\' => match chars.get(i + 1) {
                Some(&e) if !e.is_ascii_alphanumeric() => {
                    atoms.push(Atom::Char(e));
                    i += 1;
                }
                Some(&e) => {
                    return Err(refuse(i, &format!("\\{e} (a character class) is not supported; write the characters themselves")))
                }
                None => return Err(refuse(i, "a '\\' ends the pattern")),
            },
            '(' | ')' => return Err(refuse(i, "groups '( )' are not supported; write each alternative in full: a|b")),
            '[' | ']' => return Err(refuse(i, "character classes '[ ]' are not supported")),
            '{' | '}' => return Err(refuse(i, "repetition counts '{ }' are not supported")),
            '*' | '+' | '?' => {
                return Err(refuse(i, &format!("'{c}' is supported only as '.*' (any run of characters)")))
            }
            '^' => return Err(refuse(i, "'^' is an anchor only at the start of an alternative")),
            '$' => return Err(refuse(i, "'$' is an anchor only at the end of an alternative")),
            c => atoms.push(Atom::Char(c)),
        }
        i += 1;
    }
    Ok((Branch { start, end, atoms }, i))
}

impl Pattern {
    /// Whether a record with this comment (none is the empty comment) matches: somewhere in
    /// it, unless anchored, as RE2 does. Linear in the comment's length times the pattern's.
    #[inline(never)]
    pub fn matches(&self, comment: Option<&str>) -> bool {
        let text: Vec<char> = comment.unwrap_or("").chars().take(MAX_COMMENT).collect();
        self.branches.iter().any(|b| {
            // Unanchored ends match as if `.*` stood there.
            let mut atoms = Vec::with_capacity(b.atoms.len() + 2);
            if !b.start {
                atoms.push(Atom::AnyRun);
            }
            atoms.extend_from_slice(&b.atoms);
            if !b.end {
                atoms.push(Atom::AnyRun);
            }
            whole(&atoms, &text)
        })
    }
}

/// Whether `atoms` match all of `text`: the set of places reached in the pattern, character
/// by character (no backtracking).
fn whole(atoms: &[Atom], text: &[char]) -> bool {
    let mut at = vec![false; atoms.len() + 1];
    at[0] = true;
    skip_runs(atoms, &mut at);
    for c in text {
        let mut next = vec![false; atoms.len() + 1];
        for (i, atom) in atoms.iter().enumerate().filter(|(i, _)| at[*i]) {
            match atom {
                Atom::AnyRun => next[i] = true,
                Atom::Any => next[i + 1] = true,
                Atom::Char(x) if x == c => next[i + 1] = true,
                Atom::Char(_) => {}
            }
        }
        skip_runs(atoms, &mut next);
        if !next.contains(&true) {
            return false;
        }
        at = next;
    }
    at[atoms.len()]
}

/// A `.*` may match nothing: reaching it reaches what follows it.
fn skip_runs(atoms: &[Atom], at: &mut [bool]) {
    for i in 0..atoms.len() {
        if at[i] && atoms[i] == Atom::AnyRun {
            at[i + 1] = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, comment: &str) -> bool {
        parse(p).unwrap().matches(Some(comment))
    }

    #[test]
    fn what_people_write() {
        assert!(m("^managed-by-a$", "managed-by-a"));
        assert!(!m("^managed-by-a$", "managed-by-ab"));
        assert!(!m("^managed-by-a$", "x managed-by-a"));
        assert!(m("^ddns", "ddns home"));
        assert!(!m("^ddns", "my ddns"));
        assert!(m("home|office", "the office router"));
        assert!(!m("home|office", "garage"));
        assert!(m("^ddns-.*-v4$", "ddns-home-v4"));
        assert!(!m("^ddns-.*-v4$", "ddns-home-v6"));
        assert!(m("a.c", "abc"));
        assert!(!m("a\\.c", "abc"));
        assert!(m("a\\.c", "a.c"));
        assert!(m("", "anything"));
        assert!(
            parse("").unwrap().matches(None),
            "an empty pattern owns every record"
        );
        assert!(!parse("^x$").unwrap().matches(None));
        assert!(
            parse("^$").unwrap().matches(None),
            "^$: records without a comment"
        );
    }

    #[test]
    fn the_rest_of_re2_is_refused_by_name() {
        let e = |p: &str| parse(p).unwrap_err().to_string();
        assert_eq!(
            e("^(a|b)$"),
            "at character 2: groups '( )' are not supported; write each alternative in full: a|b"
        );
        assert!(e("dd[n]s").contains("character 3: character classes"));
        assert!(e("a{2}").contains("repetition counts"));
        assert!(e("ddns+").contains("'+' is supported only as '.*'"));
        assert!(e("\\d+").contains("\\d (a character class)"));
        assert!(e("a^b").contains("'^' is an anchor only"));
        assert!(e("a$b").contains("'$' is an anchor only"));
    }

    #[test]
    fn matching_stays_bounded() {
        let p = parse(".*.*.*.*.*x$").unwrap();
        assert!(!p.matches(Some(&"a".repeat(2000))));
    }
}
