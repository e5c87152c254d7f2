//! `$filter` on users and groups: `eq`, `ne`, `in`, `ge`, `le`, `startswith`,
//! `endswith`, `any` on collections, `and`, `or`, `not` and parentheses, each graded
//! by the property's support ([`Field::filter`]): refused where Graph refuses it,
//! and flagged where Graph needs the advanced query parameters.

use super::property::{Field, Op, Support, Value};

/// Deepest nesting of parentheses and `not` accepted. Parsing, matching and dropping
/// a filter recurse once per level, so a few thousand levels (a 6 KB URL) would
/// exhaust a worker thread's stack; no real query comes near this.
pub(crate) const MAX_DEPTH: usize = 100;
/// Most comparisons in one filter: `and`/`or` chains build a tree as deep as they are
/// long, which matching and dropping also walk recursively.
pub(crate) const MAX_COMPARISONS: usize = 1000;

/// A parsed filter on properties `P`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Filter<P> {
    /// A comparison of a single-valued property.
    Compare(P, Cmp),
    /// `collection/any(x: x <comparison>)`.
    Any(P, Cmp),
    And(Box<Filter<P>>, Box<Filter<P>>),
    Or(Box<Filter<P>>, Box<Filter<P>>),
    Not(Box<Filter<P>>),
}

/// A comparison with a value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cmp {
    Eq(Literal),
    Ne(Literal),
    In(Vec<Literal>),
    StartsWith(String),
    EndsWith(String),
    Ge(String),
    Le(String),
}

/// A literal of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Literal {
    /// A quoted string, or an unquoted number or date.
    Text(String),
    Bool(bool),
    Null,
}

/// Why a filter was refused.
#[derive(Debug, PartialEq)]
pub(crate) enum FilterError {
    /// Bad syntax (400 BadRequest).
    Syntax(String),
    /// A property that cannot be filtered on, or not with this operator
    /// (400 Request_UnsupportedQuery).
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

struct Parser<P> {
    tokens: Vec<Token>,
    pos: usize,
    /// The first operator that needs the advanced query parameters.
    advanced: Option<&'static str>,
    depth: usize,
    comparisons: usize,
    marker: std::marker::PhantomData<P>,
}

/// The variable of an `any` lambda, while its body is parsed.
enum Subject<P> {
    Property(P),
    Lambda(P, String),
}

impl<P: Field> Parser<P> {
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

