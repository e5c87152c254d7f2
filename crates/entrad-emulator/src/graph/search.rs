//! `$search` on users: `"property:term"` clauses joined by `AND`/`OR`, matching words
//! that start with the term (Graph's tokenized search, simplified).

use super::props::Prop;
use crate::state::User;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Join {
    And,
    Or,
}

/// A parsed `$search` expression, evaluated left to right.
#[derive(Debug, Clone)]
pub(crate) struct Search {
    clauses: Vec<(Join, Prop, String)>,
}

impl Search {
    pub(crate) fn parse(input: &str) -> Result<Search, String> {
        let mut clauses = Vec::new();
        let mut rest = input.trim();
        let mut join = Join::Or;
        loop {
            let body = rest
                .strip_prefix('"')
                .and_then(|r| r.split_once('"'))
                .ok_or_else(|| {
                    format!(
                        "Syntax error: invalid $search expression {input:?}; use \"property:term\"."
                    )
                })?;
            let (clause, after) = body;
            let (name, term) = clause.split_once(':').ok_or_else(|| {
                format!("Syntax error: $search clause \"{clause}\" needs property:term.")
            })?;
            let prop = Prop::parse(name.trim())
                .filter(|p| p.text_searchable())
                .ok_or_else(|| format!("Invalid $search property '{name}'."))?;
            clauses.push((join, prop, term.trim().to_lowercase()));
            rest = after.trim();
            if rest.is_empty() {
                break;
            }
            let (word, after) = rest.split_once(' ').unwrap_or((rest, ""));
            join = match word {
                "AND" => Join::And,
                "OR" => Join::Or,
                _ => {
                    return Err(format!(
                        "Syntax error: expected AND or OR in $search, found '{word}'."
                    ));
                }
            };
            rest = after.trim();
        }
        Ok(Search { clauses })
    }

    pub(crate) fn matches(&self, user: &User) -> bool {
        let mut result = false;
        for (i, (join, prop, term)) in self.clauses.iter().enumerate() {
            let hit = prop.text(user).is_some_and(|value| {
                value
                    .to_lowercase()
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|word| word.starts_with(term.as_str()))
            });
            result = if i == 0 {
                hit
            } else {
                match join {
                    Join::And => result && hit,
                    Join::Or => result || hit,
                }
            };
        }
        result
    }
}

impl Prop {
    fn text_searchable(self) -> bool {
        matches!(
            self,
            Prop::DisplayName
                | Prop::GivenName
                | Prop::Surname
                | Prop::Mail
                | Prop::UserPrincipalName
                | Prop::JobTitle
                | Prop::Department
                | Prop::MailNickname
                | Prop::OfficeLocation
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_prefix_search() {
        let u: User = serde_json::from_value(serde_json::json!({
            "userPrincipalName": "adele.vance@x.test", "displayName": "Adele Vance"
        }))
        .unwrap();
        assert!(Search::parse("\"displayName:van\"").unwrap().matches(&u));
        assert!(!Search::parse("\"displayName:ance\"").unwrap().matches(&u));
        assert!(Search::parse("\"displayName:zz\" OR \"mail:ad\"").is_ok());
        assert!(
            !Search::parse("\"displayName:zz\" AND \"displayName:ad\"")
                .unwrap()
                .matches(&u)
        );
        assert!(Search::parse("displayName:zz").is_err());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// Untrusted `$search` text: Ok or Err, never a panic.
        #[test]
        fn prop_search_parse_never_panics(
            input in proptest::prop_oneof![
                proptest::prelude::any::<String>(),
                "(\"|displayName:|mail:| OR | AND |[a-z]{1,3}| ){0,12}",
            ]
        ) {
            let _ = Search::parse(&input);
        }
    }
}
