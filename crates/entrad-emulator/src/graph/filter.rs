//! `$filter` on users: `eq`, `ne`, `in`, `startswith`, `endswith`, `and`, `or`, `not`
//! and parentheses over string properties and `accountEnabled`.

use super::props::Prop;
use crate::state::User;

/// Deepest nesting of parentheses and `not` accepted. Parsing, matching and dropping
/// a filter recurse once per level, so a few thousand levels (a 6 KB URL) would
/// exhaust a worker thread's stack; no real query comes near this.
pub(crate) const MAX_DEPTH: usize = 100;
/// Most comparisons in one filter: `and`/`or` chains build a tree as deep as they are
/// long, which matching and dropping also walk recursively.
pub(crate) const MAX_COMPARISONS: usize = 1000;

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Filter {
    Eq(Prop, Literal),
    Ne(Prop, Literal),
    In(Prop, Vec<Literal>),
    StartsWith(Prop, String),
    EndsWith(Prop, String),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
}

/// A literal of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Literal {
    Text(String),
    Bool(bool),
    Null,
}

/// Why a filter was refused.
#[derive(Debug, PartialEq)]
pub(crate) enum FilterError {
    /// Bad syntax (400 BadRequest).
    Syntax(String),
    /// A property that cannot be filtered on (400 Request_UnsupportedQuery).
    Property(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Text(String),
    Open,
    Close,
    Comma,
}

fn tokenize(input: &str) -> Result<Vec<Token>, FilterError> {
    let mut tokens = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' | ')' | ',' => {
                chars.next();
                tokens.push(match c {
                    '(' => Token::Open,
                    ')' => Token::Close,
                    _ => Token::Comma,
                });
            }
            '\'' => {
                chars.next();
                let mut text = String::new();
                loop {
                    match chars.next() {
                        Some('\'') if chars.peek() == Some(&'\'') => {
                            chars.next();
                            text.push('\'');
                        }
                        Some('\'') => break,
                        Some(c) => text.push(c),
                        None => {
                            return Err(FilterError::Syntax("unterminated string literal".into()));
                        }
                    }
                }
                tokens.push(Token::Text(text));
            }
            _ => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || matches!(c, '(' | ')' | ',' | '\'') {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                tokens.push(Token::Word(word));
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    advanced: bool,
    depth: usize,
    comparisons: usize,
}

impl Parser {
    fn peek_word(&self) -> Option<String> {
        match self.tokens.get(self.pos) {
            Some(Token::Word(w)) => Some(w.to_ascii_lowercase()),
            _ => None,
        }
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        token
    }

    fn consume(&mut self, expected: Token) -> Result<(), FilterError> {
        match self.next() {
            Some(t) if t == expected => Ok(()),
            other => Err(FilterError::Syntax(format!(
                "expected {expected:?}, found {other:?}"
            ))),
        }
    }

    fn or(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.and()?;
        while self.peek_word().as_deref() == Some("or") {
            self.pos += 1;
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.unary()?;
        while self.peek_word().as_deref() == Some("and") {
            self.pos += 1;
            left = Filter::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, FilterError> {
        if self.peek_word().as_deref() == Some("not") {
            self.pos += 1;
            self.advanced = true;
            self.descend()?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Filter::Not(Box::new(inner)));
        }
        if self.tokens.get(self.pos) == Some(&Token::Open) {
            self.pos += 1;
            self.descend()?;
            let inner = self.or()?;
            self.depth -= 1;
            self.consume(Token::Close)?;
            return Ok(inner);
        }
        self.comparisons += 1;
        if self.comparisons > MAX_COMPARISONS {
            return Err(FilterError::Syntax(format!(
                "the expression has more than {MAX_COMPARISONS} comparisons"
            )));
        }
        self.comparison()
    }

    fn descend(&mut self) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(FilterError::Syntax(format!(
                "the expression nests parentheses or 'not' more than {MAX_DEPTH} levels deep"
            )));
        }
        Ok(())
    }

    fn property(&mut self) -> Result<Prop, FilterError> {
        match self.next() {
            Some(Token::Word(name)) => match Prop::parse(&name) {
                Some(
                    p @ (Prop::Null(_) | Prop::Empty(_) | Prop::BusinessPhones | Prop::UserType),
                ) => Err(FilterError::Property(p.name().into())),
                Some(p) => Ok(p),
                None => Err(FilterError::Property(name)),
            },
            other => Err(FilterError::Syntax(format!(
                "expected a property, found {other:?}"
            ))),
        }
    }