    fn or(&mut self) -> Result<Filter<P>, FilterError> {
        let mut left = self.and()?;
        while self.peek_word().as_deref() == Some("or") {
            self.pos += 1;
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter<P>, FilterError> {
        let mut left = self.unary()?;
        while self.peek_word().as_deref() == Some("and") {
            self.pos += 1;
            left = Filter::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter<P>, FilterError> {
        if self.peek_word().as_deref() == Some("not") {
            self.pos += 1;
            self.flag("not");
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

    /// Records that the filter is an advanced query, naming the first operator.
    fn flag(&mut self, operator: &'static str) {
        self.advanced.get_or_insert(operator);
    }

    /// Checks `op` on `prop` against Graph's support, as `operator` names it.
    fn grade(&mut self, prop: P, op: Op, operator: &'static str) -> Result<(), FilterError> {
        match prop.filter(op) {
            Support::Default => Ok(()),
            Support::Advanced => {
                self.flag(operator);
                Ok(())
            }
            Support::No => Err(FilterError::Property(prop.name().into())),
        }
    }

    /// A property, or `collection/any(x:` opening a lambda.
    fn subject(&mut self) -> Result<Subject<P>, FilterError> {
        let word = match self.next() {
            Some(Token::Word(word)) => word,
            other => {
                return Err(FilterError::Syntax(format!(
                    "expected a property, found {other:?}"
                )));
            }
        };
        let Some((name, lambda)) = word.split_once('/') else {
            let prop = P::parse(&word).ok_or(FilterError::Property(word))?;
            if prop.is_collection() {
                return Err(FilterError::Property(prop.name().into()));
            }
            return Ok(Subject::Property(prop));
        };
        let prop = P::parse(name).ok_or_else(|| FilterError::Property(name.into()))?;
        if !lambda.eq_ignore_ascii_case("any") && !prop.is_collection() {
            // A property of a complex value (`signInActivity/lastSignInDateTime`):
            // compared as the property itself, which the emulator keeps null.
            if prop.filter(Op::Range) == Support::No {
                return Err(FilterError::Property(word));
            }
            return Ok(Subject::Property(prop));
        }
        if !lambda.eq_ignore_ascii_case("any") || !prop.is_collection() {
            return Err(FilterError::Property(prop.name().into()));
        }
        self.consume(Token::Open)?;
        let variable = match self.next() {
            Some(Token::Word(word)) => match word.split_once(':') {
                Some((variable, "")) => variable.to_owned(),
                Some((variable, rest)) => {
                    // `c:c eq 'x'`: the body starts in the same word.
                    self.pos -= 1;
                    self.tokens[self.pos] = Token::Word(rest.to_owned());
                    variable.to_owned()
                }
                None => return Err(FilterError::Syntax("expected 'variable:' in any()".into())),
            },
            other => {
                return Err(FilterError::Syntax(format!(
                    "expected 'variable:' in any(), found {other:?}"
                )));
            }
        };
        Ok(Subject::Lambda(prop, variable))
    }

    /// The operand of a comparison: a property, or the lambda's variable.
    fn operand(&mut self, lambda: Option<&(P, String)>) -> Result<Subject<P>, FilterError> {
        match lambda {
            Some((prop, variable)) => match self.next() {
                Some(Token::Word(word)) if word == *variable => {
                    Ok(Subject::Lambda(*prop, variable.clone()))
                }
                other => Err(FilterError::Syntax(format!(
                    "expected '{variable}', found {other:?}"
                ))),
            },
            None => self.subject(),
        }
    }

    fn literal(&mut self) -> Result<Literal, FilterError> {
        match self.next() {
            Some(Token::Text(t)) => Ok(Literal::Text(t)),
            Some(Token::Word(w)) => match w.as_str() {
                "true" => Ok(Literal::Bool(true)),
                "false" => Ok(Literal::Bool(false)),
                "null" => Ok(Literal::Null),
                _ if w.starts_with(|c: char| c.is_ascii_digit()) => Ok(Literal::Text(w)),
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

    fn comparison(&mut self) -> Result<Filter<P>, FilterError> {
        if self.function_ahead() {
            return self.function(None);
        }
        match self.operand(None)? {
            Subject::Property(prop) => {
                let cmp = self.operator(prop, false)?;
                Ok(Filter::Compare(prop, cmp))
            }
            Subject::Lambda(prop, variable) => {
                let lambda = (prop, variable);
                let inner = if self.function_ahead() {
                    self.function(Some(&lambda))?
                } else {
                    self.operand(Some(&lambda))?;
                    Filter::Any(prop, self.operator(prop, true)?)
                };
                self.consume(Token::Close)?;
                Ok(inner)
            }
        }
    }

    fn function_ahead(&self) -> bool {
        matches!(self.peek_word().as_deref(), Some("startswith" | "endswith"))
            && self.tokens.get(self.pos + 1) == Some(&Token::Open)
    }

    /// `startswith(operand, 'text')` or `endswith(...)`.
    fn function(&mut self, lambda: Option<&(P, String)>) -> Result<Filter<P>, FilterError> {
        let name = self.peek_word().unwrap_or_default();
        self.pos += 1;
        self.consume(Token::Open)?;
        let subject = self.operand(lambda)?;
        self.consume(Token::Comma)?;
        let value = self.text()?;
        self.consume(Token::Close)?;
        let (prop, in_lambda) = match subject {
            Subject::Property(prop) => (prop, false),
            Subject::Lambda(prop, _) => (prop, true),
        };
        let cmp = if name == "startswith" {
            self.grade(prop, Op::StartsWith, "startsWith")?;
            Cmp::StartsWith(value)
        } else {
            self.grade(prop, Op::EndsWith, "endsWith")?;
            // endsWith is advanced everywhere the page allows it.
            self.flag("endsWith");
            Cmp::EndsWith(value)
        };
        Ok(if in_lambda {
            Filter::Any(prop, cmp)
        } else {
            Filter::Compare(prop, cmp)
        })
    }

    /// `eq`, `ne`, `in`, `ge` or `le` and its value, after the operand `prop`.
    fn operator(&mut self, prop: P, in_lambda: bool) -> Result<Cmp, FilterError> {
        let op = self
            .peek_word()
            .ok_or_else(|| FilterError::Syntax("expected an operator".into()))?;
        self.pos += 1;
        match op.as_str() {
            "eq" | "ne" if !(in_lambda && op == "ne") => {
                let value = self.literal()?;
                self.grade(prop, Op::Eq, "eq")?;
                if op == "ne" {
                    self.flag("ne");
                    return Ok(Cmp::Ne(value));
                }
                if value == Literal::Null {
                    self.flag("eq");
                }
                Ok(Cmp::Eq(value))
            }
            "in" => {
                self.grade(prop, Op::Eq, "in")?;
                self.consume(Token::Open)?;
                let mut values = vec![self.literal()?];
                while self.tokens.get(self.pos) == Some(&Token::Comma) {
                    self.pos += 1;
                    values.push(self.literal()?);
                }
                self.consume(Token::Close)?;
                Ok(Cmp::In(values))
            }
            "ge" | "le" => {
                self.grade(prop, Op::Range, if op == "ge" { "ge" } else { "le" })?;
                let value = self.text()?;
                Ok(if op == "ge" {
                    Cmp::Ge(value)
                } else {
                    Cmp::Le(value)
                })
            }
            other => Err(FilterError::Syntax(format!(
                "unsupported operator '{other}'"
            ))),
        }
    }
}

impl<P: Field> Filter<P> {
    /// Parses a filter; with it, the first operator that makes it an advanced query
    /// (one that needs `ConsistencyLevel: eventual` and `$count=true`), if any.
    pub(crate) fn parse(input: &str) -> Result<(Filter<P>, Option<&'static str>), FilterError> {
        let mut parser = Parser {
            tokens: tokenize(input)?,
            pos: 0,
            advanced: None,
            depth: 0,
            comparisons: 0,
            marker: std::marker::PhantomData,
        };
        let filter = parser.or()?;
        if parser.pos != parser.tokens.len() {
            return Err(FilterError::Syntax(
                "unexpected text after the expression".into(),
            ));
        }
        Ok((filter, parser.advanced))
    }

    pub(crate) fn matches(&self, object: &P::Object) -> bool {
        match self {
            Filter::Compare(p, cmp) => match p.value(object) {
                Value::Text(text) => cmp.text(text.as_deref()),
                Value::Bool(b) => cmp.flag(b),
                Value::Texts(_) => false,
            },
            Filter::Any(p, cmp) => match p.value(object) {
                Value::Texts(items) => items.iter().any(|item| cmp.text(Some(item))),
                _ => false,
            },
            Filter::And(a, b) => a.matches(object) && b.matches(object),
            Filter::Or(a, b) => a.matches(object) || b.matches(object),
            Filter::Not(f) => !f.matches(object),
        }
    }

    /// Whether the filter compares `prop`.
    pub(crate) fn mentions(&self, prop: P) -> bool {
        match self {
            Filter::Compare(p, _) | Filter::Any(p, _) => *p == prop,
            Filter::And(a, b) | Filter::Or(a, b) => a.mentions(prop) || b.mentions(prop),
            Filter::Not(f) => f.mentions(prop),
        }
    }

    /// The ids of `id eq '..' or id eq '..'`, the only filter delta queries take;
    /// `None` for any other filter.
    pub(crate) fn ids(&self) -> Option<Vec<&str>> {
        match self {
            Filter::Compare(p, Cmp::Eq(Literal::Text(id))) if *p == P::ID => Some(vec![id]),
            Filter::Or(a, b) => {
                let mut ids = a.ids()?;
                ids.extend(b.ids()?);
                Some(ids)
            }
            _ => None,
        }
    }
}

/// `text` in lower case, as Graph compares strings.
fn fold(text: &str) -> String {
    text.to_lowercase()
}

/// Whether `s` starts with `prefix`, ignoring case.
pub(crate) fn starts_with_ci(s: &str, prefix: &str) -> bool {
    fold(s).starts_with(&fold(prefix))
}

impl Cmp {
    /// Whether a string value (`None`: null) passes.
    fn text(&self, value: Option<&str>) -> bool {
        let equals = |literal: &Literal| match (value, literal) {
            (Some(v), Literal::Text(t)) => fold(v) == fold(t),
            (None, Literal::Null) => true,
            _ => false,
        };
        match self {
            Cmp::Eq(l) => equals(l),
            Cmp::Ne(l) => !equals(l),
            Cmp::In(ls) => ls.iter().any(equals),
            Cmp::StartsWith(p) => value.is_some_and(|v| starts_with_ci(v, p)),
            Cmp::EndsWith(p) => value.is_some_and(|v| fold(v).ends_with(&fold(p))),
            Cmp::Ge(x) => value.is_some_and(|v| fold(v) >= fold(x)),
            Cmp::Le(x) => value.is_some_and(|v| fold(v) <= fold(x)),
        }
    }

    /// Whether a boolean value passes.
    fn flag(&self, value: bool) -> bool {
        let equals = |literal: &Literal| *literal == Literal::Bool(value);
        match self {
            Cmp::Eq(l) => equals(l),
            Cmp::Ne(l) => !equals(l),
            Cmp::In(ls) => ls.iter().any(equals),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::props::Prop;
    use crate::state::User;

    fn parse(input: &str) -> Result<(Filter<Prop>, Option<&'static str>), FilterError> {
        Filter::parse(input)
    }

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
            let (filter, advanced) = parse(f).unwrap();
            (filter.matches(&u), advanced.is_some())
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
            parse("displayName eqq 'a'"),
            Err(FilterError::Syntax(_))
        ));
        assert!(matches!(
            parse("startswith(displayName,'a'"),
            Err(FilterError::Syntax(_))
        ));
        assert!(matches!(
            parse("displayName eq 'a"),
            Err(FilterError::Syntax(_))
        ));
        assert_eq!(
            parse("shoeSize eq '4'"),
            Err(FilterError::Property("shoeSize".into()))
        );
        assert!(matches!(
            parse("displayName eq 'a' junk"),
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
            let _ = parse(&input);
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
        let (filter, _) = parse(&nested(MAX_DEPTH)).unwrap();
        assert!(filter.matches(&user()));
        for levels in [MAX_DEPTH + 1, 3000] {
            match parse(&nested(levels)) {
                Err(FilterError::Syntax(message)) => {
                    assert!(message.contains("100 levels"), "{message}")
                }
                other => panic!("{levels} levels: {other:?}"),
            }
        }
        let nots = format!("{}displayName eq 'x'", "not ".repeat(3000));
        assert!(matches!(parse(&nots), Err(FilterError::Syntax(_))));
    }

    #[test]
    fn a_chain_of_more_comparisons_than_the_limit_is_a_syntax_error() {
        let chain = |n: usize| vec!["displayName eq 'x'"; n].join(" and ");
        assert!(parse(&chain(MAX_COMPARISONS)).is_ok());
        match parse(&chain(70_000)) {
            Err(FilterError::Syntax(message)) => {
                assert!(message.contains("1000 comparisons"), "{message}")
            }
            other => panic!("{other:?}"),
        }
    }
}
