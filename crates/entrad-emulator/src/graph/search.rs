//! `$search` on users and groups, as "Use the $search query parameter" ("Using
//! $search on directory object collections") describes it: `"property:text"`
//! clauses joined by `AND`/`OR` (upper case, outside the quotes), parentheses, `\"`
//! and `\\` escapes. `displayName` and `description` are tokenized (spaces, symbols,
//! a change from lower to upper case, letters to digits; words joined only by
//! symbols also as one word) and every word of the text must start a word of the
//! value, in any order, ignoring case; any other property matches when its value
//! starts with the text (`$filter`'s `startswith`). The page gives no precedence of
//! `AND` over `OR` without parentheses: `AND` binds tighter, as in `$filter`.

use super::filter::starts_with_ci;
use super::property::{Field, Op, Support, Value};

/// A parsed `$search` expression over properties `P`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Search<P> {
    Clause(P, String),
    And(Box<Search<P>>, Box<Search<P>>),
    Or(Box<Search<P>>, Box<Search<P>>),
}

/// Deepest nesting of parentheses accepted (parsing and matching recurse per level).
const MAX_DEPTH: usize = 100;
/// Most clauses in one expression (`AND`/`OR` chains nest as deep as they are long).
const MAX_CLAUSES: usize = 1000;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Clause(String),
    And,
    Or,
    Open,
    Close,
}

fn syntax(input: &str) -> String {
    format!(
        "Syntax error: invalid $search expression {input:?}; use \"property:text\" clauses joined by AND or OR."
    )
}

/// Splits the expression into quoted clauses (escapes resolved), `AND`, `OR`
/// and parentheses.
fn lex(input: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            '(' => tokens.push(Token::Open),
            ')' => tokens.push(Token::Close),
            '"' => {
                let mut clause = String::new();
                loop {
                    match chars.next() {
                        Some('\\') if matches!(chars.peek(), Some('"' | '\\')) => {
                            clause.extend(chars.next());
                        }
                        Some('"') => break,
                        Some(c) => clause.push(c),
                        None => return Err(syntax(input)),
                    }
                }
                tokens.push(Token::Clause(clause));
            }
            _ => {
                let mut word = String::from(c);
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || matches!(c, '(' | ')' | '"') {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                tokens.push(match word.as_str() {
                    "AND" => Token::And,
                    "OR" => Token::Or,
                    _ => {
                        return Err(format!(
                            "Syntax error: expected AND or OR in $search, found '{word}'."
                        ));
                    }
                });
            }
        }
    }
    Ok(tokens)
}

struct Parser<'a> {
    input: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
    clauses: usize,
}

impl Parser<'_> {
    fn or<P: Field>(&mut self) -> Result<Search<P>, String> {
        let mut left = self.and()?;
        while self.tokens.get(self.pos) == Some(&Token::Or) {
            self.pos += 1;
            left = Search::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and<P: Field>(&mut self) -> Result<Search<P>, String> {
        let mut left = self.primary()?;
        while self.tokens.get(self.pos) == Some(&Token::And) {
            self.pos += 1;
            left = Search::And(Box::new(left), Box::new(self.primary()?));
        }
        Ok(left)
    }

    fn primary<P: Field>(&mut self) -> Result<Search<P>, String> {
        let token = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        match token {
            Some(Token::Open) => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(format!(
                        "Syntax error: $search nests parentheses more than {MAX_DEPTH} levels deep."
                    ));
                }
                let inner = self.or()?;
                self.depth -= 1;
                if self.tokens.get(self.pos) != Some(&Token::Close) {
                    return Err(syntax(self.input));
                }
                self.pos += 1;
                Ok(inner)
            }
            Some(Token::Clause(clause)) => {
                self.clauses += 1;
                if self.clauses > MAX_CLAUSES {
                    return Err(format!(
                        "Syntax error: $search has more than {MAX_CLAUSES} clauses."
                    ));
                }
                clause_of(&clause)
            }
            _ => Err(syntax(self.input)),
        }
    }
}

/// `property:text`, the property one `$filter` can name.
fn clause_of<P: Field>(clause: &str) -> Result<Search<P>, String> {
    let (name, text) = clause
        .split_once(':')
        .ok_or_else(|| format!("Syntax error: $search clause \"{clause}\" needs property:text."))?;
    let prop = P::parse(name.trim())
        .filter(|p| p.filter(Op::Eq) != Support::No)
        .ok_or_else(|| format!("Invalid $search property '{}'.", name.trim()))?;
    Ok(Search::Clause(prop, text.trim().to_owned()))
}

impl<P: Field> Search<P> {
    pub(crate) fn parse(input: &str) -> Result<Search<P>, String> {
        let mut parser = Parser {
            input,
            tokens: lex(input)?,
            pos: 0,
            depth: 0,
            clauses: 0,
        };
        let search = parser.or()?;
        if parser.pos != parser.tokens.len() {
            return Err(syntax(input));
        }
        Ok(search)
    }

    pub(crate) fn matches(&self, object: &P::Object) -> bool {
        match self {
            Search::Clause(prop, text) => clause_matches(*prop, text, object),
            Search::And(a, b) => a.matches(object) && b.matches(object),
            Search::Or(a, b) => a.matches(object) || b.matches(object),
        }
    }
}

fn clause_matches<P: Field>(prop: P, text: &str, object: &P::Object) -> bool {
    match prop.value(object) {
        Value::Text(Some(value)) if prop.tokenized() => {
            let words = words(&value, true);
            let wanted = words_of_query(text);
            !wanted.is_empty()
                && wanted
                    .iter()
                    .all(|w| words.iter().any(|word| word.starts_with(w.as_str())))
        }
        Value::Text(value) => value.is_some_and(|v| starts_with_ci(&v, text)),
        Value::Texts(items) => items.iter().any(|item| starts_with_ci(item, text)),
        Value::Bool(b) => text.eq_ignore_ascii_case(if b { "true" } else { "false" }),
    }
}