    fn literal(&mut self) -> Result<Literal, FilterError> {
        match self.next() {
            Some(Token::Text(t)) => Ok(Literal::Text(t)),
            Some(Token::Word(w)) => match w.as_str() {
                "true" => Ok(Literal::Bool(true)),
                "false" => Ok(Literal::Bool(false)),
                "null" => Ok(Literal::Null),
                _ => Err(FilterError::Syntax(format!("unexpected '{w}'"))),
            },
            other => Err(FilterError::Syntax(format!(
                "expected a literal, found {other:?}"
            ))),
        }
    }

    fn text(&mut self) -> Result<String, FilterError> {
        match self.literal()? {
            Literal::Text(t) => Ok(t),
            other => Err(FilterError::Syntax(format!(
                "expected a string, found {other:?}"
            ))),
        }
    }

    fn comparison(&mut self) -> Result<Filter, FilterError> {
        if let Some(function) = self
            .peek_word()
            .filter(|w| w == "startswith" || w == "endswith")
        {
            self.pos += 1;
            self.consume(Token::Open)?;
            let prop = self.property()?;
            self.consume(Token::Comma)?;
            let value = self.text()?;
            self.consume(Token::Close)?;
            return Ok(if function == "startswith" {
                Filter::StartsWith(prop, value)
            } else {
                self.advanced = true;
                Filter::EndsWith(prop, value)
            });
        }
        let prop = self.property()?;
        let op = self
            .peek_word()
            .ok_or_else(|| FilterError::Syntax("expected an operator".into()))?;
        self.pos += 1;
        match op.as_str() {
            "eq" | "ne" => {
                let value = self.literal()?;
                if op == "ne" || value == Literal::Null {
                    self.advanced = true;
                }
                Ok(if op == "eq" {
                    Filter::Eq(prop, value)
                } else {
                    Filter::Ne(prop, value)
                })
            }
            "in" => {
                self.consume(Token::Open)?;
                let mut values = vec![self.literal()?];
                while self.tokens.get(self.pos) == Some(&Token::Comma) {
                    self.pos += 1;
                    values.push(self.literal()?);
                }
                self.consume(Token::Close)?;
                Ok(Filter::In(prop, values))
            }
            other => Err(FilterError::Syntax(format!(
                "unsupported operator '{other}'"
            ))),
        }
    }
}

impl Filter {
    /// Parses a filter; the flag tells whether it is an advanced query (needs
    /// `ConsistencyLevel: eventual` and `$count=true`).
    pub(crate) fn parse(input: &str) -> Result<(Filter, bool), FilterError> {
        let mut parser = Parser {
            tokens: tokenize(input)?,
            pos: 0,
            advanced: false,
            depth: 0,
            comparisons: 0,
        };
        let filter = parser.or()?;
        if parser.pos != parser.tokens.len() {
            return Err(FilterError::Syntax(
                "unexpected text after the expression".into(),
            ));
        }
        Ok((filter, parser.advanced))
    }

    pub(crate) fn matches(&self, user: &User) -> bool {
        match self {
            Filter::Eq(p, v) => equals(*p, v, user),
            Filter::Ne(p, v) => !equals(*p, v, user),
            Filter::In(p, vs) => vs.iter().any(|v| equals(*p, v, user)),
            Filter::StartsWith(p, prefix) => {
                value(*p, user).is_some_and(|s| starts_with_ci(&s, prefix))
            }
            Filter::EndsWith(p, suffix) => {
                value(*p, user).is_some_and(|s| s.to_lowercase().ends_with(&suffix.to_lowercase()))
            }
            Filter::And(a, b) => a.matches(user) && b.matches(user),
            Filter::Or(a, b) => a.matches(user) || b.matches(user),
            Filter::Not(f) => !f.matches(user),
        }
    }
}

fn value(prop: Prop, user: &User) -> Option<String> {
    match prop {
        Prop::Id => Some(user.id.to_string()),
        other => other.text(user).map(String::from),
    }
}

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.to_lowercase().starts_with(&prefix.to_lowercase())
}

