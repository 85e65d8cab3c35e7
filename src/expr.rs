//! favonia's boolean expressions, over atoms each user supplies: `!`, `&&` (binding tighter),
//! `||`, parentheses, whitespace between tokens ignored. The detection filters (`filter`) and
//! `PROXIED` (`proxied`) share this one parser. Pure.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr<A> {
    Atom(A),
    Not(Box<Expr<A>>),
    And(Box<Expr<A>>, Box<Expr<A>>),
    Or(Box<Expr<A>>, Box<Expr<A>>),
}

/// Where the text stops making sense: the character position (from 1) and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExprError {
    pub at: usize,
    pub expected: String,
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "at character {}: expected {}", self.at, self.expected)
    }
}

/// Nesting deeper than this is not an expression anyone writes; it bounds the parser's stack.
const MAX_DEPTH: usize = 32;

/// The text being read, a character at a time.
pub struct Cursor {
    chars: Vec<char>,
    pos: usize,
}

impl Cursor {
    fn skip_space(&mut self) {
        while self.chars.get(self.pos).is_some_and(|c| c.is_whitespace()) {
            self.pos += 1;
        }
    }

    /// The next character after any whitespace.
    pub fn peek(&mut self) -> Option<char> {
        self.skip_space();
        self.chars.get(self.pos).copied()
    }

    /// Takes `word` if it comes next (after whitespace).
    pub fn eat(&mut self, word: &str) -> bool {
        self.skip_space();
        let n = word.chars().count();
        let next = self.chars.iter().skip(self.pos).take(n);
        if next.eq(word.chars().collect::<Vec<_>>().iter()) {
            self.pos += n;
            true
        } else {
            false
        }
    }

    /// Everything up to (not including) the next `)`, and where it started (from 1).
    pub fn until_close(&mut self) -> (String, usize) {
        self.skip_space();
        let start = self.pos;
        while self.chars.get(self.pos).is_some_and(|c| *c != ')') {
            self.pos += 1;
        }
        (self.chars[start..self.pos].iter().collect(), start + 1)
    }

    /// A word of letters, digits and `-`: a keyword such as `true`.
    pub fn word(&mut self) -> String {
        self.skip_space();
        let start = self.pos;
        while self
            .chars
            .get(self.pos)
            .is_some_and(|c| c.is_alphanumeric() || *c == '-')
        {
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }

    pub fn mark(&self) -> usize {
        self.pos
    }

    pub fn rewind(&mut self, mark: usize) {
        self.pos = mark;
    }

    pub fn error(&mut self, expected: &str) -> ExprError {
        self.skip_space();
        ExprError {
            at: self.pos + 1,
            expected: expected.to_string(),
        }
    }
}

/// One atom at the cursor: `Ok(None)` when none starts here (the parser then says what it
/// expected: `expected`).
pub type AtomParser<'a, A> = &'a mut dyn FnMut(&mut Cursor) -> Result<Option<A>, ExprError>;

#[inline(never)]
pub fn parse<A>(text: &str, expected: &str, atom: AtomParser<'_, A>) -> Result<Expr<A>, ExprError> {
    let mut p = Parser {
        c: Cursor {
            chars: text.chars().collect(),
            pos: 0,
        },
        atom,
        expected,
        depth: 0,
    };
    let expr = p.or()?;
    match p.c.peek() {
        None => Ok(expr),
        Some(_) => Err(p.c.error("&&, || or the end")),
    }
}

struct Parser<'a, 'e, A> {
    c: Cursor,
    atom: AtomParser<'a, A>,
    expected: &'e str,
    depth: usize,
}

impl<A> Parser<'_, '_, A> {
    fn or(&mut self) -> Result<Expr<A>, ExprError> {
        let mut left = self.and()?;
        while self.c.eat("||") {
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr<A>, ExprError> {
        let mut left = self.unary()?;
        while self.c.eat("&&") {
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr<A>, ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self
                .c
                .error(&format!("at most {MAX_DEPTH} levels of nesting")));
        }
        let out = if self.c.eat("!") {
            self.unary().map(|e| Expr::Not(Box::new(e)))
        } else if self.c.eat("(") {
            let inner = self.or()?;
            match self.c.eat(")") {
                true => Ok(inner),
                false => Err(self.c.error("')'")),
            }
        } else {
            match (self.atom)(&mut self.c)? {
                Some(a) => Ok(Expr::Atom(a)),
                None => Err(self.c.error(&format!("{}, '!' or '('", self.expected))),
            }
        };
        self.depth -= 1;
        out
    }
}

impl<A> Expr<A> {
    pub fn eval(&self, atom: &dyn Fn(&A) -> bool) -> bool {
        match self {
            Expr::Atom(a) => atom(a),
            Expr::Not(e) => !e.eval(atom),
            Expr::And(a, b) => a.eval(atom) && b.eval(atom),
            Expr::Or(a, b) => a.eval(atom) || b.eval(atom),
        }
    }
}

/// Printed with only the parentheses it needs, so it reads back as the same expression.
impl<A: fmt::Display> fmt::Display for Expr<A> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let grouped = |f: &mut fmt::Formatter, e: &Expr<A>, paren: bool| match paren {
            true => write!(f, "({e})"),
            false => write!(f, "{e}"),
        };
        let compound = |e: &Expr<A>| matches!(e, Expr::And(..) | Expr::Or(..));
        match self {
            Expr::Atom(a) => write!(f, "{a}"),
            Expr::Not(inner) => {
                f.write_str("!")?;
                grouped(f, inner, compound(inner))
            }
            Expr::And(a, b) => {
                grouped(f, a, matches!(**a, Expr::Or(..)))?;
                f.write_str(" && ")?;
                grouped(f, b, compound(b))
            }
            Expr::Or(a, b) => {
                grouped(f, a, false)?;
                f.write_str(" || ")?;
                grouped(f, b, matches!(**b, Expr::Or(..)))
            }
        }
    }
}