/// The words of a query's text: as [`words`] splits a value, without the words
/// joined across symbols (`hello.world` looks for `hello` and `world`).
fn words_of_query(text: &str) -> Vec<String> {
    words(text, false)
}

/// The page's tokenization, in lower case: split on whitespace and symbols, at
/// a change from lower to upper case (`HelloWorld`: hello, world; `HELLOworld` is
/// one word) and between letters and digits (`hello123world`: hello, 123, world).
/// With `joined`, the letters and digits of a run without spaces are also one
/// word (`hello.world` and `hello-world` give `helloworld`).
fn words(text: &str, joined: bool) -> Vec<String> {
    let mut out = Vec::new();
    for chunk in text.split_whitespace() {
        let mut parts: Vec<String> = Vec::new();
        let mut current = String::new();
        let mut previous: Option<char> = None;
        let mut symbols = false;
        for c in chunk.chars() {
            if !c.is_alphanumeric() {
                symbols = true;
                if !current.is_empty() {
                    parts.push(std::mem::take(&mut current));
                }
                previous = None;
                continue;
            }
            let split = previous.is_some_and(|p| {
                (p.is_lowercase() && c.is_uppercase()) || (p.is_numeric() != c.is_numeric())
            });
            if split && !current.is_empty() {
                parts.push(std::mem::take(&mut current));
            }
            current.push(c);
            previous = Some(c);
        }
        if !current.is_empty() {
            parts.push(current);
        }
        if joined && symbols && parts.len() > 1 {
            let whole: String = chunk.chars().filter(|c| c.is_alphanumeric()).collect();
            parts.push(whole);
        }
        out.extend(parts.into_iter().map(|p| p.to_lowercase()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::props::Prop;
    use crate::state::User;

    fn user(display_name: &str, mail: &str) -> User {
        serde_json::from_value(serde_json::json!({
            "userPrincipalName": mail, "mail": mail, "displayName": display_name
        }))
        .unwrap()
    }

    fn finds(search: &str, u: &User) -> bool {
        Search::<Prop>::parse(search).unwrap().matches(u)
    }

    #[test]
    fn the_pages_tokenization_examples() {
        assert_eq!(words("hello world", true), ["hello", "world"]);
        assert_eq!(words("HelloWorld", true), ["hello", "world"]);
        assert_eq!(words("helloWORLD", true), ["hello", "world"]);
        assert_eq!(words("hello.world", true), ["hello", "world", "helloworld"]);
        assert_eq!(words("hello123world", true), ["hello", "123", "world"]);
        assert_eq!(words("HELLOworld", true), ["helloworld"]);
        assert_eq!(words("HelloWORld", true), ["hello", "world"]);
        assert_eq!(words("hello.world", false), ["hello", "world"]);
    }

    #[test]
    fn tokenized_words_in_any_order_other_properties_by_their_start() {
        let adele = user("Adele Vance", "adele.vance@x.test");
        assert!(finds("\"displayName:Adele Vance\"", &adele));
        assert!(finds("\"displayName:Vance Adele\"", &adele));
        assert!(finds("\"displayName:van\"", &adele));
        assert!(finds("\"displayName:vance ad\"", &adele));
        assert!(!finds("\"displayName:ance\"", &adele));
        assert!(!finds("\"displayName:Adele Smith\"", &adele));
        assert!(finds("\"mail:adele.vance\"", &adele));
        assert!(finds("\"mail:ADELE.V\"", &adele));
        assert!(!finds("\"mail:vance\"", &adele));
        let joined = user("hello-world", "h@x.test");
        assert!(finds("\"displayName:helloworld\"", &joined));
        assert!(finds("\"displayName:world hello\"", &joined));
        assert!(!finds(
            "\"displayName:helloworld\"",
            &user("Hello World", "s@x.test")
        ));
    }

    #[test]
    fn and_binds_tighter_than_or_and_parentheses_and_escapes() {
        let adele = user("Adele Vance", "adele.vance@x.test");
        assert!(finds("\"displayName:zz\" OR \"mail:ad\"", &adele));
        assert!(!finds("\"displayName:zz\" AND \"displayName:ad\"", &adele));
        assert!(finds(
            "\"displayName:zz\" AND \"displayName:qq\" OR \"displayName:ad\"",
            &adele
        ));
        assert!(!finds(
            "\"displayName:zz\" AND (\"displayName:qq\" OR \"displayName:ad\")",
            &adele
        ));
        let quoted = user("Say \"Hi\" \\ Bye", "q@x.test");
        assert!(finds(r#""displayName:\"Hi\" \\ bye""#, &quoted));
        for bad in [
            "displayName:zz",
            "\"displayName:zz",
            "\"displayName:a\" and \"mail:b\"",
            "(\"displayName:a\"",
            "\"nothing\"",
            "\"shoeSize:4\"",
            "\"displayName:a\" OR",
        ] {
            assert!(Search::<Prop>::parse(bad).is_err(), "{bad}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// Untrusted `$search` text: Ok or Err, never a panic.
        #[test]
        fn prop_search_parse_never_panics(
            input in proptest::prop_oneof![
                proptest::prelude::any::<String>(),
                "(\"|displayName:|mail:| OR | AND |\\(|\\)|\\\\|[a-zA-Z0-9.]{1,3}| ){0,12}",
            ]
        ) {
            let _ = Search::<Prop>::parse(&input);
        }
    }
}