fn equals(prop: Prop, literal: &Literal, user: &User) -> bool {
    match (prop, literal) {
        (Prop::AccountEnabled, Literal::Bool(b)) => user.account_enabled == *b,
        (Prop::AccountEnabled, _) => false,
        (_, Literal::Null) => value(prop, user).is_none(),
        (_, Literal::Text(t)) => {
            value(prop, user).is_some_and(|v| v.to_lowercase() == t.to_lowercase())
        }
        (_, Literal::Bool(_)) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> User {
        serde_json::from_value(serde_json::json!({
            "id": "00000000-0000-0000-0000-000000000001",
            "userPrincipalName": "adele.vance@x.test",
            "displayName": "Adele Vance",
            "jobTitle": "Designer",
            "accountEnabled": false,
        }))
        .unwrap()
    }

    #[test]
    fn evaluates_basic_and_advanced_filters() {
        let u = user();
        let check = |f: &str| {
            let (filter, advanced) = Filter::parse(f).unwrap();
            (filter.matches(&u), advanced)
        };
        assert_eq!(check("displayName eq 'adele vance'"), (true, false));
        assert_eq!(check("startswith(displayName,'Ad')"), (true, false));
        assert_eq!(
            check("startsWith(userPrincipalName, 'bob')"),
            (false, false)
        );
        assert_eq!(
            check("accountEnabled eq false and jobTitle in ('Designer','CEO')"),
            (true, false)
        );
        assert_eq!(check("displayName ne 'x'"), (true, true));
        assert_eq!(check("endswith(mail,'@x.test')"), (false, true));
        assert_eq!(
            check("not (startswith(displayName,'B') or mail eq null)"),
            (false, true)
        );
        assert_eq!(check("givenName eq 'O''Brien'"), (false, false));
    }

    #[test]
    fn refuses_bad_filters() {
        assert!(matches!(
            Filter::parse("displayName eqq 'a'"),
            Err(FilterError::Syntax(_))
        ));
        assert!(matches!(
            Filter::parse("startswith(displayName,'a'"),
            Err(FilterError::Syntax(_))
        ));
        assert!(matches!(
            Filter::parse("displayName eq 'a"),
            Err(FilterError::Syntax(_))
        ));
        assert_eq!(
            Filter::parse("shoeSize eq '4'"),
            Err(FilterError::Property("shoeSize".into()))
        );
        assert!(matches!(
            Filter::parse("displayName eq 'a' junk"),
            Err(FilterError::Syntax(_))
        ));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// Untrusted `$filter` text: an answer (Ok or a 400), never a panic.
        #[test]
        fn prop_filter_parse_never_panics(
            input in proptest::prop_oneof![
                proptest::prelude::any::<String>(),
                "[ a-zA-Z()',.0-9/-]{0,40}",
                "(startswith\\(displayName,'[a-z' ]{0,5}|accountEnabled eq |id in \\(|not |and |or |'|\\)| ){0,12}",
            ]
        ) {
            let _ = Filter::parse(&input);
        }
    }

    #[test]
    fn nesting_up_to_the_limit_parses_and_deeper_is_a_syntax_error() {
        let nested = |levels: usize| {
            format!(
                "{}displayName eq 'Adele Vance'{}",
                "(".repeat(levels),
                ")".repeat(levels)
            )
        };
        let (filter, _) = Filter::parse(&nested(MAX_DEPTH)).unwrap();
        assert!(filter.matches(&user()));
        for levels in [MAX_DEPTH + 1, 3000] {
            match Filter::parse(&nested(levels)) {
                Err(FilterError::Syntax(message)) => {
                    assert!(message.contains("100 levels"), "{message}")
                }
                other => panic!("{levels} levels: {other:?}"),
            }
        }
        let nots = format!("{}displayName eq 'x'", "not ".repeat(3000));
        assert!(matches!(Filter::parse(&nots), Err(FilterError::Syntax(_))));
    }

    #[test]
    fn a_chain_of_more_comparisons_than_the_limit_is_a_syntax_error() {
        let chain = |n: usize| vec!["displayName eq 'x'"; n].join(" and ");
        assert!(Filter::parse(&chain(MAX_COMPARISONS)).is_ok());
        match Filter::parse(&chain(70_000)) {
            Err(FilterError::Syntax(message)) => {
                assert!(message.contains("1000 comparisons"), "{message}")
            }
            other => panic!("{other:?}"),
        }
    }
}
